/* SPDX-License-Identifier: GPL-2.0-or-later */
/* isolation.h - Privilege dropping, namespace detachment, seccomp */
#ifndef ISOLATION_H
#define ISOLATION_H

#include <stdbool.h>
#include <sys/types.h>

struct ctx;

void isolate_initial(int argc, char **argv);
void isolate_user(uid_t uid, gid_t gid, bool use_userns, const char *userns,
		  int mode);
int isolate_prefork(struct ctx *c);
void isolate_postfork(const struct ctx *c);
int isolate_seccomp(int mode);
const char *seccomp_name(long nr);

#endif /* ISOLATION_H */
