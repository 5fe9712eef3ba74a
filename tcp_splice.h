/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_splice.h - TCP between two loopback sockets, joined by splice(2) */
#ifndef TCP_SPLICE_H
#define TCP_SPLICE_H

#include <stdint.h>
#include <time.h>

struct ctx;
struct flowside;
struct tcp_splice_conn;
union epoll_ref;

void tcp_splice_init(const struct ctx *c);
void tcp_splice_conn_from_sock(const struct ctx *c, int s, uint8_t pif,
			       const struct flowside *ini, uint8_t tgt_pif,
			       const struct flowside *tgt,
			       const struct timespec *now);
void tcp_splice_sock_handler(const struct ctx *c, union epoll_ref ref,
			     uint32_t events);
void tcp_splice_timer(const struct ctx *c, struct tcp_splice_conn *conn,
		      const struct timespec *now);
void tcp_splice_refill(const struct ctx *c);

#endif /* TCP_SPLICE_H */
