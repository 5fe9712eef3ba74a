// SPDX-License-Identifier: GPL-2.0-or-later
/* fwd.c - Where a flow goes: the target side from the initiating side
 *
 * Theory of operation
 * ===================
 *
 * A flow starts on one interface (the guest's tap link, the host, or in
 * pasta the namespace's loopback) and we decide here where it goes and with
 * which addresses, given the initiating side's four values.  From the guest:
 *
 * - to the address mapped to the host's loopback (--map-host-loopback, by
 *   default the gateway, unless --no-map-gw): the host's loopback;
 * - to --map-guest-addr: the host's own address (which the guest also has);
 * - to --dns-forward's address, port 53: the resolver given by --dns-host,
 *   or the first one of the host;
 * - anything else: the same address, through a host socket, bound to the
 *   outbound address or interface (-o, --outbound-if4/6) when given.
 *
 * The target side records, as the guest's side does, the endpoint's address
 * and port and our own: for sockets we let the kernel pick our address and
 * port unless one is configured.
 *
 * "auto" forwarding (pasta): once a second, the listening TCP sockets and
 * bound UDP sockets of each side are listed, and tcp.c and udp.c open or
 * close their listening sockets on the other side to match, leaving out the
 * ports they hold themselves.  The lists come from a NETLINK_SOCK_DIAG
 * socket opened once in each namespace, which asks the kernel for sockets
 * in the one state we want: our own flows' sockets (tens of thousands under
 * a UDP flood) are filtered out in the kernel, in linear time.  Reading
 * /proc/net/udp instead costs time quadratic in the number of sockets (each
 * read() walks the table again from the start): with 19000 flows, a third
 * of a second per scan, two scans a second, and nothing else served
 * meanwhile (test/ns/43-udp-flood.sh).  /proc/net/{tcp,udp}[6] (opened
 * once too, read again from the start) remain the fallback where socket
 * diagnostics are missing (no inet_diag or udp_diag).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "passt.h"
#include "flow.h"
#include "fwd.h"
#include "inany.h"
#include "log.h"
#include "pasta.h"

/**
 * fwd_match4() - Does an inany equal an IPv4 address that is set?
 * @a:		Address
 * @v4:		IPv4 address, 0.0.0.0 for unset
 *
 * Return: true if @v4 is set and equal to @a
 */
static bool fwd_match4(const union inany_addr *a, struct in_addr v4)
{
	const struct in_addr *a4 = inany_v4(a);

	return a4 && v4.s_addr && a4->s_addr == v4.s_addr;
}

/**
 * fwd_match6() - Does an inany equal an IPv6 address that is set?
 * @a:		Address
 * @v6:		IPv6 address, :: for unset
 *
 * Return: true if @v6 is set and equal to @a
 */
static bool fwd_match6(const union inany_addr *a, const struct in6_addr *v6)
{
	return !IN6_IS_ADDR_UNSPECIFIED(v6) && IN6_ARE_ADDR_EQUAL(&a->a6, v6);
}

/**
 * fwd_dns_target() - Resolver address for queries to --dns-forward
 * @c:		Execution context
 * @v4:		IPv4 (true) or IPv6 (false)
 * @out:	Resolver address, set on success
 *
 * Return: true if a resolver is known for that family
 */
static bool fwd_dns_target(const struct ctx *c, bool v4,
			   union inany_addr *out)
{
	if (v4) {
		struct in_addr a = c->ip4.dns_host;

		if (!a.s_addr)
			a = c->ip4.dns[0];
		if (!a.s_addr)
			return false;
		inany_from_v4(out, a);
		return true;
	}

	out->a6 = c->ip6.dns_host;
	if (IN6_IS_ADDR_UNSPECIFIED(&out->a6))
		out->a6 = c->ip6.dns[0];
	return !IN6_IS_ADDR_UNSPECIFIED(&out->a6);
}

