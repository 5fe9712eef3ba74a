// SPDX-License-Identifier: GPL-2.0-or-later
/* test_ndp.c - Neighbour Discovery: advertisements for real solicitations,
 *		router advertisement contents, periodic advertisements,
 *		malformed and hostile input
 *
 * The packets below were captured from a Linux 6.x kernel and dhcpcd 9.4.1
 * in network namespaces served by pasta (its --pcap output, test/ns/32-
 * slaac.sh and 31-dhcpv6.sh setups): the IPv6 packets, byte for byte.  The
 * guest autoconfigured 2001:db8:1:0:98e1:eeff:fe04:1694 from our prefix.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip6.h>
#include <sys/socket.h>

#include "passt.h"
#include "checksum.h"
#include "log.h"
#include "ndp.h"
#include "packet.h"
#include "tap.h"
#include "unit.h"

/* Linux 6.x: duplicate address detection for its link-local address (NS from
 * ::): IPv6 packet, 72 bytes
 */
static const uint8_t linux_ns_dad[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xff, 0x04, 0x16, 0x94, 0x87, 0x00, 0x8c, 0x01, 0x00, 0x00, 0x00, 0x00,
	0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x98, 0xe1, 0xee, 0xff,
	0xfe, 0x04, 0x16, 0x94, 0x0e, 0x01, 0xa8, 0x1a, 0x4b, 0x6f, 0x3b, 0x80,
};

/* Linux 6.x: router solicitation, with source link-layer address: IPv6 packet,
 * 56 bytes
 */
static const uint8_t linux_rs[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x3a, 0xff, 0xfe, 0x80, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x98, 0xe1, 0xee, 0xff, 0xfe, 0x04, 0x16, 0x94,
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x85, 0x00, 0x40, 0x39, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x01, 0x9a, 0xe1, 0xee, 0x04, 0x16, 0x94,
};

/* Linux 6.x: NS for 2001:db8:1::2 from its SLAAC address: IPv6 packet, 72
 * bytes
 */
static const uint8_t linux_ns_gw[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x01, 0x00, 0x00, 0x98, 0xe1, 0xee, 0xff, 0xfe, 0x04, 0x16, 0x94,
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xff, 0x00, 0x00, 0x02, 0x87, 0x00, 0xe2, 0x31, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x01, 0x01, 0x9a, 0xe1, 0xee, 0x04, 0x16, 0x94,
};

/* Linux 6.x: NS for 2001:db8:1::77, an on-link peer: IPv6 packet, 72 bytes */
static const uint8_t linux_ns_peer[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x01, 0x00, 0x00, 0x98, 0xe1, 0xee, 0xff, 0xfe, 0x04, 0x16, 0x94,
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xff, 0x00, 0x00, 0x77, 0x87, 0x00, 0xe1, 0x47, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x77, 0x01, 0x01, 0x9a, 0xe1, 0xee, 0x04, 0x16, 0x94,
};

/* dhcpcd 9.4.1: router solicitation: IPv6 packet, 56 bytes */
static const uint8_t dhcpcd_rs[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x3a, 0xff, 0xfe, 0x80, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x3c, 0x4f, 0x7e, 0xff, 0xfe, 0x70, 0xcc, 0x25,
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x85, 0x00, 0x6d, 0x63, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x01, 0x3e, 0x4f, 0x7e, 0x70, 0xcc, 0x25,
};

/* dhcpcd 9.4.1: unsolicited neighbour advertisement to all-nodes: IPv6 packet,
 * 72 bytes
 */
static const uint8_t dhcpcd_na[] = {
	0x60, 0x05, 0xd8, 0x6b, 0x00, 0x20, 0x3a, 0xff, 0xfe, 0x80, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x3c, 0x4f, 0x7e, 0xff, 0xfe, 0x70, 0xcc, 0x25,
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x88, 0x00, 0x95, 0xb4, 0x20, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x3c, 0x4f, 0x7e, 0xff,
	0xfe, 0x70, 0xcc, 0x25, 0x02, 0x01, 0x3e, 0x4f, 0x7e, 0x70, 0xcc, 0x25,
};

static struct ctx c;
static uint8_t out[NDP_MSG_MAX];
static const unsigned char our_mac[] = { 0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55 };

/**
 * ip6() - Parse an IPv6 address
 * @s:		Address as text
 *
 * Return: the address
 */
