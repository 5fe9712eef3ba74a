// SPDX-License-Identifier: GPL-2.0-or-later
/* tap.c - The guest side: frames in and out of the tap device or socket
 *
 * Theory of operation
 * ===================
 *
 * The guest is at the other end of a link that carries Ethernet frames:
 *
 * - passt: a UNIX domain stream socket.  qemu (-netdev stream) precedes each
 *   frame with its length as a 32-bit big-endian number.  A read returns any
 *   number of frames, and the last one may be cut short: what is left of it
 *   waits at the start of the buffer for the next read.  A length that can't
 *   be a frame (larger than FRAME_MAX) means the framing is lost: we drop the
 *   connection, and qemu reconnects.
 * - pasta: a tap device in the target namespace; each read() is one frame.
 *
 * Frames are read in bulk into one static buffer, then each one is checked
 * through the bounds-checked accessors of packet.h: Ethernet, then IPv4 or
 * IPv6 (with extension headers), then handed to the module for its protocol.
 * Malformed frames are dropped and counted by reason, and so are TCP, UDP,
 * ICMP and ICMPv6 packets with a wrong checksum; the counts are logged now
 * and then in debug mode.  IPv4 and IPv6 fragments go to ipfrag.c; once one
 * completes a datagram, that datagram is handled at once as a batch of its
 * own (after the packets batched before it), since its buffer is a
 * reassembly slot released right after.  We learn the guest's MAC and
 * addresses from the source fields of what it sends.
 *
 * Frames to the guest are built by the protocol modules as iovecs, each frame
 * led by a struct tap_hdr (4 bytes in passt mode, none in pasta mode), none
 * larger than the MTU (larger IP packets leave as fragments), and written in
 * bulk: one sendmsg() for many frames on the stream socket, one
 * writev() per frame on the tap device.  The stream socket is non-blocking:
 * if the kernel takes only part of a frame, the rest is kept and written
 * first when the socket can take more (EPOLLOUT); frames offered meanwhile
 * are dropped and counted, as a full queue would drop them.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <netinet/udp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>

#include "passt.h"
#include "arp.h"
#include "checksum.h"
#include "dhcp.h"
#include "dhcpv6.h"
#include "hdr.h"
#include "icmp.h"
#include "ipfrag.h"
#include "log.h"
#include "ndp.h"
#include "packet.h"
#include "pasta.h"
#include "pcap.h"
#include "tap.h"
#include "tcp.h"
#include "udp.h"

#define TAP_BUF_SIZE	(8UL << 20)	/* receive buffer, many frames */
#define TAP_FRAMES_MAX	4096		/* frames handled per batch */
#define TAP_IOV_MAX	1024		/* iovecs per sendmsg() */
#define TAP_SOCK_BUF	(8 << 20)	/* stream socket buffers, asked for */

static uint8_t tap_buf[TAP_BUF_SIZE];
static struct pkt tap_frames[TAP_FRAMES_MAX];

/* UDP and TCP packets of the current batch, in arrival order */
static struct tap_l3 tap_l4[TAP_FRAMES_MAX];
static size_t tap_l4_count;

/* Bytes of a partially written frame (passt), sent before anything else */
static uint8_t tap_pending[sizeof(struct tap_hdr) + FRAME_MAX];
static size_t tap_pending_len;

/**
 * struct tap_stats - Counters of what we dropped, by reason
 * @short_frame:	Frame shorter than its headers
 * @bad_len:		Bogus length prefix (passt)
 * @oversize:		Length prefix larger than any frame (passt)
 * @ethertype:		Not ARP, IPv4 or IPv6
 * @bad_ip:		Malformed IPv4/IPv6 header
 * @unhandled:		Protocol or message we don't handle
 * @bad_csum:		Wrong TCP, UDP, ICMP or ICMPv6 checksum
 * @out_dropped:	Frames to the guest dropped (queue full)
 */
static struct tap_stats {
	unsigned long short_frame;
	unsigned long bad_len;
	unsigned long oversize;
	unsigned long ethertype;
	unsigned long bad_ip;
	unsigned long unhandled;
	unsigned long bad_csum;
	unsigned long out_dropped;
} tap_stats;

/**
 * tap_stats_log() - Log the drop counters (debug level)
 */
void tap_stats_log(void)
{
	const struct tap_stats *s = &tap_stats;

	debug("tap: dropped: %lu short, %lu bad length, %lu oversize, "
	      "%lu ethertype, %lu bad IP, %lu unhandled, %lu bad checksum, "
	      "%lu bad access, %lu outbound",
	      s->short_frame, s->bad_len, s->oversize, s->ethertype,
	      s->bad_ip, s->unhandled, s->bad_csum, pkt_bad_access,
	      s->out_dropped);
	ipfrag_stats_log();
}

/**
 * tap_hdr_iov() - Fill the header of one frame and point an iovec at it
 * @c:		Execution context
 * @th:		Header to fill
 * @iov:	Iovec to set (zero length in pasta mode)
 * @l2len:	Frame length, from the Ethernet header onwards
 */
void tap_hdr_iov(const struct ctx *c, struct tap_hdr *th, struct iovec *iov,
		 size_t l2len)
{
	th->vnet_len = htonl(l2len);
	iov->iov_base = th;
	iov->iov_len = tap_hdr_len(c);
}

/**
 * tap_push_l2h() - Write an Ethernet header towards the guest
 * @c:		Execution context
 * @buf:	Where the header goes
 * @proto:	Ethertype, host order
 *
 * Return: pointer just past the header
 */
