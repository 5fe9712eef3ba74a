// SPDX-License-Identifier: GPL-2.0-or-later
/* udp.c - UDP: tap and spliced flows, forwarded ports
 *
 * Theory of operation
 * ===================
 *
 * UDP has no connections, but most of what runs over it behaves as if it
 * had: a client sends from a port of its choice to a server's port, and the
 * server answers with addresses and ports swapped.  Each such exchange is a
 * flow (FLOW_UDP) in the flow table, which expires after UDP_TIMEOUT seconds
 * without a datagram.
 *
 * Sockets:
 * - Listening sockets, one per forwarded port and family (-u on the host,
 *   -U in pasta's namespace), shared by every flow that arrives on them.  A
 *   datagram read there is looked up by its addresses and ports (the local
 *   address comes from IP_PKTINFO); a miss creates a flow.  The flow keeps a
 *   duplicate of the listening socket, to send replies from the forwarded
 *   port even after a re-scan closes the listening socket itself.
 * - Reply sockets: a flow that targets a socket gets its own, bound (to the
 *   guest's source port if free, any port if not) and connected to the
 *   target.  Being connected, it receives only that flow's datagrams, so its
 *   epoll reference names the flow and side directly: no lookup.
 *
 * Data paths, both batched:
 * - From the guest: tap.c hands over consecutive datagrams of one flow
 *   together; they leave in one sendmmsg(), the payloads pointing into the
 *   tap buffer (no copy).
 * - To the guest: up to UDP_MAX_FRAMES datagrams per recvmmsg() into static
 *   buffers; Ethernet, IP and UDP headers are kept ready in front of each
 *   and only lengths, addresses and checksums are filled in; all frames go
 *   to tap_send_frames() at once.  A datagram larger than the guest's MTU
 *   leaves as IP fragments (ipfrag_send()), in its place in the sequence.
 * - Spliced (pasta, loopback to loopback): the same recvmmsg() buffers go
 *   straight out with sendmmsg() on the other side's socket.  Listening
 *   sockets and those of spliced flows ask for UDP_SOCK_BUF of receive and
 *   send buffer (the kernel grants up to net.core.rmem_max / wmem_max): a
 *   sender on the loopback is as fast as we are, and whatever arrives while
 *   we're not scheduled must fit, or is lost.  Consecutive datagrams of
 *   the same size (the last one may be shorter) leave in one sendmmsg()
 *   entry with UDP_SEGMENT: the kernel takes them through its output path
 *   once, and splits them again as the receiving socket queues them.
 *
 * Errors: reply sockets have IP_RECVERR / IPV6_RECVERR set.  An ICMP error
 * that the kernel queues for a datagram of the guest (port or host
 * unreachable, fragmentation needed) goes back to the guest as the ICMP
 * error it would have received, quoting the headers of its datagram, so its
 * socket sees ECONNREFUSED and friends rather than a silent loss.
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <linux/errqueue.h>
#include <net/ethernet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <netinet/udp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "passt.h"
#include "checksum.h"
#include "flow.h"
#include "fwd.h"
#include "hdr.h"
#include "ipfrag.h"
#include "log.h"
#include "packet.h"
#include "pasta.h"
#include "tap.h"
#include "udp.h"

#define UDP_PAYLOAD_MAX		(IP_MAX_MTU - 8)
#define UDP_ERR_PER_SEC		10	/* ICMP errors to the guest, per flow */
#define UDP_SOCK_BUF		(4 << 20)	/* buffers asked for, see below */

/**
 * struct udp_hdr4 - Headers in front of an IPv4 datagram to the guest
 * @pad:	Aligns the IP header to four bytes; not sent
 * @eh:		Ethernet
 * @ih:		IPv4
 * @uh:		UDP
 */
struct udp_hdr4 {
	uint8_t pad[2];
	struct ether_header eh;
	struct iphdr ih;
	struct udphdr uh;
};

/**
 * struct udp_hdr6 - Headers in front of an IPv6 datagram to the guest
 * @pad:	Aligns the IP header to four bytes; not sent
 * @eh:		Ethernet
 * @ih:		IPv6
 * @uh:		UDP
 */
struct udp_hdr6 {
	uint8_t pad[2];
	struct ether_header eh;
	struct ip6_hdr ih;
	struct udphdr uh;
};

#define UDP_HDR4_LEN	(sizeof(struct udp_hdr4) - 2)
#define UDP_HDR6_LEN	(sizeof(struct udp_hdr6) - 2)
_Static_assert(UDP_HDR4_LEN == 14 + 20 + 8, "IPv4 headers not contiguous");
_Static_assert(UDP_HDR6_LEN == 14 + 40 + 8, "IPv6 headers not contiguous");

/* Receive buffers and what we send them with */
static uint8_t udp_payload[UDP_MAX_FRAMES][UDP_PAYLOAD_MAX];
static struct iovec udp_payload_iov[UDP_MAX_FRAMES];
static struct mmsghdr udp_mmh[UDP_MAX_FRAMES];
static union sockaddr_inany udp_peer[UDP_MAX_FRAMES];
static uint8_t udp_cmsg[UDP_MAX_FRAMES][CMSG_SPACE(sizeof(struct in6_pktinfo))];

/* Spliced datagrams of one size leave in one send, segmented by the kernel:
 * UDP_GSO_SEGS is UDP_MAX_SEGMENTS of older kernels, UDP_GSO_BYTES the most
 * an IPv6 datagram can carry
 */
#define UDP_GSO_SEGS		64
#define UDP_GSO_BYTES		(65535 - 40 - 8)
static bool udp_gso_ok;
static struct mmsghdr udp_gso_mmh[UDP_MAX_FRAMES];
static unsigned int udp_gso_first[UDP_MAX_FRAMES];
static unsigned int udp_gso_segs[UDP_MAX_FRAMES];
static union {
	char buf[CMSG_SPACE(sizeof(uint16_t))];
	struct cmsghdr align;
} udp_gso_cmsg[UDP_MAX_FRAMES];

