// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_common.c - Helpers shared by the libFuzzer targets
 *
 * - fuzz_isolation_check(): every target refuses to run unless its network
 *   namespace is one that has nothing but a loopback interface, as made by
 *   'unshare -Urn': fuzzed frames make the daemon's code open sockets and
 *   connect them to whatever address the frame names.
 * - getrandom() is wrapped (-Wl,--wrap=getrandom): fixed "random" bytes make
 *   the TCP initial sequence numbers and the flow hash key, and with them
 *   whole runs, reproducible.
 * - exit() is wrapped (-Wl,--wrap=exit): the command line parser ends with
 *   exit() on errors; fuzz_conf makes that come back to the harness.
 * - fuzz_ctx_services(): a configuration for the DHCP, DHCPv6 and NDP reply
 *   builders, varied by one byte of the input.
 */

#include <dirent.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "fuzz.h"
#include "passt.h"
#include "dhcpv6.h"
#include "log.h"

jmp_buf *fuzz_exit_jmp;

void __real_exit(int status) __attribute__((noreturn));
void __wrap_exit(int status) __attribute__((noreturn));
ssize_t __wrap_getrandom(void *buf, size_t len, unsigned int flags);

/**
 * __wrap_exit() - exit(), or back to the harness while it asks for that
 * @status:	Exit status
 */
void __wrap_exit(int status)
{
	jmp_buf *j = fuzz_exit_jmp;

	if (j) {
		fuzz_exit_jmp = NULL;
		longjmp(*j, (status & 0xff) + 1);
	}
	__real_exit(status);
}

/**
 * __wrap_getrandom() - Deterministic getrandom(): a fixed byte pattern
 * @buf:	Buffer
 * @len:	Bytes wanted
 * @flags:	Ignored
 *
 * Return: @len
 */
ssize_t __wrap_getrandom(void *buf, size_t len, unsigned int flags)
{
	uint8_t *p = buf;
	size_t i;

	(void)flags;
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(0x5a ^ (i * 29));
	return (ssize_t)len;
}

/**
 * fuzz_fail() - Report a harness-detected problem and abort (a "crash")
 * @fmt:	Message
 */
void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "==FUZZ== ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

/**
 * fuzz_isolation_check() - Refuse to run outside an isolated network
 *			    namespace (only "lo", and not PID 1's)
 * @target:	Name of the target, for the message
 */
void fuzz_isolation_check(const char *target)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	struct stat self, init;
	bool bad = false;

	if (!ifs)
		fuzz_fail("%s: can't list network interfaces: %s", target,
			  strerror(errno));
	for (i = ifs; i->if_index; i++) {
		if (strcmp(i->if_name, "lo"))
			bad = true;
	}
	if_freenameindex(ifs);

	if (!stat("/proc/self/ns/net", &self) &&
	    !stat("/proc/1/ns/net", &init) && self.st_ino == init.st_ino)
		bad = true;

	if (bad) {
		fprintf(stderr,
			"%s: refusing to run: this network namespace has "
			"interfaces other than 'lo'\n(or is PID 1's). The "
			"daemon's code opens sockets to the addresses in the "
			"fuzzed frames:\nrun under 'unshare -Urn' (see "
			"test/fuzz/run.sh, replay.sh).\n", target);
		__real_exit(2);
	}
}

/**
 * fuzz_private_netns() - Move to a network namespace of our own
 *
 * libFuzzer's -merge, -fork and -jobs modes run several processes of a
 * target at once: each needs its own loopback and ports. We're root in the
 * user namespace of 'unshare -Urn', which allows this.
 */
void fuzz_private_netns(void)
{
	if (unshare(CLONE_NEWNET))
		fuzz_fail("can't create a network namespace: %s (run under "
			  "'unshare -Urn')", strerror(errno));
}

/**
 * fuzz_lo_up() - Bring the loopback interface of our namespace up
 */
void fuzz_lo_up(void)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	strcpy(ifr.ifr_name, "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr))
		fuzz_fail("can't read the flags of lo: %s", strerror(errno));
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr))
		fuzz_fail("can't bring lo up: %s", strerror(errno));
	close(s);
}

/**
 * fuzz_sysctl() - Write a value to a (namespaced) sysctl
 * @path:	Path under /proc/sys
 * @val:	Value
 *
 * Return: 0 on success, -1 on failure
 */
int fuzz_sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -1;
	close(fd);
	return rc;
}

/**
 * fuzz_fd_count() - Number of open file descriptors of this process
 *
 * Return: count, not including the one used to count
 */
int fuzz_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (*e->d_name != '.')
			n++;
	}
	closedir(d);
	return n - 1;
}

/**
 * fuzz_fd_dump() - Print the open file descriptors of this process
 */
void fuzz_fd_dump(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[PATH_MAX], target[PATH_MAX] = "?";
		ssize_t n;

		if (*e->d_name == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		if ((n = readlink(path, target, sizeof(target) - 1)) > 0)
			target[n] = '\0';
		fprintf(stderr, "    fd %s: %s\n", e->d_name, target);
	}
	closedir(d);
}

