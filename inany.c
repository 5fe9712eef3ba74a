// SPDX-License-Identifier: GPL-2.0-or-later
/* inany.c - One address type for IPv4 and IPv6 (IPv4 stored v4-mapped) */

#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "inany.h"

const union inany_addr inany_any6 = { .a6 = IN6ADDR_ANY_INIT };

const union inany_addr inany_any4 = {
	.a6 = { .s6_addr = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
			     0, 0, 0, 0 } },
};

const union inany_addr inany_loopback6 = { .a6 = IN6ADDR_LOOPBACK_INIT };

const union inany_addr inany_loopback4 = {
	.a6 = { .s6_addr = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
			     127, 0, 0, 1 } },
};

/**
 * inany_ntop() - Text form of an address
 * @a:		Address
 * @buf:	Output buffer, INANY_ADDRSTRLEN bytes are always enough
 * @size:	Size of @buf
 *
 * Return: @buf, with IPv4 addresses as dotted quads (not ::ffff:a.b.c.d),
 *	   or NULL if @buf is too small
 */
const char *inany_ntop(const union inany_addr *a, char *buf, size_t size)
{
	const struct in_addr *v4 = inany_v4(a);

	if (v4)
		return inet_ntop(AF_INET, v4, buf, size);

	return inet_ntop(AF_INET6, &a->a6, buf, size);
}

/**
 * inany_pton() - Parse an address of either family
 * @s:		Text: dotted quad IPv4 or any IPv6 form
 * @a:		Output, IPv4 stored v4-mapped
 *
 * Return: 1 on success, 0 if @s is not a valid address (@a is then unchanged)
 */
int inany_pton(const char *s, union inany_addr *a)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		inany_from_v4(a, a4);
		return 1;
	}

	if (inet_pton(AF_INET6, s, &a6) == 1) {
		a->a6 = a6;
		return 1;
	}

	return 0;
}

/**
 * sockaddr_from_inany() - Build a socket address from an inany and a port
 * @sa:		Output socket address
 * @a:		Address
 * @port:	Port, host order
 * @scope_id:	Interface index for IPv6 link-local addresses, ignored for IPv4
 *
 * Return: length of the socket address: sizeof(struct sockaddr_in) for
 *	   v4-mapped addresses, sizeof(struct sockaddr_in6) otherwise
 */
socklen_t sockaddr_from_inany(union sockaddr_inany *sa,
			      const union inany_addr *a, in_port_t port,
			      unsigned int scope_id)
{
	const struct in_addr *v4 = inany_v4(a);

	if (v4) {
		memset(&sa->sa4, 0, sizeof(sa->sa4));
		sa->sa4.sin_family = AF_INET;
		sa->sa4.sin_addr = *v4;
		sa->sa4.sin_port = htons(port);
		return sizeof(sa->sa4);
	}

	memset(&sa->sa6, 0, sizeof(sa->sa6));
	sa->sa6.sin6_family = AF_INET6;
	sa->sa6.sin6_addr = a->a6;
	sa->sa6.sin6_port = htons(port);
	sa->sa6.sin6_scope_id = scope_id;
	return sizeof(sa->sa6);
}

/**
 * inany_from_sockaddr() - Address and port of a socket address
 * @a:		Output address (:: if the family is neither AF_INET nor
 *		AF_INET6)
 * @port:	Output port, host order (0 for other families), may be NULL
 * @sa:		Socket address
 *
 * An AF_INET6 socket address holding a v4-mapped address gives that same
 * v4-mapped address, which inany treats as IPv4.
 */
void inany_from_sockaddr(union inany_addr *a, in_port_t *port,
			 const union sockaddr_inany *sa)
{
	in_port_t p = 0;

	if (sa->sa.sa_family == AF_INET) {
		inany_from_v4(a, sa->sa4.sin_addr);
		p = ntohs(sa->sa4.sin_port);
	} else if (sa->sa.sa_family == AF_INET6) {
		a->a6 = sa->sa6.sin6_addr;
		p = ntohs(sa->sa6.sin6_port);
	} else {
		*a = inany_any6;
	}

	if (port)
		*port = p;
}
