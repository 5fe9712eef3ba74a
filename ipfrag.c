// SPDX-License-Identifier: GPL-2.0-or-later
/* ipfrag.c - IPv4 and IPv6 fragments: reassembly from the guest,
 *	      fragmentation towards it
 *
 * Theory of operation
 * ===================
 *
 * We terminate Layer 4, so a datagram the guest's kernel cut into fragments
 * (a UDP datagram larger than the MTU, a large ping) must be whole before its
 * protocol module can see it, as a router that reassembles would make it.
 *
 * Reassembly: a fixed table of IPFRAG_SLOTS slots, static like everything
 * else.  A slot is one datagram being put together, keyed by family, source,
 * destination, protocol and identification (RFC 791; RFC 8200 section 4.5
 * for the IPv6 Fragment header).  It holds a buffer for the largest IP
 * payload, with room in front for the Ethernet and IP headers we rebuild,
 * and three bitmaps over the payload's 8-byte blocks: which blocks hold
 * data, and in which block each fragment received starts and ends.  Data is
 * copied to its place as it comes, in any order.
 *
 * - A fragment that isn't the last one must carry a multiple of 8 bytes, and
 *   none may end beyond 65535 bytes of IP packet (counting the header it
 *   came with): such fragments are dropped, the latter with their datagram.
 * - A fragment whose blocks are already taken is an exact duplicate if a
 *   fragment with the same start and end was received: it is dropped alone,
 *   as networks do duplicate packets.  Any other overlap, or two different
 *   ends of the datagram, drop the whole datagram and what comes after it
 *   until the slot is taken again: RFC 5722 asks that for IPv6, and we do
 *   the same for IPv4, where overlaps only ever served to fool filters.
 * - Complete when the last fragment was seen and the bytes received add up
 *   to its end (with no overlaps, that means every block is there).  The
 *   datagram is then rebuilt in place as one packet: an IPv4 header without
 *   options or fragment fields, or an IPv6 header without extension headers
 *   before the fragmentable part (nothing downstream reads them), the
 *   Ethernet header of its first fragment received in front.  tap.c handles
 *   it at once, as its own batch, then releases the slot: the buffer only has
 *   to live for that call.
 * - Slots time out IPFRAG_TIMEOUT seconds after their first fragment, from
 *   the periodic timer.  With all slots busy, new datagrams are dropped,
 *   counted and logged (rate-limited): a guest can't make us use more than
 *   the table.
 *
 * Fragmentation towards the guest: a datagram read from a host socket may be
 * larger than the guest's MTU (up to 65507 bytes over IPv4, 65527 over
 * IPv6).  The guest would drop such a frame, so it leaves as fragments, each
 * within the MTU: IPv4 with a fresh identification, MF and offsets, IPv6
 * with a Fragment header.  The callers already computed the transport
 * checksum over the whole datagram; fragments only point into its buffers.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>

#include "checksum.h"
#include "hdr.h"
#include "inany.h"
#include "ipfrag.h"
#include "log.h"
#include "packet.h"
#include "passt.h"
#include "tap.h"
#include "util.h"

#define IPFRAG_MAX	65535			/* IP packet, or IPv6 payload */
#define IPFRAG_BLOCKS	((IPFRAG_MAX + 7) / 8)	/* 8-byte blocks of payload */
#define IPFRAG_ROOM	(ETH_HLEN + sizeof(struct ip6_hdr))	/* headers */

/**
 * struct ipfrag_key - What identifies the fragments of one datagram
 * @v6:		IPv6 (else IPv4)
 * @proto:	Protocol, or next header after the IPv6 Fragment header
 * @id:		Identification (16 bits for IPv4, 32 for IPv6)
 * @src:	Source address
 * @dst:	Destination address
 */
struct ipfrag_key {
	bool v6;
	uint8_t proto;
	uint32_t id;
	union inany_addr src;
	union inany_addr dst;
};

/**
 * struct ipfrag_frag - One fragment, parsed
 * @off:	Offset of its data in the datagram's payload
 * @more:	More fragments follow (not the last one)
 * @data:	Its data
 * @hlen:	Bytes of IP packet in front of the fragmentable part that
 *		count towards the 65535-byte limit
 * @eh:		Its Ethernet header
 */
