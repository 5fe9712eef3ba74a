// SPDX-License-Identifier: GPL-2.0-or-later
/* dhcpv6.c - DHCPv6 server for the guest
 *
 * Theory of operation
 * ===================
 *
 * Like our DHCPv4 server, this is a server for exactly one client with
 * exactly one address to give, c->ip6.addr, and no state at all.  Clients
 * send to All_DHCP_Relay_Agents_and_Servers (ff02::1:2), port 547, from
 * their link-local address; we answer from our own link-local address (see
 * ndp_our_ll()) to theirs, port 546 (RFC 8415).  Nothing is forwarded.
 *
 *   SOLICIT          -> ADVERTISE (preference 255: no need to wait for
 *                       other servers), or REPLY if the client asked for
 *                       rapid commit (option 14) - we always agree
 *   REQUEST, RENEW,
 *   REBIND           -> REPLY with the address
 *   CONFIRM          -> REPLY, status Success if every address the client
 *                       lists is within the guest's prefix, NotOnLink if not
 *   RELEASE, DECLINE -> REPLY, status Success: nothing changes here
 *   INFORMATION-REQUEST -> REPLY with DNS servers and search list only
 *
 * The first IA_NA of a message gets c->ip6.addr, with infinite lifetimes
 * and T1/T2; other addresses the client lists in it are returned with zero
 * lifetimes, so that it drops them.  Further IA_NAs, and every IA_TA, get
 * the status NoAddrsAvail; IA_PDs get NoPrefixAvail: we have no prefixes to
 * delegate.
 *
 * Our server identifier is a DUID-LL made of our MAC address.  A message
 * naming another server is for that server, and ignored; REQUEST, RENEW,
 * RELEASE and DECLINE must name us.  The client identifier is echoed back.
 *
 * DNS servers (option 23: c->ip6.dns[], or the --dns-forward address if
 * that list is empty) and the domain search list (option 24, DNS wire
 * format, uncompressed as RFC 8415 10 requires) go with every REPLY and
 * ADVERTISE that carries addresses or information, unless --no-dhcp-dns or
 * --no-dhcp-search; the FQDN (option 39, RFC 4704) too when configured.
 * A reply fits in the IPv6 minimum MTU: search domains that don't fit are
 * left out.
 *
 * Every byte of the message is untrusted: options and sub-options are read
 * through pkt_get(), an option running past its container makes the whole
 * message malformed, and it is dropped.  The reply is built by
 * dhcpv6_reply_build(), which the unit tests call directly.
 */

#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include "dhcp.h"
#include "dhcpv6.h"
#include "hdr.h"
#include "log.h"
#include "ndp.h"
#include "packet.h"
#include "passt.h"
#include "tap.h"
#include "util.h"

#define DHCPV6_CLIENT_PORT	546
#define DHCPV6_SERVER_PORT	547

#define DHCPV6_INFINITE		0xffffffffU
#define DHCPV6_IA_MAX		4	/* IAs answered per message */
#define DHCPV6_IA_ADDRS_MAX	4	/* addresses per IA we return, each */
#define DHCPV6_DUID_MAX		130	/* RFC 8415 11.1 */

/* Message types */
enum dhcpv6_type {
	SOLICIT = 1,
	ADVERTISE,
	REQUEST,
	CONFIRM,
	RENEW,
	REBIND,
	REPLY,
	RELEASE,
	DECLINE,
	RECONFIGURE,
	INFORMATION_REQUEST,
};

/* Options */
enum dhcpv6_opt {
	OPT_CLIENTID = 1,
	OPT_SERVERID = 2,
	OPT_IA_NA = 3,
	OPT_IA_TA = 4,
	OPT_IAADDR = 5,
	OPT_PREFERENCE = 7,
	OPT_STATUS_CODE = 13,
	OPT_RAPID_COMMIT = 14,
	OPT_DNS_SERVERS = 23,
	OPT_DOMAIN_LIST = 24,
	OPT_IA_PD = 25,
	OPT_CLIENT_FQDN = 39,
};

