// SPDX-License-Identifier: GPL-2.0-or-later
/* dhcp.c - DHCPv4 server for the guest, and DNS name encoding
 *
 * Theory of operation
 * ===================
 *
 * The guest has one address to get, c->ip4.addr, and we are its only
 * server: there is no lease database, no pool, no timers.  We answer the
 * guest's broadcast (or unicast, when renewing) messages to port 67 locally;
 * nothing is forwarded anywhere.
 *
 *   DISCOVER  -> OFFER of c->ip4.addr
 *   REQUEST   -> ACK if the address it asks for (option 50, or ciaddr when
 *                renewing) is c->ip4.addr, NAK otherwise; a REQUEST naming
 *                another server (option 54) chose that server: ignored
 *   INFORM    -> ACK with the parameters, no address and no lease time
 *   DECLINE, RELEASE -> nothing to do: the address stays the guest's
 *
 * Replies come from our address on the link, c->ip4.our_tap_addr if set,
 * else the guest's gateway, port 67 to port 68.  Following RFC 2131 4.1,
 * they go to ciaddr if the client has an address, to the broadcast address
 * if it set the broadcast flag (or for a NAK), and otherwise to the offered
 * address at the client's MAC address.
 *
 * Parameters: 53 message type, 54 server identifier and 51 lease time
 * (infinite) lead, then what the client asked for in its parameter request
 * list (55), in its order, then whatever else we have: 1 subnet mask, 3
 * router, 6 DNS servers, 26 interface MTU, 12 host name, 81 client FQDN, 119
 * domain search list (RFC 3397, compressed, split over several instances if
 * longer than 255 bytes, RFC 3396) and 121 classless static routes (RFC
 * 3442).  Option 121 is sent when asked for, or when the gateway is not on
 * the guest's subnet; a client using it ignores option 3, so it always
 * holds the default route (and, for an off-link gateway, a host route to
 * it).  Option 15 (domain name: the first search domain) only goes to those
 * who ask.  The client identifier (61) is echoed back (RFC 6842).
 *
 * The DNS servers are c->ip4.dns[] as configuration decided them; if that
 * list is empty but DNS forwarding is set up (--dns-forward), the forwarded
 * address c->ip4.dns_match is given instead.
 *
 * A reply never exceeds 576 bytes of IP datagram, the size every client
 * must accept, unless the client allows more with option 57; options that
 * don't fit are left out.  Replies are padded to the 300 bytes of a BOOTP
 * message.
 *
 * Every byte of the request is untrusted: the fixed header and each option
 * are taken through pkt_get(), an option running past the end of the
 * message makes it malformed and it is dropped.  Pad and end options are
 * honoured, option overload (52) is ignored, and only the first instance of
 * each option counts.
 *
 * The reply is built by dhcp_reply_build(), a pure function of the context
 * and the request that the unit tests call directly; dhcp() only extracts
 * the message and sends what comes back.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include "dhcp.h"
#include "hdr.h"
#include "log.h"
#include "packet.h"
#include "passt.h"
#include "tap.h"
#include "util.h"

#define BOOTREQUEST		1
#define BOOTREPLY		2

#define DHCP_MAGIC		0x63825363
#define DHCP_FLAG_BROADCAST	0x8000
#define DHCP_SERVER_PORT	67
#define DHCP_CLIENT_PORT	68

#define BOOTP_MIN_LEN		300	/* RFC 951: 236 + 64 vendor area */
#define DHCP_IPUDP_LEN		28	/* IPv4 and UDP headers */
#define DHCP_MIN_DGRAM		576	/* RFC 2131: every client takes this */
#define DHCP_LEASE_INFINITE	0xffffffffU

/* Message types, option 53 */
enum dhcp_type {
	DHCPDISCOVER = 1,
	DHCPOFFER,
	DHCPREQUEST,
	DHCPDECLINE,
	DHCPACK,
	DHCPNAK,
	DHCPRELEASE,
	DHCPINFORM,
};

/* Options */
enum dhcp_opt {
	OPT_PAD = 0,
	OPT_MASK = 1,
	OPT_ROUTER = 3,
	OPT_DNS = 6,
	OPT_HOSTNAME = 12,
	OPT_DOMAIN = 15,
	OPT_MTU = 26,
	OPT_REQIP = 50,
	OPT_LEASE = 51,
	OPT_TYPE = 53,
	OPT_SERVER_ID = 54,
	OPT_PRL = 55,
	OPT_MAX_SIZE = 57,
	OPT_CLIENT_ID = 61,
	OPT_FQDN = 81,
	OPT_SEARCH = 119,
	OPT_ROUTES = 121,
	OPT_END = 255,
};