struct ipfrag_frag {
	size_t off;
	bool more;
	struct pkt data;
	size_t hlen;
	const uint8_t *eh;
};

/**
 * struct ipfrag_slot - One datagram being reassembled
 * @start:	When the first fragment arrived (seconds, monotonic)
 * @total:	Payload length, once @last_seen
 * @have:	Payload bytes received so far
 * @maxend:	Largest end of a fragment received so far
 * @key:	Whose fragments these are
 * @busy:	In use
 * @last_seen:	The last fragment (MF clear) was received: @total is known
 * @eh:		Ethernet header of the first fragment received
 * @cover:	Blocks holding data
 * @head:	Blocks where a received fragment starts
 * @tail:	Blocks where a received fragment ends
 * @buf:	Rebuilt headers (IPFRAG_ROOM bytes, right-aligned) and payload
 */
struct ipfrag_slot {
	time_t start;
	size_t total;
	size_t have;
	size_t maxend;
	struct ipfrag_key key;
	bool busy;
	bool last_seen;
	uint8_t eh[ETH_HLEN];
	uint8_t cover[IPFRAG_BLOCKS / 8];
	uint8_t head[IPFRAG_BLOCKS / 8];
	uint8_t tail[IPFRAG_BLOCKS / 8];
	uint8_t buf[IPFRAG_ROOM + IPFRAG_MAX];
};

static struct ipfrag_slot ipfrag_slots[IPFRAG_SLOTS];

struct ipfrag_stats ipfrag_stats;

/**
 * bit_get() - Is a bit of a bitmap set?
 * @bm:		Bitmap
 * @i:		Bit index
 *
 * Return: true if set
 */
static bool bit_get(const uint8_t *bm, size_t i)
{
	return bm[i / 8] & (1U << (i % 8));
}

/**
 * bit_set() - Set a bit of a bitmap
 * @bm:		Bitmap
 * @i:		Bit index
 */
static void bit_set(uint8_t *bm, size_t i)
{
	bm[i / 8] |= 1U << (i % 8);
}

/**
 * bits_count() - How many bits of a range are set
 * @bm:		Bitmap
 * @from:	First bit
 * @to:		Last bit (inclusive); an empty range if below @from
 *
 * Return: number of bits set in [@from, @to]
 */
static size_t bits_count(const uint8_t *bm, size_t from, size_t to)
{
	size_t i, n = 0;

	for (i = from; i <= to; i++)
		n += bit_get(bm, i);
	return n;
}

/**
 * ipfrag_key_eq() - Do two keys name the same datagram?
 * @a:		One key
 * @b:		The other
 *
 * Return: true if all fields are equal
 */
static bool ipfrag_key_eq(const struct ipfrag_key *a,
			  const struct ipfrag_key *b)
{
	return a->v6 == b->v6 && a->proto == b->proto && a->id == b->id &&
	       inany_equals(&a->src, &b->src) && inany_equals(&a->dst, &b->dst);
}

/**
 * ipfrag_find() - Find the slot of a datagram
 * @k:		Key
 *
 * Return: slot index, or -1 if none
 */
static int ipfrag_find(const struct ipfrag_key *k)
{
	int i;

	for (i = 0; i < IPFRAG_SLOTS; i++) {
		const struct ipfrag_slot *s = &ipfrag_slots[i];

		if (s->busy && ipfrag_key_eq(&s->key, k))
			return i;
	}
	return -1;
}

/**
 * ipfrag_new() - Take a free slot for a new datagram
 * @k:		Key
 * @eh:		Ethernet header of its first fragment
 * @now:	Current time
 *
 * Return: slot index, or -1 if all are busy
 */