/* Frames towards the guest: [tap header][L2-L4 headers][payload] */
static struct tap_hdr udp_taph[UDP_MAX_FRAMES];
static struct udp_hdr4 udp_h4[UDP_MAX_FRAMES];
static struct udp_hdr6 udp_h6[UDP_MAX_FRAMES];
static struct iovec udp_tap_iov[UDP_MAX_FRAMES][3];

/* Datagrams from the guest, pointing into the tap buffer */
#define UDP_TAP_BATCH	4096
static struct mmsghdr udp_tap_mmh[UDP_TAP_BATCH];
static struct iovec udp_tap_in_iov[UDP_TAP_BATCH];

/* Listening sockets, per direction (0: -u, 1: -U), family, port */
static int udp_listen_fd[2][2][NUM_PORTS];

/**
 * struct udp_listen_ref - What the epoll reference of a listener holds
 * @port:	Port the socket is bound to
 * @pif:	PIF_HOST (-u) or PIF_SPLICE (-U)
 * @v6:		IPv6 socket
 */
struct udp_listen_ref {
	uint16_t port;
	uint8_t pif;
	uint8_t v6;
};

static unsigned long udp_dropped;

/**
 * udp_listen_ref_pack() - Pack a listener description into 32 bits
 * @lr:		Description
 *
 * Return: value for epoll_ref.data
 */
static uint32_t udp_listen_ref_pack(const struct udp_listen_ref *lr)
{
	return lr->port | (uint32_t)lr->pif << 16 | (uint32_t)lr->v6 << 24;
}

/**
 * udp_listen_ref_unpack() - Unpack a listener description
 * @data:	Value of epoll_ref.data
 *
 * Return: the description
 */
static struct udp_listen_ref udp_listen_ref_unpack(uint32_t data)
{
	struct udp_listen_ref lr = {
		.port = data & 0xffff,
		.pif = (data >> 16) & 0xff,
		.v6 = (data >> 24) & 1,
	};

	return lr;
}

/**
 * struct udp_sock_req - A socket to open, possibly in the namespace
 * @af:		Address family
 * @bind_addr:	Local address (may be unspecified)
 * @bind_port:	Local port, 0 for any
 * @fallback:	Try port 0 if @bind_port is taken
 * @ifname:	Interface to bind to, empty for none
 * @peer:	Address to connect to, NULL for a listening socket
 * @peer_port:	Port to connect to
 * @recverr:	Ask for ICMP errors on the error queue
 * @big_bufs:	Ask for large socket buffers (spliced and listening sockets)
 * @err:	errno of the failure, set on return
 */
struct udp_sock_req {
	int af;
	union inany_addr bind_addr;
	uint16_t bind_port;
	bool fallback;
	const char *ifname;
	const union inany_addr *peer;
	uint16_t peer_port;
	bool recverr;
	bool big_bufs;
	int err;
};

/**
 * udp_sock_bind() - Bind a socket, falling back to any port if asked
 * @s:		Socket
 * @req:	What to bind to
 *
 * Return: 0 on success, -1 with errno set on failure
 */
static int udp_sock_bind(int s, const struct udp_sock_req *req)
{
	union sockaddr_inany sa;
	socklen_t sl;

	sl = sockaddr_from_inany(&sa, &req->bind_addr, req->bind_port, 0);
	if (!bind(s, &sa.sa, sl))
		return 0;
	if (errno != EADDRINUSE || !req->fallback || !req->bind_port)
		return -1;

	sl = sockaddr_from_inany(&sa, &req->bind_addr, 0, 0);
	return bind(s, &sa.sa, sl);
}

/**
 * udp_sock_open() - Open, bind and maybe connect a UDP socket
 * @arg:	struct udp_sock_req
 *
 * Called directly, or through ns_call() for the namespace's side.
 *
 * Return: the socket, or -1 with req->err set
 */