/* Status codes */
enum dhcpv6_status {
	STATUS_SUCCESS = 0,
	STATUS_NOADDRSAVAIL = 2,
	STATUS_NOTONLINK = 4,
	STATUS_NOPREFIXAVAIL = 6,
};

/* Client FQDN flags, RFC 4704 4.1 */
#define FQDN_S			0x01
#define FQDN_O			0x02
#define FQDN_N			0x04

/**
 * struct dhcpv6_ia - An identity association in a request
 * @type:	OPT_IA_NA, OPT_IA_TA or OPT_IA_PD
 * @data:	Option payload: IAID, T1 and T2 (not for IA_TA), sub-options
 */
struct dhcpv6_ia {
	uint16_t type;
	struct pkt data;
};

/**
 * struct dhcpv6_req - A message from the guest, after parsing
 * @type:	Message type
 * @xid:	Transaction ID, three bytes
 * @clientid:	Client identifier, data NULL if absent
 * @serverid:	Server identifier, data NULL if absent
 * @fqdn:	Client FQDN option, data NULL if absent
 * @rapid:	Rapid commit requested
 * @ia:		Identity associations, in order
 * @nia:	Number of entries in @ia
 */
struct dhcpv6_req {
	uint8_t type;
	const uint8_t *xid;
	struct pkt clientid;
	struct pkt serverid;
	struct pkt fqdn;
	bool rapid;
	struct dhcpv6_ia ia[DHCPV6_IA_MAX];
	size_t nia;
};

/**
 * struct dhcpv6_out - A reply being built
 * @buf:	Output buffer
 * @len:	Bytes written
 * @size:	Size of @buf
 * @err:	Set once something didn't fit
 */
struct dhcpv6_out {
	uint8_t *buf;
	size_t len;
	size_t size;
	bool err;
};

/* Our DUID-LL: type 3, hardware type 1 (Ethernet), MAC address */
static uint8_t dhcpv6_duid[10];

/**
 * dhcpv6_init() - Make our server identifier from our MAC address
 * @c:		Execution context
 */
void dhcpv6_init(const struct ctx *c)
{
	dhcpv6_duid[1] = 3;
	dhcpv6_duid[3] = 1;
	memcpy(dhcpv6_duid + 4, c->our_tap_mac, MAC_ADDR_LEN);
}

/**
 * dhcpv6_put() - Append bytes to the reply, if they fit
 * @o:		Reply
 * @data:	Bytes
 * @len:	Number of bytes
 */
static void dhcpv6_put(struct dhcpv6_out *o, const void *data, size_t len)
{
	if (!len)
		return;
	if (o->err || o->size - o->len < len) {
		o->err = true;
		return;
	}
	memcpy(o->buf + o->len, data, len);
	o->len += len;
}

/**
 * dhcpv6_put32() - Append a 32-bit number, network order
 * @o:		Reply
 * @v:		Number, host order
 */
static void dhcpv6_put32(struct dhcpv6_out *o, uint32_t v)
{
	v = htonl(v);
	dhcpv6_put(o, &v, sizeof(v));
}

/**
 * dhcpv6_opt_begin() - Start an option: its code and a length to patch
 * @o:		Reply
 * @code:	Option code
 *
 * Return: offset of the option, for dhcpv6_opt_end()
 */
static size_t dhcpv6_opt_begin(struct dhcpv6_out *o, uint16_t code)
{
	uint16_t h[2] = { htons(code), 0 };
	size_t start = o->len;

	dhcpv6_put(o, h, sizeof(h));
	return start;
}

/**
 * dhcpv6_opt_end() - Finish an option: set its length
 * @o:		Reply
 * @start:	Offset returned by dhcpv6_opt_begin()
 */
static void dhcpv6_opt_end(struct dhcpv6_out *o, size_t start)
{
	uint16_t len;

	if (o->err)
		return;
	len = htons(o->len - start - 4);
	memcpy(o->buf + start + 2, &len, sizeof(len));
}

