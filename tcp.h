/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp.h - TCP between the guest and host sockets */
#ifndef TCP_H
#define TCP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct ctx;
struct tap_l3;
struct tcp_tap_conn;
union epoll_ref;

int tcp_init(struct ctx *c);
int tcp_tap_handler(struct ctx *c, const struct tap_l3 *l3, size_t n,
		    const struct timespec *now);
void tcp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events,
		      const struct timespec *now);
void tcp_listen_handler(struct ctx *c, union epoll_ref ref,
			const struct timespec *now);
void tcp_port_rescan(const struct ctx *c);
void tcp_timer(struct ctx *c, struct tcp_tap_conn *conn,
	       const struct timespec *now);

#endif /* TCP_H */