static int udp_sock_open(void *arg)
{
	struct udp_sock_req *req = arg;
	int s, one = 1;

	s = sock_l4_open(req->af, SOCK_DGRAM, IPPROTO_UDP, req->ifname);
	if (s < 0)
		goto fail;

	if (req->big_bufs) {
		int sz = UDP_SOCK_BUF;

		/* The kernel caps these at net.core.[rw]mem_max */
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	}

	if (req->peer) {
		union sockaddr_inany sa;
		socklen_t sl;

		if (req->recverr &&
		    (req->af == AF_INET ?
		     setsockopt(s, IPPROTO_IP, IP_RECVERR, &one, sizeof(one)) :
		     setsockopt(s, IPPROTO_IPV6, IPV6_RECVERR, &one,
				sizeof(one))))
			goto fail_close;
		if (udp_sock_bind(s, req))
			goto fail_close;
		sl = sockaddr_from_inany(&sa, req->peer, req->peer_port, 0);
		if (connect(s, &sa.sa, sl))
			goto fail_close;
	} else {
		if (req->af == AF_INET ?
		    setsockopt(s, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) :
		    setsockopt(s, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
			       sizeof(one)))
			goto fail_close;
		if (udp_sock_bind(s, req))
			goto fail_close;
	}
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
 * udp_flow_close() - Close the sockets of a flow and free it
 * @c:		Execution context
 * @uf:		Flow
 */
static void udp_flow_close(const struct ctx *c, struct udp_flow *uf)
{
	/* #syscalls close */
	union flow *flow = (union flow *)uf;
	unsigned int side;

	flow_log(LOG_DEBUG, flow, "closed");
	for (side = 0; side < SIDES; side++) {
		if (uf->s[side] < 0)
			continue;
		if (side == TGTSIDE)	/* a listener's duplicate isn't in epoll */
			epoll_del(c, uf->s[side]);
		close(uf->s[side]);
		uf->s[side] = -1;
	}
	flow_hash_remove(flow, INISIDE);
	flow_hash_remove(flow, TGTSIDE);
	flow_free(flow);
}

/**
 * udp_flow_target_sock() - Open the reply socket of a flow's target side
 * @c:		Execution context
 * @uf:		Flow, target side addresses set; bound address set here
 * @ini_port:	Port the initiator used: kept as our source port if free
 *
 * Return: 0 on success, -1 on failure (logged at debug level)
 */
static int udp_flow_target_sock(const struct ctx *c, struct udp_flow *uf,
				uint16_t ini_port)
{
	struct flowside *tgt = &uf->f.side[TGTSIDE];
	int af = inany_af(&tgt->eaddr);
	union epoll_ref ref = { .type = EPOLL_TYPE_UDP_REPLY };
	struct udp_sock_req req = {
		.af = af,
		.bind_addr = tgt->oaddr,
		.bind_port = ini_port,
		.fallback = true,
		.peer = &tgt->eaddr,
		.peer_port = tgt->eport,
		.recverr = uf->f.pif[INISIDE] == PIF_TAP,
		.big_bufs = uf->f.pif[INISIDE] != PIF_TAP &&
			    uf->f.pif[TGTSIDE] != PIF_TAP,
	};
	union sockaddr_inany sa;
	socklen_t sl = sizeof(sa);
	int s;

	if (uf->f.pif[TGTSIDE] == PIF_HOST)
		req.ifname = af == AF_INET ? c->ip4.ifname_out :
					     c->ip6.ifname_out;

	if (uf->f.pif[TGTSIDE] == PIF_SPLICE)
		s = ns_call(c, udp_sock_open, &req);
	else
		s = udp_sock_open(&req);
	if (s < 0) {
		errno = req.err;
		flow_log(LOG_DEBUG, (union flow *)uf,
			 "can't open target socket: %s", strerror(errno));
		flow_resource_warn(req.err, &c->now);
		return -1;
	}

	if (!getsockname(s, &sa.sa, &sl))
		inany_from_sockaddr(&tgt->oaddr, &tgt->oport, &sa);

	uf->s[TGTSIDE] = s;
	ref.fd = s;
	ref.flow = flow_sidx(flow_idx((union flow *)uf), TGTSIDE);
	epoll_add(c, EPOLLIN, ref);
	return 0;
}

/**
 * udp_flow_start() - Finish a new flow: hash it, open its target socket,
 *		      start its timer
 * @c:		Execution context
 * @flow:	Flow with both sides' addresses and pifs set
 * @now:	Current time
 *
 * Return: the flow, or NULL if it couldn't be set up (then freed)
 */
static struct udp_flow *udp_flow_start(const struct ctx *c, union flow *flow,
				       const struct timespec *now)
{
	struct udp_flow *uf = &flow->udp;

	if (uf->f.pif[TGTSIDE] != PIF_TAP &&
	    udp_flow_target_sock(c, uf, uf->f.side[INISIDE].eport)) {
		if (uf->s[INISIDE] >= 0)
			close(uf->s[INISIDE]);
		flow_free(flow);
		return NULL;
	}

	flow_hash_insert(flow, INISIDE);
	flow_hash_insert(flow, TGTSIDE);
	uf->last = now->tv_sec;
	flow_timer_set(flow, flow_now_ms(now) + UDP_TIMEOUT * 1000);
	flow_log(LOG_DEBUG, flow, "new");
	return uf;
}

/**
 * udp_flow_from_tap() - Create a flow for a datagram from the guest
 * @c:		Execution context
 * @l3:		First datagram
 * @sport:	Guest's source port
 * @dport:	Destination port
 * @now:	Current time
 *
 * Return: the flow, or NULL if it can't be created
 */
static struct udp_flow *udp_flow_from_tap(const struct ctx *c,
					  const struct tap_l3 *l3,
					  uint16_t sport, uint16_t dport,
					  const struct timespec *now)
{
	union flow *flow;
	struct flowside *ini;

	if (inany_is_multicast(&l3->daddr) || !dport || !sport)
		return NULL;
	if (!(flow = flow_alloc(now)))
		return NULL;

	flow->f.type = FLOW_UDP;
	flow->f.proto = IPPROTO_UDP;
	flow->udp.s[INISIDE] = flow->udp.s[TGTSIDE] = -1;
	flow->f.pif[INISIDE] = PIF_TAP;
	ini = &flow->f.side[INISIDE];
	ini->eaddr = l3->saddr;
	ini->oaddr = l3->daddr;
	ini->eport = sport;
	ini->oport = dport;
	flow->f.pif[TGTSIDE] = fwd_nat_from_tap(c, IPPROTO_UDP, ini,
						&flow->f.side[TGTSIDE]);
	return udp_flow_start(c, flow, now);
}

/**
 * udp_sendmmsg_all() - Send a batch on a socket, retrying partial sends
 * @s:		Socket
 * @mmh:	Messages
 * @n:		Number of messages
 *
 * Return: number of datagrams sent
 */
static unsigned int udp_sendmmsg_all(int s, struct mmsghdr *mmh, unsigned int n)
{
	/* #syscalls sendmmsg */
	unsigned int done = 0;

	while (done < n) {
		int rc = sendmmsg(s, mmh + done, n - done, MSG_NOSIGNAL);

		if (rc <= 0) {
			if (rc < 0 && errno != EAGAIN && errno != ENOBUFS)
				done++;		/* skip the failing datagram */
			else
				break;
			continue;
		}
		done += rc;
	}
	return done;
}

/**
 * udp_tap_handler() - Send datagrams of one flow from the guest
 * @c:		Execution context
 * @l3:		Datagrams with the same addresses and ports
 * @n:		Number of datagrams
 * @now:	Current time
 *
 * Return: number of datagrams handled (all of them: invalid ones dropped)
 */
int udp_tap_handler(struct ctx *c, const struct tap_l3 *l3, size_t n,
		    const struct timespec *now)
{
	const udphdr_u *uh = pkt_get(&l3->l4, 0, sizeof(*uh));
	union sockaddr_inany sa;
	unsigned int side, other, i, cnt = 0;
	struct udp_flow *uf;
	union flow *flow;
	uint16_t sport, dport;
	socklen_t sl = 0;

	if (!uh)
		return n;
	sport = ntohs(uh->source);
	dport = ntohs(uh->dest);

	flow = flow_lookup(PIF_TAP, IPPROTO_UDP, &l3->saddr, &l3->daddr,
			   sport, dport, &side);
	if (flow) {
		uf = &flow->udp;
	} else {
		side = INISIDE;
		if (!(uf = udp_flow_from_tap(c, l3, sport, dport, now))) {
			udp_dropped += n;
			return n;
		}
	}
	other = !side;

	/* A duplicated listening socket isn't connected: address each one */
	if (side == TGTSIDE)
		sl = sockaddr_from_inany(&sa, &uf->f.side[other].eaddr,
					 uf->f.side[other].eport, 0);

	for (i = 0; i < n && cnt < UDP_TAP_BATCH; i++) {
		const udphdr_u *h = pkt_get(&l3[i].l4, 0, sizeof(*h));
		size_t ulen = h ? ntohs(h->len) : 0;

		if (!h || ulen < sizeof(*h) || ulen > l3[i].l4.len) {
			udp_dropped++;
			continue;
		}
		udp_tap_in_iov[cnt].iov_base = (uint8_t *)(h + 1);
		udp_tap_in_iov[cnt].iov_len = ulen - sizeof(*h);
		udp_tap_mmh[cnt].msg_hdr = (struct msghdr){
			.msg_name = sl ? &sa : NULL,
			.msg_namelen = sl,
			.msg_iov = &udp_tap_in_iov[cnt],
			.msg_iovlen = 1,
		};
		cnt++;
	}

	udp_dropped += cnt - udp_sendmmsg_all(uf->s[other], udp_tap_mmh, cnt);
	uf->last = now->tv_sec;
	return n;
}

/**
 * udp_recv_batch() - Read up to UDP_MAX_FRAMES datagrams from a socket
 * @s:		Socket
 * @want_info:	Ask for peer addresses and IP_PKTINFO (listening sockets)
 *
 * Return: number of datagrams read
 */
static int udp_recv_batch(int s, bool want_info)
{
	/* #syscalls recvmmsg|recvmmsg_time64 */
	unsigned int i;
	int n;

	for (i = 0; i < UDP_MAX_FRAMES; i++) {
		udp_payload_iov[i].iov_base = udp_payload[i];
		udp_payload_iov[i].iov_len = UDP_PAYLOAD_MAX;
		udp_mmh[i].msg_hdr = (struct msghdr){
			.msg_name = want_info ? &udp_peer[i] : NULL,
			.msg_namelen = want_info ? sizeof(udp_peer[i]) : 0,
			.msg_iov = &udp_payload_iov[i],
			.msg_iovlen = 1,
			.msg_control = want_info ? udp_cmsg[i] : NULL,
			.msg_controllen = want_info ? sizeof(udp_cmsg[i]) : 0,
		};
	}

	n = recvmmsg(s, udp_mmh, UDP_MAX_FRAMES, MSG_DONTWAIT, NULL);
	return n < 0 ? 0 : n;
}

/**
 * udp_frame4() - Fill the headers of an IPv4 frame to the guest
 * @c:		Execution context
 * @i:		Frame index
 * @fs:		Guest's side of the flow
 * @dlen:	Payload length
 */
static void udp_frame4(const struct ctx *c, unsigned int i,
		       const struct flowside *fs, size_t dlen)
{
	struct udp_hdr4 *h = &udp_h4[i];
	size_t l4len = dlen + sizeof(h->uh);
	struct in_addr src = *inany_v4(&fs->oaddr), dst = *inany_v4(&fs->eaddr);

	tap_push_l2h(c, &h->eh, ETHERTYPE_IP);
	tap_push_ip4h(&h->ih, src, dst, l4len, IPPROTO_UDP);
	h->uh.source = htons(fs->oport);
	h->uh.dest = htons(fs->eport);
	h->uh.len = htons(l4len);
	h->uh.check = 0;	/* optional over IPv4 (RFC 768) */

	tap_hdr_iov(c, &udp_taph[i], &udp_tap_iov[i][0], UDP_HDR4_LEN + dlen);
	udp_tap_iov[i][1].iov_base = &h->eh;
	udp_tap_iov[i][1].iov_len = UDP_HDR4_LEN;
}

/**
 * udp_frame6() - Fill the headers of an IPv6 frame to the guest
 * @c:		Execution context
 * @i:		Frame index
 * @fs:		Guest's side of the flow
 * @dlen:	Payload length
 */
static void udp_frame6(const struct ctx *c, unsigned int i,
		       const struct flowside *fs, size_t dlen)
{
	struct udp_hdr6 *h = &udp_h6[i];
	size_t l4len = dlen + sizeof(h->uh);

	tap_push_l2h(c, &h->eh, ETHERTYPE_IPV6);
	tap_push_ip6h(&h->ih, &fs->oaddr.a6, &fs->eaddr.a6, l4len,
		      IPPROTO_UDP, 0);
	h->uh.source = htons(fs->oport);
	h->uh.dest = htons(fs->eport);
	h->uh.len = htons(l4len);
	csum_udp6(&h->uh, &fs->oaddr.a6, &fs->eaddr.a6,
		  &udp_payload_iov[i], 1, 0);

	tap_hdr_iov(c, &udp_taph[i], &udp_tap_iov[i][0], UDP_HDR6_LEN + dlen);
	udp_tap_iov[i][1].iov_base = &h->eh;
	udp_tap_iov[i][1].iov_len = UDP_HDR6_LEN;
}

/**
 * udp_send_frag() - Send a datagram larger than the guest's MTU as fragments
 * @c:		Execution context
 * @i:		Frame index, headers filled by udp_frame4() or udp_frame6()
 * @v4:		IPv4 (else IPv6)
 */
static void udp_send_frag(const struct ctx *c, unsigned int i, bool v4)
{
	struct iovec l4[2] = {
		{ v4 ? &udp_h4[i].uh : &udp_h6[i].uh, sizeof(struct udphdr) },
		udp_payload_iov[i],
	};
	const void *hdr = v4 ? (void *)&udp_h4[i].eh : (void *)&udp_h6[i].eh;

	if (!ipfrag_send(c, hdr, !v4, l4, 2, tap_mtu(c)))
		udp_dropped++;
}

/**
 * udp_gso_group() - Count the datagrams that can leave in one send, which
 *		     the kernel segments (UDP_SEGMENT)
 * @i:		Index of the first one in the receive buffers
 * @end:	Index past the last one of the batch
 *
 * Return: count from @i: all of the first one's length, but the last one
 *	   that may be shorter, UDP_GSO_SEGS and UDP_GSO_BYTES at most
 */
static unsigned int udp_gso_group(unsigned int i, unsigned int end)
{
	size_t size = udp_mmh[i].msg_len, total = size;
	unsigned int j;

	if (!udp_gso_ok || !size)
		return 1;
	for (j = i + 1; j < end && j - i < UDP_GSO_SEGS; j++) {
		size_t len = udp_mmh[j].msg_len;

		if (!len || len > size || total + len > UDP_GSO_BYTES)
			break;
		total += len;
		if (len < size)
			return j + 1 - i;
	}
	return j - i;
}

/**
 * udp_splice_send() - Send datagrams from the receive buffers to a socket,
 *		       those of one size together
 * @s:		Socket
 * @first:	Index of the first datagram, message headers ready to send
 * @n:		Number of datagrams
 *
 * If the kernel refuses a segmented send (a path MTU below the size, say),
 * its datagrams go one by one.
 *
 * Return: number of datagrams sent
 */
static unsigned int udp_splice_send(int s, unsigned int first, unsigned int n)
{
	unsigned int i, m, done, sent = 0;

	for (i = first, m = 0; i < first + n; i += udp_gso_segs[m++]) {
		struct msghdr *mh = &udp_gso_mmh[m].msg_hdr;
		unsigned int segs = udp_gso_group(i, first + n);
		uint16_t size = udp_mmh[i].msg_len;
		struct cmsghdr *cm = &udp_gso_cmsg[m].align;

		udp_gso_first[m] = i;
		udp_gso_segs[m] = segs;
		*mh = udp_mmh[i].msg_hdr;
		if (segs == 1)
			continue;

		mh->msg_iovlen = segs;
		cm->cmsg_level = SOL_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(size));
		memcpy(CMSG_DATA(cm), &size, sizeof(size));
		mh->msg_control = cm;
		mh->msg_controllen = CMSG_SPACE(sizeof(size));
	}

	for (done = 0; done < m; ) {
		int rc = sendmmsg(s, udp_gso_mmh + done, m - done,
				  MSG_NOSIGNAL);

		if (rc > 0) {
			while (rc--)
				sent += udp_gso_segs[done++];
			continue;
		}
		if (rc == 0 || errno == EAGAIN || errno == ENOBUFS)
			break;
		sent += udp_sendmmsg_all(s, &udp_mmh[udp_gso_first[done]],
					 udp_gso_segs[done]);
		done++;
	}
	return sent;
}

