// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_dhcp.c - libFuzzer target: dhcp_reply_build()
 *
 * Input: one byte of configuration flags (see fuzz_ctx_services()), then a
 * DHCP message as the UDP payload from the guest. The message is in its own
 * allocation of exactly its size (libFuzzer's), the reply goes to one of
 * exactly DHCP_MSG_MAX bytes, what dhcp() uses: any access beyond either is
 * an AddressSanitizer report.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "passt.h"
#include "dhcp.h"
#include "packet.h"

static struct ctx ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_isolation_check("fuzz_dhcp");
	fuzz_log_init("fuzz_dhcp");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *out;
	struct in_addr dst = { 0 };
	struct pkt msg;
	ssize_t n;

	if (!size)
		return 0;
	out = malloc(DHCP_MSG_MAX);
	fuzz_ctx_services(&ctx, data[0]);
	msg.data = data + 1;
	msg.len = size - 1;

	n = dhcp_reply_build(&ctx, &msg, out, DHCP_MSG_MAX, &dst);
	if (n > DHCP_MSG_MAX)
		fuzz_fail("dhcp_reply_build() returned %zd > %d", n,
			  DHCP_MSG_MAX);
	free(out);
	return 0;
}
