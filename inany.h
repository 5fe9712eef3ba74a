/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inany.h - One address type for IPv4 and IPv6 (IPv4 stored v4-mapped) */
#ifndef INANY_H
#define INANY_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

/**
 * union inany_addr - An IPv6 address, or an IPv4 address as ::ffff:a.b.c.d
 * @a6:		As IPv6
 * @v4mapped:	As IPv4-mapped IPv6 (@zero, @one, then the IPv4 address @a4)
 * @u32:	As four 32-bit words, for hashing and comparison
 */
union inany_addr {
	struct in6_addr a6;
	struct {
		uint8_t zero[10];
		uint8_t one[2];
		struct in_addr a4;
	} v4mapped;
	uint32_t u32[4];
};

/**
 * union sockaddr_inany - A sockaddr for either family
 * @sa:		Generic
 * @sa4:	IPv4
 * @sa6:	IPv6
 */
union sockaddr_inany {
	struct sockaddr sa;
	struct sockaddr_in sa4;
	struct sockaddr_in6 sa6;
};

#define INANY_ADDRSTRLEN	INET6_ADDRSTRLEN

extern const union inany_addr inany_any6;
extern const union inany_addr inany_any4;
extern const union inany_addr inany_loopback6;
extern const union inany_addr inany_loopback4;

/**
 * inany_v4() - The IPv4 address within an inany, if it is one
 * @a:		Address
 *
 * Return: pointer to the IPv4 address, or NULL if @a is not v4-mapped
 */
static inline struct in_addr *inany_v4(const union inany_addr *a)
{
	if (!IN6_IS_ADDR_V4MAPPED(&a->a6))
		return NULL;
	return (struct in_addr *)&a->v4mapped.a4;
}

/**
 * inany_af() - Address family of an inany
 * @a:		Address
 *
 * Return: AF_INET for v4-mapped addresses, AF_INET6 otherwise
 */
static inline int inany_af(const union inany_addr *a)
{
	return inany_v4(a) ? AF_INET : AF_INET6;
}

/**
 * inany_equals() - Compare two addresses
 * @a:		First
 * @b:		Second
 *
 * Return: true if equal
 */
static inline bool inany_equals(const union inany_addr *a,
				const union inany_addr *b)
{
	return IN6_ARE_ADDR_EQUAL(&a->a6, &b->a6);
}

/**
 * inany_from_v4() - Make an inany from an IPv4 address
 * @a:		Output
 * @v4:		IPv4 address
 */
static inline void inany_from_v4(union inany_addr *a, struct in_addr v4)
{
	memset(a->v4mapped.zero, 0, sizeof(a->v4mapped.zero));
	a->v4mapped.one[0] = a->v4mapped.one[1] = 0xff;
	a->v4mapped.a4 = v4;
}

/**
 * inany_from_af() - Make an inany from an address of either family
 * @a:		Output
 * @af:		AF_INET or AF_INET6
 * @addr:	struct in_addr or struct in6_addr
 */
static inline void inany_from_af(union inany_addr *a, int af, const void *addr)
{
	if (af == AF_INET)
		inany_from_v4(a, *(const struct in_addr *)addr);
	else
		a->a6 = *(const struct in6_addr *)addr;
}

/**
 * inany_is_unspecified() - Is the address 0.0.0.0 or ::?
 * @a:		Address
 *
 * Return: true if unspecified in either family
 */
static inline bool inany_is_unspecified(const union inany_addr *a)
{
	return inany_equals(a, &inany_any6) || inany_equals(a, &inany_any4);
}

/**
 * inany_is_loopback() - Is the address 127.0.0.0/8 or ::1?
 * @a:		Address
 *
 * Return: true if loopback
 */
static inline bool inany_is_loopback(const union inany_addr *a)
{
	const struct in_addr *v4 = inany_v4(a);

	if (v4)
		return (ntohl(v4->s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&a->a6);
}

/**
 * inany_is_multicast() - Is the address multicast (or IPv4 broadcast)?
 * @a:		Address
 *
 * Return: true if multicast or limited broadcast
 */
static inline bool inany_is_multicast(const union inany_addr *a)
{
	const struct in_addr *v4 = inany_v4(a);

	if (v4)
		return IN_MULTICAST(ntohl(v4->s_addr)) ||
		       v4->s_addr == INADDR_BROADCAST;
	return IN6_IS_ADDR_MULTICAST(&a->a6);
}

const char *inany_ntop(const union inany_addr *a, char *buf, size_t size);
int inany_pton(const char *s, union inany_addr *a);
socklen_t sockaddr_from_inany(union sockaddr_inany *sa,
			      const union inany_addr *a, in_port_t port,
			      unsigned int scope_id);
void inany_from_sockaddr(union inany_addr *a, in_port_t *port,
			 const union sockaddr_inany *sa);

#endif /* INANY_H */