/**
 * udp_forward() - Forward datagrams read from one side to the other side
 * @c:		Execution context
 * @uf:		Flow
 * @from:	Side they were read on
 * @first:	Index of the first datagram in the receive buffers
 * @n:		Number of datagrams
 * @now:	Current time
 */
static void udp_forward(const struct ctx *c, struct udp_flow *uf,
			unsigned int from, unsigned int first, unsigned int n,
			const struct timespec *now)
{
	unsigned int to = !from, i;
	const struct flowside *fs = &uf->f.side[to];

	uf->last = now->tv_sec;

	if (uf->f.pif[to] == PIF_TAP) {
		bool v4 = !!inany_v4(&fs->eaddr);
		size_t l3hlen = (v4 ? UDP_HDR4_LEN : UDP_HDR6_LEN) - ETH_HLEN;
		unsigned int start = first;

		for (i = first; i < first + n; i++) {
			size_t dlen = udp_mmh[i].msg_len;

			udp_payload_iov[i].iov_len = dlen;
			if (v4)
				udp_frame4(c, i, fs, dlen);
			else
				udp_frame6(c, i, fs, dlen);
			udp_tap_iov[i][2] = udp_payload_iov[i];

			if (l3hlen + dlen > tap_mtu(c)) {
				/* What came before, then this one in pieces */
				tap_send_frames(c, &udp_tap_iov[start][0], 3,
						i - start);
				udp_send_frag(c, i, v4);
				start = i + 1;
			}
		}
		tap_send_frames(c, &udp_tap_iov[start][0], 3,
				first + n - start);
		return;
	}

	/* Socket to socket: spliced, or to the host */
	{
		union sockaddr_inany sa;
		socklen_t sl = 0;

		if (to == INISIDE)	/* duplicated listener: address it */
			sl = sockaddr_from_inany(&sa, &fs->eaddr, fs->eport, 0);
		for (i = first; i < first + n; i++) {
			udp_payload_iov[i].iov_len = udp_mmh[i].msg_len;
			udp_mmh[i].msg_hdr.msg_name = sl ? &sa : NULL;
			udp_mmh[i].msg_hdr.msg_namelen = sl;
			udp_mmh[i].msg_hdr.msg_control = NULL;
			udp_mmh[i].msg_hdr.msg_controllen = 0;
		}
		udp_dropped += n - udp_splice_send(uf->s[to], first, n);
	}
}