/**
 * fwd_nat_from_tap() - Target side of a flow started by the guest
 * @c:		Execution context
 * @proto:	IP protocol
 * @ini:	Initiating side (guest's address and port, and the destination
 *		as our own address and port)
 * @tgt:	Target side, filled here
 *
 * Return: the interface of the target side (PIF_HOST)
 */
uint8_t fwd_nat_from_tap(const struct ctx *c, uint8_t proto,
			 const struct flowside *ini, struct flowside *tgt)
{
	const union inany_addr *dst = &ini->oaddr;
	bool v4 = !!inany_v4(dst);

	tgt->eaddr = *dst;
	tgt->eport = ini->oport;
	tgt->oport = 0;

	if (!c->no_map_gw &&
	    (fwd_match4(dst, c->ip4.map_host_loopback) ||
	     fwd_match6(dst, &c->ip6.map_host_loopback))) {
		tgt->eaddr = v4 ? inany_loopback4 : inany_loopback6;
	} else if (fwd_match4(dst, c->ip4.map_guest_addr)) {
		inany_from_v4(&tgt->eaddr, c->ip4.addr);
	} else if (fwd_match6(dst, &c->ip6.map_guest_addr)) {
		tgt->eaddr.a6 = c->ip6.addr;
	} else if ((fwd_match4(dst, c->ip4.dns_match) ||
		    fwd_match6(dst, &c->ip6.dns_match)) &&
		   ini->oport == 53 &&
		   (proto == IPPROTO_UDP || proto == IPPROTO_TCP)) {
		fwd_dns_target(c, v4, &tgt->eaddr);
	}

	if (inany_is_loopback(&tgt->eaddr))
		tgt->oaddr = tgt->eaddr;	/* loopback source for loopback */
	else if (v4)
		inany_from_v4(&tgt->oaddr, c->ip4.addr_out);
	else
		tgt->oaddr.a6 = c->ip6.addr_out;

	return PIF_HOST;
}

/**
 * fwd_guest_addr() - The guest's address in the family of @like
 * @c:		Execution context
 * @like:	Address whose family to use
 * @out:	Guest's address, set on success
 *
 * Return: true if the guest has an address of that family
 */
static bool fwd_guest_addr(const struct ctx *c, const union inany_addr *like,
			   union inany_addr *out)
{
	if (inany_v4(like)) {
		struct in_addr a = c->ip4.addr_seen.s_addr ? c->ip4.addr_seen :
							      c->ip4.addr;

		if (!c->v4 || !a.s_addr)
			return false;
		inany_from_v4(out, a);
		return true;
	}

	if (!c->v6)
		return false;
	out->a6 = IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr_seen) ? c->ip6.addr :
							       c->ip6.addr_seen;
	return !IN6_IS_ADDR_UNSPECIFIED(&out->a6);
}

/**
 * fwd_host_src_for_guest() - Source address the guest sees for a host peer
 * @c:		Execution context
 * @peer:	Address of the peer on the host side
 * @out:	Address to show the guest, set on success
 *
 * The host's loopback appears as --map-host-loopback (the gateway by
 * default), and the host's own address, which the guest also has, as
 * --map-guest-addr, or failing that as the loopback mapping too: the guest
 * would drop packets from its own address.
 *
 * Return: true if the peer can be shown to the guest
 */
static bool fwd_host_src_for_guest(const struct ctx *c,
				   const union inany_addr *peer,
				   union inany_addr *out)
{
	const struct in_addr *p4 = inany_v4(peer);
	bool own, lo = inany_is_loopback(peer);

	*out = *peer;
	if (p4) {
		own = p4->s_addr == c->ip4.addr.s_addr;
		if (own && c->ip4.map_guest_addr.s_addr) {
			inany_from_v4(out, c->ip4.map_guest_addr);
			return true;
		}
		if (lo || own) {
			if (c->no_map_gw || !c->ip4.map_host_loopback.s_addr)
				return false;
			inany_from_v4(out, c->ip4.map_host_loopback);
		}
		return true;
	}