/**
 * fuzz_log_init() - Daemon logging: errors only, unless FUZZ_DEBUG is set
 * @name:	Log prefix
 */
void fuzz_log_init(const char *name)
{
	const char *d = getenv("FUZZ_DEBUG");

	log_init(name, true, d && *d ? LOG_DEBUG : LOG_ERR,
		 d && !strcmp(d, "trace"));
}

/**
 * ip4() - IPv4 address from text, for the configurations below
 * @s:		Address
 *
 * Return: the address
 */
static struct in_addr ip4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return a;
}

/**
 * ip6() - IPv6 address from text
 * @s:		Address
 *
 * Return: the address
 */
static struct in6_addr ip6(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		abort();
	return a;
}

/**
 * fill_name() - Write a domain name of exactly @len characters
 * @buf:	Buffer, at least @len + 1 bytes
 * @len:	Length
 * @tag:	Letter to tell names apart
 */
static void fill_name(char *buf, size_t len, char tag)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (i % 64 == 63) ? '.' : (i % 64 ? 'a' + i % 26 : tag);
	if (len && buf[len - 1] == '.')
		buf[len - 1] = tag;
	buf[len] = '\0';
}

/**
 * fuzz_ctx_services() - Configuration for the reply builders, like passt's
 *			 in test/ns (documentation addresses)
 * @c:		Context, overwritten
 * @flags:	Variations: bit 0: --no-dhcp-dns, 1: --no-dhcp-search,
 *		2: longest names everywhere, 3-4: MTU 65520/0/576/1500,
 *		5: --no-ra, 6: --map-guest-addr and --dns-forward set,
 *		7: most resolvers and search domains
 */
void fuzz_ctx_services(struct ctx *c, uint8_t flags)
{
	static const unsigned char mac[] = { 0x9a, 0x55, 0x9a, 0x55, 0x9a,
					     0x55 };
	static const int mtus[] = { 65520, 0, 576, 1500 };
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->mode = MODE_PASST;
	c->name = "passt";
	c->fd_tap = c->fd_tap_listen = c->fd_given = c->pidfile_fd = -1;
	c->epollfd = -1;
	c->v4 = c->v6 = true;
	memcpy(c->our_tap_mac, mac, sizeof(mac));

	c->ip4.addr = c->ip4.addr_seen = ip4("198.51.100.1");
	c->ip4.prefix_len = 24;
	c->ip4.guest_gw = c->ip4.our_tap_addr = ip4("198.51.100.2");
	c->ip4.map_host_loopback = c->ip4.guest_gw;
	c->ip4.dns[0] = ip4("198.51.100.2");

	c->ip6.addr = c->ip6.addr_seen = ip6("2001:db8:1::1");
	c->ip6.prefix_len = 64;
	c->ip6.guest_gw = ip6("2001:db8:1::2");
	c->ip6.map_host_loopback = c->ip6.guest_gw;
	c->ip6.our_tap_ll = ip6("fe80::2");
	c->ip6.dns[0] = ip6("2001:db8:1::2");

	strcpy(c->dns_search[0].n, "example.org");
	strcpy(c->hostname, "guest");
	strcpy(c->fqdn, "guest.example.org");

	c->no_dhcp_dns = !!(flags & 1);
	c->no_dhcp_dns_search = !!(flags & 2);
	c->mtu = mtus[(flags >> 3) & 3];
	c->no_ra = !!(flags & 32);

	if (flags & 64) {
		c->ip4.map_guest_addr = ip4("198.51.100.4");
		c->ip6.map_guest_addr = ip6("2001:db8:1::4");
		c->ip4.dns_match = ip4("198.51.100.3");
		c->ip6.dns_match = ip6("2001:db8:1::3");
	}

	if (flags & 128) {
		for (i = 1; i < MAXNS; i++) {
			char a[INET6_ADDRSTRLEN];

			snprintf(a, sizeof(a), "203.0.113.%u", 50 + i);
			c->ip4.dns[i] = ip4(a);
			snprintf(a, sizeof(a), "2001:db8:2::%u", 50 + i);
			c->ip6.dns[i] = ip6(a);
		}
		for (i = 1; i < MAXDNSRCH - 1; i++)
			snprintf(c->dns_search[i].n, sizeof(c->dns_search[i].n),
				 "d%u.example.org", i);
	}

	if (flags & 4) {
		/* What conf.c accepts at most: five domains of DNSRCH_LEN
		 * characters, with any labels; hostname and FQDN at their
		 * limits
		 */
		fill_name(c->dns_search[0].n, DNSRCH_LEN, 'p');
		memset(c->dns_search[1].n, 'q', DNSRCH_LEN);
		c->dns_search[1].n[DNSRCH_LEN] = '\0';
		strcpy(c->dns_search[2].n, "a..b.");
		memset(c->dns_search[3].n, '.', DNSRCH_LEN);
		c->dns_search[3].n[DNSRCH_LEN] = '\0';
		fill_name(c->dns_search[4].n, DNSRCH_LEN - 1, 'r');
		fill_name(c->hostname, HOSTNAME_LEN - 1, 'h');
		fill_name(c->fqdn, FQDN_LEN - 1, 'f');
	}

	dhcpv6_init(c);
}
