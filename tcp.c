// SPDX-License-Identifier: GPL-2.0-or-later
/* tcp.c - TCP between the guest and host sockets, without a TCP stack
 *
 * Theory of operation
 * ===================
 *
 * Each TCP connection of the guest is one flow (FLOW_TCP) with one host
 * socket.  We don't run a second TCP implementation between the two: the
 * host kernel's socket does the real work (congestion control, retransmission
 * towards the peer, buffering), and we translate the guest's segments to
 * socket calls and the socket's state back to segments, keeping only
 * sequence numbers and windows.
 *
 * Set-up:
 * - From the guest: a SYN opens a non-blocking socket and connect()s it to
 *   the target fwd.c decides.  The guest gets our SYN-ACK only once the
 *   connection is established on the host; a refused connection becomes an
 *   RST, an unreachable host or network the ICMP error it would have seen.
 * - To the guest: a listening socket of a forwarded port (-t) accepts, and
 *   we send the guest a SYN; its SYN-ACK completes the handshake.
 * We offer the guest an MSS that fits its MTU and window scaling; initial
 * sequence numbers follow RFC 6528: a keyed hash of the addresses and ports
 * plus a clock that ticks every four microseconds.
 *
 * Guest to host: in-order payload of a batch of segments is written to the
 * socket with one sendmsg(), and acknowledged to the guest only as far as
 * the kernel took it.  The window we advertise is what the socket's send
 * buffer can still take.  Out-of-order segments are dropped with a duplicate
 * acknowledgement, so that the guest retransmits at once; overlaps are cut.
 *
 * Host to guest, without keeping a copy: data is read with MSG_PEEK, from
 * the offset not yet sent to the guest (SO_PEEK_OFF), straight into the
 * payload of frames whose headers are ready, and sent in one batch as far
 * as the guest's window allows.  It is removed from the socket only when the
 * guest acknowledges it, so that a retransmission (on timeout, or on three
 * duplicate acknowledgements) reads it again from the socket.  While the
 * guest's window is full we stop asking epoll for input on the socket, so
 * there is no busy loop.
 *
 * Teardown: the guest's FIN is a shutdown(SHUT_WR) of the socket, once all
 * its data is written; end of file on the socket is a FIN to the guest,
 * once all data is sent.  Either direction may go on alone (half-close).
 * An RST from the guest closes the socket with SO_LINGER set to zero, so the
 * peer sees a reset too; a reset or error on the socket is an RST to the
 * guest.
 *
 * Timers: one entry in the flow timer wheel per connection, for the
 * earliest of retransmission (RTO, doubled at each try), handshake and
 * closing timeouts, and the idle timeout.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/ethernet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>

#include "passt.h"
#include "checksum.h"
#include "flow.h"
#include "fwd.h"
#include "hdr.h"
#include "log.h"
#include "packet.h"
#include "pasta.h"
#include "siphash.h"
#include "tap.h"
#include "tcp.h"
#include "tcp_splice.h"

#define TCP_FRAMES		64	/* segments to the guest per batch */
#define TCP_TO_TAP_ROUNDS	4	/* batches per event: the guest ACKs for more */
#define TCP_PAYLOAD_MAX		65536
#define TCP_WS_TO_TAP		8	/* our window scale */
#define TCP_WND_MAX		(16U << 20)	/* largest window we offer */
#define TCP_WND_INIT		65535	/* before we know better */
#define TCP_MSS_MIN		88	/* smaller MSS options are ignored */
#define TCP_MSS_NONE		536	/* RFC 9293, when the guest sends none */
#define TCP_RTO_MS		1000	/* initial retransmission timeout */
#define TCP_RETRANS_MAX		7	/* then the connection is reset */
#define TCP_SYN_TIMEOUT_S	30	/* handshake with the guest */
#define TCP_FIN_TIMEOUT_S	60	/* closing, after both FINs or one */
#define TCP_IDLE_TIMEOUT_S	7200	/* no traffic either way */
#define TCP_BACKLOG		SOMAXCONN
#define TCP_ACCEPT_MAX		64	/* connections accepted per wake-up */

/* Connection states: bits, since both directions close independently */
#define TCP_TAP_SYN_RCVD	(1 << 0)	/* guest's SYN, connecting */
#define TCP_SOCK_ACCEPTED	(1 << 1)	/* accepted, SYN to the guest */
#define TCP_TAP_SYN_ACK_SENT	(1 << 2)	/* our SYN-ACK, awaiting ACK */
#define TCP_ESTABLISHED		(1 << 3)
#define TCP_SOCK_FIN_RCVD	(1 << 4)	/* EOF from the socket */
#define TCP_TAP_FIN_SENT	(1 << 5)	/* our FIN to the guest */
#define TCP_TAP_FIN_ACKED	(1 << 6)	/* ... acknowledged */
#define TCP_TAP_FIN_RCVD	(1 << 7)	/* guest's FIN */
#define TCP_SOCK_FIN_SENT	(1 << 8)	/* shutdown(SHUT_WR) done */
#define TCP_CLOSED		(1 << 9)

/* Marks the socket as added to epoll in sock_events (not an epoll flag) */
#define TCP_EV_ADDED		0x8000

/* Flags */
#define TCP_F_ACK_DUE		(1 << 0)	/* guest data to acknowledge */
#define TCP_F_SOCK_FULL		(1 << 1)	/* send buffer was full */
#define TCP_F_HOLE		(1 << 2)	/* guest data dropped: ask for it */
#define TCP_F_FIN_SENT_ONCE	(1 << 3)	/* our FIN went out at least once */

#define SEQ_LT(a, b)		((int32_t)((a) - (b)) < 0)
#define SEQ_LE(a, b)		((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b)		((int32_t)((a) - (b)) > 0)
#define SEQ_GE(a, b)		((int32_t)((a) - (b)) >= 0)

/**
 * struct tcp_hdr4 - Headers of a segment to the guest over IPv4
 * @pad:	Aligns the IP header to four bytes; not sent
 * @eh:		Ethernet
 * @ih:		IPv4
 * @th:		TCP
 * @opts:	Room for options (SYN only)
 */
struct tcp_hdr4 {
	uint8_t pad[2];
	struct ether_header eh;
	struct iphdr ih;
	struct tcphdr th;
	uint8_t opts[12];
};

/**
 * struct tcp_hdr6 - Headers of a segment to the guest over IPv6
 * @pad:	Aligns the IP header to four bytes; not sent
 * @eh:		Ethernet
 * @ih:		IPv6
 * @th:		TCP
 * @opts:	Room for options (SYN only)
 */
struct tcp_hdr6 {
	uint8_t pad[2];
	struct ether_header eh;
	struct ip6_hdr ih;
	struct tcphdr th;
	uint8_t opts[12];
};

/**
 * union tcp_hdrs - Headers of one segment, either family
 * @h4:		IPv4
 * @h6:		IPv6
 */
union tcp_hdrs {
	struct tcp_hdr4 h4;
	struct tcp_hdr6 h6;
};

static union tcp_hdrs tcp_hdrs[TCP_FRAMES];
static struct tap_hdr tcp_taph[TCP_FRAMES];
static struct iovec tcp_iov[TCP_FRAMES][3];
static uint8_t tcp_payload[TCP_FRAMES][TCP_PAYLOAD_MAX];
static struct iovec tcp_peek_iov[TCP_FRAMES + 1];

/* Guest payload to write to a socket, pointing into the tap buffer */
#define TCP_TAP_BATCH		4096
static struct iovec tcp_tap_iov[TCP_TAP_BATCH];

static uint8_t tcp_isn_key[16];
static bool tcp_peek_off_ok;

/* Listening sockets: per direction (-t, -T), family, port */
static int tcp_listen_fd[2][2][NUM_PORTS];

/**
 * struct tcp_seg - What we need of a segment from the guest
 * @th:		TCP header
 * @payload:	First payload byte
 * @len:	Payload length
 * @seq:	Sequence number
 * @ack:	Acknowledgement number
 */
struct tcp_seg {
	const tcphdr_u *th;
	const uint8_t *payload;
	size_t len;
	uint32_t seq;
	uint32_t ack;
};

/**
 * tcp_conn_log() - Debug message about a connection
 * @conn:	Connection
 * @msg:	What happened
 */
static void tcp_conn_log(const struct tcp_tap_conn *conn, const char *msg)
{
	flow_log(LOG_DEBUG, (const union flow *)conn, "%s", msg);
}

/**
 * tcp_guest_side() - The side of a connection facing the guest
 * @conn:	Connection
 *
 * Return: INISIDE or TGTSIDE
 */
static unsigned int tcp_guest_side(const struct tcp_tap_conn *conn)
{
	return conn->f.pif[INISIDE] == PIF_TAP ? INISIDE : TGTSIDE;
}

/**
 * tcp_isn() - Initial sequence number for the guest, as RFC 6528 says
 * @conn:	Connection, guest side set
 * @now:	Current time
 *
 * Return: hash of addresses and ports with a secret key, plus a 4 us clock
 */