static struct in6_addr ip6(const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	return a;
}

/**
 * eq6() - Compare an address with one given as text
 * @a:		Address, any alignment
 * @s:		Address as text
 *
 * Return: true if equal
 */
static bool eq6(const void *a, const char *s)
{
	struct in6_addr b = ip6(s);

	return !memcmp(a, &b, sizeof(b));
}

/**
 * ctx_reset() - Configuration of the captures: 2001:db8:1::1/64 via
 *		 2001:db8:1::2, two resolvers, two search domains
 */
static void ctx_reset(void)
{
	memset(&c, 0, sizeof(c));
	c.mode = MODE_PASTA;
	c.fd_tap = -1;
	c.v4 = c.v6 = true;
	memcpy(c.our_tap_mac, our_mac, sizeof(our_mac));
	c.ip6.addr = ip6("2001:db8:1::1");
	c.ip6.prefix_len = 64;
	c.ip6.guest_gw = ip6("2001:db8:1::2");
	c.ip6.dns[0] = ip6("2001:db8:1::2");
	c.ip6.dns[1] = ip6("2001:db8:2::53");
	strcpy(c.dns_search[0].n, "example.org");
	strcpy(c.dns_search[1].n, "test.example");
	c.mtu = 65520;
}

/**
 * struct msg - A packet from the guest, as tap.c would present it
 * @mem:	Allocation: the packet sits at its end, at an offset of 14
 *		bytes like behind an Ethernet header, so that reading past
 *		it, or misaligned access, is caught by the sanitizers
 * @l3:		Layer 3 view
 */
struct msg {
	uint8_t *mem;
	struct tap_l3 l3;
};

/**
 * msg_make() - Present an IPv6 packet like tap.c does
 * @m:		Packet view, set here
 * @pkt:	IPv6 packet (fixed header, then ICMPv6)
 * @len:	Its length, at least 40
 * @l4len:	Length of ICMPv6 data to present, at most @len - 40
 */
static void msg_make(struct msg *m, const uint8_t *pkt, size_t len,
		     size_t l4len)
{
	m->mem = malloc(14 + 40 + l4len);
	memcpy(m->mem + 14, pkt, 40 + l4len);
	m->l3.af = AF_INET6;
	m->l3.proto = IPPROTO_ICMPV6;
	m->l3.l3.data = m->mem + 14;
	m->l3.l3.len = 40 + l4len;
	m->l3.l4.data = m->mem + 14 + 40;
	m->l3.l4.len = l4len;
	m->l3.eth.data = m->mem;
	m->l3.eth.len = 14 + 40 + l4len;
	memcpy(&m->l3.saddr.a6, pkt + 8, 16);
	memcpy(&m->l3.daddr.a6, pkt + 24, 16);
	(void)len;
}

/**
 * reply() - Run ndp_reply_build() on a captured packet
 * @pkt:	IPv6 packet
 * @len:	Its length
 * @src:	Source of the reply, set here
 * @dst:	Destination of the reply, set here
 *
 * Return: what ndp_reply_build() returned
 */
static ssize_t reply(const uint8_t *pkt, size_t len, struct in6_addr *src,
		     struct in6_addr *dst)
{
	struct msg m;
	ssize_t n;

	msg_make(&m, pkt, len, len - 40);
	memset(out, 0xaa, sizeof(out));
	n = ndp_reply_build(&c, &m.l3, out, sizeof(out), src, dst);
	free(m.mem);
	return n;
}

/**
 * struct ra - A router advertisement, parsed by the test
 * @ok:		Well-formed, every option known and of the right size
 * @flags:	M and O flags
 * @lifetime:	Router lifetime
 * @slla:	Source link-layer address option, NULL if absent
 * @prefix:	Prefix information option, NULL if absent
 * @mtu:	MTU option value, 0 if absent
 * @rdnss:	Addresses of the RDNSS option
 * @nrdnss:	Their number
 * @rdnss_life:	Lifetime of RDNSS
 * @dnssl:	Domains of the DNSSL option, comma-separated
 * @dnssl_life:	Lifetime of DNSSL
 */
struct ra {
	int ok;
	uint8_t flags;
	uint16_t lifetime;
	const uint8_t *slla;
	const uint8_t *prefix;
	uint32_t mtu;
	struct in6_addr rdnss[8];
	size_t nrdnss;
	uint32_t rdnss_life;
	char dnssl[1024];
	uint32_t dnssl_life;
};

