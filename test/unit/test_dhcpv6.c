// SPDX-License-Identifier: GPL-2.0-or-later
/* test_dhcpv6.c - DHCPv6 server: replies to real clients' messages, identity
 *		   associations, status codes, malformed and hostile input
 *
 * The client messages below were captured from real clients (ISC dhclient
 * 4.4.3 -6 and dhcpcd 9.4.1) in a network namespace served by pasta (its
 * --pcap output, test/ns/31-dhcpv6.sh setup), with the MAC address
 * 9a:55:9a:55:9a:55, hence the server identifier 00:03:00:01:9a:55:9a:55:
 * 9a:55, and the address 2001:db8:1::1.  They are the UDP payloads, byte
 * for byte.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>

#include "passt.h"
#include "dhcp.h"
#include "dhcpv6.h"
#include "log.h"
#include "ndp.h"
#include "packet.h"
#include "tap.h"
#include "unit.h"

/* ISC dhclient 4.4.3 -6: SOLICIT, 56 bytes */
static const uint8_t dhclient_solicit[] = {
	0x01, 0x8a, 0xa2, 0x1f, 0x00, 0x01, 0x00, 0x0e, 0x00, 0x01, 0x00, 0x01,
	0x32, 0x9d, 0xce, 0x34, 0x46, 0xf4, 0xa0, 0x68, 0xdd, 0xdf, 0x00, 0x06,
	0x00, 0x08, 0x00, 0x17, 0x00, 0x18, 0x00, 0x27, 0x00, 0x1f, 0x00, 0x08,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x0c, 0xa0, 0x68, 0xdd, 0xdf,
	0x00, 0x00, 0x0e, 0x10, 0x00, 0x00, 0x15, 0x18,
};

/* ISC dhclient 4.4.3 -6: REQUEST, 98 bytes */
static const uint8_t dhclient_request[] = {
	0x03, 0x3c, 0xfe, 0xee, 0x00, 0x01, 0x00, 0x0e, 0x00, 0x01, 0x00, 0x01,
	0x32, 0x9d, 0xce, 0x34, 0x46, 0xf4, 0xa0, 0x68, 0xdd, 0xdf, 0x00, 0x02,
	0x00, 0x0a, 0x00, 0x03, 0x00, 0x01, 0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55,
	0x00, 0x06, 0x00, 0x08, 0x00, 0x17, 0x00, 0x18, 0x00, 0x27, 0x00, 0x1f,
	0x00, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x28, 0xa0, 0x68,
	0xdd, 0xdf, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x00, 0x15, 0x18, 0x00, 0x05,
	0x00, 0x18, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x1c, 0x20, 0x00, 0x00,
	0x1d, 0x4c,
};

