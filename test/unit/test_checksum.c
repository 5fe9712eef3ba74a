// SPDX-License-Identifier: GPL-2.0-or-later
/* test_checksum.c - Internet checksums against a slow reference and against
 * packets checksummed by the Linux kernel
 *
 * The packets below were captured from a tun device (IFF_TUN | IFF_NO_PI,
 * no checksum offload, so the kernel computes every checksum in software):
 * ping sockets sending echo requests to 10.7.0.2 and fd00:7::2, and UDP
 * sockets bound to port 40001 sending to port 5353; and the first data
 * segment of TCP connections from port 5001 (29 bytes, after a SYN-ACK
 * written into the tun device).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <netinet/udp.h>
#include <sys/uio.h>

#include "checksum.h"
#include "test/unit/unit.h"

/* ICMP echo request, 10.7.0.1 -> 10.7.0.2, 37 bytes of data */
static const char pkt_icmp4[] =
	"45000041561940004001d0920a0700010a0700020800f2577d40000110111213"
	"1415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233"
	"34";

/* ICMPv6 echo request, fd00:7::1 -> fd00:7::2, 21 bytes of data */
static const char pkt_icmp6[] =
	"600106ae001d3a40fd000007000000000000000000000001fd00000700000000"
	"00000000000000028000eba77d410001706173737420636865636b73756d2074"
	"6573742121";

/* UDP over IPv4, 29 (odd) and 12 (even) bytes of payload */
static const char pkt_udp4_odd[] =
	"450000392ec540004011f7de0a0700010a0700029c4114e90025797368656c6c"
	"6f2c206f6464206c656e67746820756470207061796c6f6164";
static const char pkt_udp4_even[] =
	"450000282ec640004011f7ee0a0700010a0700029c4114e900141a366576656e"
	"206c656e67746821";

/* UDP over IPv6, 29 (odd) and 12 (even) bytes of payload */
static const char pkt_udp6_odd[] =
	"600a570800251140fd000007000000000000000000000001fd00000700000000"
	"00000000000000029c4114e90025937168656c6c6f2c206f6464206c656e6774"
	"6820756470207061796c6f6164";
static const char pkt_udp6_even[] =
	"600a570800141140fd000007000000000000000000000001fd00000700000000"
	"00000000000000029c4114e9001434346576656e206c656e67746821";

/* TCP over IPv4 and IPv6, 29 bytes of payload */
static const char pkt_tcp4[] =
	"450000453d1f40004006e9830a0700010a070002aada13895ac72f2b000bdb29"
	"5018faf0bd2e000068656c6c6f2c206f6464206c656e67746820746370207061"
	"796c6f6164";
static const char pkt_tcp6[] =
	"600bed4400310640fd000007000000000000000000000001fd00000700000000"
	"0000000000000002a96c1389b19b7246000bdb295018fd203c7b000068656c6c"
	"6f2c206f6464206c656e67746820746370207061796c6f6164";

/**
 * unhex() - Decode a hexadecimal string
 * @hex:	String
 * @out:	Output buffer
 * @size:	Size of @out
 *
 * Return: number of bytes decoded
 */
static size_t unhex(const char *hex, uint8_t *out, size_t size)
{
	size_t n = 0;
	unsigned int b;

	while (n < size && hex[0] && hex[1] && sscanf(hex, "%2x", &b) == 1) {
		out[n++] = (uint8_t)b;
		hex += 2;
	}
	return n;
}

/**
 * ref_sum() - Slow reference: one's complement sum, big-endian words
 * @buf:	Data
 * @len:	Length
 *
 * Return: folded sum (not complemented), in host order
 */
