/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netlink.h - Route and link queries and configuration over rtnetlink */
#ifndef NETLINK_H
#define NETLINK_H

#include <stdbool.h>
#include <sys/socket.h>

struct ctx;

extern int nl_sock;		/* rtnetlink socket in our own namespace */
extern int nl_sock_ns;		/* rtnetlink socket in the target namespace */

void nl_sock_init(const struct ctx *c, bool ns);
unsigned int nl_get_ext_if(int s, sa_family_t af);
int nl_route_get_def(int s, unsigned int ifi, sa_family_t af, void *gw);
int nl_route_dup(int s_src, unsigned int ifi_src,
		 int s_dst, unsigned int ifi_dst, sa_family_t af);
int nl_addr_get(int s, unsigned int ifi, sa_family_t af,
		void *addr, int *prefix_len, void *addr_ll);
int nl_addr_set(int s, unsigned int ifi, sa_family_t af,
		const void *addr, int prefix_len);
int nl_addr_get_ll(int s, unsigned int ifi, void *addr);
int nl_addr_set_ll_nodad(int s, unsigned int ifi);
int nl_addr_dup(int s_src, unsigned int ifi_src,
		int s_dst, unsigned int ifi_dst, sa_family_t af);
int nl_link_get_mac(int s, unsigned int ifi, void *mac);
int nl_link_set_mac(int s, unsigned int ifi, const void *mac);
int nl_link_get_mtu(int s, unsigned int ifi);
int nl_link_set_mtu(int s, unsigned int ifi, int mtu);
int nl_link_set_up(int s, unsigned int ifi);

#endif /* NETLINK_H */
