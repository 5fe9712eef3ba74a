// SPDX-License-Identifier: GPL-2.0-or-later
/* test_netlink.c - Rewriting of dumped routes and addresses into requests
 *
 * Builds RTM_NEWROUTE and RTM_NEWADDR messages as the kernel dumps them, and
 * checks what nl_route_rewrite() and nl_addr_rewrite() make of them: which
 * are copied, interfaces replaced, nexthops filtered, attributes dropped.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "netlink.h"
#include "unit.h"

#define SRC	7	/* interface in the source namespace */
#define DST	2	/* interface in the destination namespace */
#define OTHER	9	/* another interface in the source namespace */

static union {
	struct nlmsghdr nh;
	char b[4096];
} in, out;

/**
 * msg() - Start a message in @in
 * @type:	Message type
 * @hdr:	Family header
 * @len:	Its length
 *
 * Return: the message
 */
static struct nlmsghdr *msg(uint16_t type, const void *hdr, size_t len)
{
	memset(&in, 0, sizeof(in));
	in.nh.nlmsg_type = type;
	in.nh.nlmsg_flags = NLM_F_MULTI;
	in.nh.nlmsg_len = NLMSG_LENGTH(len);
	memcpy(NLMSG_DATA(&in.nh), hdr, len);
	return &in.nh;
}

/**
 * put() - Append raw bytes to @in, aligned
 * @data:	Bytes
 * @len:	Their length
 *
 * Return: pointer to the copy
 */
static void *put(const void *data, size_t len)
{
	char *p = in.b + NLMSG_ALIGN(in.nh.nlmsg_len);

	memcpy(p, data, len);
	in.nh.nlmsg_len = NLMSG_ALIGN(in.nh.nlmsg_len) + RTA_ALIGN(len);
	return p;
}

/**
 * attr() - Append an attribute to @in
 * @type:	Type
 * @data:	Payload
 * @len:	Its length
 *
 * Return: pointer to the attribute
 */
static struct rtattr *attr(unsigned short type, const void *data, size_t len)
{
	union {
		struct rtattr rta;
		char b[RTA_SPACE(64)];
	} a = { .rta = { .rta_len = RTA_LENGTH(len), .rta_type = type } };

	if (len)
		memcpy(RTA_DATA(&a.rta), data, len);
	return put(&a, RTA_LENGTH(len));
}

/**
 * attr_u32() - Append a 32-bit attribute to @in
 * @type:	Type
 * @v:		Value
 */
static void attr_u32(unsigned short type, uint32_t v)
{
	attr(type, &v, sizeof(v));
}

/**
 * nexthop() - Append a nexthop with a gateway to an open RTA_MULTIPATH
 * @mp:		The RTA_MULTIPATH attribute, length updated
 * @ifi:	Interface
 * @flags:	Nexthop flags
 * @gw:		IPv4 gateway, as text
 */
static void nexthop(struct rtattr *mp, int ifi, unsigned char flags,
		    const char *gw)
{
	struct rtnexthop rtnh = { .rtnh_flags = flags, .rtnh_ifindex = ifi };
	struct rtnexthop *p = put(&rtnh, sizeof(rtnh));
	struct in_addr a;

	inet_pton(AF_INET, gw, &a);
	attr(RTA_GATEWAY, &a, sizeof(a));
	p->rtnh_len = (char *)&in + in.nh.nlmsg_len - (char *)p;
	mp->rta_len = (char *)&in + in.nh.nlmsg_len - (char *)mp;
}

/**
 * find() - Find an attribute in a message built by a rewrite function
 * @nh:		Message
 * @hlen:	Length of its family header
 * @type:	Attribute type
 *
 * Return: the attribute, NULL if absent
 */
static const struct rtattr *find(const struct nlmsghdr *nh, size_t hlen,
				 unsigned short type)
{
	const struct rtattr *rta;
	int len = (int)nh->nlmsg_len - (int)NLMSG_SPACE(hlen);

	rta = (const struct rtattr *)((const char *)nh + NLMSG_SPACE(hlen));
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == type)
			return rta;
	}
	return NULL;
}

/**
 * find_u32() - Value of a 32-bit attribute in an output message
 * @hlen:	Length of the family header
 * @type:	Attribute type
 *
 * Return: value, or 0xdeadbeef if absent
 */
static uint32_t find_u32(size_t hlen, unsigned short type)
{
	const struct rtattr *rta = find(&out.nh, hlen, type);
	uint32_t v;

	if (!rta)
		return 0xdeadbeef;
	memcpy(&v, RTA_DATA(rta), sizeof(v));
	return v;
}

/**
 * route4() - Start an IPv4 unicast route of the main table in @in
 * @dst:	Destination, as text
 * @dst_len:	Prefix length
 */
