// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_conf.c - libFuzzer target: conf_parse(), the command line parser
 *
 * Input: one byte of flags (bit 0: pasta, else passt), then the arguments
 * after argv[0], separated by NUL bytes (at most ARGS_MAX).
 *
 * conf_parse() ends with exit() on any error (and for --help, --version,
 * --print-capabilities): exit() is wrapped (see fuzz_common.c) and comes
 * back here through longjmp(). Its output goes to /dev/null unless
 * FUZZ_VERBOSE is set. After a parse that returned, every string of the
 * context must be terminated within its array, and the forwarding tables
 * consistent.
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "passt.h"
#include "conf.h"

#define ARGS_MAX	64

extern int opterr;

static struct ctx ctx;
static int devnull = -1, saved_out = -1, saved_err = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_isolation_check("fuzz_conf");
	if (!getenv("FUZZ_VERBOSE")) {
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
		saved_out = dup(STDOUT_FILENO);
		saved_err = dup(STDERR_FILENO);
	}
	return 0;
}

/**
 * quiet() - Send stdout and stderr to /dev/null, or back
 * @on:		true to silence
 */
static void quiet(bool on)
{
	if (devnull < 0)
		return;
	fflush(stdout);
	fflush(stderr);
	dup2(on ? devnull : saved_out, STDOUT_FILENO);
	dup2(on ? devnull : saved_err, STDERR_FILENO);
}

/**
 * terminated() - Fail unless a char array holds a terminated string
 * @what:	Name, for the message
 * @s:		Array
 * @size:	Its size
 */
static void terminated(const char *what, const char *s, size_t size)
{
	if (strnlen(s, size) >= size)
		fuzz_fail("ctx.%s is not terminated", what);
}

/**
 * check_fwd() - Rules of a forwarding table are valid ranges, mapped
 * @what:	Name, for the message
 * @f:		Table
 */
static void check_fwd(const char *what, const struct fwd_ports *f)
{
	unsigned int i, p;

	if (f->count > FWD_RULES_MAX)
		fuzz_fail("%s: %u rules", what, f->count);
	for (i = 0; i < f->count; i++) {
		const struct fwd_rule *r = &f->rules[i];

		if (!r->first || r->first > r->last || !r->to ||
		    (unsigned int)r->to + (r->last - r->first) > 65535)
			fuzz_fail("%s: rule %u: %u-%u to %u", what, i,
				  r->first, r->last, r->to);
		for (p = r->first; p <= r->last; p++) {
			if (!bitmap_isset(f->map, p))
				fuzz_fail("%s: rule %u: port %u not mapped",
					  what, i, p);
		}
	}
}

/**
 * check_ctx() - Invariants of a context after a successful parse
 * @c:		Context
 */
static void check_ctx(const struct ctx *c)
{
	unsigned int i;

	terminated("log_file", c->log_file, sizeof(c->log_file));
	terminated("pcap", c->pcap, sizeof(c->pcap));
	terminated("pidfile", c->pidfile, sizeof(c->pidfile));
	terminated("sock_path", c->sock_path, sizeof(c->sock_path));
	terminated("pasta_ifn", c->pasta_ifn, sizeof(c->pasta_ifn));
	terminated("netns_path", c->netns_path, sizeof(c->netns_path));
	terminated("userns_path", c->userns_path, sizeof(c->userns_path));
	terminated("hostname", c->hostname, sizeof(c->hostname));
	terminated("fqdn", c->fqdn, sizeof(c->fqdn));
	terminated("tmpl_ifname", c->tmpl_ifname, sizeof(c->tmpl_ifname));
	terminated("ip4.ifname_out", c->ip4.ifname_out,
		   sizeof(c->ip4.ifname_out));
	terminated("ip6.ifname_out", c->ip6.ifname_out,
		   sizeof(c->ip6.ifname_out));
	for (i = 0; i < MAXDNSRCH; i++)
		terminated("dns_search[]", c->dns_search[i].n,
			   sizeof(c->dns_search[i].n));
	if (*c->dns_search[MAXDNSRCH - 1].n)
		fuzz_fail("ctx.dns_search: no terminating empty entry");
	if (c->ip4.dns[MAXNS].s_addr ||
	    !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns[MAXNS]))
		fuzz_fail("ctx.ip4/ip6.dns: no terminating empty entry");

	check_fwd("tcp_in", &c->tcp_in);
	check_fwd("udp_in", &c->udp_in);
	check_fwd("tcp_out", &c->tcp_out);
	check_fwd("udp_out", &c->udp_out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *argv[ARGS_MAX + 1];
	volatile bool parsed = false;
	jmp_buf j;
	char *buf, *s, *end;
	int argc = 0;

	if (!size)
		return 0;

	memset(&ctx, 0, sizeof(ctx));
	ctx.mode = (data[0] & 1) ? MODE_PASTA : MODE_PASST;
	ctx.name = ctx.mode == MODE_PASTA ? "pasta" : "passt";

	buf = malloc(size);
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	end = buf + size - 1;

	argv[argc++] = (char *)ctx.name;
	for (s = buf; s < end && argc < ARGS_MAX; s += strlen(s) + 1)
		argv[argc++] = s;
	argv[argc] = NULL;

	quiet(true);
	opterr = 1;
	fuzz_exit_jmp = &j;
	if (!setjmp(j)) {
		conf_parse(&ctx, argc, argv);
		parsed = true;
	}
	fuzz_exit_jmp = NULL;
	quiet(false);

	if (parsed)
		check_ctx(&ctx);

	free(buf);
	return 0;
}