static uint32_t tcp_isn(const struct tcp_tap_conn *conn,
			const struct timespec *now)
{
	const struct flowside *g = &conn->f.side[tcp_guest_side(conn)];
	struct siphash_state s;
	uint64_t ticks = ((uint64_t)now->tv_sec * 1000000000ULL +
			  now->tv_nsec) >> 12;

	siphash_init(&s, tcp_isn_key);
	siphash_feed(&s, &g->eaddr, sizeof(g->eaddr));
	siphash_feed(&s, &g->oaddr, sizeof(g->oaddr));
	siphash_feed(&s, &g->eport, sizeof(g->eport));
	siphash_feed(&s, &g->oport, sizeof(g->oport));
	return (uint32_t)siphash_final(&s) + (uint32_t)ticks;
}

/**
 * tcp_sock_events() - Set the epoll events we want on a connection's socket
 * @c:		Execution context
 * @conn:	Connection
 * @events:	EPOLLIN, EPOLLOUT, EPOLLRDHUP as needed
 */
static void tcp_sock_events(const struct ctx *c, struct tcp_tap_conn *conn,
			    uint32_t events)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_TCP, .fd = conn->sock };
	uint32_t e = events | TCP_EV_ADDED;

	/* A full send buffer waits for room, whatever else we wait for */
	if (conn->flags & TCP_F_SOCK_FULL)
		e |= EPOLLOUT;

	/* EOF stays readable: after it, asking for it would spin */
	if (!(conn->state & TCP_SOCK_FIN_RCVD))
		e |= EPOLLRDHUP;

	if (conn->sock < 0 || conn->sock_events == e)
		return;

	if ((conn->state & TCP_SOCK_FIN_RCVD) &&
	    (conn->state & TCP_SOCK_FIN_SENT)) {
		/* Both directions closed: only EPOLLHUP, again and again */
		if (conn->sock_events)
			epoll_del(c, conn->sock);
		conn->sock_events = 0;
		return;
	}

	/* Edge-triggered: data we peeked at stays in the socket until the
	 * guest acknowledges it, and would keep a level-triggered EPOLLIN up
	 */
	ref.flow = flow_sidx(flow_idx((const union flow *)conn),
			     !tcp_guest_side(conn));
	if (conn->sock_events)
		epoll_mod(c, (e & ~TCP_EV_ADDED) | EPOLLET, ref);
	else
		epoll_add(c, (e & ~TCP_EV_ADDED) | EPOLLET, ref);
	conn->sock_events = e;
}

/**
 * tcp_conn_free() - Close the socket of a connection and free the flow
 * @c:		Execution context
 * @conn:	Connection
 * @reset:	Make the peer see a reset (SO_LINGER with zero timeout)
 */
static void tcp_conn_free(const struct ctx *c, struct tcp_tap_conn *conn,
			  bool reset)
{
	/* #syscalls close shutdown */
	union flow *flow = (union flow *)conn;

	tcp_conn_log(conn, reset ? "reset" : "closed");
	if (conn->sock >= 0) {
		if (reset) {
			struct linger l = { .l_onoff = 1, .l_linger = 0 };

			setsockopt(conn->sock, SOL_SOCKET, SO_LINGER, &l,
				   sizeof(l));
		}
		if (conn->sock_events)
			epoll_del(c, conn->sock);
		close(conn->sock);
		conn->sock = -1;
	}
	flow_hash_remove(flow, tcp_guest_side(conn));
	flow_free(flow);
}

/**
 * tcp_fill_headers() - Fill the headers of one segment to the guest
 * @c:		Execution context
 * @conn:	Connection
 * @i:		Frame slot
 * @flags:	TCP flags (TH_ACK, TH_PUSH, ...)
 * @seq:	Sequence number
 * @optlen:	Bytes of options already written in the slot
 * @payload:	Payload, in tcp_iov[i][2] (length may be 0)
 *
 * Return: frame length from the Ethernet header
 */
static size_t tcp_fill_headers(const struct ctx *c,
			       const struct tcp_tap_conn *conn, unsigned int i,
			       uint8_t flags, uint32_t seq, size_t optlen,
			       const struct iovec *payload)
{
	const struct flowside *g = &conn->f.side[tcp_guest_side(conn)];
	size_t thlen = sizeof(struct tcphdr) + optlen;
	size_t l4len = thlen + payload->iov_len, hlen;
	union tcp_hdrs *h = &tcp_hdrs[i];
	struct tcphdr *th;
	uint32_t sum;

	if (inany_v4(&g->eaddr)) {
		struct in_addr src = *inany_v4(&g->oaddr);
		struct in_addr dst = *inany_v4(&g->eaddr);

		tap_push_l2h(c, &h->h4.eh, ETHERTYPE_IP);
		tap_push_ip4h(&h->h4.ih, src, dst, l4len, IPPROTO_TCP);
		th = &h->h4.th;
		sum = proto_ipv4_header_psum(l4len, IPPROTO_TCP, src, dst);
		tcp_iov[i][1].iov_base = &h->h4.eh;
		hlen = sizeof(h->h4.eh) + sizeof(h->h4.ih) + thlen;
	} else {
		tap_push_l2h(c, &h->h6.eh, ETHERTYPE_IPV6);
		tap_push_ip6h(&h->h6.ih, &g->oaddr.a6, &g->eaddr.a6, l4len,
			      IPPROTO_TCP, 0);
		th = &h->h6.th;
		sum = proto_ipv6_header_psum(l4len, IPPROTO_TCP, &g->oaddr.a6,
					     &g->eaddr.a6);
		tcp_iov[i][1].iov_base = &h->h6.eh;
		hlen = sizeof(h->h6.eh) + sizeof(h->h6.ih) + thlen;
	}

	th->source = htons(g->oport);
	th->dest = htons(g->eport);
	th->seq = htonl(seq);
	th->ack_seq = htonl(conn->seq_from_tap);
	th->res1 = 0;
	th->doff = thlen / 4;
	((uint8_t *)th)[13] = flags;
	if (flags & TH_SYN)
		th->window = htons(MIN(conn->wnd_to_tap, 65535U));
	else
		th->window = htons(MIN(conn->wnd_to_tap >> conn->ws_to_tap,
				       65535U));
	th->urg_ptr = 0;
	th->check = 0;

	sum = csum_unfolded(th, thlen, sum);
	sum = csum_unfolded(payload->iov_base, payload->iov_len, sum);
	th->check = csum_fold(sum);

	tcp_iov[i][1].iov_len = hlen;
	tcp_iov[i][2] = *payload;
	tap_hdr_iov(c, &tcp_taph[i], &tcp_iov[i][0], hlen + payload->iov_len);
	return hlen + payload->iov_len;
}

/**
 * tcp_opts_slot() - Where the options of a frame slot go
 * @conn:	Connection
 * @i:		Frame slot
 *
 * Return: pointer to the options area
 */
static uint8_t *tcp_opts_slot(const struct tcp_tap_conn *conn, unsigned int i)
{
	const struct flowside *g = &conn->f.side[tcp_guest_side(conn)];

	return inany_v4(&g->eaddr) ? tcp_hdrs[i].h4.opts : tcp_hdrs[i].h6.opts;
}

/**
 * tcp_wnd_cap() - Limit our window to what the tap link queues without loss
 * @c:		Execution context
 * @conn:	Connection, window just computed
 *
 * pasta: the tap device drops what the namespace sends beyond the frames
 * its queue holds, and the guest would take many round trips to recover.
 * A window of three quarters of that many segments never fills it.  passt:
 * the stream socket pushes back, nothing to do.
 */
static void tcp_wnd_cap(const struct ctx *c, struct tcp_tap_conn *conn)
{
	uint32_t cap = (uint32_t)TAP_QUEUE_LEN / 4 * 3 * conn->mss_from_tap;

	if (c->mode == MODE_PASTA && conn->mss_from_tap &&
	    conn->wnd_to_tap > cap)
		conn->wnd_to_tap = cap;
}

/**
 * tcp_wnd_update() - Compute the window we advertise: free send buffer
 * @c:		Execution context
 * @conn:	Connection
 */
static void tcp_wnd_update(const struct ctx *c, struct tcp_tap_conn *conn)
{
	/* #syscalls getsockopt */
	uint32_t mem[SK_MEMINFO_VARS], wnd = 0, sndbuf, queued;
	socklen_t sl = sizeof(mem);

	if (getsockopt(conn->sock, SOL_SOCKET, SO_MEMINFO, mem, &sl) ||
	    sl < sizeof(uint32_t) * (SK_MEMINFO_WMEM_QUEUED + 1)) {
		conn->wnd_to_tap = TCP_WND_INIT;
		return;
	}

	/* Advertise what the send buffer can still take, so that nothing
	 * the guest sends within the window is refused.  The kernel grows
	 * the buffer (up to net.ipv4.tcp_wmem) when it was found full:
	 * tcp_wnd_small() makes that happen by asking for EPOLLOUT then.
	 */
	sndbuf = mem[SK_MEMINFO_SNDBUF];
	queued = mem[SK_MEMINFO_WMEM_QUEUED];
	if (sndbuf > queued)	/* an eighth for the kernel's overhead */
		wnd = (sndbuf - queued) - (sndbuf - queued) / 8;
	conn->sndbuf = sndbuf;
	conn->wnd_to_tap = MIN(wnd, TCP_WND_MAX);
	tcp_wnd_cap(c, conn);
}


