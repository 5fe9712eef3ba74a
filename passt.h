/* SPDX-License-Identifier: GPL-2.0-or-later */
/* passt.h - Execution context and epoll references shared by all modules */
#ifndef PASST_H
#define PASST_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/types.h>
#include <sys/un.h>

#include "util.h"
#include "inany.h"
#include "fwd.h"

#define VERSION			"0.1"

#define UNIX_SOCK_MAX		100
#define UNIX_SOCK_PATH		"/tmp/passt_%i.socket"
#define UNIX_PATH_LEN		sizeof(((struct sockaddr_un *)0)->sun_path)

#define MAXNS			3	/* resolvers we remember, per family */
#define MAXDNSRCH		6	/* search domains */
#define DNSRCH_LEN		255
#define HOSTNAME_LEN		64
#define FQDN_LEN		255

#define EPOLL_EVENTS		64
#define TIMER_INTERVAL_MS	1000	/* periodic housekeeping */

/**
 * enum epoll_type - What an fd in the epoll set is
 */
enum epoll_type {
	EPOLL_TYPE_NONE = 0,
	EPOLL_TYPE_TAP_PASTA,		/* tap device fd (pasta) */
	EPOLL_TYPE_TAP_PASST,		/* connected stream socket (passt) */
	EPOLL_TYPE_TAP_LISTEN,		/* listening UNIX socket (passt) */
	EPOLL_TYPE_TIMER,		/* periodic timerfd */
	EPOLL_TYPE_FLOW_TIMER,		/* timerfd of the flow timer wheel */
	EPOLL_TYPE_NSQUIT_INOTIFY,	/* watch for the netns going away */
	EPOLL_TYPE_NSQUIT_TIMER,	/* fallback: poll the netns file */
	EPOLL_TYPE_SIGNAL,		/* signalfd: SIGTERM, SIGINT, SIGCHLD */
	EPOLL_TYPE_PING,		/* ICMP/ICMPv6 echo socket of a flow */
	EPOLL_TYPE_TCP,			/* connected TCP socket, tap side */
	EPOLL_TYPE_TCP_SPLICE,		/* connected TCP socket, spliced */
	EPOLL_TYPE_TCP_LISTEN,		/* listening TCP socket */
	EPOLL_TYPE_TCP_TIMER,		/* reserved for TCP timers */
	EPOLL_TYPE_UDP_LISTEN,		/* forwarded-port UDP socket */
	EPOLL_TYPE_UDP_REPLY,		/* per-flow connected UDP socket */
	EPOLL_NUM_TYPES,
};

#define FD_REF_BITS		24
#define FD_REF_MAX		((int)((1U << FD_REF_BITS) - 1))

/**
 * union epoll_ref - The 64-bit reference carried by each fd in epoll
 * @type:	enum epoll_type
 * @fd:		File descriptor (fits in FD_REF_BITS)
 * @flow:	Flow index and side: (index << 1) | side, for flow sockets
 * @data:	Type-specific value (port, pif and family for listeners...)
 * @u64:	As one integer, for epoll_event.data.u64
 */
union epoll_ref {
	struct {
		uint32_t type:8;
		int32_t fd:FD_REF_BITS;
		union {
			uint32_t flow;
			uint32_t data;
		};
	};
	uint64_t u64;
};

/**
 * struct ip4_ctx - IPv4 configuration and state
 * @addr:		Address assigned to the guest (-a)
 * @addr_seen:		Latest source address the guest used
 * @prefix_len:		Prefix length of @addr (-n)
 * @guest_gw:		Gateway as the guest sees it (-g)
 * @map_host_loopback:	Address the guest uses for the host's loopback
 * @map_guest_addr:	Address the guest uses for the host's own address
 * @dns:		DNS servers given to the guest (-D / resolv.conf)
 * @dns_match:		Address whose port 53 is forwarded (--dns-forward)
 * @dns_host:		Where such queries go (--dns-host)
 * @addr_out:		Source address for outbound sockets (-o)
 * @ifname_out:		Interface for outbound sockets (--outbound-if4)
 * @our_tap_addr:	Our own address as seen by the guest (ARP, ICMP)
 * @no_copy_addrs:	pasta --config-net: set only @addr, don't copy the
 *			host's addresses (set by -a)
 * @no_copy_routes:	pasta --config-net: set only a default route via
 *			@guest_gw, don't copy the host's routes (set by -g)
 */
struct ip4_ctx {
	struct in_addr addr;
	struct in_addr addr_seen;
	int prefix_len;
	struct in_addr guest_gw;
	struct in_addr map_host_loopback;
	struct in_addr map_guest_addr;
	struct in_addr dns[MAXNS + 1];
	struct in_addr dns_match;
	struct in_addr dns_host;
	struct in_addr addr_out;
	char ifname_out[IFNAMSIZ];
	struct in_addr our_tap_addr;
	bool no_copy_addrs;
	bool no_copy_routes;
};

