// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_dhcpv6.c - libFuzzer target: dhcpv6_reply_build()
 *
 * Input: one byte of configuration flags (see fuzz_ctx_services()), then a
 * DHCPv6 message as the UDP payload from the guest. The reply goes to an
 * allocation of exactly DHCPV6_MSG_MAX bytes, what dhcpv6() uses.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "passt.h"
#include "dhcpv6.h"
#include "packet.h"

static struct ctx ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_isolation_check("fuzz_dhcpv6");
	fuzz_log_init("fuzz_dhcpv6");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *out;
	struct pkt msg;
	ssize_t n;

	if (!size)
		return 0;
	out = malloc(DHCPV6_MSG_MAX);
	fuzz_ctx_services(&ctx, data[0]);
	msg.data = data + 1;
	msg.len = size - 1;

	n = dhcpv6_reply_build(&ctx, &msg, out, DHCPV6_MSG_MAX);
	if (n > DHCPV6_MSG_MAX)
		fuzz_fail("dhcpv6_reply_build() returned %zd > %d", n,
			  DHCPV6_MSG_MAX);
	free(out);
	return 0;
}