/* ISC dhclient 4.4.3 -6, restarted with its lease: CONFIRM, 84 bytes */
static const uint8_t dhclient_confirm[] = {
	0x04, 0x4e, 0x0d, 0xfc, 0x00, 0x01, 0x00, 0x0e, 0x00, 0x01, 0x00, 0x01,
	0x32, 0x9d, 0xce, 0x34, 0x46, 0xf4, 0xa0, 0x68, 0xdd, 0xdf, 0x00, 0x06,
	0x00, 0x08, 0x00, 0x17, 0x00, 0x18, 0x00, 0x27, 0x00, 0x1f, 0x00, 0x08,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x28, 0xa0, 0x68, 0xdd, 0xdf,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x18,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* ISC dhclient 4.4.3 -6 -r: RELEASE, 98 bytes */
static const uint8_t dhclient_release[] = {
	0x08, 0x31, 0x0d, 0xb5, 0x00, 0x01, 0x00, 0x0e, 0x00, 0x01, 0x00, 0x01,
	0x32, 0x9d, 0xce, 0x34, 0x46, 0xf4, 0xa0, 0x68, 0xdd, 0xdf, 0x00, 0x02,
	0x00, 0x0a, 0x00, 0x03, 0x00, 0x01, 0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55,
	0x00, 0x06, 0x00, 0x08, 0x00, 0x17, 0x00, 0x18, 0x00, 0x27, 0x00, 0x1f,
	0x00, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x28, 0xa0, 0x68,
	0xdd, 0xdf, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
	0x00, 0x18, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00,
};

/* ISC dhclient 4.4.3 -6 -S: INFORMATION-REQUEST, 36 bytes */
static const uint8_t dhclient_inforeq[] = {
	0x0b, 0x7b, 0x23, 0xc6, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x03, 0x00, 0x01,
	0x46, 0xf4, 0xa0, 0x68, 0xdd, 0xdf, 0x00, 0x06, 0x00, 0x08, 0x00, 0x17,
	0x00, 0x18, 0x00, 0x27, 0x00, 0x1f, 0x00, 0x08, 0x00, 0x02, 0x00, 0x00,
};

/* dhcpcd 9.4.1 -6: SOLICIT, 116 bytes */
static const uint8_t dhcpcd_solicit[] = {
	0x01, 0xc2, 0x74, 0x07, 0x00, 0x01, 0x00, 0x0e, 0x00, 0x01, 0x00, 0x01,
	0x32, 0x9d, 0xce, 0x41, 0x3e, 0x4f, 0x7e, 0x70, 0xcc, 0x25, 0x00, 0x03,
	0x00, 0x0c, 0x7e, 0x70, 0xcc, 0x25, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x06, 0x00, 0x04, 0x00, 0x52, 0x00, 0x53, 0x00, 0x08,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x10, 0x00, 0x3c, 0x00, 0x00, 0x9f, 0x08,
	0x00, 0x36, 0x64, 0x68, 0x63, 0x70, 0x63, 0x64, 0x2d, 0x39, 0x2e, 0x34,
	0x2e, 0x31, 0x3a, 0x4c, 0x69, 0x6e, 0x75, 0x78, 0x2d, 0x36, 0x2e, 0x31,
	0x38, 0x2e, 0x34, 0x34, 0x2d, 0x66, 0x63, 0x2d, 0x76, 0x36, 0x35, 0x37,
	0x3a, 0x78, 0x38, 0x36, 0x5f, 0x36, 0x34, 0x3a, 0x41, 0x75, 0x74, 0x68,
	0x65, 0x6e, 0x74, 0x69, 0x63, 0x41, 0x4d, 0x44,
};

/* dhcpcd 9.4.1 -6: REQUEST, 158 bytes */
static const uint8_t dhcpcd_request[] = {
	0x03, 0x31, 0x22, 0x82, 0x00, 0x01, 0x00, 0x0e, 0x00, 0x01, 0x00, 0x01,
	0x32, 0x9d, 0xce, 0x41, 0x3e, 0x4f, 0x7e, 0x70, 0xcc, 0x25, 0x00, 0x02,
	0x00, 0x0a, 0x00, 0x03, 0x00, 0x01, 0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55,
	0x00, 0x03, 0x00, 0x28, 0x7e, 0x70, 0xcc, 0x25, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x18, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x06, 0x00, 0x04,
	0x00, 0x52, 0x00, 0x53, 0x00, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00, 0x10,
	0x00, 0x3c, 0x00, 0x00, 0x9f, 0x08, 0x00, 0x36, 0x64, 0x68, 0x63, 0x70,
	0x63, 0x64, 0x2d, 0x39, 0x2e, 0x34, 0x2e, 0x31, 0x3a, 0x4c, 0x69, 0x6e,
	0x75, 0x78, 0x2d, 0x36, 0x2e, 0x31, 0x38, 0x2e, 0x34, 0x34, 0x2d, 0x66,
	0x63, 0x2d, 0x76, 0x36, 0x35, 0x37, 0x3a, 0x78, 0x38, 0x36, 0x5f, 0x36,
	0x34, 0x3a, 0x41, 0x75, 0x74, 0x68, 0x65, 0x6e, 0x74, 0x69, 0x63, 0x41,
	0x4d, 0x44,
};

static struct ctx c;
static uint8_t out[DHCPV6_MSG_MAX];
static uint8_t msg[8192];

static const uint8_t our_duid[] = { 0, 3, 0, 1,
				    0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55 };

/**
 * struct v6opt - An option found in a reply (or inside an option)
 * @code:	Option code
 * @data:	Payload
 * @len:	Payload length
 */
struct v6opt {
	uint16_t code;
	const uint8_t *data;
	size_t len;
};

/**
 * struct v6reply - A reply of dhcpv6_reply_build(), parsed by the test
 * @len:	Return value
 * @ok:		All options well-formed
 * @o:		Top-level options, in order
 * @n:		Number of entries in @o
 */
struct v6reply {
	ssize_t len;
	int ok;
	struct v6opt o[32];
	size_t n;
};

/**
 * opts_parse() - Parse options, independently of the code under test
 * @p:		Options
 * @len:	Their length
 * @o:		Options found
 * @max:	Size of @o
 * @n:		Number found, set here
 *
 * Return: 1 if well-formed, 0 if not
 */
static int opts_parse(const uint8_t *p, size_t len, struct v6opt *o,
		      size_t max, size_t *n)
{
	size_t off = 0;

	*n = 0;
	while (off < len) {
		size_t l;

		if (off + 4 > len)
			return 0;
		l = p[off + 2] << 8 | p[off + 3];
		if (off + 4 + l > len || *n == max)
			return 0;
		o[*n].code = p[off] << 8 | p[off + 1];
		o[*n].data = p + off + 4;
		o[*n].len = l;
		(*n)++;
		off += 4 + l;
	}
	return 1;
}

/**
 * find() - Find an option in a list
 * @o:		Options
 * @n:		Number of options
 * @code:	Option code
 * @nth:	Which instance, from 0
 *
 * Return: the option, or NULL
 */
static const struct v6opt *find(const struct v6opt *o, size_t n,
				uint16_t code, int nth)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (o[i].code == code && !nth--)
			return &o[i];
	}
	return NULL;
}