/**
 * udp_pktinfo_dst() - Local address a datagram was sent to, from IP_PKTINFO
 * @mh:		Received message with control data
 * @v6:		IPv6 socket
 * @dst:	Address, set on success
 *
 * Return: true if the control message was there
 */
static bool udp_pktinfo_dst(const struct msghdr *mh, bool v6,
			    union inany_addr *dst)
{
	const struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm;
	     cm = CMSG_NXTHDR((struct msghdr *)mh, (struct cmsghdr *)cm)) {
		if (!v6 && cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			inany_from_v4(dst, pi.ipi_addr);
			return true;
		}
		if (v6 && cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			dst->a6 = pi.ipi6_addr;
			return true;
		}
	}
	return false;
}

/**
 * udp_flow_from_listener() - Find or create the flow of a datagram that
 *			      arrived on a listening socket
 * @c:		Execution context
 * @lr:		Listener description
 * @fd:		Listening socket
 * @i:		Datagram index in the receive buffers
 * @side:	Side of the flow the datagram arrived on, set on success
 * @now:	Current time
 *
 * Return: the flow, or NULL if the datagram must be dropped
 */
static struct udp_flow *udp_flow_from_listener(const struct ctx *c,
					       const struct udp_listen_ref *lr,
					       int fd, unsigned int i,
					       unsigned int *side,
					       const struct timespec *now)
{
	const struct fwd_ports *fwd = lr->pif == PIF_HOST ? &c->udp_in :
							    &c->udp_out;
	struct flowside ini = { .oport = lr->port };
	union flow *flow;

	inany_from_sockaddr(&ini.eaddr, &ini.eport, &udp_peer[i]);
	if (!udp_pktinfo_dst(&udp_mmh[i].msg_hdr, lr->v6, &ini.oaddr))
		ini.oaddr = lr->v6 ? inany_any6 : inany_any4;

	flow = flow_lookup(lr->pif, IPPROTO_UDP, &ini.eaddr, &ini.oaddr,
			   ini.eport, ini.oport, side);
	if (flow)
		return &flow->udp;

	if (!(flow = flow_alloc(now)))
		return NULL;
	*side = INISIDE;
	flow->f.type = FLOW_UDP;
	flow->f.proto = IPPROTO_UDP;
	flow->f.pif[INISIDE] = lr->pif;
	flow->f.side[INISIDE] = ini;
	flow->udp.s[TGTSIDE] = -1;
	if (lr->pif == PIF_HOST)
		flow->f.pif[TGTSIDE] = fwd_nat_from_host(c, fwd, &ini,
							 &flow->f.side[TGTSIDE]);
	else
		flow->f.pif[TGTSIDE] = fwd_nat_from_splice(fwd, &ini,
						&flow->f.side[TGTSIDE]);

	flow->udp.s[INISIDE] = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (flow->f.pif[TGTSIDE] == PIF_NONE || flow->udp.s[INISIDE] < 0) {
		if (flow->udp.s[INISIDE] >= 0)
			close(flow->udp.s[INISIDE]);
		flow_free(flow);
		return NULL;
	}
	return udp_flow_start(c, flow, now);
}

