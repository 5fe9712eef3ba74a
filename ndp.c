// SPDX-License-Identifier: GPL-2.0-or-later
/* ndp.c - Neighbour Discovery: NA for the guest's neighbours, RAs
 *
 * Theory of operation
 * ===================
 *
 * On the guest's link there is nobody but us: every address the guest
 * wants to reach, its gateway, our link-local address, a peer it believes
 * on-link, is really behind us.  So we answer every Neighbour Solicitation
 * (RFC 4861 7.2.4) with a Neighbour Advertisement giving our own MAC
 * address, router, solicited and override flags set, sent from the target
 * address to the soliciting address - except for the guest's own addresses
 * (as configured, or as seen in its traffic), which it may probe but which
 * are not ours to claim.
 *
 * A solicitation from the unspecified address is Duplicate Address
 * Detection: the guest checks that an address it wants is free.  It almost
 * always is, and we stay silent; only if the guest tries to take one of the
 * addresses we answer for ourselves (our link-local address, the gateway,
 * the mapped host addresses) do we defend it, with an advertisement to
 * all-nodes (ff02::1).
 *
 * Router Solicitations get a Router Advertisement (RFC 4861 6.2.6), unicast
 * to the soliciting address, or to all-nodes if it has none.  We also send
 * unsolicited advertisements: one right after the guest shows up (its first
 * frame), then a few more at short intervals (RFC 4861 6.2.4), then every
 * 200 to 600 seconds.  The advertisement carries:
 *
 * - router lifetime 65535 s (RFC 8319), M and O flags set if the DHCPv6
 *   server is on (--no-dhcpv6 clears them);
 * - the guest's prefix (c->ip6.addr, /64 unless told otherwise), on-link and,
 *   for a /64, usable for SLAAC, with infinite lifetimes;
 * - the MTU (c->mtu, if set and not below the IPv6 minimum of 1280);
 * - the DNS servers (RDNSS, RFC 8106) and search domains (DNSSL), unless
 *   --no-dhcp-dns or --no-dhcp-search say otherwise, with the router's
 *   lifetime;
 * - our MAC address (source link-layer address option).
 *
 * Our link-local address is c->ip6.our_tap_ll if configuration set it, the
 * guest's gateway if that is link-local, and otherwise the modified EUI-64
 * address derived from our MAC address.
 *
 * --no-ra disables advertisements, --no-ndp everything here.
 *
 * Messages are checked as RFC 4861 6.1 and 7.1 ask: hop limit 255 (so they
 * come from the link itself), code 0, length, options of non-zero length
 * within the message, no source link-layer address option from the
 * unspecified address, multicast targets refused.  Anything else is dropped
 * with a debug message.  Replies are built by pure functions,
 * ndp_reply_build() and ndp_ra_build(), that the unit tests call directly.
 */

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip6.h>

#include "dhcp.h"
#include "log.h"
#include "ndp.h"
#include "packet.h"
#include "passt.h"
#include "tap.h"
#include "util.h"

#define RT_LIFETIME		65535	/* seconds, RFC 8319 */
#define DNS_LIFETIME		RT_LIFETIME
#define PREFIX_LIFETIME		0xffffffffU	/* infinite */

#define RA_INITIAL_COUNT	3	/* MAX_INITIAL_RTR_ADVERTISEMENTS */
#define RA_INITIAL_INTERVAL	16	/* MAX_INITIAL_RTR_ADVERT_INTERVAL, s */
#define RA_MIN_INTERVAL		200	/* MinRtrAdvInterval, s */
#define RA_MAX_INTERVAL		600	/* MaxRtrAdvInterval, s */

#define ND_OPT_RDNSS		25
#define ND_OPT_DNSSL		31

static const struct in6_addr ndp_all_nodes = {
	.s6_addr = { 0xff, 0x02, [15] = 0x01 }
};

/**
 * struct ndp_out - A message being built
 * @buf:	Output buffer
 * @len:	Bytes written
 * @size:	Size of @buf
 */
