// SPDX-License-Identifier: GPL-2.0-or-later
/* netlink.c - Route and link queries and configuration over rtnetlink
 *
 * One request at a time: a request is sent with NLM_F_ACK and a fresh
 * sequence number, then replies are read until the NLMSG_ERROR carrying the
 * acknowledgement or, for dumps, until NLMSG_DONE. Messages with another
 * sequence number (left over from an earlier, failed exchange) are skipped.
 *
 * Copying addresses or routes from one namespace to another first collects
 * the whole dump of the source, rewritten into requests for the destination,
 * into a static batch buffer, and only then sends those requests: a dump and
 * other requests never interleave, and no reply buffer is overwritten while
 * still in use.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "util.h"
#include "passt.h"
#include "log.h"
#include "pasta.h"
#include "netlink.h"

#define NL_RBUF_SIZE		65536	/* replies: a dump datagram fits */
#define NL_REQ_SIZE		512	/* largest request we build ourselves */
#define NL_BATCH_SIZE		(256 * 1024)	/* collected requests */
#define NL_RCV_TIMEOUT_S	10	/* rtnetlink answers at once: safety */

int nl_sock = -1;
int nl_sock_ns = -1;

static uint32_t nl_seq;

static union {
	struct nlmsghdr nh;
	char b[NL_RBUF_SIZE];
} nl_rbuf;

static union {
	struct nlmsghdr nh;
	char b[NL_REQ_SIZE];
} nl_req;

static union {
	struct nlmsghdr nh;
	char b[NL_BATCH_SIZE];
} nl_batch;

/* Called for each reply of the expected type: 0 to go on, < 0 on error */
typedef int (*nl_cb_t)(const struct nlmsghdr *nh, void *arg);

/**
 * nl_sock_open() - Open and bind a NETLINK_ROUTE socket, set its options
 * @arg:	Unused (signature of an ns_call() callback)
 *
 * Return: socket, negative error code on failure
 */
