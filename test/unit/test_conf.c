// SPDX-License-Identifier: GPL-2.0-or-later
/* test_conf.c - Command line parser: every option, every form, every error
 *
 * Only the pure parser is exercised: conf_parse() and fwd_spec_parse(). No
 * namespace, no socket. Cases that must exit run in a child process, with
 * stdout and stderr captured through a pipe.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "unit.h"
#include "passt.h"
#include "fwd.h"

/* Not in conf.h: the pure parsing stage of conf(), exposed for this test */
#include "conf.h"

#define ARGS_MAX	64

static struct ctx ctx;
static struct fwd_ports fwd;

/**
 * parse_list() - Reset the context and parse a command line
 * @mode:	MODE_PASST or MODE_PASTA
 * @first:	First argument after argv[0], NULL for none
 * @ap:		More arguments, NULL-terminated
 */
static void parse_list(enum passt_modes mode, const char *first, va_list ap)
{
	static char *argv[ARGS_MAX];
	const char *s = first;
	int argc = 0;

	memset(&ctx, 0, sizeof(ctx));
	ctx.mode = mode;
	ctx.name = mode == MODE_PASTA ? "pasta" : "passt";

	argv[argc++] = mode == MODE_PASTA ? "/usr/bin/pasta" : "./passt";
	while (s && argc < ARGS_MAX - 1) {
		argv[argc++] = (char *)s;
		s = va_arg(ap, const char *);
	}
	argv[argc] = NULL;

	conf_parse(&ctx, argc, argv);
}

/**
 * passt() - Parse a passt command line into ctx
 * @first:	First argument, then more, NULL-terminated; NULL for none
 */
static void passt(const char *first, ...)
{
	va_list ap;

	va_start(ap, first);
	parse_list(MODE_PASST, first, ap);
	va_end(ap);
}

/**
 * pasta() - Parse a pasta command line into ctx
 * @first:	First argument, then more, NULL-terminated; NULL for none
 */
static void pasta(const char *first, ...)
{
	va_list ap;

	va_start(ap, first);
	parse_list(MODE_PASTA, first, ap);
	va_end(ap);
}

/**
 * struct outcome - What a child process did
 * @status:	Exit status, or -1 if it didn't exit normally
 * @out:	Everything it wrote on stdout and stderr
 * @lines:	Number of lines in @out
 */
struct outcome {
	int status;
	char out[1 << 16];
	int lines;
};

static struct outcome res;

/**
 * run_child() - Parse a command line in a child, capture its exit and output
 * @mode:	MODE_PASST or MODE_PASTA
 * @...:	Arguments after argv[0], NULL-terminated
 *
 * Return: pointer to the (static) outcome
 */
static struct outcome *run_child(enum passt_modes mode, ...)
{
	int fds[2], st;
	size_t len = 0;
	ssize_t n;
	va_list ap;
	pid_t pid;

	memset(&res, 0, sizeof(res));
	fflush(stdout);
	fflush(stderr);
	if (pipe(fds) || (pid = fork()) < 0) {
		perror("pipe/fork");
		exit(2);
	}

	if (!pid) {
		close(fds[0]);
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		va_start(ap, mode);
		parse_list(mode, va_arg(ap, const char *), ap);
		va_end(ap);
		fflush(stdout);
		_exit(0);
	}

	close(fds[1]);
	while ((n = read(fds[0], res.out + len, sizeof(res.out) - 1 - len)) > 0)
		len += (size_t)n;
	close(fds[0]);
	waitpid(pid, &st, 0);

	res.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	for (n = 0; (size_t)n < len; n++)
		res.lines += res.out[n] == '\n';
	return &res;
}

/**
 * fails_with() - Did the child exit with 1, one line, containing @text?
 * @o:		Outcome
 * @text:	Expected text
 *
 * Return: true if so (prints the output otherwise)
 */
static bool fails_with(const struct outcome *o, const char *text)
{
	if (o->status == 1 && o->lines == 1 && strstr(o->out, text))
		return true;

	fprintf(stderr, "  expected one line with \"%s\", status 1; got %i:\n"
		"  %s", text, o->status, o->out);
	return false;
}

/**
 * starts_with() - Does the output begin with @text?
 * @o:		Outcome
 * @text:	Expected start
 *
 * Return: true if so
 */
static bool starts_with(const struct outcome *o, const char *text)
{
	if (!strncmp(o->out, text, strlen(text)))
		return true;

	fprintf(stderr, "  expected output starting \"%s\", got: %.200s\n",
		text, o->out);
	return false;
}

#define FAILS(text, mode, ...)						\
	CHECK(fails_with(run_child(mode, __VA_ARGS__, NULL), text))

/**
 * ip4_is() - Compare an IPv4 address with text
 * @a:		Address
 * @s:		Expected, as text
 *
 * Return: true if equal
 */
static bool ip4_is(struct in_addr a, const char *s)
{
	struct in_addr b;

	return inet_pton(AF_INET, s, &b) == 1 && a.s_addr == b.s_addr;
}

/**
 * ip6_is() - Compare an IPv6 address with text
 * @a:		Address
 * @s:		Expected, as text
 *
 * Return: true if equal
 */
static bool ip6_is(const struct in6_addr *a, const char *s)
{
	struct in6_addr b;

	return inet_pton(AF_INET6, s, &b) == 1 && IN6_ARE_ADDR_EQUAL(a, &b);
}

/**
 * test_defaults() - Values without any option
 */
static void test_defaults(void)
{
	static const unsigned char mac[] = { 0x9a, 0x55, 0x9a, 0x55,
					     0x9a, 0x55 };

	passt(NULL);
	CHECK_EQ(ctx.mtu, 65520);
	CHECK(!memcmp(ctx.our_tap_mac, mac, 6));
	CHECK_EQ(ctx.fd_given, -1);
	CHECK(ctx.v4 && ctx.v6);
	CHECK_EQ(ctx.tcp_in.mode, FWD_NONE);
	CHECK_EQ(ctx.udp_in.mode, FWD_NONE);
	CHECK_EQ(ctx.no_dhcp_dns, 0);
	CHECK_EQ(ctx.log_size, 1024 * 1024);
	CHECK_EQ(ctx.foreground, 0);
	CHECK_EQ(ctx.no_splice, 1);
	CHECK(!*ctx.sock_path);

	pasta(NULL);
	CHECK_EQ(ctx.tcp_in.mode, FWD_AUTO);
	CHECK_EQ(ctx.udp_in.mode, FWD_AUTO);
	CHECK_EQ(ctx.tcp_out.mode, FWD_AUTO);
	CHECK_EQ(ctx.udp_out.mode, FWD_AUTO);
	CHECK_EQ(ctx.no_dhcp_dns, 1);
	CHECK_EQ(ctx.no_dhcp_dns_search, 1);
	CHECK_EQ(ctx.foreground, 1);	/* shell spawned: stays with it */
	CHECK_EQ(ctx.quiet, 1);
	CHECK_EQ(ctx.pasta_argc, 0);
	CHECK(!*ctx.netns_path);
}

/**
 * test_logging() - -d, -q, --trace, -f, -e, -l, --log-size, --runas
 */