void *tap_push_l2h(const struct ctx *c, void *buf, uint16_t proto)
{
	struct ether_header *eh = buf;

	if (mac_is_zero(c->guest_mac))
		memset(eh->ether_dhost, 0xff, ETH_ALEN);
	else
		memcpy(eh->ether_dhost, c->guest_mac, ETH_ALEN);
	memcpy(eh->ether_shost, c->our_tap_mac, ETH_ALEN);
	eh->ether_type = htons(proto);
	return eh + 1;
}

/**
 * tap_push_ip4h() - Write an IPv4 header, with its checksum
 * @buf:	Where the header goes
 * @src:	Source address
 * @dst:	Destination address
 * @l4len:	Length of what follows the header
 * @proto:	Protocol number
 *
 * Return: pointer just past the header
 */
void *tap_push_ip4h(void *buf, struct in_addr src, struct in_addr dst,
		    size_t l4len, uint8_t proto)
{
	iphdr_u *ih = buf;
	uint16_t l3len = l4len + sizeof(*ih);

	ih->version = 4;
	ih->ihl = sizeof(*ih) / 4;
	ih->tos = 0;
	ih->tot_len = htons(l3len);
	ih->id = 0;
	ih->frag_off = htons(IP_DF);
	ih->ttl = 255;
	ih->protocol = proto;
	ih->saddr = src.s_addr;
	ih->daddr = dst.s_addr;
	ih->check = csum_ip4_header(l3len, proto, src, dst);
	return ih + 1;
}

/**
 * tap_push_ip6h() - Write an IPv6 header
 * @buf:	Where the header goes
 * @src:	Source address
 * @dst:	Destination address
 * @l4len:	Payload length
 * @proto:	Next header
 * @flow:	Flow label (20 bits)
 *
 * Return: pointer just past the header
 */
void *tap_push_ip6h(void *buf, const struct in6_addr *src,
		    const struct in6_addr *dst, size_t l4len, uint8_t proto,
		    uint32_t flow)
{
	ip6_hdr_u *ih = buf;

	ih->ip6_flow = htonl((6U << 28) | (flow & 0xfffff));
	ih->ip6_plen = htons(l4len);
	ih->ip6_nxt = proto;
	ih->ip6_hlim = 255;
	ih->ip6_src = *src;
	ih->ip6_dst = *dst;
	return ih + 1;
}

/**
 * tap_ip4_daddr() - Address of the guest for IPv4 frames we send it
 * @c:		Execution context
 *
 * Return: the address it last used, or the one we assigned
 */
struct in_addr tap_ip4_daddr(const struct ctx *c)
{
	if (c->ip4.addr_seen.s_addr)
		return c->ip4.addr_seen;
	return c->ip4.addr;
}

/**
 * tap_ip6_daddr() - Address of the guest for IPv6 frames we send it
 * @c:		Execution context
 * @src:	Source address of the frame: link-local goes to link-local
 *
 * Return: pointer to the guest's address to use
 */
const struct in6_addr *tap_ip6_daddr(const struct ctx *c,
				     const struct in6_addr *src)
{
	if (IN6_IS_ADDR_LINKLOCAL(src))
		return &c->ip6.addr_ll_seen;
	if (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr_seen))
		return &c->ip6.addr_seen;
	return &c->ip6.addr;
}

/* Buffer for single frames we make up: ARP, ICMP, DHCP, NDP replies */
static uint8_t tap_single_buf[FRAME_MAX];

/**
 * tap_icmp4_send() - Send an ICMP message to the guest
 * @c:		Execution context
 * @src:	Source address
 * @dst:	Destination address
 * @in:		ICMP header and payload, checksum to be filled here
 * @l4len:	Length of @in
 */
void tap_icmp4_send(const struct ctx *c, struct in_addr src,
		    struct in_addr dst, const void *in, size_t l4len)
{
	uint8_t *ip = tap_push_l2h(c, tap_single_buf, ETHERTYPE_IP);
	icmphdr_u *ih = tap_push_ip4h(ip, src, dst, l4len, IPPROTO_ICMP);

	if (l4len < sizeof(*ih) || l4len > FRAME_MAX - 34)
		return;
	memcpy(ih, in, l4len);
	csum_icmp4(ih, ih + 1, l4len - sizeof(*ih));
	tap_send_single(c, tap_single_buf, (uint8_t *)ih + l4len -
					   tap_single_buf);
}

/**
 * tap_icmp6_send() - Send an ICMPv6 message to the guest
 * @c:		Execution context
 * @src:	Source address
 * @dst:	Destination address
 * @in:		ICMPv6 header and payload, checksum to be filled here
 * @l4len:	Length of @in
 */
void tap_icmp6_send(const struct ctx *c, const struct in6_addr *src,
		    const struct in6_addr *dst, const void *in, size_t l4len)
{
	uint8_t *ip = tap_push_l2h(c, tap_single_buf, ETHERTYPE_IPV6);
	icmp6_hdr_u *ih = tap_push_ip6h(ip, src, dst, l4len,
					IPPROTO_ICMPV6, 0);

	if (l4len < sizeof(*ih) || l4len > FRAME_MAX - 54)
		return;
	memcpy(ih, in, l4len);
	csum_icmp6(ih, src, dst, ih + 1, l4len - sizeof(*ih));
	tap_send_single(c, tap_single_buf, (uint8_t *)ih + l4len -
					   tap_single_buf);
}

/**
 * tap_udp4_send() - Send a UDP datagram over IPv4 to the guest
 * @c:		Execution context
 * @src:	Source address
 * @sport:	Source port
 * @dst:	Destination address
 * @dport:	Destination port
 * @in:		Payload
 * @dlen:	Payload length
 */