/**
 * tcp_wnd_small() - Should we wait for the socket to drain, and then send
 *		     the guest a window update?
 * @conn:	Connection, window just computed
 *
 * The kernel reports a TCP socket writable (EPOLLOUT) once its free send
 * buffer is at least half of what it holds, that is, a third of the
 * buffer.  Below that, waiting for EPOLLOUT has two effects we want: the
 * kernel notes that the buffer was found full, so that it grows it as the
 * peer acknowledges data, and we hear when there is room again, to tell the
 * guest, which would otherwise wait for its persist timer.
 *
 * Return: true if the free space is under a third of the send buffer
 */
static bool tcp_wnd_small(const struct tcp_tap_conn *conn)
{
	return conn->wnd_to_tap < conn->sndbuf / 3 ||
	       !(conn->wnd_to_tap >> conn->ws_to_tap);
}

/**
 * tcp_send_flags() - Send a segment without payload to the guest
 * @c:		Execution context
 * @conn:	Connection
 * @flags:	TCP flags
 *
 * SYN and FIN advance our sequence number; SYNs carry MSS and window scale.
 */
static void tcp_send_flags(const struct ctx *c, struct tcp_tap_conn *conn,
			   uint8_t flags)
{
	struct iovec none = { tcp_payload[0], 0 };
	uint32_t seq = conn->seq_to_tap;
	size_t optlen = 0;

	if (flags & TH_SYN) {
		uint8_t *o = tcp_opts_slot(conn, 0);

		o[0] = TCPOPT_MAXSEG;
		o[1] = TCPOLEN_MAXSEG;
		o[2] = conn->mss_from_tap >> 8;
		o[3] = conn->mss_from_tap & 0xff;
		o[4] = TCPOPT_NOP;
		o[5] = TCPOPT_WINDOW;
		o[6] = TCPOLEN_WINDOW;
		o[7] = conn->ws_to_tap;
		optlen = 8;
		seq = conn->seq_init_to_tap;
	}
	if (flags & TH_FIN)
		seq = conn->seq_to_tap;

	tcp_fill_headers(c, conn, 0, flags, seq, optlen, &none);
	tap_send_frames(c, &tcp_iov[0][0], 3, 1);

	if (flags & TH_ACK)
		conn->seq_ack_to_tap = conn->seq_from_tap;
	if (flags & TH_FIN)
		conn->flags |= TCP_F_FIN_SENT_ONCE;
	if (flags & (TH_SYN | TH_FIN)) {
		conn->seq_to_tap = seq + 1;
		if (SEQ_GT(conn->seq_to_tap, conn->seq_max_to_tap))
			conn->seq_max_to_tap = conn->seq_to_tap;
	}
}

/**
 * tcp_rst_to_tap() - Reset a connection towards the guest
 * @c:		Execution context
 * @conn:	Connection
 */
static void tcp_rst_to_tap(const struct ctx *c, struct tcp_tap_conn *conn)
{
	uint32_t sent = conn->seq_to_tap;

	/* The guest takes a reset only at exactly the sequence it expects
	 * next (RFC 5961): that's what it acknowledged last, unless data we
	 * sent since arrived too.  Cover both.
	 */
	conn->seq_to_tap = conn->seq_ack_from_tap;
	tcp_send_flags(c, conn, TH_RST | TH_ACK);
	if (sent != conn->seq_ack_from_tap) {
		conn->seq_to_tap = sent;
		tcp_send_flags(c, conn, TH_RST | TH_ACK);
	}
}

/**
 * tcp_probe_tap() - Ask the guest for its window (zero window probe)
 * @c:		Execution context
 * @conn:	Connection, guest's window closed
 *
 * A segment with a sequence number just below what the guest expects is
 * answered with an acknowledgement, which carries the current window.
 */
static void tcp_probe_tap(const struct ctx *c, struct tcp_tap_conn *conn)
{
	conn->seq_to_tap--;
	tcp_send_flags(c, conn, TH_ACK);
	conn->seq_to_tap++;
}

/**
 * tcp_rst_reply() - Answer a segment that belongs to no connection
 * @c:		Execution context
 * @l3:		The segment
 * @seg:	Its parsed TCP fields
 *
 * Per RFC 9293: if it carries an ACK, the RST takes its sequence number
 * from that ACK; otherwise the RST acknowledges the segment.
 */
static void tcp_rst_reply(const struct ctx *c, const struct tap_l3 *l3,
			  const struct tcp_seg *seg)
{
	struct tcp_tap_conn tmp;

	if (seg->th->rst)
		return;

	memset(&tmp, 0, sizeof(tmp));
	tmp.f.pif[INISIDE] = PIF_TAP;
	tmp.f.side[INISIDE].eaddr = l3->saddr;
	tmp.f.side[INISIDE].oaddr = l3->daddr;
	tmp.f.side[INISIDE].eport = ntohs(seg->th->source);
	tmp.f.side[INISIDE].oport = ntohs(seg->th->dest);
	tmp.sock = -1;

	if (seg->th->ack) {
		tmp.seq_to_tap = seg->ack;
		tcp_send_flags(c, &tmp, TH_RST);
	} else {
		tmp.seq_to_tap = 0;
		tmp.seq_from_tap = seg->seq + seg->len + seg->th->syn +
				   seg->th->fin;
		tcp_send_flags(c, &tmp, TH_RST | TH_ACK);
	}
}

/**
 * tcp_timer_update() - Set the connection's timer for what it waits for
 * @conn:	Connection
 * @now:	Current time
 */
static void tcp_timer_update(struct tcp_tap_conn *conn,
			     const struct timespec *now)
{
	int64_t now_ms = flow_now_ms(now), when;
	bool unacked = conn->seq_to_tap != conn->seq_ack_from_tap;

	if (conn->state & (TCP_TAP_SYN_RCVD | TCP_SOCK_ACCEPTED))
		when = now_ms + (conn->state & TCP_SOCK_ACCEPTED ?
				 (int64_t)TCP_RTO_MS << conn->retrans :
				 TCP_SYN_TIMEOUT_S * 1000LL);
	else if (unacked)
		when = now_ms + ((int64_t)TCP_RTO_MS << conn->retrans);
	else if (!conn->wnd_from_tap && (conn->state & TCP_ESTABLISHED))
		when = now_ms + TCP_RTO_MS;		/* zero window probe */
	else if (conn->state & (TCP_SOCK_FIN_RCVD | TCP_TAP_FIN_RCVD))
		when = (int64_t)conn->last * 1000 + TCP_FIN_TIMEOUT_S * 1000LL;
	else
		when = (int64_t)conn->last * 1000 + TCP_IDLE_TIMEOUT_S * 1000LL;

	if (when <= now_ms)
		when = now_ms + 1;
	flow_timer_set((union flow *)conn, when);
}

/**
 * tcp_maybe_close() - Free the connection once both directions are done
 * @c:		Execution context
 * @conn:	Connection
 *
 * Return: true if the connection was freed
 */
static bool tcp_maybe_close(const struct ctx *c, struct tcp_tap_conn *conn)
{
	if ((conn->state & TCP_SOCK_FIN_SENT) &&
	    (conn->state & TCP_TAP_FIN_ACKED)) {
		tcp_conn_free(c, conn, false);
		return true;
	}
	return false;
}

/**
 * tcp_data_to_tap_batch() - Send one batch of what the socket holds and the
 *			     guest can take
 * @c:		Execution context
 * @conn:	Connection, established
 * @now:	Current time
 *
 * Data is peeked from the socket at the offset not yet sent to the guest,
 * into frame payloads, and sent in one batch.  End of file, once everything
 * was sent, becomes our FIN.
 *
 * Return: true if a whole batch went and the window has room for more
 */