static void test_logging(void)
{
	passt("-d", NULL);
	CHECK(ctx.debug && !ctx.quiet && !ctx.trace);
	passt("--debug", NULL);
	CHECK(ctx.debug);
	passt("--trace", NULL);
	CHECK(ctx.debug && ctx.trace);
	passt("-q", NULL);
	CHECK(ctx.quiet && !ctx.debug);
	passt("--quiet", "--debug", NULL);
	CHECK(!ctx.quiet && ctx.debug);
	passt("--trace", "-q", NULL);
	CHECK(ctx.quiet && !ctx.debug && !ctx.trace);
	passt("-f", NULL);
	CHECK(ctx.foreground);
	passt("--foreground", NULL);
	CHECK(ctx.foreground);
	passt("-e", NULL);
	CHECK(ctx.log_stderr);
	passt("--stderr", NULL);
	CHECK(ctx.log_stderr);
	passt("-l", "/tmp/x.log", NULL);
	CHECK(!strcmp(ctx.log_file, "/tmp/x.log"));
	passt("--log-file=/tmp/y.log", NULL);
	CHECK(!strcmp(ctx.log_file, "/tmp/y.log"));
	passt("-l/tmp/a", "--log-file", "/tmp/b", NULL);
	CHECK(!strcmp(ctx.log_file, "/tmp/b"));
	passt("--log-size", "100000", NULL);
	CHECK_EQ(ctx.log_size, 100000);
	passt("--log-size=40960", NULL);
	CHECK_EQ(ctx.log_size, 40960);

	passt("--runas", "1000:1001", NULL);
	CHECK(ctx.runas_given && ctx.uid == 1000 && ctx.gid == 1001);
	passt("--runas=1234", NULL);
	CHECK(ctx.uid == 1234 && ctx.gid == 1234);
	passt("--runas", "root", NULL);
	CHECK(ctx.runas_given && ctx.uid == 0 && ctx.gid == 0);
	passt("--runas", "root:0", NULL);
	CHECK(ctx.uid == 0 && ctx.gid == 0);
	passt("--runas", "0:root", NULL);
	CHECK(ctx.uid == 0 && ctx.gid == 0);

	FAILS("Invalid --log-size value '100': must be a number of bytes",
	      MODE_PASST, "--log-size", "100");
	FAILS("Invalid --log-size value 'lots'", MODE_PASTA,
	      "--log-size=lots");
	FAILS("Invalid --runas value 'no_such_user_xyz': no such user",
	      MODE_PASST, "--runas", "no_such_user_xyz");
	FAILS("Invalid --runas value '1000:no_such_group_xyz': no such group",
	      MODE_PASST, "--runas", "1000:no_such_group_xyz");
	FAILS("Invalid --runas value ':'", MODE_PASST, "--runas", ":");
	FAILS("Invalid --runas value ''", MODE_PASST, "--runas", "");
	FAILS("Invalid --log-file value ''", MODE_PASST, "--log-file", "");
}

/**
 * test_files() - -p, -P, -s, -F, -1
 */
static void test_files(void)
{
	char longpath[200];

	passt("-p", "/tmp/c.pcap", "-P", "/tmp/p.pid", NULL);
	CHECK(!strcmp(ctx.pcap, "/tmp/c.pcap"));
	CHECK(!strcmp(ctx.pidfile, "/tmp/p.pid"));
	passt("--pcap=/tmp/d", "--pid=/tmp/q", NULL);
	CHECK(!strcmp(ctx.pcap, "/tmp/d") && !strcmp(ctx.pidfile, "/tmp/q"));
	pasta("--pcap", "/tmp/e", "--pid", "/tmp/r", NULL);
	CHECK(!strcmp(ctx.pcap, "/tmp/e") && !strcmp(ctx.pidfile, "/tmp/r"));

	passt("-s", "/tmp/s1", NULL);
	CHECK(!strcmp(ctx.sock_path, "/tmp/s1"));
	passt("--socket=/tmp/s2", NULL);
	CHECK(!strcmp(ctx.sock_path, "/tmp/s2"));
	passt("--socket-path", "/tmp/s3", NULL);
	CHECK(!strcmp(ctx.sock_path, "/tmp/s3"));
	passt("-F", "5", NULL);
	CHECK(ctx.fd_given == 5 && ctx.one_off && !*ctx.sock_path);
	passt("-s", "/tmp/s", "--fd=7", NULL);
	CHECK(ctx.fd_given == 7 && !*ctx.sock_path);
	passt("--fd", "7", "-s", "/tmp/s", NULL);
	CHECK(ctx.fd_given == -1 && !strcmp(ctx.sock_path, "/tmp/s"));
	passt("-1", NULL);
	CHECK(ctx.one_off);
	passt("--one-off", NULL);
	CHECK(ctx.one_off);

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	FAILS("Invalid --socket value", MODE_PASST, "-s", longpath);
	FAILS("Invalid --fd value 'x': expected a file descriptor number",
	      MODE_PASST, "--fd", "x");
	FAILS("Invalid --fd value '-1'", MODE_PASST, "-F", "-1");
	FAILS("Invalid --pcap value ''", MODE_PASST, "--pcap=");
}

/**
 * test_mtu() - -m: every form, range
 */
static void test_mtu(void)
{
	passt("-m", "1500", NULL);
	CHECK_EQ(ctx.mtu, 1500);
	passt("-m9000", NULL);
	CHECK_EQ(ctx.mtu, 9000);
	passt("--mtu", "68", NULL);
	CHECK_EQ(ctx.mtu, 68);
	passt("--mtu=65520", NULL);
	CHECK_EQ(ctx.mtu, 65520);
	passt("--mtu=0", NULL);
	CHECK_EQ(ctx.mtu, 0);
	passt("-m", "1500", "-m", "1400", NULL);
	CHECK_EQ(ctx.mtu, 1400);

	FAILS("pasta: Invalid --mtu value '70000': must be 0 (none) or 68-65520",
	      MODE_PASTA, "--mtu", "70000");
	FAILS("Invalid --mtu value '67'", MODE_PASST, "-m", "67");
	FAILS("Invalid --mtu value '65521'", MODE_PASST, "-m", "65521");
	FAILS("Invalid --mtu value '-1'", MODE_PASST, "-m", "-1");
	FAILS("Invalid --mtu value '1500x'", MODE_PASST, "-m", "1500x");
	FAILS("Invalid --mtu value ''", MODE_PASST, "--mtu=");
	FAILS("Invalid --mtu value ' 1500'", MODE_PASST, "-m", " 1500");
}

/**
 * test_addresses() - -a, -n, -g, -o, -M, -i, --outbound-if4/6
 */
