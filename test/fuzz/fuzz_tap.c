// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_tap.c - libFuzzer target: frames from the guest, through tap_input()
 *
 * Built twice: fuzz_tap takes the input as passt's stream (tap_input(): the
 * splitter of qemu's framing, lengths that lie included); fuzz_tap_pasta,
 * built with FUZZ_TAP_PASTA, as pasta's framing, one read() from the tap
 * device per frame (tap_input_pasta(): the lengths only say where reads
 * end). Both share the corpus in corpus/fuzz_tap. The daemon is set up in
 * passt mode in both: what goes to the guest is checked the same way.
 *
 * A passt is set up once, as passt.c's main() would for a guest connected
 * with --fd: the guest's stream is one end of a socketpair, whose other end
 * we drain (and check: see out_check()); addresses from the documentation
 * ranges (see ctx_setup()): guest 198.51.100.1/24 and 2001:db8:1::1/64,
 * gateway .2 and ::2 (mapped to the host's loopback), --dns-forward .3 and
 * ::3 to resolvers on 127.0.0.1 and ::1, --map-guest-addr .4 and ::4,
 * TCP and UDP port 8080 forwarded to the guest.
 *
 * This runs under 'unshare -Urn' (checked: no interface but lo), in a
 * network namespace of its own (each process, for libFuzzer's -merge, -fork
 * and -jobs modes), whose loopback we bring up, with small servers of our
 * own on it that the gateway address reaches: TCP echo (7), discard (9),
 * daytime (13, sends a line and closes), chargen (19, sends 256 KiB and
 * closes); UDP echo (7), discard (9) and a "resolver" echoing on 53. Ping
 * sockets are allowed (ping_group_range). Nothing else is reachable: flows
 * to other addresses fail like they would with no route.
 *
 * Input format: a passt stream (4-byte big-endian length, then the frame,
 * repeated), optionally cut into chunks by a separator, FUZZ_SEP followed by
 * one byte: between chunks, the sockets are served (events dispatched to the
 * daemon's handlers, like the main loop does, and our servers answered), and
 * the time code of the separator applies:
 *	0-99:	  advance the clock by code * 10 ms
 *	100-199:  by (code - 99) s
 *	200-249:  by (code - 199) min
 *	250, 251: connect to the forwarded TCP port 8080, over IPv4, IPv6
 *	252, 253: send a datagram to the forwarded UDP port 8080, IPv4, IPv6
 * then the flow timers run. So a single input holds a whole exchange (a TCP
 * handshake needs our SYN-ACK out before the guest's ACK comes in) and is
 * reproducible on its own: each input starts at a clock value that is
 * equivalent for TCP sequence numbers and not before the end of the previous
 * input, however far its time codes took it (see clock_for_input()), fixed keys
 * (getrandom() is wrapped), and ends with every flow expired, which is
 * checked, as is that the input left no file descriptor open and no IP
 * datagram in reassembly (after the reassembly timeout).
 *
 * What we send to the guest is checked too (out_check()): frame lengths,
 * IPv4 header checksums, IP lengths against frame lengths, and the TCP, UDP,
 * ICMP and ICMPv6 checksums; IP fragments must fit the MTU, and all but the
 * last carry a multiple of 8 bytes.  The bytes after each input are poisoned
 * in the daemon's receive buffer (tap_buf, made global in our copy of
 * tap.o), so a read past the end of the input is an AddressSanitizer report.
 *
 * With FUZZ_TAP_SEEDGEN=DIR in the environment, the binary writes a seed
 * corpus into DIR instead (see seedgen.c, included below) and exits. With
 * FUZZ_TAP_KNOWN_BUGS set, flows left after the teardown by a known bug are
 * forced out instead of failing the input (see input_end()). FUZZ_DEBUG=1
 * shows the daemon's debug messages. FUZZ_TAP_SHIFT=N (1 to 3) puts a frame
 * of N bytes, which the daemon drops as too short, in front of each chunk:
 * every header of every frame then lies N bytes further than in the input,
 * for the alignment check of UBSan (replay.sh replays at each shift).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/ethernet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <sanitizer/asan_interface.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "tap_buf.h"		/* FUZZ_TAP_BUF_SIZE, from tap.o */

#include "passt.h"
#include "conf.h"
#include "dhcpv6.h"
#include "flow.h"
#include "fwd.h"
#include "icmp.h"
#include "ipfrag.h"
#include "log.h"
#include "ndp.h"
#include "tap.h"
#include "tcp.h"
#include "udp.h"

extern uint8_t tap_buf[];

#define FUZZ_SEP		"\xff" "STEP" "\xff"
#define FUZZ_SEP_LEN		(sizeof(FUZZ_SEP) - 1)

#define T0_SEC			1000000000LL	/* clock of the first input */
#define INPUT_STRIDE_SHIFT	45		/* inputs start on a 2^45 ns grid */
#define SERVICE_ROUNDS		16
/* Teardown: 1 s, 2 s, ... 512 s, then 1024 s at a time, 40 steps, 8.8 hours
 * in all: every flow timer fires at least 40 times (more than TCP's
 * retransmissions before a reset), and every idle timeout (TCP: 2 hours)
 * passes
 */
#define TEARDOWN_STEPS		40
#define TEARDOWN_MS(i)		(1000ULL << MIN((i), 10U))

#define FWD_PORT		8080
#define CHARGEN_TOTAL		(256 << 10)
#define CONN_MAX		64

static struct ctx ctx;
static struct timespec now;
static uint64_t input_slot;		/* grid point where the input starts */
static int peer = -1;			/* our end of the guest's stream */
static int fd_baseline = -1;		/* open files when the input began */
static bool seedgen;
static bool known_bugs;			/* FUZZ_TAP_KNOWN_BUGS set */
static unsigned int shift;		/* FUZZ_TAP_SHIFT: 0 to 3 */
static unsigned long known_forced;	/* inputs where that applied */

/* ------------------------------------------------------------------------ */
/* Servers on our loopback                                                   */
/* ------------------------------------------------------------------------ */

static const uint16_t tcp_ports[] = { 7, 9, 13, 19 };
static const uint16_t udp_ports[] = { 7, 9, 53 };
static int tcp_listen[ARRAY_SIZE(tcp_ports)];
static int udp_socks[ARRAY_SIZE(udp_ports)];

/**
 * struct conn - A TCP connection of our servers, or one we opened
 * @fd:		Socket, -1 if unused
 * @port:	Server port (7, 9, 13, 19), 0 for a client
 * @sent:	Bytes sent so far (chargen)
 * @wr_done:	We shut down our side
 */
static struct conn {
	int fd;
	uint16_t port;
	size_t sent;
	bool wr_done;
} conns[CONN_MAX];

static int udp_clients[2] = { -1, -1 };

/* Source ports of the connections we open, from CLIENT_PORT_BASE in each
 * input
 */
#define CLIENT_PORT_BASE	33000
static uint16_t client_port_next;

/**
 * sock_bound() - Open a socket bound to a port on every address (v4 and v6)
 * @type:	SOCK_STREAM or SOCK_DGRAM
 * @port:	Port
 *
 * Return: socket
 */
static int sock_bound(int type, uint16_t port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(port) };
	int s = socket(AF_INET6, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int zero = 0, one = 1;

	if (s < 0 ||
	    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s, (struct sockaddr *)&a, sizeof(a)) ||
	    (type == SOCK_STREAM && listen(s, CONN_MAX)))
		fuzz_fail("can't set up our server on port %u: %s", port,
			  strerror(errno));
	return s;
}

/**
 * servers_init() - Start our servers
 */
static void servers_init(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tcp_ports); i++)
		tcp_listen[i] = sock_bound(SOCK_STREAM, tcp_ports[i]);
	for (i = 0; i < ARRAY_SIZE(udp_ports); i++)
		udp_socks[i] = sock_bound(SOCK_DGRAM, udp_ports[i]);
	for (i = 0; i < CONN_MAX; i++)
		conns[i].fd = -1;
}

