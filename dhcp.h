/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dhcp.h - DHCPv4 server for the guest */
#ifndef DHCP_H
#define DHCP_H

struct ctx;
struct tap_l3;

int dhcp(const struct ctx *c, const struct tap_l3 *l3);

#endif /* DHCP_H */