void tap_udp4_send(const struct ctx *c, struct in_addr src, uint16_t sport,
		   struct in_addr dst, uint16_t dport,
		   const void *in, size_t dlen)
{
	size_t l4len = dlen + sizeof(struct udphdr);
	uint8_t *ip = tap_push_l2h(c, tap_single_buf, ETHERTYPE_IP);
	udphdr_u *uh = tap_push_ip4h(ip, src, dst, l4len, IPPROTO_UDP);
	struct iovec iov = { uh + 1, dlen };

	if (dlen > FRAME_MAX - 42)
		return;
	uh->source = htons(sport);
	uh->dest = htons(dport);
	uh->len = htons(l4len);
	memcpy(uh + 1, in, dlen);
	csum_udp4(uh, src, dst, &iov, 1, 0);
	tap_send_single(c, tap_single_buf, (uint8_t *)(uh + 1) + dlen -
					   tap_single_buf);
}

/**
 * tap_udp6_send() - Send a UDP datagram over IPv6 to the guest
 * @c:		Execution context
 * @src:	Source address
 * @sport:	Source port
 * @dst:	Destination address
 * @dport:	Destination port
 * @flow:	Flow label
 * @in:		Payload
 * @dlen:	Payload length
 */
void tap_udp6_send(const struct ctx *c, const struct in6_addr *src,
		   uint16_t sport, const struct in6_addr *dst, uint16_t dport,
		   uint32_t flow, const void *in, size_t dlen)
{
	size_t l4len = dlen + sizeof(struct udphdr);
	uint8_t *ip = tap_push_l2h(c, tap_single_buf, ETHERTYPE_IPV6);
	udphdr_u *uh = tap_push_ip6h(ip, src, dst, l4len, IPPROTO_UDP, flow);
	struct iovec iov = { uh + 1, dlen };

	if (dlen > FRAME_MAX - 62)
		return;
	uh->source = htons(sport);
	uh->dest = htons(dport);
	uh->len = htons(l4len);
	memcpy(uh + 1, in, dlen);
	csum_udp6(uh, src, dst, &iov, 1, 0);
	tap_send_single(c, tap_single_buf, (uint8_t *)(uh + 1) + dlen -
					   tap_single_buf);
}

/**
 * tap_send_frag() - Send a frame we made, larger than the MTU, as fragments
 * @c:		Execution context
 * @data:	Frame: Ethernet, IPv4 header without options or IPv6 header
 *		without extension headers, then the IP payload
 * @l2len:	Frame length
 *
 * Return: number of fragments sent, 0 if the frame isn't IP
 */
static size_t tap_send_frag(const struct ctx *c, const uint8_t *data,
			    size_t l2len)
{
	size_t hlen = ETH_HLEN;
	struct iovec iov;
	uint16_t type;
	bool v6;

	memcpy(&type, data + offsetof(struct ether_header, ether_type),
	       sizeof(type));
	v6 = ntohs(type) == ETHERTYPE_IPV6;
	if (!v6 && ntohs(type) != ETHERTYPE_IP)
		return 0;
	hlen += v6 ? sizeof(struct ip6_hdr) : sizeof(struct iphdr);
	if (l2len < hlen)
		return 0;

	iov.iov_base = (uint8_t *)data + hlen;
	iov.iov_len = l2len - hlen;
	return ipfrag_send(c, data, v6, &iov, 1, tap_mtu(c));
}

/**
 * tap_send_single() - Send one frame to the guest
 * @c:		Execution context
 * @data:	Frame, from the Ethernet header
 * @l2len:	Frame length
 *
 * A frame larger than the MTU leaves as IP fragments.
 *
 * Return: number of frames sent: 0 or 1, or the number of fragments
 */
size_t tap_send_single(const struct ctx *c, const void *data, size_t l2len)
{
	struct tap_hdr th;
	struct iovec iov[2];

	if (l2len > ETH_HLEN + tap_mtu(c))
		return tap_send_frag(c, data, l2len);

	tap_hdr_iov(c, &th, &iov[0], l2len);
	iov[1].iov_base = (void *)data;
	iov[1].iov_len = l2len;
	return tap_send_frames(c, iov, 2, 1);
}

/**
 * iov_bytes() - Total length of an iovec array
 * @iov:	Array
 * @n:		Entries
 *
 * Return: sum of the lengths
 */
static size_t iov_bytes(const struct iovec *iov, size_t n)
{
	size_t i, len = 0;

	for (i = 0; i < n; i++)
		len += iov[i].iov_len;
	return len;
}

/**
 * tap_pending_keep() - Keep the unsent rest of a frame, for EPOLLOUT
 * @c:		Execution context
 * @frame:	The frame's iovecs (header included)
 * @parts:	Number of iovecs in the frame
 * @sent:	Bytes of the frame already sent
 */
static void tap_pending_keep(const struct ctx *c, const struct iovec *frame,
			     size_t parts, size_t sent)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_TAP_PASST, .fd = c->fd_tap };
	size_t i, off = 0;

	tap_pending_len = 0;
	for (i = 0; i < parts; i++) {
		const uint8_t *base = frame[i].iov_base;
		size_t len = frame[i].iov_len;

		if (off + len > sent) {
			size_t skip = sent > off ? sent - off : 0;

			memcpy(tap_pending + tap_pending_len, base + skip,
			       len - skip);
			tap_pending_len += len - skip;
		}
		off += len;
	}
	epoll_mod(c, EPOLLIN | EPOLLRDHUP | EPOLLOUT, ref);
}

/**
 * tap_pending_flush() - Write what is left of a partially sent frame
 * @c:		Execution context
 *
 * Return: 0 if nothing is pending any more, -1 if some still is
 */