/* Client FQDN flags, RFC 4702 2.1 */
#define FQDN_S			0x01
#define FQDN_O			0x02
#define FQDN_E			0x04
#define FQDN_N			0x08

/**
 * struct dhcp_hdr - Fixed part of a BOOTP/DHCP message
 * @op:		BOOTREQUEST or BOOTREPLY
 * @htype:	Hardware address type
 * @hlen:	Hardware address length
 * @hops:	Relay hops
 * @xid:	Transaction ID chosen by the client
 * @secs:	Seconds since the client began
 * @flags:	Broadcast flag
 * @ciaddr:	Client address, if it has one
 * @yiaddr:	Address offered or assigned
 * @siaddr:	Next server for bootstrap
 * @giaddr:	Relay agent address
 * @chaddr:	Client hardware address
 * @sname:	Server host name
 * @file:	Boot file name
 * @magic:	Magic cookie in front of the options
 */
struct dhcp_hdr {
	uint8_t op;
	uint8_t htype;
	uint8_t hlen;
	uint8_t hops;
	uint32_t xid;
	uint16_t secs;
	uint16_t flags;
	uint32_t ciaddr;
	uint32_t yiaddr;
	uint32_t siaddr;
	uint32_t giaddr;
	uint8_t chaddr[16];
	uint8_t sname[64];
	uint8_t file[128];
	uint32_t magic;
} __attribute__((packed));

/**
 * struct dhcp_req - A request from the guest, after parsing
 * @h:		Fixed header, within the message
 * @type:	Message type (option 53), 0 if absent
 * @opt:	First instance of each option, data NULL if absent
 */
struct dhcp_req {
	const struct dhcp_hdr *h;
	uint8_t type;
	struct pkt opt[256];
};

/**
 * struct dhcp_out - Options area of a reply being built
 * @buf:	Start of the options area
 * @len:	Bytes used
 * @max:	Bytes usable, one byte for the end option already kept aside
 * @sent:	Options already considered, by code
 */
struct dhcp_out {
	uint8_t *buf;
	size_t len;
	size_t max;
	uint8_t sent[256];
};

/**
 * dhcp_server_addr() - Our address on the link, as DHCP server
 * @c:		Execution context
 *
 * Return: c->ip4.our_tap_addr if set, the guest's gateway otherwise
 */
struct in_addr dhcp_server_addr(const struct ctx *c)
{
	if (c->ip4.our_tap_addr.s_addr)
		return c->ip4.our_tap_addr;
	return c->ip4.guest_gw;
}

/**
 * dhcp_mask() - Subnet mask of the guest's address
 * @c:		Execution context
 *
 * Return: mask, network order
 */
static uint32_t dhcp_mask(const struct ctx *c)
{
	int plen = c->ip4.prefix_len;

	if (plen <= 0)
		return 0;
	if (plen >= 32)
		return 0xffffffff;
	return htonl(~0U << (32 - plen));
}

/**
 * dhcp_gw_offlink() - Is the gateway outside of the guest's subnet?
 * @c:		Execution context
 *
 * Return: true if the guest needs a host route to reach its gateway
 */
static bool dhcp_gw_offlink(const struct ctx *c)
{
	uint32_t mask = dhcp_mask(c);

	return (c->ip4.addr.s_addr & mask) != (c->ip4.guest_gw.s_addr & mask);
}

/* DNS wire format encoding, also used by dhcpv6.c and ndp.c */

/**
 * dns_enc_init() - Start encoding domain names in DNS wire format
 * @e:		Encoder state
 * @buf:	Output buffer
 * @size:	Size of @buf: names that don't fit whole are left out
 * @compress:	Replace repeated suffixes by pointers (RFC 1035 4.1.4)
 */
void dns_enc_init(struct dns_enc *e, uint8_t *buf, size_t size,
		  bool compress)
{
	e->buf = buf;
	e->len = 0;
	e->size = size;
	e->compress = compress;
	e->noffs = 0;
}

/**
 * dns_enc_match() - Does the name encoded at an offset equal a string?
 * @e:		Encoder state, with the names written so far
 * @off:	Offset of the encoded name
 * @s:		Name as text, without trailing dot
 *
 * Return: true if the encoded name, pointers followed, is @s
 */