static bool tcp_data_to_tap_batch(const struct ctx *c,
				  struct tcp_tap_conn *conn,
				  const struct timespec *now)
{
	uint32_t in_flight = conn->seq_to_tap - conn->seq_ack_from_tap;
	uint32_t wnd = conn->wnd_from_tap;
	struct msghdr mh = { .msg_iov = tcp_peek_iov };
	size_t room, i, nframes, sent, iovcnt = 0, skip = 0;
	uint32_t seq = conn->seq_to_tap;
	ssize_t n;

	if (conn->state & (TCP_TAP_FIN_SENT | TCP_CLOSED) ||
	    !(conn->state & TCP_ESTABLISHED))
		return false;

	if (in_flight >= wnd) {
		tcp_sock_events(c, conn, 0);	/* wait for the guest's ACK */
		if (!wnd)
			tcp_timer_update(conn, now);	/* persist timer */
		return false;
	}
	room = MIN(wnd - in_flight, (size_t)TCP_FRAMES * conn->mss);

	/* Without SO_PEEK_OFF, skip what was sent already in a dummy iovec */
	if (!tcp_peek_off_ok && in_flight) {
		static uint8_t discard[TCP_WND_MAX];

		tcp_peek_iov[iovcnt].iov_base = discard;
		tcp_peek_iov[iovcnt++].iov_len = MIN(in_flight,
						     sizeof(discard));
		skip = in_flight;
	}
	for (i = 0; i * conn->mss < room; i++) {
		tcp_peek_iov[iovcnt].iov_base = tcp_payload[i];
		tcp_peek_iov[iovcnt++].iov_len = MIN(conn->mss,
						     room - i * conn->mss);
	}
	mh.msg_iovlen = iovcnt;

	n = recvmsg(conn->sock, &mh, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			goto err;
		tcp_sock_events(c, conn, EPOLLIN);
		return false;
	}
	if (!n)
		goto fin;		/* end of file, all data sent */
	if ((size_t)n <= skip) {	/* nothing new (no SO_PEEK_OFF) */
		if (conn->state & TCP_SOCK_FIN_RCVD)
			goto fin;
		tcp_sock_events(c, conn, EPOLLIN);
		return false;
	}
	n -= skip;

	nframes = DIV_ROUND_UP((size_t)n, conn->mss);
	for (i = 0; i < nframes; i++) {
		size_t len = MIN((size_t)n - i * conn->mss, conn->mss);
		struct iovec p = { tcp_payload[i], len };

		tcp_fill_headers(c, conn, i, TH_ACK |
				 (i == nframes - 1 ? TH_PUSH : 0),
				 seq, 0, &p);
		seq += len;
	}
	sent = tap_send_frames(c, &tcp_iov[0][0], 3, nframes);
	if (sent < nframes) {
		/* What didn't go is sent again from the socket: peek from
		 * the end of what did
		 */
		int off;

		seq = conn->seq_to_tap + sent * conn->mss;
		off = seq - conn->seq_ack_from_tap;
		if (tcp_peek_off_ok)
			setsockopt(conn->sock, SOL_SOCKET, SO_PEEK_OFF, &off,
				   sizeof(off));
		n = sent * conn->mss;
	}

	conn->seq_to_tap = seq;
	if (SEQ_GT(seq, conn->seq_max_to_tap))
		conn->seq_max_to_tap = seq;
	conn->seq_ack_to_tap = conn->seq_from_tap;
	conn->last = now->tv_sec;
	tcp_timer_update(conn, now);

	if (conn->seq_to_tap - conn->seq_ack_from_tap >= wnd) {
		tcp_sock_events(c, conn, 0);
		return false;
	}
	tcp_sock_events(c, conn, EPOLLIN);
	return (size_t)n == room;

fin:
	conn->state |= TCP_SOCK_FIN_RCVD | TCP_TAP_FIN_SENT;
	tcp_send_flags(c, conn, TH_FIN | TH_ACK);
	tcp_sock_events(c, conn, 0);
	tcp_timer_update(conn, now);
	return false;
err:
	tcp_rst_to_tap(c, conn);
	tcp_conn_free(c, conn, true);
	return false;
}

/**
 * tcp_data_to_tap() - Send what the socket holds and the guest can take
 * @c:		Execution context
 * @conn:	Connection, established
 * @now:	Current time
 *
 * The socket is edge-triggered (see tcp_sock_events()): keep going while
 * whole batches go and the guest's window has room, as no new event comes
 * for data that was already there.
 */
static void tcp_data_to_tap(const struct ctx *c, struct tcp_tap_conn *conn,
			    const struct timespec *now)
{
	/* #syscalls recvmsg */
	unsigned int rounds = 0;

	while (tcp_data_to_tap_batch(c, conn, now) &&
	       conn->f.type == FLOW_TCP && ++rounds < TCP_TO_TAP_ROUNDS)
		;
}


/**
 * tcp_rewind() - Go back to the guest's last acknowledgement to retransmit
 * @conn:	Connection
 */
static void tcp_rewind(struct tcp_tap_conn *conn)
{
	int off = 0;

	if (conn->state & TCP_TAP_FIN_SENT &&
	    !(conn->state & TCP_TAP_FIN_ACKED))
		conn->state &= ~TCP_TAP_FIN_SENT;
	conn->seq_to_tap = conn->seq_ack_from_tap;
	if (tcp_peek_off_ok)
		setsockopt(conn->sock, SOL_SOCKET, SO_PEEK_OFF, &off,
			   sizeof(off));
}

/**
 * tcp_parse_opts() - Read MSS and window scale from a SYN's options
 * @th:		TCP header
 * @thlen:	Header length including options
 * @mss:	MSS, set if present
 * @ws:		Window scale, set if present (else left alone)
 * @ws_ok:	Set if the window scale option is present
 */
static void tcp_parse_opts(const tcphdr_u *th, size_t thlen,
			   uint16_t *mss, uint8_t *ws, bool *ws_ok)
{
	const uint8_t *o = (const uint8_t *)(th + 1);
	size_t len = thlen - sizeof(*th), i = 0;

	*ws_ok = false;
	while (i < len) {
		uint8_t kind = o[i], olen;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len || (olen = o[i + 1]) < 2 || i + olen > len)
			break;
		if (kind == TCPOPT_MAXSEG && olen == TCPOLEN_MAXSEG &&
		    (o[i + 2] << 8 | o[i + 3]) >= TCP_MSS_MIN)
			*mss = (uint16_t)(o[i + 2] << 8 | o[i + 3]);
		else if (kind == TCPOPT_WINDOW && olen == TCPOLEN_WINDOW) {
			*ws = MIN(o[i + 2], 14);
			*ws_ok = true;
		}
		i += olen;
	}
}

/**
 * tcp_mss_for_guest() - Largest segment we may send the guest
 * @c:		Execution context
 * @v4:		IPv4 connection
 * @guest_mss:	MSS the guest announced, 0 if none
 *
 * Return: MSS, within what the MTU and our buffers allow
 */
static uint16_t tcp_mss_for_guest(const struct ctx *c, bool v4,
				  uint16_t guest_mss)
{
	int mtu = c->mtu ? c->mtu : MTU_DEFAULT;
	int mss = mtu - (v4 ? 40 : 60);

	if (guest_mss)
		mss = MIN(mss, guest_mss);
	if (mss > TCP_PAYLOAD_MAX)
		mss = TCP_PAYLOAD_MAX;
	return MAX(mss, TCP_MSS_MIN);
}

/**
 * tcp_mss_from_tap() - Set the MSS we announce to the guest
 * @c:		Execution context
 * @conn:	Connection, socket connected, send buffer size known
 *
 * A sender doesn't send a segment larger than the window, and the window we
 * offer is the socket's free send buffer, which the kernel makes writable
 * (EPOLLOUT) from a third of the buffer on: segments no larger than that
 * always find a window that takes them, while the kernel grows the buffer.
 */
static void tcp_mss_from_tap(const struct ctx *c, struct tcp_tap_conn *conn)
{
	bool v4 = !!inany_v4(&conn->f.side[tcp_guest_side(conn)].eaddr);
	uint32_t mss = tcp_mss_for_guest(c, v4, 0);

	if (conn->sndbuf / 3 < mss)
		mss = conn->sndbuf / 3;
	conn->mss_from_tap = MAX(mss, (uint32_t)TCP_MSS_NONE);
}

/**
 * tcp_sock_new() - Open the socket of a new connection from the guest
 * @c:		Execution context
 * @conn:	Connection, target side set
 *
 * Return: 0 if connecting, negative errno if it failed at once
 */
static int tcp_sock_new(const struct ctx *c, struct tcp_tap_conn *conn)
{
	/* #syscalls socket bind connect setsockopt */
	const struct flowside *tgt = &conn->f.side[TGTSIDE];
	int af = inany_af(&tgt->eaddr), s, one = 1;
	const char *ifname = af == AF_INET ? c->ip4.ifname_out :
					     c->ip6.ifname_out;
	union sockaddr_inany sa;
	socklen_t sl;

	s = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		   IPPROTO_TCP);
	if (s < 0)
		return -errno;
	if (s > FD_REF_MAX) {
		close(s);
		return -EMFILE;
	}
	conn->sock = s;

	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (tcp_peek_off_ok) {
		int zero = 0;

		setsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero));
	}
	if (*ifname && !inany_is_loopback(&tgt->eaddr) &&
	    setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, ifname,
		       strlen(ifname) + 1))
		return -errno;

	if (!inany_is_unspecified(&tgt->oaddr)) {
		sl = sockaddr_from_inany(&sa, &tgt->oaddr, 0, 0);
		if (bind(s, &sa.sa, sl))
			return -errno;
	}

	sl = sockaddr_from_inany(&sa, &tgt->eaddr, tgt->eport, 0);
	if (connect(s, &sa.sa, sl) && errno != EINPROGRESS)
		return -errno;
	return 0;
}