static uint16_t ref_sum(const uint8_t *buf, size_t len)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum += (i & 1) ? buf[i] : (uint32_t)buf[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/**
 * host_sum() - Our memory-order folded sum as a host-order value
 * @sum:	Sum from sum_16b(), csum_unfolded() or csum_iov()
 *
 * Return: the same sum, folded, as a number comparable with ref_sum()
 */
static uint16_t host_sum(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ntohs((uint16_t)sum);
	return sum == 0xffff ? 0 : (uint16_t)sum;	/* +0 and -0 */
}

/**
 * ref_eq() - Compare one of our sums with the reference
 * @ours:	Our sum
 * @ref:	Reference sum
 *
 * Return: true if they are the same one's complement value
 */
static bool ref_eq(uint32_t ours, uint16_t ref)
{
	return host_sum(ours) == (ref == 0xffff ? 0 : ref);
}

/**
 * test_rfc1071() - The example of RFC 1071, section 3
 */
static void test_rfc1071(void)
{
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03,
				     0xf4, 0xf5, 0xf6, 0xf7 };
	uint16_t c = csum(b, sizeof(b), 0);

	CHECK_EQ(ntohs((uint16_t)sum_16b(b, sizeof(b))), 0xddf2);
	CHECK_EQ(ntohs((uint16_t)csum_unfolded(b, sizeof(b), 0)), 0xddf2);
	CHECK_EQ(ntohs(c), 0x220d);
	CHECK_EQ(ntohs(csum_fold(sum_16b(b, sizeof(b)))), 0x220d);

	/* Checksum over data plus its checksum is zero */
	{
		uint8_t d[10];

		memcpy(d, b, 8);
		memcpy(d + 8, &c, 2);
		CHECK_EQ(csum(d, sizeof(d), 0), 0);
	}

	/* csum_fold() takes any 32-bit value */
	CHECK_EQ(csum_fold(0xffffffff), 0);
	CHECK_EQ(csum_fold(0x0001fffe), 0);
	CHECK_EQ(csum_fold(0), 0xffff);
}

/**
 * test_lengths() - Every length to 300, every start alignment, random data
 */
static void test_lengths(void)
{
	static uint8_t buf[300 + 16];
	unsigned int bad16 = 0, bad = 0, badinit = 0;
	size_t len, off, i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();

	for (len = 0; len <= 300; len++) {
		for (off = 0; off < 16; off++) {
			uint16_t ref = ref_sum(buf + off, len);

			if (!ref_eq(sum_16b(buf + off, len), ref))
				bad16++;
			if (!ref_eq(csum_unfolded(buf + off, len, 0), ref))
				bad++;
			if (host_sum(csum_unfolded(buf + off, len,
						   0xfffffffe)) !=
			    host_sum(csum_unfolded(buf + off, len, 0) +
				     0xfffe + 0xffff))
				badinit++;
		}
	}
	CHECK_EQ(bad16, 0);
	CHECK_EQ(bad, 0);
	CHECK_EQ(badinit, 0);
}

/**
 * test_large() - 65535 bytes, and megabytes of 0xff (largest lane values)
 */
static void test_large(void)
{
	size_t big = 3 * 1024 * 1024 + 77, i;
	uint8_t *buf = malloc(big + 8);

	if (!buf) {
		CHECK(buf);
		return;
	}

	for (i = 0; i < 65535 + 8; i++)
		buf[i] = (uint8_t)rand();
	for (i = 0; i < 4; i++) {
		CHECK(ref_eq(csum_unfolded(buf + i, 65535, 0),
			     ref_sum(buf + i, 65535)));
		CHECK(ref_eq(sum_16b(buf + i, 65535),
			     ref_sum(buf + i, 65535)));
	}

	memset(buf, 0xff, big + 8);
	for (i = 0; i < 2; i++) {
		CHECK(ref_eq(csum_unfolded(buf + i, big, 0),
			     ref_sum(buf + i, big)));
		CHECK(ref_eq(sum_16b(buf + i, big), ref_sum(buf + i, big)));
	}

	for (i = 0; i < big + 8; i++)
		buf[i] = (uint8_t)rand();
	CHECK(ref_eq(csum_unfolded(buf + 3, big, 0), ref_sum(buf + 3, big)));

	free(buf);
}

/**
 * test_iov() - Sums over pieces of every small length, with offsets
 */
static void test_iov(void)
{
	static uint8_t buf[2000];
	unsigned int bad = 0, round;
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();

	for (round = 0; round < 2000; round++) {
		struct iovec iov[16];
		size_t n = 0, pos = 0, offset = rand() % 9, total;
		uint32_t init = (uint32_t)rand();

		while (n < 16 && pos < sizeof(buf)) {
			size_t len = rand() % (round & 1 ? 8 : 200);

			len = len > sizeof(buf) - pos ? sizeof(buf) - pos
						      : len;
			iov[n].iov_base = buf + pos;
			iov[n++].iov_len = len;
			pos += len;
		}
		total = pos;
		if (offset > total)
			offset = total;

		if (host_sum(csum_iov(iov, n, offset, init)) !=
		    host_sum(csum_unfolded(buf + offset, total - offset,
					   init)))
			bad++;
	}
	CHECK_EQ(bad, 0);

	/* No entries, or offset past the end: just the initial sum */
	CHECK_EQ(host_sum(csum_iov(NULL, 0, 0, htons(0x1234))), 0x1234);
	{
		struct iovec one = { .iov_base = buf, .iov_len = 3 };

		CHECK_EQ(host_sum(csum_iov(&one, 1, 3, htons(0x1234))),
			 0x1234);
	}
}