static bool dns_enc_match(const struct dns_enc *e, size_t off, const char *s)
{
	unsigned int hops = 0;

	for (;;) {
		uint8_t l;

		if (off >= e->len)
			return false;
		l = e->buf[off];

		if ((l & 0xc0) == 0xc0) {
			if (off + 1 >= e->len || ++hops > 128)
				return false;
			off = ((l & 0x3f) << 8) | e->buf[off + 1];
			continue;
		}
		if (!l)
			return !*s;
		if (l > 63 || off + 1 + l > e->len || strnlen(s, l) != l ||
		    memcmp(s, e->buf + off + 1, l) != 0 ||
		    (s[l] != '.' && s[l] != '\0'))
			return false;

		s += l;
		if (*s == '.')
			s++;
		off += 1 + l;
	}
}

/**
 * dns_enc_find() - Find an encoded occurrence of a name suffix
 * @e:		Encoder state
 * @s:		Suffix as text
 *
 * Return: offset of an encoded name equal to @s, -1 if none
 */
static int dns_enc_find(const struct dns_enc *e, const char *s)
{
	size_t i;

	for (i = 0; i < e->noffs; i++) {
		if (dns_enc_match(e, e->offs[i], s))
			return e->offs[i];
	}
	return -1;
}

/**
 * dns_enc_put() - Append bytes to the encoding, if they fit
 * @e:		Encoder state
 * @data:	Bytes
 * @len:	Number of bytes
 *
 * Return: 0 on success, -1 if there's no room
 */
static int dns_enc_put(struct dns_enc *e, const void *data, size_t len)
{
	if (e->size - e->len < len)
		return -1;
	memcpy(e->buf + e->len, data, len);
	e->len += len;
	return 0;
}

/**
 * dns_enc_label() - Append one label, or a pointer to a known suffix
 * @e:		Encoder state
 * @p:		Label and the rest of the name, as text
 * @l:		Length of the label
 * @done:	Set if a pointer ended the name
 *
 * Return: 0 on success, -ENOSPC if there's no room
 */
static int dns_enc_label(struct dns_enc *e, const char *p, size_t l,
			 bool *done)
{
	uint8_t len = l;
	int ptr;

	if (e->compress && (ptr = dns_enc_find(e, p)) >= 0) {
		uint8_t b[2] = { 0xc0 | (ptr >> 8), ptr & 0xff };

		*done = true;
		return dns_enc_put(e, b, sizeof(b)) ? -ENOSPC : 0;
	}

	if (e->len < 0x4000 && e->noffs < ARRAY_SIZE(e->offs))
		e->offs[e->noffs++] = e->len;
	if (dns_enc_put(e, &len, 1) || dns_enc_put(e, p, l))
		return -ENOSPC;
	return 0;
}

/**
 * dns_enc_name() - Append a domain name in DNS wire format
 * @e:		Encoder state
 * @name:	Name as text, trailing dot optional
 *
 * Return: 0 on success, -EINVAL for an empty or malformed name (empty or
 *	   overlong label, name too long), -ENOSPC if it doesn't fit; on
 *	   failure nothing is appended
 */
int dns_enc_name(struct dns_enc *e, const char *name)
{
	size_t start = e->len, noffs = e->noffs, n = strnlen(name, 256);
	const char *p = name;
	bool done = false;
	int ret = -EINVAL;

	if (n && name[n - 1] == '.')
		n--;
	if (!n || n > 253 || name[n - 1] == '.')
		return -EINVAL;

	while (p < name + n && !done) {
		const char *dot = memchr(p, '.', name + n - p);
		size_t l = dot ? (size_t)(dot - p) : (size_t)(name + n - p);
		char label[64 + 256];

		if (!l || l > 63) {
			ret = -EINVAL;
			goto fail;
		}

		/* the suffix from here, without any trailing dot */
		memcpy(label, p, name + n - p);
		label[name + n - p] = '\0';

		if ((ret = dns_enc_label(e, label, l, &done)))
			goto fail;
		p += l + 1;
	}

	if (!done && dns_enc_put(e, "", 1)) {
		ret = -ENOSPC;
		goto fail;
	}
	return 0;
fail:
	e->len = start;
	e->noffs = noffs;
	return ret;
}