/**
 * tcp_unreach_to_tap() - Tell the guest its SYN can't reach the target
 * @c:		Execution context
 * @l3:		The SYN
 * @err:	Error of connect(): EHOSTUNREACH or ENETUNREACH
 */
static void tcp_unreach_to_tap(const struct ctx *c, const struct tap_l3 *l3,
			       int err)
{
	uint8_t msg[8 + 60 + 40];
	size_t qlen = MIN(l3->l3.len, sizeof(msg) - 8);

	memset(msg, 0, 8);
	memcpy(msg + 8, l3->l3.data, qlen);
	if (l3->af == AF_INET) {
		msg[0] = ICMP_DEST_UNREACH;
		msg[1] = err == ENETUNREACH ? ICMP_NET_UNREACH :
					      ICMP_HOST_UNREACH;
		tap_icmp4_send(c, *inany_v4(&l3->daddr), *inany_v4(&l3->saddr),
			       msg, 8 + qlen);
	} else {
		msg[0] = ICMP6_DST_UNREACH;
		msg[1] = err == ENETUNREACH ? ICMP6_DST_UNREACH_NOROUTE :
					      ICMP6_DST_UNREACH_ADDR;
		tap_icmp6_send(c, &l3->daddr.a6, &l3->saddr.a6, msg, 8 + qlen);
	}
}

/**
 * tcp_conn_from_tap() - New connection for a SYN from the guest
 * @c:		Execution context
 * @l3:		The SYN
 * @seg:	Its TCP fields
 * @now:	Current time
 */
static void tcp_conn_from_tap(const struct ctx *c, const struct tap_l3 *l3,
			      const struct tcp_seg *seg,
			      const struct timespec *now)
{
	union flow *flow;
	struct tcp_tap_conn *conn;
	struct flowside *ini;
	uint16_t guest_mss = TCP_MSS_NONE;
	bool ws_ok;
	int rc;

	if (seg->th->ack || seg->th->rst || seg->th->fin ||
	    inany_is_multicast(&l3->daddr) || !seg->th->dest) {
		tcp_rst_reply(c, l3, seg);
		return;
	}

	if (!(flow = flow_alloc(now))) {
		tcp_rst_reply(c, l3, seg);
		return;
	}
	conn = &flow->tcp;
	conn->f.type = FLOW_TCP;
	conn->f.proto = IPPROTO_TCP;
	conn->sock = -1;
	conn->f.pif[INISIDE] = PIF_TAP;
	ini = &conn->f.side[INISIDE];
	ini->eaddr = l3->saddr;
	ini->oaddr = l3->daddr;
	ini->eport = ntohs(seg->th->source);
	ini->oport = ntohs(seg->th->dest);
	conn->f.pif[TGTSIDE] = fwd_nat_from_tap(c, IPPROTO_TCP, ini,
						&conn->f.side[TGTSIDE]);

	tcp_parse_opts(seg->th, seg->th->doff * 4UL, &guest_mss,
		       &conn->ws_from_tap, &ws_ok);
	if (!ws_ok)
		conn->ws_from_tap = 0;
	conn->ws_to_tap = ws_ok ? TCP_WS_TO_TAP : 0;
	conn->mss = tcp_mss_for_guest(c, l3->af == AF_INET, guest_mss);
	conn->seq_from_tap = seg->seq + 1;
	conn->seq_ack_to_tap = conn->seq_from_tap;
	conn->wnd_from_tap = ntohs(seg->th->window);
	conn->wnd_to_tap = TCP_WND_INIT;
	conn->seq_init_to_tap = tcp_isn(conn, now);
	conn->seq_to_tap = conn->seq_ack_from_tap = conn->seq_init_to_tap;
	conn->seq_max_to_tap = conn->seq_init_to_tap;
	conn->last = now->tv_sec;
	conn->state = TCP_TAP_SYN_RCVD;

	flow_hash_insert(flow, INISIDE);

	rc = tcp_sock_new(c, conn);
	if (rc < 0) {
		errno = -rc;
		flow_log(LOG_DEBUG, flow, "connect failed: %s",
			 strerror(errno));
		flow_resource_warn(-rc, now);
		if (rc == -EHOSTUNREACH || rc == -ENETUNREACH)
			tcp_unreach_to_tap(c, l3, -rc);
		else
			tcp_rst_reply(c, l3, seg);
		tcp_conn_free(c, conn, false);
		return;
	}

	tcp_conn_log(conn, "connecting");
	tcp_sock_events(c, conn, EPOLLOUT);
	tcp_timer_update(conn, now);
}

/**
 * tcp_connect_done() - The host socket of a guest's connection is
 *			connected, or failed
 * @c:		Execution context
 * @conn:	Connection in TCP_TAP_SYN_RCVD
 * @now:	Current time
 */
static void tcp_connect_done(const struct ctx *c, struct tcp_tap_conn *conn,
			     const struct timespec *now)
{
	int err = 0;
	socklen_t sl = sizeof(err);

	if (getsockopt(conn->sock, SOL_SOCKET, SO_ERROR, &err, &sl) || err) {
		flow_log(LOG_DEBUG, (union flow *)conn, "connect failed: %s",
			 strerror(err));
		tcp_rst_to_tap(c, conn);
		tcp_conn_free(c, conn, false);
		return;
	}

	conn->state = TCP_TAP_SYN_ACK_SENT;
	tcp_wnd_update(c, conn);
	tcp_mss_from_tap(c, conn);
	tcp_wnd_cap(c, conn);
	tcp_send_flags(c, conn, TH_SYN | TH_ACK);
	tcp_sock_events(c, conn, 0);
	tcp_timer_update(conn, now);
}

/**
 * tcp_ack_from_tap() - Process the guest's acknowledgement and window
 * @conn:	Connection
 * @seg:	Segment with ACK set
 * @now:	Current time
 */
static void tcp_ack_from_tap(struct tcp_tap_conn *conn,
			     const struct tcp_seg *seg,
			     const struct timespec *now)
{
	/* #syscalls recv|recvfrom */
	uint32_t ack = seg->ack, acked, data_end = conn->seq_to_tap;
	uint32_t wnd = (uint32_t)ntohs(seg->th->window) << conn->ws_from_tap;

	if ((conn->state & TCP_TAP_FIN_SENT) && ack == conn->seq_to_tap) {
		conn->state |= TCP_TAP_FIN_ACKED;
		data_end--;			/* the FIN is not data */
	}

	if (SEQ_GT(ack, conn->seq_ack_from_tap) &&
	    SEQ_LE(ack, conn->seq_max_to_tap)) {
		/* After a rewind, the guest may acknowledge beyond what we
		 * sent again: it had it, go on from there
		 */
		if (SEQ_GT(ack, conn->seq_to_tap)) {
			conn->seq_to_tap = ack;
			data_end = ack;
			if ((conn->flags & TCP_F_FIN_SENT_ONCE) &&
			    ack == conn->seq_max_to_tap) {
				conn->state |= TCP_TAP_FIN_SENT |
					       TCP_TAP_FIN_ACKED;
				data_end--;	/* the FIN is not data */
			}
		}
		acked = MIN(ack, data_end) - conn->seq_ack_from_tap;
		if (acked && recv(conn->sock, NULL, acked,
				  MSG_DONTWAIT | MSG_TRUNC) < 0)
			debug_perror("Can't discard acknowledged data");
		conn->seq_ack_from_tap = ack;
		conn->retrans = 0;
		conn->dup_acks = 0;
		conn->wnd_from_tap = wnd;
		tcp_timer_update(conn, now);
		return;
	}

	if (ack == conn->seq_ack_from_tap && !seg->len && !seg->th->fin &&
	    !seg->th->syn && conn->seq_to_tap != ack &&
	    wnd == conn->wnd_from_tap) {
		if (++conn->dup_acks == 3) {
			tcp_conn_log(conn, "fast retransmit");
			tcp_rewind(conn);
		}
	}
	conn->wnd_from_tap = wnd;
}

/**
 * tcp_write_iov() - Write an iovec array to a socket, IOV_MAX at a time
 * @s:		Socket
 * @iov:	Data
 * @cnt:	Number of entries, any
 *
 * Return: bytes written (maybe fewer than given if the socket is full), or
 *	   -1 on an error other than a full socket
 */
static ssize_t tcp_write_iov(int s, const struct iovec *iov, size_t cnt)
{
	/* #syscalls sendmsg */
	ssize_t total = 0;

	while (cnt) {
		size_t n = MIN(cnt, (size_t)IOV_MAX), want = 0, i;
		struct msghdr mh = {
			.msg_iov = (struct iovec *)iov, .msg_iovlen = n,
		};
		ssize_t w;

		for (i = 0; i < n; i++)
			want += iov[i].iov_len;

		w = sendmsg(s, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return total ? total : -1;
		}
		total += w;
		if ((size_t)w < want)
			break;
		iov += n;
		cnt -= n;
	}
	return total;
}

