// SPDX-License-Identifier: GPL-2.0-or-later
/* icmp.c - ICMP and ICMPv6 echo through ping sockets
 *
 * Theory of operation
 * ===================
 *
 * We can't send raw ICMP without privileges, but Linux offers "ping sockets"
 * (SOCK_DGRAM with IPPROTO_ICMP or IPPROTO_ICMPV6) to the groups listed in
 * net.ipv4.ping_group_range: the kernel picks the echo identifier (as it
 * would pick a port), fills in the checksum, and delivers only the replies
 * that match.
 *
 * Each echo session of the guest, identified by (guest address, destination
 * address, echo identifier), is a flow with its own ping socket.  Requests
 * from the guest are sent on that socket unchanged but for the identifier,
 * which the kernel replaces with the socket's; replies read from the socket
 * get the guest's identifier back, and reach the guest from the address it
 * pinged.  A session expires after ICMP_ECHO_TIMEOUT seconds without
 * requests.  Where ping sockets are refused, we say so once, with the
 * sysctl that allows them.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "passt.h"
#include "flow.h"
#include "fwd.h"
#include "hdr.h"
#include "icmp.h"
#include "log.h"
#include "packet.h"
#include "tap.h"

#define ICMP_BUF_SIZE	(IP_MAX_MTU)
#define ICMP_RECV_MAX	16	/* replies read per wake-up */

static uint8_t icmp_buf[ICMP_BUF_SIZE];

/**
 * icmp_sock_warn() - Explain, once, why a ping socket can't be opened
 * @af:		Address family
 */
static void icmp_sock_warn(int af)
{
	static bool warned[2];

	if (warned[af == AF_INET6])
		return;
	warned[af == AF_INET6] = true;

	if (errno == EACCES || errno == EPERM)
		warn("Can't open %s ping sockets: %s. ICMP echo is off. To allow "
		     "it: sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"",
		     af == AF_INET ? "ICMP" : "ICMPv6", strerror(errno));
	else
		warn_perror("Can't open %s ping socket",
			    af == AF_INET ? "ICMP" : "ICMPv6");
}

/**
 * icmp_init() - Check once at start that ping sockets can be opened
 * @c:		Execution context
 */
void icmp_init(const struct ctx *c)
{
	int s;

	if (c->no_icmp)
		return;

	if (c->v4) {
		s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
		if (s < 0)
			icmp_sock_warn(AF_INET);
		else
			close(s);
	}
	if (c->v6) {
		s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMPV6);
		if (s < 0)
			icmp_sock_warn(AF_INET6);
		else
			close(s);
	}
}

/**
 * icmp_sock_open() - Open and bind the ping socket of a new flow
 * @c:		Execution context
 * @pf:		Flow, target side addresses set; our echo id is set here
 *
 * Return: 0 on success, -1 on failure (logged)
 */
static int icmp_sock_open(const struct ctx *c, struct ping_flow *pf)
{
	struct flowside *tgt = &pf->f.side[TGTSIDE];
	int af = inany_af(&tgt->eaddr);
	const char *ifname = af == AF_INET ? c->ip4.ifname_out :
					     c->ip6.ifname_out;
	union epoll_ref ref = { .type = EPOLL_TYPE_PING };
	union sockaddr_inany sa;
	socklen_t sl;
	int s;

	s = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		   af == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	if (s < 0) {
		icmp_sock_warn(af);
		return -1;
	}
	if (s > FD_REF_MAX)
		goto fail;

	if (*ifname && setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, ifname,
				  strlen(ifname) + 1)) {
		debug_perror("Can't bind ping socket to %s", ifname);
		goto fail;
	}

	sl = sockaddr_from_inany(&sa, &tgt->oaddr, 0, 0);
	if (bind(s, &sa.sa, sl)) {
		debug_perror("Can't bind ping socket");
		goto fail;
	}

	/* The kernel picked the echo identifier: it is our "port" */
	sl = sizeof(sa);
	if (getsockname(s, &sa.sa, &sl))
		goto fail;
	inany_from_sockaddr(&tgt->oaddr, &tgt->oport, &sa);
	if (inany_is_unspecified(&tgt->oaddr))
		tgt->oaddr = af == AF_INET ? inany_any4 : inany_any6;

	pf->sock = s;
	ref.fd = s;
	ref.flow = flow_sidx(flow_idx((union flow *)pf), TGTSIDE);
	epoll_add(c, EPOLLIN, ref);
	return 0;
fail:
	close(s);
	return -1;
}

/**
 * icmp_flow_new() - Start a new echo flow for a request from the guest
 * @c:		Execution context
 * @l3:		Request
 * @id:		Echo identifier used by the guest
 * @now:	Current time
 *
 * Return: the flow, or NULL if it can't be created
 */