/**
 * dns_enc_list() - Append a list of domain names, as many as fit
 * @e:		Encoder state
 * @names:	Names, the list ends at the first empty one or after @n
 * @n:		Size of @names
 *
 * Malformed names are skipped; the first name that doesn't fit ends the
 * list, so that the order of what is given is the order of what was asked.
 *
 * Return: total bytes encoded
 */
size_t dns_enc_list(struct dns_enc *e, const struct fqdn *names, size_t n)
{
	size_t i;

	for (i = 0; i < n && names[i].n[0]; i++) {
		int ret = dns_enc_name(e, names[i].n);

		if (ret == -ENOSPC)
			break;
		if (ret)
			debug("DHCP: skipping malformed domain name %.*s",
			      DNSRCH_LEN, names[i].n);
	}
	return e->len;
}

/* Building replies */

/**
 * dhcp_put() - Append one option to a reply, if it fits
 * @o:		Options area
 * @code:	Option code
 * @data:	Payload
 * @len:	Payload length, at most 255
 *
 * Return: 0 on success, -1 if there's no room
 */
static int dhcp_put(struct dhcp_out *o, uint8_t code, const void *data,
		    size_t len)
{
	if (len > 255 || o->max - o->len < len + 2)
		return -1;
	o->buf[o->len++] = code;
	o->buf[o->len++] = len;
	memcpy(o->buf + o->len, data, len);
	o->len += len;
	return 0;
}

/**
 * dhcp_put_long() - Append an option of any length, split as RFC 3396 says
 * @o:		Options area
 * @code:	Option code
 * @data:	Payload
 * @len:	Payload length
 *
 * Return: 0 on success, -1 if there's no room for all of it
 */
static int dhcp_put_long(struct dhcp_out *o, uint8_t code,
			 const uint8_t *data, size_t len)
{
	if (!len || o->max - o->len < len + 2 * DIV_ROUND_UP(len, 255))
		return -1;

	while (len) {
		size_t chunk = MIN(len, 255);

		dhcp_put(o, code, data, chunk);
		data += chunk;
		len -= chunk;
	}
	return 0;
}

/**
 * dhcp_long_room() - Largest payload dhcp_put_long() can still fit
 * @o:		Options area
 *
 * Return: payload bytes (a bit conservative)
 */
static size_t dhcp_long_room(const struct dhcp_out *o)
{
	size_t room = o->max - o->len, hdrs = 2 * DIV_ROUND_UP(room, 257);

	return room > hdrs ? room - hdrs : 0;
}

/**
 * dhcp_opt_dns() - Add the DNS servers option (6)
 * @c:		Execution context
 * @o:		Options area
 *
 * Return: 0 if added, 1 if we have nothing to give, -1 if there's no room
 */
static int dhcp_opt_dns(const struct ctx *c, struct dhcp_out *o)
{
	uint8_t d[sizeof(c->ip4.dns)];
	size_t i, n = 0;

	if (c->no_dhcp_dns)
		return 1;

	for (i = 0; i < ARRAY_SIZE(c->ip4.dns) && c->ip4.dns[i].s_addr; i++) {
		memcpy(d + n, &c->ip4.dns[i], 4);
		n += 4;
	}
	if (!n && c->ip4.dns_match.s_addr) {
		memcpy(d, &c->ip4.dns_match, 4);
		n = 4;
	}
	if (!n)
		return 1;
	return dhcp_put(o, OPT_DNS, d, n);
}

/**
 * dhcp_opt_search() - Add the domain search list option (119)
 * @c:		Execution context
 * @o:		Options area
 *
 * Return: 0 if added, 1 if we have nothing to give, -1 if there's no room
 */
static int dhcp_opt_search(const struct ctx *c, struct dhcp_out *o)
{
	uint8_t d[MAXDNSRCH * (DNSRCH_LEN + 2)];
	struct dns_enc e;

	if (c->no_dhcp_dns_search || !c->dns_search[0].n[0])
		return 1;

	dns_enc_init(&e, d, MIN(sizeof(d), dhcp_long_room(o)), true);
	if (!dns_enc_list(&e, c->dns_search, ARRAY_SIZE(c->dns_search)))
		return -1;
	return dhcp_put_long(o, OPT_SEARCH, d, e.len);
}

/**
 * dhcp_opt_domain() - Add the domain name option (15): first search domain
 * @c:		Execution context
 * @o:		Options area
 *
 * Return: 0 if added, 1 if we have nothing to give, -1 if there's no room
 */