static int nl_sock_open(void *arg)
{
	struct timeval tv = { .tv_sec = NL_RCV_TIMEOUT_S };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int s, one = 1;

	(void)arg;

	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s < 0)
		return -errno;

	if (bind(s, (struct sockaddr *)&sa, sizeof(sa))) {
		int rc = -errno;

		close(s);
		return rc;
	}

	/* All optional: the kernel filters dumps and explains errors */
	setsockopt(s, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	setsockopt(s, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(s, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	return s;
}

/**
 * nl_sock_init() - Open the netlink socket(s), exit on failure
 * @c:		Execution context
 * @ns:		Also open the one in the target namespace (pasta)
 *
 * Sockets already open are kept, so this can be called once for our own
 * namespace, and again once the target namespace is known.
 */
void nl_sock_init(const struct ctx *c, bool ns)
{
	int rc;

	if (nl_sock < 0) {
		rc = nl_sock_open(NULL);
		if (rc < 0)
			die("Couldn't open netlink socket: %s", strerror(-rc));
		nl_sock = rc;
	}

	if (!ns || nl_sock_ns >= 0)
		return;

	rc = ns_call(c, nl_sock_open, NULL);
	if (rc < 0) {
		die("Couldn't open netlink socket in the namespace: %s",
		    strerror(-rc));
	}
	nl_sock_ns = rc;
}

/**
 * nl_ack_msg() - Log the text of an extended acknowledgement, if any
 * @nh:		NLMSG_ERROR message
 * @err:	Error it carries (negative), for the log line
 */
static void nl_ack_msg(const struct nlmsghdr *nh, int err)
{
	size_t off = NLMSG_LENGTH(sizeof(struct nlmsgerr));
	const struct rtattr *rta;
	int len;

	if (!(nh->nlmsg_flags & NLM_F_ACK_TLVS) || nh->nlmsg_len <= off)
		return;

	/* With NETLINK_CAP_ACK, the request isn't echoed before the TLVs */
	if (!(nh->nlmsg_flags & NLM_F_CAPPED)) {
		const struct nlmsgerr *e = NLMSG_DATA(nh);

		off += NLMSG_ALIGN(e->msg.nlmsg_len) - sizeof(e->msg);
	}

	len = (int)nh->nlmsg_len - (int)NLMSG_ALIGN(off);
	rta = (const struct rtattr *)((const char *)nh + NLMSG_ALIGN(off));
	for (; len > 0 && RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		const char *s = RTA_DATA(rta);

		if (rta->rta_type != NLMSGERR_ATTR_MSG ||
		    !RTA_PAYLOAD(rta) || s[RTA_PAYLOAD(rta) - 1])
			continue;
		debug("netlink: %s: %s", strerror(-err), s);
	}
}

/**
 * nl_status() - Error code carried by a NLMSG_ERROR or NLMSG_DONE message
 * @nh:		Message
 *
 * Return: 0 for an acknowledgement or a clean end of dump, negative error code
 */
static int nl_status(const struct nlmsghdr *nh)
{
	int err;

	if (nh->nlmsg_type == NLMSG_DONE) {
		if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
			return 0;
		memcpy(&err, NLMSG_DATA(nh), sizeof(err));
		return err < 0 ? err : 0;
	}

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
		return -EBADMSG;

	memcpy(&err, NLMSG_DATA(nh), sizeof(err));
	if (err > 0)
		return -EBADMSG;
	if (err)
		nl_ack_msg(nh, err);

	return err;
}

/**
 * nl_send() - Send a request, asking for an acknowledgement
 * @s:		Netlink socket
 * @nh:		Request, with type, flags (besides REQUEST, ACK) and length set
 *
 * Return: 0 on success, negative error code on failure
 */
static int nl_send(int s, struct nlmsghdr *nh)
{
	ssize_t n;

	if (!++nl_seq)
		nl_seq++;

	nh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nh->nlmsg_seq = nl_seq;
	nh->nlmsg_pid = 0;

	do
		n = send(s, nh, nh->nlmsg_len, 0);
	while (n < 0 && errno == EINTR);

	if (n < 0)
		return -errno;
	if ((size_t)n < nh->nlmsg_len)
		return -EIO;

	return 0;
}

/**
 * nl_recv() - Receive one datagram of replies into nl_rbuf
 * @s:		Netlink socket
 *
 * Return: its length, negative error code on failure (-ETIMEDOUT if nothing
 *	   came: the socket has a receive timeout, a reply never blocks us)
 */
static ssize_t nl_recv(int s)
{
	ssize_t n;

	do
		n = recv(s, nl_rbuf.b, sizeof(nl_rbuf.b), MSG_TRUNC);
	while (n < 0 && errno == EINTR);

	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	if ((size_t)n > sizeof(nl_rbuf.b))
		return -EMSGSIZE;

	return n;
}

/**
 * nl_msg_ok() - Is there a whole message at this point of a datagram?
 * @nh:		Possible message
 * @left:	Bytes left in the datagram from @nh
 *
 * Return: true if the header and the length it gives fit in @left
 */
static bool nl_msg_ok(const struct nlmsghdr *nh, size_t left)
{
	return left >= sizeof(*nh) && nh->nlmsg_len >= sizeof(*nh) &&
	       nh->nlmsg_len <= left;
}

/**
 * nl_msg_next() - Step to the next message of a datagram
 * @nh:		Current message, checked with nl_msg_ok()
 * @left:	Bytes left in the datagram from @nh, updated
 *
 * Return: next message, to be checked with nl_msg_ok()
 */
static const struct nlmsghdr *nl_msg_next(const struct nlmsghdr *nh,
					  size_t *left)
{
	size_t len = NLMSG_ALIGN(nh->nlmsg_len);

	*left = len < *left ? *left - len : 0;
	return (const struct nlmsghdr *)((const char *)nh + len);
}

/**
 * nl_exchange() - Send a request, read all its replies until the end
 * @s:		Netlink socket
 * @req:	Request, with type, flags (besides REQUEST, ACK) and length set
 * @type:	Type of the replies to pass to @cb
 * @cb:		Called for each such reply, NULL if none is expected
 * @arg:	Argument for @cb
 *
 * Once @cb returned an error, it's not called again, but the remaining
 * replies are still read, so that the socket is ready for the next request.
 *
 * Return: 0 on success, negative error code from the kernel or from @cb
 */
static int nl_exchange(int s, struct nlmsghdr *req, uint16_t type,
		       nl_cb_t cb, void *arg)
{
	int rc, cb_rc = 0;
	uint32_t seq;

	rc = nl_send(s, req);
	if (rc)
		return rc;
	seq = req->nlmsg_seq;

	for (;;) {
		const struct nlmsghdr *nh = &nl_rbuf.nh;
		ssize_t n = nl_recv(s);
		size_t left;

		if (n < 0)
			return (int)n;

		for (left = (size_t)n; nl_msg_ok(nh, left);
		     nh = nl_msg_next(nh, &left)) {
			if (nh->nlmsg_seq != seq)
				continue;

			if (nh->nlmsg_type == NLMSG_DONE ||
			    nh->nlmsg_type == NLMSG_ERROR) {
				rc = nl_status(nh);
				return rc ? rc : cb_rc;
			}

			if (cb && !cb_rc && nh->nlmsg_type == type)
				cb_rc = cb(nh, arg);
		}
	}
}

/**
 * nl_msg_init() - Start a message in a buffer
 * @buf:	Buffer, aligned for struct nlmsghdr
 * @size:	Its size, at least NLMSG_SPACE(@hlen)
 * @type:	Message type
 * @flags:	Message flags
 * @hdr:	Family header (struct rtmsg, ifaddrmsg, ifinfomsg...)
 * @hlen:	Its length
 *
 * Return: the message header
 */
static struct nlmsghdr *nl_msg_init(void *buf, size_t size, uint16_t type,
				    uint16_t flags, const void *hdr,
				    size_t hlen)
{
	struct nlmsghdr *nh = buf;

	memset(buf, 0, MIN(size, NLMSG_SPACE(hlen)));
	nh->nlmsg_len = NLMSG_LENGTH(hlen);
	nh->nlmsg_type = type;
	nh->nlmsg_flags = flags;
	memcpy(NLMSG_DATA(nh), hdr, hlen);

	return nh;
}

/**
 * nl_put() - Append bytes to a message, padded to the netlink alignment
 * @nh:		Message, with its current length in nlmsg_len
 * @size:	Size of the buffer holding the message
 * @data:	Bytes to append, NULL for zeroes
 * @len:	Their length
 *
 * Return: offset of the bytes in the message, 0 if they don't fit
 */
static size_t nl_put(struct nlmsghdr *nh, size_t size,
		     const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(nh->nlmsg_len);
	char *p = (char *)nh + off;

	if (off + RTA_ALIGN(len) > size)
		return 0;

	memset((char *)nh + nh->nlmsg_len, 0, off - nh->nlmsg_len);
	memset(p, 0, RTA_ALIGN(len));
	if (data)
		memcpy(p, data, len);
	nh->nlmsg_len = off + RTA_ALIGN(len);

	return off;
}

/**
 * nl_attr() - Append an attribute to a message
 * @nh:		Message
 * @size:	Size of the buffer holding the message
 * @type:	Attribute type
 * @data:	Payload, NULL for zeroes
 * @len:	Payload length
 *
 * Return: offset of the attribute in the message, 0 if it doesn't fit
 */
static size_t nl_attr(struct nlmsghdr *nh, size_t size, unsigned short type,
		      const void *data, size_t len)
{
	struct rtattr *rta;
	size_t off;

	off = nl_put(nh, size, NULL, RTA_LENGTH(len));
	if (!off)
		return 0;

	rta = (struct rtattr *)((char *)nh + off);
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (data)
		memcpy(RTA_DATA(rta), data, len);

	return off;
}

/**
 * nl_req_attr() - Append an attribute to the request in nl_req, must fit
 * @type:	Attribute type
 * @data:	Payload
 * @len:	Payload length
 */
static void nl_req_attr(unsigned short type, const void *data, size_t len)
{
	if (!nl_attr(&nl_req.nh, sizeof(nl_req), type, data, len))
		die("netlink: request buffer too small, attribute %u", type);
}

/**
 * af_addr_len() - Length of an address of a given family
 * @af:		AF_INET or AF_INET6
 *
 * Return: 4, 16, or 0 for another family
 */
static size_t af_addr_len(sa_family_t af)
{
	if (af == AF_INET)
		return sizeof(struct in_addr);
	if (af == AF_INET6)
		return sizeof(struct in6_addr);
	return 0;
}

/**
 * struct nl_route - What we look at in a route message
 * @rtm:	Route header
 * @table:	Table (RTA_TABLE if given, rtm_table otherwise)
 * @oif:	Output interface (RTA_OIF), 0 if none
 * @prio:	Metric (RTA_PRIORITY), 0 if none
 * @dst:	Destination (RTA_DST), NULL for a default route
 * @gw:		Gateway (RTA_GATEWAY), NULL if none
 * @mp:		Nexthops (RTA_MULTIPATH), NULL if none
 * @other:	Carries attributes we can't copy: encapsulation, nexthop object
 */
struct nl_route {
	const struct rtmsg *rtm;
	uint32_t table;
	uint32_t oif;
	uint32_t prio;
	const void *dst;
	const void *gw;
	const struct rtattr *mp;
	bool other;
};

/**
 * nl_u32() - Read a 32-bit attribute
 * @rta:	Attribute
 *
 * Return: its value, 0 if its payload is too short
 */
static uint32_t nl_u32(const struct rtattr *rta)
{
	uint32_t v = 0;

	if (RTA_PAYLOAD(rta) >= sizeof(v))
		memcpy(&v, RTA_DATA(rta), sizeof(v));

	return v;
}

/**
 * nl_route_parse() - Find the parts of a route message we use
 * @nh:		RTM_NEWROUTE message
 * @r:		Filled on success
 *
 * Return: 0 on success, -EBADMSG if the message is malformed or of an
 *	   unknown family, or if an address has the wrong length
 */
static int nl_route_parse(const struct nlmsghdr *nh, struct nl_route *r)
{
	const struct rtattr *rta;
	size_t alen;
	int len;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg)))
		return -EBADMSG;

	memset(r, 0, sizeof(*r));
	r->rtm = NLMSG_DATA(nh);
	r->table = r->rtm->rtm_table;
	alen = af_addr_len(r->rtm->rtm_family);
	if (!alen)
		return -EBADMSG;

	len = (int)RTM_PAYLOAD(nh);
	for (rta = RTM_RTA(r->rtm); RTA_OK(rta, len);
	     rta = RTA_NEXT(rta, len)) {
		const void *p = RTA_DATA(rta);

		switch (rta->rta_type) {
		case RTA_TABLE:
			r->table = nl_u32(rta);
			break;
		case RTA_OIF:
			r->oif = nl_u32(rta);
			break;
		case RTA_PRIORITY:
			r->prio = nl_u32(rta);
			break;
		case RTA_DST:
		case RTA_GATEWAY:
			if (RTA_PAYLOAD(rta) != alen)
				return -EBADMSG;
			if (rta->rta_type == RTA_DST)
				r->dst = p;
			else
				r->gw = p;
			break;
		case RTA_MULTIPATH:
			r->mp = rta;
			break;
		case RTA_ENCAP:
		case RTA_NH_ID:
			r->other = true;
			break;
		}
	}

	return 0;
}

