/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tap.h - The guest side: frames in and out of the tap device or socket */
#ifndef TAP_H
#define TAP_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <net/ethernet.h>
#include <sys/uio.h>

#include "inany.h"
#include "packet.h"
#include "passt.h"

union epoll_ref;

#define TAP_QUEUE_LEN	4096	/* pasta: frames the tap device queues for us */

/**
 * struct tap_hdr - What precedes each frame on the tap link
 * @vnet_len:	Frame length, big-endian (passt's stream only)
 *
 * In pasta mode the header has no bytes: see tap_hdr_len().
 */
struct tap_hdr {
	uint32_t vnet_len;
} __attribute__((packed));

/**
 * struct tap_l3 - Layer 3 view of a frame from the guest, after validation
 * @af:		AF_INET or AF_INET6
 * @proto:	Layer 4 protocol
 * @saddr:	Source address
 * @daddr:	Destination address
 * @l3:		IP header onwards (IPv4 header, or IPv6 header and extensions)
 * @l4:		Layer 4 header and payload, trimmed to the IP payload length
 * @eth:	Whole frame from the Ethernet header, trimmed likewise
 */
struct tap_l3 {
	int af;
	uint8_t proto;
	union inany_addr saddr;
	union inany_addr daddr;
	struct pkt l3;
	struct pkt l4;
	struct pkt eth;
};

/**
 * tap_hdr_len() - Length of the header in front of each frame
 * @c:		Execution context
 *
 * Return: 4 for passt's length-prefixed stream, 0 for pasta's tap device
 */
static inline size_t tap_hdr_len(const struct ctx *c)
{
	return c->mode == MODE_PASST ? sizeof(struct tap_hdr) : 0;
}

/**
 * tap_mtu() - Largest IP packet the guest takes
 * @c:		Execution context
 *
 * Return: the MTU we advertise (and set on pasta's tap device), or the
 *	   Ethernet default if we advertise none
 */
static inline size_t tap_mtu(const struct ctx *c)
{
	return c->mtu > 0 ? (size_t)c->mtu : ETH_DATA_LEN;
}

void tap_hdr_iov(const struct ctx *c, struct tap_hdr *th, struct iovec *iov,
		 size_t l2len);
void *tap_push_l2h(const struct ctx *c, void *buf, uint16_t proto);
void *tap_push_ip4h(void *buf, struct in_addr src, struct in_addr dst,
		    size_t l4len, uint8_t proto);
void *tap_push_ip6h(void *buf, const struct in6_addr *src,
		    const struct in6_addr *dst, size_t l4len, uint8_t proto,
		    uint32_t flow);
void tap_icmp4_send(const struct ctx *c, struct in_addr src,
		    struct in_addr dst, const void *in, size_t l4len);
void tap_icmp6_send(const struct ctx *c, const struct in6_addr *src,
		    const struct in6_addr *dst, const void *in, size_t l4len);
void tap_udp4_send(const struct ctx *c, struct in_addr src, uint16_t sport,
		   struct in_addr dst, uint16_t dport,
		   const void *in, size_t dlen);
void tap_udp6_send(const struct ctx *c, const struct in6_addr *src,
		   uint16_t sport, const struct in6_addr *dst, uint16_t dport,
		   uint32_t flow, const void *in, size_t dlen);
size_t tap_send_single(const struct ctx *c, const void *data, size_t l2len);
size_t tap_send_frames(const struct ctx *c, const struct iovec *iov,
		       size_t bufs_per_frame, size_t nframes);
const struct in6_addr *tap_ip6_daddr(const struct ctx *c,
				     const struct in6_addr *src);
struct in_addr tap_ip4_daddr(const struct ctx *c);

void tap_sock_init(struct ctx *c);
void tap_listen_handler(struct ctx *c, uint32_t events);
void tap_handler_passt(struct ctx *c, uint32_t events,
		       const struct timespec *now);
void tap_handler_pasta(struct ctx *c, uint32_t events,
		       const struct timespec *now);
void tap_stats_log(void);
void tap_input_pasta(struct ctx *c, const uint8_t *data, size_t len,
		     const struct timespec *now);
int tap_input(struct ctx *c, const uint8_t *data, size_t len,
	      const struct timespec *now);

#endif /* TAP_H */