static int dhcp_opt_domain(const struct ctx *c, struct dhcp_out *o)
{
	const char *d = c->dns_search[0].n;
	size_t len = strnlen(d, DNSRCH_LEN);

	if (c->no_dhcp_dns_search || !len)
		return 1;
	if (len > 1 && d[len - 1] == '.')
		len--;
	return dhcp_put(o, OPT_DOMAIN, d, len);
}

/**
 * dhcp_opt_fqdn() - Add the client FQDN option (81), RFC 4702
 * @c:		Execution context
 * @r:		Request, for the client's own option 81 flags
 * @o:		Options area
 *
 * We update no DNS records: N is set, and if the client asked us to (S), we
 * say we overrode that (O).  The name is in the encoding the client used
 * (E), wire format if it sent none.
 *
 * Return: 0 if added, 1 if we have nothing to give, -1 if there's no room
 */
static int dhcp_opt_fqdn(const struct ctx *c, const struct dhcp_req *r,
			 struct dhcp_out *o)
{
	const struct pkt *co = &r->opt[OPT_FQDN];
	const uint8_t *cflags = co->data ? pkt_get(co, 0, 1) : NULL;
	uint8_t d[3 + FQDN_LEN + 2];
	struct dns_enc e;

	if (!c->fqdn[0])
		return 1;

	d[0] = FQDN_N | ((cflags && (*cflags & FQDN_S)) ? FQDN_O : 0);
	d[1] = d[2] = 255;	/* RCODE1, RCODE2: RFC 4702 2.2 */

	if (cflags && !(*cflags & FQDN_E)) {
		size_t len = strnlen(c->fqdn, FQDN_LEN);

		if (len > 252)
			return 1;
		memcpy(d + 3, c->fqdn, len);
		return dhcp_put(o, OPT_FQDN, d, 3 + len);
	}

	d[0] |= FQDN_E;
	dns_enc_init(&e, d + 3, 252, false);
	if (dns_enc_name(&e, c->fqdn))
		return 1;
	return dhcp_put(o, OPT_FQDN, d, 3 + e.len);
}

/**
 * dhcp_opt_routes() - Add classless static routes (121), RFC 3442
 * @c:		Execution context
 * @o:		Options area
 * @asked:	The client asked for the option
 *
 * Return: 0 if added, 1 if we have nothing to give, -1 if there's no room
 */
static int dhcp_opt_routes(const struct ctx *c, struct dhcp_out *o,
			   bool asked)
{
	uint8_t d[14];
	size_t n = 0;

	if (!c->ip4.guest_gw.s_addr)
		return 1;

	if (dhcp_gw_offlink(c)) {
		d[n++] = 32;			/* gateway/32 ... */
		memcpy(d + n, &c->ip4.guest_gw, 4);
		n += 4;
		memset(d + n, 0, 4);		/* ... on link */
		n += 4;
	} else if (!asked) {
		return 1;
	}

	d[n++] = 0;				/* default route ... */
	memcpy(d + n, &c->ip4.guest_gw, 4);	/* ... via the gateway */
	n += 4;

	return dhcp_put(o, OPT_ROUTES, d, n);
}

/**
 * dhcp_opt_add() - Add one option to a reply
 * @c:		Execution context
 * @r:		Request
 * @o:		Options area
 * @code:	Option code
 * @asked:	The client asked for it in its parameter request list
 *
 * Return: 0 if added, 1 if we have nothing to give, -1 if there's no room
 */
static int dhcp_opt_add(const struct ctx *c, const struct dhcp_req *r,
			struct dhcp_out *o, uint8_t code, bool asked)
{
	struct in_addr sid = dhcp_server_addr(c);
	uint32_t u32;
	uint16_t u16;
	size_t len;

