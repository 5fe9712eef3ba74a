/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ndp.h - Neighbour Discovery: NA for the guest's neighbours, RAs */
#ifndef NDP_H
#define NDP_H

#include <time.h>

struct ctx;
struct tap_l3;

int ndp(const struct ctx *c, const struct tap_l3 *l3);
void ndp_timer(const struct ctx *c, const struct timespec *now);

#endif /* NDP_H */
