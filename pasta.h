/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pasta.h - Namespaces, the spawned command, the tap device (pasta mode) */
#ifndef PASTA_H
#define PASTA_H

#include <stdint.h>
#include <sys/types.h>

struct ctx;
union epoll_ref;

void pasta_open_ns(struct ctx *c, const char *netns);
void pasta_start_ns(struct ctx *c, uid_t uid, gid_t gid,
		    int argc, char *argv[]);
void pasta_release_child(struct ctx *c);
void pasta_ns_conf(struct ctx *c);
int pasta_tap_open(struct ctx *c);
void pasta_child_handler(struct ctx *c);
void pasta_netns_quit_init(const struct ctx *c);
void pasta_netns_quit_inotify_handler(struct ctx *c, int inotify_fd);
void pasta_netns_quit_timer_handler(struct ctx *c, union epoll_ref ref);
int ns_call(const struct ctx *c, int (*fn)(void *arg), void *arg);

#endif /* PASTA_H */
