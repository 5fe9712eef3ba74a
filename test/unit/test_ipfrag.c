// SPDX-License-Identifier: GPL-2.0-or-later
/* test_ipfrag.c - IPv4 and IPv6 fragment reassembly, and fragmentation
 *
 * Fragments are built here as the guest's kernel would send them, fed to
 * ipfrag4() / ipfrag6() in various orders, and the rebuilt datagram compared
 * with the original.  ipfrag_send() writes to one end of a datagram socket
 * pair (as if it were pasta's tap device); what it wrote is reassembled again.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <sys/socket.h>

#include "ipfrag.h"
#include "packet.h"
#include "passt.h"
#include "tap.h"
#include "test/unit/unit.h"

#define DGRAM_MAX	65535
#define FRAME_BUF	(ETH_HLEN + 40 + 8 + DGRAM_MAX)

/* The datagram's IP payload, with room for the fragments the tests send
 * beyond the largest datagram
 */
static uint8_t payload[DGRAM_MAX + 64];
static uint8_t frame[FRAME_BUF];	/* one fragment at a time */
static struct timespec now = { .tv_sec = 1000 };

static const uint8_t mac_src[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 1 };
static const uint8_t mac_dst[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 2 };

/**
 * fill_payload() - Pseudo-random payload, different for each @seed
 * @len:	Bytes to fill
 * @seed:	Seed
 */
static void fill_payload(size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245 + 12345;
		payload[i] = seed >> 16;
	}
}

/**
 * eth_put() - Write an Ethernet header
 * @type:	Ethertype, host order
 *
 * Return: pointer past it
 */
static uint8_t *eth_put(uint16_t type)
{
	struct ether_header eh;

	memcpy(eh.ether_dhost, mac_dst, ETH_ALEN);
	memcpy(eh.ether_shost, mac_src, ETH_ALEN);
	eh.ether_type = htons(type);
	memcpy(frame, &eh, sizeof(eh));
	return frame + sizeof(eh);
}

/**
 * feed() - Build one fragment of @payload and hand it to ipfrag
 * @v6:		IPv6 (else IPv4)
 * @id:		Identification
 * @off:	Offset in the payload
 * @len:	Length of the fragment's data
 * @more:	More fragments follow
 * @whole:	Rebuilt datagram, set if complete
 *
 * Return: what ipfrag4() or ipfrag6() returned
 */
static int feed(bool v6, uint32_t id, size_t off, size_t len, bool more,
		struct pkt *whole)
{
	uint8_t *l3 = eth_put(v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IP);
	struct pkt eth = { frame, 0 }, ip = { l3, 0 };

	if (v6) {
		struct ip6_hdr ih = {
			.ip6_flow = htonl(6U << 28),
			.ip6_plen = htons(8 + len),
			.ip6_nxt = IPPROTO_FRAGMENT,
			.ip6_hlim = 64,
		};
		struct ip6_frag fh = {
			.ip6f_nxt = IPPROTO_UDP,
			.ip6f_offlg = htons(off | more),
			.ip6f_ident = htonl(id),
		};

		inet_pton(AF_INET6, "2001:db8::1", &ih.ip6_src);
		inet_pton(AF_INET6, "2001:db8::2", &ih.ip6_dst);
		memcpy(l3, &ih, sizeof(ih));
		memcpy(l3 + sizeof(ih), &fh, sizeof(fh));
		memcpy(l3 + sizeof(ih) + sizeof(fh), payload + off, len);
		ip.len = sizeof(ih) + sizeof(fh) + len;
		eth.len = ETH_HLEN + ip.len;
		return ipfrag6(&eth, &ip, sizeof(ih), &now, whole);
	} else {
		struct iphdr ih = {
			.version = 4, .ihl = 5,
			.tot_len = htons(20 + len),
			.id = htons(id),
			.frag_off = htons(off / 8 | (more ? IP_MF : 0)),
			.ttl = 64, .protocol = IPPROTO_UDP,
			.saddr = htonl(0xc0a80001), .daddr = htonl(0xc0a80002),
		};

		memcpy(l3, &ih, sizeof(ih));
		memcpy(l3 + sizeof(ih), payload + off, len);
		ip.len = sizeof(ih) + len;
		eth.len = ETH_HLEN + ip.len;
		return ipfrag4(&eth, &ip, &now, whole);
	}
}

/**
 * check_whole() - Is a rebuilt datagram the original, with sane headers?
 * @whole:	Rebuilt frame
 * @v6:		IPv6
 * @len:	Payload length expected
 *
 * Return: true if all is as expected
 */