/**
 * dhcpv6_opt() - Append a whole option
 * @o:		Reply
 * @code:	Option code
 * @data:	Payload
 * @len:	Payload length
 */
static void dhcpv6_opt(struct dhcpv6_out *o, uint16_t code, const void *data,
		       size_t len)
{
	size_t start = dhcpv6_opt_begin(o, code);

	dhcpv6_put(o, data, len);
	dhcpv6_opt_end(o, start);
}

/**
 * dhcpv6_status() - Append a status code option
 * @o:		Reply
 * @status:	Status code
 * @msg:	Message for a person
 */
static void dhcpv6_status(struct dhcpv6_out *o, uint16_t status,
			  const char *msg)
{
	size_t start = dhcpv6_opt_begin(o, OPT_STATUS_CODE);
	uint16_t s = htons(status);

	dhcpv6_put(o, &s, sizeof(s));
	dhcpv6_put(o, msg, strlen(msg));
	dhcpv6_opt_end(o, start);
}

/**
 * dhcpv6_opt_next() - Read the next option of a message or an option
 * @p:		Where the options are
 * @off:	Offset of the option, moved past it
 * @code:	Option code, set here
 * @data:	Option payload, set here
 *
 * Return: 1 if an option was read, 0 at the end, -1 if it runs past @p
 */
static int dhcpv6_opt_next(const struct pkt *p, size_t *off, uint16_t *code,
			   struct pkt *data)
{
	const uint8_t *h;
	size_t len;

	if (*off >= p->len)
		return 0;
	if (!(h = pkt_get(p, *off, 4)))
		return -1;

	*code = h[0] << 8 | h[1];
	len = h[2] << 8 | h[3];
	if (!(data->data = pkt_get(p, *off + 4, len)))
		return -1;
	data->len = len;
	*off += 4 + len;
	return 1;
}

/**
 * dhcpv6_ia_subopts() - The sub-options of an identity association
 * @ia:		Identity association from the request
 * @sub:	Sub-options, set here
 *
 * Return: 0 on success, -1 if the IA is too short for its fixed fields
 */
static int dhcpv6_ia_subopts(const struct dhcpv6_ia *ia, struct pkt *sub)
{
	return pkt_sub(&ia->data, ia->type == OPT_IA_TA ? 4 : 12, sub);
}

/**
 * dhcpv6_req_parse() - Check and parse a message from the guest
 * @msg:	DHCPv6 message, UDP payload
 * @r:		Parsed message, filled here
 *
 * Return: 0 on success, -1 if malformed (logged)
 */
static int dhcpv6_req_parse(const struct pkt *msg, struct dhcpv6_req *r)
{
	const uint8_t *hdr = pkt_get(msg, 0, 4);
	size_t off = 4;
	struct pkt data;
	uint16_t code;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!hdr) {
		debug("DHCPv6: message too short");
		return -1;
	}
	r->type = hdr[0];
	r->xid = hdr + 1;

	while ((ret = dhcpv6_opt_next(msg, &off, &code, &data)) > 0) {
		struct pkt sub;

		switch (code) {
		case OPT_CLIENTID:
			if (!r->clientid.data)
				r->clientid = data;
			break;
		case OPT_SERVERID:
			if (!r->serverid.data)
				r->serverid = data;
			break;
		case OPT_CLIENT_FQDN:
			if (!r->fqdn.data)
				r->fqdn = data;
			break;
		case OPT_RAPID_COMMIT:
			r->rapid = true;
			break;
		case OPT_IA_NA:
		case OPT_IA_TA:
		case OPT_IA_PD:
			if (r->nia == DHCPV6_IA_MAX)
				break;
			r->ia[r->nia].type = code;
			r->ia[r->nia].data = data;
			if (dhcpv6_ia_subopts(&r->ia[r->nia], &sub)) {
				debug("DHCPv6: identity association too short");
				return -1;
			}
			r->nia++;
			break;
		default:
			break;
		}
	}

	if (ret < 0 || r->clientid.len > DHCPV6_DUID_MAX) {
		debug("DHCPv6: malformed options");
		return -1;
	}
	return 0;
}