struct ndp_out {
	uint8_t *buf;
	size_t len;
	size_t size;
};

/**
 * ndp_put() - Append bytes to a message, if they fit
 * @o:		Message
 * @data:	Bytes, NULL for zeroes
 * @len:	Number of bytes
 *
 * Return: pointer to the bytes in the message, NULL if there's no room
 */
static uint8_t *ndp_put(struct ndp_out *o, const void *data, size_t len)
{
	uint8_t *p = o->buf + o->len;

	if (o->size - o->len < len)
		return NULL;
	if (data)
		memcpy(p, data, len);
	else
		memset(p, 0, len);
	o->len += len;
	return p;
}

/**
 * ndp_our_ll() - Our link-local address on the guest's link
 * @c:		Execution context
 *
 * Return: c->ip6.our_tap_ll if set, the guest's gateway if link-local, else
 *	   the modified EUI-64 address from our MAC address (RFC 4291 2.5.1)
 */
const struct in6_addr *ndp_our_ll(const struct ctx *c)
{
	static struct in6_addr ll;
	const unsigned char *m = c->our_tap_mac;

	if (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.our_tap_ll))
		return &c->ip6.our_tap_ll;
	if (IN6_IS_ADDR_LINKLOCAL(&c->ip6.guest_gw))
		return &c->ip6.guest_gw;

	memset(&ll, 0, sizeof(ll));
	ll.s6_addr[0] = 0xfe;
	ll.s6_addr[1] = 0x80;
	ll.s6_addr[8] = m[0] ^ 0x02;
	ll.s6_addr[9] = m[1];
	ll.s6_addr[10] = m[2];
	ll.s6_addr[11] = 0xff;
	ll.s6_addr[12] = 0xfe;
	ll.s6_addr[13] = m[3];
	ll.s6_addr[14] = m[4];
	ll.s6_addr[15] = m[5];
	return &ll;
}

/**
 * ndp_opt_lladdr() - Append a source or target link-layer address option
 * @c:		Execution context
 * @o:		Message
 * @type:	ND_OPT_SOURCE_LINKADDR or ND_OPT_TARGET_LINKADDR
 *
 * Return: 0 on success, -1 if there's no room
 */
static int ndp_opt_lladdr(const struct ctx *c, struct ndp_out *o,
			  uint8_t type)
{
	uint8_t d[8] = { type, 1 };

	memcpy(d + 2, c->our_tap_mac, MAC_ADDR_LEN);
	return ndp_put(o, d, sizeof(d)) ? 0 : -1;
}

/**
 * ndp_opt_prefix() - Append the prefix information option for the guest
 * @c:		Execution context
 * @o:		Message
 */
static void ndp_opt_prefix(const struct ctx *c, struct ndp_out *o)
{
	struct nd_opt_prefix_info pi = {
		.nd_opt_pi_type = ND_OPT_PREFIX_INFORMATION,
		.nd_opt_pi_len = 4,
		.nd_opt_pi_flags_reserved = ND_OPT_PI_FLAG_ONLINK,
		.nd_opt_pi_valid_time = htonl(PREFIX_LIFETIME),
		.nd_opt_pi_preferred_time = htonl(PREFIX_LIFETIME),
	};
	int plen = c->ip6.prefix_len, i;

	if (IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr))
		return;
	if (plen <= 0 || plen > 128)
		plen = 64;
	if (plen == 64)
		pi.nd_opt_pi_flags_reserved |= ND_OPT_PI_FLAG_AUTO;

	pi.nd_opt_pi_prefix_len = plen;
	for (i = 0; i < plen / 8; i++)
		pi.nd_opt_pi_prefix.s6_addr[i] = c->ip6.addr.s6_addr[i];
	if (plen % 8)
		pi.nd_opt_pi_prefix.s6_addr[i] = c->ip6.addr.s6_addr[i] &
						 (0xff << (8 - plen % 8));

	ndp_put(o, &pi, sizeof(pi));
}