/**
 * udp_peer_same() - Do two received datagrams come from the same peer?
 * @a:		Source address of one
 * @b:		Source address of the other
 *
 * Return: true if family, address and port are equal
 */
static bool udp_peer_same(const union sockaddr_inany *a,
			  const union sockaddr_inany *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->sa4.sin_port == b->sa4.sin_port &&
		       a->sa4.sin_addr.s_addr == b->sa4.sin_addr.s_addr;
	return a->sa6.sin6_port == b->sa6.sin6_port &&
	       IN6_ARE_ADDR_EQUAL(&a->sa6.sin6_addr, &b->sa6.sin6_addr);
}

/**
 * udp_listen_batch() - Forward a batch read from a listening socket, the
 *			datagrams of each peer together
 * @c:		Execution context
 * @lr:		Listener description
 * @fd:		Listening socket
 * @n:		Number of datagrams in the receive buffers
 * @now:	Current time
 */
static void udp_listen_batch(const struct ctx *c,
			     const struct udp_listen_ref *lr, int fd, int n,
			     const struct timespec *now)
{
	int i, start;

	for (start = 0; start < n; ) {
		struct udp_flow *uf;
		unsigned int side;

		uf = udp_flow_from_listener(c, lr, fd, start, &side, now);
		if (!uf) {
			udp_dropped++;
			start++;
			continue;
		}

		/* Consecutive datagrams from the same peer go together */
		for (i = start + 1; i < n; i++) {
			if (!udp_peer_same(&udp_peer[i], &udp_peer[start]))
				break;
		}
		udp_forward(c, uf, side, start, i - start, now);
		start = i;
	}
}

/**
 * udp_listen_sock_handler() - Datagrams on a forwarded port's socket
 * @c:		Execution context
 * @ref:	epoll reference: socket, port, pif, family
 * @events:	epoll events
 * @now:	Current time
 */