/**
 * be32() - A 32-bit big-endian number
 * @p:		Where it is
 *
 * Return: its value
 */
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/**
 * dnssl_parse() - Decode the names of a DNSSL option
 * @b:		Option
 * @l:		Option length
 * @ra:		Names written to ra->dnssl
 *
 * Return: 1 if well-formed, 0 if not
 */
static int dnssl_parse(const uint8_t *b, size_t l, struct ra *ra)
{
	size_t p = 8;

	ra->dnssl_life = be32(b + 4);
	while (p < l && b[p]) {
		if (*ra->dnssl)
			strcat(ra->dnssl, ",");
		while (p < l && b[p]) {
			if (b[p] > 63 || p + 1 + b[p] >= l)
				return 0;
			if (ra->dnssl[0] && ra->dnssl[strlen(ra->dnssl) - 1] !=
					    ',')
				strcat(ra->dnssl, ".");
			strncat(ra->dnssl, (const char *)b + p + 1, b[p]);
			p += 1 + b[p];
		}
		p++;
	}
	for (; p < l; p++) {
		if (b[p])
			return 0;	/* padding must be zero */
	}
	return 1;
}

/**
 * ra_parse() - Parse a router advertisement in out[]
 * @len:	Its length
 * @ra:		Parsed, filled here
 */
static void ra_parse(size_t len, struct ra *ra)
{
	size_t off = 16;

	memset(ra, 0, sizeof(*ra));
	if (len < 16 || out[0] != ND_ROUTER_ADVERT || out[1] || out[4] ||
	    be32(out + 8) || be32(out + 12))
		return;
	ra->flags = out[5];
	ra->lifetime = out[6] << 8 | out[7];
	ra->ok = 1;
	while (off < len) {
		const uint8_t *o = out + off;
		size_t l = o[1] * 8, i;

		if (off + 2 > len || !l || off + l > len) {
			ra->ok = 0;
			return;
		}
		switch (o[0]) {
		case ND_OPT_SOURCE_LINKADDR:
			ra->slla = l == 8 ? o + 2 : NULL;
			break;
		case ND_OPT_PREFIX_INFORMATION:
			ra->prefix = l == 32 ? o : NULL;
			break;
		case ND_OPT_MTU:
			ra->mtu = l == 8 ? be32(o + 4) : 0;
			break;
		case 25:
			ra->rdnss_life = be32(o + 4);
			for (i = 8; i + 16 <= l && ra->nrdnss < 8; i += 16)
				memcpy(&ra->rdnss[ra->nrdnss++], o + i, 16);
			if ((l - 8) % 16)
				ra->ok = 0;
			break;
		case 31:
			if (!dnssl_parse(o, l, ra))
				ra->ok = 0;
			break;
		default:
			ra->ok = 0;
		}
		off += l;
	}
}

/**
 * test_our_ll() - Our link-local address
 */
static void test_our_ll(void)
{
	ctx_reset();
	/* Modified EUI-64 from the MAC address */
	CHECK(eq6(ndp_our_ll(&c), "fe80::9855:9aff:fe55:9a55"));
	c.ip6.guest_gw = ip6("fe80::1");
	CHECK(eq6(ndp_our_ll(&c), "fe80::1"));
	c.ip6.our_tap_ll = ip6("fe80::abcd");
	CHECK(eq6(ndp_our_ll(&c), "fe80::abcd"));
}

/**
 * test_rs() - Router solicitations, advertisement contents
 */