	switch (code) {
	case OPT_MASK:
		u32 = dhcp_mask(c);
		return dhcp_put(o, code, &u32, 4);
	case OPT_ROUTER:
		if (!c->ip4.guest_gw.s_addr)
			return 1;
		return dhcp_put(o, code, &c->ip4.guest_gw, 4);
	case OPT_DNS:
		return dhcp_opt_dns(c, o);
	case OPT_HOSTNAME:
		if (!(len = strnlen(c->hostname, HOSTNAME_LEN)))
			return 1;
		return dhcp_put(o, code, c->hostname, len);
	case OPT_DOMAIN:
		return asked ? dhcp_opt_domain(c, o) : 1;
	case OPT_MTU:
		if (c->mtu < 68 || c->mtu > 65535)
			return 1;
		u16 = htons(c->mtu);
		return dhcp_put(o, code, &u16, 2);
	case OPT_LEASE:
		if (r->type == DHCPINFORM)
			return 1;
		u32 = htonl(DHCP_LEASE_INFINITE);
		return dhcp_put(o, code, &u32, 4);
	case OPT_SERVER_ID:
		return dhcp_put(o, code, &sid, 4);
	case OPT_CLIENT_ID:
		if (!r->opt[code].data)
			return 1;
		return dhcp_put(o, code, r->opt[code].data, r->opt[code].len);
	case OPT_FQDN:
		return dhcp_opt_fqdn(c, r, o);
	case OPT_SEARCH:
		return dhcp_opt_search(c, o);
	case OPT_ROUTES:
		return dhcp_opt_routes(c, o, asked);
	default:
		return 1;
	}
}

/**
 * dhcp_opt_once() - Add an option, unless it was already considered
 * @c:		Execution context
 * @r:		Request
 * @o:		Options area
 * @code:	Option code
 * @asked:	The client asked for it
 */
static void dhcp_opt_once(const struct ctx *c, const struct dhcp_req *r,
			  struct dhcp_out *o, uint8_t code, bool asked)
{
	if (o->sent[code])
		return;
	o->sent[code] = 1;
	if (dhcp_opt_add(c, r, o, code, asked) < 0)
		debug("DHCP: no room for option %u in reply", code);
}

/**
 * dhcp_opts_fill() - Fill the options of an OFFER or ACK
 * @c:		Execution context
 * @r:		Request
 * @o:		Options area, with the message type already in
 */
static void dhcp_opts_fill(const struct ctx *c, const struct dhcp_req *r,
			   struct dhcp_out *o)
{
	static const uint8_t first[] = { OPT_SERVER_ID, OPT_LEASE,
					 OPT_CLIENT_ID };
	static const uint8_t rest[] = { OPT_MASK, OPT_ROUTER, OPT_DNS,
					OPT_MTU, OPT_HOSTNAME, OPT_FQDN,
					OPT_SEARCH, OPT_ROUTES };
	const struct pkt *prl = &r->opt[OPT_PRL];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(first); i++)
		dhcp_opt_once(c, r, o, first[i], false);

	for (i = 0; prl->data && i < prl->len; i++) {
		const uint8_t *code = pkt_get(prl, i, 1);

		if (code && *code != OPT_PAD && *code != OPT_END)
			dhcp_opt_once(c, r, o, *code, true);
	}

	for (i = 0; i < ARRAY_SIZE(rest); i++)
		dhcp_opt_once(c, r, o, rest[i], false);
}

/**
 * dhcp_opts_parse() - Find the options of a request
 * @opts:	Options area of the message, after the magic cookie
 * @r:		Request: options recorded here
 *
 * Return: 0 on success, -1 if an option runs past the end of the message
 */
static int dhcp_opts_parse(const struct pkt *opts, struct dhcp_req *r)
{
	size_t off = 0;

	while (off < opts->len) {
		const uint8_t *code = pkt_get(opts, off, 1), *len;
		const void *data;

		if (!code || *code == OPT_END)
			break;
		if (*code == OPT_PAD) {
			off++;
			continue;
		}
		if (!(len = pkt_get(opts, off + 1, 1)) ||
		    !(data = pkt_get(opts, off + 2, *len)))
			return -1;

		if (!r->opt[*code].data) {
			r->opt[*code].data = data;
			r->opt[*code].len = *len;
		}
		off += 2 + *len;
	}
	return 0;
}

/**
 * dhcp_req_parse() - Check and parse a request
 * @msg:	DHCP message, UDP payload
 * @r:		Parsed request, filled here
 *
 * Return: 0 on success, -1 if malformed (logged)
 */
static int dhcp_req_parse(const struct pkt *msg, struct dhcp_req *r)
{
	const struct pkt *type = &r->opt[OPT_TYPE];
	struct pkt opts;

	memset(r, 0, sizeof(*r));
	if (!(r->h = pkt_get(msg, 0, sizeof(*r->h)))) {
		debug("DHCP: message too short (%zu bytes)", msg->len);
		return -1;
	}
	if (r->h->op != BOOTREQUEST || ntohl(r->h->magic) != DHCP_MAGIC) {
		debug("DHCP: not a BOOTP request with DHCP magic cookie");
		return -1;
	}
	if (pkt_sub(msg, sizeof(*r->h), &opts) ||
	    dhcp_opts_parse(&opts, r)) {
		debug("DHCP: malformed options");
		return -1;
	}
	if (type->data && type->len == 1)
		r->type = *(const uint8_t *)type->data;
	return 0;
}