/**
 * build() - Run dhcpv6_reply_build() on a copy of exactly @len bytes
 * @m:		Message
 * @len:	Its length
 * @r:		Parsed reply, filled here
 */
static void build(const uint8_t *m, size_t len, struct v6reply *r)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct pkt p = { copy, len };

	memcpy(copy, m, len);
	memset(r, 0, sizeof(*r));
	memset(out, 0xaa, sizeof(out));
	r->len = dhcpv6_reply_build(&c, &p, out, sizeof(out));
	if (r->len >= 4)
		r->ok = opts_parse(out + 4, r->len - 4, r->o, ARRAY_SIZE(r->o),
				   &r->n);
	free(copy);
}

/**
 * top() - A top-level option of the reply
 * @r:		Reply
 * @code:	Option code
 *
 * Return: the option, or NULL
 */
static const struct v6opt *top(const struct v6reply *r, uint16_t code)
{
	return find(r->o, r->n, code, 0);
}

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
 * status_of() - Status code in a list of options
 * @o:		Options
 * @n:		Number of options
 *
 * Return: the status code, -1 if there is none
 */
static int status_of(const struct v6opt *o, size_t n)
{
	const struct v6opt *s = find(o, n, 13, 0);

	if (!s || s->len < 2)
		return -1;
	return s->data[0] << 8 | s->data[1];
}

/**
 * struct ia - An identity association of a reply, parsed
 * @iaid:	IAID, as stored
 * @t1:		T1 (0 for IA_TA)
 * @t2:		T2 (0 for IA_TA)
 * @status:	Status code inside, -1 if none
 * @addr:	Addresses
 * @life:	Preferred lifetime of each address (valid one checked equal)
 * @naddr:	Number of addresses
 * @ok:		Well-formed
 */
struct ia {
	uint32_t iaid;
	uint32_t t1, t2;
	int status;
	struct in6_addr addr[8];
	uint32_t life[8];
	size_t naddr;
	int ok;
};

/**
 * ia_parse() - Parse an IA_NA, IA_TA or IA_PD of a reply
 * @o:		The option
 * @ia:		Parsed, filled here
 */
static void ia_parse(const struct v6opt *o, struct ia *ia)
{
	size_t hlen = o->code == 4 ? 4 : 12, n, i;
	struct v6opt sub[16];

	memset(ia, 0, sizeof(*ia));
	if (o->len < hlen)
		return;
	memcpy(&ia->iaid, o->data, 4);
	if (hlen == 12) {
		ia->t1 = be32(o->data + 4);
		ia->t2 = be32(o->data + 8);
	}
	ia->ok = opts_parse(o->data + hlen, o->len - hlen, sub,
			    ARRAY_SIZE(sub), &n);
	ia->status = status_of(sub, n);
	for (i = 0; i < n; i++) {
		if (sub[i].code != 5 || ia->naddr == 8)
			continue;
		if (sub[i].len != 24 ||
		    be32(sub[i].data + 16) != be32(sub[i].data + 20))
			ia->ok = 0;
		memcpy(&ia->addr[ia->naddr], sub[i].data, 16);
		ia->life[ia->naddr++] = be32(sub[i].data + 16);
	}
}

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
 * req_opt() - Find a top-level option of a captured message, in msg[]
 * @len:	Length of the message in msg[]
 * @code:	Option code
 *
 * Return: offset of the option header, 0 if not found
 */
static size_t req_opt(size_t len, uint16_t code)
{
	size_t off = 4;

	while (off + 4 <= len) {
		size_t l = msg[off + 2] << 8 | msg[off + 3];

		if ((msg[off] << 8 | msg[off + 1]) == code)
			return off;
		off += 4 + l;
	}
	return 0;
}

/**
 * req_del() - Remove a top-level option from the message in msg[]
 * @len:	Length of the message, updated
 * @code:	Option code
 */
static void req_del(size_t *len, uint16_t code)
{
	size_t off = req_opt(*len, code), l;

	if (!off)
		return;
	l = 4 + (msg[off + 2] << 8 | msg[off + 3]);
	memmove(msg + off, msg + off + l, *len - off - l);
	*len -= l;
}

/**
 * req_add() - Append an option to the message in msg[]
 * @len:	Length of the message, updated
 * @code:	Option code
 * @data:	Payload
 * @dlen:	Payload length
 */