/**
 * ndp_opt_mtu() - Append the MTU option, if we have one for IPv6
 * @c:		Execution context
 * @o:		Message
 */
static void ndp_opt_mtu(const struct ctx *c, struct ndp_out *o)
{
	struct nd_opt_mtu m = {
		.nd_opt_mtu_type = ND_OPT_MTU,
		.nd_opt_mtu_len = 1,
		.nd_opt_mtu_mtu = htonl(c->mtu),
	};

	if (c->mtu >= 1280)
		ndp_put(o, &m, sizeof(m));
}

/**
 * ndp_opt_rdnss() - Append the recursive DNS servers option, RFC 8106
 * @c:		Execution context
 * @o:		Message
 */
static void ndp_opt_rdnss(const struct ctx *c, struct ndp_out *o)
{
	uint32_t lifetime = htonl(DNS_LIFETIME);
	size_t i, n = 0, start = o->len;
	uint8_t *hdr;

	if (c->no_dhcp_dns || !(hdr = ndp_put(o, NULL, 8)))
		return;
	memcpy(hdr + 4, &lifetime, 4);

	for (i = 0; i < ARRAY_SIZE(c->ip6.dns); i++) {
		if (IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns[i]))
			break;
		if (!ndp_put(o, &c->ip6.dns[i], 16))
			goto none;
		n++;
	}
	if (!n && !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_match)) {
		if (!ndp_put(o, &c->ip6.dns_match, 16))
			goto none;
		n++;
	}
	if (!n)
		goto none;

	hdr[0] = ND_OPT_RDNSS;
	hdr[1] = 1 + 2 * n;
	return;
none:
	o->len = start;
}

/**
 * ndp_opt_dnssl() - Append the DNS search list option, RFC 8106
 * @c:		Execution context
 * @o:		Message
 */
static void ndp_opt_dnssl(const struct ctx *c, struct ndp_out *o)
{
	uint32_t lifetime = htonl(DNS_LIFETIME);
	size_t start = o->len, room, total;
	struct dns_enc e;
	uint8_t *hdr;

	if (c->no_dhcp_dns_search || !c->dns_search[0].n[0] ||
	    !(hdr = ndp_put(o, NULL, 8)))
		return;
	memcpy(hdr + 4, &lifetime, 4);

	/* option length is in units of 8 bytes, at most 255 of them */
	room = ROUND_DOWN(MIN(o->size - o->len, 255 * 8 - 8), 8);
	dns_enc_init(&e, o->buf + o->len, room, false);
	if (!dns_enc_list(&e, c->dns_search, ARRAY_SIZE(c->dns_search))) {
		o->len = start;
		return;
	}

	total = ROUND_UP(8 + e.len, 8);
	memset(o->buf + o->len + e.len, 0, total - 8 - e.len);
	o->len = start + total;
	hdr[0] = ND_OPT_DNSSL;
	hdr[1] = total / 8;
}

/**
 * ndp_ra_build() - Build a Router Advertisement for the guest
 * @c:		Execution context
 * @out:	Buffer for the ICMPv6 message, checksum left zero
 * @size:	Size of @out, NDP_MSG_MAX is enough
 *
 * Return: length of the message, 0 if @out is too small
 */
size_t ndp_ra_build(const struct ctx *c, uint8_t *out, size_t size)
{
	struct ndp_out o = { out, 0, size };
	struct nd_router_advert ra = {
		.nd_ra_type = ND_ROUTER_ADVERT,
		.nd_ra_router_lifetime = htons(RT_LIFETIME),
	};

	if (!c->no_dhcpv6)
		ra.nd_ra_flags_reserved = ND_RA_FLAG_MANAGED | ND_RA_FLAG_OTHER;

	if (!ndp_put(&o, &ra, sizeof(ra)) ||
	    ndp_opt_lladdr(c, &o, ND_OPT_SOURCE_LINKADDR))
		return 0;
	ndp_opt_prefix(c, &o);
	ndp_opt_mtu(c, &o);
	ndp_opt_rdnss(c, &o);
	ndp_opt_dnssl(c, &o);
	return o.len;
}

