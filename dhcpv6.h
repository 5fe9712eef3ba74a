/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dhcpv6.h - DHCPv6 server for the guest */
#ifndef DHCPV6_H
#define DHCPV6_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ctx;
struct tap_l3;
struct pkt;

#define DHCPV6_MSG_MAX		1232	/* IPv6 minimum MTU, less headers */

int dhcpv6(const struct ctx *c, const struct tap_l3 *l3);
void dhcpv6_init(const struct ctx *c);
ssize_t dhcpv6_reply_build(const struct ctx *c, const struct pkt *msg,
			   uint8_t *out, size_t size);

#endif /* DHCPV6_H */
