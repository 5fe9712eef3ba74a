/* SPDX-License-Identifier: GPL-2.0-or-later */
/* udp.h - UDP: tap and spliced flows, forwarded ports */
#ifndef UDP_H
#define UDP_H

#include <stddef.h>
#include <time.h>

struct ctx;
struct tap_l3;
struct udp_flow;
union epoll_ref;

#define UDP_TIMEOUT		180	/* seconds of idleness before expiry */
#define UDP_MAX_FRAMES		32	/* datagrams per recvmmsg() */
#define UDP_RECV_ROUNDS		8	/* recvmmsg() calls per wake-up, at most */

int udp_init(struct ctx *c);
int udp_tap_handler(struct ctx *c, const struct tap_l3 *l3, size_t n,
		    const struct timespec *now);
void udp_listen_sock_handler(struct ctx *c, union epoll_ref ref,
			     uint32_t events, const struct timespec *now);
void udp_reply_sock_handler(struct ctx *c, union epoll_ref ref,
			    uint32_t events, const struct timespec *now);
void udp_timer(struct ctx *c, struct udp_flow *uf,
	       const struct timespec *now);
void udp_port_rescan(struct ctx *c, const struct timespec *now);

#endif /* UDP_H */