/**
 * dhcpv6_on_link() - Is an address within the guest's prefix?
 * @c:		Execution context
 * @a:		Address
 *
 * Return: true if @a shares the first prefix_len bits of c->ip6.addr
 */
static bool dhcpv6_on_link(const struct ctx *c, const struct in6_addr *a)
{
	int plen = c->ip6.prefix_len, i;

	if (plen <= 0 || plen > 128)
		plen = 64;
	for (i = 0; i < plen / 8; i++) {
		if (a->s6_addr[i] != c->ip6.addr.s6_addr[i])
			return false;
	}
	return !(plen % 8) ||
	       !((a->s6_addr[i] ^ c->ip6.addr.s6_addr[i]) &
		 (0xff << (8 - plen % 8)));
}

/**
 * dhcpv6_addr_get() - Copy the address at the start of an IA address option
 * @data:	Payload of the option, from the guest, alignment unknown
 * @a:		Address, set here
 *
 * Return: 0 on success, -1 if the option is too short
 */
static int dhcpv6_addr_get(const struct pkt *data, struct in6_addr *a)
{
	const void *p = pkt_get(data, 0, sizeof(*a));

	if (!p)
		return -1;
	memcpy(a, p, sizeof(*a));
	return 0;
}

/**
 * dhcpv6_ia_addr() - Append an IA address sub-option
 * @o:		Reply
 * @a:		Address
 * @lifetime:	Preferred and valid lifetime
 */
static void dhcpv6_ia_addr(struct dhcpv6_out *o, const struct in6_addr *a,
			   uint32_t lifetime)
{
	size_t start = dhcpv6_opt_begin(o, OPT_IAADDR);

	dhcpv6_put(o, a, sizeof(*a));
	dhcpv6_put32(o, lifetime);
	dhcpv6_put32(o, lifetime);
	dhcpv6_opt_end(o, start);
}

/**
 * dhcpv6_ia_na_addrs() - Fill the addresses of the IA_NA getting ours
 * @c:		Execution context
 * @ia:		IA_NA from the request
 * @o:		Reply
 * @release:	Also return the client's other addresses, zero lifetimes
 *
 * Return: 0 on success, -1 if the sub-options of the IA are malformed
 */
static int dhcpv6_ia_na_addrs(const struct ctx *c, const struct dhcpv6_ia *ia,
			      struct dhcpv6_out *o, bool release)
{
	unsigned int n = 0;
	struct pkt sub, data;
	size_t off = 0;
	uint16_t code;
	int ret;

	dhcpv6_ia_addr(o, &c->ip6.addr, DHCPV6_INFINITE);
	if (!release || dhcpv6_ia_subopts(ia, &sub))
		return 0;

	while ((ret = dhcpv6_opt_next(&sub, &off, &code, &data)) > 0) {
		struct in6_addr a;

		if (code != OPT_IAADDR || dhcpv6_addr_get(&data, &a) ||
		    IN6_ARE_ADDR_EQUAL(&a, &c->ip6.addr))
			continue;
		if (n++ < DHCPV6_IA_ADDRS_MAX)
			dhcpv6_ia_addr(o, &a, 0);
	}
	return ret;
}

/**
 * dhcpv6_ia() - Append the answer to one identity association
 * @c:		Execution context
 * @ia:		Identity association from the request
 * @o:		Reply
 * @give:	Give our address, if this is an IA_NA
 * @release:	Return the client's other addresses with zero lifetimes
 *
 * Return: true if our address was given
 */
static bool dhcpv6_ia(const struct ctx *c, const struct dhcpv6_ia *ia,
		      struct dhcpv6_out *o, bool give, bool release)
{
	size_t start = dhcpv6_opt_begin(o, ia->type);
	bool given = false;