static bool check_whole(const struct pkt *whole, bool v6, size_t len)
{
	size_t hlen = v6 ? 40 : 20;
	const uint8_t *l3 = whole->data + ETH_HLEN;
	struct ether_header eh;

	if (whole->len != ETH_HLEN + hlen + len)
		return false;
	memcpy(&eh, whole->data, sizeof(eh));
	if (memcmp(eh.ether_shost, mac_src, ETH_ALEN) != 0 ||
	    ntohs(eh.ether_type) != (v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IP))
		return false;

	if (v6) {
		struct ip6_hdr ih;

		memcpy(&ih, l3, sizeof(ih));
		if (ntohs(ih.ip6_plen) != len || ih.ip6_nxt != IPPROTO_UDP ||
		    (ih.ip6_vfc >> 4) != 6)
			return false;
	} else {
		struct iphdr ih;
		uint32_t sum = 0;
		size_t i;

		memcpy(&ih, l3, sizeof(ih));
		if (ntohs(ih.tot_len) != 20 + len || ih.frag_off ||
		    ih.protocol != IPPROTO_UDP || ih.version != 4 ||
		    ih.ihl != 5)
			return false;
		for (i = 0; i < sizeof(ih); i += 2)
			sum += l3[i] << 8 | l3[i + 1];
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		if (sum != 0xffff)	/* header checksum */
			return false;
	}
	return !memcmp(l3 + hlen, payload, len);
}

/**
 * run_order() - Send a datagram as fragments in a given order
 * @v6:		IPv6
 * @id:		Identification
 * @len:	Payload length
 * @fsz:	Fragment data size (multiple of 8)
 * @order:	Fragment indices in sending order, NULL for in order
 * @nf:		Number of entries in @order (may repeat indices)
 *
 * Return: true if exactly the last fragment sent completed the datagram,
 *	   and the datagram is right
 */
static bool run_order(bool v6, uint32_t id, size_t len, size_t fsz,
		      const unsigned int *order, unsigned int nf)
{
	unsigned int nfrag = (len + fsz - 1) / fsz, i;
	bool ok = true;
	struct pkt whole;

	for (i = 0; i < nf; i++) {
		unsigned int f = order ? order[i] : i;
		size_t off = f * fsz, flen = len - off < fsz ? len - off : fsz;
		int slot = feed(v6, id, off, flen, f < nfrag - 1, &whole);

		if (i < nf - 1) {
			ok = ok && slot < 0;
			continue;
		}
		ok = ok && slot >= 0 && check_whole(&whole, v6, len);
		ipfrag_release(slot);
	}
	return ok && !ipfrag_busy();
}

/**
 * test_orders() - In order, reverse, shuffled, with duplicates
 * @v6:		IPv6
 */
static void test_orders(bool v6)
{
	unsigned int order[64], n = 37, i, j, tmp;
	unsigned long dup = ipfrag_stats.dup;
	uint32_t seed = 42;
	size_t len = 1448 * (n - 1) + 100;

	fill_payload(len, v6 ? 6 : 4);
	CHECK(run_order(v6, 1, len, 1448, NULL, n));

	for (i = 0; i < n; i++)
		order[i] = n - 1 - i;
	CHECK(run_order(v6, 2, len, 1448, order, n));

	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) {
		seed = seed * 1103515245 + 12345;
		j = (seed >> 16) % (i + 1);
		tmp = order[i];
		order[i] = order[j];
		order[j] = tmp;
	}
	CHECK(run_order(v6, 3, len, 1448, order, n));

	/* Duplicates of a middle, the first and the last fragment: the
	 * datagram still completes with the fragment that was missing
	 */
	for (i = 0; i < n - 1; i++)
		order[i] = i + 1;
	order[n - 1] = 5;
	order[n] = 1;
	order[n + 1] = n - 1;
	order[n + 2] = 0;
	CHECK(run_order(v6, 4, len, 1448, order, n + 3));
	CHECK_EQ(ipfrag_stats.dup - dup, 3);

	/* One fragment: an IPv6 atomic fragment, or an IPv4 one with MF clear
	 * at offset zero... which isn't a fragment, but works the same here
	 */
	CHECK(run_order(v6, 5, 100, 1448, NULL, 1));

	/* Largest: 65535 bytes of IPv4 packet, or of IPv6 payload */
	len = v6 ? 65535 : 65515;
	fill_payload(len, 7);
	CHECK(run_order(v6, 6, len, 65520 - 48, NULL, 2));
	CHECK(run_order(v6, 7, len, 1480, NULL, (len + 1479) / 1480));
}