static int ipfrag_new(const struct ipfrag_key *k, const uint8_t *eh,
		      const struct timespec *now)
{
	int i;

	for (i = 0; i < IPFRAG_SLOTS; i++) {
		struct ipfrag_slot *s = &ipfrag_slots[i];

		if (s->busy)
			continue;
		s->busy = true;
		s->last_seen = false;
		s->key = *k;
		s->start = now->tv_sec;
		s->total = s->have = s->maxend = 0;
		memcpy(s->eh, eh, ETH_HLEN);
		memset(s->cover, 0, sizeof(s->cover));
		memset(s->head, 0, sizeof(s->head));
		memset(s->tail, 0, sizeof(s->tail));
		return i;
	}
	return -1;
}

/**
 * ipfrag_release() - Free a slot: its datagram was handled, or dropped
 * @slot:	Slot index, as returned by ipfrag4() or ipfrag6()
 */
void ipfrag_release(int slot)
{
	if (slot >= 0 && slot < IPFRAG_SLOTS)
		ipfrag_slots[slot].busy = false;
}

/**
 * ipfrag_is_dup() - Was a fragment with exactly these blocks received?
 * @s:		Slot
 * @b0:		First block of the new fragment
 * @b1:		Last block of the new fragment
 *
 * Fragments received never overlap (that drops the datagram), so a fragment
 * starts at @b0 and ends at @b1 with none starting or ending in between, and
 * all blocks covered, only if one fragment spans exactly [@b0, @b1].
 *
 * Return: true if the new fragment duplicates one received
 */
static bool ipfrag_is_dup(const struct ipfrag_slot *s, size_t b0, size_t b1)
{
	return bits_count(s->cover, b0, b1) == b1 - b0 + 1 &&
	       bit_get(s->head, b0) && bit_get(s->tail, b1) &&
	       !bits_count(s->head, b0 + 1, b1) &&
	       !(b1 > b0 && bits_count(s->tail, b0, b1 - 1));
}

/**
 * ipfrag_build() - Rebuild a complete datagram as one Ethernet frame
 * @s:		Slot, complete
 * @whole:	The frame, set on return
 */
static void ipfrag_build(struct ipfrag_slot *s, struct pkt *whole)
{
	uint8_t *payload = s->buf + IPFRAG_ROOM;
	uint8_t *l3;

	if (s->key.v6) {
		struct ip6_hdr ih = {
			.ip6_flow = htonl(6U << 28),
			.ip6_plen = htons(s->total),
			.ip6_nxt = s->key.proto,
			.ip6_hlim = 64,
			.ip6_src = s->key.src.a6,
			.ip6_dst = s->key.dst.a6,
		};

		l3 = payload - sizeof(ih);
		memcpy(l3, &ih, sizeof(ih));
	} else {
		struct iphdr ih = {
			.version = 4,
			.ihl = sizeof(ih) / 4,
			.tot_len = htons(sizeof(ih) + s->total),
			.id = htons(s->key.id),
			.ttl = 64,
			.protocol = s->key.proto,
			.saddr = inany_v4(&s->key.src)->s_addr,
			.daddr = inany_v4(&s->key.dst)->s_addr,
		};

		ih.check = csum(&ih, sizeof(ih), 0);
		l3 = payload - sizeof(ih);
		memcpy(l3, &ih, sizeof(ih));
	}
	memcpy(l3 - ETH_HLEN, s->eh, ETH_HLEN);
	whole->data = l3 - ETH_HLEN;
	whole->len = payload + s->total - whole->data;
}

/**
 * ipfrag_add() - Add a fragment to its datagram
 * @k:		Key of its datagram
 * @f:		Fragment
 * @now:	Current time
 * @whole:	Complete datagram as one frame, set if the return is a slot
 *
 * Return: slot of a complete datagram (release it once handled), or -1 if
 *	   the fragment was kept or dropped
 */