static int tap_pending_flush(const struct ctx *c)
{
	/* #syscalls:passt send|sendto */
	union epoll_ref ref = { .type = EPOLL_TYPE_TAP_PASST, .fd = c->fd_tap };
	ssize_t n;

	if (!tap_pending_len)
		return 0;

	n = send(c->fd_tap, tap_pending, tap_pending_len,
		 MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0)
		return -1;
	memmove(tap_pending, tap_pending + n, tap_pending_len - n);
	tap_pending_len -= n;
	if (tap_pending_len)
		return -1;

	epoll_mod(c, EPOLLIN | EPOLLRDHUP, ref);
	return 0;
}

/**
 * tap_send_frames_passt() - Send frames on the stream socket
 * @c:		Execution context
 * @iov:	Frames, each @bufs_per_frame iovecs led by a struct tap_hdr
 * @bufs_per_frame: Iovecs per frame
 * @nframes:	Number of frames
 *
 * Return: number of frames sent whole or kept for completion
 */
static size_t tap_send_frames_passt(const struct ctx *c,
				    const struct iovec *iov,
				    size_t bufs_per_frame, size_t nframes)
{
	/* #syscalls:passt sendmsg */
	size_t per_call = TAP_IOV_MAX / bufs_per_frame, done = 0;

	if (tap_pending_flush(c))
		return 0;

	while (done < nframes) {
		size_t n = MIN(per_call, nframes - done), i;
		const struct iovec *first = iov + done * bufs_per_frame;
		struct msghdr mh = {
			.msg_iov = (struct iovec *)first,
			.msg_iovlen = n * bufs_per_frame,
		};
		ssize_t sent = sendmsg(c->fd_tap, &mh,
				       MSG_NOSIGNAL | MSG_DONTWAIT);

		if (sent < 0)
			return done;

		for (i = 0; i < n; i++) {
			const struct iovec *f = first + i * bufs_per_frame;
			size_t flen = iov_bytes(f, bufs_per_frame);

			if ((size_t)sent < flen) {
				if (sent > 0) {
					tap_pending_keep(c, f, bufs_per_frame,
							 sent);
					return done + i + 1;
				}
				return done + i;
			}
			sent -= flen;
		}
		done += n;
	}
	return done;
}

/**
 * tap_send_frames() - Send frames to the guest, in bulk
 * @c:		Execution context
 * @iov:	Frames, each @bufs_per_frame iovecs led by a struct tap_hdr
 * @bufs_per_frame: Iovecs per frame
 * @nframes:	Number of frames
 *
 * Return: number of frames sent; the others are dropped and counted
 */
size_t tap_send_frames(const struct ctx *c, const struct iovec *iov,
		       size_t bufs_per_frame, size_t nframes)
{
	/* #syscalls writev write */
	size_t sent = 0, i;

	if (!nframes || c->fd_tap < 0)
		return 0;

	if (c->mode == MODE_PASST) {
		sent = tap_send_frames_passt(c, iov, bufs_per_frame, nframes);
	} else {
		for (i = 0; i < nframes; i++) {
			const struct iovec *f = iov + i * bufs_per_frame;

			if (writev(c->fd_tap, f, bufs_per_frame) < 0)
				break;
			sent++;
		}
	}

	pcap_multiple(iov, bufs_per_frame, sent, tap_hdr_len(c));
	tap_stats.out_dropped += nframes - sent;
	return sent;
}

/**
 * tap_learn_mac() - Remember the guest's MAC from a frame's source
 * @c:		Execution context
 * @src:	Source MAC of a frame from the guest
 */
static void tap_learn_mac(struct ctx *c, const uint8_t *src)
{
	char buf[MAC_STRLEN];

	if (src[0] & 1 || !memcmp(c->guest_mac, src, ETH_ALEN))
		return;		/* multicast source, or known */
	memcpy(c->guest_mac, src, ETH_ALEN);
	debug("Guest MAC address: %s", mac_ntop(src, buf, sizeof(buf)));
}

/**
 * tap_parse_ip4() - Validate an IPv4 frame and fill its layer 3 view
 * @c:		Execution context
 * @eth:	Frame, from the Ethernet header
 * @l3:		View to fill
 *
 * Return: 0 if valid, 1 if valid and a fragment, -1 if dropped (counted)
 */
static int tap_parse_ip4(struct ctx *c, const struct pkt *eth,
			 struct tap_l3 *l3)
{
	const iphdr_u *ih;
	size_t hlen, tot;

	if (pkt_sub(eth, ETH_HLEN, &l3->l3) ||
	    !(ih = pkt_get(&l3->l3, 0, sizeof(*ih))))
		goto bad;

	hlen = ih->ihl * 4UL;
	tot = ntohs(ih->tot_len);
	if (ih->version != 4 || hlen < sizeof(*ih) || tot < hlen ||
	    pkt_trim(&l3->l3, tot) || pkt_sub(&l3->l3, hlen, &l3->l4))
		goto bad;

	l3->af = AF_INET;
	l3->proto = ih->protocol;
	inany_from_v4(&l3->saddr, (struct in_addr){ ih->saddr });
	inany_from_v4(&l3->daddr, (struct in_addr){ ih->daddr });
	l3->eth = *eth;
	l3->eth.len = ETH_HLEN + tot;

	if (ih->saddr && ih->saddr != INADDR_BROADCAST &&
	    !IN_MULTICAST(ntohl(ih->saddr)))
		c->ip4.addr_seen.s_addr = ih->saddr;
	return !!(ntohs(ih->frag_off) & (IP_MF | IP_OFFMASK));
bad:
	tap_stats.bad_ip++;
	return -1;
}

/**
 * ip6_skip_ext() - Skip IPv6 extension headers
 * @l3:		From the IPv6 header; its l4 and proto are set here
 * @nh:		Next header field of the fixed header
 *
 * A Fragment header ends the walk: @l3->proto is then IPPROTO_FRAGMENT, and
 * @l3->l4 starts at the Fragment header.
 *
 * Return: 0 on success, -1 for malformed headers
 */
