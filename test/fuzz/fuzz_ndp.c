// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_ndp.c - libFuzzer target: ndp_reply_build()
 *
 * Input: one byte of configuration flags (see fuzz_ctx_services()), then an
 * IPv6 packet from the guest: the fixed header, then ICMPv6. It is presented
 * as tap.c does (struct tap_l3: addresses from the header, Layer 4 trimmed
 * to the payload length), from a copy placed behind a 14-byte "Ethernet
 * header" in an allocation that ends exactly where the packet does. The
 * reply goes to an allocation of exactly NDP_MSG_MAX bytes, what ndp() uses.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip6.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "passt.h"
#include "ndp.h"
#include "packet.h"
#include "tap.h"

static struct ctx ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_isolation_check("fuzz_ndp");
	fuzz_log_init("fuzz_ndp");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in6_addr src = IN6ADDR_ANY_INIT, dst = IN6ADDR_ANY_INIT;
	uint8_t *out, *mem;
	struct ip6_hdr ih;
	struct tap_l3 l3;
	size_t len, plen;
	ssize_t n;

	if (size < 1 + sizeof(ih))
		return 0;
	fuzz_ctx_services(&ctx, data[0]);
	data++;
	len = size - 1;

	memcpy(&ih, data, sizeof(ih));

	/* As tap_parse_ip6() does: trimmed to the payload length */
	plen = ntohs(ih.ip6_plen);
	if (plen > len - sizeof(ih))
		plen = len - sizeof(ih);

	mem = malloc(14 + sizeof(ih) + plen);
	memset(mem, 0, 14);
	memcpy(mem + 14, data, sizeof(ih) + plen);

	memset(&l3, 0, sizeof(l3));
	l3.af = AF_INET6;
	l3.proto = IPPROTO_ICMPV6;
	l3.saddr.a6 = ih.ip6_src;
	l3.daddr.a6 = ih.ip6_dst;
	l3.eth.data = mem;
	l3.eth.len = 14 + sizeof(ih) + plen;
	l3.l3.data = mem + 14;
	l3.l3.len = sizeof(ih) + plen;
	l3.l4.data = mem + 14 + sizeof(ih);
	l3.l4.len = plen;

	out = malloc(NDP_MSG_MAX);
	n = ndp_reply_build(&ctx, &l3, out, NDP_MSG_MAX, &src, &dst);
	if (n > NDP_MSG_MAX)
		fuzz_fail("ndp_reply_build() returned %zd > %d", n,
			  NDP_MSG_MAX);
	free(out);
	free(mem);
	return 0;
}