/**
 * ndp_opts_check() - Check the options of a received NDP message
 * @opts:	Options, to the end of the message
 * @slla:	Set if there is a source link-layer address option
 *
 * Return: 0 if well-formed, -1 if an option has length zero or runs past
 *	   the end of the message
 */
static int ndp_opts_check(const struct pkt *opts, bool *slla)
{
	size_t off = 0;

	*slla = false;
	while (off < opts->len) {
		const uint8_t *o = pkt_get(opts, off, 2);

		if (!o || !o[1] || !pkt_get(opts, off, o[1] * 8UL))
			return -1;
		if (o[0] == ND_OPT_SOURCE_LINKADDR)
			*slla = true;
		off += o[1] * 8UL;
	}
	return 0;
}

/**
 * ndp_msg_check() - Common checks of RFC 4861 6.1.1 and 7.1.1
 * @l3:		ICMPv6 packet from the guest
 * @hlen:	Length of the fixed part of the message
 * @unspec:	Set if the source address is unspecified
 *
 * Return: 0 if the message is valid, -1 if it must be dropped
 */
static int ndp_msg_check(const struct tap_l3 *l3, size_t hlen, bool *unspec)
{
	const uint8_t *ip6 = pkt_get(&l3->l3, 0, sizeof(struct ip6_hdr));
	const uint8_t *icmp = pkt_get(&l3->l4, 0, hlen);
	struct pkt opts;
	bool slla;

	/* Bytes, not structs: guest data has no particular alignment */
	if (!ip6 || !icmp || ip6[offsetof(struct ip6_hdr, ip6_hlim)] != 255 ||
	    icmp[offsetof(struct icmp6_hdr, icmp6_code)]) {
		debug("NDP: message %u: bad hop limit, code or length",
		      icmp ? icmp[0] : 0);
		return -1;
	}
	if (pkt_sub(&l3->l4, hlen, &opts) || ndp_opts_check(&opts, &slla)) {
		debug("NDP: message %u: malformed options", icmp[0]);
		return -1;
	}

	*unspec = IN6_IS_ADDR_UNSPECIFIED(&l3->saddr.a6);
	if (*unspec && slla) {
		debug("NDP: link-layer address from unspecified address");
		return -1;
	}
	return 0;
}

/**
 * ndp_is_solicited_node() - Is an address a solicited-node multicast one?
 * @a:		Address
 *
 * Return: true for ff02::1:ffXX:XXXX (RFC 4291 2.7.1)
 */
static bool ndp_is_solicited_node(const struct in6_addr *a)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, [11] = 0x01, 0xff };

	return !memcmp(a->s6_addr, pfx, sizeof(pfx));
}

/**
 * ndp_is_guest() - Is an address one of the guest's own?
 * @c:		Execution context
 * @a:		Address
 *
 * Return: true if configured for the guest, or seen as its source
 */
static bool ndp_is_guest(const struct ctx *c, const struct in6_addr *a)
{
	return IN6_ARE_ADDR_EQUAL(a, &c->ip6.addr) ||
	       IN6_ARE_ADDR_EQUAL(a, &c->ip6.addr_seen) ||
	       IN6_ARE_ADDR_EQUAL(a, &c->ip6.addr_ll_seen);
}

/**
 * ndp_is_ours() - Is an address one that we answer for as our own?
 * @c:		Execution context
 * @a:		Address, not unspecified
 *
 * Return: true for our link-local address, the gateway and mapped addresses
 */
static bool ndp_is_ours(const struct ctx *c, const struct in6_addr *a)
{
	return IN6_ARE_ADDR_EQUAL(a, ndp_our_ll(c)) ||
	       IN6_ARE_ADDR_EQUAL(a, &c->ip6.guest_gw) ||
	       IN6_ARE_ADDR_EQUAL(a, &c->ip6.map_host_loopback) ||
	       IN6_ARE_ADDR_EQUAL(a, &c->ip6.map_guest_addr) ||
	       IN6_ARE_ADDR_EQUAL(a, &c->ip6.dns_match);
}