/**
 * tcp_data_from_tap() - Write the guest's in-order payload to the socket
 * @c:		Execution context
 * @conn:	Connection
 * @segs:	Segments of this batch
 * @n:		Number of segments
 *
 * Return: true if an acknowledgement is due (data accepted or out of order)
 */
static bool tcp_data_from_tap(const struct ctx *c, struct tcp_tap_conn *conn,
			      const struct tcp_seg *segs, size_t n)
{
	uint32_t seq = conn->seq_from_tap;
	size_t i, iovcnt = 0, total = 0;
	bool ack_due = false, fin = false;
	ssize_t w;

	for (i = 0; i < n && iovcnt < TCP_TAP_BATCH; i++) {
		const struct tcp_seg *s = &segs[i];
		uint32_t skip;

		if (!s->len) {
			if (s->th->fin && s->seq == seq)
				fin = true;
			else if (SEQ_LT(s->seq, seq))
				ack_due = true;	/* window probe, or old */
			continue;
		}
		if (SEQ_GT(s->seq, seq)) {	/* gap: drop, ask again */
			conn->flags |= TCP_F_HOLE;
			ack_due = true;
			continue;
		}
		skip = seq - s->seq;
		if (skip >= s->len) {		/* all seen: duplicate */
			ack_due = true;
			continue;
		}
		tcp_tap_iov[iovcnt].iov_base = (uint8_t *)s->payload + skip;
		tcp_tap_iov[iovcnt++].iov_len = s->len - skip;
		total += s->len - skip;
		seq += s->len - skip;
		if (s->th->fin)
			fin = true;
	}

	if (conn->state & TCP_SOCK_FIN_SENT)
		total = 0;		/* data after FIN: ignore */

	if (total) {
		w = tcp_write_iov(conn->sock, tcp_tap_iov, iovcnt);
		if (w < 0)
			return true;
		conn->seq_from_tap += w;
		ack_due = true;
		if ((size_t)w < total) {
			conn->flags |= TCP_F_SOCK_FULL | TCP_F_HOLE;
			fin = false;		/* not all data is out yet */
		}
	}

	if (fin && !(conn->state & TCP_TAP_FIN_RCVD)) {
		conn->seq_from_tap++;
		conn->state |= TCP_TAP_FIN_RCVD;
		shutdown(conn->sock, SHUT_WR);
		conn->state |= TCP_SOCK_FIN_SENT;
		tcp_sock_events(c, conn, conn->sock_events &
					 (EPOLLIN | EPOLLOUT));
		ack_due = true;
	}
	return ack_due;
}

/**
 * tcp_dup_acks() - Ask the guest to retransmit what we had to drop
 * @c:		Execution context
 * @conn:	Connection, acknowledgement just sent
 *
 * Data beyond what the socket took, or beyond a gap, is dropped: three
 * duplicate acknowledgements make the guest retransmit from our
 * acknowledgement at once (fast retransmit), where it would otherwise wait
 * for its retransmission timer, and then back off.  Once per hole.
 */
static void tcp_dup_acks(const struct ctx *c, struct tcp_tap_conn *conn)
{
	unsigned int i;

	if (!(conn->flags & TCP_F_HOLE))
		return;
	conn->flags &= ~TCP_F_HOLE;
	if (conn->seq_dup_ack_to_tap == conn->seq_from_tap)
		return;

	conn->seq_dup_ack_to_tap = conn->seq_from_tap;
	for (i = 0; i < 3; i++)
		tcp_send_flags(c, conn, TH_ACK);
}

/**
 * tcp_seg_parse() - Check a segment from the guest and extract its fields
 * @l3:		Packet
 * @seg:	Fields, set on success
 *
 * Return: 0 on success, -1 if malformed
 */
static int tcp_seg_parse(const struct tap_l3 *l3, struct tcp_seg *seg)
{
	const tcphdr_u *th = pkt_get(&l3->l4, 0, sizeof(*th));
	size_t thlen;

	if (!th)
		return -1;
	thlen = th->doff * 4UL;
	if (thlen < sizeof(*th) || !pkt_get(&l3->l4, 0, thlen))
		return -1;

	seg->th = th;
	seg->payload = (const uint8_t *)th + thlen;
	seg->len = l3->l4.len - thlen;
	seg->seq = ntohl(th->seq);
	seg->ack = ntohl(th->ack_seq);
	return 0;
}

/**
 * tcp_synack_from_tap() - Guest's SYN-ACK for a connection we accepted
 * @c:		Execution context
 * @conn:	Connection in TCP_SOCK_ACCEPTED
 * @seg:	The segment
 * @now:	Current time
 */
static void tcp_synack_from_tap(const struct ctx *c, struct tcp_tap_conn *conn,
				const struct tcp_seg *seg,
				const struct timespec *now)
{
	uint16_t guest_mss = TCP_MSS_NONE;
	bool ws_ok;

	if (seg->th->rst) {
		tcp_conn_free(c, conn, true);
		return;
	}
	if (!seg->th->syn || !seg->th->ack ||
	    seg->ack != conn->seq_init_to_tap + 1)
		return;

	tcp_parse_opts(seg->th, seg->th->doff * 4UL, &guest_mss,
		       &conn->ws_from_tap, &ws_ok);
	if (!ws_ok) {
		conn->ws_from_tap = 0;
		conn->ws_to_tap = 0;
	}
	conn->mss = tcp_mss_for_guest(c, !!inany_v4(&conn->f.side[TGTSIDE].eaddr),
				      guest_mss);
	conn->seq_from_tap = seg->seq + 1;
	conn->seq_ack_from_tap = seg->ack;
	conn->wnd_from_tap = ntohs(seg->th->window);
	conn->state = TCP_ESTABLISHED;
	conn->retrans = 0;
	conn->last = now->tv_sec;

	tcp_wnd_update(c, conn);
	tcp_send_flags(c, conn, TH_ACK);
	tcp_conn_log(conn, "established (inbound)");
	tcp_data_to_tap(c, conn, now);
	if (conn->f.type == FLOW_TCP)
		tcp_timer_update(conn, now);
}

#define TCP_FILTER_OK		0
#define TCP_FILTER_CHALLENGE	1	/* send an ACK */
#define TCP_FILTER_RESET	2	/* acceptable reset: tear down */

/**
 * tcp_segs_filter() - Drop what a synchronized connection must not take
 * @c:		Execution context
 * @conn:	Connection, handshake with the guest done or under way
 * @segs:	Segments, compacted in place to the acceptable ones
 * @n:		Number of segments, updated
 *
 * As RFC 9293 and RFC 5961 say: a reset counts only at exactly the
 * sequence we expect next, and gets a challenge ACK elsewhere in the
 * window; a SYN gets a challenge ACK (or, before the guest acknowledged our
 * SYN-ACK, a retransmission of it); a segment without ACK is dropped.
 *
 * Return: TCP_FILTER_RESET, TCP_FILTER_CHALLENGE or TCP_FILTER_OK
 */
static int tcp_segs_filter(const struct ctx *c, struct tcp_tap_conn *conn,
			   struct tcp_seg *segs, size_t *n)
{
	int ret = TCP_FILTER_OK;
	size_t i, kept = 0;

	for (i = 0; i < *n; i++) {
		const struct tcp_seg *seg = &segs[i];

		if (seg->th->rst) {
			uint32_t off = seg->seq - conn->seq_from_tap;

			if (seg->seq == conn->seq_from_tap)
				return TCP_FILTER_RESET;
			if (off < MAX(conn->wnd_to_tap, 1U))
				ret = TCP_FILTER_CHALLENGE;
			continue;
		}
		if (seg->th->syn) {
			if (conn->state & TCP_TAP_SYN_ACK_SENT)
				tcp_send_flags(c, conn, TH_SYN | TH_ACK);
			else
				ret = TCP_FILTER_CHALLENGE;
			continue;
		}
		if (!seg->th->ack)
			continue;
		segs[kept++] = *seg;
	}
	*n = kept;
	return ret;
}

/**
 * tcp_segs_sort() - Put a batch of segments in sequence order
 * @segs:	Segments
 * @n:		Number of segments
 *
 * Segments reordered on the way would otherwise look like gaps, and be
 * dropped, while the missing one is right there in the batch.  Batches are
 * nearly always in order already: insertion sort, linear then.
 */
static void tcp_segs_sort(struct tcp_seg *segs, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct tcp_seg tmp = segs[i];

		for (j = i; j > 0 && SEQ_LT(tmp.seq, segs[j - 1].seq); j--)
			segs[j] = segs[j - 1];
		segs[j] = tmp;
	}
}