/**
 * dhcp_opt_addr() - An address option of the request, if well-formed
 * @r:		Request
 * @code:	Option code
 * @a:		Address, set if the option is there
 *
 * Return: true if the option is there, with four bytes
 */
static bool dhcp_opt_addr(const struct dhcp_req *r, uint8_t code,
			  struct in_addr *a)
{
	const void *p = r->opt[code].len == 4 ? r->opt[code].data : NULL;

	if (p)
		memcpy(a, p, 4);
	return p;
}

/**
 * dhcp_answer_type() - Decide how to answer a request
 * @c:		Execution context
 * @r:		Request
 *
 * Return: DHCPOFFER, DHCPACK or DHCPNAK, 0 for no answer
 */
static int dhcp_answer_type(const struct ctx *c, const struct dhcp_req *r)
{
	struct in_addr sid, want;

	switch (r->type) {
	case DHCPDISCOVER:
		return DHCPOFFER;
	case DHCPINFORM:
		return DHCPACK;
	case DHCPREQUEST:
		break;
	case DHCPDECLINE:
		info("DHCP: guest declined %s: address conflict on its link?",
		     inet_ntoa(c->ip4.addr));
		return 0;
	case DHCPRELEASE:
		debug("DHCP: guest released its address");
		return 0;
	case 0:
		debug("DHCP: BOOTP request without message type, ignored");
		return 0;
	default:
		debug("DHCP: ignoring message of type %u", r->type);
		return 0;
	}

	if (dhcp_opt_addr(r, OPT_SERVER_ID, &sid) &&
	    sid.s_addr != dhcp_server_addr(c).s_addr) {
		debug("DHCP: request for another server, ignored");
		return 0;
	}

	if (!dhcp_opt_addr(r, OPT_REQIP, &want))
		want.s_addr = r->h->ciaddr;
	if (want.s_addr != c->ip4.addr.s_addr)
		return DHCPNAK;
	return DHCPACK;
}

/**
 * dhcp_reply_dst() - Where a reply goes, RFC 2131 4.1
 * @r:		Request
 * @type:	Reply message type
 * @yiaddr:	Address given in the reply, network order
 *
 * Return: destination address
 */
static struct in_addr dhcp_reply_dst(const struct dhcp_req *r, uint8_t type,
				     uint32_t yiaddr)
{
	struct in_addr dst = { .s_addr = INADDR_BROADCAST };

	if (type == DHCPNAK)
		return dst;
	if (r->h->ciaddr)
		dst.s_addr = r->h->ciaddr;
	else if (!(ntohs(r->h->flags) & DHCP_FLAG_BROADCAST) && yiaddr)
		dst.s_addr = yiaddr;
	return dst;
}

/**
 * dhcp_msg_max() - Largest reply the client takes, within our buffer
 * @c:		Execution context
 * @r:		Request, for option 57
 * @size:	Size of the output buffer
 *
 * Return: maximum DHCP message length (UDP payload)
 */
static size_t dhcp_msg_max(const struct ctx *c, const struct dhcp_req *r,
			   size_t size)
{
	size_t max = DHCP_MIN_DGRAM;
	uint16_t v;

	if (r->opt[OPT_MAX_SIZE].len == 2) {
		memcpy(&v, r->opt[OPT_MAX_SIZE].data, 2);
		max = MAX(max, (size_t)ntohs(v));
	}
	if (c->mtu >= DHCP_MIN_DGRAM)
		max = MIN(max, (size_t)c->mtu);
	return MIN(max - DHCP_IPUDP_LEN, size);
}

/**
 * dhcp_reply_build() - Build the reply to a DHCP message from the guest
 * @c:		Execution context
 * @msg:	DHCP message (UDP payload) from the guest
 * @out:	Buffer for the reply, DHCP_MSG_MAX bytes are enough
 * @size:	Size of @out, at least BOOTP_MIN_LEN (300)
 * @dst:	Destination address of the reply, set when there is one
 *
 * Return: length of the reply, 0 if there is none, -1 if @msg is malformed
 */