static int ip6_skip_ext(struct tap_l3 *l3, uint8_t nh)
{
	size_t off = sizeof(struct ip6_hdr);
	unsigned int n;

	for (n = 0; n < 16; n++) {
		const uint8_t *ext;

		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING &&
		    nh != IPPROTO_DSTOPTS)
			break;
		if (!(ext = pkt_get(&l3->l3, off, 8)))
			goto bad;
		nh = ext[0];
		off += (ext[1] + 1) * 8UL;
	}
	if (n == 16 || nh == IPPROTO_NONE || pkt_sub(&l3->l3, off, &l3->l4))
		goto bad;
	l3->proto = nh;
	return 0;
bad:
	tap_stats.bad_ip++;
	return -1;
}

/**
 * tap_parse_ip6() - Validate an IPv6 frame and fill its layer 3 view
 * @c:		Execution context
 * @eth:	Frame, from the Ethernet header
 * @l3:		View to fill
 *
 * Return: 0 if valid, 1 if valid and a fragment, -1 if dropped (counted)
 */
static int tap_parse_ip6(struct ctx *c, const struct pkt *eth,
			 struct tap_l3 *l3)
{
	const ip6_hdr_u *ih;
	size_t plen;

	if (pkt_sub(eth, ETH_HLEN, &l3->l3) ||
	    !(ih = pkt_get(&l3->l3, 0, sizeof(*ih))))
		goto bad;

	plen = ntohs(ih->ip6_plen);
	if ((ih->ip6_vfc >> 4) != 6 || !plen ||
	    pkt_trim(&l3->l3, sizeof(*ih) + plen))
		goto bad;

	l3->af = AF_INET6;
	l3->saddr.a6 = ih->ip6_src;
	l3->daddr.a6 = ih->ip6_dst;
	l3->eth = *eth;
	l3->eth.len = ETH_HLEN + sizeof(*ih) + plen;
	if (ip6_skip_ext(l3, ih->ip6_nxt))
		return -1;

	if (IN6_IS_ADDR_LINKLOCAL(&l3->saddr.a6))
		c->ip6.addr_ll_seen = l3->saddr.a6;
	else if (!IN6_IS_ADDR_UNSPECIFIED(&l3->saddr.a6) &&
		 !IN6_IS_ADDR_MULTICAST(&l3->saddr.a6))
		c->ip6.addr_seen = l3->saddr.a6;
	return l3->proto == IPPROTO_FRAGMENT;
bad:
	tap_stats.bad_ip++;
	return -1;
}

/**
 * tap_l4_csum_ok() - Check the checksum of a packet from the guest
 * @l3:		Layer 3 view
 * @now:	Current time
 *
 * Frames from qemu's stream and from our tap device (no IFF_VNET_HDR) carry
 * complete checksums: a wrong one means corruption, the packet goes.
 *
 * Return: true if right (or not checked), false if wrong (counted)
 */
static bool tap_l4_csum_ok(const struct tap_l3 *l3,
			   const struct timespec *now)
{
	const void *src = &l3->saddr.a6, *dst = &l3->daddr.a6;
	char buf[INANY_ADDRSTRLEN];

	if (l3->af == AF_INET) {
		src = &l3->saddr.v4mapped.a4;
		dst = &l3->daddr.v4mapped.a4;
	}
	if (csum_l4_ok(l3->af, l3->proto, src, dst, l3->l4.data, l3->l4.len))
		return true;

	tap_stats.bad_csum++;
	debug_ratelimit(now, "tap: wrong checksum, protocol %u from %s: "
			"dropped (%lu so far)", l3->proto,
			inany_ntop(&l3->saddr, buf, sizeof(buf)),
			tap_stats.bad_csum);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	return true;	/* fuzzed frames go on to the parsers behind */
#else
	return false;
#endif
}

/**
 * tap_l4_dispatch() - Hand a validated IP packet to its protocol's module
 * @c:		Execution context
 * @l3:		Layer 3 view
 * @now:	Current time
 */
static void tap_l4_dispatch(struct ctx *c, const struct tap_l3 *l3,
			    const struct timespec *now)
{
	const udphdr_u *uh;
	int handled = 0;

	if (!tap_l4_csum_ok(l3, now))
		return;

	switch (l3->proto) {
	case IPPROTO_ICMP:
		if (l3->af == AF_INET)
			handled = icmp_tap_handler(c, l3, now);
		break;
	case IPPROTO_ICMPV6:
		if (l3->af == AF_INET6)
			handled = ndp(c, l3) || icmp_tap_handler(c, l3, now);
		break;
	case IPPROTO_UDP:
		uh = pkt_get(&l3->l4, 0, sizeof(*uh));
		if (!uh)
			break;
		if (l3->af == AF_INET && ntohs(uh->dest) == 67)
			handled = dhcp(c, l3);
		else if (l3->af == AF_INET6 && ntohs(uh->dest) == 547)
			handled = dhcpv6(c, l3);
		if (!handled && !c->no_udp) {
			tap_l4[tap_l4_count++] = *l3;
			handled = 1;
		}
		break;
	case IPPROTO_TCP:
		if (!c->no_tcp) {
			tap_l4[tap_l4_count++] = *l3;
			handled = 1;
		}
		break;
	default:
		break;
	}

	if (!handled)
		tap_stats.unhandled++;
}

/**
 * tap_l4_same_flow() - Do two packets have the same addresses and ports?
 * @a:		First packet
 * @b:		Second packet
 *
 * Return: true if protocol, addresses and ports are equal
 */