	own = IN6_ARE_ADDR_EQUAL(&peer->a6, &c->ip6.addr);
	if (own && !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_guest_addr)) {
		out->a6 = c->ip6.map_guest_addr;
		return true;
	}
	if (lo || own) {
		if (c->no_map_gw ||
		    IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_host_loopback))
			return false;
		out->a6 = c->ip6.map_host_loopback;
	}
	return true;
}

/**
 * fwd_nat_from_host() - Target side of a flow arriving on a forwarded port
 *			 of the host (-t, -u)
 * @c:		Execution context
 * @fwd:	Forwarding table of that protocol and direction
 * @ini:	Initiating side: the peer and the port it reached
 * @tgt:	Target side, filled here
 *
 * In pasta mode, what comes from the host's loopback goes to the
 * namespace's loopback, socket to socket (spliced), unless --no-splice.
 *
 * Return: PIF_TAP, PIF_SPLICE, or PIF_NONE if the flow can't be forwarded
 */
uint8_t fwd_nat_from_host(const struct ctx *c, const struct fwd_ports *fwd,
			  const struct flowside *ini, struct flowside *tgt)
{
	bool v4 = !!inany_v4(&ini->eaddr);

	tgt->eport = ini->oport + fwd->delta[ini->oport];
	tgt->oport = ini->eport;

	if (c->mode == MODE_PASTA && !c->no_splice &&
	    inany_is_loopback(&ini->eaddr)) {
		tgt->eaddr = v4 ? inany_loopback4 : inany_loopback6;
		tgt->oaddr = tgt->eaddr;
		tgt->oport = 0;
		return PIF_SPLICE;
	}

	if (!fwd_guest_addr(c, &ini->eaddr, &tgt->eaddr) ||
	    !fwd_host_src_for_guest(c, &ini->eaddr, &tgt->oaddr))
		return PIF_NONE;
	return PIF_TAP;
}

/**
 * fwd_nat_from_splice() - Target side of a flow from the namespace's
 *			   loopback to a port forwarded with -T or -U (pasta)
 * @fwd:	Forwarding table of that protocol and direction
 * @ini:	Initiating side: the peer in the namespace and its target port
 * @tgt:	Target side, filled here: the host's loopback
 *
 * Return: PIF_HOST
 */
uint8_t fwd_nat_from_splice(const struct fwd_ports *fwd,
			    const struct flowside *ini, struct flowside *tgt)
{
	bool v4 = !!inany_v4(&ini->eaddr);

	tgt->eaddr = v4 ? inany_loopback4 : inany_loopback6;
	tgt->eport = ini->oport + fwd->delta[ini->oport];
	tgt->oaddr = tgt->eaddr;
	tgt->oport = 0;
	return PIF_HOST;
}

/* Port scans of /proc/net/{tcp,tcp6,udp,udp6}: [ns][udp][v6] */
static int fwd_scan_fd[2][2][2] = {
	{ { -1, -1 }, { -1, -1 } }, { { -1, -1 }, { -1, -1 } },
};

/* NETLINK_SOCK_DIAG sockets for the same scans: [ns] */
static int fwd_diag_fd[2] = { -1, -1 };

static const char *fwd_scan_path[2][2] = {
	{ "/proc/net/tcp", "/proc/net/tcp6" },
	{ "/proc/net/udp", "/proc/net/udp6" },
};

/**
 * fwd_scan_open_one() - Open one /proc/net file, in the current namespace
 * @arg:	Path
 *
 * Return: file descriptor, or -1
 */
static int fwd_scan_open_one(void *arg)
{
	return open((const char *)arg, O_RDONLY | O_CLOEXEC);
}