static void test_addresses(void)
{
	passt("-a", "203.0.113.1", NULL);
	CHECK(ip4_is(ctx.ip4.addr, "203.0.113.1") && !ctx.ip4.prefix_len);
	CHECK(ctx.ip4.no_copy_addrs && !ctx.ip6.no_copy_addrs);
	passt("--address=203.0.113.1/25", NULL);
	CHECK(ip4_is(ctx.ip4.addr, "203.0.113.1") && ctx.ip4.prefix_len == 25);
	passt("--address", "2001:db8::1", NULL);
	CHECK(ip6_is(&ctx.ip6.addr, "2001:db8::1") && !ctx.ip4.addr.s_addr);
	passt("-a", "2001:db8::1/56", "-a", "198.51.100.7", NULL);
	CHECK(ip6_is(&ctx.ip6.addr, "2001:db8::1") &&
	      ctx.ip6.prefix_len == 56 && ip4_is(ctx.ip4.addr, "198.51.100.7"));
	passt("-a", "203.0.113.1/24", "-a", "203.0.113.2", NULL);
	CHECK(ip4_is(ctx.ip4.addr, "203.0.113.2") && !ctx.ip4.prefix_len);
	passt("-a", "fe80::2", NULL);
	CHECK(ip6_is(&ctx.ip6.addr, "fe80::2"));

	passt("-n", "255.255.255.0", NULL);
	CHECK_EQ(ctx.ip4.prefix_len, 24);
	passt("--netmask=255.255.0.0", NULL);
	CHECK_EQ(ctx.ip4.prefix_len, 16);
	passt("--netmask", "255.255.255.255", NULL);
	CHECK_EQ(ctx.ip4.prefix_len, 32);
	passt("-n", "255.255.255.252", NULL);
	CHECK_EQ(ctx.ip4.prefix_len, 30);
	passt("-n", "128.0.0.0", NULL);
	CHECK_EQ(ctx.ip4.prefix_len, 1);
	passt("-n", "24", NULL);
	CHECK_EQ(ctx.ip4.prefix_len, 24);
	passt("-n32", NULL);
	CHECK_EQ(ctx.ip4.prefix_len, 32);
	passt("-n", "0", NULL);
	CHECK_EQ(ctx.ip4.prefix_len, 0);
	passt("-n", "16", "-a", "10.0.0.2", NULL);
	CHECK(ctx.ip4.prefix_len == 16 && ip4_is(ctx.ip4.addr, "10.0.0.2"));
	passt("-n", "16", "-n", "255.255.255.0", NULL);
	CHECK_EQ(ctx.ip4.prefix_len, 24);

	passt("-g", "203.0.113.254", "-g", "fe80::1", NULL);
	CHECK(ip4_is(ctx.ip4.guest_gw, "203.0.113.254"));
	CHECK(ip6_is(&ctx.ip6.guest_gw, "fe80::1"));
	passt("--gateway=2001:db8::fffe", NULL);
	CHECK(ip6_is(&ctx.ip6.guest_gw, "2001:db8::fffe"));

	passt("-o", "203.0.113.3", "--outbound", "2001:db8::3", NULL);
	CHECK(ip4_is(ctx.ip4.addr_out, "203.0.113.3"));
	CHECK(ip6_is(&ctx.ip6.addr_out, "2001:db8::3"));
	passt("--outbound=127.0.0.2", NULL);
	CHECK(ip4_is(ctx.ip4.addr_out, "127.0.0.2"));

	passt("-M", "02:00:00:00:00:01", NULL);
	CHECK(ctx.our_tap_mac[0] == 2 && ctx.our_tap_mac[5] == 1);
	passt("--mac-addr=AA:bb:cc:dd:ee:FE", NULL);
	CHECK(ctx.our_tap_mac[0] == 0xaa && ctx.our_tap_mac[5] == 0xfe);

	passt("-i", "eth0", NULL);
	CHECK(!strcmp(ctx.tmpl_ifname, "eth0"));
	passt("--interface=veth1", NULL);
	CHECK(!strcmp(ctx.tmpl_ifname, "veth1"));
	passt("--outbound-if4", "eth4", "--outbound-if6=eth6", NULL);
	CHECK(!strcmp(ctx.ip4.ifname_out, "eth4"));
	CHECK(!strcmp(ctx.ip6.ifname_out, "eth6"));

	FAILS("Invalid --address value '0.0.0.0': unspecified address",
	      MODE_PASST, "-a", "0.0.0.0");
	FAILS("Invalid --address value '127.0.0.1': loopback address",
	      MODE_PASST, "-a", "127.0.0.1");
	FAILS("Invalid --address value '224.0.0.1': multicast address",
	      MODE_PASST, "-a", "224.0.0.1");
	FAILS("Invalid --address value '255.255.255.255': broadcast address",
	      MODE_PASST, "-a", "255.255.255.255");
	FAILS("Invalid --address value '::1': loopback address",
	      MODE_PASST, "-a", "::1");
	FAILS("Invalid --address value '::': unspecified address",
	      MODE_PASST, "-a", "::");
	FAILS("Invalid --address value '::ffff:203.0.113.1'", MODE_PASST,
	      "-a", "::ffff:203.0.113.1");
	FAILS("Invalid --address value 'ff02::1': multicast address",
	      MODE_PASST, "-a", "ff02::1");
	FAILS("Invalid --address value 'host': not an IPv4 or IPv6 address",
	      MODE_PASST, "-a", "host");
	FAILS("Invalid --address value '203.0.113.1/33': invalid prefix length",
	      MODE_PASST, "-a", "203.0.113.1/33");
	FAILS("Invalid --address value '2001:db8::1/129'", MODE_PASST,
	      "-a", "2001:db8::1/129");
	FAILS("Invalid --address value '203.0.113.1/'", MODE_PASST,
	      "-a", "203.0.113.1/");
	FAILS("Invalid --address value '203.0.113.1/24': prefix length already "
	      "given with --netmask", MODE_PASST, "-n", "24", "-a",
	      "203.0.113.1/24");
	FAILS("Invalid --netmask value '24': prefix length already given with "
	      "--address", MODE_PASST, "-a", "203.0.113.1/24", "-n", "24");
	FAILS("Invalid --netmask value '255.0.255.0'", MODE_PASST,
	      "-n", "255.0.255.0");
	FAILS("Invalid --netmask value '0.0.0.1'", MODE_PASST,
	      "-n", "0.0.0.1");
	FAILS("Invalid --netmask value '33'", MODE_PASST, "-n", "33");
	FAILS("Invalid --netmask value 'x'", MODE_PASST, "--netmask=x");
	FAILS("Invalid --netmask value '-8'", MODE_PASST, "-n", "-8");
	FAILS("Invalid --gateway value '0.0.0.0'", MODE_PASST,
	      "-g", "0.0.0.0");
	FAILS("Invalid --gateway value '::1'", MODE_PASST, "-g", "::1");
	FAILS("Invalid --gateway value 'gw'", MODE_PASST, "-g", "gw");
	FAILS("Invalid --outbound value '0.0.0.0'", MODE_PASST,
	      "-o", "0.0.0.0");
	FAILS("Invalid --mac-addr value '02:00:00:00:00'", MODE_PASST,
	      "-M", "02:00:00:00:00");
	FAILS("Invalid --mac-addr value 'zz:00:00:00:00:01'", MODE_PASST,
	      "-M", "zz:00:00:00:00:01");
	FAILS("Invalid --mac-addr value '02-00-00-00-00-01'", MODE_PASST,
	      "-M", "02-00-00-00-00-01");
	FAILS("Invalid --mac-addr value '01:00:5e:00:00:01': multicast",
	      MODE_PASST, "-M", "01:00:5e:00:00:01");
	FAILS("Invalid --mac-addr value '00:00:00:00:00:00': all-zero",
	      MODE_PASST, "-M", "00:00:00:00:00:00");
	FAILS("Invalid --interface value 'averyveryverylongname'",
	      MODE_PASST, "-i", "averyveryverylongname");
	FAILS("Invalid --interface value ''", MODE_PASST, "-i", "");
	FAILS("Invalid --outbound-if4 value 'a/b'", MODE_PASST,
	      "--outbound-if4", "a/b");
}

