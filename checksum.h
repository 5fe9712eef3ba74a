/* SPDX-License-Identifier: GPL-2.0-or-later */
/* checksum.h - Internet checksums: IPv4 header, ICMP, ICMPv6, TCP, UDP */
#ifndef CHECKSUM_H
#define CHECKSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/uio.h>

#include "hdr.h"

/* Conventions (see checksum.c): 16-bit words are summed in memory order, and
 * checksums are stored into headers as returned, without htons(). Unfolded
 * sums come back folded to at most 0xffff, not complemented; csum_fold() and
 * csum() return the complemented checksum. csum_ip4_header() is for headers
 * as tap.c builds them: IHL 5, TOS 0, ID 0, DF, TTL 255.
 */

uint32_t sum_16b(const void *buf, size_t len);
uint16_t csum_fold(uint32_t sum);
uint32_t csum_unfolded(const void *buf, size_t len, uint32_t init);
uint16_t csum(const void *buf, size_t len, uint32_t init);
uint32_t csum_iov(const struct iovec *iov, size_t n, size_t offset,
		  uint32_t init);

uint16_t csum_ip4_header(uint16_t l3len, uint8_t protocol,
			 struct in_addr saddr, struct in_addr daddr);
uint32_t proto_ipv4_header_psum(uint16_t l4len, uint8_t protocol,
				struct in_addr saddr, struct in_addr daddr);
uint32_t proto_ipv6_header_psum(uint32_t l4len, uint8_t protocol,
				const struct in6_addr *saddr,
				const struct in6_addr *daddr);

void csum_udp4(udphdr_u *uh, struct in_addr saddr, struct in_addr daddr,
	       const struct iovec *iov, size_t n, size_t offset);
void csum_udp6(udphdr_u *uh, const struct in6_addr *saddr,
	       const struct in6_addr *daddr,
	       const struct iovec *iov, size_t n, size_t offset);
void csum_icmp4(icmphdr_u *ih, const void *payload, size_t len);
void csum_icmp6(icmp6_hdr_u *ih, const struct in6_addr *saddr,
		const struct in6_addr *daddr, const void *payload, size_t len);
bool csum_l4_ok(int af, uint8_t proto, const void *saddr, const void *daddr,
		const void *l4, size_t len);

#endif /* CHECKSUM_H */