	dhcpv6_put(o, ia->data.data, 4);			/* IAID */
	if (ia->type != OPT_IA_TA) {
		uint32_t t = give && ia->type == OPT_IA_NA ? DHCPV6_INFINITE
							   : 0;

		dhcpv6_put32(o, t);				/* T1 */
		dhcpv6_put32(o, t);				/* T2 */
	}

	if (ia->type == OPT_IA_PD) {
		dhcpv6_status(o, STATUS_NOPREFIXAVAIL, "No prefixes here");
	} else if (ia->type == OPT_IA_TA || !give) {
		dhcpv6_status(o, STATUS_NOADDRSAVAIL, "No addresses available");
	} else {
		if (dhcpv6_ia_na_addrs(c, ia, o, release))
			debug("DHCPv6: malformed IA_NA sub-options");
		given = true;
	}

	dhcpv6_opt_end(o, start);
	return given;
}

/**
 * dhcpv6_ias() - Append the answers to all identity associations
 * @c:		Execution context
 * @r:		Request
 * @o:		Reply
 */
static void dhcpv6_ias(const struct ctx *c, const struct dhcpv6_req *r,
		       struct dhcpv6_out *o)
{
	bool avail = !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr);
	bool release = r->type != SOLICIT;
	size_t i;

	for (i = 0; i < r->nia; i++) {
		if (dhcpv6_ia(c, &r->ia[i], o, avail, release))
			avail = false;
	}
}

/**
 * dhcpv6_confirm() - Status for a CONFIRM: are the client's addresses ours?
 * @c:		Execution context
 * @r:		Request
 *
 * Return: STATUS_SUCCESS or STATUS_NOTONLINK, -1 if there are no addresses
 *	   (no reply then, RFC 8415 18.3.3)
 */
static int dhcpv6_confirm(const struct ctx *c, const struct dhcpv6_req *r)
{
	unsigned int n = 0, bad = 0;
	size_t i;

	for (i = 0; i < r->nia; i++) {
		struct pkt sub, data;
		size_t off = 0;
		uint16_t code;

		if (r->ia[i].type == OPT_IA_PD ||
		    dhcpv6_ia_subopts(&r->ia[i], &sub))
			continue;
		while (dhcpv6_opt_next(&sub, &off, &code, &data) > 0) {
			struct in6_addr a;

			if (code != OPT_IAADDR || dhcpv6_addr_get(&data, &a))
				continue;
			n++;
			if (!dhcpv6_on_link(c, &a))
				bad++;
		}
	}
	if (!n)
		return -1;
	return bad ? STATUS_NOTONLINK : STATUS_SUCCESS;
}

/**
 * dhcpv6_dns() - Append DNS servers and domain search list, if they fit
 * @c:		Execution context
 * @o:		Reply
 */
static void dhcpv6_dns(const struct ctx *c, struct dhcpv6_out *o)
{
	size_t i, start, n = 0;
	struct dns_enc e;

	if (!c->no_dhcp_dns && !o->err) {
		start = dhcpv6_opt_begin(o, OPT_DNS_SERVERS);
		for (i = 0; i < ARRAY_SIZE(c->ip6.dns) &&
			    !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns[i]); i++, n++)
			dhcpv6_put(o, &c->ip6.dns[i], 16);
		if (!n && !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_match)) {
			dhcpv6_put(o, &c->ip6.dns_match, 16);
			n++;
		}
		dhcpv6_opt_end(o, start);
		if (!n || o->err) {
			o->len = start;
			o->err = false;
		}
	}

	if (c->no_dhcp_dns_search || !c->dns_search[0].n[0] || o->err ||
	    o->size - o->len <= 4)
		return;
	start = dhcpv6_opt_begin(o, OPT_DOMAIN_LIST);
	dns_enc_init(&e, o->buf + o->len, o->size - o->len, false);
	o->len += dns_enc_list(&e, c->dns_search, ARRAY_SIZE(c->dns_search));
	dhcpv6_opt_end(o, start);
	if (!e.len)
		o->len = start;
}

