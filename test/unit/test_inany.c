// SPDX-License-Identifier: GPL-2.0-or-later
/* test_inany.c - Addresses of either family in one type */

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "inany.h"
#include "test/unit/unit.h"

/**
 * roundtrip() - Parse an address and print it back
 * @in:		Text to parse
 * @out:	Expected text form
 * @af:		Expected family
 */
static void roundtrip(const char *in, const char *out, int af)
{
	char buf[INANY_ADDRSTRLEN];
	union inany_addr a;

	memset(&a, 0x55, sizeof(a));
	CHECK_EQ(inany_pton(in, &a), 1);
	CHECK_EQ(inany_af(&a), af);
	CHECK(inany_ntop(&a, buf, sizeof(buf)) == buf);
	if (strcmp(buf, out))
		fprintf(stderr, "%s printed as %s, not %s\n", in, buf, out);
	CHECK(!strcmp(buf, out));
}

/**
 * test_text() - pton / ntop
 */
static void test_text(void)
{
	static const char *bad[] = {
		"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", " ::1",
		"::g", "1::2::3", "fe80::1%eth0", "localhost", "01.2.3.4x",
	};
	union inany_addr a = inany_loopback6, b;
	char small[8];
	size_t i;

	roundtrip("203.0.113.1", "203.0.113.1", AF_INET);
	roundtrip("0.0.0.0", "0.0.0.0", AF_INET);
	roundtrip("255.255.255.255", "255.255.255.255", AF_INET);
	roundtrip("::ffff:10.0.0.1", "10.0.0.1", AF_INET);
	roundtrip("2001:DB8::1", "2001:db8::1", AF_INET6);
	roundtrip("::", "::", AF_INET6);
	roundtrip("::1", "::1", AF_INET6);
	roundtrip("fe80::1:2:3:4", "fe80::1:2:3:4", AF_INET6);
	roundtrip("ff02::1", "ff02::1", AF_INET6);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = a;
		CHECK_EQ(inany_pton(bad[i], &b), 0);
		CHECK(inany_equals(&a, &b));	/* unchanged */
	}

	/* Too small a buffer */
	CHECK(inany_pton("2001:db8::1", &a) == 1);
	CHECK(inany_ntop(&a, small, sizeof(small)) == NULL);

	/* IPv4 storage is v4-mapped */
	CHECK(inany_pton("198.51.100.7", &a) == 1);
	CHECK(IN6_IS_ADDR_V4MAPPED(&a.a6));
	CHECK(inany_v4(&a) && inany_v4(&a)->s_addr == htonl(0xc6336407));
	CHECK(inany_pton("2001:db8::7", &a) == 1);
	CHECK(inany_v4(&a) == NULL);
}

/**
 * test_constants() - The predefined addresses and the predicates
 */
static void test_constants(void)
{
	union inany_addr a;
	char buf[INANY_ADDRSTRLEN];

	CHECK(!strcmp(inany_ntop(&inany_any6, buf, sizeof(buf)), "::"));
	CHECK(!strcmp(inany_ntop(&inany_any4, buf, sizeof(buf)), "0.0.0.0"));
	CHECK(!strcmp(inany_ntop(&inany_loopback6, buf, sizeof(buf)),
		      "::1"));
	CHECK(!strcmp(inany_ntop(&inany_loopback4, buf, sizeof(buf)),
		      "127.0.0.1"));
	CHECK_EQ(inany_af(&inany_any4), AF_INET);
	CHECK_EQ(inany_af(&inany_loopback4), AF_INET);
	CHECK_EQ(inany_af(&inany_any6), AF_INET6);
	CHECK_EQ(inany_af(&inany_loopback6), AF_INET6);

	CHECK(inany_is_unspecified(&inany_any4));
	CHECK(inany_is_unspecified(&inany_any6));
	CHECK(!inany_is_unspecified(&inany_loopback4));
	CHECK(!inany_is_unspecified(&inany_loopback6));

	CHECK(inany_is_loopback(&inany_loopback4));
	CHECK(inany_is_loopback(&inany_loopback6));
	CHECK(!inany_is_loopback(&inany_any4));
	CHECK(!inany_is_loopback(&inany_any6));
	CHECK(inany_pton("127.255.0.9", &a) == 1 && inany_is_loopback(&a));
	CHECK(inany_pton("128.0.0.1", &a) == 1 && !inany_is_loopback(&a));
	CHECK(inany_pton("::2", &a) == 1 && !inany_is_loopback(&a));

	CHECK(inany_pton("224.0.0.1", &a) == 1 && inany_is_multicast(&a));
	CHECK(inany_pton("239.255.255.250", &a) == 1 &&
	      inany_is_multicast(&a));
	CHECK(inany_pton("255.255.255.255", &a) == 1 &&
	      inany_is_multicast(&a));
	CHECK(inany_pton("223.255.255.255", &a) == 1 &&
	      !inany_is_multicast(&a));
	CHECK(inany_pton("ff02::fb", &a) == 1 && inany_is_multicast(&a));
	CHECK(inany_pton("fe80::fb", &a) == 1 && !inany_is_multicast(&a));

	/* from_v4 and from_af agree with parsing */
	{
		union inany_addr b, c;
		struct in_addr v4 = { htonl(0x0a000001) };
		struct in6_addr v6;

		inany_from_v4(&b, v4);
		CHECK(inany_pton("10.0.0.1", &c) == 1 && inany_equals(&b, &c));
		memset(&b, 0x33, sizeof(b));
		inany_from_af(&b, AF_INET, &v4);
		CHECK(inany_equals(&b, &c));
		inet_pton(AF_INET6, "2001:db8::5", &v6);
		inany_from_af(&b, AF_INET6, &v6);
		CHECK(inany_pton("2001:db8::5", &c) == 1 &&
		      inany_equals(&b, &c));
	}
}