void udp_listen_sock_handler(struct ctx *c, union epoll_ref ref,
			     uint32_t events, const struct timespec *now)
{
	/* #syscalls fcntl|fcntl64 getsockname */
	struct udp_listen_ref lr = udp_listen_ref_unpack(ref.data);
	unsigned int rounds = 0;
	int n;

	if (!(events & EPOLLIN))
		return;

	do {
		n = udp_recv_batch(ref.fd, true);
		udp_listen_batch(c, &lr, ref.fd, n, now);
	} while (n == UDP_MAX_FRAMES && ++rounds < UDP_RECV_ROUNDS);
}

/**
 * udp_icmp_to_guest() - Relay an ICMP error for a guest's datagram
 * @c:		Execution context
 * @uf:		Flow the datagram belonged to (guest on INISIDE)
 * @ee:		Extended error from the error queue
 * @data:	Payload of the datagram that caused it
 * @dlen:	Length of @data
 */
static void udp_icmp_to_guest(const struct ctx *c, struct udp_flow *uf,
			      const struct sock_extended_err *ee,
			      const uint8_t *data, size_t dlen)
{
	const struct flowside *g = &uf->f.side[INISIDE];
	struct {
		struct icmphdr ih;
		uint8_t quote[sizeof(struct ip6_hdr) + sizeof(struct udphdr) +
			      1232];
	} msg;
	struct udphdr *uh;
	size_t qlen;

	memset(&msg, 0, sizeof(msg.ih));
	if (inany_v4(&g->eaddr)) {
		struct in_addr gaddr = *inany_v4(&g->eaddr);
		struct in_addr dst = *inany_v4(&g->oaddr);

		if (ee->ee_origin != SO_EE_ORIGIN_ICMP)
			return;
		qlen = MIN(dlen, 548U - sizeof(struct iphdr) -
				 sizeof(struct udphdr));
		uh = tap_push_ip4h(msg.quote, gaddr, dst,
				   sizeof(*uh) + dlen, IPPROTO_UDP);
		msg.ih.type = ee->ee_type;
		msg.ih.code = ee->ee_code;
		if (ee->ee_type == ICMP_DEST_UNREACH &&
		    ee->ee_code == ICMP_FRAG_NEEDED)
			msg.ih.un.frag.mtu = htons(ee->ee_info);
		uh->source = htons(g->eport);
		uh->dest = htons(g->oport);
		uh->len = htons(sizeof(*uh) + dlen);
		uh->check = 0;
		memcpy(uh + 1, data, qlen);
		tap_icmp4_send(c, dst, gaddr, &msg, sizeof(msg.ih) +
			       sizeof(struct iphdr) + sizeof(*uh) + qlen);
	} else {
		struct icmp6_hdr *i6 = (struct icmp6_hdr *)&msg.ih;

		if (ee->ee_origin != SO_EE_ORIGIN_ICMP6)
			return;
		qlen = MIN(dlen, 1232U - sizeof(struct ip6_hdr) -
				 sizeof(struct udphdr));
		uh = tap_push_ip6h(msg.quote, &g->eaddr.a6, &g->oaddr.a6,
				   sizeof(*uh) + dlen, IPPROTO_UDP, 0);
		i6->icmp6_type = ee->ee_type;
		i6->icmp6_code = ee->ee_code;
		if (ee->ee_type == ICMP6_PACKET_TOO_BIG)
			i6->icmp6_mtu = htonl(ee->ee_info);
		uh->source = htons(g->eport);
		uh->dest = htons(g->oport);
		uh->len = htons(sizeof(*uh) + dlen);
		uh->check = 0;
		memcpy(uh + 1, data, qlen);
		tap_icmp6_send(c, &g->oaddr.a6, &g->eaddr.a6, &msg,
			       sizeof(struct icmp6_hdr) +
			       sizeof(struct ip6_hdr) + sizeof(*uh) + qlen);
	}
}

/**
 * udp_sock_errs() - Read the error queue of a reply socket, relay errors
 * @c:		Execution context
 * @uf:		Flow
 * @s:		Socket
 * @now:	Current time
 */