static void test_rs(void)
{
	struct in6_addr src, dst;
	struct ra ra;
	ssize_t n;

	ctx_reset();
	n = reply(linux_rs, sizeof(linux_rs), &src, &dst);
	CHECK(n > 0);
	CHECK(eq6(&src, "fe80::9855:9aff:fe55:9a55"));
	CHECK(eq6(&dst, "fe80::98e1:eeff:fe04:1694"));
	ra_parse(n, &ra);
	CHECK(ra.ok);
	CHECK_EQ(ra.flags, ND_RA_FLAG_MANAGED | ND_RA_FLAG_OTHER);
	CHECK_EQ(ra.lifetime, 65535);
	CHECK(ra.slla && !memcmp(ra.slla, our_mac, 6));
	CHECK(ra.prefix != NULL);
	if (ra.prefix) {
		CHECK_EQ(ra.prefix[2], 64);
		CHECK_EQ(ra.prefix[3], 0xc0);		/* L, A */
		CHECK_EQ(be32(ra.prefix + 4), 0xffffffff);
		CHECK_EQ(be32(ra.prefix + 8), 0xffffffff);
		CHECK(eq6(ra.prefix + 16, "2001:db8:1::"));
	}
	CHECK_EQ(ra.mtu, 65520);
	CHECK_EQ(ra.nrdnss, 2);
	CHECK(IN6_ARE_ADDR_EQUAL(&ra.rdnss[0], &c.ip6.dns[0]));
	CHECK(IN6_ARE_ADDR_EQUAL(&ra.rdnss[1], &c.ip6.dns[1]));
	CHECK(ra.rdnss_life >= 1800);
	CHECK(!strcmp(ra.dnssl, "example.org,test.example"));
	CHECK(ra.dnssl_life >= 1800);

	/* dhcpcd's solicitation: same answer, to its address */
	n = reply(dhcpcd_rs, sizeof(dhcpcd_rs), &src, &dst);
	CHECK(n > 0 && eq6(&dst, "fe80::3c4f:7eff:fe70:cc25"));

	/* Configuration variants */
	c.no_dhcpv6 = 1;
	c.no_dhcp_dns = 1;
	c.mtu = 1000;
	c.ip6.prefix_len = 56;
	c.ip6.addr = ip6("2001:db8:1:2ff::1");
	n = reply(linux_rs, sizeof(linux_rs), &src, &dst);
	ra_parse(n, &ra);
	CHECK(ra.ok && !ra.flags && !ra.nrdnss && !ra.mtu);
	CHECK(!strcmp(ra.dnssl, "example.org,test.example"));
	CHECK(ra.prefix && ra.prefix[2] == 56 && ra.prefix[3] == 0x80 &&
	      eq6(ra.prefix + 16, "2001:db8:1:200::"));

	ctx_reset();
	c.no_dhcp_dns_search = 1;
	memset(c.ip6.dns, 0, sizeof(c.ip6.dns));
	c.ip6.dns_match = ip6("2001:db8:1::53");
	c.mtu = 0;
	memset(&c.ip6.addr, 0, sizeof(c.ip6.addr));
	n = reply(linux_rs, sizeof(linux_rs), &src, &dst);
	ra_parse(n, &ra);
	CHECK(ra.ok && !ra.prefix && !ra.mtu && !ra.dnssl[0]);
	CHECK(ra.nrdnss == 1 && eq6(&ra.rdnss[0], "2001:db8:1::53"));

	/* Long search list: what fits, and padding stays within 255 * 8 */
	ctx_reset();
	{
		size_t i;

		for (i = 0; i < MAXDNSRCH; i++) {
			memset(c.dns_search[i].n, 'a' + i, 250);
			c.dns_search[i].n[60] = '.';
			c.dns_search[i].n[120] = '.';
			c.dns_search[i].n[180] = '.';
			c.dns_search[i].n[240] = '.';
		}
		n = reply(linux_rs, sizeof(linux_rs), &src, &dst);
		ra_parse(n, &ra);
		CHECK(ra.ok && n <= NDP_MSG_MAX && ra.slla && ra.prefix);
		CHECK(strlen(ra.dnssl) > 3 * 251);
	}

	/* --no-ra: no answer */
	ctx_reset();
	c.no_ra = 1;
	CHECK_EQ(reply(linux_rs, sizeof(linux_rs), &src, &dst), 0);
}

/**
 * test_rs_unspec() - Router solicitation from the unspecified address
 */
static void test_rs_unspec(void)
{
	uint8_t pkt[sizeof(linux_rs)];
	struct in6_addr src, dst;

	ctx_reset();
	memcpy(pkt, linux_rs, sizeof(pkt));
	memset(pkt + 8, 0, 16);

	/* with a source link-layer address option: invalid */
	CHECK_EQ(reply(pkt, sizeof(pkt), &src, &dst), -1);

	/* without: answered to all-nodes */
	pkt[5] = 8;
	CHECK(reply(pkt, 40 + 8, &src, &dst) > 0);
	CHECK(eq6(&dst, "ff02::1"));
}