/**
 * fwd_diag_open() - Open a NETLINK_SOCK_DIAG socket, in the current namespace
 * @arg:	Unused (signature of an ns_call() callback)
 *
 * Return: socket, or -1
 */
static int fwd_diag_open(void *arg)
{
	struct timeval tv = { .tv_sec = 1 };
	int s;

	(void)arg;

	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (s < 0)
		return -1;

	/* A dump is produced while we read it: never wait for long */
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return s;
}

/**
 * fwd_scan_init() - Open what "auto" forwarding reads the socket tables from
 * @c:		Execution context
 *
 * The sockets and files stay open: each scan asks again, or reads again
 * from the start, in the namespace they were opened in, without entering it
 * again.
 */
void fwd_scan_init(const struct ctx *c)
{
	unsigned int udp, v6;

	fwd_diag_fd[0] = fwd_diag_open(NULL);
	if (c->mode == MODE_PASTA)
		fwd_diag_fd[1] = ns_call(c, fwd_diag_open, NULL);

	for (udp = 0; udp < 2; udp++) {
		for (v6 = 0; v6 < 2; v6++) {
			const char *p = fwd_scan_path[udp][v6];

			fwd_scan_fd[0][udp][v6] = fwd_scan_open_one((void *)p);
			if (c->mode == MODE_PASTA)
				fwd_scan_fd[1][udp][v6] =
					ns_call(c, fwd_scan_open_one, (void *)p);
		}
	}
}

/**
 * fwd_scan_line() - Port of a listening (TCP) or bound (UDP) socket
 * @line:	Line of /proc/net/{tcp,udp}[6]
 * @udp:	UDP table
 *
 * Return: local port, or -1 if the line is no such socket
 */
static int fwd_scan_line(const char *line, bool udp)
{
	unsigned int port, rport, state;
	char laddr[40], raddr[40];

	if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x",
		   laddr, &port, raddr, &rport, &state) != 5)
		return -1;

	if (udp)	/* bound, not connected: TCP_CLOSE, no remote port */
		return state == 0x07 && !rport ? (int)port : -1;
	return state == 0x0a ? (int)port : -1;	/* TCP_LISTEN */
}

/**
 * fwd_scan_file() - Add the ports found in one socket table to a bitmap
 * @fd:		Open file, read again from the start
 * @udp:	UDP table
 * @map:	Bitmap of ports, updated
 */
static void fwd_scan_file(int fd, bool udp, unsigned long *map)
{
	/* #syscalls:pasta lseek|_llseek read */
	static char buf[1 << 16];
	size_t have = 0;
	ssize_t n;

	if (fd < 0 || lseek(fd, 0, SEEK_SET))
		return;

	while ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		char *line = buf, *nl;

		have += n;
		buf[have] = '\0';
		while ((nl = strchr(line, '\n'))) {
			int port;

			*nl = '\0';
			if ((port = fwd_scan_line(line, udp)) > 0)
				bitmap_set(map, port);
			line = nl + 1;
		}
		have -= line - buf;
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1)
			have = 0;	/* a line this long is no socket */
	}
}

/**
 * fwd_scan_diag() - Add the ports of listening (TCP) or bound, unconnected
 *		     (UDP) sockets to a bitmap, from socket diagnostics
 * @fd:		NETLINK_SOCK_DIAG socket
 * @udp:	UDP rather than TCP
 * @v6:		IPv6 sockets rather than IPv4
 * @map:	Bitmap of ports, updated
 *
 * Return: 0 on success, -1 if the dump failed (nothing usable in @map)
 */