/**
 * struct frag_spec - One fragment of a datagram
 * @off:	Offset of its data
 * @len:	Length of its data
 * @more:	More fragments follow
 */
struct frag_spec {
	size_t off;
	size_t len;
	bool more;
};

/* Fragments that drop their datagram with the last one of each list: the
 * lists end with an empty entry with @more set
 */
static const struct frag_spec overlaps[][4] = {
	/* A fragment covering two received ones isn't a duplicate */
	{ { 0, 8, true }, { 8, 8, true }, { 0, 16, true }, { 0, 0, true } },
	/* Same start, shorter */
	{ { 0, 16, true }, { 0, 8, true }, { 0, 0, true } },
	/* Two different last fragments */
	{ { 16, 10, false }, { 32, 10, false }, { 0, 0, true } },
	/* Data beyond the last fragment, either order */
	{ { 16, 10, false }, { 32, 8, true }, { 0, 0, true } },
	{ { 32, 8, true }, { 16, 10, false }, { 0, 0, true } },
};

/**
 * test_drops() - Overlaps, bad lengths, too large, inconsistent ends
 * @v6:		IPv6
 */
static void test_drops(bool v6)
{
	struct ipfrag_stats s = ipfrag_stats;
	struct pkt whole;
	unsigned int i;

	fill_payload(4096, 9);

	/* Partial overlap: the whole datagram goes, also what came before */
	CHECK(feed(v6, 10, 0, 16, true, &whole) < 0);
	CHECK_EQ(ipfrag_busy(), 1);
	CHECK(feed(v6, 10, 8, 16, true, &whole) < 0);
	CHECK_EQ(ipfrag_busy(), 0);
	CHECK_EQ(ipfrag_stats.overlap - s.overlap, 1);
	/* ...and the rest can't complete it: the first part is gone */
	CHECK(feed(v6, 10, 16, 16, false, &whole) < 0);
	CHECK_EQ(ipfrag_busy(), 1);
	ipfrag_timer(&(struct timespec){ .tv_sec = now.tv_sec + 60 });
	CHECK_EQ(ipfrag_busy(), 0);

	for (i = 0; i < ARRAY_SIZE(overlaps); i++) {
		const struct frag_spec *f = overlaps[i];
		unsigned int j;

		for (j = 0; f[j].len || !f[j].more; j++) {
			CHECK(feed(v6, 11 + i, f[j].off, f[j].len, f[j].more,
				   &whole) < 0);
			CHECK_EQ(ipfrag_busy(), !!f[j + 1].len ||
						!f[j + 1].more);
		}
	}
	CHECK_EQ(ipfrag_stats.overlap - s.overlap, 1 + ARRAY_SIZE(overlaps));

	/* Not the last, and not a multiple of 8 bytes; or empty */
	CHECK(feed(v6, 16, 0, 12, true, &whole) < 0);
	CHECK(feed(v6, 16, 8, 0, true, &whole) < 0);
	CHECK_EQ(ipfrag_stats.bad - s.bad, 2);
	CHECK_EQ(ipfrag_busy(), 0);

	/* Beyond 65535 bytes: dropped, with what was received of it */
	CHECK(feed(v6, 17, 0, 8, true, &whole) < 0);
	CHECK_EQ(ipfrag_busy(), 1);
	CHECK(feed(v6, 17, v6 ? 65528 : 65512, 16, false, &whole) < 0);
	CHECK_EQ(ipfrag_busy(), 0);
	CHECK(feed(v6, 18, 65528, 8, true, &whole) < 0);
	CHECK_EQ(ipfrag_stats.too_big - s.too_big, 2);
	CHECK_EQ(ipfrag_busy(), 0);
}

/**
 * test_headers() - IPv4 options, IPv6 extension headers before the Fragment
 *		    header: counted against 65535 bytes, not rebuilt
 */