/**
 * ndp_ns() - Answer a Neighbour Solicitation
 * @c:		Execution context
 * @l3:		ICMPv6 packet from the guest
 * @out:	Buffer for the advertisement
 * @size:	Size of @out
 * @src:	Source address for the advertisement, set here
 * @dst:	Destination address for it, set here
 *
 * Return: length of the advertisement, 0 for none, -1 if malformed
 */
static ssize_t ndp_ns(const struct ctx *c, const struct tap_l3 *l3,
		      uint8_t *out, size_t size, struct in6_addr *src,
		      struct in6_addr *dst)
{
	struct nd_neighbor_advert na = {
		.nd_na_type = ND_NEIGHBOR_ADVERT,
		.nd_na_flags_reserved = ND_NA_FLAG_ROUTER | ND_NA_FLAG_OVERRIDE,
	};
	struct ndp_out o = { out, 0, size };
	const void *target;
	bool unspec;

	if (ndp_msg_check(l3, sizeof(struct nd_neighbor_solicit), &unspec) ||
	    !(target = pkt_get(&l3->l4, offsetof(struct nd_neighbor_solicit,
						 nd_ns_target), 16)))
		return -1;
	memcpy(&na.nd_na_target, target, 16);

	if (IN6_IS_ADDR_MULTICAST(&na.nd_na_target) ||
	    (unspec && !ndp_is_solicited_node(&l3->daddr.a6))) {
		debug("NDP: bad target or destination in solicitation");
		return -1;
	}

	if (unspec) {
		if (IN6_IS_ADDR_UNSPECIFIED(&na.nd_na_target) ||
		    !ndp_is_ours(c, &na.nd_na_target))
			return 0;	/* the guest's own DAD: all clear */
		debug("NDP: guest probes one of our addresses, defending it");
		*dst = ndp_all_nodes;
	} else {
		if (ndp_is_guest(c, &na.nd_na_target) ||
		    IN6_ARE_ADDR_EQUAL(&na.nd_na_target, &l3->saddr.a6))
			return 0;
		na.nd_na_flags_reserved |= ND_NA_FLAG_SOLICITED;
		*dst = l3->saddr.a6;
	}
	*src = na.nd_na_target;

	if (!ndp_put(&o, &na, sizeof(na)) ||
	    ndp_opt_lladdr(c, &o, ND_OPT_TARGET_LINKADDR))
		return 0;
	return o.len;
}

/**
 * ndp_rs() - Answer a Router Solicitation
 * @c:		Execution context
 * @l3:		ICMPv6 packet from the guest
 * @out:	Buffer for the advertisement
 * @size:	Size of @out
 * @src:	Source address for the advertisement, set here
 * @dst:	Destination address for it, set here
 *
 * Return: length of the advertisement, 0 for none, -1 if malformed
 */
static ssize_t ndp_rs(const struct ctx *c, const struct tap_l3 *l3,
		      uint8_t *out, size_t size, struct in6_addr *src,
		      struct in6_addr *dst)
{
	bool unspec;

	if (ndp_msg_check(l3, sizeof(struct nd_router_solicit), &unspec))
		return -1;
	if (c->no_ra)
		return 0;

	*src = *ndp_our_ll(c);
	if (unspec)
		*dst = ndp_all_nodes;
	else
		*dst = l3->saddr.a6;
	return ndp_ra_build(c, out, size);
}

/**
 * ndp_reply_build() - Build the reply to an NDP message from the guest
 * @c:		Execution context
 * @l3:		ICMPv6 packet from the guest
 * @out:	Buffer for the ICMPv6 reply, checksum left zero
 * @size:	Size of @out, NDP_MSG_MAX is enough
 * @src:	Source address of the reply, set if there is one
 * @dst:	Destination address of the reply, set if there is one
 *
 * Return: length of the reply, 0 if there is none, -1 if the message is
 *	   malformed
 */
