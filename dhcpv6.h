/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dhcpv6.h - DHCPv6 server for the guest */
#ifndef DHCPV6_H
#define DHCPV6_H

struct ctx;
struct tap_l3;

int dhcpv6(const struct ctx *c, const struct tap_l3 *l3);
void dhcpv6_init(const struct ctx *c);

#endif /* DHCPV6_H */