/**
 * test_ip4_header() - IPv4 header checksums
 */
static void test_ip4_header(void)
{
	static const uint8_t tap_hdr[20] = {
		0x45, 0x00, 0x00, 0x39, 0x00, 0x00, 0x40, 0x00,
		0xff, 0x11, 0x00, 0x00, 0x0a, 0x07, 0x00, 0x02,
		0x0a, 0x07, 0x00, 0x01,
	};
	struct in_addr s = { htonl(0x0a070002) }, d = { htonl(0x0a070001) };
	const char *kernel[] = { pkt_icmp4, pkt_udp4_odd, pkt_udp4_even };
	uint8_t p[100];
	size_t i;

	/* Checked with tcpdump -vv, which validates IPv4 header checksums */
	CHECK_EQ(ntohs(csum_ip4_header(57, IPPROTO_UDP, s, d)), 0x67a3);
	CHECK_EQ(csum_ip4_header(57, IPPROTO_UDP, s, d),
		 csum(tap_hdr, sizeof(tap_hdr), 0));

	/* Other fields, against a header built here */
	for (i = 0; i < 200; i++) {
		uint8_t h[20];
		uint16_t l3len = (uint16_t)rand(), ck;
		uint8_t proto = (uint8_t)rand();

		s.s_addr = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
		d.s_addr = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
		memcpy(h, tap_hdr, sizeof(h));
		h[2] = l3len >> 8;
		h[3] = l3len & 0xff;
		h[9] = proto;
		memcpy(h + 12, &s, 4);
		memcpy(h + 16, &d, 4);
		ck = csum_ip4_header(l3len, proto, s, d);
		CHECK_EQ(ntohs(ck), (uint16_t)~ref_sum(h, sizeof(h)));
	}

	/* Headers checksummed by the kernel */
	for (i = 0; i < sizeof(kernel) / sizeof(kernel[0]); i++) {
		uint16_t stored;

		unhex(kernel[i], p, sizeof(p));
		CHECK_EQ(csum(p, 20, 0), 0);
		memcpy(&stored, p + 10, 2);
		memset(p + 10, 0, 2);
		CHECK_EQ(csum(p, 20, 0), stored);
	}
}

/**
 * check_udp4() - Recompute the UDP checksum of a captured IPv4 datagram
 * @hex:	Packet, starting with the IPv4 header
 */
static void check_udp4(const char *hex)
{
	uint8_t p[200], junk[7] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3 };
	size_t len = unhex(hex, p, sizeof(p)), plen = len - 28, split;
	struct in_addr s, d;
	struct udphdr uh;

	CHECK_EQ(len, p[2] << 8 | p[3]);
	memcpy(&s, p + 12, 4);
	memcpy(&d, p + 16, 4);

	/* Payload in one piece */
	{
		struct iovec iov = { .iov_base = p + 28, .iov_len = plen };

		memcpy(&uh, p + 20, sizeof(uh));
		uh.check = 0x5555;
		csum_udp4(&uh, s, d, &iov, 1, 0);
		CHECK(!memcmp(&uh.check, p + 26, 2));
	}

	/* Split at every point, behind 4 bytes to skip, as in passt mode */
	for (split = 0; split <= plen; split++) {
		uint8_t first[4 + 200];
		struct iovec iov[3] = {
			{ .iov_base = first, .iov_len = 4 + split },
			{ .iov_base = p + 28 + split, .iov_len = plen - split },
			{ .iov_base = junk, .iov_len = 0 },
		};

		memcpy(first, junk, 4);
		memcpy(first + 4, p + 28, split);
		memcpy(&uh, p + 20, sizeof(uh));
		csum_udp4(&uh, s, d, iov, 3, 4);
		CHECK(!memcmp(&uh.check, p + 26, 2));
	}
}

/**
 * check_udp6() - Recompute the UDP checksum of a captured IPv6 datagram
 * @hex:	Packet, starting with the IPv6 header
 */
static void check_udp6(const char *hex)
{
	uint8_t p[200];
	size_t len = unhex(hex, p, sizeof(p)), plen = len - 48, split;
	struct in6_addr s, d;
	struct udphdr uh;

	CHECK_EQ(len, 40 + (p[4] << 8 | p[5]));
	memcpy(&s, p + 8, 16);
	memcpy(&d, p + 24, 16);

	for (split = 0; split <= plen; split++) {
		struct iovec iov[2] = {
			{ .iov_base = p + 48, .iov_len = split },
			{ .iov_base = p + 48 + split, .iov_len = plen - split },
		};

		memcpy(&uh, p + 40, sizeof(uh));
		uh.check = 0;
		csum_udp6(&uh, &s, &d, iov, 2, 0);
		CHECK(!memcmp(&uh.check, p + 46, 2));
	}
}