static void req_add(size_t *len, uint16_t code, const void *data, size_t dlen)
{
	msg[*len] = code >> 8;
	msg[*len + 1] = code;
	msg[*len + 2] = dlen >> 8;
	msg[*len + 3] = dlen;
	if (dlen)
		memcpy(msg + *len + 4, data, dlen);
	*len += 4 + dlen;
}

/**
 * ctx_reset() - Configuration matching the captures
 */
static void ctx_reset(void)
{
	static const unsigned char mac[] = { 0x9a, 0x55, 0x9a, 0x55,
					     0x9a, 0x55 };

	memset(&c, 0, sizeof(c));
	c.mode = MODE_PASTA;
	c.fd_tap = -1;
	c.v4 = c.v6 = true;
	memcpy(c.our_tap_mac, mac, sizeof(mac));
	c.ip6.addr = ip6("2001:db8:1::1");
	c.ip6.prefix_len = 64;
	c.ip6.guest_gw = ip6("2001:db8:1::2");
	c.ip6.dns[0] = ip6("2001:db8:1::2");
	c.ip6.dns[1] = ip6("2001:db8:2::53");
	strcpy(c.dns_search[0].n, "example.org");
	strcpy(c.dns_search[1].n, "test.example");
	c.mtu = 65520;
	dhcpv6_init(&c);
}

/**
 * check_header() - Reply type, transaction ID, client and server IDs
 * @r:		Reply
 * @m:		Request
 * @len:	Request length
 * @type:	Expected reply type
 */
static void check_header(const struct v6reply *r, const uint8_t *m,
			 size_t len, uint8_t type)
{
	const struct v6opt *cid, *sid;
	size_t n;
	struct v6opt req[32];

	CHECK(r->len >= 4 && r->len <= DHCPV6_MSG_MAX && r->ok);
	CHECK_EQ(out[0], type);
	CHECK(!memcmp(out + 1, m + 1, 3));
	CHECK(opts_parse(m + 4, len - 4, req, ARRAY_SIZE(req), &n));
	cid = find(req, n, 1, 0);
	CHECK(cid && top(r, 1) && top(r, 1)->len == cid->len &&
	      !memcmp(top(r, 1)->data, cid->data, cid->len));
	sid = top(r, 2);
	CHECK(sid && sid->len == sizeof(our_duid) &&
	      !memcmp(sid->data, our_duid, sizeof(our_duid)));
}

/**
 * check_dns() - Resolvers and search list of a reply
 * @r:		Reply
 */
static void check_dns(const struct v6reply *r)
{
	static const uint8_t names[] = {
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0,
		4, 't', 'e', 's', 't', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		0 };
	const struct v6opt *d = top(r, 23), *s = top(r, 24);

	CHECK(d && d->len == 32 && !memcmp(d->data, &c.ip6.dns[0], 16) &&
	      !memcmp(d->data + 16, &c.ip6.dns[1], 16));
	CHECK(s && s->len == sizeof(names) &&
	      !memcmp(s->data, names, sizeof(names)));
}

/**
 * check_ia_ours() - The reply's first IA_NA holds our address, for ever
 * @r:		Reply
 * @m:		Request, for the IAID
 * @len:	Request length
 */
static void check_ia_ours(const struct v6reply *r, const uint8_t *m,
			  size_t len)
{
	const struct v6opt *o = top(r, 3), *q;
	struct v6opt req[32];
	struct ia ia;
	size_t n;

	CHECK(o != NULL);
	if (!o)
		return;
	ia_parse(o, &ia);
	opts_parse(m + 4, len - 4, req, ARRAY_SIZE(req), &n);
	q = find(req, n, 3, 0);
	CHECK(ia.ok && q && !memcmp(&ia.iaid, q->data, 4));
	CHECK_EQ(ia.t1, 0xffffffff);
	CHECK_EQ(ia.t2, 0xffffffff);
	CHECK_EQ(ia.status, -1);
	CHECK(ia.naddr >= 1 && IN6_ARE_ADDR_EQUAL(&ia.addr[0], &c.ip6.addr));
	CHECK_EQ(ia.life[0], 0xffffffff);
}

/**
 * test_dhclient() - dhclient: solicit, request, confirm, release, info
 */