static int ipfrag_add(const struct ipfrag_key *k, const struct ipfrag_frag *f,
		      const struct timespec *now, struct pkt *whole)
{
	size_t len = f->data.len, end = f->off + len;
	struct ipfrag_slot *s;
	int i;

	if (f->more && (!len || len % 8)) {
		ipfrag_stats.bad++;
		return -1;
	}

	i = ipfrag_find(k);
	if (end + f->hlen > IPFRAG_MAX) {
		ipfrag_stats.too_big++;
		ipfrag_release(i);
		return -1;
	}

	if (i < 0 && (i = ipfrag_new(k, f->eh, now)) < 0) {
		ipfrag_stats.full++;
		warn_ratelimit(now, "IP fragments: all %u reassembly slots "
			       "busy, dropping fragments", IPFRAG_SLOTS);
		return -1;
	}
	s = &ipfrag_slots[i];

	if (!f->more) {
		if ((s->last_seen && s->total != end) || s->maxend > end)
			goto overlap;
	} else if (s->last_seen && end > s->total) {
		goto overlap;
	}

	if (len) {
		size_t b0 = f->off / 8, b1 = (end - 1) / 8, b;

		if (bits_count(s->cover, b0, b1)) {
			if (ipfrag_is_dup(s, b0, b1)) {
				ipfrag_stats.dup++;
				return -1;
			}
			goto overlap;
		}
		memcpy(s->buf + IPFRAG_ROOM + f->off, f->data.data, len);
		for (b = b0; b <= b1; b++)
			bit_set(s->cover, b);
		bit_set(s->head, b0);
		bit_set(s->tail, b1);
		s->have += len;
		s->maxend = MAX(s->maxend, end);
	}
	if (!f->more) {
		s->last_seen = true;
		s->total = end;
	}

	if (!s->last_seen || s->have != s->total)
		return -1;

	ipfrag_build(s, whole);
	ipfrag_stats.done++;
	return i;

overlap:
	ipfrag_stats.overlap++;
	ipfrag_release(i);
	return -1;
}

/**
 * ipfrag4() - Take an IPv4 fragment from the guest
 * @eth:	Frame, from the Ethernet header
 * @l3:		IPv4 packet, header checked, trimmed to its total length
 * @now:	Current time
 * @whole:	Complete datagram as one frame, set if the return is a slot
 *
 * Return: slot of a complete datagram (release it once handled), or -1 if
 *	   the fragment was kept or dropped
 */
int ipfrag4(const struct pkt *eth, const struct pkt *l3,
	    const struct timespec *now, struct pkt *whole)
{
	const uint8_t *eh = pkt_get(eth, 0, ETH_HLEN);
	const iphdr_u *ih = pkt_get(l3, 0, sizeof(*ih));
	struct ipfrag_key k = { .v6 = false };
	struct ipfrag_frag f;
	uint16_t fo;

	ipfrag_stats.frags++;
	if (!eh || !ih || ih->ihl * 4UL < sizeof(*ih) ||
	    pkt_sub(l3, ih->ihl * 4UL, &f.data)) {
		ipfrag_stats.bad++;
		return -1;
	}

	fo = ntohs(ih->frag_off);
	f.off = (fo & IP_OFFMASK) * 8UL;
	f.more = fo & IP_MF;
	f.hlen = ih->ihl * 4UL;
	f.eh = eh;

	k.proto = ih->protocol;
	k.id = ntohs(ih->id);
	inany_from_v4(&k.src, (struct in_addr){ ih->saddr });
	inany_from_v4(&k.dst, (struct in_addr){ ih->daddr });
	return ipfrag_add(&k, &f, now, whole);
}

/**
 * ipfrag6() - Take an IPv6 fragment from the guest
 * @eth:	Frame, from the Ethernet header
 * @l3:		IPv6 packet, trimmed to its payload length
 * @fh_off:	Offset of the Fragment header in @l3
 * @now:	Current time
 * @whole:	Complete datagram as one frame, set if the return is a slot
 *
 * Return: slot of a complete datagram (release it once handled), or -1 if
 *	   the fragment was kept or dropped
 */