/**
 * nl_nh_next() - Next nexthop in a RTA_MULTIPATH attribute
 * @mp:		RTA_MULTIPATH attribute
 * @rtnh:	Current nexthop, NULL to get the first one
 *
 * Return: next well-formed nexthop, NULL at the end
 */
static const struct rtnexthop *nl_nh_next(const struct rtattr *mp,
					  const struct rtnexthop *rtnh)
{
	const char *end = (const char *)mp + mp->rta_len;

	if (!rtnh)
		rtnh = RTA_DATA(mp);
	else
		rtnh = (const struct rtnexthop *)
		       ((const char *)rtnh + RTNH_ALIGN(rtnh->rtnh_len));

	if ((const char *)rtnh + sizeof(*rtnh) > end ||
	    rtnh->rtnh_len < sizeof(*rtnh) ||
	    (const char *)rtnh + rtnh->rtnh_len > end)
		return NULL;

	return rtnh;
}

/**
 * nl_nh_gw() - Gateway of a nexthop
 * @rtnh:	Nexthop
 * @alen:	Length of addresses of the route's family
 *
 * Return: pointer to the gateway address, NULL if none
 */
static const void *nl_nh_gw(const struct rtnexthop *rtnh, size_t alen)
{
	int len = rtnh->rtnh_len - (int)RTNH_LENGTH(0);
	const struct rtattr *rta;

	for (rta = RTNH_DATA(rtnh); RTA_OK(rta, len);
	     rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == RTA_GATEWAY && RTA_PAYLOAD(rta) == alen)
			return RTA_DATA(rta);
	}

	return NULL;
}

/**
 * nl_route_ifi() - Interface of a route, first nexthop's if multipath
 * @r:		Parsed route
 *
 * Return: interface index, 0 if none
 */
static unsigned int nl_route_ifi(const struct nl_route *r)
{
	const struct rtnexthop *rtnh;

	if (r->oif || !r->mp)
		return r->oif;

	rtnh = nl_nh_next(r->mp, NULL);
	return rtnh && rtnh->rtnh_ifindex > 0 ? rtnh->rtnh_ifindex : 0;
}

/**
 * nl_route_gw_via() - Gateway of a route through a given interface
 * @r:		Parsed route
 * @ifi:	Interface index
 * @found:	Set if the route goes through @ifi at all
 *
 * Return: gateway, NULL if the route has none through @ifi
 */
static const void *nl_route_gw_via(const struct nl_route *r, unsigned int ifi,
				   bool *found)
{
	size_t alen = af_addr_len(r->rtm->rtm_family);
	const struct rtnexthop *rtnh = NULL;

	*found = false;
	if (r->oif) {
		*found = r->oif == ifi;
		return *found ? r->gw : NULL;
	}

	while (r->mp && (rtnh = nl_nh_next(r->mp, rtnh))) {
		if (rtnh->rtnh_ifindex > 0 &&
		    (unsigned int)rtnh->rtnh_ifindex == ifi) {
			*found = true;
			return nl_nh_gw(rtnh, alen);
		}
	}

	return NULL;
}

/**
 * nl_route_is_main_unicast() - Is this a unicast route of the main table?
 * @r:		Parsed route
 *
 * Return: true if it is
 */
static bool nl_route_is_main_unicast(const struct nl_route *r)
{
	return r->table == RT_TABLE_MAIN && r->rtm->rtm_type == RTN_UNICAST &&
	       !(r->rtm->rtm_flags & RTM_F_CLONED);
}

/**
 * nl_prefix_is_ll() - Is a route's destination within link-local addresses?
 * @af:		Address family
 * @dst:	Destination address
 * @len:	Prefix length
 *
 * Return: true for 169.254.0.0/16 and fe80::/10 and prefixes within those
 */