static void test_dhclient(void)
{
	struct v6reply r;

	ctx_reset();
	build(dhclient_solicit, sizeof(dhclient_solicit), &r);
	check_header(&r, dhclient_solicit, sizeof(dhclient_solicit), 2);
	check_ia_ours(&r, dhclient_solicit, sizeof(dhclient_solicit));
	check_dns(&r);
	CHECK(top(&r, 7) && top(&r, 7)->len == 1 && top(&r, 7)->data[0] == 255);
	CHECK(!top(&r, 14));
	CHECK(!top(&r, 13));
	CHECK(!top(&r, 39));

	build(dhclient_request, sizeof(dhclient_request), &r);
	check_header(&r, dhclient_request, sizeof(dhclient_request), 7);
	check_ia_ours(&r, dhclient_request, sizeof(dhclient_request));
	check_dns(&r);
	CHECK(!top(&r, 7));

	build(dhclient_confirm, sizeof(dhclient_confirm), &r);
	check_header(&r, dhclient_confirm, sizeof(dhclient_confirm), 7);
	CHECK_EQ(status_of(r.o, r.n), 0);
	CHECK(!top(&r, 3));

	build(dhclient_release, sizeof(dhclient_release), &r);
	check_header(&r, dhclient_release, sizeof(dhclient_release), 7);
	CHECK_EQ(status_of(r.o, r.n), 0);

	build(dhclient_inforeq, sizeof(dhclient_inforeq), &r);
	check_header(&r, dhclient_inforeq, sizeof(dhclient_inforeq), 7);
	check_dns(&r);
	CHECK(!top(&r, 3));
	CHECK_EQ(status_of(r.o, r.n), -1);

	/* Confirm of an address off our prefix */
	c.ip6.addr = ip6("2001:db8:5::10");
	build(dhclient_confirm, sizeof(dhclient_confirm), &r);
	CHECK_EQ(status_of(r.o, r.n), 4);		/* NotOnLink */
	c.ip6.prefix_len = 32;
	build(dhclient_confirm, sizeof(dhclient_confirm), &r);
	CHECK_EQ(status_of(r.o, r.n), 0);		/* 2001:db8::/32 */
	c.ip6.prefix_len = 35;
	build(dhclient_confirm, sizeof(dhclient_confirm), &r);
	CHECK_EQ(status_of(r.o, r.n), 0);		/* 2001:db8::/35 */
	c.ip6.prefix_len = 46;
	build(dhclient_confirm, sizeof(dhclient_confirm), &r);
	CHECK_EQ(status_of(r.o, r.n), 4);		/* :0::/46 vs :4::/46 */

	/* Request for an address that isn't ours any more: ours, and the
	 * old one with zero lifetimes
	 */
	ctx_reset();
	c.ip6.addr = ip6("2001:db8:1::99");
	build(dhclient_request, sizeof(dhclient_request), &r);
	{
		struct ia ia;

		CHECK(top(&r, 3) != NULL);
		if (top(&r, 3)) {
			struct in6_addr old = ip6("2001:db8:1::1");

			ia_parse(top(&r, 3), &ia);
			CHECK(ia.ok && ia.naddr == 2);
			CHECK(IN6_ARE_ADDR_EQUAL(&ia.addr[0], &c.ip6.addr));
			CHECK_EQ(ia.life[0], 0xffffffff);
			CHECK(IN6_ARE_ADDR_EQUAL(&ia.addr[1], &old));
			CHECK_EQ(ia.life[1], 0);
		}
	}

	/* Another server's identifier: not for us */
	ctx_reset();
	c.our_tap_mac[5] = 0x56;
	dhcpv6_init(&c);
	build(dhclient_request, sizeof(dhclient_request), &r);
	CHECK_EQ(r.len, 0);
	build(dhclient_release, sizeof(dhclient_release), &r);
	CHECK_EQ(r.len, 0);
	build(dhclient_solicit, sizeof(dhclient_solicit), &r);
	CHECK(r.len > 0 && out[0] == 2);
	CHECK(top(&r, 2) && top(&r, 2)->data[9] == 0x56);
}

/**
 * test_dhcpcd() - dhcpcd: solicit, request
 */
static void test_dhcpcd(void)
{
	struct v6reply r;

	ctx_reset();
	build(dhcpcd_solicit, sizeof(dhcpcd_solicit), &r);
	check_header(&r, dhcpcd_solicit, sizeof(dhcpcd_solicit), 2);
	check_ia_ours(&r, dhcpcd_solicit, sizeof(dhcpcd_solicit));
	check_dns(&r);

	build(dhcpcd_request, sizeof(dhcpcd_request), &r);
	check_header(&r, dhcpcd_request, sizeof(dhcpcd_request), 7);
	check_ia_ours(&r, dhcpcd_request, sizeof(dhcpcd_request));
}

/**
 * test_variants() - Message types and options made from the captures
 */