static void test_headers(void)
{
	static const uint8_t hbh[8] = { IPPROTO_FRAGMENT, 0, 1, 4 };
	static const uint8_t hdr4[24] = {
		0x46, 0, 0, 24 + 32, 0, 42, 0x20, 0, 64, IPPROTO_UDP, 0, 0,
		192, 168, 0, 1, 192, 168, 0, 2, 1, 1, 1, 0,	/* options */
	};
	unsigned long too_big = ipfrag_stats.too_big;
	struct pkt eth = { frame, 0 }, ip, whole;
	uint8_t *l3;
	int slot;

	fill_payload(64, 11);

	/* IPv4, first fragment with 4 bytes of options (IHL 6), then the
	 * last one without: one datagram, rebuilt with a 20-byte header
	 */
	l3 = eth_put(ETHERTYPE_IP);
	memcpy(l3, hdr4, sizeof(hdr4));
	memcpy(l3 + 24, payload, 32);
	ip.data = l3;
	ip.len = 24 + 32;
	eth.len = ETH_HLEN + ip.len;
	CHECK(ipfrag4(&eth, &ip, &now, &whole) < 0);
	slot = feed(false, 42, 32, 32, false, &whole);
	CHECK(slot >= 0 && check_whole(&whole, false, 64));
	ipfrag_release(slot);

	/* ...the options count towards 65535 bytes: 24 + 65512 is one too
	 * many, where 20 + 65512 + 3 would fit
	 */
	l3 = eth_put(ETHERTYPE_IP);
	memcpy(l3, hdr4, sizeof(hdr4));
	ip.len = 24 + 8;
	memcpy(l3 + 2, (uint8_t []){ 0, 32 }, 2);
	memcpy(l3 + 6, (uint8_t []){ 0x20 | (65504 / 8) >> 8,
				     (65504 / 8) & 0xff }, 2);
	eth.len = ETH_HLEN + ip.len;
	CHECK(ipfrag4(&eth, &ip, &now, &whole) < 0);
	CHECK_EQ(ipfrag_stats.too_big - too_big, 1);
	CHECK_EQ(ipfrag_busy(), 0);

	/* IPv6 with a Hop-by-Hop Options header before the Fragment header:
	 * the datagram is rebuilt with no extension header
	 */
	l3 = eth_put(ETHERTYPE_IPV6);
	{
		struct ip6_hdr ih = {
			.ip6_flow = htonl(6U << 28),
			.ip6_plen = htons(8 + 8 + 64),
			.ip6_nxt = IPPROTO_HOPOPTS,
			.ip6_hlim = 64,
		};
		struct ip6_frag fh = {
			.ip6f_nxt = IPPROTO_UDP,
			.ip6f_ident = htonl(43),
		};

		memcpy(l3, &ih, sizeof(ih));
		memcpy(l3 + 40, hbh, sizeof(hbh));
		memcpy(l3 + 48, &fh, sizeof(fh));
		memcpy(l3 + 56, payload, 64);
	}
	ip.data = l3;
	ip.len = 56 + 64;
	eth.len = ETH_HLEN + ip.len;
	slot = ipfrag6(&eth, &ip, 48, &now, &whole);
	CHECK(slot >= 0 && check_whole(&whole, true, 64));
	ipfrag_release(slot);
	CHECK_EQ(ipfrag_busy(), 0);
}

/**
 * test_malformed() - Fragments cut short: counted, never read past the end
 */
static void test_malformed(void)
{
	unsigned long bad = ipfrag_stats.bad;
	uint8_t *l3 = eth_put(ETHERTYPE_IPV6);
	struct pkt eth = { frame, ETH_HLEN + 40 + 4 }, ip = { l3, 40 + 4 };
	struct pkt short_eth = { frame, 10 };
	struct pkt whole;

	CHECK(ipfrag6(&eth, &ip, 40, &now, &whole) < 0);  /* no room for it */
	CHECK(ipfrag6(&eth, &ip, 8, &now, &whole) < 0);   /* in the header */
	ip.len = 48;
	CHECK(ipfrag6(&short_eth, &ip, 40, &now, &whole) < 0);
	ip.len = 10;
	CHECK(ipfrag4(&eth, &ip, &now, &whole) < 0);
	memset(l3, 0x41, 20);		/* IHL 1: shorter than a header */
	ip.len = 20;
	CHECK(ipfrag4(&eth, &ip, &now, &whole) < 0);
	CHECK_EQ(ipfrag_stats.bad - bad, 5);
	CHECK_EQ(ipfrag_busy(), 0);
}

/**
 * test_table() - Timeouts and a full table, mixing families
 */