int ipfrag6(const struct pkt *eth, const struct pkt *l3, size_t fh_off,
	    const struct timespec *now, struct pkt *whole)
{
	const uint8_t *eh = pkt_get(eth, 0, ETH_HLEN);
	const ip6_hdr_u *ih = pkt_get(l3, 0, sizeof(*ih));
	const ip6_frag_u *fh = pkt_get(l3, fh_off, sizeof(*fh));
	struct ipfrag_key k = { .v6 = true };
	struct ipfrag_frag f;
	uint16_t offlg;

	ipfrag_stats.frags++;
	if (!eh || !ih || !fh || fh_off < sizeof(*ih) ||
	    pkt_sub(l3, fh_off + sizeof(*fh), &f.data)) {
		ipfrag_stats.bad++;
		return -1;
	}

	offlg = ntohs(fh->ip6f_offlg);
	f.off = offlg & 0xfff8;
	f.more = offlg & 1;
	f.hlen = fh_off - sizeof(*ih);
	f.eh = eh;

	k.proto = fh->ip6f_nxt;
	k.id = ntohl(fh->ip6f_ident);
	k.src.a6 = ih->ip6_src;
	k.dst.a6 = ih->ip6_dst;
	return ipfrag_add(&k, &f, now, whole);
}

/**
 * ipfrag_timer() - Drop datagrams still incomplete after IPFRAG_TIMEOUT
 * @now:	Current time
 */
void ipfrag_timer(const struct timespec *now)
{
	int i;

	for (i = 0; i < IPFRAG_SLOTS; i++) {
		struct ipfrag_slot *s = &ipfrag_slots[i];

		if (s->busy && now->tv_sec - s->start >= IPFRAG_TIMEOUT) {
			s->busy = false;
			ipfrag_stats.timeout++;
		}
	}
}

/**
 * ipfrag_busy() - Number of datagrams being reassembled
 *
 * Return: busy slots
 */
unsigned int ipfrag_busy(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < IPFRAG_SLOTS; i++)
		n += ipfrag_slots[i].busy;
	return n;
}

/**
 * ipfrag_stats_log() - Log the fragment counters (debug level)
 */
void ipfrag_stats_log(void)
{
	const struct ipfrag_stats *s = &ipfrag_stats;

	debug("IP fragments: %lu received, %lu datagrams reassembled, "
	      "%lu sent; dropped: %lu bad, %lu too big, %lu overlapping, "
	      "%lu duplicate, %lu timed out, %lu table full",
	      s->frags, s->done, s->out, s->bad, s->too_big, s->overlap,
	      s->dup, s->timeout, s->full);
}

/* Fragments to the guest */
#define IPFRAG_OUT_BATCH	64	/* fragments per tap_send_frames() */
#define IPFRAG_OUT_IOV		2	/* pieces of the IP payload, at most */
#define IPFRAG_OUT_PARTS	(2 + IPFRAG_OUT_IOV)	/* iovecs per frame */

/**
 * struct ipfrag_hdr - Headers of one fragment to the guest
 * @pad:	Aligns the IP header to four bytes; not sent
 * @eh:		Ethernet
 * @ih4:	IPv4
 * @v6:		IPv6, then the Fragment header
 * @v6.ih:	IPv6
 * @v6.fh:	Fragment header
 */
struct ipfrag_hdr {
	uint8_t pad[2];
	struct ether_header eh;
	union {
		struct iphdr ih4;
		struct {
			struct ip6_hdr ih;
			struct ip6_frag fh;
		} v6;
	};
};

_Static_assert(offsetof(struct ipfrag_hdr, v6.fh) ==
	       2 + ETH_HLEN + sizeof(struct ip6_hdr),
	       "IPv6 fragment headers not contiguous");

static struct tap_hdr ipfrag_taph[IPFRAG_OUT_BATCH];
static struct ipfrag_hdr ipfrag_hdrs[IPFRAG_OUT_BATCH];
static struct iovec ipfrag_iov[IPFRAG_OUT_BATCH][IPFRAG_OUT_PARTS];

/**
 * ipfrag_hdr_fill() - Headers of one fragment from the whole packet's
 * @h:		Headers to fill
 * @hdr:	Ethernet and IP header of the whole packet
 * @v6:		IPv6
 * @id:		Identification
 * @off:	Offset of the fragment's data
 * @len:	Length of the fragment's data
 * @more:	Not the last fragment
 *
 * Return: length of the Ethernet and IP headers filled
 */