static int fwd_scan_diag(int fd, bool udp, bool v6, unsigned long *map)
{
	/* #syscalls:pasta send|sendto recv|recvfrom */
	static char buf[1 << 16] __attribute__((aligned(NLMSG_ALIGNTO)));
	static uint32_t seq;
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req = {
		.nlh = {
			.nlmsg_len	= sizeof(req),
			.nlmsg_type	= SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags	= NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq	= ++seq,
		},
		.r = {
			.sdiag_family	= v6 ? AF_INET6 : AF_INET,
			.sdiag_protocol	= udp ? IPPROTO_UDP : IPPROTO_TCP,
			/* UDP: bound, not connected; TCP: listening */
			.idiag_states	= 1U << (udp ? TCP_CLOSE : TCP_LISTEN),
		},
	};
	ssize_t n;

	if (fd < 0 || send(fd, &req, sizeof(req), 0) < 0)
		return -1;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		const struct nlmsghdr *nh = (struct nlmsghdr *)buf;
		size_t left = n;

		for (; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
			const struct inet_diag_msg *m = NLMSG_DATA(nh);

			if (nh->nlmsg_seq != seq)
				continue;	/* left from a dump cut short */
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nh->nlmsg_type == NLMSG_ERROR)
				return -1;
			if (nh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    nh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
				continue;
			if (udp && m->id.idiag_dport)
				continue;	/* connected */
			bitmap_set(map, ntohs(m->id.idiag_sport));
		}
	}
	return -1;
}

/**
 * fwd_scan_ports() - Ports bound (UDP) or listening (TCP) on one side, in
 *		      one family
 * @udp:	UDP rather than TCP
 * @ns:		The target namespace (pasta) rather than our own
 * @v6:		IPv6 table rather than IPv4
 * @map:	Bitmap, cleared and filled here
 */
static void fwd_scan_ports(bool udp, bool ns, bool v6, unsigned long *map)
{
	memset(map, 0, NUM_PORTS / 8);
	if (!fwd_scan_diag(fwd_diag_fd[ns], udp, v6, map))
		return;

	memset(map, 0, NUM_PORTS / 8);
	fwd_scan_file(fwd_scan_fd[ns][udp][v6], udp, map);
}

/**
 * fwd_port_wanted() - Should "auto" forward this port, found bound on the
 *		       other side?
 * @fwd:	Forwarding table, mode FWD_AUTO
 * @port:	Port
 *
 * Return: true unless excluded, or outside the ranges given with 'auto'
 */
bool fwd_port_wanted(const struct fwd_ports *fwd, unsigned int port)
{
	unsigned int r;

	if (!port || bitmap_isset(fwd->excl, port))
		return false;
	if (!fwd->count)
		return true;
	for (r = 0; r < fwd->count; r++) {
		if (port >= fwd->rules[r].first && port <= fwd->rules[r].last)
			return true;
	}
	return false;
}

/**
 * fwd_listen_rules() - Open listening sockets for every forwarded port
 * @c:		Execution context
 * @fwd:	Forwarding table: FWD_SPEC, or FWD_ALL (best effort)
 * @out:	-T/-U (in the namespace) rather than -t/-u
 * @open_fn:	Opens one socket and records it
 * @proto:	"TCP" or "UDP", for messages
 *
 * Return: 0 on success, -1 if a port given explicitly can't be bound
 *	   (reported: port, option and reason)
 */
int fwd_listen_rules(const struct ctx *c, const struct fwd_ports *fwd,
		     bool out, fwd_listen_fn open_fn, const char *proto)
{
	bool tcp = !strcmp(proto, "TCP");
	const char *opt = tcp ? (out ? "-T" : "-t") : (out ? "-U" : "-u");
	unsigned int r, port, v6;

	if (fwd->mode != FWD_SPEC && fwd->mode != FWD_ALL)
		return 0;

	for (r = 0; r < fwd->count; r++) {
		const struct fwd_rule *rule = &fwd->rules[r];

		for (port = rule->first; port <= rule->last; port++) {
			for (v6 = 0; v6 <= 1; v6++) {
				int rc;

				if (bitmap_isset(fwd->excl, port) ||
				    !(rule->flags & (v6 ? FWD_RULE_V6 :
							  FWD_RULE_V4)) ||
				    !(v6 ? c->v6 : c->v4))
					continue;

				rc = open_fn(c, rule, out, v6, port);
				if (rc >= 0)
					continue;
				if (fwd->mode == FWD_ALL) {
					debug("Can't bind %s port %u: %s",
					      proto, port, strerror(-rc));
					continue;
				}
				err("Can't bind %s port %u (%s) for %s: %s",
				    proto, port, v6 ? "IPv6" : "IPv4", opt,
				    strerror(-rc));
				return -1;
			}
		}
	}
	return 0;
}