ssize_t ndp_reply_build(const struct ctx *c, const struct tap_l3 *l3,
			uint8_t *out, size_t size, struct in6_addr *src,
			struct in6_addr *dst)
{
	const uint8_t *type = pkt_get(&l3->l4, 0, 1);

	if (!type)
		return -1;
	if (*type == ND_NEIGHBOR_SOLICIT)
		return ndp_ns(c, l3, out, size, src, dst);
	if (*type == ND_ROUTER_SOLICIT)
		return ndp_rs(c, l3, out, size, src, dst);
	return 0;
}

/**
 * ndp() - Handle an NDP message from the guest
 * @c:		Execution context
 * @l3:		IPv6 packet from the guest, ICMPv6
 *
 * Return: 1 if the packet was an NDP message (answered or not), 0 if not
 */
int ndp(const struct ctx *c, const struct tap_l3 *l3)
{
	static uint8_t buf[NDP_MSG_MAX];
	struct in6_addr src, dst;
	const uint8_t *type;
	ssize_t n;

	if (l3->af != AF_INET6 || l3->proto != IPPROTO_ICMPV6 ||
	    !(type = pkt_get(&l3->l4, 0, 1)) ||
	    *type < ND_ROUTER_SOLICIT || *type > ND_REDIRECT)
		return 0;

	if (c->no_ndp)
		return 1;

	n = ndp_reply_build(c, l3, buf, sizeof(buf), &src, &dst);
	if (n > 0)
		tap_icmp6_send(c, &src, &dst, buf, n);
	return 1;
}

/**
 * struct ndp_ra_state - Unsolicited advertisements
 * @guest:	The guest is there (we have seen its MAC address)
 * @initial:	Advertisements left to send at short intervals
 * @next:	When the next one is due
 * @rand:	State of the generator for random intervals
 */
static struct ndp_ra_state {
	bool guest;
	unsigned int initial;
	struct timespec next;
	uint32_t rand;
} ndp_ra_state;

/**
 * ndp_ra_interval() - Seconds until the next unsolicited advertisement
 * @s:		Advertisement state
 * @now:	Current time, seeds the generator
 *
 * Return: seconds, random within the bounds of RFC 4861 6.2.4 and 6.2.1
 */
static unsigned int ndp_ra_interval(struct ndp_ra_state *s,
				    const struct timespec *now)
{
	if (s->initial) {
		s->initial--;
		return RA_INITIAL_INTERVAL;
	}

	if (!s->rand)
		s->rand = (uint32_t)now->tv_nsec | 1;
	s->rand ^= s->rand << 13;	/* xorshift32 */
	s->rand ^= s->rand >> 17;
	s->rand ^= s->rand << 5;
	return RA_MIN_INTERVAL + s->rand % (RA_MAX_INTERVAL - RA_MIN_INTERVAL);
}

/**
 * ndp_timer() - Send unsolicited Router Advertisements when due
 * @c:		Execution context
 * @now:	Current time
 *
 * Called about once a second from the main loop.
 */
void ndp_timer(const struct ctx *c, const struct timespec *now)
{
	static uint8_t buf[NDP_MSG_MAX];
	struct ndp_ra_state *s = &ndp_ra_state;
	size_t n;

	if (!c->v6 || c->no_ndp || c->no_ra)
		return;

	if (mac_is_zero(c->guest_mac)) {
		s->guest = false;	/* not there yet, or gone (passt) */
		return;
	}
	if (!s->guest) {
		s->guest = true;
		s->initial = RA_INITIAL_COUNT - 1;
		s->next = *now;
	}
	if (timespec_diff_ms(now, &s->next) < 0)
		return;

	s->next = *now;
	s->next.tv_sec += ndp_ra_interval(s, now);

	if (!(n = ndp_ra_build(c, buf, sizeof(buf))))
		return;
	debug("NDP: unsolicited router advertisement");
	tap_icmp6_send(c, ndp_our_ll(c), &ndp_all_nodes, buf, n);
}