/**
 * struct ip6_ctx - IPv6 configuration and state
 * @addr:		Address assigned to the guest (-a)
 * @addr_seen:		Latest global source address the guest used
 * @addr_ll_seen:	Latest link-local source address the guest used
 * @prefix_len:		Prefix length of @addr (64 unless given)
 * @guest_gw:		Gateway as the guest sees it (-g)
 * @map_host_loopback:	Address the guest uses for the host's loopback
 * @map_guest_addr:	Address the guest uses for the host's own address
 * @dns:		DNS servers given to the guest
 * @dns_match:		Address whose port 53 is forwarded (--dns-forward)
 * @dns_host:		Where such queries go (--dns-host)
 * @addr_out:		Source address for outbound sockets (-o)
 * @ifname_out:		Interface for outbound sockets (--outbound-if6)
 * @our_tap_ll:		Our link-local address on the tap side (NDP, RA)
 * @no_copy_addrs:	pasta --config-net: set only @addr, don't copy the
 *			host's addresses (set by -a)
 * @no_copy_routes:	pasta --config-net: set only a default route via
 *			@guest_gw, don't copy the host's routes (set by -g)
 */
struct ip6_ctx {
	struct in6_addr addr;
	struct in6_addr addr_seen;
	struct in6_addr addr_ll_seen;
	int prefix_len;
	struct in6_addr guest_gw;
	struct in6_addr map_host_loopback;
	struct in6_addr map_guest_addr;
	struct in6_addr dns[MAXNS + 1];
	struct in6_addr dns_match;
	struct in6_addr dns_host;
	struct in6_addr addr_out;
	char ifname_out[IFNAMSIZ];
	struct in6_addr our_tap_ll;
	bool no_copy_addrs;
	bool no_copy_routes;
};

/**
 * struct fqdn - A domain name, as text
 * @n:		Name, NUL-terminated
 */
struct fqdn {
	char n[DNSRCH_LEN + 1];
};

enum passt_modes {
	MODE_PASST,
	MODE_PASTA,
};

/**
 * struct ctx - Execution context: configuration and global state
 * @mode:		MODE_PASST or MODE_PASTA
 * @name:		"passt" or "pasta", as invoked (for messages)
 * @debug:		-d given
 * @trace:		--trace given
 * @quiet:		-q given
 * @foreground:		-f given (or implied)
 * @log_stderr:		Logging goes to stderr (foreground or -e)
 * @log_file:		--log-file path, empty if none
 * @log_size:		--log-size in bytes
 * @pcap:		--pcap path, empty if none
 * @pidfile:		--pid path, empty if none
 * @pidfile_fd:		Open PID file, -1 if none
 * @pidfile_dir:	Directory of the PID file (O_PATH), to remove it
 *			from the sandbox, -1 if none
 * @uid:		--runas user (or current)
 * @gid:		--runas group (or current)
 * @runas_given:	--runas was given
 * @sock_path:		UNIX socket path (passt)
 * @sock_dir:		Directory of @sock_path (O_PATH), -1 if none
 * @fd_tap_listen:	Listening UNIX socket (passt), -1 if none
 * @fd_tap:		Connected stream socket (passt) or tap fd (pasta)
 * @fd_given:		--fd value, -1 if not given
 * @one_off:		-1/--one-off: quit when the guest disconnects
 * @epollfd:		The epoll instance
 * @our_tap_mac:	Our own MAC address on the tap side
 * @guest_mac:		Guest's MAC, learned from frames (or -M)
 * @mtu:		MTU advertised to the guest (-m), 0 for none
 * @pasta_ifn:		Name of the tap device in the namespace (-I)
 * @pasta_ifi:		Index of that tap device
 * @netns_path:		--netns path, or the one built from a PID/name
 * @userns_path:	--userns path
 * @netns_only:		--netns-only
 * @no_netns_quit:	--no-netns-quit
 * @pasta_conf_ns:	--config-net
 * @pasta_netns_fd:	Target network namespace fd (pasta), -1 if none
 * @pasta_userns_fd:	Target user namespace fd (pasta), -1 if none
 * @sandbox_userns:	We moved into a user namespace for the sandbox
 * @pasta_child_pid:	PID of the command spawned in the namespace, 0 if none
 * @ns_mac_given:	--ns-mac-addr given
 * @ifi4:		Upstream interface index for IPv4, 0 if none
 * @ifi6:		Upstream interface index for IPv6, 0 if none
 * @ip4:		IPv4 configuration
 * @ip6:		IPv6 configuration
 * @dns_search:		Search domains (-S / resolv.conf)
 * @hostname:		Hostname given to the guest (-H), empty if none
 * @fqdn:		FQDN given to the guest (--fqdn), empty if none
 * @tcp_in:		-t: TCP forwarding towards the guest
 * @tcp_out:		-T: TCP forwarding from the namespace (pasta)
 * @udp_in:		-u: UDP forwarding towards the guest
 * @udp_out:		-U: UDP forwarding from the namespace (pasta)
 * @no_tcp:		--no-tcp
 * @no_udp:		--no-udp
 * @no_icmp:		--no-icmp
 * @no_dhcp:		--no-dhcp
 * @no_dhcpv6:		--no-dhcpv6
 * @no_ndp:		--no-ndp
 * @no_ra:		--no-ra
 * @no_splice:		--no-splice (pasta)
 * @no_dhcp_dns:	--no-dhcp-dns
 * @no_dhcp_dns_search:	--no-dhcp-search
 * @no_map_gw:		--no-map-gw
 * @host_lo_to_ns_lo:	--host-lo-to-ns-lo (pasta)
 * @ifi4_given:		IPv4 enabled (not -6)
 * @ifi6_given:		IPv6 enabled (not -4)
 * @v4:			IPv4 is in use
 * @v6:			IPv6 is in use
 * @freebind:		--freebind
 * @no_copy_routes:	--no-copy-routes (deprecated, no-op)
 * @no_copy_addrs:	--no-copy-addrs (deprecated, no-op)
 * @print_capabilities:	--print-capabilities
 * @no_dns:		-D none: no DNS servers at all, resolv.conf not read
 * @no_dns_search:	-S none: no search domains, resolv.conf not read
 * @tmpl_ifname:	-i: host interface for addresses and routes, or empty
 * @pasta_argv:		Command to run in the namespace (pasta), NULL if none
 * @pasta_argc:		Number of words in @pasta_argv
 * @child_exited:	pasta: the spawned command exited, quit once its
 *			connections are done (see linger_check() in passt.c)
 * @quit:		Set when the main loop must end
 * @exit_status:	Exit status once @quit is set
 * @now:		Time of the current wake-up (CLOCK_MONOTONIC)
 */