/**
 * test_dns() - -D, --dns-forward, --dns-host, -S, -H, --fqdn
 */
static void test_dns(void)
{
	char name[300];

	passt("-D", "203.0.113.53", "--dns", "2001:db8::53", "--dns=203.0.113.54",
	      NULL);
	CHECK(ip4_is(ctx.ip4.dns[0], "203.0.113.53"));
	CHECK(ip4_is(ctx.ip4.dns[1], "203.0.113.54"));
	CHECK(!ctx.ip4.dns[2].s_addr);
	CHECK(ip6_is(&ctx.ip6.dns[0], "2001:db8::53"));
	CHECK(!ctx.no_dns);
	passt("-D", "127.0.0.1", NULL);		/* given as is */
	CHECK(ip4_is(ctx.ip4.dns[0], "127.0.0.1"));
	passt("-D", "203.0.113.1", "-D", "203.0.113.2", "-D", "203.0.113.3",
	      "-D", "203.0.113.4", NULL);
	CHECK(ip4_is(ctx.ip4.dns[2], "203.0.113.3") && !ctx.ip4.dns[3].s_addr);
	passt("-D", "203.0.113.1", "-D", "none", NULL);
	CHECK(ctx.no_dns && !ctx.ip4.dns[0].s_addr);
	passt("-D", "none", "-D", "203.0.113.9", NULL);
	CHECK(!ctx.no_dns && ip4_is(ctx.ip4.dns[0], "203.0.113.9"));

	passt("--dns-forward", "203.0.113.10", "--dns-forward=fd00::10", NULL);
	CHECK(ip4_is(ctx.ip4.dns_match, "203.0.113.10"));
	CHECK(ip6_is(&ctx.ip6.dns_match, "fd00::10"));
	passt("--dns-host", "127.0.0.53", "--dns-host=::1", NULL);
	CHECK(ip4_is(ctx.ip4.dns_host, "127.0.0.53"));
	CHECK(ip6_is(&ctx.ip6.dns_host, "::1"));

	passt("-S", "a.example b.example", NULL);
	CHECK(!strcmp(ctx.dns_search[0].n, "a.example"));
	CHECK(!strcmp(ctx.dns_search[1].n, "b.example"));
	CHECK(!*ctx.dns_search[2].n);
	passt("--search=one", "--search", "two", NULL);
	CHECK(!strcmp(ctx.dns_search[1].n, "two"));
	passt("-S", "x", "-S", "none", NULL);
	CHECK(ctx.no_dns_search && !*ctx.dns_search[0].n);
	passt("-S", "none.", NULL);
	CHECK(!ctx.no_dns_search && !strcmp(ctx.dns_search[0].n, "none."));

	passt("-H", "guest1", "--fqdn", "guest1.example.org", NULL);
	CHECK(!strcmp(ctx.hostname, "guest1"));
	CHECK(!strcmp(ctx.fqdn, "guest1.example.org"));
	passt("--hostname=h2", "--fqdn=h2.example", NULL);
	CHECK(!strcmp(ctx.hostname, "h2") && !strcmp(ctx.fqdn, "h2.example"));

	FAILS("Invalid --dns value 'resolver': not an IPv4 or IPv6 address",
	      MODE_PASST, "-D", "resolver");
	FAILS("Invalid --dns value '0.0.0.0': unspecified", MODE_PASST,
	      "-D", "0.0.0.0");
	FAILS("Invalid --dns-forward value '127.0.0.1': loopback", MODE_PASTA,
	      "--dns-forward", "127.0.0.1");
	FAILS("Invalid --dns-forward value 'x'", MODE_PASTA,
	      "--dns-forward=x");
	FAILS("Invalid --dns-host value '0.0.0.0'", MODE_PASTA,
	      "--dns-host", "0.0.0.0");
	FAILS("Invalid --search value 'a b c d e f': more than 5 search "
	      "domains", MODE_PASST, "-S", "a b c d e f");
	FAILS("Invalid --search value ' '", MODE_PASST, "-S", " ");
	memset(name, 'h', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	FAILS("Invalid --hostname value 'hhh", MODE_PASST, "-H", name);
	FAILS("Invalid --fqdn value 'hhh", MODE_PASST, "--fqdn", name);
	FAILS("Invalid --search value 'hhh", MODE_PASST, "-S", name);
	FAILS("Invalid --hostname value ''", MODE_PASST, "-H", "");
}

/**
 * test_flags() - Options without arguments, mapping options, -4 and -6
 */
static void test_flags(void)
{
	passt("--no-tcp", "--no-udp", "--no-icmp", "--no-dhcp", "--no-dhcpv6",
	      "--no-ra", "--freebind", "--no-map-gw", "--no-dhcp-dns",
	      "--no-dhcp-search", NULL);
	CHECK(ctx.no_tcp && ctx.no_udp && ctx.no_icmp && ctx.no_dhcp);
	CHECK(ctx.no_dhcpv6 && ctx.no_ra && ctx.freebind && ctx.no_map_gw);
	CHECK(ctx.no_dhcp_dns && ctx.no_dhcp_dns_search);
	CHECK(ctx.no_ndp);			/* implied by --no-icmp */
	passt("--no-ndp", NULL);
	CHECK(ctx.no_ndp && !ctx.no_icmp);

	pasta("--dhcp-dns", "--dhcp-search", NULL);
	CHECK(!ctx.no_dhcp_dns && !ctx.no_dhcp_dns_search);

	passt("--map-host-loopback", "203.0.113.2", NULL);
	CHECK(ip4_is(ctx.ip4.map_host_loopback, "203.0.113.2"));
	passt("--map-host-loopback=fd00::2", "--map-host-loopback=none",
	      NULL);
	CHECK(IN6_IS_ADDR_UNSPECIFIED(&ctx.ip6.map_host_loopback));
	CHECK(ctx.no_map_gw);
	passt("--map-guest-addr", "169.254.1.2", NULL);
	CHECK(ip4_is(ctx.ip4.map_guest_addr, "169.254.1.2"));
	CHECK(!ctx.no_map_gw);
	passt("--map-guest-addr=fd00::5", "--map-guest-addr", "none", NULL);
	CHECK(IN6_IS_ADDR_UNSPECIFIED(&ctx.ip6.map_guest_addr));
	CHECK(!ctx.no_map_gw);

	passt("-4", NULL);
	CHECK(ctx.v4 && !ctx.v6);
	passt("--ipv6-only", NULL);
	CHECK(!ctx.v4 && ctx.v6);
	passt("-6", "--ipv4-only", NULL);
	CHECK(ctx.v4 && !ctx.v6);
	passt("--ipv4-only", "-6", NULL);
	CHECK(!ctx.v4 && ctx.v6);

	FAILS("Invalid --map-host-loopback value '127.0.0.1'", MODE_PASST,
	      "--map-host-loopback", "127.0.0.1");
	FAILS("Invalid --map-guest-addr value 'x'", MODE_PASTA,
	      "--map-guest-addr", "x");
}

/**
 * test_pasta_opts() - pasta-only options and the positional target
 */
static void test_pasta_opts(void)
{
	char *argv_exp[] = { "sh", "-c", "exit 3" };
	int i;

	pasta("-I", "tap9", NULL);
	CHECK(!strcmp(ctx.pasta_ifn, "tap9"));
	pasta("--ns-ifname=eth0", NULL);
	CHECK(!strcmp(ctx.pasta_ifn, "eth0"));
	pasta("--userns", "/proc/1/ns/user", "--netns", "/run/netns/x", NULL);
	CHECK(!strcmp(ctx.userns_path, "/proc/1/ns/user"));
	CHECK(!strcmp(ctx.netns_path, "/run/netns/x") && !ctx.netns_only);
	CHECK(!ctx.foreground && !ctx.quiet);	/* attached: daemon */
	pasta("--netns=test1", NULL);
	CHECK(!strcmp(ctx.netns_path, "/run/netns/test1"));
	CHECK(ctx.netns_only);			/* implied without --userns */
	pasta("--netns", "x", "--netns-only", NULL);
	CHECK(ctx.netns_only);
	pasta("--netns-only", "--userns", "/u", "--netns", "x", NULL);
	CHECK(!ctx.netns_only && !strcmp(ctx.userns_path, "/u"));
	pasta("--no-netns-quit", "--no-splice", NULL);
	CHECK(ctx.no_netns_quit && ctx.no_splice);
	pasta("--config-net", NULL);
	CHECK(ctx.pasta_conf_ns && ctx.no_ra);
	pasta("--host-lo-to-ns-lo", NULL);
	CHECK(ctx.host_lo_to_ns_lo);
	pasta("--ns-mac-addr", "02:00:00:00:00:02", NULL);
	CHECK(ctx.ns_mac_given && ctx.guest_mac[5] == 2);
	pasta("--config-net", "--no-copy-routes", "--no-copy-addrs", NULL);
	CHECK(ctx.ip4.no_copy_routes && ctx.ip6.no_copy_addrs);
	pasta("-g", "203.0.113.1", NULL);
	CHECK(ctx.ip4.no_copy_routes && !ctx.ip6.no_copy_routes);

	pasta("1234", NULL);
	CHECK(!strcmp(ctx.netns_path, "/proc/1234/ns/net"));
	CHECK(!strcmp(ctx.userns_path, "/proc/1234/ns/user"));
	CHECK(!ctx.netns_only && !ctx.foreground && !ctx.pasta_argc);
	pasta("--netns-only", "1234", NULL);
	CHECK(!strcmp(ctx.netns_path, "/proc/1234/ns/net"));
	CHECK(!*ctx.userns_path && ctx.netns_only);
	pasta("--userns", "/u", "99", NULL);
	CHECK(!strcmp(ctx.userns_path, "/u"));

	pasta("--config-net", "--", "sh", "-c", "exit 3", NULL);
	CHECK_EQ(ctx.pasta_argc, 3);
	for (i = 0; i < 3 && ctx.pasta_argc == 3; i++)
		CHECK(!strcmp(ctx.pasta_argv[i], argv_exp[i]));
	CHECK(ctx.pasta_conf_ns && ctx.foreground && !*ctx.netns_path);
	pasta("-d", "sh", "-c", "exit 3", NULL);	/* stops at "sh" */
	CHECK(ctx.pasta_argc == 3 && !strcmp(ctx.pasta_argv[1], "-c"));
	CHECK(ctx.debug && !ctx.quiet);
	pasta("--", "1234", NULL);
	CHECK(!strcmp(ctx.netns_path, "/proc/1234/ns/net"));
	pasta("--", "12ab", NULL);
	CHECK(ctx.pasta_argc == 1 && !*ctx.netns_path);

	FAILS("pasta: Both --netns and a PID or command given", MODE_PASTA,
	      "--netns", "x", "1234");
	FAILS("pasta: Invalid PID '0'", MODE_PASTA, "0");
	FAILS("pasta: Invalid PID '99999999999'", MODE_PASTA, "99999999999");
	FAILS("Invalid --ns-ifname value 'averyveryverylongname'",
	      MODE_PASTA, "-I", "averyveryverylongname");
	FAILS("Invalid --ns-mac-addr value 'x'", MODE_PASTA,
	      "--ns-mac-addr", "x");
	FAILS("Invalid --netns value ''", MODE_PASTA, "--netns", "");
	FAILS("pasta: --no-copy-routes and --no-copy-addrs need --config-net",
	      MODE_PASTA, "--no-copy-routes");
	FAILS("pasta: --host-lo-to-ns-lo can't be used with --no-splice",
	      MODE_PASTA, "--host-lo-to-ns-lo", "--no-splice");
}

/**
 * test_mode_errors() - Options of the other mode, stray arguments
 */
static void test_mode_errors(void)
{
	FAILS("passt: Option --config-net is only valid for pasta",
	      MODE_PASST, "--config-net");
	FAILS("passt: Option --tcp-ns is only valid for pasta",
	      MODE_PASST, "-T", "22");
	FAILS("passt: Option --udp-ns is only valid for pasta",
	      MODE_PASST, "--udp-ns=22");
	FAILS("passt: Option --netns is only valid for pasta",
	      MODE_PASST, "--netns", "x");
	FAILS("passt: Option --ns-ifname is only valid for pasta",
	      MODE_PASST, "-I", "x");
	FAILS("passt: Option --userns is only valid for pasta",
	      MODE_PASST, "--userns", "/x");
	FAILS("passt: Option --netns-only is only valid for pasta",
	      MODE_PASST, "--netns-only");
	FAILS("passt: Option --no-netns-quit is only valid for pasta",
	      MODE_PASST, "--no-netns-quit");
	FAILS("passt: Option --ns-mac-addr is only valid for pasta",
	      MODE_PASST, "--ns-mac-addr", "02:00:00:00:00:01");
	FAILS("passt: Option --no-splice is only valid for pasta",
	      MODE_PASST, "--no-splice");
	FAILS("passt: Option --host-lo-to-ns-lo is only valid for pasta",
	      MODE_PASST, "--host-lo-to-ns-lo");
	FAILS("passt: Option --no-copy-routes is only valid for pasta",
	      MODE_PASST, "--no-copy-routes");
	FAILS("passt: Option --dhcp-dns is only valid for pasta",
	      MODE_PASST, "--dhcp-dns");
	FAILS("pasta: Option --socket is only valid for passt",
	      MODE_PASTA, "-s", "/tmp/x");
	FAILS("pasta: Option --fd is only valid for passt",
	      MODE_PASTA, "--fd=3");
	FAILS("pasta: Option --one-off is only valid for passt",
	      MODE_PASTA, "-1");
	FAILS("pasta: Option --no-dhcp-dns is only valid for passt",
	      MODE_PASTA, "--no-dhcp-dns");
	FAILS("pasta: Option --no-dhcp-search is only valid for passt",
	      MODE_PASTA, "--no-dhcp-search");
	FAILS("passt: Unexpected argument 'foo'", MODE_PASST, "foo");
	FAILS("passt: Unexpected argument 'foo'", MODE_PASST, "-d", "foo",
	      "-f");
}

/**
 * test_getopt_errors() - Unknown options and missing arguments
 */
static void test_getopt_errors(void)
{
	struct outcome *o;

	o = run_child(MODE_PASTA, "--x", NULL);
	CHECK(o->status == 1 && starts_with(o, "pasta: unrecognized option "
					       "'--x'\n"));
	o = run_child(MODE_PASST, "--bogus", "-d", NULL);
	CHECK(o->status == 1 && starts_with(o, "passt: unrecognized option "
					       "'--bogus'\n"));
	CHECK(strstr(o->out, "Usage: passt") != NULL);
	o = run_child(MODE_PASTA, "-Z", NULL);
	CHECK(o->status == 1 && starts_with(o, "pasta: invalid option -- "
					       "'Z'\n"));
	o = run_child(MODE_PASTA, "--mtu", NULL);
	CHECK(o->status == 1 && starts_with(o, "pasta: option '--mtu' "
					       "requires an argument\n"));
	o = run_child(MODE_PASST, "--debug=1", NULL);
	CHECK(o->status == 1 && starts_with(o, "passt: option '--debug' "
					       "doesn't allow an argument\n"));
}

/**
 * test_early_exits() - --version, --help, --print-capabilities
 */
static void test_early_exits(void)
{
	struct outcome *o;

	o = run_child(MODE_PASTA, "--version", NULL);
	CHECK(o->status == 0 && starts_with(o, "pasta ") && o->lines >= 2);
	o = run_child(MODE_PASST, "--version", NULL);
	CHECK(o->status == 0 && starts_with(o, "passt ") && o->lines >= 2);
	o = run_child(MODE_PASTA, "--config-net", "--version", NULL);
	CHECK(o->status == 0 && starts_with(o, "pasta "));
	o = run_child(MODE_PASTA, "--mtu", "99999", "-s", "x", "--version",
		      NULL);
	CHECK(o->status == 0 && starts_with(o, "pasta "));
	o = run_child(MODE_PASST, "--config-net", "--version", NULL);
	CHECK(o->status == 0 && starts_with(o, "passt "));
	o = run_child(MODE_PASTA, "--bogus", "--version", NULL);
	CHECK(o->status == 1 && starts_with(o, "pasta: unrecognized option"));
	o = run_child(MODE_PASTA, "--version", "--bogus", NULL);
	CHECK(o->status == 0 && starts_with(o, "pasta "));

	o = run_child(MODE_PASTA, "--help", NULL);
	CHECK(o->status == 0 && starts_with(o, "Usage: pasta"));
	CHECK(strstr(o->out, "--tcp-ns") && !strstr(o->out, "--one-off"));
	o = run_child(MODE_PASST, "-h", NULL);
	CHECK(o->status == 0 && starts_with(o, "Usage: passt"));
	CHECK(strstr(o->out, "--one-off") && !strstr(o->out, "--tcp-ns"));

	o = run_child(MODE_PASST, "--print-capabilities", NULL);
	CHECK(o->status == 0 && starts_with(o, "{\n  \"type\": \"net\"\n}"));
}

/**
 * test_ports_opts() - -t, -u, -T, -U through the command line
 */
static void test_ports_opts(void)
{
	passt("-t", "22", "--tcp-ports=80", "-t8080:80", "-u", "53", NULL);
	CHECK_EQ(ctx.tcp_in.mode, FWD_SPEC);
	CHECK_EQ(ctx.tcp_in.count, 3);
	CHECK(bitmap_isset(ctx.tcp_in.map, 22) &&
	      bitmap_isset(ctx.tcp_in.map, 80) &&
	      bitmap_isset(ctx.tcp_in.map, 8080));
	CHECK_EQ((uint16_t)(8080 + ctx.tcp_in.delta[8080]), 80);
	CHECK_EQ(ctx.udp_in.mode, FWD_SPEC);
	CHECK(bitmap_isset(ctx.udp_in.map, 53));
	CHECK_EQ(ctx.tcp_in.rules[0].flags, FWD_RULE_V4 | FWD_RULE_V6);

	passt("--udp-ports", "all", NULL);
	CHECK_EQ(ctx.udp_in.mode, FWD_ALL);
	passt("-4", "-t", "22", NULL);
	CHECK_EQ(ctx.tcp_in.rules[0].flags, FWD_RULE_V4);
	passt("-t", "::1/22", "-4", NULL);
	CHECK_EQ(ctx.tcp_in.rules[0].flags, 0);

	pasta("-t", "none", "-u", "none", "-T", "none", "-U", "none", NULL);
	CHECK(ctx.tcp_in.mode == FWD_NONE && ctx.udp_in.mode == FWD_NONE);
	CHECK(ctx.tcp_out.mode == FWD_NONE && ctx.udp_out.mode == FWD_NONE);
	pasta("-t", "8080", NULL);
	CHECK(ctx.tcp_in.mode == FWD_SPEC && ctx.udp_in.mode == FWD_AUTO);
	pasta("--tcp-ns", "5432", "--udp-ns=5353", NULL);
	CHECK(bitmap_isset(ctx.tcp_out.map, 5432));
	CHECK(bitmap_isset(ctx.udp_out.map, 5353));

	FAILS("Invalid --tcp-ports value '0': port 0 out of range 1-65535",
	      MODE_PASST, "-t", "0");
	FAILS("Invalid --udp-ports value '65536': port 65536 out of range",
	      MODE_PASST, "-u", "65536");
	FAILS("Invalid --tcp-ports value 'auto': 'auto' is only valid for pasta",
	      MODE_PASST, "-t", "auto");
	FAILS("Invalid --tcp-ports value 'all': 'all' is only valid for passt",
	      MODE_PASTA, "-t", "all");
	FAILS("Invalid --tcp-ports value '22': port 22 is already forwarded",
	      MODE_PASST, "-t", "22", "-t", "22");
	FAILS("Invalid --tcp-ns value '::1/22': address or interface binding "
	      "is only valid for -t and -u", MODE_PASTA, "-T", "::1/22");
	FAILS("Invalid --udp-ns value 'x'", MODE_PASTA, "-U", "x");
	FAILS("Invalid --tcp-ports value 'none': conflicts with an earlier",
	      MODE_PASTA, "-t", "22", "-t", "none");
}

/**
 * spec() - Parse one specification into a fresh table
 * @s:		Specification
 * @pasta_mode:	As pasta
 *
 * Return: fwd_spec_parse() result
 */
static int spec(const char *s, bool pasta_mode)
{
	memset(&fwd, 0, sizeof(fwd));
	return fwd_spec_parse(&fwd, s, pasta_mode, false, NULL, 0);
}

/**
 * spec_more() - Parse one more specification into the same table
 * @s:		Specification
 *
 * Return: fwd_spec_parse() result
 */
static int spec_more(const char *s)
{
	return fwd_spec_parse(&fwd, s, false, false, NULL, 0);
}

/**
 * rule_is() - Check a rule's ports
 * @i:		Index
 * @first:	Expected first port
 * @last:	Expected last port
 * @to:		Expected target of @first
 *
 * Return: true if it matches
 */
static bool rule_is(unsigned int i, unsigned int first, unsigned int last,
		    unsigned int to)
{
	const struct fwd_rule *r = &fwd.rules[i];

	if (i < fwd.count && r->first == first && r->last == last &&
	    r->to == to)
		return true;

	fprintf(stderr, "  rule %u: %u-%u => %u, expected %u-%u => %u\n", i,
		r->first, r->last, r->to, first, last, to);
	return false;
}

/**
 * test_spec_grammar() - Valid specifications and what they produce
 */
static void test_spec_grammar(void)
{
	struct in_addr a4;
	unsigned int i;
	bool ok;

	CHECK(!spec("22", false) && fwd.mode == FWD_SPEC && fwd.count == 1);
	CHECK(rule_is(0, 22, 22, 22) && bitmap_isset(fwd.map, 22));
	CHECK(!bitmap_isset(fwd.map, 21) && !bitmap_isset(fwd.map, 23));
	CHECK(inany_is_unspecified(&fwd.rules[0].addr));
	CHECK(fwd.rules[0].flags == (FWD_RULE_V4 | FWD_RULE_V6));
	CHECK(!*fwd.rules[0].ifname && fwd.delta[22] == 0);

	CHECK(!spec("22:23", false) && rule_is(0, 22, 22, 23));
	CHECK_EQ(fwd.delta[22], 1);
	CHECK(!spec("8080:80", false) && rule_is(0, 8080, 8080, 80));
	CHECK_EQ((uint16_t)(8080 + fwd.delta[8080]), 80);
	CHECK(!spec("22,25", false) && fwd.count == 2);
	CHECK(rule_is(0, 22, 22, 22) && rule_is(1, 25, 25, 25));
	CHECK(!spec("22-80", false) && rule_is(0, 22, 80, 22));
	CHECK(!spec("22-80:32-90", false) && rule_is(0, 22, 80, 32));
	for (ok = true, i = 22; i <= 80; i++)
		ok = ok && fwd.delta[i] == 10 && bitmap_isset(fwd.map, i);
	CHECK(ok);
	CHECK(!spec("1", false) && rule_is(0, 1, 1, 1));
	CHECK(!spec("65535", false) && rule_is(0, 65535, 65535, 65535));
	CHECK(!spec("65535:1", false) && rule_is(0, 65535, 65535, 1));
	CHECK(!spec("1-65535", false) && rule_is(0, 1, 65535, 1));
	CHECK(!spec("00022", false) && rule_is(0, 22, 22, 22));

	CHECK(!spec("2000-5000,~3000-3010", false) && fwd.count == 2);
	CHECK(rule_is(0, 2000, 2999, 2000) && rule_is(1, 3011, 5000, 3011));
	CHECK(!bitmap_isset(fwd.map, 3005) && bitmap_isset(fwd.excl, 3005));
	CHECK(bitmap_isset(fwd.map, 2999) && bitmap_isset(fwd.map, 3011));
	CHECK(!spec("~3000-3010,2000-5000:12000-15000", false));
	CHECK(rule_is(0, 2000, 2999, 12000) && rule_is(1, 3011, 5000, 13011));
	CHECK(!spec("20-30,~25", false));
	CHECK(rule_is(0, 20, 24, 20) && rule_is(1, 26, 30, 26));
	CHECK(!spec("5-25,~10-20", false) && fwd.count == 2);

	CHECK(!spec("~22", false) && fwd.mode == FWD_ALL && fwd.count == 2);
	CHECK(rule_is(0, 1, 21, 1) && rule_is(1, 23, 49151, 23));
	CHECK(!bitmap_isset(fwd.map, 22) && !bitmap_isset(fwd.map, 49152));
	CHECK(bitmap_isset(fwd.map, 1) && bitmap_isset(fwd.map, 49151));
	CHECK(!spec("~20000-20010", true) && fwd.mode == FWD_ALL);
	CHECK(!spec("all", false) && fwd.mode == FWD_ALL);
	CHECK(rule_is(0, 1, 49151, 1) && !bitmap_isset(fwd.map, 0));
	CHECK(!spec("all,~25", false) && fwd.count == 2);
	CHECK(!spec("::1/all", false) && fwd.mode == FWD_ALL);
	CHECK(fwd.rules[0].flags == FWD_RULE_V6);

	CHECK(!spec("auto", true) && fwd.mode == FWD_AUTO && !fwd.count);
	CHECK(!spec("none", false) && fwd.mode == FWD_NONE && !fwd.count);
	CHECK(!spec("none", false) && !spec_more("none"));

	CHECK(!spec("203.0.113.1/22", false) && rule_is(0, 22, 22, 22));
	inet_pton(AF_INET, "203.0.113.1", &a4);
	CHECK(inany_v4(&fwd.rules[0].addr) &&
	      inany_v4(&fwd.rules[0].addr)->s_addr == a4.s_addr);
	CHECK_EQ(fwd.rules[0].flags, FWD_RULE_V4);
	CHECK(!spec("::1/22", false) && fwd.rules[0].flags == FWD_RULE_V6);
	CHECK(IN6_IS_ADDR_LOOPBACK(&fwd.rules[0].addr.a6));
	CHECK(!spec("%eth0/22", false) && !strcmp(fwd.rules[0].ifname, "eth0"));
	CHECK(fwd.rules[0].flags == (FWD_RULE_V4 | FWD_RULE_V6));
	CHECK(inany_is_unspecified(&fwd.rules[0].addr));
	CHECK(!spec("203.0.113.1%eth0/22", false));
	CHECK(!strcmp(fwd.rules[0].ifname, "eth0"));
	CHECK_EQ(fwd.rules[0].flags, FWD_RULE_V4);
	CHECK(!spec("fe80::1%veth0/22,80", false) && fwd.count == 2);
	CHECK(!strcmp(fwd.rules[1].ifname, "veth0"));
	CHECK(IN6_IS_ADDR_LINKLOCAL(&fwd.rules[1].addr.a6));
	CHECK(!spec("0.0.0.0/5000", false));
	CHECK(inany_equals(&fwd.rules[0].addr, &inany_any4));
	CHECK_EQ(fwd.rules[0].flags, FWD_RULE_V4);
	CHECK(!spec("::/5000", false) && fwd.rules[0].flags == FWD_RULE_V6);
}

/**
 * test_spec_accumulate() - Several specifications for one option
 */
static void test_spec_accumulate(void)
{
	CHECK(!spec("22", false) && !spec_more("80") && fwd.count == 2);
	CHECK(!spec("127.0.0.1/80", false) && !spec_more("::1/80"));
	CHECK(fwd.count == 2 && bitmap_isset(fwd.map, 80));
	CHECK(!spec("%eth0/80", false) && !spec_more("%eth1/80"));
	CHECK(!spec("127.0.0.1/80:8080", false) &&
	      !spec_more("::1/80:8080"));
	CHECK(!spec("::1/all", false) && !spec_more("127.0.0.1/all"));
	CHECK(fwd.mode == FWD_ALL && fwd.count == 2);
	CHECK(!spec("1-10,~5", false) && !spec_more("5"));
	CHECK(bitmap_isset(fwd.map, 5));

	CHECK(spec("22", false) == 0 && spec_more("22") < 0);
	CHECK(spec("22-30", false) == 0 && spec_more("25-40") < 0);
	CHECK(spec("127.0.0.1/80", false) == 0 && spec_more("80") < 0);
	CHECK(spec("80", false) == 0 && spec_more("::1/80") < 0);
	CHECK(spec("127.0.0.1/80", false) == 0 &&
	      spec_more("127.0.0.1/80") < 0);
	CHECK(spec("%eth0/80", false) == 0 && spec_more("80") < 0);
	CHECK(spec("127.0.0.1/80:8080", false) == 0 &&
	      spec_more("::1/80:9090") < 0);
	CHECK(spec("22,22", false) < 0);
	CHECK(spec("none", false) == 0 && spec_more("22") < 0);
	CHECK(spec("22", false) == 0 && spec_more("none") < 0);
	CHECK(spec("22", false) == 0 && spec_more("all") < 0);
	CHECK(spec("all", false) == 0 && spec_more("22") < 0);
	CHECK(spec("all", false) == 0 && spec_more("all") < 0);
	CHECK(spec("auto", true) == 0 &&
	      fwd_spec_parse(&fwd, "22", true, false, NULL, 0) < 0);
	CHECK(spec("auto", true) == 0 &&
	      fwd_spec_parse(&fwd, "auto", true, false, NULL, 0) == 0);
	CHECK(spec("22", true) == 0 &&
	      fwd_spec_parse(&fwd, "auto", true, false, NULL, 0) < 0);
}

/**
 * spec_err_is() - Does a specification fail with the given reason?
 * @s:		Specification
 * @pasta_mode:	As pasta
 * @reason:	Expected text in the reason
 *
 * Return: true if it fails so
 */
static bool spec_err_is(const char *s, bool pasta_mode, const char *reason)
{
	char err[BUFSIZ] = "";

	memset(&fwd, 0, sizeof(fwd));
	if (fwd_spec_parse(&fwd, s, pasta_mode, false, err, sizeof(err)) < 0 &&
	    strstr(err, reason))
		return true;

	fprintf(stderr, "  spec '%s': expected failure \"%s\", got \"%s\"\n",
		s, reason, err);
	return false;
}

/**
 * test_spec_errors() - Invalid specifications and their reasons
 */
static void test_spec_errors(void)
{
	static char huge[8192];
	char many[2048] = "1";
	char err[BUFSIZ];
	size_t len;
	int i;

	CHECK(spec_err_is("", false, "empty specification"));
	CHECK(spec_err_is("0", false, "port 0 out of range 1-65535"));
	CHECK(spec_err_is("65536", false, "port 65536 out of range"));
	CHECK(spec_err_is("99999999999999999999", false, "out of range"));
	CHECK(spec_err_is("1-0", false, "port 0 out of range"));
	CHECK(spec_err_is("80-22", false, "range 80-22 is reversed"));
	CHECK(spec_err_is("22-80:32", false, "differs in size"));
	CHECK(spec_err_is("22:23-24", false, "differs in size"));
	CHECK(spec_err_is("22:0", false, "port 0 out of range"));
	CHECK(spec_err_is("abc", false, "expected a port number at 'abc'"));
	CHECK(spec_err_is("22,", false, "empty entry"));
	CHECK(spec_err_is(",22", false, "empty entry"));
	CHECK(spec_err_is("22,,23", false, "empty entry"));
	CHECK(spec_err_is("~", false, "missing port number"));
	CHECK(spec_err_is("~0", false, "out of range"));
	CHECK(spec_err_is("~22,~22", false, "port 22 excluded twice"));
	CHECK(spec_err_is("~20-30,~25", false, "port 25 excluded twice"));
	CHECK(spec_err_is("~22x", false, "unexpected 'x'"));
	CHECK(spec_err_is("22-", false, "missing port number"));
	CHECK(spec_err_is("-22", false, "expected a port number"));
	CHECK(spec_err_is("22:", false, "missing port number"));
	CHECK(spec_err_is("22x", false, "unexpected 'x' in '22x'"));
	CHECK(spec_err_is(" 22", false, "expected a port number"));
	CHECK(spec_err_is("+22", false, "expected a port number"));
	CHECK(spec_err_is("22 ", false, "unexpected ' '"));
	CHECK(spec_err_is("22:23:24", false, "unexpected ':24'"));
	CHECK(spec_err_is("1.2.3.4/", false, "missing ports after '/'"));
	CHECK(spec_err_is("/22", false, "missing address before '/'"));
	CHECK(spec_err_is("%/22", false, "missing interface name"));
	CHECK(spec_err_is("300.1.1.1/22", false, "invalid address '300.1.1.1'"));
	CHECK(spec_err_is("localhost/22", false, "invalid address"));
	CHECK(spec_err_is("%averyveryverylongname/22", false, "too long"));
	CHECK(spec_err_is("22,1.2.3.4/80", false, "must come before"));
	CHECK(spec_err_is("1.2.3.4/22/33", false, "unexpected '/33'"));
	CHECK(spec_err_is("auto", false, "'auto' is only valid for pasta"));
	CHECK(spec_err_is("all", true, "'all' is only valid for passt"));
	CHECK(spec_err_is("22,auto", true, "'auto' must be given alone"));
	CHECK(spec_err_is("::1/none", false, "'none' must be given alone"));
	CHECK(spec_err_is("all,22", false, "can't be combined"));

	memset(&fwd, 0, sizeof(fwd));
	CHECK(fwd_spec_parse(&fwd, "::1/22", true, true, err,
			     sizeof(err)) < 0);
	CHECK(strstr(err, "only valid for -t and -u") != NULL);

	/* 129 ranges: one too many */
	for (i = 2, len = 1; i <= 129; i++)
		len += (size_t)snprintf(many + len, sizeof(many) - len, ",%d",
					i * 2);
	CHECK(spec_err_is(many, false, "too many port ranges (at most 128)"));
	many[strrchr(many, ',') - many] = '\0';
	CHECK(!spec(many, false) && fwd.count == 128);

	memset(huge, '1', sizeof(huge) - 1);
	CHECK(spec_err_is(huge, false, "too long"));
}

/**
 * test_spec_finish() - Default modes and address families
 */
static void test_spec_finish(void)
{
	memset(&fwd, 0, sizeof(fwd));
	fwd_spec_finish(&fwd, FWD_AUTO, true, true);
	CHECK_EQ(fwd.mode, FWD_AUTO);

	spec("22", false);
	fwd_spec_finish(&fwd, FWD_NONE, true, false);
	CHECK(fwd.mode == FWD_SPEC && fwd.rules[0].flags == FWD_RULE_V4);
	spec("::1/22", false);
	fwd_spec_finish(&fwd, FWD_NONE, false, true);
	CHECK_EQ(fwd.rules[0].flags, FWD_RULE_V6);
	fwd_spec_finish(&fwd, FWD_NONE, true, false);
	CHECK_EQ(fwd.rules[0].flags, 0);
}

/**
 * main() - Run all the tests
 *
 * Return: 0 if all checks passed
 */
int main(void)
{
	test_defaults();
	test_logging();
	test_files();
	test_mtu();
	test_addresses();
	test_dns();
	test_flags();
	test_pasta_opts();
	test_mode_errors();
	test_getopt_errors();
	test_early_exits();
	test_ports_opts();
	test_spec_grammar();
	test_spec_accumulate();
	test_spec_errors();
	test_spec_finish();

	return unit_done("test_conf");
}