/**
 * dhcpv6_fqdn() - Append our FQDN for the client, RFC 4704, if configured
 * @c:		Execution context
 * @r:		Request, for the client's flags
 * @o:		Reply
 *
 * We update no DNS records: N is set, and O too if the client asked us to.
 */
static void dhcpv6_fqdn(const struct ctx *c, const struct dhcpv6_req *r,
			struct dhcpv6_out *o)
{
	const uint8_t *cflags = r->fqdn.data ? pkt_get(&r->fqdn, 0, 1) : NULL;
	uint8_t d[1 + FQDN_LEN + 2];
	struct dns_enc e;

	if (!c->fqdn[0] || o->err)
		return;

	d[0] = FQDN_N | ((cflags && (*cflags & FQDN_S)) ? FQDN_O : 0);
	dns_enc_init(&e, d + 1, sizeof(d) - 1, false);
	if (dns_enc_name(&e, c->fqdn) || o->size - o->len < 5 + e.len)
		return;
	dhcpv6_opt(o, OPT_CLIENT_FQDN, d, 1 + e.len);
}

/**
 * dhcpv6_serverid_check() - Check the server identifier of a message
 * @r:		Request
 * @need:	The message type requires a server identifier
 *
 * Return: 0 if the message is for us, -1 if it must be ignored
 */
static int dhcpv6_serverid_check(const struct dhcpv6_req *r, bool need)
{
	if (!r->serverid.data) {
		if (need)
			debug("DHCPv6: message type %u without server ID",
			      r->type);
		return need ? -1 : 0;
	}
	if (r->serverid.len != sizeof(dhcpv6_duid) ||
	    memcmp(r->serverid.data, dhcpv6_duid, sizeof(dhcpv6_duid)) != 0) {
		debug("DHCPv6: message for another server, ignored");
		return -1;
	}
	return 0;
}

/**
 * dhcpv6_answer_type() - Decide how to answer a message
 * @r:		Request
 *
 * Return: ADVERTISE or REPLY, 0 if the message gets no answer
 */
static int dhcpv6_answer_type(const struct dhcpv6_req *r)
{
	bool need_sid;

	switch (r->type) {
	case SOLICIT:
	case REBIND:
	case CONFIRM:
		need_sid = false;
		break;
	case REQUEST:
	case RENEW:
	case RELEASE:
	case DECLINE:
		need_sid = true;
		break;
	case INFORMATION_REQUEST:
		return dhcpv6_serverid_check(r, false) ? 0 : REPLY;
	default:
		debug("DHCPv6: ignoring message of type %u", r->type);
		return 0;
	}

	if (!r->clientid.data) {
		debug("DHCPv6: message type %u without client ID", r->type);
		return 0;
	}
	if (dhcpv6_serverid_check(r, need_sid))
		return 0;
	if (r->type == SOLICIT && !r->rapid)
		return ADVERTISE;
	return REPLY;
}

/**
 * dhcpv6_reply_build() - Build the reply to a DHCPv6 message from the guest
 * @c:		Execution context
 * @msg:	DHCPv6 message (UDP payload) from the guest
 * @out:	Buffer for the reply
 * @size:	Size of @out, DHCPV6_MSG_MAX is enough
 *
 * Return: length of the reply, 0 if there is none, -1 if @msg is malformed
 */