/**
 * test_ns() - Neighbour solicitations: peers, gateway, DAD
 */
static void test_ns(void)
{
	struct in6_addr src, dst;
	uint8_t pkt[sizeof(linux_ns_dad)];
	ssize_t n;

	ctx_reset();

	/* The gateway */
	n = reply(linux_ns_gw, sizeof(linux_ns_gw), &src, &dst);
	CHECK_EQ(n, 32);
	CHECK(eq6(&src, "2001:db8:1::2"));
	CHECK(eq6(&dst, "2001:db8:1:0:98e1:eeff:fe04:1694"));
	CHECK_EQ(out[0], ND_NEIGHBOR_ADVERT);
	CHECK_EQ(out[1], 0);
	CHECK_EQ(out[4], 0xe0);		/* router, solicited, override */
	CHECK(eq6(out + 8, "2001:db8:1::2"));
	CHECK(out[24] == ND_OPT_TARGET_LINKADDR && out[25] == 1 &&
	      !memcmp(out + 26, our_mac, 6));

	/* A peer on the link, as the guest thinks */
	n = reply(linux_ns_peer, sizeof(linux_ns_peer), &src, &dst);
	CHECK_EQ(n, 32);
	CHECK(eq6(&src, "2001:db8:1::77"));
	CHECK(eq6(out + 8, "2001:db8:1::77"));

	/* ... unless it's an address the guest uses itself */
	c.ip6.addr_seen = ip6("2001:db8:1::77");
	CHECK_EQ(reply(linux_ns_peer, sizeof(linux_ns_peer), &src, &dst), 0);
	ctx_reset();
	c.ip6.addr = ip6("2001:db8:1::77");
	CHECK_EQ(reply(linux_ns_peer, sizeof(linux_ns_peer), &src, &dst), 0);
	ctx_reset();

	/* DAD for the guest's own link-local address: silence */
	CHECK_EQ(reply(linux_ns_dad, sizeof(linux_ns_dad), &src, &dst), 0);

	/* DAD for our own address: defended, to all-nodes, not solicited */
	memcpy(pkt, linux_ns_dad, sizeof(pkt));
	memcpy(pkt + 48, ndp_our_ll(&c), 16);
	n = reply(pkt, sizeof(pkt), &src, &dst);
	CHECK_EQ(n, 32);
	CHECK(eq6(&dst, "ff02::1"));
	CHECK(IN6_ARE_ADDR_EQUAL(&src, ndp_our_ll(&c)));
	CHECK_EQ(out[4], 0xa0);			/* router, override */
	memcpy(pkt + 48, &c.ip6.guest_gw, 16);
	CHECK_EQ(reply(pkt, sizeof(pkt), &src, &dst), 32);

	/* DAD not to a solicited-node address: invalid */
	memcpy(pkt, linux_ns_dad, sizeof(pkt));
	pkt[24 + 15] = 0x01;
	pkt[24 + 11] = 0x00;
	pkt[24 + 12] = 0x00;
	CHECK_EQ(reply(pkt, sizeof(pkt), &src, &dst), -1);

	/* Multicast target: invalid */
	memcpy(pkt, linux_ns_gw, sizeof(pkt));
	pkt[48] = 0xff;
	CHECK_EQ(reply(pkt, sizeof(pkt), &src, &dst), -1);
}

/**
 * test_malformed() - Hop limit, code, lengths, options
 */