static void test_table(void)
{
	unsigned long full = ipfrag_stats.full, to = ipfrag_stats.timeout;
	struct timespec later;
	struct pkt whole;
	unsigned int i;
	int slot;

	fill_payload(64, 3);
	for (i = 0; i < IPFRAG_SLOTS; i++)
		CHECK(feed(i % 2, 100 + i, 0, 8, true, &whole) < 0);
	CHECK_EQ(ipfrag_busy(), IPFRAG_SLOTS);
	CHECK(feed(false, 999, 0, 8, true, &whole) < 0);
	CHECK_EQ(ipfrag_stats.full - full, 1);

	/* Fragments of datagrams in progress are still taken */
	slot = feed(false, 100, 8, 8, false, &whole);
	CHECK(slot >= 0);
	ipfrag_release(slot);
	CHECK_EQ(ipfrag_busy(), IPFRAG_SLOTS - 1);

	/* Same identification, other family or protocol: other datagrams */
	CHECK(feed(true, 102, 8, 8, false, &whole) < 0);
	CHECK_EQ(ipfrag_busy(), IPFRAG_SLOTS);

	later = now;
	later.tv_sec += IPFRAG_TIMEOUT - 1;
	ipfrag_timer(&later);
	CHECK_EQ(ipfrag_busy(), IPFRAG_SLOTS);
	later.tv_sec++;
	ipfrag_timer(&later);
	CHECK_EQ(ipfrag_busy(), 0);
	CHECK_EQ(ipfrag_stats.timeout - to, IPFRAG_SLOTS);
}

/**
 * test_send() - Fragments to the guest within the MTU, reassembled again
 * @v6:		IPv6
 * @len:	Payload length
 * @mtu:	MTU
 */
static void test_send(bool v6, size_t len, size_t mtu)
{
	static uint8_t hdr[ETH_HLEN + 40], rx[FRAME_BUF];
	size_t hlen = ETH_HLEN + (v6 ? 40 : 20), nfrag, step, i;
	struct ctx c = { .mode = MODE_PASTA };
	struct iovec l4[2];
	struct pkt whole;
	int sv[2], slot = -1;
	ssize_t n;

	CHECK(!socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	c.fd_tap = sv[0];
	i = 1 << 22;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &i, sizeof(int));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &i, sizeof(int));

	fill_payload(len, len);
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, mac_src, ETH_ALEN);
	memcpy(hdr + ETH_ALEN, mac_dst, ETH_ALEN);
	if (v6) {
		struct ip6_hdr ih = {
			.ip6_flow = htonl(6U << 28),
			.ip6_nxt = IPPROTO_UDP,
		};

		hdr[12] = 0x86;
		hdr[13] = 0xdd;
		memcpy(hdr + ETH_HLEN, &ih, sizeof(ih));
	} else {
		struct iphdr ih = {
			.version = 4, .ihl = 5, .protocol = IPPROTO_UDP,
			.frag_off = htons(IP_DF), .ttl = 64,
		};

		hdr[12] = 0x08;
		memcpy(hdr + ETH_HLEN, &ih, sizeof(ih));
	}

	/* Two pieces, like a UDP header and its payload */
	l4[0].iov_base = payload;
	l4[0].iov_len = 8;
	l4[1].iov_base = payload + 8;
	l4[1].iov_len = len - 8;
	step = (mtu - (hlen - ETH_HLEN) - (v6 ? 8 : 0)) & ~7U;
	nfrag = ipfrag_send(&c, hdr, v6, l4, 2, mtu);
	CHECK(nfrag > 1);
	CHECK_EQ(nfrag, (len + step - 1) / step);

	for (i = 0; i < nfrag; i++) {
		struct pkt eth, ip;

		n = recv(sv[1], rx, sizeof(rx), MSG_DONTWAIT);
		CHECK(n > 0 && (size_t)n <= ETH_HLEN + mtu);
		if (n <= 0)
			break;
		eth.data = ip.data = rx;
		eth.len = n;
		ip.data = rx + ETH_HLEN;
		ip.len = n - ETH_HLEN;
		if (v6)
			slot = ipfrag6(&eth, &ip, 40, &now, &whole);
		else
			slot = ipfrag4(&eth, &ip, &now, &whole);
		CHECK(i == nfrag - 1 || slot < 0);
	}
	CHECK(slot >= 0 && whole.len == hlen + len &&
	      !memcmp(whole.data + hlen, payload, len));
	ipfrag_release(slot);
	CHECK_EQ(ipfrag_busy(), 0);

	/* An MTU with no room for 8 bytes of data sends nothing */
	CHECK_EQ(ipfrag_send(&c, hdr, v6, l4, 2, hlen - ETH_HLEN + 7), 0);
	close(sv[0]);
	close(sv[1]);
}

/**
 * main() - Run the checks
 *
 * Return: 0 if all passed
 */
int main(void)
{
	test_orders(false);
	test_orders(true);
	test_drops(false);
	test_drops(true);
	test_headers();
	test_malformed();
	test_table();
	test_send(false, 8008, 1500);
	test_send(true, 8008, 1500);
	test_send(false, 65515, 65520);
	test_send(true, 65535, 65520);
	test_send(true, 3000, 1280);
	return unit_done("test_ipfrag");
}