/**
 * fwd_listen_close() - Close the listening sockets of one port
 * @c:		Execution context
 * @lfd:	Listening sockets of the protocol and direction, per family
 * @port:	Port
 *
 * Connections and flows that arrived on them are not affected.
 */
void fwd_listen_close(const struct ctx *c, int lfd[2][NUM_PORTS],
		      unsigned int port)
{
	unsigned int v6;

	for (v6 = 0; v6 < 2; v6++) {
		if (lfd[v6][port] < 0)
			continue;
		epoll_del(c, lfd[v6][port]);
		close(lfd[v6][port]);
		lfd[v6][port] = -1;
	}
}

/**
 * fwd_auto_sync() - Listen on the ports that "auto" wants, and only those
 * @c:		Execution context
 * @fwd:	Forwarding table, mode FWD_AUTO
 * @udp:	UDP rather than TCP
 * @lfd:	Listening sockets of the protocol: [direction][family][port]
 * @out:	Listen in the namespace (-T/-U) rather than on the host
 * @open_fn:	Opens one socket and records it in @lfd
 * @close_fn:	Called before closing the sockets of a port, may be NULL
 *
 * A port is forwarded when something is bound to it on the other side (in
 * either family: an IPv6 wildcard socket takes IPv4 too), it isn't one of
 * ours there, and nothing but us is bound to it on this side: a port bound
 * on both sides belongs to both, and is left alone.
 */
void fwd_auto_sync(const struct ctx *c, const struct fwd_ports *fwd, bool udp,
		   int lfd[2][2][NUM_PORTS], bool out, fwd_listen_fn open_fn,
		   fwd_close_fn close_fn)
{
	static unsigned long other[2][NUM_PORTS / (sizeof(long) * 8)];
	static unsigned long here[2][NUM_PORTS / (sizeof(long) * 8)];
	struct fwd_rule any = { .flags = FWD_RULE_V4 | FWD_RULE_V6 };
	const char *proto = udp ? "UDP" : "TCP";
	unsigned int port, v6;

	for (v6 = 0; v6 < 2; v6++) {
		fwd_scan_ports(udp, !out, v6, other[v6]);
		fwd_scan_ports(udp, out, v6, here[v6]);
	}

	for (port = 1; port < NUM_PORTS; port++) {
		bool want = fwd_port_wanted(fwd, port);

		for (v6 = 0; v6 < 2 && want; v6++) {
			if (bitmap_isset(here[v6], port) &&
			    lfd[out][v6][port] < 0)
				want = false;	/* someone else's, here */
		}
		want = want &&
		       ((bitmap_isset(other[0], port) &&
			 lfd[!out][0][port] < 0) ||
			(bitmap_isset(other[1], port) &&
			 lfd[!out][1][port] < 0));

		for (v6 = 0; v6 < 2; v6++) {
			if (want && lfd[out][v6][port] < 0 &&
			    (v6 ? c->v6 : c->v4) &&
			    open_fn(c, &any, out, v6, port) < 0)
				debug("auto: can't bind %s port %u (%s)", proto,
				      port, v6 ? "IPv6" : "IPv4");
		}
		if (!want && (lfd[out][0][port] >= 0 ||
			      lfd[out][1][port] >= 0)) {
			if (close_fn)
				close_fn(c, out, port);
			fwd_listen_close(c, lfd[out], port);
		}
	}
}