static bool tap_l4_same_flow(const struct tap_l3 *a, const struct tap_l3 *b)
{
	const void *pa = pkt_get(&a->l4, 0, 4), *pb = pkt_get(&b->l4, 0, 4);

	return pa && pb && a->proto == b->proto && !memcmp(pa, pb, 4) &&
	       inany_equals(&a->saddr, &b->saddr) &&
	       inany_equals(&a->daddr, &b->daddr);
}

/**
 * tap_l4_flush() - Hand the batched UDP and TCP packets to their modules,
 *		    consecutive packets of one flow together
 * @c:		Execution context
 * @now:	Current time
 */
static void tap_l4_flush(struct ctx *c, const struct timespec *now)
{
	size_t start = 0, end;

	while (start < tap_l4_count) {
		const struct tap_l3 *first = &tap_l4[start];

		for (end = start + 1; end < tap_l4_count; end++) {
			if (!tap_l4_same_flow(first, &tap_l4[end]))
				break;
		}

		if (first->proto == IPPROTO_UDP)
			udp_tap_handler(c, first, end - start, now);
		else
			tcp_tap_handler(c, first, end - start, now);
		start = end;
	}
	tap_l4_count = 0;
}

/**
 * tap_parse_ip() - Validate an IPv4 or IPv6 frame and fill its layer 3 view
 * @c:		Execution context
 * @type:	Ethertype, ETHERTYPE_IP or ETHERTYPE_IPV6
 * @eth:	Frame, from the Ethernet header
 * @l3:		View to fill
 *
 * Return: 0 if valid, 1 if valid and a fragment, -1 if dropped (counted,
 *	   unless the family is disabled)
 */
static int tap_parse_ip(struct ctx *c, uint16_t type, const struct pkt *eth,
			struct tap_l3 *l3)
{
	if (type == ETHERTYPE_IP)
		return c->v4 ? tap_parse_ip4(c, eth, l3) : -1;
	return c->v6 ? tap_parse_ip6(c, eth, l3) : -1;
}

/**
 * tap_defrag() - Add a fragment to its datagram, handle the datagram once
 *		  complete
 * @c:		Execution context
 * @eth:	Frame of the fragment, from the Ethernet header
 * @l3:		Its layer 3 view, from tap_parse_ip()
 * @now:	Current time
 *
 * The complete datagram lives in its reassembly slot until released: it is
 * handled at once as its own batch, after the packets batched before it
 * (same order as they came), and the slot is released right after.
 */
static void tap_defrag(struct ctx *c, const struct pkt *eth,
		       const struct tap_l3 *l3, const struct timespec *now)
{
	uint16_t type = l3->af == AF_INET ? ETHERTYPE_IP : ETHERTYPE_IPV6;
	struct tap_l3 wl3 = { 0 };
	struct pkt whole;
	int slot, rc;

	if (l3->af == AF_INET)
		slot = ipfrag4(eth, &l3->l3, now, &whole);
	else
		slot = ipfrag6(eth, &l3->l3, l3->l4.data - l3->l3.data, now,
			       &whole);
	if (slot < 0)
		return;

	tap_l4_flush(c, now);
	rc = tap_parse_ip(c, type, &whole, &wl3);
	if (!rc)
		tap_l4_dispatch(c, &wl3, now);
	else if (rc > 0)	/* a fragment inside a fragment */
		tap_stats.bad_ip++;
	tap_l4_flush(c, now);
	ipfrag_release(slot);
}

/**
 * tap_frame() - Check one frame from the guest and hand it on
 * @c:		Execution context
 * @eth:	Frame, from the Ethernet header
 * @now:	Current time
 */
static void tap_frame(struct ctx *c, const struct pkt *eth,
		      const struct timespec *now)
{
	const struct ether_header *eh = pkt_get(eth, 0, ETH_HLEN);
	struct tap_l3 l3 = { 0 };
	uint16_t type;
	int rc;

	if (!eh) {
		tap_stats.short_frame++;
		return;
	}
	tap_learn_mac(c, eh->ether_shost);

	type = ntohs(eh->ether_type);
	switch (type) {
	case ETHERTYPE_ARP:
		if (!arp(c, eth))
			tap_stats.unhandled++;
		return;
	case ETHERTYPE_IP:
	case ETHERTYPE_IPV6:
		rc = tap_parse_ip(c, type, eth, &l3);
		break;
	default:
		tap_stats.ethertype++;
		return;
	}

	if (rc > 0)
		tap_defrag(c, eth, &l3, now);
	else if (!rc)
		tap_l4_dispatch(c, &l3, now);
}

/**
 * tap_frames_handle() - Handle a batch of frames from the guest
 * @c:		Execution context
 * @n:		Number of frames in tap_frames[]
 * @now:	Current time
 */
static void tap_frames_handle(struct ctx *c, size_t n,
			      const struct timespec *now)
{
	size_t i;

	for (i = 0; i < n; i++) {
		pcap_frame(tap_frames[i].data, tap_frames[i].len);
		tap_frame(c, &tap_frames[i], now);
	}
	tap_l4_flush(c, now);
}

/**
 * tap_passt_split() - Cut the stream in the buffer into frames
 * @len:	Bytes in tap_buf
 * @nframes:	Number of frames found, set on return
 * @used:	Bytes consumed (whole frames and skipped garbage), set on return
 *
 * Return: 0 on success, -1 if a length prefix can't be a frame: the framing
 *	   is lost and the connection must go
 */