static void test_malformed(void)
{
	static const struct { const uint8_t *p; size_t len; } caps[] = {
		{ linux_ns_dad, sizeof(linux_ns_dad) },
		{ linux_rs, sizeof(linux_rs) },
		{ linux_ns_gw, sizeof(linux_ns_gw) },
		{ linux_ns_peer, sizeof(linux_ns_peer) },
		{ dhcpcd_rs, sizeof(dhcpcd_rs) },
		{ dhcpcd_na, sizeof(dhcpcd_na) },
	};
	uint8_t pkt[256];
	struct in6_addr src, dst;
	unsigned int i, j;
	size_t len;

	ctx_reset();

	memcpy(pkt, linux_ns_gw, sizeof(linux_ns_gw));
	pkt[7] = 254;					/* hop limit */
	CHECK_EQ(reply(pkt, sizeof(linux_ns_gw), &src, &dst), -1);
	pkt[7] = 255;
	pkt[41] = 1;					/* code */
	CHECK_EQ(reply(pkt, sizeof(linux_ns_gw), &src, &dst), -1);
	pkt[41] = 0;
	pkt[65] = 0;					/* option length */
	CHECK_EQ(reply(pkt, sizeof(linux_ns_gw), &src, &dst), -1);
	pkt[65] = 2;					/* past the end */
	CHECK_EQ(reply(pkt, sizeof(linux_ns_gw), &src, &dst), -1);
	pkt[65] = 1;
	CHECK_EQ(reply(pkt, 40 + 23, &src, &dst), -1);	/* short */
	CHECK_EQ(reply(pkt, 40 + 24, &src, &dst), 32);	/* no options */
	CHECK_EQ(reply(pkt, 40 + 25, &src, &dst), -1);	/* half an option */

	/* Advertisements and redirects from the guest: nothing to say */
	CHECK_EQ(reply(dhcpcd_na, sizeof(dhcpcd_na), &src, &dst), 0);

	/* Every truncation, random corruption */
	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		for (len = 0; len <= caps[i].len - 40; len++) {
			struct msg m;
			ssize_t n;

			msg_make(&m, caps[i].p, caps[i].len, len);
			n = ndp_reply_build(&c, &m.l3, out, sizeof(out),
					    &src, &dst);
			CHECK(n >= -1 && n <= NDP_MSG_MAX);
			free(m.mem);
		}
	}
	srandom(1);
	for (i = 0; i < 20000; i++) {
		struct msg m;
		ssize_t n;

		len = caps[i % ARRAY_SIZE(caps)].len;
		memcpy(pkt, caps[i % ARRAY_SIZE(caps)].p, len);
		for (j = 0; j < 1 + random() % 4; j++)
			pkt[40 + random() % (len - 40)] = random();
		if (random() % 8 == 0)
			pkt[7] = 255;
		msg_make(&m, pkt, len, len - 40 - (random() % 3 ? 0 :
						  random() % (len - 40)));
		n = ndp_reply_build(&c, &m.l3, out, sizeof(out), &src, &dst);
		CHECK(n >= -1 && n <= NDP_MSG_MAX);
		if (n > 0)
			CHECK(out[0] == ND_NEIGHBOR_ADVERT ||
			      out[0] == ND_ROUTER_ADVERT);
		free(m.mem);
	}
}

/**
 * test_entry() - ndp(): which ICMPv6 messages are NDP
 */
static void test_entry(void)
{
	uint8_t pkt[sizeof(linux_ns_gw)];
	struct msg m;
	int type;

	ctx_reset();
	memcpy(pkt, linux_ns_gw, sizeof(pkt));
	for (type = 0; type < 256; type++) {
		pkt[40] = type;
		msg_make(&m, pkt, sizeof(pkt), sizeof(pkt) - 40);
		CHECK_EQ(ndp(&c, &m.l3), type >= 133 && type <= 137);
		free(m.mem);
	}

	c.no_ndp = 1;
	msg_make(&m, linux_rs, sizeof(linux_rs), sizeof(linux_rs) - 40);
	CHECK_EQ(ndp(&c, &m.l3), 1);
	m.l3.proto = IPPROTO_UDP;
	CHECK_EQ(ndp(&c, &m.l3), 0);
	m.l3.proto = IPPROTO_ICMPV6;
	m.l3.l4.len = 0;
	CHECK_EQ(ndp(&c, &m.l3), 0);
	free(m.mem);
}

/**
 * frame_check() - Read a frame we sent, check headers and checksum
 * @fd:		Reading end
 * @dst:	Expected destination address
 * @type:	Expected ICMPv6 type
 *
 * Return: 1 if a frame was there and correct, 0 if none, -1 if wrong
 */
