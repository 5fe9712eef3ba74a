// SPDX-License-Identifier: GPL-2.0-or-later
/* packet.c - Bounds-checked access to frames received from the guest
 *
 * The accessors themselves are inline, in packet.h: this file holds the
 * counter of accesses they refused, which tap.c reports with its own drop
 * counters.
 */

#include "packet.h"

unsigned long pkt_bad_access;