static bool nl_prefix_is_ll(sa_family_t af, const void *dst, int len)
{
	const uint8_t *a = dst;

	if (af == AF_INET)
		return len >= 16 && a[0] == 169 && a[1] == 254;

	return len >= 10 && a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/**
 * nl_route_req() - Build a route dump request for a family in nl_req
 * @af:		Address family
 * @ifi:	Interface to filter on (kernel with strict checking), 0 for any
 *
 * Return: the request
 */
static struct nlmsghdr *nl_route_req(sa_family_t af, unsigned int ifi)
{
	struct rtmsg rtm = {
		.rtm_family	= af,
		.rtm_table	= RT_TABLE_MAIN,
		.rtm_type	= RTN_UNICAST,
	};
	struct nlmsghdr *nh;

	nh = nl_msg_init(nl_req.b, sizeof(nl_req), RTM_GETROUTE, NLM_F_DUMP,
			 &rtm, sizeof(rtm));
	if (ifi)
		nl_req_attr(RTA_OIF, &ifi, sizeof(ifi));

	return nh;
}

/**
 * struct nl_ext_if - State of the search for the upstream interface
 * @af:		Address family
 * @def_ifi:	Interface of the best default route so far, 0 if none
 * @def_prio:	Its metric
 * @ndef:	Number of default routes seen
 * @any_ifi:	Interface of the first other usable route, 0 if none
 */
struct nl_ext_if {
	sa_family_t af;
	unsigned int def_ifi;
	uint32_t def_prio;
	unsigned int ndef;
	unsigned int any_ifi;
};

/**
 * nl_ext_if_cb() - Consider one route for nl_get_ext_if()
 * @nh:		RTM_NEWROUTE message
 * @arg:	struct nl_ext_if
 *
 * Return: 0
 */
static int nl_ext_if_cb(const struct nlmsghdr *nh, void *arg)
{
	struct nl_ext_if *e = arg;
	struct nl_route r;
	unsigned int ifi;

	if (nl_route_parse(nh, &r) || r.rtm->rtm_family != e->af ||
	    !nl_route_is_main_unicast(&r) || !(ifi = nl_route_ifi(&r)))
		return 0;

	if (!r.rtm->rtm_dst_len) {
		e->ndef++;
		if (!e->def_ifi || r.prio < e->def_prio) {
			e->def_ifi = ifi;
			e->def_prio = r.prio;
		}
	} else if (!e->any_ifi && r.dst &&
		   !nl_prefix_is_ll(e->af, r.dst, r.rtm->rtm_dst_len)) {
		e->any_ifi = ifi;
	}

	return 0;
}

/**
 * nl_get_ext_if() - Find the upstream interface for an address family
 * @s:		Netlink socket
 * @af:		AF_INET or AF_INET6
 *
 * The interface of the default route with the lowest metric; failing that,
 * the interface of the first route to a prefix that isn't link-local.
 *
 * Return: interface index, 0 if there's none
 */
unsigned int nl_get_ext_if(int s, sa_family_t af)
{
	struct nl_ext_if e = { .af = af };
	const char *name = af == AF_INET ? "IPv4" : "IPv6";
	int rc;

	rc = nl_exchange(s, nl_route_req(af, 0), RTM_NEWROUTE,
			 nl_ext_if_cb, &e);
	if (rc < 0) {
		warn("netlink: couldn't dump %s routes: %s", name,
		     strerror(-rc));
		return 0;
	}

	if (e.def_ifi) {
		if (e.ndef > 1)
			debug("Several default %s routes, using the lowest "
			      "metric one", name);
		return e.def_ifi;
	}

	if (e.any_ifi)
		debug("No default %s route, using the first routed interface",
		      name);
	else
		debug("No interface with %s routes", name);

	return e.any_ifi;
}

/**
 * struct nl_def_gw - State of the search for a default gateway
 * @ifi:	Interface the route must go through
 * @af:		Address family
 * @found:	A default route through @ifi with a gateway was found
 * @prio:	Metric of that route
 * @gw:		Its gateway
 */
struct nl_def_gw {
	unsigned int ifi;
	sa_family_t af;
	bool found;
	uint32_t prio;
	struct in6_addr gw;
};

/**
 * nl_def_gw_cb() - Consider one route for nl_route_get_def()
 * @nh:		RTM_NEWROUTE message
 * @arg:	struct nl_def_gw
 *
 * Return: 0
 */
static int nl_def_gw_cb(const struct nlmsghdr *nh, void *arg)
{
	struct nl_def_gw *d = arg;
	struct nl_route r;
	const void *gw;
	bool via;

	if (nl_route_parse(nh, &r) || r.rtm->rtm_family != d->af ||
	    !nl_route_is_main_unicast(&r) || r.rtm->rtm_dst_len)
		return 0;

	gw = nl_route_gw_via(&r, d->ifi, &via);
	if (!gw || (d->found && r.prio >= d->prio))
		return 0;

	memcpy(&d->gw, gw, af_addr_len(d->af));
	d->prio = r.prio;
	d->found = true;

	return 0;
}

/**
 * nl_route_get_def() - Get the default gateway through an interface
 * @s:		Netlink socket
 * @ifi:	Interface index
 * @af:		AF_INET or AF_INET6
 * @gw:		Gateway (struct in_addr or in6_addr) to fill, left untouched
 *		if there's no default route with a gateway through @ifi
 *
 * Return: 0 on success, negative error code on failure
 */
int nl_route_get_def(int s, unsigned int ifi, sa_family_t af, void *gw)
{
	struct nl_def_gw d = { .ifi = ifi, .af = af };
	int rc;

	if (!af_addr_len(af))
		return -EAFNOSUPPORT;

	rc = nl_exchange(s, nl_route_req(af, ifi), RTM_NEWROUTE,
			 nl_def_gw_cb, &d);
	if (!rc && d.found)
		memcpy(gw, &d.gw, af_addr_len(af));

	return rc;
}

/**
 * nl_route_set_def() - Add a default route through an interface
 * @s:		Netlink socket
 * @ifi:	Interface index
 * @af:		AF_INET or AF_INET6
 * @gw:		Gateway, unspecified address for a route without one
 *
 * If the gateway isn't reachable through a route on @ifi, the route is added
 * with the "onlink" flag, so that it is used anyway.
 *
 * Return: 0 on success, negative error code on failure
 */
int nl_route_set_def(int s, unsigned int ifi, sa_family_t af, const void *gw)
{
	static const struct in6_addr zero;
	size_t alen = af_addr_len(af);
	struct rtmsg rtm = {
		.rtm_family	= af,
		.rtm_table	= RT_TABLE_MAIN,
		.rtm_protocol	= RTPROT_BOOT,
		.rtm_scope	= RT_SCOPE_UNIVERSE,
		.rtm_type	= RTN_UNICAST,
	};
	bool has_gw;
	int rc;

	if (!alen)
		return -EAFNOSUPPORT;

	has_gw = memcmp(gw, &zero, alen);
	if (!has_gw)
		rtm.rtm_scope = RT_SCOPE_LINK;

	for (;;) {
		nl_msg_init(nl_req.b, sizeof(nl_req), RTM_NEWROUTE,
			    NLM_F_CREATE | NLM_F_EXCL, &rtm, sizeof(rtm));
		nl_req_attr(RTA_OIF, &ifi, sizeof(ifi));
		if (has_gw)
			nl_req_attr(RTA_GATEWAY, gw, alen);

		rc = nl_exchange(s, &nl_req.nh, 0, NULL, NULL);
		if (!has_gw || (rc != -ENETUNREACH && rc != -EHOSTUNREACH) ||
		    (rtm.rtm_flags & RTNH_F_ONLINK))
			return rc;

		rtm.rtm_flags |= RTNH_F_ONLINK;
	}
}

/**
 * nl_route_copy_nhs() - Copy the nexthops through one interface
 * @out:	Message being built
 * @size:	Size of its buffer
 * @mp:		RTA_MULTIPATH attribute of the source route
 * @ifi_src:	Interface the nexthops must use
 * @ifi_dst:	Interface they use in the copy
 *
 * Return: number of nexthops copied, -E2BIG if the buffer is too small
 */
static int nl_route_copy_nhs(struct nlmsghdr *out, size_t size,
			     const struct rtattr *mp,
			     unsigned int ifi_src, unsigned int ifi_dst)
{
	const struct rtnexthop *rtnh = NULL;
	size_t mp_off;
	int n = 0;

	mp_off = nl_attr(out, size, RTA_MULTIPATH, NULL, 0);
	if (!mp_off)
		return -E2BIG;

	while ((rtnh = nl_nh_next(mp, rtnh))) {
		int len = rtnh->rtnh_len - (int)RTNH_LENGTH(0);
		struct rtnexthop copy = *rtnh;
		const struct rtattr *rta;
		size_t nh_off;

		if (rtnh->rtnh_ifindex <= 0 ||
		    (unsigned int)rtnh->rtnh_ifindex != ifi_src)
			continue;

		copy.rtnh_ifindex = (int)ifi_dst;
		copy.rtnh_flags &= RTNH_F_ONLINK;
		nh_off = nl_put(out, size, &copy, sizeof(copy));
		if (!nh_off)
			return -E2BIG;

		for (rta = RTNH_DATA(rtnh); RTA_OK(rta, len);
		     rta = RTA_NEXT(rta, len)) {
			if (rta->rta_type != RTA_GATEWAY &&
			    rta->rta_type != RTA_VIA &&
			    rta->rta_type != RTA_FLOW)
				continue;
			if (!nl_attr(out, size, rta->rta_type, RTA_DATA(rta),
				     RTA_PAYLOAD(rta)))
				return -E2BIG;
		}

		((struct rtnexthop *)((char *)out + nh_off))->rtnh_len =
			out->nlmsg_len - nh_off;
		n++;
	}

	((struct rtattr *)((char *)out + mp_off))->rta_len =
		out->nlmsg_len - mp_off;

	return n;
}

/**
 * nl_route_attr_keep() - Is this route attribute copied as it is?
 * @type:	Attribute type
 *
 * RTA_OIF and RTA_MULTIPATH are rewritten, not copied. Dropped: RTA_PREFSRC
 * (the namespace might not have that address), RTA_CACHEINFO and
 * RTA_EXPIRES (the copy is a snapshot: it shouldn't expire while the host
 * renews the original), and anything we don't know.
 *
 * Return: true if copied
 */
static bool nl_route_attr_keep(unsigned short type)
{
	switch (type) {
	case RTA_DST:
	case RTA_SRC:
	case RTA_GATEWAY:
	case RTA_PRIORITY:
	case RTA_METRICS:
	case RTA_FLOW:
	case RTA_TABLE:
	case RTA_PREF:
	case RTA_VIA:
		return true;
	}

	return false;
}

/**
 * nl_route_rewrite() - Turn a route of a dump into a request for another link
 * @in:		RTM_NEWROUTE message from a dump
 * @out:	Buffer for the request, aligned for struct nlmsghdr
 * @size:	Size of @out
 * @ifi_src:	Interface the route goes through, in the source namespace
 * @ifi_dst:	Interface to use instead, in the destination namespace
 *
 * Only unicast routes of the main table through @ifi_src are copied; of a
 * multipath route, only the nexthops through @ifi_src. Routes using
 * encapsulation or nexthop objects aren't: those can't be recreated as such.
 *
 * Return: length of the request (type RTM_NEWROUTE, flags to be set by the
 *	   caller), 0 if the route isn't to be copied, -E2BIG if @size is too
 *	   small, -EBADMSG if @in is malformed
 */
ssize_t nl_route_rewrite(const struct nlmsghdr *in, void *out, size_t size,
			 unsigned int ifi_src, unsigned int ifi_dst)
{
	struct nlmsghdr *nh;
	const struct rtattr *rta;
	struct nl_route r;
	struct rtmsg rtm;
	int len;

	if (nl_route_parse(in, &r))
		return -EBADMSG;
	if (!nl_route_is_main_unicast(&r) || r.other ||
	    (r.oif && r.oif != ifi_src) || (!r.oif && !r.mp))
		return 0;

	if (size < NLMSG_SPACE(sizeof(rtm)))
		return -E2BIG;

	rtm = *r.rtm;
	rtm.rtm_flags &= RTNH_F_ONLINK;
	nh = nl_msg_init(out, size, RTM_NEWROUTE, 0, &rtm, sizeof(rtm));

	len = (int)RTM_PAYLOAD(in);
	for (rta = RTM_RTA(r.rtm); RTA_OK(rta, len);
	     rta = RTA_NEXT(rta, len)) {
		if (nl_route_attr_keep(rta->rta_type) &&
		    !nl_attr(nh, size, rta->rta_type, RTA_DATA(rta),
			     RTA_PAYLOAD(rta)))
			return -E2BIG;
	}

	if (r.oif) {
		if (!nl_attr(nh, size, RTA_OIF, &ifi_dst, sizeof(ifi_dst)))
			return -E2BIG;
	} else {
		int n = nl_route_copy_nhs(nh, size, r.mp, ifi_src, ifi_dst);

		if (n <= 0)
			return n;
	}

	return nh->nlmsg_len;
}

/**
 * nl_ifa_flags() - Flags of an address, from IFA_FLAGS if present
 * @nh:		RTM_NEWADDR message
 *
 * Return: 32-bit flags
 */
static uint32_t nl_ifa_flags(const struct nlmsghdr *nh)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	const struct rtattr *rta;
	int len = (int)IFA_PAYLOAD(nh);

	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFA_FLAGS &&
		    RTA_PAYLOAD(rta) >= sizeof(uint32_t))
			return nl_u32(rta);
	}

	return ifa->ifa_flags;
}