static size_t ipfrag_hdr_fill(struct ipfrag_hdr *h, const uint8_t *hdr,
			      bool v6, uint32_t id, size_t off, size_t len,
			      bool more)
{
	if (v6) {
		memcpy(&h->eh, hdr, ETH_HLEN + sizeof(h->v6.ih));
		h->v6.ih.ip6_plen = htons(sizeof(h->v6.fh) + len);
		h->v6.fh.ip6f_nxt = h->v6.ih.ip6_nxt;
		h->v6.fh.ip6f_reserved = 0;
		h->v6.fh.ip6f_offlg = htons(off | more);
		h->v6.fh.ip6f_ident = htonl(id);
		h->v6.ih.ip6_nxt = IPPROTO_FRAGMENT;
		return ETH_HLEN + sizeof(h->v6);
	}

	memcpy(&h->eh, hdr, ETH_HLEN + sizeof(h->ih4));
	h->ih4.tot_len = htons(sizeof(h->ih4) + len);
	h->ih4.id = htons(id);
	h->ih4.frag_off = htons(off / 8 | (more ? IP_MF : 0));
	h->ih4.check = 0;
	h->ih4.check = csum(&h->ih4, sizeof(h->ih4), 0);
	return ETH_HLEN + sizeof(h->ih4);
}

/**
 * ipfrag_send() - Send an IP packet to the guest as fragments within its MTU
 * @c:		Execution context
 * @hdr:	Ethernet and IP header of the packet: IPv4 without options, or
 *		IPv6 without extension headers; lengths and fragment fields
 *		are set here
 * @v6:		IPv6 packet
 * @l4:		IP payload (transport header, checksum set, and data)
 * @cnt:	Number of iovecs in @l4, at most IPFRAG_OUT_IOV
 * @mtu:	Largest IP packet the guest takes
 *
 * Return: number of fragments sent
 */
size_t ipfrag_send(const struct ctx *c, const void *hdr, bool v6,
		   const struct iovec *l4, size_t cnt, size_t mtu)
{
	static uint32_t id4, id6;
	size_t iph = v6 ? sizeof(struct ip6_hdr) + sizeof(struct ip6_frag) :
			  sizeof(struct iphdr);
	size_t total = 0, off = 0, sent = 0, n = 0, pos = 0, pos_off = 0;
	size_t step, i;
	uint32_t id;

	for (i = 0; i < cnt; i++)
		total += l4[i].iov_len;
	if (cnt > IPFRAG_OUT_IOV || mtu < iph + 8 || total > IPFRAG_MAX)
		return 0;
	step = (mtu - iph) & ~(size_t)7;
	id = v6 ? ++id6 : (++id4 & 0xffff);

	while (off < total) {
		size_t len = MIN(step, total - off), need = len, l2len;
		struct iovec *iov = ipfrag_iov[n];
		bool more = off + len < total;

		l2len = ipfrag_hdr_fill(&ipfrag_hdrs[n], hdr, v6, id, off, len,
					more);
		tap_hdr_iov(c, &ipfrag_taph[n], &iov[0], l2len + len);
		iov[1].iov_base = &ipfrag_hdrs[n].eh;
		iov[1].iov_len = l2len;

		/* A range of the payload spans at most @cnt of its iovecs */
		for (i = 0; i < IPFRAG_OUT_IOV; i++) {
			size_t take = 0;

			while (pos < cnt && pos_off == l4[pos].iov_len) {
				pos++;
				pos_off = 0;
			}
			iov[2 + i].iov_base = &ipfrag_hdrs[n];
			if (need && pos < cnt) {
				uint8_t *base = l4[pos].iov_base;

				take = MIN(need, l4[pos].iov_len - pos_off);
				iov[2 + i].iov_base = base + pos_off;
				pos_off += take;
				need -= take;
			}
			iov[2 + i].iov_len = take;
		}

		off += len;
		if (++n == IPFRAG_OUT_BATCH || off == total) {
			sent += tap_send_frames(c, &ipfrag_iov[0][0],
						IPFRAG_OUT_PARTS, n);
			n = 0;
		}
	}

	ipfrag_stats.out += sent;
	return sent;
}
