/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netlink.h - Route and link queries and configuration over rtnetlink */
#ifndef NETLINK_H
#define NETLINK_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

struct ctx;
struct nlmsghdr;

extern int nl_sock;		/* rtnetlink socket in our own namespace */
extern int nl_sock_ns;		/* rtnetlink socket in the target namespace */

void nl_sock_init(const struct ctx *c, bool ns);
unsigned int nl_get_ext_if(int s, sa_family_t af);
int nl_route_get_def(int s, unsigned int ifi, sa_family_t af, void *gw);
int nl_route_set_def(int s, unsigned int ifi, sa_family_t af, const void *gw);
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
int nl_link_set_txqlen(int s, unsigned int ifi, unsigned int len);
int nl_link_set_up(int s, unsigned int ifi);
int nl_link_set_flags(int s, unsigned int ifi,
		      unsigned int set, unsigned int change);

/* Message rewriting used by the copies, exposed for unit tests */
ssize_t nl_route_rewrite(const struct nlmsghdr *in, void *out, size_t size,
			 unsigned int ifi_src, unsigned int ifi_dst);
ssize_t nl_addr_rewrite(const struct nlmsghdr *in, void *out, size_t size,
			unsigned int ifi_src, unsigned int ifi_dst, bool ll);

#endif /* NETLINK_H */