/**
 * nl_addr_usable() - Is this address worth using or copying?
 * @nh:		RTM_NEWADDR message, long enough for struct ifaddrmsg
 * @ifi:	Interface it must be on
 *
 * Return: true if it's on @ifi, not deprecated and didn't fail DAD
 */
static bool nl_addr_usable(const struct nlmsghdr *nh, unsigned int ifi)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);

	return ifa->ifa_index == ifi &&
	       !(nl_ifa_flags(nh) & (IFA_F_DEPRECATED | IFA_F_DADFAILED));
}

/**
 * nl_addr_attr_keep() - Is this address attribute copied as it is?
 * @type:	Attribute type
 *
 * Dropped: IFA_LABEL (names the source interface), IFA_CACHEINFO (the copy
 * is permanent), IFA_FLAGS (rebuilt), and anything we don't know.
 *
 * Return: true if copied
 */
static bool nl_addr_attr_keep(unsigned short type)
{
	switch (type) {
	case IFA_ADDRESS:
	case IFA_LOCAL:
	case IFA_BROADCAST:
	case IFA_RT_PRIORITY:
		return true;
	}

	return false;
}

/**
 * nl_addr_rewrite() - Turn an address of a dump into a request for a link
 * @in:		RTM_NEWADDR message from a dump
 * @out:	Buffer for the request, aligned for struct nlmsghdr
 * @size:	Size of @out
 * @ifi_src:	Interface the address must be on
 * @ifi_dst:	Interface to add it to
 * @ll:		Select IPv6 link-local addresses, instead of global ones
 *
 * Addresses of link or host scope aren't copied (unless @ll), nor deprecated
 * ones or ones that failed duplicate address detection. The copy has no
 * lifetime and, for IPv6, IFA_F_NODAD: usable at once. Flags other than
 * IFA_F_NOPREFIXROUTE and IFA_F_NODAD aren't copied: with
 * IFA_F_MANAGETEMPADDR, the namespace would make up temporary addresses of
 * its own, which the host doesn't have.
 *
 * Return: length of the request (type RTM_NEWADDR, flags to be set by the
 *	   caller), 0 if the address isn't to be copied, -E2BIG if @size is too
 *	   small, -EBADMSG if @in is malformed
 */
ssize_t nl_addr_rewrite(const struct nlmsghdr *in, void *out, size_t size,
			unsigned int ifi_src, unsigned int ifi_dst, bool ll)
{
	const struct ifaddrmsg *src = NLMSG_DATA(in);
	const struct rtattr *rta;
	struct ifaddrmsg ifa;
	struct nlmsghdr *nh;
	uint32_t flags;
	int len;

	if (in->nlmsg_len < NLMSG_LENGTH(sizeof(ifa)) ||
	    !af_addr_len(src->ifa_family))
		return -EBADMSG;

	if (!nl_addr_usable(in, ifi_src))
		return 0;
	if (ll && (src->ifa_family != AF_INET6 ||
		   src->ifa_scope != RT_SCOPE_LINK))
		return 0;
	if (!ll && src->ifa_scope >= RT_SCOPE_LINK)
		return 0;

	if (size < NLMSG_SPACE(sizeof(ifa)))
		return -E2BIG;

	flags = nl_ifa_flags(in) & (IFA_F_NOPREFIXROUTE | IFA_F_NODAD);
	if (src->ifa_family == AF_INET6)
		flags |= IFA_F_NODAD;

	ifa = *src;
	ifa.ifa_index = ifi_dst;
	ifa.ifa_flags = flags & 0xff;
	nh = nl_msg_init(out, size, RTM_NEWADDR, 0, &ifa, sizeof(ifa));

	len = (int)IFA_PAYLOAD(in);
	for (rta = IFA_RTA(src); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (nl_addr_attr_keep(rta->rta_type) &&
		    !nl_attr(nh, size, rta->rta_type, RTA_DATA(rta),
			     RTA_PAYLOAD(rta)))
			return -E2BIG;
	}

	if (!nl_attr(nh, size, IFA_FLAGS, &flags, sizeof(flags)))
		return -E2BIG;

	return nh->nlmsg_len;
}

/**
 * struct nl_collect - Rewritten requests being collected into nl_batch
 * @ifi_src:	Interface in the source namespace
 * @ifi_dst:	Interface in the destination namespace
 * @ll:		For addresses: select link-local ones (see nl_addr_rewrite())
 * @min_routes:	For routes: only default ones, and those without a gateway
 * @len:	Bytes used in nl_batch
 * @count:	Number of requests
 */
struct nl_collect {
	unsigned int ifi_src;
	unsigned int ifi_dst;
	bool ll;
	bool min_routes;
	size_t len;
	unsigned int count;
};

/**
 * nl_collect_add() - Account for a rewritten request stored in nl_batch
 * @col:	Collection state
 * @n:		Length of the request, 0 if none, negative error code
 *
 * Return: 0 on success, negative error code on failure
 */
static int nl_collect_add(struct nl_collect *col, ssize_t n)
{
	if (n == -E2BIG)
		return -E2BIG;
	if (n < 0) {
		debug("netlink: skipping malformed message in dump");
		return 0;
	}

	col->len += NLMSG_ALIGN(n);
	col->count += !!n;
	return 0;
}