static int frame_check(int fd, const char *dst, uint8_t type)
{
	uint8_t f[2048];
	uint32_t sum = 0;
	ssize_t n = recv(fd, f, sizeof(f), MSG_DONTWAIT);
	size_t plen, i;

	if (n < 0)
		return 0;
	if (n < 14 + 40 + 8 || memcmp(f, c.guest_mac, 6) ||
	    memcmp(f + 6, our_mac, 6) || f[12] != 0x86 || f[13] != 0xdd)
		return -1;
	plen = f[18] << 8 | f[19];
	if ((size_t)n != 14 + 40 + plen || f[20] != 58 || f[21] != 255 ||
	    memcmp(f + 22, ndp_our_ll(&c), 16) ||
	    !eq6(f + 38, dst) || f[54] != type)
		return -1;

	/* ICMPv6 checksum over the pseudo-header */
	for (i = 22; i < 54; i += 2)
		sum += f[i] << 8 | f[i + 1];
	sum += plen + 58;
	for (i = 54; i < (size_t)n; i += 2)
		sum += f[i] << 8 | (i + 1 < (size_t)n ? f[i + 1] : 0);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff ? 1 : -1;
}

/**
 * test_timer() - Unsolicited advertisements: when, and what goes out
 */
static void test_timer(void)
{
	static const unsigned char guest[] = { 0x02, 0, 0, 0, 0, 0x42 };
	struct timespec now = { 100, 0 };
	unsigned int sent = 0, t, first = 0;
	int fds[2];

	ctx_reset();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds)) {
		CHECK(0);
		return;
	}
	c.fd_tap = fds[0];

	/* No guest yet: nothing */
	ndp_timer(&c, &now);
	CHECK_EQ(frame_check(fds[1], "ff02::1", ND_ROUTER_ADVERT), 0);

	/* The guest appears: one right away, then at 16 s intervals */
	memcpy(c.guest_mac, guest, sizeof(guest));
	ndp_timer(&c, &now);
	CHECK_EQ(frame_check(fds[1], "ff02::1", ND_ROUTER_ADVERT), 1);
	for (t = 101; t <= 132; t++) {
		now.tv_sec = t;
		ndp_timer(&c, &now);
		if (t == 116 || t == 132)
			CHECK_EQ(frame_check(fds[1], "ff02::1",
					     ND_ROUTER_ADVERT), 1);
		else
			CHECK_EQ(frame_check(fds[1], "ff02::1",
					     ND_ROUTER_ADVERT), 0);
	}

	/* Then one every 200 to 600 seconds */
	for (t = 133; t < 132 + 3000; t++) {
		now.tv_sec = t;
		ndp_timer(&c, &now);
		if (frame_check(fds[1], "ff02::1", ND_ROUTER_ADVERT) == 1) {
			if (!sent)
				first = t;
			sent++;
		}
	}
	CHECK(first >= 132 + 200 && first < 132 + 600);
	CHECK(sent >= 3000 / 600 && sent <= 3000 / 200);

	/* --no-ra, --no-ndp: none */
	c.no_ra = 1;
	for (t = 0; t < 1200; t++) {
		now.tv_sec++;
		ndp_timer(&c, &now);
	}
	CHECK_EQ(frame_check(fds[1], "ff02::1", ND_ROUTER_ADVERT), 0);
	c.no_ra = 0;

	/* The guest goes and comes back: again right away */
	memset(c.guest_mac, 0, sizeof(c.guest_mac));
	now.tv_sec++;
	ndp_timer(&c, &now);
	while (frame_check(fds[1], "ff02::1", ND_ROUTER_ADVERT) == 1)
		;
	memcpy(c.guest_mac, guest, sizeof(guest));
	now.tv_sec++;
	ndp_timer(&c, &now);
	CHECK_EQ(frame_check(fds[1], "ff02::1", ND_ROUTER_ADVERT), 1);

	/* ndp() sends what ndp_reply_build() makes */
	{
		struct msg m;

		msg_make(&m, linux_ns_gw, sizeof(linux_ns_gw),
			 sizeof(linux_ns_gw) - 40);
		CHECK_EQ(ndp(&c, &m.l3), 1);
		free(m.mem);
		{
			uint8_t f[256];
			ssize_t n = recv(fds[1], f, sizeof(f), MSG_DONTWAIT);

			CHECK_EQ(n, 14 + 40 + 32);
			CHECK(n > 54 && f[54] == ND_NEIGHBOR_ADVERT &&
			      eq6(f + 22, "2001:db8:1::2"));
		}
	}

	close(fds[0]);
	close(fds[1]);
	c.fd_tap = -1;
}

int main(void)
{
	log_init("test_ndp", true, LOG_ERR, false);

	test_our_ll();
	test_rs();
	test_rs_unspec();
	test_ns();
	test_malformed();
	test_entry();
	test_timer();

	return unit_done("test_ndp");
}