static void route4(const char *dst, unsigned char dst_len)
{
	struct rtmsg rtm = {
		.rtm_family	= AF_INET,
		.rtm_dst_len	= dst_len,
		.rtm_table	= RT_TABLE_MAIN,
		.rtm_protocol	= RTPROT_STATIC,
		.rtm_scope	= RT_SCOPE_UNIVERSE,
		.rtm_type	= RTN_UNICAST,
		.rtm_flags	= RTNH_F_LINKDOWN | RTNH_F_ONLINK,
	};
	struct in_addr a;

	msg(RTM_NEWROUTE, &rtm, sizeof(rtm));
	attr_u32(RTA_TABLE, RT_TABLE_MAIN);
	if (dst_len) {
		inet_pton(AF_INET, dst, &a);
		attr(RTA_DST, &a, sizeof(a));
	}
}

/**
 * rewrite_route() - Rewrite @in into @out
 *
 * Return: what nl_route_rewrite() returns
 */
static ssize_t rewrite_route(void)
{
	memset(&out, 0x55, sizeof(out));
	return nl_route_rewrite(&in.nh, &out, sizeof(out), SRC, DST);
}

/**
 * test_route_simple() - Gateway route through the source interface
 */
static void test_route_simple(void)
{
	const struct rtmsg *rtm = NLMSG_DATA(&out.nh);
	struct in_addr gw, src;
	const struct rtattr *rta;
	ssize_t n;

	route4("203.0.113.0", 24);
	attr_u32(RTA_PRIORITY, 100);
	inet_pton(AF_INET, "198.51.100.2", &gw);
	attr(RTA_GATEWAY, &gw, sizeof(gw));
	inet_pton(AF_INET, "198.51.100.1", &src);
	attr(RTA_PREFSRC, &src, sizeof(src));
	attr_u32(RTA_OIF, SRC);
	attr_u32(RTA_EXPIRES, 600);

	n = rewrite_route();
	CHECK(n > 0);
	CHECK_EQ(n, out.nh.nlmsg_len);
	CHECK_EQ(out.nh.nlmsg_type, RTM_NEWROUTE);
	CHECK_EQ(rtm->rtm_dst_len, 24);
	CHECK_EQ(rtm->rtm_protocol, RTPROT_STATIC);
	CHECK_EQ(rtm->rtm_flags, RTNH_F_ONLINK);	/* LINKDOWN dropped */
	CHECK_EQ(find_u32(sizeof(*rtm), RTA_OIF), DST);
	CHECK_EQ(find_u32(sizeof(*rtm), RTA_PRIORITY), 100);
	CHECK_EQ(find_u32(sizeof(*rtm), RTA_TABLE), RT_TABLE_MAIN);
	CHECK_EQ(find_u32(sizeof(*rtm), RTA_GATEWAY), gw.s_addr);
	CHECK(!find(&out.nh, sizeof(*rtm), RTA_PREFSRC));
	CHECK(!find(&out.nh, sizeof(*rtm), RTA_EXPIRES));
	rta = find(&out.nh, sizeof(*rtm), RTA_DST);
	CHECK(rta && RTA_PAYLOAD(rta) == 4);
}

/**
 * test_route_skipped() - Routes that aren't copied
 */
static void test_route_skipped(void)
{
	struct rtmsg *rtm;
	uint32_t nhid = 5;

	route4("203.0.113.0", 24);
	attr_u32(RTA_OIF, OTHER);
	CHECK_EQ(rewrite_route(), 0);		/* other interface */

	route4("203.0.113.0", 24);
	CHECK_EQ(rewrite_route(), 0);		/* no interface at all */

	route4("203.0.113.0", 24);
	attr_u32(RTA_OIF, SRC);
	rtm = NLMSG_DATA(&in.nh);
	rtm->rtm_type = RTN_BLACKHOLE;
	CHECK_EQ(rewrite_route(), 0);		/* not unicast */

	route4("203.0.113.0", 24);
	attr_u32(RTA_OIF, SRC);
	attr_u32(RTA_TABLE, 1000);		/* last RTA_TABLE wins */
	CHECK_EQ(rewrite_route(), 0);		/* not the main table */

	route4("203.0.113.0", 24);
	attr_u32(RTA_OIF, SRC);
	attr(RTA_NH_ID, &nhid, sizeof(nhid));
	CHECK_EQ(rewrite_route(), 0);		/* nexthop object */
}

/**
 * test_route_multipath() - Only nexthops through the source interface
 */