static void test_variants(void)
{
	static const uint8_t ia_ta[] = { 1, 2, 3, 4 };
	static const uint8_t ia_pd[] = { 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t ia_na[] = { 9, 9, 9, 9, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct v6reply r;
	struct ia ia;
	size_t len;

	ctx_reset();

	/* Rapid commit: REPLY right away, with the option */
	len = sizeof(dhclient_solicit);
	memcpy(msg, dhclient_solicit, len);
	req_add(&len, 14, NULL, 0);
	build(msg, len, &r);
	check_header(&r, msg, len, 7);
	check_ia_ours(&r, msg, len);
	CHECK(top(&r, 14) && top(&r, 14)->len == 0);
	CHECK(!top(&r, 7));

	/* IA_TA and IA_PD: nothing for them; a second IA_NA: no address */
	len = sizeof(dhclient_solicit);
	memcpy(msg, dhclient_solicit, len);
	req_add(&len, 4, ia_ta, sizeof(ia_ta));
	req_add(&len, 25, ia_pd, sizeof(ia_pd));
	req_add(&len, 3, ia_na, sizeof(ia_na));
	build(msg, len, &r);
	check_ia_ours(&r, msg, len);
	CHECK(top(&r, 4) && top(&r, 25) && find(r.o, r.n, 3, 1));
	if (top(&r, 4) && top(&r, 25) && find(r.o, r.n, 3, 1)) {
		ia_parse(top(&r, 4), &ia);
		CHECK(ia.ok && ia.status == 2 && !ia.naddr &&
		      !memcmp(&ia.iaid, ia_ta, 4));
		ia_parse(top(&r, 25), &ia);
		CHECK(ia.ok && ia.status == 6 && !ia.naddr &&
		      !memcmp(&ia.iaid, ia_pd, 4) && !ia.t1 && !ia.t2);
		ia_parse(find(r.o, r.n, 3, 1), &ia);
		CHECK(ia.ok && ia.status == 2 && !ia.naddr &&
		      !memcmp(&ia.iaid, ia_na, 4));
	}

	/* RENEW: same as a request */
	len = sizeof(dhclient_request);
	memcpy(msg, dhclient_request, len);
	msg[0] = 5;
	build(msg, len, &r);
	check_header(&r, msg, len, 7);
	check_ia_ours(&r, msg, len);

	/* REBIND: no server identifier, or ours */
	msg[0] = 6;
	build(msg, len, &r);
	check_ia_ours(&r, msg, len);
	req_del(&len, 2);
	build(msg, len, &r);
	check_header(&r, msg, len, 7);
	check_ia_ours(&r, msg, len);

	/* REQUEST, RELEASE, DECLINE without server identifier: dropped */
	msg[0] = 3;
	build(msg, len, &r);
	CHECK_EQ(r.len, 0);
	msg[0] = 8;
	build(msg, len, &r);
	CHECK_EQ(r.len, 0);
	msg[0] = 9;
	build(msg, len, &r);
	CHECK_EQ(r.len, 0);

	/* DECLINE with it: success */
	len = sizeof(dhclient_release);
	memcpy(msg, dhclient_release, len);
	msg[0] = 9;
	build(msg, len, &r);
	CHECK_EQ(status_of(r.o, r.n), 0);

	/* No client identifier (except INFORMATION-REQUEST): dropped */
	len = sizeof(dhclient_solicit);
	memcpy(msg, dhclient_solicit, len);
	req_del(&len, 1);
	build(msg, len, &r);
	CHECK_EQ(r.len, 0);
	len = sizeof(dhclient_inforeq);
	memcpy(msg, dhclient_inforeq, len);
	req_del(&len, 1);
	build(msg, len, &r);
	CHECK(r.len > 0 && out[0] == 7 && !top(&r, 1) && top(&r, 2));

	/* CONFIRM without addresses: no reply */
	len = sizeof(dhclient_confirm);
	memcpy(msg, dhclient_confirm, len);
	req_del(&len, 3);
	build(msg, len, &r);
	CHECK_EQ(r.len, 0);

	/* Messages from servers and relays, unknown types */
	memcpy(msg, dhclient_request, sizeof(dhclient_request));
	for (msg[0] = 0; msg[0] < 255; msg[0]++) {
		if (msg[0] == 1 || msg[0] == 3 || msg[0] == 4 ||
		    (msg[0] >= 5 && msg[0] <= 6) || msg[0] == 8 ||
		    msg[0] == 9 || msg[0] == 11)
			continue;
		build(msg, sizeof(dhclient_request), &r);
		CHECK_EQ(r.len, 0);
	}
}

/**
 * test_config() - Options following the configuration
 */
static void test_config(void)
{
	static const uint8_t fqdn[] = { 0x04, 5, 'g', 'u', 'e', 's', 't',
					7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
					3, 'o', 'r', 'g', 0 };
	struct v6reply r;
	struct ia ia;
	size_t len;

	ctx_reset();
	c.no_dhcp_dns = 1;
	build(dhclient_solicit, sizeof(dhclient_solicit), &r);
	CHECK(r.ok && !top(&r, 23) && top(&r, 24));
	c.no_dhcp_dns_search = 1;
	build(dhclient_solicit, sizeof(dhclient_solicit), &r);
	CHECK(r.ok && !top(&r, 23) && !top(&r, 24));

	ctx_reset();
	memset(c.ip6.dns, 0, sizeof(c.ip6.dns));
	memset(c.dns_search, 0, sizeof(c.dns_search));
	build(dhclient_inforeq, sizeof(dhclient_inforeq), &r);
	CHECK(r.ok && !top(&r, 23) && !top(&r, 24));
	c.ip6.dns_match = ip6("2001:db8:1::53");
	build(dhclient_inforeq, sizeof(dhclient_inforeq), &r);
	CHECK(top(&r, 23) && top(&r, 23)->len == 16 &&
	      !memcmp(top(&r, 23)->data, &c.ip6.dns_match, 16));

	/* FQDN: N set; O too if the client asked for updates (S) */
	ctx_reset();
	strcpy(c.fqdn, "guest.example.org");
	build(dhclient_request, sizeof(dhclient_request), &r);
	CHECK(top(&r, 39) && top(&r, 39)->len == sizeof(fqdn) &&
	      !memcmp(top(&r, 39)->data, fqdn, sizeof(fqdn)));
	len = sizeof(dhclient_request);
	memcpy(msg, dhclient_request, len);
	req_add(&len, 39, (uint8_t []){ 0x01, 0 }, 2);
	build(msg, len, &r);
	CHECK(top(&r, 39) && top(&r, 39)->data[0] == 0x06);

	/* No address to give */
	ctx_reset();
	memset(&c.ip6.addr, 0, sizeof(c.ip6.addr));
	build(dhclient_solicit, sizeof(dhclient_solicit), &r);
	CHECK(r.ok && top(&r, 3));
	if (top(&r, 3)) {
		ia_parse(top(&r, 3), &ia);
		CHECK(ia.ok && ia.status == 2 && !ia.naddr);
	}

	/* A search list too long for the reply: what fits, whole names */
	ctx_reset();
	{
		size_t i, off, n;

		for (i = 0; i < MAXDNSRCH; i++) {
			memset(c.dns_search[i].n, 'a' + i, 63);
			memset(c.dns_search[i].n + 63, '.', 1);
			memset(c.dns_search[i].n + 64, 'b' + i, 63);
			memset(c.dns_search[i].n + 127, '.', 1);
			memset(c.dns_search[i].n + 128, 'c' + i, 63);
			memset(c.dns_search[i].n + 191, '.', 1);
			memset(c.dns_search[i].n + 192, 'd' + i, 61);
		}
		build(dhclient_solicit, sizeof(dhclient_solicit), &r);
		check_header(&r, dhclient_solicit, sizeof(dhclient_solicit), 2);
		check_ia_ours(&r, dhclient_solicit, sizeof(dhclient_solicit));
		CHECK(top(&r, 24) != NULL);
		if (top(&r, 24)) {
			for (off = 0, n = 0; off < top(&r, 24)->len; n++)
				off += 255;
			CHECK_EQ(top(&r, 24)->len % 255, 0);
			CHECK(n >= 3 && n < MAXDNSRCH);
		}
	}
}

/**
 * check_any() - Build a reply to arbitrary bytes, check it's sane
 * @m:		Message
 * @len:	Length
 */
static void check_any(const uint8_t *m, size_t len)
{
	struct v6reply r;

	build(m, len, &r);
	if (r.len <= 0) {
		CHECK(r.len == 0 || r.len == -1);
		return;
	}
	CHECK(r.len >= 4 && r.len <= DHCPV6_MSG_MAX && r.ok);
	CHECK(out[0] == 2 || out[0] == 7);
}

/**
 * test_malformed() - Truncated, corrupted and oversized messages
 */
static void test_malformed(void)
{
	static const struct { const uint8_t *m; size_t len; } caps[] = {
		{ dhclient_solicit, sizeof(dhclient_solicit) },
		{ dhclient_request, sizeof(dhclient_request) },
		{ dhclient_confirm, sizeof(dhclient_confirm) },
		{ dhclient_release, sizeof(dhclient_release) },
		{ dhclient_inforeq, sizeof(dhclient_inforeq) },
		{ dhcpcd_solicit, sizeof(dhcpcd_solicit) },
		{ dhcpcd_request, sizeof(dhcpcd_request) },
	};
	static const uint8_t short_ia[] = { 1, 2, 3, 4, 0, 0, 0, 0 };
	struct v6reply r;
	unsigned int i, j;
	uint8_t big[200];
	size_t len;

	ctx_reset();
	strcpy(c.fqdn, "h.example.org");

	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		for (len = 0; len <= caps[i].len; len++)
			check_any(caps[i].m, len);
	}

	build(dhclient_solicit, 3, &r);
	CHECK_EQ(r.len, -1);

	/* Option longer than the message */
	len = sizeof(dhclient_solicit);
	memcpy(msg, dhclient_solicit, len);
	req_add(&len, 8, (uint8_t []){ 0, 0 }, 2);
	msg[len - 3] = 3;			/* length 3, two bytes */
	build(msg, len, &r);
	CHECK_EQ(r.len, -1);

	/* IA_NA shorter than its fixed fields */
	len = sizeof(dhclient_solicit);
	memcpy(msg, dhclient_solicit, len);
	req_add(&len, 3, short_ia, sizeof(short_ia));
	build(msg, len, &r);
	CHECK_EQ(r.len, -1);

	/* Sub-option running past its IA_NA: the IA still gets our address */
	len = sizeof(dhclient_request);
	memcpy(msg, dhclient_request, len);
	req_del(&len, 3);
	req_add(&len, 3, (uint8_t []){ 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0,
				       0, 5, 0, 99, 0 }, 17);
	build(msg, len, &r);
	check_ia_ours(&r, msg, len);

	/* Client identifier longer than any DUID */
	len = sizeof(dhclient_solicit);
	memcpy(msg, dhclient_solicit, len);
	req_del(&len, 1);
	memset(big, 0x11, sizeof(big));
	req_add(&len, 1, big, 131);
	build(msg, len, &r);
	CHECK_EQ(r.len, -1);
	len -= 131 + 4;
	req_add(&len, 1, big, 130);
	build(msg, len, &r);
	CHECK(r.len > 0);

	/* Many IAs: answered up to a limit, within the size */
	len = sizeof(dhclient_request);
	memcpy(msg, dhclient_request, len);
	for (i = 0; i < 100; i++) {
		uint8_t ia[12 + 28] = { (uint8_t)i, 0, 0, 0 };

		ia[12 + 1] = 5;
		ia[12 + 3] = 24;
		ia[12 + 4] = 0x20;
		ia[12 + 19] = i;
		req_add(&len, 3, ia, sizeof(ia));
	}
	build(msg, len, &r);
	CHECK(r.ok && r.len > 0 && r.len <= DHCPV6_MSG_MAX);

	srandom(1);
	for (i = 0; i < 20000; i++) {
		const uint8_t *m = caps[i % ARRAY_SIZE(caps)].m;
		unsigned int n = 1 + random() % 6;

		len = caps[i % ARRAY_SIZE(caps)].len;
		memcpy(msg, m, len);
		for (j = 0; j < n; j++)
			msg[random() % len] = random();
		if (random() % 4 == 0)
			len = random() % len;
		check_any(msg, len);
	}
}

/**
 * test_entry() - dhcpv6(): which packets are ours
 */
static void test_entry(void)
{
	uint8_t pkt[8 + sizeof(dhclient_solicit)];
	struct udphdr *uh = (struct udphdr *)pkt;
	struct tap_l3 l3 = { .af = AF_INET6, .proto = IPPROTO_UDP };

	ctx_reset();
	uh->source = htons(546);
	uh->dest = htons(547);
	uh->len = htons(sizeof(pkt));
	uh->check = 0;
	memcpy(uh + 1, dhclient_solicit, sizeof(dhclient_solicit));
	l3.l4.data = pkt;
	l3.l4.len = sizeof(pkt);
	l3.saddr.a6 = ip6("fe80::44f4:a0ff:fe68:dddf");
	l3.daddr.a6 = ip6("ff02::1:2");

	CHECK_EQ(dhcpv6(&c, &l3), 1);
	c.no_dhcpv6 = 1;
	CHECK_EQ(dhcpv6(&c, &l3), 1);
	c.no_dhcpv6 = 0;

	l3.daddr.a6 = *ndp_our_ll(&c);
	CHECK_EQ(dhcpv6(&c, &l3), 1);
	l3.daddr.a6 = ip6("2001:db8:9::547");
	CHECK_EQ(dhcpv6(&c, &l3), 0);
	l3.daddr.a6 = ip6("ff02::1:2");

	uh->dest = htons(546);
	CHECK_EQ(dhcpv6(&c, &l3), 0);
	uh->dest = htons(547);
	l3.af = AF_INET;
	CHECK_EQ(dhcpv6(&c, &l3), 0);
	l3.af = AF_INET6;

	uh->len = htons(sizeof(pkt) + 1);
	CHECK_EQ(dhcpv6(&c, &l3), 1);
	uh->len = htons(sizeof(pkt));
	l3.saddr.a6 = in6addr_any;
	CHECK_EQ(dhcpv6(&c, &l3), 1);
}

int main(void)
{
	log_init("test_dhcpv6", true, LOG_ERR, false);

	test_dhclient();
	test_dhcpcd();
	test_variants();
	test_config();
	test_malformed();
	test_entry();

	return unit_done("test_dhcpv6");
}