static void udp_sock_errs(const struct ctx *c, struct udp_flow *uf, int s,
			  const struct timespec *now)
{
	/* #syscalls recvmsg */
	static uint8_t data[1280];
	unsigned int n;

	for (n = 0; n < UDP_MAX_FRAMES; n++) {
		uint8_t cbuf[CMSG_SPACE(sizeof(struct sock_extended_err) +
					sizeof(struct sockaddr_in6))];
		struct iovec iov = { data, sizeof(data) };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		const struct sock_extended_err *ee;
		struct cmsghdr *cm;
		ssize_t len;

		len = recvmsg(s, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (len < 0)
			break;
		cm = CMSG_FIRSTHDR(&mh);
		if (!cm || !((cm->cmsg_level == IPPROTO_IP &&
			      cm->cmsg_type == IP_RECVERR) ||
			     (cm->cmsg_level == IPPROTO_IPV6 &&
			      cm->cmsg_type == IPV6_RECVERR)))
			continue;
		ee = (const struct sock_extended_err *)CMSG_DATA(cm);

		if (uf->f.pif[INISIDE] != PIF_TAP)
			continue;
		if (now->tv_sec != uf->last && uf->ttl_err)
			uf->ttl_err = 0;
		if (uf->ttl_err++ >= UDP_ERR_PER_SEC)
			continue;
		udp_icmp_to_guest(c, uf, ee, data, len);
	}
}

/**
 * udp_reply_sock_handler() - Datagrams or errors on a flow's reply socket
 * @c:		Execution context
 * @ref:	epoll reference: socket, flow and side
 * @events:	epoll events
 * @now:	Current time
 */
void udp_reply_sock_handler(struct ctx *c, union epoll_ref ref,
			    uint32_t events, const struct timespec *now)
{
	union flow *flow = flow_at_sidx(ref.flow);
	unsigned int side = ref.flow & 1;
	int n;

	if (!flow || flow->f.type != FLOW_UDP)
		return;

	if (events & EPOLLERR)
		udp_sock_errs(c, &flow->udp, ref.fd, now);

	if (events & EPOLLIN) {
		unsigned int rounds = 0;

		/* Full batches: more is probably waiting, read it now */
		do {
			n = udp_recv_batch(ref.fd, false);
			if (n > 0)
				udp_forward(c, &flow->udp, side, 0, n, now);
		} while (n == UDP_MAX_FRAMES && ++rounds < UDP_RECV_ROUNDS &&
			 flow->f.type == FLOW_UDP);
	}
}

/**
 * udp_timer() - Expire a flow that saw no datagram for UDP_TIMEOUT seconds
 * @c:		Execution context
 * @uf:		Flow whose timer fired
 * @now:	Current time
 */
void udp_timer(struct ctx *c, struct udp_flow *uf, const struct timespec *now)
{
	time_t idle_until = uf->last + UDP_TIMEOUT;

	if (now->tv_sec < idle_until) {
		flow_timer_set((union flow *)uf, (int64_t)idle_until * 1000);
		return;
	}
	udp_flow_close(c, uf);
}

/**
 * udp_listen_open() - Open the listening socket of one port and family
 * @c:		Execution context
 * @rule:	Forwarding rule the port belongs to
 * @out:	Direction: false for -u (host side), true for -U (namespace)
 * @v6:		IPv6 socket
 * @port:	Port
 *
 * Return: 0 on success, negative errno on failure
 */
static int udp_listen_open(const struct ctx *c, const struct fwd_rule *rule,
			   bool out, bool v6, uint16_t port)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_UDP_LISTEN };
	struct udp_listen_ref lr = {
		.port = port, .pif = out ? PIF_SPLICE : PIF_HOST, .v6 = v6,
	};
	struct udp_sock_req req = {
		.af = v6 ? AF_INET6 : AF_INET,
		.bind_port = port,
		.ifname = rule->ifname,
		.big_bufs = true,
	};
	int s;

	if (!inany_is_unspecified(&rule->addr))
		req.bind_addr = rule->addr;
	else if (out)
		req.bind_addr = v6 ? inany_loopback6 : inany_loopback4;
	else
		req.bind_addr = v6 ? inany_any6 : inany_any4;

	s = out ? ns_call(c, udp_sock_open, &req) : udp_sock_open(&req);
	if (s < 0)
		return -req.err;

	udp_listen_fd[out][v6][port] = s;
	ref.fd = s;
	ref.data = udp_listen_ref_pack(&lr);
	epoll_add(c, EPOLLIN, ref);
	return 0;
}

/**
 * udp_init() - Open the listening sockets of forwarded UDP ports
 * @c:		Execution context
 *
 * Return: 0 on success, -1 on failure (reported)
 */
int udp_init(struct ctx *c)
{
	unsigned int d, f, p;

	for (d = 0; d < 2; d++)
		for (f = 0; f < 2; f++)
			for (p = 0; p < NUM_PORTS; p++)
				udp_listen_fd[d][f][p] = -1;

	if (c->no_udp)
		return 0;

	/* Segmentation offload for spliced datagrams: Linux 4.18 and later */
	if (c->mode == MODE_PASTA) {
		int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), sz = 1000;

		udp_gso_ok = s >= 0 && !setsockopt(s, SOL_UDP, UDP_SEGMENT,
						   &sz, sizeof(sz));
		if (s >= 0)
			close(s);
	}

	if (fwd_listen_rules(c, &c->udp_in, false, udp_listen_open, "UDP"))
		return -1;
	if (c->mode == MODE_PASTA &&
	    fwd_listen_rules(c, &c->udp_out, true, udp_listen_open, "UDP"))
		return -1;
	udp_port_rescan(c, &c->now);
	return 0;
}

/**
 * udp_listen_flows_close() - Close the flows that arrived on a port whose
 *			      listening sockets go away ("auto")
 * @c:		Execution context
 * @out:	-U (namespace) rather than -u (host)
 * @port:	Port
 *
 * Their duplicates of the listening socket would keep the port bound, and
 * nothing would read them: the server behind the port is gone anyway.
 */
static void udp_listen_flows_close(const struct ctx *c, bool out,
				   unsigned int port)
{
	uint8_t pif = out ? PIF_SPLICE : PIF_HOST;
	unsigned int i;

	for (i = 0; i < FLOW_MAX; i++) {
		union flow *flow = &flowtab[i];

		if (flow->f.type == FLOW_UDP && flow->f.pif[INISIDE] == pif &&
		    flow->f.side[INISIDE].oport == port)
			udp_flow_close(c, &flow->udp);
	}
}

/**
 * udp_port_rescan() - Follow the bound ports of the other side for "auto"
 *		       forwarding (pasta), once a second
 * @c:		Execution context
 * @now:	Current time
 */
void udp_port_rescan(struct ctx *c, const struct timespec *now)
{
	if (udp_dropped)
		debug_ratelimit(now, "UDP: %lu datagrams dropped so far",
				udp_dropped);

	if (c->mode != MODE_PASTA || c->no_udp)
		return;

	if (c->udp_in.mode == FWD_AUTO)
		fwd_auto_sync(c, &c->udp_in, true, udp_listen_fd, false,
			      udp_listen_open, udp_listen_flows_close);
	if (c->udp_out.mode == FWD_AUTO)
		fwd_auto_sync(c, &c->udp_out, true, udp_listen_fd, true,
			      udp_listen_open, udp_listen_flows_close);
}