ssize_t dhcp_reply_build(const struct ctx *c, const struct pkt *msg,
			 uint8_t *out, size_t size, struct in_addr *dst)
{
	struct dhcp_hdr *h = (struct dhcp_hdr *)out;
	struct dhcp_out o = { 0 };
	struct dhcp_req r;
	uint8_t type;
	size_t max;

	if (size < BOOTP_MIN_LEN || dhcp_req_parse(msg, &r))
		return -1;
	if (!(type = dhcp_answer_type(c, &r)))
		return 0;
	if (!c->ip4.addr.s_addr) {
		debug("DHCP: no address to give the guest");
		return 0;
	}

	memset(out, 0, BOOTP_MIN_LEN);
	h->op = BOOTREPLY;
	h->htype = r.h->htype;
	h->hlen = r.h->hlen;
	h->xid = r.h->xid;
	h->flags = r.h->flags;
	h->giaddr = r.h->giaddr;
	memcpy(h->chaddr, r.h->chaddr, sizeof(h->chaddr));
	h->magic = htonl(DHCP_MAGIC);
	if (type == DHCPACK)
		h->ciaddr = r.h->ciaddr;
	if (type != DHCPNAK && r.type != DHCPINFORM)
		h->yiaddr = c->ip4.addr.s_addr;

	max = dhcp_msg_max(c, &r, size);
	o.buf = out + sizeof(*h);
	o.max = max - sizeof(*h) - 1;		/* end option */

	dhcp_put(&o, OPT_TYPE, &type, 1);
	if (type == DHCPNAK) {
		dhcp_opt_once(c, &r, &o, OPT_SERVER_ID, false);
		dhcp_opt_once(c, &r, &o, OPT_CLIENT_ID, false);
	} else {
		dhcp_opts_fill(c, &r, &o);
	}
	o.buf[o.len++] = OPT_END;

	*dst = dhcp_reply_dst(&r, type, h->yiaddr);
	return MAX(sizeof(*h) + o.len, (size_t)BOOTP_MIN_LEN);
}

/**
 * dhcp_is_for_us() - Is a message to port 67 addressed to our server?
 * @c:		Execution context
 * @l3:		Packet from the guest
 *
 * Return: true for broadcast (limited or all-zeroes host part of the
 *	   subnet) and for our own address
 */
static bool dhcp_is_for_us(const struct ctx *c, const struct tap_l3 *l3)
{
	const struct in_addr *d = inany_v4(&l3->daddr);
	uint32_t mask = dhcp_mask(c);

	if (!d)
		return false;
	return d->s_addr == INADDR_BROADCAST ||
	       d->s_addr == dhcp_server_addr(c).s_addr ||
	       (mask != 0xffffffff &&
		d->s_addr == (c->ip4.addr.s_addr | ~mask));
}

/**
 * dhcp() - Answer a DHCP message from the guest
 * @c:		Execution context
 * @l3:		IPv4 packet from the guest, UDP to port 67
 *
 * Return: 1 if the message was for our server (answered or not), 0 if not
 */
int dhcp(const struct ctx *c, const struct tap_l3 *l3)
{
	static uint8_t buf[DHCP_MSG_MAX];
	const udphdr_u *uh;
	struct in_addr dst;
	struct pkt msg;
	size_t ulen;
	ssize_t n;

	if (l3->af != AF_INET || l3->proto != IPPROTO_UDP ||
	    !(uh = pkt_get(&l3->l4, 0, sizeof(*uh))) ||
	    ntohs(uh->dest) != DHCP_SERVER_PORT || !dhcp_is_for_us(c, l3))
		return 0;

	if (c->no_dhcp)
		return 1;

	ulen = ntohs(uh->len);
	if (ulen < sizeof(*uh) || pkt_sub(&l3->l4, sizeof(*uh), &msg) ||
	    pkt_trim(&msg, ulen - sizeof(*uh))) {
		debug("DHCP: bad UDP length %zu", ulen);
		return 1;
	}

	n = dhcp_reply_build(c, &msg, buf, sizeof(buf), &dst);
	if (n <= 0)
		return 1;

	info("DHCP: %s to %s", buf[sizeof(struct dhcp_hdr) + 2] == DHCPOFFER ?
	     "offer" : buf[sizeof(struct dhcp_hdr) + 2] == DHCPACK ? "ack" :
	     "nak", inet_ntoa(dst));
	tap_udp4_send(c, dhcp_server_addr(c), DHCP_SERVER_PORT, dst,
		      DHCP_CLIENT_PORT, buf, n);
	return 1;
}