/**
 * tcp_tap_conn_segs() - Segments of a batch for an existing connection
 * @c:		Execution context
 * @conn:	Connection
 * @segs:	Parsed segments
 * @n:		Number of segments
 * @now:	Current time
 */
static void tcp_tap_conn_segs(struct ctx *c, struct tcp_tap_conn *conn,
			      struct tcp_seg *segs, size_t n,
			      const struct timespec *now)
{
	bool ack_due;
	size_t i;

	if (conn->state & TCP_SOCK_ACCEPTED) {
		tcp_synack_from_tap(c, conn, &segs[0], now);
		return;
	}
	if (conn->state & TCP_TAP_SYN_RCVD)
		return;			/* duplicate SYN while connecting */

	switch (tcp_segs_filter(c, conn, segs, &n)) {
	case TCP_FILTER_RESET:
		tcp_conn_free(c, conn, true);
		return;
	case TCP_FILTER_CHALLENGE:
		tcp_send_flags(c, conn, TH_ACK);
		break;
	default:
		break;
	}
	if (!n)
		return;

	if (conn->state & TCP_TAP_SYN_ACK_SENT) {
		if (!segs[0].th->ack ||
		    segs[0].ack != conn->seq_init_to_tap + 1)
			return;
		conn->state = TCP_ESTABLISHED;
		conn->seq_ack_from_tap = segs[0].ack;
		conn->retrans = 0;
		tcp_conn_log(conn, "established");
	}

	for (i = 0; i < n; i++) {
		if (segs[i].th->ack)
			tcp_ack_from_tap(conn, &segs[i], now);
	}

	tcp_segs_sort(segs, n);
	ack_due = tcp_data_from_tap(c, conn, segs, n);
	conn->last = now->tv_sec;

	if (ack_due || conn->seq_ack_to_tap != conn->seq_from_tap) {
		tcp_wnd_update(c, conn);
		if (tcp_wnd_small(conn))
			conn->flags |= TCP_F_SOCK_FULL;	/* update it later */
		tcp_send_flags(c, conn, TH_ACK);
		tcp_dup_acks(c, conn);
	}
	if (conn->flags & TCP_F_SOCK_FULL)
		tcp_sock_events(c, conn, EPOLLIN | EPOLLOUT);

	if (tcp_maybe_close(c, conn))
		return;
	tcp_data_to_tap(c, conn, now);
	if (conn->f.type == FLOW_TCP)
		tcp_timer_update(conn, now);
}

/**
 * tcp_tap_handler() - Segments from the guest for one connection
 * @c:		Execution context
 * @l3:		Segments with the same addresses and ports
 * @n:		Number of segments
 * @now:	Current time
 *
 * Return: number of segments handled (all)
 */
int tcp_tap_handler(struct ctx *c, const struct tap_l3 *l3, size_t n,
		    const struct timespec *now)
{
	static struct tcp_seg segs[TCP_TAP_BATCH];
	size_t i, cnt = 0;
	union flow *flow;
	unsigned int side;

	for (i = 0; i < n && cnt < TCP_TAP_BATCH; i++) {
		if (!tcp_seg_parse(&l3[i], &segs[cnt]))
			cnt++;
	}
	if (!cnt)
		return n;

	flow = flow_lookup(PIF_TAP, IPPROTO_TCP, &l3->saddr, &l3->daddr,
			   ntohs(segs[0].th->source), ntohs(segs[0].th->dest),
			   &side);
	if (!flow) {
		if (segs[0].th->syn)
			tcp_conn_from_tap(c, l3, &segs[0], now);
		else
			tcp_rst_reply(c, l3, &segs[0]);
		return n;
	}

	tcp_tap_conn_segs(c, &flow->tcp, segs, cnt, now);
	return n;
}

/**
 * tcp_sock_handler() - Events on a connection's host socket
 * @c:		Execution context
 * @ref:	epoll reference: socket, flow and side
 * @events:	epoll events
 * @now:	Current time
 */
void tcp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events,
		      const struct timespec *now)
{
	union flow *flow = flow_at_sidx(ref.flow);
	struct tcp_tap_conn *conn;

	if (!flow || flow->f.type != FLOW_TCP)
		return;
	conn = &flow->tcp;

	if (conn->state & TCP_TAP_SYN_RCVD) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			tcp_connect_done(c, conn, now);
		return;
	}

	if (events & EPOLLERR) {
		tcp_rst_to_tap(c, conn);
		tcp_conn_free(c, conn, false);
		return;
	}

	if (events & EPOLLOUT && conn->flags & TCP_F_SOCK_FULL) {
		conn->flags &= ~TCP_F_SOCK_FULL;
		tcp_wnd_update(c, conn);
		tcp_send_flags(c, conn, TH_ACK);	/* window update */
		tcp_sock_events(c, conn, EPOLLIN);
	}

	if (events & (EPOLLRDHUP | EPOLLHUP))
		conn->state |= TCP_SOCK_FIN_RCVD;

	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))
		tcp_data_to_tap(c, conn, now);

	if (flow->f.type == FLOW_TCP)
		tcp_sock_events(c, conn, conn->sock_events &
					 (EPOLLIN | EPOLLOUT));
}

/**
 * tcp_timer() - Retransmission, handshake, closing and idle timeouts
 * @c:		Execution context
 * @conn:	Connection whose timer fired
 * @now:	Current time
 */
void tcp_timer(struct ctx *c, struct tcp_tap_conn *conn,
	       const struct timespec *now)
{
	bool unacked = conn->seq_to_tap != conn->seq_ack_from_tap;

	if (conn->state & TCP_TAP_SYN_RCVD) {
		tcp_conn_log(conn, "connect timed out");
		tcp_rst_to_tap(c, conn);
		tcp_conn_free(c, conn, true);
		return;
	}

	if ((conn->state & (TCP_SOCK_ACCEPTED | TCP_TAP_SYN_ACK_SENT)) ||
	    unacked) {
		if (conn->retrans >= TCP_RETRANS_MAX) {
			tcp_conn_log(conn, "no acknowledgement from guest");
			tcp_rst_to_tap(c, conn);
			tcp_conn_free(c, conn, true);
			return;
		}
		conn->retrans++;
		if (conn->state & TCP_SOCK_ACCEPTED) {
			conn->seq_to_tap = conn->seq_init_to_tap;
			tcp_send_flags(c, conn, TH_SYN);
		} else if (conn->state & TCP_TAP_SYN_ACK_SENT) {
			tcp_send_flags(c, conn, TH_SYN | TH_ACK);
		} else {
			tcp_rewind(conn);
			tcp_data_to_tap(c, conn, now);
			if (conn->f.type != FLOW_TCP)
				return;
		}
		tcp_timer_update(conn, now);
		return;
	}

	if (!conn->wnd_from_tap && (conn->state & TCP_ESTABLISHED) &&
	    now->tv_sec < conn->last + TCP_IDLE_TIMEOUT_S) {
		tcp_probe_tap(c, conn);
		tcp_timer_update(conn, now);
		return;
	}

	if (conn->state & (TCP_SOCK_FIN_RCVD | TCP_TAP_FIN_RCVD)) {
		if (now->tv_sec >= conn->last + TCP_FIN_TIMEOUT_S) {
			tcp_conn_free(c, conn, false);
			return;
		}
	} else if (now->tv_sec >= conn->last + TCP_IDLE_TIMEOUT_S) {
		tcp_conn_log(conn, "idle timeout");
		tcp_rst_to_tap(c, conn);
		tcp_conn_free(c, conn, true);
		return;
	}
	tcp_timer_update(conn, now);
}

/* Kept open to be closed when we run out of descriptors: see below */
static int tcp_spare_fd = -1;

/**
 * tcp_spare_open() - Take a descriptor to give back when we run out
 *
 * A socket, not a file: it's made again in the sandbox, with no file system.
 *
 * Return: file descriptor, -1 on failure
 */
