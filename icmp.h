/* SPDX-License-Identifier: GPL-2.0-or-later */
/* icmp.h - ICMP and ICMPv6 echo through ping sockets */
#ifndef ICMP_H
#define ICMP_H

#include <time.h>

struct ctx;
struct tap_l3;
struct ping_flow;
union epoll_ref;

#define ICMP_ECHO_TIMEOUT	60	/* seconds without traffic */

void icmp_init(const struct ctx *c);
int icmp_tap_handler(struct ctx *c, const struct tap_l3 *l3,
		     const struct timespec *now);
void icmp_sock_handler(struct ctx *c, union epoll_ref ref,
		       const struct timespec *now);
void icmp_timer(struct ctx *c, struct ping_flow *pf,
		const struct timespec *now);

#endif /* ICMP_H */
