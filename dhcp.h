/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dhcp.h - DHCPv4 server for the guest, and DNS name encoding */
#ifndef DHCP_H
#define DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

struct ctx;
struct tap_l3;
struct pkt;
struct fqdn;

#define DHCP_MSG_MAX		1472	/* 1500 bytes, less IPv4 and UDP */

int dhcp(const struct ctx *c, const struct tap_l3 *l3);
ssize_t dhcp_reply_build(const struct ctx *c, const struct pkt *msg,
			 uint8_t *out, size_t size, struct in_addr *dst);
struct in_addr dhcp_server_addr(const struct ctx *c);

/**
 * struct dns_enc - State of a DNS wire format encoding in progress
 * @buf:	Output buffer
 * @len:	Bytes written so far
 * @size:	Size of @buf
 * @compress:	Use RFC 1035 compression pointers for repeated suffixes
 * @offs:	Offsets in @buf where literal labels start, for compression
 * @noffs:	Number of valid entries in @offs
 */
struct dns_enc {
	uint8_t *buf;
	size_t len;
	size_t size;
	bool compress;
	uint16_t offs[256];
	size_t noffs;
};

void dns_enc_init(struct dns_enc *e, uint8_t *buf, size_t size,
		  bool compress);
int dns_enc_name(struct dns_enc *e, const char *name);
size_t dns_enc_list(struct dns_enc *e, const struct fqdn *names, size_t n);

#endif /* DHCP_H */
