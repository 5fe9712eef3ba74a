/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ndp.h - Neighbour Discovery: NA for the guest's neighbours, RAs */
#ifndef NDP_H
#define NDP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <netinet/in.h>

struct ctx;
struct tap_l3;

#define NDP_MSG_MAX		1232	/* IPv6 minimum MTU, less headers */

int ndp(const struct ctx *c, const struct tap_l3 *l3);
void ndp_timer(const struct ctx *c, const struct timespec *now);
ssize_t ndp_reply_build(const struct ctx *c, const struct tap_l3 *l3,
			uint8_t *out, size_t size, struct in6_addr *src,
			struct in6_addr *dst);
size_t ndp_ra_build(const struct ctx *c, uint8_t *out, size_t size);
const struct in6_addr *ndp_our_ll(const struct ctx *c);

#endif /* NDP_H */