/**
 * nl_collect_route_cb() - Rewrite a route into nl_batch
 * @nh:		RTM_NEWROUTE message
 * @arg:	struct nl_collect
 *
 * Return: 0 on success, negative error code on failure
 */
static int nl_collect_route_cb(const struct nlmsghdr *nh, void *arg)
{
	struct nl_collect *col = arg;
	struct nl_route r;

	if (col->min_routes && !nl_route_parse(nh, &r) &&
	    r.rtm->rtm_dst_len && (r.gw || r.mp))
		return 0;

	return nl_collect_add(col, nl_route_rewrite(nh, nl_batch.b + col->len,
						    sizeof(nl_batch) - col->len,
						    col->ifi_src,
						    col->ifi_dst));
}

/**
 * nl_collect_addr_cb() - Rewrite an address into nl_batch
 * @nh:		RTM_NEWADDR message
 * @arg:	struct nl_collect
 *
 * Return: 0 on success, negative error code on failure
 */
static int nl_collect_addr_cb(const struct nlmsghdr *nh, void *arg)
{
	struct nl_collect *col = arg;

	return nl_collect_add(col, nl_addr_rewrite(nh, nl_batch.b + col->len,
						   sizeof(nl_batch) - col->len,
						   col->ifi_src,
						   col->ifi_dst, col->ll));
}

/**
 * nl_batch_next() - Step through the requests collected in nl_batch
 * @col:	Collection state
 * @nh:		Current request, NULL to get the first one
 *
 * Return: next request, NULL at the end
 */
static struct nlmsghdr *nl_batch_next(const struct nl_collect *col,
				      struct nlmsghdr *nh)
{
	size_t off = nh ? (size_t)((char *)nh - nl_batch.b) +
			  NLMSG_ALIGN(nh->nlmsg_len) : 0;

	if (off + sizeof(*nh) > col->len)
		return NULL;

	return (struct nlmsghdr *)(nl_batch.b + off);
}

/**
 * nl_route_send() - Send one collected route request
 * @s:		Netlink socket in the destination namespace
 * @nh:		Request
 *
 * Return: 0 on success or if the route exists, negative error code otherwise
 */
static int nl_route_send(int s, struct nlmsghdr *nh)
{
	int rc;

	nh->nlmsg_type = RTM_NEWROUTE;
	nh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	rc = nl_exchange(s, nh, 0, NULL, NULL);

	return rc == -EEXIST ? 0 : rc;
}

/**
 * nl_route_has_gw() - Does a collected route need a gateway to be reachable?
 * @nh:		Request
 *
 * Return: true if it has a gateway (or nexthops, which usually have one)
 */
static bool nl_route_has_gw(const struct nlmsghdr *nh)
{
	struct nl_route r;

	return !nl_route_parse(nh, &r) && (r.gw || r.mp);
}

/**
 * nl_route_pass() - Try to add the collected routes not added yet
 * @s:		Netlink socket in the destination namespace
 * @col:	Collection state
 * @gw:		Also try routes with a gateway
 * @first:	First error other than an unreachable gateway, updated
 *
 * Requests done, successfully or not, are marked as NLMSG_NOOP.
 *
 * Return: number of requests done
 */
static unsigned int nl_route_pass(int s, const struct nl_collect *col,
				  bool gw, int *first)
{
	unsigned int done = 0;
	struct nlmsghdr *nh;
	int rc;

	for (nh = nl_batch_next(col, NULL); nh; nh = nl_batch_next(col, nh)) {
		if (nh->nlmsg_type == NLMSG_NOOP ||
		    (!gw && nl_route_has_gw(nh)))
			continue;

		rc = nl_route_send(s, nh);
		if (rc == -ENETUNREACH || rc == -EHOSTUNREACH)
			continue;

		if (rc && !*first)
			*first = rc;
		nh->nlmsg_type = NLMSG_NOOP;
		done++;
	}

	return done;
}

/**
 * nl_route_apply() - Add the routes collected in nl_batch, in passes
 * @s:		Netlink socket in the destination namespace
 * @col:	Collection state
 *
 * Routes without a gateway go first, as those with one usually need them.
 * A route whose gateway is unreachable is tried again in the next pass, as
 * long as passes make progress: the kernel tells us the order that works.
 *
 * Return: 0 on success, first error other than an unreachable gateway
 */
static int nl_route_apply(int s, const struct nl_collect *col)
{
	unsigned int left = col->count, done;
	int first = 0;

	left -= nl_route_pass(s, col, false, &first);
	do {
		done = nl_route_pass(s, col, true, &first);
		left -= done;
	} while (left && done);

	if (left)
		warn("netlink: %u route(s) not copied: gateway unreachable",
		     left);

	return first;
}

/**
 * nl_route_dup() - Copy the routes of an interface to one in another namespace
 * @s_src:	Netlink socket in the source namespace
 * @ifi_src:	Interface in the source namespace
 * @s_dst:	Netlink socket in the destination namespace
 * @ifi_dst:	Interface in the destination namespace
 * @af:		AF_INET or AF_INET6
 *
 * All unicast routes of the main table through @ifi_src (see
 * nl_route_rewrite()). Routes already present in the destination, such as
 * the prefix routes the kernel made when addresses were copied, are left as
 * they are. Copy addresses first: routes might use them as gateways. If
 * there are too many routes (full routing tables), only default routes and
 * routes without a gateway are copied.
 *
 * Return: 0 on success, negative error code on failure
 */
int nl_route_dup(int s_src, unsigned int ifi_src,
		 int s_dst, unsigned int ifi_dst, sa_family_t af)
{
	struct nl_collect col = { .ifi_src = ifi_src, .ifi_dst = ifi_dst };
	int rc;

	if (!af_addr_len(af))
		return -EAFNOSUPPORT;

	rc = nl_exchange(s_src, nl_route_req(af, ifi_src), RTM_NEWROUTE,
			 nl_collect_route_cb, &col);
	if (rc == -E2BIG) {
		warn("Too many %s routes to copy, copying only default routes "
		     "and routes without gateway",
		     af == AF_INET ? "IPv4" : "IPv6");
		col.len = col.count = 0;
		col.min_routes = true;
		rc = nl_exchange(s_src, nl_route_req(af, ifi_src),
				 RTM_NEWROUTE, nl_collect_route_cb, &col);
	}
	if (rc)
		return rc;

	return nl_route_apply(s_dst, &col);
}

/**
 * nl_addr_req() - Build an address dump request in nl_req
 * @af:		Address family
 * @ifi:	Interface to filter on (kernel with strict checking)
 *
 * Return: the request
 */
static struct nlmsghdr *nl_addr_req(sa_family_t af, unsigned int ifi)
{
	struct ifaddrmsg ifa = { .ifa_family = af, .ifa_index = ifi };

	return nl_msg_init(nl_req.b, sizeof(nl_req), RTM_GETADDR, NLM_F_DUMP,
			   &ifa, sizeof(ifa));
}

/**
 * nl_addr_collect() - Collect rewritten addresses of an interface
 * @s:		Netlink socket
 * @af:		Address family
 * @col:	Collection state, with @ifi_src, @ifi_dst and @ll set
 *
 * Return: 0 on success, negative error code on failure
 */
static int nl_addr_collect(int s, sa_family_t af, struct nl_collect *col)
{
	return nl_exchange(s, nl_addr_req(af, col->ifi_src), RTM_NEWADDR,
			   nl_collect_addr_cb, col);
}

/**
 * nl_addr_apply() - Send the address requests collected in nl_batch
 * @s:		Netlink socket
 * @col:	Collection state
 * @flags:	Request flags
 *
 * Return: 0 on success, first error otherwise (existing addresses are fine)
 */