struct ctx {
	enum passt_modes mode;
	const char *name;
	int debug;
	int trace;
	int quiet;
	int foreground;
	int log_stderr;
	char log_file[PATH_MAX];
	size_t log_size;
	char pcap[PATH_MAX];
	char pidfile[PATH_MAX];
	int pidfile_fd;
	int pidfile_dir;
	uid_t uid;
	gid_t gid;
	bool runas_given;

	char sock_path[UNIX_PATH_LEN];
	int sock_dir;
	int fd_tap_listen;
	int fd_tap;
	int fd_given;
	int one_off;
	int epollfd;

	unsigned char our_tap_mac[MAC_ADDR_LEN];
	unsigned char guest_mac[MAC_ADDR_LEN];
	int mtu;

	char pasta_ifn[IFNAMSIZ];
	unsigned int pasta_ifi;
	char netns_path[PATH_MAX];
	char userns_path[PATH_MAX];
	int netns_only;
	int no_netns_quit;
	int pasta_conf_ns;
	int pasta_netns_fd;
	int pasta_userns_fd;
	bool sandbox_userns;
	pid_t pasta_child_pid;
	bool ns_mac_given;

	unsigned int ifi4;
	unsigned int ifi6;
	struct ip4_ctx ip4;
	struct ip6_ctx ip6;

	struct fqdn dns_search[MAXDNSRCH];
	char hostname[HOSTNAME_LEN];
	char fqdn[FQDN_LEN];

	struct fwd_ports tcp_in;
	struct fwd_ports tcp_out;
	struct fwd_ports udp_in;
	struct fwd_ports udp_out;

	int no_tcp;
	int no_udp;
	int no_icmp;
	int no_dhcp;
	int no_dhcpv6;
	int no_ndp;
	int no_ra;
	int no_splice;
	int no_dhcp_dns;
	int no_dhcp_dns_search;
	int no_map_gw;
	int host_lo_to_ns_lo;
	int freebind;
	int print_capabilities;
	bool no_dns;
	bool no_dns_search;
	char tmpl_ifname[IFNAMSIZ];

	bool v4;
	bool v6;

	char **pasta_argv;
	int pasta_argc;

	bool child_exited;
	bool quit;
	int exit_status;
	struct timespec now;
};

void epoll_add(const struct ctx *c, uint32_t events, union epoll_ref ref);
void epoll_mod(const struct ctx *c, uint32_t events, union epoll_ref ref);
void epoll_del(const struct ctx *c, int fd);

#endif /* PASST_H */