/**
 * test_udp() - UDP checksums of kernel-built datagrams, and 0 as 0xffff
 */
static void test_udp(void)
{
	struct in_addr s = { 0 }, d = { 0 };
	struct udphdr uh = { 0 };
	uint8_t payload[2];
	struct iovec iov = { .iov_base = payload, .iov_len = 2 };
	uint16_t ck;

	check_udp4(pkt_udp4_odd);
	check_udp4(pkt_udp4_even);
	check_udp6(pkt_udp6_odd);
	check_udp6(pkt_udp6_even);

	/* Pick a payload whose checksum would come out as zero */
	uh.len = htons(10);
	payload[0] = payload[1] = 0;
	csum_udp4(&uh, s, d, &iov, 1, 0);
	ck = uh.check;
	memcpy(payload, &ck, 2);	/* adding ~sum makes the sum 0xffff */
	csum_udp4(&uh, s, d, &iov, 1, 0);
	CHECK_EQ(uh.check, 0xffff);
}

/**
 * test_icmp() - ICMP and ICMPv6 checksums of kernel-built echo requests
 */
static void test_icmp(void)
{
	uint8_t p[200];
	size_t len;

	{
		struct icmphdr ih;

		len = unhex(pkt_icmp4, p, sizeof(p));
		CHECK_EQ(len, p[2] << 8 | p[3]);
		memcpy(&ih, p + 20, sizeof(ih));
		ih.checksum = 0xaaaa;
		csum_icmp4(&ih, p + 28, len - 28);
		CHECK(!memcmp(&ih.checksum, p + 22, 2));
	}

	{
		struct icmp6_hdr ih;
		struct in6_addr s, d;

		len = unhex(pkt_icmp6, p, sizeof(p));
		CHECK_EQ(len, 40 + (p[4] << 8 | p[5]));
		memcpy(&s, p + 8, 16);
		memcpy(&d, p + 24, 16);
		memcpy(&ih, p + 40, sizeof(ih));
		ih.icmp6_cksum = 0xaaaa;
		csum_icmp6(&ih, &s, &d, p + 48, len - 48);
		CHECK(!memcmp(&ih.icmp6_cksum, p + 42, 2));

		/* The same through the pseudo-header sum */
		CHECK_EQ(csum(p + 40, len - 40,
			      proto_ipv6_header_psum(len - 40, IPPROTO_ICMPV6,
						     &s, &d)), 0);
	}

	/* IPv4 pseudo-header sum, through the captured UDP datagram */
	{
		struct in_addr s, d;

		len = unhex(pkt_udp4_odd, p, sizeof(p));
		memcpy(&s, p + 12, 4);
		memcpy(&d, p + 16, 4);
		CHECK_EQ(csum(p + 20, len - 20,
			      proto_ipv4_header_psum(len - 20, IPPROTO_UDP,
						     s, d)), 0);
	}
}

/**
 * l4_ok() - csum_l4_ok() on a packet, from its IP header
 * @p:		Packet, IPv4 or IPv6 header first (no extension headers)
 * @len:	Length of @p
 *
 * Return: what csum_l4_ok() says
 */
static bool l4_ok(const uint8_t *p, size_t len)
{
	if (p[0] >> 4 == 4)
		return csum_l4_ok(AF_INET, p[9], p + 12, p + 16, p + 20,
				  len - 20);
	return csum_l4_ok(AF_INET6, p[6], p + 8, p + 24, p + 40, len - 40);
}

/**
 * test_l4_ok() - Checking checksums: kernel-built packets pass, any flipped
 *		  bit in the packet or the addresses fails, zero UDP checksums
 */