static int nl_addr_apply(int s, const struct nl_collect *col, uint16_t flags)
{
	struct nlmsghdr *nh;
	int rc, first = 0;

	for (nh = nl_batch_next(col, NULL); nh; nh = nl_batch_next(col, nh)) {
		nh->nlmsg_type = RTM_NEWADDR;
		nh->nlmsg_flags = flags;
		rc = nl_exchange(s, nh, 0, NULL, NULL);
		if (rc && rc != -EEXIST && !first)
			first = rc;
	}

	return first;
}

/**
 * nl_addr_dup() - Copy the addresses of an interface to one in another
 *		   namespace
 * @s_src:	Netlink socket in the source namespace
 * @ifi_src:	Interface in the source namespace
 * @s_dst:	Netlink socket in the destination namespace
 * @ifi_dst:	Interface in the destination namespace
 * @af:		AF_INET or AF_INET6
 *
 * See nl_addr_rewrite() for which addresses, and how.
 *
 * Return: 0 on success, negative error code on failure
 */
int nl_addr_dup(int s_src, unsigned int ifi_src,
		int s_dst, unsigned int ifi_dst, sa_family_t af)
{
	struct nl_collect col = { .ifi_src = ifi_src, .ifi_dst = ifi_dst };
	int rc;

	if (!af_addr_len(af))
		return -EAFNOSUPPORT;

	rc = nl_addr_collect(s_src, af, &col);
	if (rc)
		return rc;

	return nl_addr_apply(s_dst, &col, NLM_F_CREATE);
}

/**
 * nl_addr_set_ll_nodad() - Set IFA_F_NODAD on link-local IPv6 addresses
 * @s:		Netlink socket
 * @ifi:	Interface index
 *
 * The flag keeps duplicate address detection from running (again) on them,
 * for instance when the link changes state: they stay usable.
 *
 * Return: 0 on success, negative error code on failure
 */
int nl_addr_set_ll_nodad(int s, unsigned int ifi)
{
	struct nl_collect col = { .ifi_src = ifi, .ifi_dst = ifi, .ll = true };
	int rc;

	rc = nl_addr_collect(s, AF_INET6, &col);
	if (rc)
		return rc;

	return nl_addr_apply(s, &col, NLM_F_REPLACE);
}

/**
 * struct nl_addr_find - State of the search for an address
 * @ifi:	Interface
 * @af:		Address family
 * @addr:	Global address to fill, NULL if not wanted
 * @prefix_len:	Its prefix length, NULL if not wanted
 * @best:	Prefix length of the address found, -1 if none yet
 * @addr_ll:	Link-local address to fill (IPv6), NULL if not wanted
 * @ll_usable:	Ignore tentative link-local addresses
 * @ll_found:	@addr_ll was filled
 */
struct nl_addr_find {
	unsigned int ifi;
	sa_family_t af;
	void *addr;
	int *prefix_len;
	int best;
	void *addr_ll;
	bool ll_usable;
	bool ll_found;
};

/**
 * nl_ifa_addr() - Address carried by an address message
 * @nh:		RTM_NEWADDR message
 *
 * Return: IFA_LOCAL for IPv4 (if present), IFA_ADDRESS otherwise, NULL if
 *	   none, or of the wrong length
 */
static const void *nl_ifa_addr(const struct nlmsghdr *nh)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	size_t alen = af_addr_len(ifa->ifa_family);
	const void *addr = NULL, *local = NULL;
	const struct rtattr *rta;
	int len = (int)IFA_PAYLOAD(nh);

	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (RTA_PAYLOAD(rta) != alen)
			continue;
		if (rta->rta_type == IFA_ADDRESS)
			addr = RTA_DATA(rta);
		else if (rta->rta_type == IFA_LOCAL)
			local = RTA_DATA(rta);
	}

	return ifa->ifa_family == AF_INET && local ? local : addr;
}

/**
 * nl_addr_find_cb() - Consider one address for nl_addr_get()
 * @nh:		RTM_NEWADDR message
 * @arg:	struct nl_addr_find
 *
 * Return: 0
 */
static int nl_addr_find_cb(const struct nlmsghdr *nh, void *arg)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	struct nl_addr_find *f = arg;
	size_t alen = af_addr_len(f->af);
	const void *a;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
	    ifa->ifa_family != f->af || !nl_addr_usable(nh, f->ifi) ||
	    !(a = nl_ifa_addr(nh)))
		return 0;

	if (ifa->ifa_scope == RT_SCOPE_LINK && f->af == AF_INET6) {
		if (f->addr_ll && !f->ll_found &&
		    !(f->ll_usable && (nl_ifa_flags(nh) & IFA_F_TENTATIVE))) {
			memcpy(f->addr_ll, a, alen);
			f->ll_found = true;
		}
		return 0;
	}

	if (ifa->ifa_scope >= RT_SCOPE_LINK || ifa->ifa_prefixlen <= f->best)
		return 0;

	f->best = ifa->ifa_prefixlen;
	if (f->addr)
		memcpy(f->addr, a, alen);
	if (f->prefix_len)
		*f->prefix_len = ifa->ifa_prefixlen;

	return 0;
}

/**
 * nl_addr_get() - Get the global address of an interface, and link-local
 * @s:		Netlink socket
 * @ifi:	Interface index
 * @af:		AF_INET or AF_INET6
 * @addr:	Global address to fill, NULL if not wanted: the one with the
 *		longest prefix (the first one of those), deprecated ones ignored
 * @prefix_len:	Its prefix length to fill, NULL if not wanted
 * @addr_ll:	IPv6 only: first link-local address to fill, NULL if not wanted
 *
 * What isn't found is left untouched.
 *
 * Return: 0 on success, negative error code on failure
 */
int nl_addr_get(int s, unsigned int ifi, sa_family_t af,
		void *addr, int *prefix_len, void *addr_ll)
{
	struct nl_addr_find f = {
		.ifi = ifi, .af = af, .addr = addr, .prefix_len = prefix_len,
		.best = -1, .addr_ll = af == AF_INET6 ? addr_ll : NULL,
	};

	if (!af_addr_len(af))
		return -EAFNOSUPPORT;

	return nl_exchange(s, nl_addr_req(af, ifi), RTM_NEWADDR,
			   nl_addr_find_cb, &f);
}

/**
 * nl_addr_get_ll() - Get the first usable link-local IPv6 address of a link
 * @s:		Netlink socket
 * @ifi:	Interface index
 * @addr:	struct in6_addr to fill, left untouched if there's none, or if
 *		it's still tentative (duplicate address detection going on)
 *
 * Return: 0 on success, negative error code on failure
 */
int nl_addr_get_ll(int s, unsigned int ifi, void *addr)
{
	struct nl_addr_find f = {
		.ifi = ifi, .af = AF_INET6, .best = -1,
		.addr_ll = addr, .ll_usable = true,
	};

	return nl_exchange(s, nl_addr_req(AF_INET6, ifi), RTM_NEWADDR,
			   nl_addr_find_cb, &f);
}

/**
 * nl_addr_set() - Add an address to an interface
 * @s:		Netlink socket
 * @ifi:	Interface index
 * @af:		AF_INET or AF_INET6
 * @addr:	Address
 * @prefix_len:	Prefix length
 *
 * IPv6 addresses are added with IFA_F_NODAD, usable at once; IPv4 ones with
 * the broadcast address of the prefix, if it has one.
 *
 * Return: 0 on success, negative error code on failure
 */