static int tcp_spare_open(void)
{
	/* #syscalls socket */
	return socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

/**
 * tcp_accept_refuse() - Out of file descriptors: take the connection off
 *			 the queue and reset it
 * @lfd:	Listening socket
 * @now:	Current time
 *
 * Leaving it there would keep the listening socket readable, and wake us up
 * again at once, forever.  A descriptor kept in reserve makes room for the
 * one accept() needs.
 */
static void tcp_accept_refuse(int lfd, const struct timespec *now)
{
	/* #syscalls accept4 socket close setsockopt */
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	union sockaddr_inany sa;
	socklen_t sl = sizeof(sa);
	int s;

	flow_resource_warn(EMFILE, now);
	if (tcp_spare_fd < 0)
		return;

	close(tcp_spare_fd);
	s = accept4(lfd, &sa.sa, &sl, SOCK_CLOEXEC);
	if (s >= 0) {
		setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close(s);
	}
	tcp_spare_fd = tcp_spare_open();
}

/**
 * tcp_accept_one() - Accept one connection on a forwarded port
 * @c:		Execution context
 * @ref:	epoll reference: listening socket, port, family, direction
 * @now:	Current time
 *
 * Return: 0 if a connection was taken (set up or refused), -1 if none
 *	   was waiting
 */
static int tcp_accept_one(struct ctx *c, union epoll_ref ref,
			  const struct timespec *now)
{
	/* #syscalls accept4 getsockname */
	bool out = ref.data >> 17 & 1;
	const struct fwd_ports *fwd = out ? &c->tcp_out : &c->tcp_in;
	struct tcp_tap_conn *conn;
	struct flowside ini, tgt;
	union sockaddr_inany sa;
	socklen_t sl = sizeof(sa);
	union flow *flow;
	int s, zero = 0, one = 1;
	uint8_t pif;

	s = accept4(ref.fd, &sa.sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (s < 0 && (errno == EMFILE || errno == ENFILE)) {
		tcp_accept_refuse(ref.fd, now);
		return 0;
	}
	if (s < 0)
		return -1;
	if (s > FD_REF_MAX)
		goto refuse;

	inany_from_sockaddr(&ini.eaddr, &ini.eport, &sa);
	sl = sizeof(sa);
	if (getsockname(s, &sa.sa, &sl))
		goto refuse;
	inany_from_sockaddr(&ini.oaddr, &ini.oport, &sa);

	memset(&tgt, 0, sizeof(tgt));
	if (out)
		pif = fwd_nat_from_splice(fwd, &ini, &tgt);
	else
		pif = fwd_nat_from_host(c, fwd, &ini, &tgt);

	if (pif == PIF_SPLICE || pif == PIF_HOST) {
		tcp_splice_conn_from_sock(c, s, out ? PIF_SPLICE : PIF_HOST,
					  &ini, pif, &tgt, now);
		return 0;
	}
	if (pif != PIF_TAP || !(flow = flow_alloc(now)))
		goto refuse;

	conn = &flow->tcp;
	conn->f.type = FLOW_TCP;
	conn->f.proto = IPPROTO_TCP;
	conn->f.pif[INISIDE] = PIF_HOST;
	conn->f.side[INISIDE] = ini;
	conn->f.pif[TGTSIDE] = PIF_TAP;
	conn->f.side[TGTSIDE] = tgt;
	conn->sock = s;

	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (tcp_peek_off_ok)
		setsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero));

	conn->ws_to_tap = TCP_WS_TO_TAP;
	conn->mss = tcp_mss_for_guest(c, !!inany_v4(&ini.eaddr), 0);
	tcp_wnd_update(c, conn);
	tcp_mss_from_tap(c, conn);
	tcp_wnd_cap(c, conn);
	conn->seq_init_to_tap = tcp_isn(conn, now);
	conn->seq_to_tap = conn->seq_ack_from_tap = conn->seq_init_to_tap;
	conn->seq_max_to_tap = conn->seq_init_to_tap;
	conn->last = now->tv_sec;
	conn->state = TCP_SOCK_ACCEPTED;

	flow_hash_insert(flow, TGTSIDE);
	tcp_conn_log(conn, "accepted, SYN to guest");
	tcp_send_flags(c, conn, TH_SYN);
	tcp_sock_events(c, conn, 0);
	tcp_timer_update(conn, now);
	return 0;

refuse:
	close(s);
	return 0;
}

/**
 * tcp_listen_handler() - Accept connections on a forwarded port
 * @c:		Execution context
 * @ref:	epoll reference: listening socket, port, family
 * @now:	Current time
 */
void tcp_listen_handler(struct ctx *c, union epoll_ref ref,
			const struct timespec *now)
{
	unsigned int i;

	/* A burst of connections must not wait for one wake-up each: the
	 * kernel's accept queue would overflow, and clients retry after 1 s
	 */
	for (i = 0; i < TCP_ACCEPT_MAX; i++) {
		if (tcp_accept_one(c, ref, now))
			break;
	}
}


/**
 * tcp_listen_open() - Open one listening socket for a forwarded port
 * @c:		Execution context
 * @rule:	Rule the port belongs to
 * @v6:		IPv6 socket
 * @port:	Port
 *
 * Return: 0 on success, negative errno on failure
 */
/**
 * struct tcp_listen_req - A listening socket to open, maybe in the namespace
 * @addr:	Address to bind
 * @port:	Port
 * @ifname:	Interface to bind to, empty for any
 * @err:	errno of the failure, set on return
 */
struct tcp_listen_req {
	union inany_addr addr;
	uint16_t port;
	const char *ifname;
	int err;
};

/**
 * tcp_listen_sock() - Open, bind and listen
 * @arg:	struct tcp_listen_req
 *
 * Called directly, or through ns_call() for -T in the namespace.
 *
 * Return: the socket, or -1 with req->err set
 */
static int tcp_listen_sock(void *arg)
{
	/* #syscalls listen */
	struct tcp_listen_req *req = arg;
	int af = inany_af(&req->addr), s, one = 1;
	union sockaddr_inany sa;
	socklen_t sl;

	s = sock_l4_open(af, SOCK_STREAM, IPPROTO_TCP, req->ifname);
	if (s < 0)
		goto fail;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));

	sl = sockaddr_from_inany(&sa, &req->addr, req->port, 0);
	if (bind(s, &sa.sa, sl) || listen(s, TCP_BACKLOG))
		goto fail_close;
	return s;

fail_close:
	req->err = errno;
	close(s);
	return -1;
fail:
	req->err = errno;
	return -1;
}

/**
 * tcp_listen_open() - Open one listening socket for a forwarded port
 * @c:		Execution context
 * @rule:	Rule the port belongs to
 * @out:	-T (in the namespace, on its loopback) rather than -t
 * @v6:		IPv6 socket
 * @port:	Port
 *
 * Return: 0 on success, negative errno on failure
 */
static int tcp_listen_open(const struct ctx *c, const struct fwd_rule *rule,
			   bool out, bool v6, uint16_t port)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_TCP_LISTEN };
	struct tcp_listen_req req = {
		.addr = rule->addr, .port = port, .ifname = rule->ifname,
	};
	int s;

	if (inany_is_unspecified(&req.addr) && out)
		req.addr = v6 ? inany_loopback6 : inany_loopback4;
	else if (inany_is_unspecified(&req.addr))
		req.addr = v6 ? inany_any6 : inany_any4;

	s = out ? ns_call(c, tcp_listen_sock, &req) : tcp_listen_sock(&req);
	if (s < 0)
		return -req.err;

	tcp_listen_fd[out][v6][port] = s;
	ref.fd = s;
	ref.data = port | (uint32_t)v6 << 16 | (uint32_t)out << 17;
	epoll_add(c, EPOLLIN, ref);
	return 0;
}

/**
 * tcp_port_rescan() - Follow the listening ports of the other side for
 *		       "auto" forwarding (pasta), once a second
 * @c:		Execution context
 */
void tcp_port_rescan(const struct ctx *c)
{
	if (c->mode != MODE_PASTA || c->no_tcp)
		return;

	if (c->tcp_in.mode == FWD_AUTO)
		fwd_auto_sync(c, &c->tcp_in, false, tcp_listen_fd, false,
			      tcp_listen_open, NULL);
	if (c->tcp_out.mode == FWD_AUTO)
		fwd_auto_sync(c, &c->tcp_out, false, tcp_listen_fd, true,
			      tcp_listen_open, NULL);
}

/**
 * tcp_init() - Set up TCP: keys, SO_PEEK_OFF support, forwarded ports
 * @c:		Execution context
 *
 * Return: 0 on success, -1 if a forwarded port can't be bound (reported)
 */
int tcp_init(struct ctx *c)
{
	unsigned int d, f, p;
	int s, zero = 0;

	for (d = 0; d < 2; d++)
		for (f = 0; f < 2; f++)
			for (p = 0; p < NUM_PORTS; p++)
				tcp_listen_fd[d][f][p] = -1;

	tcp_spare_fd = tcp_spare_open();

	if (getrandom(tcp_isn_key, sizeof(tcp_isn_key), 0) !=
	    sizeof(tcp_isn_key))
		die_perror("Can't get random bytes for TCP sequence numbers");

	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	if (s >= 0) {
		tcp_peek_off_ok = !setsockopt(s, SOL_SOCKET, SO_PEEK_OFF,
					      &zero, sizeof(zero));
		close(s);
	}
	debug("TCP: SO_PEEK_OFF %ssupported", tcp_peek_off_ok ? "" : "not ");

	if (c->no_tcp)
		return 0;
	if (c->mode == MODE_PASTA)
		tcp_splice_init(c);

	if (fwd_listen_rules(c, &c->tcp_in, false, tcp_listen_open, "TCP"))
		return -1;
	if (c->mode == MODE_PASTA &&
	    fwd_listen_rules(c, &c->tcp_out, true, tcp_listen_open, "TCP"))
		return -1;
	tcp_port_rescan(c);
	return 0;
}