/**
 * conn_add() - Track a new connection
 * @fd:		Socket
 * @port:	Server port, 0 for a client
 */
static void conn_add(int fd, uint16_t port)
{
	static const char daytime[] = "Thu Jan  1 00:00:00 1970\r\n";
	unsigned int i;

	for (i = 0; i < CONN_MAX; i++) {
		if (conns[i].fd < 0)
			break;
	}
	if (i == CONN_MAX) {
		close(fd);
		return;
	}
	conns[i] = (struct conn){ fd, port, 0, false };

	if (port == 13) {
		if (send(fd, daytime, sizeof(daytime) - 1, MSG_DONTWAIT) < 0)
			;	/* the guest may be gone already */
		shutdown(fd, SHUT_WR);
		conns[i].wr_done = true;
	}
}

/**
 * conn_close() - Close one of our connections, with a reset if @rst
 * @cn:		Connection
 * @rst:	Send a reset (SO_LINGER with a zero timeout)
 */
static void conn_close(struct conn *cn, bool rst)
{
	struct linger l = { 1, 0 };

	if (rst)
		setsockopt(cn->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(cn->fd);
	cn->fd = -1;
}

/**
 * conn_serve() - Serve one connection: echo, discard, chargen
 * @cn:		Connection
 *
 * Return: true if something happened
 */
static bool conn_serve(struct conn *cn)
{
	static uint8_t buf[65536];
	bool busy = false;
	ssize_t n;

	if (cn->port == 19 && !cn->wr_done) {
		size_t want = MIN(sizeof(buf), CHARGEN_TOTAL - cn->sent);

		memset(buf, 'a' + cn->sent / 1000 % 26, want);
		n = send(cn->fd, buf, want, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			cn->sent += (size_t)n;
			busy = true;
		}
		if (cn->sent >= CHARGEN_TOTAL) {
			shutdown(cn->fd, SHUT_WR);
			cn->wr_done = true;
		}
	}

	n = recv(cn->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n == 0) {
		if (cn->wr_done) {
			conn_close(cn, false);
		} else {
			shutdown(cn->fd, SHUT_WR);
			cn->wr_done = true;
		}
		return true;
	}
	if (n < 0) {
		if (errno != EAGAIN) {
			conn_close(cn, false);
			return true;
		}
		return busy;
	}

	if (cn->port == 7 && !cn->wr_done &&
	    send(cn->fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		;	/* full: echo what fits, like a lossy server */
	return true;
}

/**
 * servers_serve() - Accept, serve connections, answer datagrams
 *
 * Return: true if something happened
 */
static bool servers_serve(void)
{
	static uint8_t buf[65536];
	struct sockaddr_storage sa;
	bool busy = false;
	unsigned int i;
	socklen_t sl;
	ssize_t n;
	int s;

	for (i = 0; i < ARRAY_SIZE(tcp_ports); i++) {
		while ((s = accept4(tcp_listen[i], NULL, NULL,
				    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
			conn_add(s, tcp_ports[i]);
			busy = true;
		}
	}

	for (i = 0; i < CONN_MAX; i++) {
		if (conns[i].fd >= 0)
			busy |= conn_serve(&conns[i]);
	}

	for (i = 0; i < ARRAY_SIZE(udp_ports); i++) {
		sl = sizeof(sa);
		while ((n = recvfrom(udp_socks[i], buf, sizeof(buf),
				     MSG_DONTWAIT, (struct sockaddr *)&sa,
				     &sl)) >= 0) {
			if (udp_ports[i] != 9)
				sendto(udp_socks[i], buf, (size_t)n,
				       MSG_DONTWAIT, (struct sockaddr *)&sa, sl);
			busy = true;
			sl = sizeof(sa);
		}
	}

	for (i = 0; i < 2; i++) {
		while (udp_clients[i] >= 0 &&
		       recv(udp_clients[i], buf, sizeof(buf), MSG_DONTWAIT) >= 0)
			busy = true;
	}

	return busy;
}

/**
 * servers_reset() - Reset every connection, close our UDP clients
 */
static void servers_reset(void)
{
	unsigned int i;

	for (i = 0; i < CONN_MAX; i++) {
		if (conns[i].fd >= 0)
			conn_close(&conns[i], true);
	}
	for (i = 0; i < 2; i++) {
		if (udp_clients[i] >= 0)
			close(udp_clients[i]);
		udp_clients[i] = -1;
	}
}

/**
 * client_action() - Connect or send to a forwarded port (time codes 250+)
 * @code:	250, 251: TCP over IPv4, IPv6; 252, 253: UDP
 */
static void client_action(uint8_t code)
{
	bool v6 = code & 1, tcp = code < 252;
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(FWD_PORT),
				  .sin_addr = { htonl(INADDR_LOOPBACK) } };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(FWD_PORT),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	const struct sockaddr *sa = v6 ? (struct sockaddr *)&a6 :
					 (struct sockaddr *)&a4;
	socklen_t sl = v6 ? sizeof(a6) : sizeof(a4);
	int s;

	if (!tcp && udp_clients[v6] >= 0) {
		send(udp_clients[v6], "ping", 4, MSG_DONTWAIT);
		return;
	}

	s = socket(v6 ? AF_INET6 : AF_INET,
		   (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK |
		   SOCK_CLOEXEC, 0);
	if (s < 0)
		return;

	/* A fixed source port: the guest sees it, and the TCP sequence
	 * numbers depend on it, which must be the same in every run
	 */
	client_port_next = MAX(client_port_next, CLIENT_PORT_BASE);
	if (v6) {
		struct sockaddr_in6 b = { .sin6_family = AF_INET6,
					  .sin6_port = htons(client_port_next++),
					  .sin6_addr = IN6ADDR_LOOPBACK_INIT };

		bind(s, (struct sockaddr *)&b, sizeof(b));
	} else {
		struct sockaddr_in b = { .sin_family = AF_INET,
					 .sin_port = htons(client_port_next++),
					 .sin_addr = { htonl(INADDR_LOOPBACK) } };

		bind(s, (struct sockaddr *)&b, sizeof(b));
	}

	if (connect(s, sa, sl) && errno != EINPROGRESS) {
		close(s);
		return;
	}
	if (tcp) {
		conn_add(s, 0);
	} else {
		udp_clients[v6] = s;
		send(s, "ping", 4, MSG_DONTWAIT);
	}
}

/* ------------------------------------------------------------------------ */
/* What we send to the guest                                                 */
/* ------------------------------------------------------------------------ */

static uint8_t rx[1 << 20];
static size_t rx_len;

/* Frames we sent during the current seed generation step */
#define OUT_MAX		4096
static struct out_frame {
	uint8_t *data;
	size_t len;
} out_frames[OUT_MAX];
static size_t out_count;

/**
 * sum16() - One's complement sum of bytes, as 16-bit big-endian words
 * @p:		Bytes
 * @len:	Length
 * @sum:	Initial sum
 *
 * Return: unfolded sum
 */
static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

/**
 * fold() - Fold a sum to 16 bits
 * @sum:	Sum
 *
 * Return: folded sum, 0xffff for a valid checksum
 */
static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/**
 * out_check_l4() - Check the checksum of a TCP, UDP, ICMP, ICMPv6 message
 * @proto:	Protocol
 * @l4:		Message
 * @len:	Its length
 * @psum:	Pseudo-header sum (0 for ICMP)
 * @v4:		IPv4 (a zero UDP checksum means none)
 */
static void out_check_l4(uint8_t proto, const uint8_t *l4, size_t len,
			 uint32_t psum, bool v4)
{
	size_t hlen = proto == IPPROTO_TCP ? sizeof(struct tcphdr) :
		      proto == IPPROTO_UDP ? sizeof(struct udphdr) : 4;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP &&
	    proto != IPPROTO_ICMP && proto != IPPROTO_ICMPV6)
		fuzz_fail("frame to the guest: unexpected protocol %u", proto);
	if (len < hlen)
		fuzz_fail("frame to the guest: protocol %u, %zu bytes", proto,
			  len);
	if (proto == IPPROTO_UDP) {
		if ((size_t)(l4[4] << 8 | l4[5]) != len)
			fuzz_fail("frame to the guest: UDP length %u, IP "
				  "payload %zu", l4[4] << 8 | l4[5], len);
		if (v4 && !l4[6] && !l4[7])
			return;
	}
	if (fold(sum16(l4, len, psum)) != 0xffff)
		fuzz_fail("frame to the guest: bad %s checksum (protocol %u, "
			  "%zu bytes)", v4 ? "IPv4" : "IPv6", proto, len);
}

/**
 * out_check_frag() - Check an IP fragment we sent to the guest
 * @l3len:	Length of the IP packet
 * @dlen:	Length of the fragment's data
 * @more:	Not the last fragment
 *
 * Its transport checksum covers the whole datagram: not checked here.
 */
static void out_check_frag(size_t l3len, size_t dlen, bool more)
{
	if (l3len > tap_mtu(&ctx))
		fuzz_fail("fragment to the guest: %zu bytes, MTU %zu", l3len,
			  tap_mtu(&ctx));
	if (more && (!dlen || dlen % 8))
		fuzz_fail("fragment to the guest: %zu bytes of data, not the "
			  "last one", dlen);
}

/**
 * out_check() - Check a frame we sent to the guest
 * @f:		Frame, from the Ethernet header
 * @len:	Length
 */
static void out_check(const uint8_t *f, size_t len)
{
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);

	if (type == ETHERTYPE_ARP) {
		if (len < ETH_HLEN + 28)
			fuzz_fail("ARP frame to the guest: %zu bytes", len);
	} else if (type == ETHERTYPE_IP) {
		const uint8_t *ih = f + ETH_HLEN;
		size_t hlen, tot;
		uint32_t psum;

		if (len < ETH_HLEN + 20)
			fuzz_fail("IPv4 frame to the guest: %zu bytes", len);
		hlen = (ih[0] & 0xf) * 4U;
		tot = (size_t)(ih[2] << 8 | ih[3]);
		if (ih[0] >> 4 != 4 || hlen < 20 || tot < hlen ||
		    tot > len - ETH_HLEN)
			fuzz_fail("IPv4 frame to the guest: header %zu, total "
				  "%zu, frame %zu bytes", hlen, tot, len);
		if (fold(sum16(ih, hlen, 0)) != 0xffff)
			fuzz_fail("IPv4 frame to the guest: bad header "
				  "checksum");
		if ((ih[6] << 8 | ih[7]) & (IP_MF | IP_OFFMASK)) {
			out_check_frag(tot, tot - hlen, ih[6] & 0x20);
			return;
		}
		psum = ih[9] == IPPROTO_ICMP ? 0 :
		       sum16(ih + 12, 8, (uint32_t)(ih[9] + tot - hlen));
		out_check_l4(ih[9], ih + hlen, tot - hlen, psum, true);
	} else if (type == ETHERTYPE_IPV6) {
		const uint8_t *ih = f + ETH_HLEN;
		size_t plen;
		uint32_t psum;

		if (len < ETH_HLEN + 40)
			fuzz_fail("IPv6 frame to the guest: %zu bytes", len);
		plen = (size_t)(ih[4] << 8 | ih[5]);
		if (ih[0] >> 4 != 6 || plen > len - ETH_HLEN - 40)
			fuzz_fail("IPv6 frame to the guest: payload %zu, "
				  "frame %zu bytes", plen, len);
		if (ih[6] == IPPROTO_FRAGMENT) {
			if (plen < 8)
				fuzz_fail("IPv6 fragment to the guest: payload "
					  "%zu", plen);
			out_check_frag(40 + plen, plen - 8, ih[40 + 3] & 1);
			return;
		}
		psum = sum16(ih + 8, 32, (uint32_t)(ih[6] + plen));
		out_check_l4(ih[6], ih + 40, plen, psum, false);
	} else {
		fuzz_fail("frame to the guest: ethertype 0x%04x", type);
	}
}

/**
 * out_drain() - Read, check (and in seed generation keep) what we sent
 *
 * Return: true if anything was read
 */
static bool out_drain(void)
{
	bool busy = false;
	size_t off = 0;
	ssize_t n;

	while ((n = recv(peer, rx + rx_len, sizeof(rx) - rx_len,
			 MSG_DONTWAIT)) > 0) {
		busy = true;
		rx_len += (size_t)n;

		for (off = 0; rx_len - off >= 4; ) {
			uint32_t flen;

			memcpy(&flen, rx + off, 4);
			flen = ntohl(flen);
			if (flen < ETH_HLEN || flen > FRAME_MAX)
				fuzz_fail("frame to the guest: length %u",
					  flen);
			if (rx_len - off - 4 < flen)
				break;
			out_check(rx + off + 4, flen);
			if (seedgen && out_count < OUT_MAX) {
				struct out_frame *o = &out_frames[out_count++];

				o->data = malloc(flen);
				memcpy(o->data, rx + off + 4, flen);
				o->len = flen;
			}
			off += 4 + flen;
		}
		memmove(rx, rx + off, rx_len - off);
		rx_len -= off;
	}
	return busy;
}

/**
 * out_clear() - Forget the frames kept for seed generation
 */
static void out_clear(void)
{
	size_t i;

	for (i = 0; i < out_count; i++)
		free(out_frames[i].data);
	out_count = 0;
}

/* ------------------------------------------------------------------------ */
/* The main loop, in small steps                                             */
/* ------------------------------------------------------------------------ */

/**
 * dispatch() - Hand an epoll event to the daemon's handler, as passt.c does
 * @ev:		Event
 */
static void dispatch(const struct epoll_event *ev)
{
	union epoll_ref ref = { .u64 = ev->data.u64 };
	struct ctx *c = &ctx;

	switch ((enum epoll_type)ref.type) {
	case EPOLL_TYPE_TAP_PASST:
		tap_handler_passt(c, ev->events, &now);
		break;
	case EPOLL_TYPE_FLOW_TIMER:
		flow_timer_handler(c, &now);
		break;
	case EPOLL_TYPE_PING:
		icmp_sock_handler(c, ref, &now);
		break;
	case EPOLL_TYPE_TCP:
		tcp_sock_handler(c, ref, ev->events, &now);
		break;
	case EPOLL_TYPE_TCP_LISTEN:
		tcp_listen_handler(c, ref, &now);
		break;
	case EPOLL_TYPE_UDP_LISTEN:
		udp_listen_sock_handler(c, ref, ev->events, &now);
		break;
	case EPOLL_TYPE_UDP_REPLY:
		udp_reply_sock_handler(c, ref, ev->events, &now);
		break;
	default:
		fuzz_fail("event for epoll type %u: add it to dispatch()",
			  ref.type);
	}
}

/**
 * service() - Serve sockets until nothing happens (or SERVICE_ROUNDS)
 */
static void service(void)
{
	struct epoll_event ev[EPOLL_EVENTS];
	unsigned int round;
	int n, i;

	for (round = 0; round < SERVICE_ROUNDS; round++) {
		bool busy = servers_serve();

		n = epoll_wait(ctx.epollfd, ev, EPOLL_EVENTS, 0);
		for (i = 0; i < n; i++)
			dispatch(&ev[i]);
		busy |= out_drain();
		if (!busy && n <= 0)
			break;
	}
}

/**
 * clock_advance() - Move our clock forward
 * @ms:		Milliseconds
 */
static void clock_advance(uint64_t ms)
{
	now.tv_sec += (time_t)(ms / 1000);
	now.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (now.tv_nsec >= 1000000000L) {
		now.tv_sec++;
		now.tv_nsec -= 1000000000L;
	}
	ctx.now = now;
}

/**
 * timers() - Run the timers, as passt.c's timer handlers would
 */
static void timers(void)
{
	flow_timer_handler(&ctx, &now);
	ndp_timer(&ctx, &now);
	ipfrag_timer(&now);
	tcp_port_rescan(&ctx);
	udp_port_rescan(&ctx, &now);
}

/**
 * input_step() - Between chunks: a time step or an action, timers, service
 * @code:	Time code, see the comment at the top
 */
static void input_step(uint8_t code)
{
	if (code < 100)
		clock_advance(code * 10ULL);
	else if (code < 200)
		clock_advance((code - 99) * 1000ULL);
	else if (code < 250)
		clock_advance((code - 199) * 60000ULL);
	else if (code < 254)
		client_action(code);

	timers();
	service();
}

/**
 * input_chunk() - Stream bytes from the guest, then service
 * @data:	Bytes
 * @len:	Length
 */
static void input_chunk(const uint8_t *data, size_t len)
{
	static uint8_t shifted[FUZZ_TAP_BUF_SIZE];

	if (shift) {
		/* Length prefix, then a frame of @shift zeroes */
		len = MIN(len, sizeof(shifted) - 4 - shift);
		memset(shifted, 0, 4 + shift);
		shifted[3] = (uint8_t)shift;
		memcpy(shifted + 4 + shift, data, len);
		data = shifted;
		len += 4 + shift;
	}

	len = MIN(len, FUZZ_TAP_BUF_SIZE);
#ifdef FUZZ_TAP_PASTA
	/* pasta's framing: each frame one read() from the tap device */
	tap_input_pasta(&ctx, data, len, &now);
#else
	ASAN_POISON_MEMORY_REGION(tap_buf + len, FUZZ_TAP_BUF_SIZE - len);
	tap_input(&ctx, data, len, &now);
	ASAN_UNPOISON_MEMORY_REGION(tap_buf + len, FUZZ_TAP_BUF_SIZE - len);
#endif
	service();
}

/**
 * clock_for_input() - Set the clock for the start of the current input
 *
 * Inputs start on a grid of 2^45 ns: TCP initial sequence numbers use a
 * 32-bit clock of 2^12 ns ticks, which wraps every 2^44 ns, so every input
 * sees the same sequence numbers wherever on the grid it starts. Each one
 * starts at the next point of the grid (input_slot, moved on by input_end())
 * or, if the previous input ended later, at the first point not before that
 * end: the time codes of an input can take it weeks ahead (50 minutes each),
 * not only its teardown (under 9 hours, see TEARDOWN_STEPS).
 *
 * The daemon's clock is CLOCK_MONOTONIC, and never goes back: ours must not
 * either. The flow timer wheel (flow.c) goes on from the last tick it ran,
 * so a timer set on a clock moved back waits in the slot of that tick, until
 * the clock gets there again: hours later, after the teardown, and its flow
 * is reported as never expiring, a bug that isn't the daemon's. Checked.
 */
static void clock_for_input(void)
{
	const int64_t stride = 1LL << INPUT_STRIDE_SHIFT;
	struct timespec prev = now;
	unsigned __int128 ns;

	if (now.tv_sec >= T0_SEC) {
		int64_t past = (now.tv_sec - T0_SEC) * 1000000000LL +
			       now.tv_nsec;

		input_slot = MAX(input_slot,
				 (uint64_t)((past + stride - 1) / stride));
	}

	ns = (unsigned __int128)input_slot << INPUT_STRIDE_SHIFT;
	now.tv_sec = (time_t)(T0_SEC + (int64_t)(ns / 1000000000U));
	now.tv_nsec = (long)(ns % 1000000000U);
	if (now.tv_sec < prev.tv_sec ||
	    (now.tv_sec == prev.tv_sec && now.tv_nsec < prev.tv_nsec))
		fuzz_fail("clock going back from %lld.%09ld to %lld.%09ld s",
			  (long long)prev.tv_sec, prev.tv_nsec,
			  (long long)now.tv_sec, now.tv_nsec);
	ctx.now = now;
}

/**
 * input_begin() - Start an input: clock, forget what we learnt of the guest
 */
static void input_begin(void)
{
	/* Counted here, not once: libFuzzer itself opens files between
	 * inputs (pipes to the symbolizer, for NEW_FUNC lines)
	 */
	fd_baseline = fuzz_fd_count();
	clock_for_input();
	client_port_next = CLIENT_PORT_BASE;

	memset(ctx.guest_mac, 0, sizeof(ctx.guest_mac));
	ctx.ip4.addr_seen = ctx.ip4.addr;
	ctx.ip6.addr_seen = ctx.ip6.addr;
	memset(&ctx.ip6.addr_ll_seen, 0, sizeof(ctx.ip6.addr_ll_seen));

	timers();	/* the wheel catches up with the new clock */
	service();
}

/**
 * flows_describe() - Print the flows still in the table
 */
static void flows_describe(void)
{
	unsigned int i;

	for (i = 0; i < FLOW_MAX; i++) {
		const union flow *f = &flowtab[i];

		if (f->f.type == FLOW_TYPE_NONE)
			continue;
		fprintf(stderr, "flow %u: type %s, timer %lld\n", i,
			flow_type_str[f->f.type], (long long)f->f.tw_when);
		if (f->f.type == FLOW_TCP) {
			const struct tcp_tap_conn *t = &f->tcp;

			fprintf(stderr, "    TCP state 0x%x flags 0x%x events "
				"0x%x, seq to tap %u acked %u, window %u, "
				"retrans %u, last %lld (now %lld)\n",
				t->state, t->flags, t->sock_events,
				t->seq_to_tap - t->seq_init_to_tap,
				t->seq_ack_from_tap - t->seq_init_to_tap,
				t->wnd_from_tap, t->retrans,
				(long long)t->last, (long long)now.tv_sec);
		}
	}
}

/**
 * input_end() - End an input: reset our connections, expire every flow,
 *		 check that nothing is left
 */
static void input_end(void)
{
	unsigned long long waited;
	unsigned int i;
	int fds;

	service();
	servers_reset();
	service();

	for (i = 0, waited = 0; flow_count() && i < TEARDOWN_STEPS; i++) {
		clock_advance(TEARDOWN_MS(i));
		waited += TEARDOWN_MS(i) / 1000;
		timers();
		service();
	}
	if (flow_count() && known_bugs) {
		/* For a campaign to go on past a known bug that leaves TCP
		 * flows behind (as the retransmission count reset by every
		 * retransmission did, until 42d1d37): force the count past
		 * TCP_RETRANS_MAX, and wait for the next timer (at most 2^7 s,
		 * plus a turn of the wheel)
		 */
		static const unsigned int wait_s[] = { 11, 64, 128, 256 };

		if (!known_forced++)
			fprintf(stderr, "fuzz_tap: FUZZ_TAP_KNOWN_BUGS: %u flows "
				"left after the teardown, forcing them out "
				"(reported once)\n", flow_count());
		for (i = 0; flow_count() && i < ARRAY_SIZE(wait_s); i++) {
			unsigned int f;

			for (f = 0; f < FLOW_MAX; f++) {
				if (flowtab[f].f.type == FLOW_TCP)
					flowtab[f].tcp.retrans = 31;
			}
			clock_advance(wait_s[i] * 1000ULL);
			timers();
			service();
		}
	}
	if (ipfrag_busy()) {	/* incomplete datagrams: time them out */
		clock_advance(IPFRAG_TIMEOUT * 1000ULL);
		timers();
		service();
	}
	if (ipfrag_busy())
		fuzz_fail("%u IP datagrams still in reassembly after %u s",
			  ipfrag_busy(), IPFRAG_TIMEOUT);
	if (flow_count()) {
		flows_describe();
		fuzz_fail("%u flows left after %llu s without traffic",
			  flow_count(), waited);
	}

	fds = fuzz_fd_count();
	if (fd_baseline >= 0 && fds > fd_baseline) {
		fuzz_fd_dump();
		flows_describe();
		fuzz_fail("%d file descriptors open, %d before: leak",
			  fds, fd_baseline);
	}
	input_slot++;
}

/* ------------------------------------------------------------------------ */
/* Set-up                                                                    */
/* ------------------------------------------------------------------------ */

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
 * ctx_setup() - Configure like passt's conf() with these options would,
 *		 with our namespace's loopback as the upstream interface
 * @fd:		Socket of the guest's stream (--fd)
 */
static void ctx_setup(int fd)
{
	char fdstr[16];
	char *argv[] = {
		"passt", "-f", "--fd", fdstr,
		"-a", "198.51.100.1", "-n", "24", "-g", "198.51.100.2",
		"-a", "2001:db8:1::1", "-g", "2001:db8:1::2",
		"-D", "198.51.100.3", "-D", "2001:db8:1::3",
		"--dns-forward", "198.51.100.3", "--dns-forward", "2001:db8:1::3",
		"--dns-host", "127.0.0.1", "--dns-host", "::1",
		"-S", "example.org eng.example.org", "-H", "guest",
		"--fqdn", "guest.example.org",
		"--map-guest-addr", "198.51.100.4",
		"--map-guest-addr", "2001:db8:1::4",
		"-t", STR(FWD_PORT), "-u", STR(FWD_PORT),
		NULL
	};
	struct ctx *c = &ctx;

	snprintf(fdstr, sizeof(fdstr), "%d", fd);
	c->mode = MODE_PASST;
	c->name = "passt";
	c->fd_tap = c->fd_tap_listen = -1;
	conf_parse(c, ARRAY_SIZE(argv) - 1, argv);

	/* What conf_ip4(), conf_ip6(), conf_map() would find or set */
	c->ifi4 = c->ifi6 = 1;
	c->ip4.addr_seen = c->ip4.addr;
	c->ip4.our_tap_addr = c->ip4.guest_gw;
	if (!c->ip6.prefix_len)
		c->ip6.prefix_len = 64;
	c->ip6.addr_seen = c->ip6.addr;
	c->ip6.our_tap_ll = ip6("fe80::1");
	if (!c->ip4.map_host_loopback.s_addr)
		c->ip4.map_host_loopback = c->ip4.guest_gw;
	if (IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_host_loopback))
		c->ip6.map_host_loopback = c->ip6.guest_gw;
	c->uid = geteuid();
	c->gid = getegid();

	fwd_spec_finish(&c->tcp_in, FWD_NONE, c->v4, c->v6);
	fwd_spec_finish(&c->udp_in, FWD_NONE, c->v4, c->v6);
	fwd_spec_finish(&c->tcp_out, FWD_NONE, c->v4, c->v6);
	fwd_spec_finish(&c->udp_out, FWD_NONE, c->v4, c->v6);
}

#include "seedgen.c"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ctx *c = &ctx;
	int sv[2];

	(void)argc;
	(void)argv;
	fuzz_isolation_check("fuzz_tap");
	known_bugs = getenv("FUZZ_TAP_KNOWN_BUGS");
	if (getenv("FUZZ_TAP_SHIFT"))
		shift = (unsigned int)atoi(getenv("FUZZ_TAP_SHIFT")) % 4;
	fuzz_private_netns();
	fuzz_lo_up();
	if (fuzz_sysctl("/proc/sys/net/ipv4/ping_group_range",
			"0 2147483647")) {
		char range[32];

		snprintf(range, sizeof(range), "%u %u", getegid(), getegid());
		fuzz_sysctl("/proc/sys/net/ipv4/ping_group_range", range);
	}
	fuzz_sysctl("/proc/sys/net/ipv4/tcp_tw_reuse", "1");
	/* Fixed socket buffers, no auto-tuning: how much data a socket takes
	 * and gives per call must not depend on earlier inputs or timing
	 */
	fuzz_sysctl("/proc/sys/net/ipv4/tcp_moderate_rcvbuf", "0");
	fuzz_sysctl("/proc/sys/net/ipv4/tcp_rmem", "262144 262144 262144");
	fuzz_sysctl("/proc/sys/net/ipv4/tcp_wmem", "262144 262144 262144");
	fuzz_sysctl("/proc/sys/net/ipv4/ip_local_port_range", "10000 65000");
	servers_init();

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		fuzz_fail("socketpair: %s", strerror(errno));
	peer = sv[1];
	fd_set_nonblock(peer);

	c->epollfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epollfd < 0)
		fuzz_fail("epoll_create1: %s", strerror(errno));
	ctx_setup(sv[0]);
	fuzz_log_init("fuzz_tap");

	/* The poisoning of what follows the input works, or nothing does */
	ASAN_POISON_MEMORY_REGION(tap_buf + 5, FUZZ_TAP_BUF_SIZE - 5);
	if (__asan_address_is_poisoned(tap_buf + 4) ||
	    !__asan_address_is_poisoned(tap_buf + 5) ||
	    !__asan_address_is_poisoned(tap_buf + FUZZ_TAP_BUF_SIZE - 1))
		fuzz_fail("tap_buf can't be poisoned: no AddressSanitizer?");
	ASAN_UNPOISON_MEMORY_REGION(tap_buf + 5, FUZZ_TAP_BUF_SIZE - 5);

	/* As passt.c's main() does */
	clock_for_input();
	flow_init();
	flow_timer_init(c);
	tap_sock_init(c);
	icmp_init(c);
	dhcpv6_init(c);
	if (tcp_init(c) || udp_init(c))
		fuzz_fail("can't forward port %d in our namespace", FWD_PORT);

	/* One empty input: whatever the daemon opens once and keeps is open
	 * before the first real one
	 */
	input_begin();
	input_end();

	if (getenv("FUZZ_TAP_SEEDGEN"))
		exit(seedgen_run(getenv("FUZZ_TAP_SEEDGEN")));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *end = data + size, *sep;

	input_begin();
	for (;;) {
		sep = memmem(data, (size_t)(end - data), FUZZ_SEP,
			     FUZZ_SEP_LEN);
		input_chunk(data, (size_t)((sep ? sep : end) - data));
		if (!sep || (size_t)(end - sep) <= FUZZ_SEP_LEN)
			break;
		data = sep + FUZZ_SEP_LEN;
		input_step(*data++);
	}
	input_end();
	return 0;
}