int nl_addr_set(int s, unsigned int ifi, sa_family_t af,
		const void *addr, int prefix_len)
{
	struct ifaddrmsg ifa = {
		.ifa_family	= af,
		.ifa_prefixlen	= prefix_len,
		.ifa_scope	= RT_SCOPE_UNIVERSE,
		.ifa_index	= ifi,
	};
	size_t alen = af_addr_len(af);
	uint32_t flags = 0;

	if (!alen || prefix_len < 0 || prefix_len > (int)alen * 8)
		return -EINVAL;

	if (af == AF_INET6)
		ifa.ifa_flags = flags = IFA_F_NODAD;

	nl_msg_init(nl_req.b, sizeof(nl_req), RTM_NEWADDR,
		    NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	nl_req_attr(IFA_LOCAL, addr, alen);
	nl_req_attr(IFA_ADDRESS, addr, alen);
	nl_req_attr(IFA_FLAGS, &flags, sizeof(flags));

	if (af == AF_INET && prefix_len && prefix_len < 31) {
		struct in_addr brd;

		memcpy(&brd, addr, sizeof(brd));
		brd.s_addr |= htonl(0xffffffffU >> prefix_len);
		nl_req_attr(IFA_BROADCAST, &brd, sizeof(brd));
	}

	return nl_exchange(s, &nl_req.nh, 0, NULL, NULL);
}

/**
 * struct nl_link - What we read from a link
 * @mac:	Hardware address to fill, NULL if not wanted
 * @mac_found:	@mac was filled
 * @mtu:	MTU, 0 if not found
 */
struct nl_link {
	void *mac;
	bool mac_found;
	unsigned int mtu;
};

/**
 * nl_link_cb() - Read a link's hardware address and MTU
 * @nh:		RTM_NEWLINK message
 * @arg:	struct nl_link
 *
 * Return: 0
 */
static int nl_link_cb(const struct nlmsghdr *nh, void *arg)
{
	const struct ifinfomsg *ifm = NLMSG_DATA(nh);
	struct nl_link *l = arg;
	const struct rtattr *rta;
	int len;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifm)))
		return 0;

	len = (int)IFLA_PAYLOAD(nh);
	for (rta = IFLA_RTA(ifm); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFLA_MTU) {
			l->mtu = nl_u32(rta);
		} else if (rta->rta_type == IFLA_ADDRESS && l->mac &&
			   RTA_PAYLOAD(rta) == MAC_ADDR_LEN) {
			memcpy(l->mac, RTA_DATA(rta), MAC_ADDR_LEN);
			l->mac_found = true;
		}
	}

	return 0;
}

/**
 * nl_link_get() - Read a link's hardware address and MTU
 * @s:		Netlink socket
 * @ifi:	Interface index
 * @l:		Filled with what was found
 *
 * Return: 0 on success, negative error code on failure
 */
static int nl_link_get(int s, unsigned int ifi, struct nl_link *l)
{
	struct ifinfomsg ifm = {
		.ifi_family	= AF_UNSPEC,
		.ifi_index	= (int)ifi,
	};

	nl_msg_init(nl_req.b, sizeof(nl_req), RTM_GETLINK, 0,
		    &ifm, sizeof(ifm));

	return nl_exchange(s, &nl_req.nh, RTM_NEWLINK, nl_link_cb, l);
}

/**
 * nl_link_get_mac() - Get the hardware address of a link
 * @s:		Netlink socket
 * @ifi:	Interface index
 * @mac:	MAC_ADDR_LEN bytes to fill
 *
 * Return: 0 on success, -ENOENT if the link has no Ethernet address, negative
 *	   error code on failure
 */
int nl_link_get_mac(int s, unsigned int ifi, void *mac)
{
	struct nl_link l = { .mac = mac };
	int rc = nl_link_get(s, ifi, &l);

	if (rc)
		return rc;

	return l.mac_found ? 0 : -ENOENT;
}

/**
 * nl_link_get_mtu() - Get the MTU of a link
 * @s:		Netlink socket
 * @ifi:	Interface index
 *
 * Return: MTU, negative error code on failure
 */
int nl_link_get_mtu(int s, unsigned int ifi)
{
	struct nl_link l = { 0 };
	int rc = nl_link_get(s, ifi, &l);

	if (rc)
		return rc;

	return l.mtu ? (int)MIN(l.mtu, (unsigned int)INT_MAX) : -ENOENT;
}

/**
 * nl_link_set() - Change a link: flags and one attribute
 * @s:		Netlink socket
 * @ifi:	Interface index
 * @set:	Flags to set, within @change
 * @change:	Flags to change
 * @type:	Attribute type, IFLA_UNSPEC for none
 * @data:	Attribute payload
 * @len:	Its length
 *
 * Return: 0 on success, negative error code on failure
 */
static int nl_link_set(int s, unsigned int ifi, unsigned int set,
		       unsigned int change, unsigned short type,
		       const void *data, size_t len)
{
	struct ifinfomsg ifm = {
		.ifi_family	= AF_UNSPEC,
		.ifi_index	= (int)ifi,
		.ifi_flags	= set & change,
		.ifi_change	= change,
	};

	nl_msg_init(nl_req.b, sizeof(nl_req), RTM_NEWLINK, 0,
		    &ifm, sizeof(ifm));
	if (type != IFLA_UNSPEC)
		nl_req_attr(type, data, len);

	return nl_exchange(s, &nl_req.nh, 0, NULL, NULL);
}

/**
 * nl_link_set_mac() - Set the hardware address of a link
 * @s:		Netlink socket
 * @ifi:	Interface index
 * @mac:	MAC_ADDR_LEN bytes
 *
 * Return: 0 on success, negative error code on failure
 */
int nl_link_set_mac(int s, unsigned int ifi, const void *mac)
{
	return nl_link_set(s, ifi, 0, 0, IFLA_ADDRESS, mac, MAC_ADDR_LEN);
}

/**
 * nl_link_set_mtu() - Set the MTU of a link
 * @s:		Netlink socket
 * @ifi:	Interface index
 * @mtu:	MTU
 *
 * Return: 0 on success, negative error code on failure
 */
int nl_link_set_mtu(int s, unsigned int ifi, int mtu)
{
	uint32_t v = (uint32_t)mtu;

	if (mtu <= 0)
		return -EINVAL;

	return nl_link_set(s, ifi, 0, 0, IFLA_MTU, &v, sizeof(v));
}

/**
 * nl_link_set_txqlen() - Set the transmit queue length of a link
 * @s:		Netlink socket
 * @ifi:	Interface index
 * @len:	Queue length, in frames
 *
 * Return: 0 on success, negative error code on failure
 */
int nl_link_set_txqlen(int s, unsigned int ifi, unsigned int len)
{
	uint32_t v = len;

	return nl_link_set(s, ifi, 0, 0, IFLA_TXQLEN, &v, sizeof(v));
}

/**
 * nl_link_set_flags() - Change the flags of a link
 * @s:		Netlink socket
 * @ifi:	Interface index
 * @set:	Flags to set (IFF_UP, IFF_NOARP...), within @change
 * @change:	Flags to change: set if in @set, cleared otherwise
 *
 * Return: 0 on success, negative error code on failure
 */
int nl_link_set_flags(int s, unsigned int ifi,
		      unsigned int set, unsigned int change)
{
	return nl_link_set(s, ifi, set, change, IFLA_UNSPEC, NULL, 0);
}

/**
 * nl_link_set_up() - Bring a link up
 * @s:		Netlink socket
 * @ifi:	Interface index
 *
 * Return: 0 on success, negative error code on failure
 */
int nl_link_set_up(int s, unsigned int ifi)
{
	return nl_link_set_flags(s, ifi, IFF_UP, IFF_UP);
}