/**
 * test_sockaddr() - Conversions to and from socket addresses
 */
static void test_sockaddr(void)
{
	union sockaddr_inany sa;
	union inany_addr a, b;
	in_port_t port;
	socklen_t sl;

	/* IPv4 */
	CHECK(inany_pton("203.0.113.33", &a) == 1);
	memset(&sa, 0x77, sizeof(sa));
	sl = sockaddr_from_inany(&sa, &a, 8080, 5);
	CHECK_EQ(sl, sizeof(struct sockaddr_in));
	CHECK_EQ(sa.sa4.sin_family, AF_INET);
	CHECK_EQ(sa.sa4.sin_port, htons(8080));
	CHECK_EQ(sa.sa4.sin_addr.s_addr, htonl(0xcb007121));
	CHECK(!memcmp(sa.sa4.sin_zero, "\0\0\0\0\0\0\0\0", 8));

	inany_from_sockaddr(&b, &port, &sa);
	CHECK(inany_equals(&a, &b));
	CHECK_EQ(port, 8080);

	/* IPv6, with scope */
	CHECK(inany_pton("fe80::1", &a) == 1);
	memset(&sa, 0x77, sizeof(sa));
	sl = sockaddr_from_inany(&sa, &a, 53, 7);
	CHECK_EQ(sl, sizeof(struct sockaddr_in6));
	CHECK_EQ(sa.sa6.sin6_family, AF_INET6);
	CHECK_EQ(sa.sa6.sin6_port, htons(53));
	CHECK_EQ(sa.sa6.sin6_scope_id, 7);
	CHECK_EQ(sa.sa6.sin6_flowinfo, 0);
	CHECK(IN6_ARE_ADDR_EQUAL(&sa.sa6.sin6_addr, &a.a6));

	inany_from_sockaddr(&b, &port, &sa);
	CHECK(inany_equals(&a, &b));
	CHECK_EQ(port, 53);

	/* A v4-mapped AF_INET6 socket address is IPv4 to us */
	memset(&sa, 0, sizeof(sa));
	sa.sa6.sin6_family = AF_INET6;
	sa.sa6.sin6_port = htons(65535);
	inet_pton(AF_INET6, "::ffff:203.0.113.9", &sa.sa6.sin6_addr);
	inany_from_sockaddr(&b, NULL, &sa);
	CHECK_EQ(inany_af(&b), AF_INET);
	inany_from_sockaddr(&b, &port, &sa);
	CHECK_EQ(port, 65535);
	CHECK_EQ(sockaddr_from_inany(&sa, &b, 1, 0),
		 sizeof(struct sockaddr_in));
	CHECK_EQ(sa.sa4.sin_addr.s_addr, htonl(0xcb007109));

	/* Unknown family */
	memset(&sa, 0, sizeof(sa));
	sa.sa.sa_family = AF_UNIX;
	port = 1;
	inany_from_sockaddr(&b, &port, &sa);
	CHECK(inany_equals(&b, &inany_any6));
	CHECK_EQ(port, 0);
}

int main(void)
{
	test_text();
	test_constants();
	test_sockaddr();

	return unit_done("test_inany");
}