ssize_t dhcpv6_reply_build(const struct ctx *c, const struct pkt *msg,
			   uint8_t *out, size_t size)
{
	struct dhcpv6_out o = { out, 0, size, false };
	struct dhcpv6_req r;
	int type, status = -1;
	uint8_t hdr[4];

	if (!dhcpv6_duid[1])
		dhcpv6_init(c);
	if (dhcpv6_req_parse(msg, &r))
		return -1;
	if (!(type = dhcpv6_answer_type(&r)))
		return 0;
	if (r.type == CONFIRM && (status = dhcpv6_confirm(c, &r)) < 0)
		return 0;
	if (r.type == RELEASE || r.type == DECLINE)
		status = STATUS_SUCCESS;

	hdr[0] = type;
	memcpy(hdr + 1, r.xid, 3);
	dhcpv6_put(&o, hdr, sizeof(hdr));
	if (r.clientid.data)
		dhcpv6_opt(&o, OPT_CLIENTID, r.clientid.data, r.clientid.len);
	dhcpv6_opt(&o, OPT_SERVERID, dhcpv6_duid, sizeof(dhcpv6_duid));
	if (type == ADVERTISE)
		dhcpv6_opt(&o, OPT_PREFERENCE, (uint8_t []){ 255 }, 1);
	if (r.type == SOLICIT && r.rapid)
		dhcpv6_opt(&o, OPT_RAPID_COMMIT, NULL, 0);

	if (status >= 0) {
		dhcpv6_status(&o, status, status ? "Not on link" : "Success");
	} else {
		if (r.type != INFORMATION_REQUEST)
			dhcpv6_ias(c, &r, &o);
		dhcpv6_dns(c, &o);
		dhcpv6_fqdn(c, &r, &o);
	}

	if (o.err) {
		debug("DHCPv6: reply doesn't fit in %zu bytes", size);
		return 0;
	}
	return o.len;
}

/**
 * dhcpv6_is_for_us() - Is a message to port 547 addressed to our server?
 * @c:		Execution context
 * @l3:		Packet from the guest
 *
 * Return: true for All_DHCP_Relay_Agents_and_Servers and our link-local
 */
static bool dhcpv6_is_for_us(const struct ctx *c, const struct tap_l3 *l3)
{
	static const struct in6_addr all_servers = {
		.s6_addr = { 0xff, 0x02, [13] = 0x01, [15] = 0x02 }
	};

	return IN6_ARE_ADDR_EQUAL(&l3->daddr.a6, &all_servers) ||
	       IN6_ARE_ADDR_EQUAL(&l3->daddr.a6, ndp_our_ll(c));
}

/**
 * dhcpv6() - Answer a DHCPv6 message from the guest
 * @c:		Execution context
 * @l3:		IPv6 packet from the guest, UDP to port 547
 *
 * Return: 1 if the message was for our server (answered or not), 0 if not
 */
int dhcpv6(const struct ctx *c, const struct tap_l3 *l3)
{
	static uint8_t buf[DHCPV6_MSG_MAX];
	const udphdr_u *uh;
	struct pkt msg;
	size_t ulen;
	ssize_t n;

	if (l3->af != AF_INET6 || l3->proto != IPPROTO_UDP ||
	    !(uh = pkt_get(&l3->l4, 0, sizeof(*uh))) ||
	    ntohs(uh->dest) != DHCPV6_SERVER_PORT || !dhcpv6_is_for_us(c, l3))
		return 0;

	if (c->no_dhcpv6)
		return 1;

	ulen = ntohs(uh->len);
	if (ulen < sizeof(*uh) || pkt_sub(&l3->l4, sizeof(*uh), &msg) ||
	    pkt_trim(&msg, ulen - sizeof(*uh))) {
		debug("DHCPv6: bad UDP length %zu", ulen);
		return 1;
	}
	if (IN6_IS_ADDR_UNSPECIFIED(&l3->saddr.a6)) {
		debug("DHCPv6: message from unspecified address");
		return 1;
	}

	n = dhcpv6_reply_build(c, &msg, buf, sizeof(buf));
	if (n <= 0)
		return 1;

	info("DHCPv6: %s", buf[0] == ADVERTISE ? "advertise" : "reply");
	tap_udp6_send(c, ndp_our_ll(c), DHCPV6_SERVER_PORT, &l3->saddr.a6,
		      DHCPV6_CLIENT_PORT, 0, buf, n);
	return 1;
}