static int tap_passt_split(size_t len, size_t *nframes, size_t *used)
{
	size_t off = 0, n = 0;

	while (len - off >= sizeof(uint32_t) && n < TAP_FRAMES_MAX) {
		uint32_t flen;

		memcpy(&flen, tap_buf + off, sizeof(flen));
		flen = ntohl(flen);

		if (flen > FRAME_MAX) {
			tap_stats.oversize++;
			warn("Guest sent a frame length of %u bytes (maximum %u):"
			     " stream out of sync, resetting the connection",
			     flen, FRAME_MAX);
			return -1;
		}
		if (len - off - sizeof(uint32_t) < flen)
			break;		/* rest of the frame still to come */

		off += sizeof(uint32_t);
		if (flen < ETH_HLEN) {
			tap_stats.bad_len++;
		} else {
			tap_frames[n].data = tap_buf + off;
			tap_frames[n].len = flen;
			n++;
		}
		off += flen;
	}

	*nframes = n;
	*used = off;
	return 0;
}

/**
 * tap_passt_frames() - Handle every whole frame in tap_buf, batch by batch
 * @c:		Execution context
 * @len:	Bytes in tap_buf
 * @now:	Current time
 *
 * A read may bring more than TAP_FRAMES_MAX frames: the rest must not wait
 * for the next read, which might never come (a guest waiting for our ACKs).
 *
 * Return: bytes of an incomplete frame, now at the start of tap_buf, or -1 if
 *	   the stream is out of sync
 */
static ssize_t tap_passt_frames(struct ctx *c, size_t len,
				const struct timespec *now)
{
	size_t nframes, used;

	do {
		if (tap_passt_split(len, &nframes, &used))
			return -1;
		tap_frames_handle(c, nframes, now);
		len -= used;
		memmove(tap_buf, tap_buf + used, len);
	} while (nframes == TAP_FRAMES_MAX);

	return len;
}

/* Bytes of an incomplete frame kept at the start of tap_buf (passt) */
static size_t tap_partial;

/**
 * tap_sock_reset() - Drop the guest's connection (passt)
 * @c:		Execution context
 */
static void tap_sock_reset(struct ctx *c)
{
	/* #syscalls close */
	info("Client connection closed%s", c->one_off ? ", exiting" : "");

	if (c->fd_tap >= 0) {
		epoll_del(c, c->fd_tap);
		close(c->fd_tap);
	}
	c->fd_tap = -1;
	tap_partial = 0;
	tap_pending_len = 0;
	memset(c->guest_mac, 0, sizeof(c->guest_mac));

	if (c->one_off || c->fd_tap_listen < 0) {
		c->quit = true;
		c->exit_status = 0;
	}
}

/**
 * tap_handler_passt() - Read and handle frames from qemu's stream socket
 * @c:		Execution context
 * @events:	epoll events
 * @now:	Current time
 */
void tap_handler_passt(struct ctx *c, uint32_t events,
		       const struct timespec *now)
{
	/* #syscalls:passt recv|recvfrom */
	unsigned int rounds;

	if (events & EPOLLOUT)
		tap_pending_flush(c);

	if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		return;

	for (rounds = 0; rounds < 8; rounds++) {
		ssize_t n, left;

		n = recv(c->fd_tap, tap_buf + tap_partial,
			 TAP_BUF_SIZE - tap_partial, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			tap_sock_reset(c);
			return;
		}
		if (n < 0)
			break;

		left = tap_passt_frames(c, tap_partial + n, now);
		if (left < 0) {
			tap_sock_reset(c);
			return;
		}
		tap_partial = left;
	}
}

/**
 * tap_input() - Handle bytes as if read from qemu's stream: for fuzzing and
 *		 tests, which feed arbitrary data without a socket
 * @c:		Execution context
 * @data:	Stream bytes (length-prefixed frames)
 * @len:	Number of bytes
 * @now:	Current time
 *
 * Return: 0 if all was consumed, -1 if the stream was found out of sync
 */
int tap_input(struct ctx *c, const uint8_t *data, size_t len,
	      const struct timespec *now)
{
	len = MIN(len, TAP_BUF_SIZE);
	memcpy(tap_buf, data, len);
	return tap_passt_frames(c, len, now) < 0 ? -1 : 0;
}

/**
 * tap_pasta_frame() - Take one frame read from the tap device into the batch
 * @off:	Offset of the frame in tap_buf, moved past it if taken
 * @len:	Length read
 * @n:		Number of frames in tap_frames, updated
 *
 * A read from the tap device is one whole frame: all there is to check is
 * that it holds an Ethernet header at least.
 */
static void tap_pasta_frame(size_t *off, size_t len, size_t *n)
{
	if (len < ETH_HLEN) {
		tap_stats.short_frame++;
		return;
	}

	tap_frames[*n].data = tap_buf + *off;
	tap_frames[*n].len = len;
	(*n)++;
	*off += ROUND_UP(len, 64);
}

/**
 * tap_input_pasta() - Handle frames as if read one by one from the tap
 *		       device: for fuzzing, which has no tap device
 * @c:		Execution context
 * @data:	Frames, each behind its length (4 bytes, big-endian, as in
 *		passt's stream): one read() each, cut to FRAME_MAX as read()
 *		would; a length beyond the end of @data takes what's left
 * @len:	Number of bytes
 * @now:	Current time
 */
void tap_input_pasta(struct ctx *c, const uint8_t *data, size_t len,
		     const struct timespec *now)
{
	size_t off = 0, n = 0;

	while (len >= sizeof(uint32_t)) {
		uint32_t flen;
		size_t take;

		memcpy(&flen, data, sizeof(flen));
		data += sizeof(flen);
		len -= sizeof(flen);
		take = MIN(MIN((size_t)ntohl(flen), len), (size_t)FRAME_MAX);

		if (n == TAP_FRAMES_MAX || TAP_BUF_SIZE - off < FRAME_MAX) {
			tap_frames_handle(c, n, now);
			off = n = 0;
		}
		memcpy(tap_buf + off, data, take);
		tap_pasta_frame(&off, take, &n);

		take = MIN((size_t)ntohl(flen), len);
		data += take;
		len -= take;
	}

	if (n)
		tap_frames_handle(c, n, now);
}