static struct ping_flow *icmp_flow_new(struct ctx *c, const struct tap_l3 *l3,
				       uint16_t id, const struct timespec *now)
{
	union flow *flow = flow_alloc(now);
	struct ping_flow *pf;
	struct flowside *ini;

	if (!flow)
		return NULL;
	pf = &flow->ping;

	pf->f.type = l3->af == AF_INET ? FLOW_PING4 : FLOW_PING6;
	pf->f.proto = l3->af == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	pf->f.pif[INISIDE] = PIF_TAP;
	ini = &pf->f.side[INISIDE];
	ini->eaddr = l3->saddr;
	ini->oaddr = l3->daddr;
	ini->eport = ini->oport = id;
	pf->f.pif[TGTSIDE] = fwd_nat_from_tap(c, pf->f.proto, ini,
					      &pf->f.side[TGTSIDE]);
	pf->f.side[TGTSIDE].eport = 0;
	pf->sock = -1;

	if (icmp_sock_open(c, pf)) {
		flow_free(flow);
		return NULL;
	}

	flow_hash_insert(flow, INISIDE);
	flow_log(LOG_DEBUG, flow, "new echo session");
	flow_timer_set(flow, flow_now_ms(now) + ICMP_ECHO_TIMEOUT * 1000);
	return pf;
}

/**
 * icmp_flow_close() - Close an echo flow and free it
 * @c:		Execution context
 * @pf:		Flow
 */
static void icmp_flow_close(const struct ctx *c, struct ping_flow *pf)
{
	/* #syscalls close */
	union flow *flow = (union flow *)pf;

	flow_log(LOG_DEBUG, flow, "echo session closed");
	if (pf->sock >= 0) {
		epoll_del(c, pf->sock);
		close(pf->sock);
	}
	flow_hash_remove(flow, INISIDE);
	flow_free(flow);
}

/**
 * icmp_tap_handler() - Relay an echo request from the guest
 * @c:		Execution context
 * @l3:		ICMP or ICMPv6 packet from the guest
 * @now:	Current time
 *
 * Return: 1 if it was an echo request (relayed or dropped), 0 otherwise
 */
int icmp_tap_handler(struct ctx *c, const struct tap_l3 *l3,
		     const struct timespec *now)
{
	/* #syscalls sendto socket bind getsockname */
	const icmphdr_u *ih = pkt_get(&l3->l4, 0, sizeof(*ih));
	uint8_t echo = l3->af == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	uint8_t proto = l3->af == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	const struct flowside *tgt;
	union sockaddr_inany sa;
	struct ping_flow *pf;
	union flow *flow;
	uint16_t id;
	socklen_t sl;

	if (!ih || ih->type != echo || ih->code)
		return 0;
	if (c->no_icmp)
		return 1;

	id = ntohs(ih->un.echo.id);
	flow = flow_lookup(PIF_TAP, proto, &l3->saddr, &l3->daddr, id, id,
			   NULL);
	if (flow)
		pf = &flow->ping;
	else if (!(pf = icmp_flow_new(c, l3, id, now)))
		return 1;

	tgt = &pf->f.side[TGTSIDE];
	sl = sockaddr_from_inany(&sa, &tgt->eaddr, 0, 0);
	if (sendto(pf->sock, l3->l4.data, l3->l4.len, MSG_NOSIGNAL, &sa.sa,
		   sl) < 0)
		debug_ratelimit(now, "Echo request to the host failed: %s",
				strerror(errno));

	pf->seq = ntohs(ih->un.echo.sequence);
	pf->last = now->tv_sec;
	return 1;
}

/**
 * icmp_sock_handler() - Relay echo replies from a ping socket to the guest
 * @c:		Execution context
 * @ref:	epoll reference: socket and flow
 * @now:	Current time
 */
void icmp_sock_handler(struct ctx *c, union epoll_ref ref,
		       const struct timespec *now)
{
	/* #syscalls recv|recvfrom */
	union flow *flow = flow_at_sidx(ref.flow);
	const struct flowside *ini;
	struct ping_flow *pf;
	unsigned int i;

	(void)now;
	if (!flow || (flow->f.type != FLOW_PING4 &&
		      flow->f.type != FLOW_PING6))
		return;
	pf = &flow->ping;
	ini = &pf->f.side[INISIDE];

	for (i = 0; i < ICMP_RECV_MAX; i++) {
		icmphdr_u *ih = (icmphdr_u *)icmp_buf;
		ssize_t n = recv(pf->sock, icmp_buf, sizeof(icmp_buf),
				 MSG_DONTWAIT);

		if (n < (ssize_t)sizeof(*ih))
			break;

		ih->un.echo.id = htons(ini->eport);
		if (pf->f.type == FLOW_PING4) {
			tap_icmp4_send(c, *inany_v4(&ini->oaddr),
				       *inany_v4(&ini->eaddr), icmp_buf, n);
		} else {
			tap_icmp6_send(c, &ini->oaddr.a6, &ini->eaddr.a6,
				       icmp_buf, n);
		}
	}
}

/**
 * icmp_timer() - Expire an echo flow that saw no request for a while
 * @c:		Execution context
 * @pf:		Flow whose timer fired
 * @now:	Current time
 */
void icmp_timer(struct ctx *c, struct ping_flow *pf,
		const struct timespec *now)
{
	time_t idle_until = pf->last + ICMP_ECHO_TIMEOUT;

	if (now->tv_sec < idle_until) {
		flow_timer_set((union flow *)pf, (int64_t)idle_until * 1000);
		return;
	}
	icmp_flow_close(c, pf);
}