static void test_route_multipath(void)
{
	const struct rtnexthop *rtnh;
	const struct rtattr *mp, *gw;
	struct rtattr *m;
	struct in_addr a;
	int len;

	route4("10.9.0.0", 16);
	m = attr(RTA_MULTIPATH, NULL, 0);
	nexthop(m, SRC, RTNH_F_LINKDOWN, "198.51.100.5");
	nexthop(m, OTHER, 0, "198.51.101.5");
	nexthop(m, SRC, RTNH_F_ONLINK, "198.51.100.6");

	CHECK(rewrite_route() > 0);
	CHECK_EQ(find_u32(sizeof(struct rtmsg), RTA_OIF), 0xdeadbeef);

	mp = find(&out.nh, sizeof(struct rtmsg), RTA_MULTIPATH);
	CHECK(mp != NULL);
	if (!mp)
		return;

	len = RTA_PAYLOAD(mp);
	CHECK_EQ(len, 2 * (sizeof(*rtnh) + RTA_LENGTH(4)));

	rtnh = RTA_DATA(mp);
	CHECK_EQ(rtnh->rtnh_ifindex, DST);
	CHECK_EQ(rtnh->rtnh_flags, 0);
	CHECK_EQ(rtnh->rtnh_len, sizeof(*rtnh) + RTA_LENGTH(4));
	gw = RTNH_DATA(rtnh);
	inet_pton(AF_INET, "198.51.100.5", &a);
	CHECK(gw->rta_type == RTA_GATEWAY && !memcmp(RTA_DATA(gw), &a, 4));

	rtnh = RTNH_NEXT(rtnh);
	CHECK_EQ(rtnh->rtnh_ifindex, DST);
	CHECK_EQ(rtnh->rtnh_flags, RTNH_F_ONLINK);
	gw = RTNH_DATA(rtnh);
	inet_pton(AF_INET, "198.51.100.6", &a);
	CHECK(gw->rta_type == RTA_GATEWAY && !memcmp(RTA_DATA(gw), &a, 4));

	route4("10.7.0.0", 16);
	m = attr(RTA_MULTIPATH, NULL, 0);
	nexthop(m, OTHER, 0, "198.51.101.7");
	nexthop(m, OTHER, 0, "198.51.101.8");
	CHECK_EQ(rewrite_route(), 0);		/* none through SRC */
}

/**
 * test_route_bad() - Malformed input, output too small
 */
static void test_route_bad(void)
{
	struct rtmsg *rtm;
	uint16_t shrt = 1;

	route4("203.0.113.0", 24);
	attr_u32(RTA_OIF, SRC);
	CHECK_EQ(nl_route_rewrite(&in.nh, &out, NLMSG_SPACE(4), SRC, DST),
		 -E2BIG);
	CHECK_EQ(nl_route_rewrite(&in.nh, &out, NLMSG_SPACE(sizeof(*rtm)) + 8,
				  SRC, DST), -E2BIG);

	in.nh.nlmsg_len = NLMSG_LENGTH(sizeof(*rtm) - 1);
	CHECK_EQ(rewrite_route(), -EBADMSG);	/* truncated header */

	route4("203.0.113.0", 24);
	attr(RTA_GATEWAY, &shrt, sizeof(shrt));
	CHECK_EQ(rewrite_route(), -EBADMSG);	/* gateway of wrong length */

	route4("203.0.113.0", 24);
	rtm = NLMSG_DATA(&in.nh);
	rtm->rtm_family = AF_UNIX;
	CHECK_EQ(rewrite_route(), -EBADMSG);
}

/**
 * addr6() - Start an IPv6 address message in @in
 * @a:		Address, as text
 * @scope:	Scope
 * @ifi:	Interface
 * @flags:	32-bit flags, in IFA_FLAGS (low 8 bits in the header too)
 */
static void addr6(const char *a, unsigned char scope, int ifi,
		  uint32_t flags)
{
	struct ifaddrmsg ifa = {
		.ifa_family	= AF_INET6,
		.ifa_prefixlen	= 64,
		.ifa_flags	= flags & 0xff,
		.ifa_scope	= scope,
		.ifa_index	= ifi,
	};
	struct ifa_cacheinfo ci = { .ifa_prefered = 100, .ifa_valid = 200 };
	struct in6_addr a6;

	msg(RTM_NEWADDR, &ifa, sizeof(ifa));
	inet_pton(AF_INET6, a, &a6);
	attr(IFA_ADDRESS, &a6, sizeof(a6));
	attr(IFA_CACHEINFO, &ci, sizeof(ci));
	attr_u32(IFA_FLAGS, flags);
}

/**
 * rewrite_addr() - Rewrite @in into @out
 * @ll:		Select link-local addresses
 *
 * Return: what nl_addr_rewrite() returns
 */