/**
 * tap_handler_pasta() - Read and handle frames from the tap device
 * @c:		Execution context
 * @events:	epoll events
 * @now:	Current time
 */
void tap_handler_pasta(struct ctx *c, uint32_t events,
		       const struct timespec *now)
{
	/* #syscalls:pasta read */
	unsigned int rounds;

	if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		die("Disconnected from the tap device in the namespace");
	if (!(events & EPOLLIN))
		return;

	for (rounds = 0; rounds < 8; rounds++) {
		size_t off = 0, n = 0;

		while (n < TAP_FRAMES_MAX && TAP_BUF_SIZE - off >= FRAME_MAX) {
			ssize_t len = read(c->fd_tap, tap_buf + off, FRAME_MAX);

			if (len < 0)
				break;
			tap_pasta_frame(&off, (size_t)len, &n);
		}
		if (!n)
			break;
		tap_frames_handle(c, n, now);
	}
}

/**
 * tap_sock_unix_bind() - Create and bind the listening UNIX socket (passt)
 * @c:		Execution context, sock_path set or picked here
 *
 * Return: the listening socket; exits on failure
 */
static int tap_sock_unix_bind(struct ctx *c)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, i;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		die_perror("Can't create a UNIX domain socket");

	if (*c->sock_path) {
		if (strlen(c->sock_path) >= sizeof(addr.sun_path))
			die("Socket path too long: %s", c->sock_path);
		strcpy(addr.sun_path, c->sock_path);
		unlink(c->sock_path);
		if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)))
			die_perror("Can't bind UNIX domain socket at %s",
				   c->sock_path);
		return fd;
	}

	for (i = 1; i <= UNIX_SOCK_MAX; i++) {
		snprintf(addr.sun_path, sizeof(addr.sun_path), UNIX_SOCK_PATH,
			 i);
		if (!bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
			strcpy(c->sock_path, addr.sun_path);
			return fd;
		}
		if (errno != EADDRINUSE)
			break;
	}
	die_perror("Can't bind a UNIX domain socket like " UNIX_SOCK_PATH,
		   i);
}

/**
 * tap_sock_bufs() - Make the stream socket's buffers as large as allowed
 * @fd:		Connected stream socket (passt)
 *
 * Frames we can't write are lost: a burst (answers to a flood, a window of
 * data) must fit.  The kernel caps the sizes at net.core.wmem_max and
 * rmem_max.
 */
static void tap_sock_bufs(int fd)
{
	int sz = TAP_SOCK_BUF;

	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
}

/**
 * tap_sock_passt_init() - Listen for qemu, or take the socket given by --fd
 * @c:		Execution context
 */
static void tap_sock_passt_init(struct ctx *c)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_TAP_LISTEN };

	if (c->fd_given >= 0) {
		c->fd_tap = c->fd_given;
		c->fd_tap_listen = -1;
		fd_set_nonblock(c->fd_tap);
		tap_sock_bufs(c->fd_tap);
		ref.type = EPOLL_TYPE_TAP_PASST;
		ref.fd = c->fd_tap;
		epoll_add(c, EPOLLIN | EPOLLRDHUP, ref);
		info("Using file descriptor %i for the guest", c->fd_tap);
		return;
	}

	c->fd_tap_listen = tap_sock_unix_bind(c);
	if (listen(c->fd_tap_listen, 0))
		die_perror("Can't listen on UNIX domain socket %s",
			   c->sock_path);

	ref.fd = c->fd_tap_listen;
	epoll_add(c, EPOLLIN, ref);

	info("UNIX domain socket bound at %s", c->sock_path);
	info("You can now start qemu (>= 7.2, with commit 13c6be96618c):");
	info("    kvm ... -device virtio-net-pci,netdev=s "
	     "-netdev stream,id=s,server=off,addr.type=unix,addr.path=%s",
	     c->sock_path);
}

/**
 * tap_listen_handler() - Accept qemu's connection (passt)
 * @c:		Execution context
 * @events:	epoll events
 */
void tap_listen_handler(struct ctx *c, uint32_t events)
{
	/* #syscalls:passt accept4 close setsockopt getsockopt */
	union epoll_ref ref = { .type = EPOLL_TYPE_TAP_PASST };
	struct sockaddr_un peer;
	socklen_t sl = sizeof(peer);
	int fd;

	if (!(events & EPOLLIN))
		return;

	fd = accept4(c->fd_tap_listen, (struct sockaddr *)&peer, &sl,
		     SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;

	if (c->fd_tap >= 0) {
		info("Refusing a second guest connection: one is active");
		close(fd);
		return;
	}

	c->fd_tap = fd;
	tap_sock_bufs(fd);
	ref.fd = fd;
	epoll_add(c, EPOLLIN | EPOLLRDHUP, ref);
	info("Accepted connection from the guest");

	if (c->one_off) {
		epoll_del(c, c->fd_tap_listen);
		close(c->fd_tap_listen);
		c->fd_tap_listen = -1;
		path_unlink(c->sock_dir, c->sock_path);
		c->sock_dir = -1;
	}
}

/**
 * tap_sock_init() - Set up the guest side: socket (passt) or tap (pasta)
 * @c:		Execution context
 */
void tap_sock_init(struct ctx *c)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_TAP_PASTA };

	c->fd_tap = -1;
	if (c->mode == MODE_PASST) {
		tap_sock_passt_init(c);
		return;
	}

	c->fd_tap = pasta_tap_open(c);
	ref.fd = c->fd_tap;
	epoll_add(c, EPOLLIN | EPOLLRDHUP, ref);
}
