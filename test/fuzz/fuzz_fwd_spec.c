// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_fwd_spec.c - libFuzzer target: fwd_spec_parse(), fwd_spec_finish()
 *
 * Input: one byte of flags (bit 0: pasta, bit 1: outbound, i.e. -T/-U), then
 * up to 8 port specifications separated by NUL bytes, parsed one after the
 * other into one table, as repeated -t options are. After each, whatever the
 * result, the table must be consistent: every rule a valid range whose
 * target range doesn't wrap, marked in the port map with its delta, and the
 * error text, if any, terminated within its buffer.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fwd.h"
#include "util.h"

#define SPECS_MAX	8
#define ERR_LEN		64

static struct fwd_ports fwd;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_isolation_check("fuzz_fwd_spec");
	return 0;
}

/**
 * check_table() - Check the consistency of a forwarding table
 * @f:		Table
 * @excl_clean:	Exclusions must not be in the map (single specification)
 */
static void check_table(const struct fwd_ports *f, bool excl_clean)
{
	unsigned int i, p;

	if (f->count > FWD_RULES_MAX)
		fuzz_fail("%u rules, more than %u", f->count, FWD_RULES_MAX);

	for (i = 0; i < f->count; i++) {
		const struct fwd_rule *r = &f->rules[i];
		uint16_t delta = (uint16_t)(r->to - r->first);

		if (!r->first || r->first > r->last)
			fuzz_fail("rule %u: bad range %u-%u", i, r->first,
				  r->last);
		if (!r->to || (unsigned int)r->to + (r->last - r->first) >
			      65535)
			fuzz_fail("rule %u: %u-%u to %u: target range wraps",
				  i, r->first, r->last, r->to);
		if (strnlen(r->ifname, sizeof(r->ifname)) >=
		    sizeof(r->ifname))
			fuzz_fail("rule %u: interface name unterminated", i);
		for (p = r->first; p <= r->last; p++) {
			if (!bitmap_isset(f->map, p) || f->delta[p] != delta)
				fuzz_fail("rule %u: port %u not mapped as "
					  "the rule says", i, p);
		}
	}

	if (bitmap_isset(f->map, 0))
		fuzz_fail("port 0 in the map");

	if (!excl_clean)
		return;
	for (p = 0; p < NUM_PORTS; p++) {
		if (bitmap_isset(f->map, p) && bitmap_isset(f->excl, p))
			fuzz_fail("port %u both forwarded and excluded", p);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool pasta, outbound;
	char *buf, *s, *end;
	unsigned int n = 0;

	if (!size)
		return 0;
	pasta = data[0] & 1;
	outbound = data[0] & 2;

	buf = malloc(size);
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	end = buf + size - 1;

	memset(&fwd, 0, sizeof(fwd));
	for (s = buf; s <= end && n < SPECS_MAX; s += strlen(s) + 1, n++) {
		char *err = malloc(ERR_LEN);
		bool only = n == 0 && s + strlen(s) >= end;

		memset(err, 0, ERR_LEN);
		err[ERR_LEN - 1] = 'x';
		if (fwd_spec_parse(&fwd, s, pasta, outbound, err, ERR_LEN)) {
			if (strnlen(err, ERR_LEN) >= ERR_LEN)
				fuzz_fail("error text not terminated");
			if (!*err)
				fuzz_fail("failure without a reason: '%s'", s);
		}
		check_table(&fwd, only);
		free(err);
	}

	fwd_spec_finish(&fwd, pasta ? FWD_AUTO : FWD_NONE, true, true);
	check_table(&fwd, false);

	free(buf);
	return 0;
}