static void test_l4_ok(void)
{
	const char *kernel[] = { pkt_icmp4, pkt_icmp6, pkt_udp4_odd,
				 pkt_udp4_even, pkt_udp6_odd, pkt_udp6_even,
				 pkt_tcp4, pkt_tcp6 };
	unsigned int missed = 0, misaligned = 0;
	uint8_t buf[200 + 1], *p = buf + 1;
	size_t i, len, off, bit;

	for (i = 0; i < sizeof(kernel) / sizeof(kernel[0]); i++) {
		size_t l4off, first;

		len = unhex(kernel[i], p, sizeof(buf) - 1);
		CHECK(l4_ok(p, len));
		memmove(buf, p, len);
		if (!l4_ok(buf, len))
			misaligned++;
		memmove(p, buf, len);

		/* Every bit of the addresses (not for ICMP) and of the
		 * packet but the UDP length: a flipped bit can't keep the sum
		 */
		l4off = p[0] >> 4 == 4 ? 20 : 40;
		first = l4off == 20 ? (p[9] == IPPROTO_ICMP ? 20 : 12) : 8;
		for (off = first; off < len; off++) {
			if (p[l4off == 20 ? 9 : 6] == IPPROTO_UDP &&
			    (off == l4off + 4 || off == l4off + 5))
				continue;
			for (bit = 0; bit < 8; bit++) {
				p[off] ^= 1U << bit;
				if (l4_ok(p, len))
					missed++;
				p[off] ^= 1U << bit;
			}
		}
	}
	CHECK_EQ(missed, 0);
	CHECK_EQ(misaligned, 0);

	/* A zero UDP checksum: none over IPv4, invalid over IPv6 */
	len = unhex(pkt_udp4_odd, p, sizeof(buf) - 1);
	memset(p + 26, 0, 2);
	CHECK(l4_ok(p, len));
	p[30] ^= 1;
	CHECK(l4_ok(p, len));
	len = unhex(pkt_udp6_odd, p, sizeof(buf) - 1);
	memset(p + 46, 0, 2);
	CHECK(!l4_ok(p, len));

	/* UDP: the sum covers the UDP length, not IP padding beyond it;
	 * a UDP length beyond the packet is left to the handler
	 */
	len = unhex(pkt_udp4_even, p, sizeof(buf) - 1);
	p[len] = 0x55;
	CHECK(csum_l4_ok(AF_INET, IPPROTO_UDP, p + 12, p + 16, p + 20,
			 len - 20 + 1));
	p[24] = 0xff;
	CHECK(l4_ok(p, len));

	/* A sum of zero is sent as 0xffff, and checked as right */
	{
		struct in_addr s = { 0 }, d = { 0 };
		uint8_t u[10] = { 0, 1, 0, 2, 0, 10, 0, 0, 0, 0 };
		struct iovec iov = { .iov_base = u + 8, .iov_len = 2 };
		struct udphdr uh;

		memcpy(&uh, u, sizeof(uh));
		csum_udp4(&uh, s, d, &iov, 1, 0);
		memcpy(u + 8, &uh.check, 2);
		csum_udp4(&uh, s, d, &iov, 1, 0);
		CHECK_EQ(uh.check, 0xffff);
		memcpy(u + 6, &uh.check, 2);
		CHECK(csum_l4_ok(AF_INET, IPPROTO_UDP, &s, &d, u, sizeof(u)));
	}

	/* Protocols without a checksum of ours to check, and ICMP types
	 * over the other IP version, are for the handlers
	 */
	len = unhex(pkt_tcp4, p, sizeof(buf) - 1);
	p[30] ^= 1;
	CHECK(!l4_ok(p, len));
	CHECK(csum_l4_ok(AF_INET, IPPROTO_SCTP, p + 12, p + 16, p + 20,
			 len - 20));
	CHECK(csum_l4_ok(AF_INET, IPPROTO_ICMPV6, p + 12, p + 16, p + 20,
			 len - 20));
	CHECK(csum_l4_ok(AF_INET6, IPPROTO_ICMP, p + 12, p + 16, p + 20,
			 len - 20));
}

/**
 * mbps() - Throughput of a sum function on a 64 KiB buffer
 * @fast:	Use csum_unfolded(), else sum_16b()
 *
 * Return: MB/s
 */
static double mbps(bool fast)
{
	static uint8_t buf[65536 + 1];
	volatile uint32_t sink = 0;
	struct timespec a, b;
	int i, n = 2000;
	double t;

	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (uint8_t)i;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		if (fast)
			sink += csum_unfolded(buf + (i & 1), 65536, 0);
		else
			sink += sum_16b(buf + (i & 1), 65536);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	(void)sink;

	t = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	return n * 65536.0 / t / 1e6;
}

int main(void)
{
	srand(1071);

	test_rfc1071();
	test_lengths();
	test_large();
	test_iov();
	test_ip4_header();
	test_udp();
	test_icmp();
	test_l4_ok();

	printf("64 KiB sum: sum_16b() %.0f MB/s, csum_unfolded() %.0f MB/s\n",
	       mbps(false), mbps(true));

	return unit_done("test_checksum");
}