static ssize_t rewrite_addr(bool ll)
{
	memset(&out, 0x55, sizeof(out));
	return nl_addr_rewrite(&in.nh, &out, sizeof(out), SRC, DST, ll);
}

/**
 * test_addr6() - IPv6 addresses: which are copied, with which flags
 */
static void test_addr6(void)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(&out.nh);
	size_t h = sizeof(*ifa);

	addr6("2001:db8::1", RT_SCOPE_UNIVERSE, SRC,
	      IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE | IFA_F_MANAGETEMPADDR);
	CHECK(rewrite_addr(false) > 0);
	CHECK_EQ(out.nh.nlmsg_type, RTM_NEWADDR);
	CHECK_EQ(ifa->ifa_index, DST);
	CHECK_EQ(ifa->ifa_prefixlen, 64);
	CHECK_EQ(ifa->ifa_flags, IFA_F_NODAD);
	CHECK_EQ(find_u32(h, IFA_FLAGS), IFA_F_NODAD | IFA_F_NOPREFIXROUTE);
	CHECK(find(&out.nh, h, IFA_ADDRESS) != NULL);
	CHECK(!find(&out.nh, h, IFA_CACHEINFO));

	addr6("fe80::1", RT_SCOPE_LINK, SRC, IFA_F_PERMANENT);
	CHECK_EQ(rewrite_addr(false), 0);	/* link-local: tap makes one */
	CHECK(rewrite_addr(true) > 0);		/* unless asked for */
	CHECK_EQ(find_u32(h, IFA_FLAGS), IFA_F_NODAD);

	addr6("2001:db8::1", RT_SCOPE_UNIVERSE, SRC, 0);
	CHECK_EQ(rewrite_addr(true), 0);	/* not link-local */

	addr6("2001:db8::2", RT_SCOPE_UNIVERSE, SRC, IFA_F_DEPRECATED);
	CHECK_EQ(rewrite_addr(false), 0);
	addr6("2001:db8::3", RT_SCOPE_UNIVERSE, SRC, IFA_F_DADFAILED);
	CHECK_EQ(rewrite_addr(false), 0);
	addr6("2001:db8::4", RT_SCOPE_UNIVERSE, OTHER, 0);
	CHECK_EQ(rewrite_addr(false), 0);
	addr6("::1", RT_SCOPE_HOST, SRC, 0);
	CHECK_EQ(rewrite_addr(false), 0);

	addr6("2001:db8::5", RT_SCOPE_UNIVERSE, SRC, 0);
	CHECK_EQ(nl_addr_rewrite(&in.nh, &out, NLMSG_SPACE(h) + 8, SRC, DST,
				 false), -E2BIG);
	in.nh.nlmsg_len = NLMSG_LENGTH(h - 1);
	CHECK_EQ(rewrite_addr(false), -EBADMSG);
}

/**
 * test_addr4() - IPv4 address with label and broadcast
 */
static void test_addr4(void)
{
	struct ifaddrmsg ifa = {
		.ifa_family	= AF_INET,
		.ifa_prefixlen	= 24,
		.ifa_flags	= IFA_F_SECONDARY,
		.ifa_scope	= RT_SCOPE_UNIVERSE,
		.ifa_index	= SRC,
	};
	struct in_addr a, b;
	size_t h = sizeof(ifa);

	msg(RTM_NEWADDR, &ifa, sizeof(ifa));
	inet_pton(AF_INET, "198.51.100.1", &a);
	inet_pton(AF_INET, "198.51.100.255", &b);
	attr(IFA_ADDRESS, &a, sizeof(a));
	attr(IFA_LOCAL, &a, sizeof(a));
	attr(IFA_BROADCAST, &b, sizeof(b));
	attr(IFA_LABEL, "eth0:1", sizeof("eth0:1"));

	CHECK(rewrite_addr(false) > 0);
	CHECK_EQ(((struct ifaddrmsg *)NLMSG_DATA(&out.nh))->ifa_flags, 0);
	CHECK_EQ(find_u32(h, IFA_FLAGS), 0);
	CHECK_EQ(find_u32(h, IFA_LOCAL), a.s_addr);
	CHECK_EQ(find_u32(h, IFA_ADDRESS), a.s_addr);
	CHECK_EQ(find_u32(h, IFA_BROADCAST), b.s_addr);
	CHECK(!find(&out.nh, h, IFA_LABEL));
	CHECK_EQ(rewrite_addr(true), 0);	/* IPv4 isn't "link-local" */
}

int main(void)
{
	test_route_simple();
	test_route_skipped();
	test_route_multipath();
	test_route_bad();
	test_addr6();
	test_addr4();

	return unit_done("test_netlink");
}
