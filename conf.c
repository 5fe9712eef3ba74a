// SPDX-License-Identifier: GPL-2.0-or-later
/* conf.c - Command line parsing and configuration defaults
 *
 * Two stages. conf_parse() turns the command line into struct ctx and
 * nothing else: it touches no socket, no namespace, no file but the user
 * database for --runas, so it can be unit tested; any bad option or value is
 * one line on stderr and exit status 1. conf() then fills in what was not
 * given from the host (upstream interface, addresses, gateway, resolvers),
 * joins or creates the namespace for pasta, and prints a summary.
 */

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "util.h"
#include "inany.h"
#include "fwd.h"
#include "passt.h"
#include "conf.h"
#include "log.h"
#include "netlink.h"
#include "pasta.h"
#include "isolation.h"

#ifndef VERSION_STR
#define VERSION_STR		VERSION
#endif

#define CONF_UNUSED		__attribute__((unused))

#define NETNS_RUN_DIR		"/run/netns"
#define RESOLV_CONF		"/etc/resolv.conf"
#define LOG_SIZE_DEFAULT	(1024 * 1024UL)
#define LOG_SIZE_MIN		(5 * 8192UL)	/* a few lines per cut */
#define MTU_MIN			68		/* RFC 791 */
#define IPV4_MIN_MTU		576
#define IPV6_MIN_MTU		1280
#define PORT_SPEC_MAX		4096		/* characters in one spec */
#define PORT_MAP_WORDS		(NUM_PORTS / (sizeof(long) * 8))

/* Our own MAC address on the tap side: locally administered, unicast */
static const unsigned char conf_mac_ours[MAC_ADDR_LEN] = {
	0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55
};

/**
 * conf_fail() - Print one error line, prefixed by our name, and exit with 1
 * @c:		Execution context (for the name)
 * @fmt:	Message format, without trailing newline
 */
static void __attribute__((noreturn, format(printf, 2, 3)))
conf_fail(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", c->name ? c->name : "passt");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAILURE);
}

/**
 * conf_note() - Print one warning line during parsing, prefixed by our name
 * @c:		Execution context (for the name)
 * @fmt:	Message format, without trailing newline
 */
static void __attribute__((format(printf, 2, 3)))
conf_note(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", c->name ? c->name : "passt");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ------------------------------------------------------------------------ */
/* Port specifications: -t, -u, -T, -U                                      */
/* ------------------------------------------------------------------------ */

/**
 * struct spec - State while parsing one port specification
 * @bind:	Address, interface and families shared by its rules
 * @excl:	Ports excluded by this specification (~)
 * @all:	The keyword 'all' was given
 * @incl:	Number of include ranges
 * @err:	Buffer for the reason of a failure
 * @errlen:	Size of @err
 */
struct spec {
	struct fwd_rule bind;
	unsigned long excl[PORT_MAP_WORDS];
	bool all;
	unsigned int incl;
	char *err;
	size_t errlen;
};

/**
 * spec_err() - Record why a port specification is invalid
 * @sp:		Parsing state
 * @fmt:	Reason format
 *
 * Return: -1
 */
static int __attribute__((format(printf, 2, 3)))
spec_err(struct spec *sp, const char *fmt, ...)
{
	va_list ap;

	if (sp->err && sp->errlen) {
		va_start(ap, fmt);
		vsnprintf(sp->err, sp->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/**
 * spec_port() - Parse one decimal port number, 1 to 65535
 * @sp:		Parsing state
 * @p:		Cursor, moved past the number on success
 * @port:	Port number, set on success
 *
 * Return: 0 on success, -1 on error
 */
static int spec_port(struct spec *sp, const char **p, unsigned int *port)
{
	const char *s = *p;
	unsigned long v = 0;

	if (!isdigit((unsigned char)*s)) {
		if (!*s)
			return spec_err(sp, "missing port number");
		return spec_err(sp, "expected a port number at '%s'", s);
	}

	for (; isdigit((unsigned char)*s); s++) {
		if (v <= NUM_PORTS)
			v = v * 10 + (unsigned long)(*s - '0');
	}

	if (v < 1 || v >= NUM_PORTS) {
		return spec_err(sp, "port %.*s out of range 1-65535",
				(int)(s - *p), *p);
	}

	*port = v;
	*p = s;
	return 0;
}

/**
 * spec_range() - Parse a port or a port range: PORT or FIRST-LAST
 * @sp:		Parsing state
 * @p:		Cursor, moved past the range on success
 * @first:	First port, set on success
 * @last:	Last port, set on success
 *
 * Return: 0 on success, -1 on error
 */
static int spec_range(struct spec *sp, const char **p,
		      unsigned int *first, unsigned int *last)
{
	if (spec_port(sp, p, first))
		return -1;

	*last = *first;
	if (**p != '-')
		return 0;

	(*p)++;
	if (spec_port(sp, p, last))
		return -1;

	if (*last < *first)
		return spec_err(sp, "range %u-%u is reversed", *first, *last);

	return 0;
}

/**
 * spec_include() - Parse an include entry: RANGE or RANGE:TARGET_RANGE
 * @sp:		Parsing state
 * @s:		Entry text
 * @first:	First listening port, set on success
 * @last:	Last listening port, set on success
 * @to:		Target port for @first, set on success
 *
 * Return: 0 on success, -1 on error
 */
static int spec_include(struct spec *sp, const char *s, unsigned int *first,
			unsigned int *last, unsigned int *to)
{
	unsigned int tfirst, tlast;
	const char *p = s;

	if (spec_range(sp, &p, first, last))
		return -1;

	*to = *first;
	if (*p == ':') {
		p++;
		if (spec_range(sp, &p, &tfirst, &tlast))
			return -1;
		if (tlast - tfirst != *last - *first) {
			return spec_err(sp,
				"target range %u-%u differs in size from %u-%u",
				tfirst, tlast, *first, *last);
		}
		*to = tfirst;
	}

	if (*p)
		return spec_err(sp, "unexpected '%s' in '%s'", p, s);

	return 0;
}

/**
 * spec_exclude() - Parse an exclusion entry (~RANGE), mark it in @sp->excl
 * @sp:		Parsing state
 * @s:		Entry text, after the '~'
 *
 * Return: 0 on success, -1 on error
 */
static int spec_exclude(struct spec *sp, const char *s)
{
	unsigned int first, last, i;
	const char *p = s;

	if (spec_range(sp, &p, &first, &last))
		return -1;

	if (*p)
		return spec_err(sp, "unexpected '%s' in '~%s'", p, s);

	for (i = first; i <= last; i++) {
		if (bitmap_isset(sp->excl, i))
			return spec_err(sp, "port %u excluded twice", i);
		bitmap_set(sp->excl, i);
	}

	return 0;
}

/**
 * spec_bind() - Parse the binding part of a spec: [ADDR][%IFNAME]
 * @sp:		Parsing state, @sp->bind set on success
 * @s:		Binding text, modified (split at '%')
 *
 * Return: 0 on success, -1 on error
 */
static int spec_bind(struct spec *sp, char *s)
{
	char *ifname = strchr(s, '%');
	struct in6_addr a6;
	struct in_addr a4;

	if (ifname) {
		*ifname++ = '\0';
		if (!*ifname)
			return spec_err(sp,
					"missing interface name after '%%'");
		if (strlen(ifname) >= IFNAMSIZ) {
			return spec_err(sp, "interface name '%s' too long",
					ifname);
		}
		strcpy(sp->bind.ifname, ifname);
	}

	if (!*s) {
		if (!ifname)
			return spec_err(sp, "missing address before '/'");
		return 0;
	}

	if (inet_pton(AF_INET, s, &a4) == 1) {
		inany_from_v4(&sp->bind.addr, a4);
		sp->bind.flags = FWD_RULE_V4;
	} else if (inet_pton(AF_INET6, s, &a6) == 1) {
		sp->bind.addr.a6 = a6;
		sp->bind.flags = FWD_RULE_V6;
	} else {
		return spec_err(sp, "invalid address '%s'", s);
	}

	return 0;
}

/**
 * spec_scan() - First pass over the entries: syntax, exclusions, counts
 * @sp:		Parsing state
 * @list:	Entries, each NUL-terminated, one after the other
 * @n:		Number of entries
 *
 * Return: 0 on success, -1 on error
 */
static int spec_scan(struct spec *sp, const char *list, unsigned int n)
{
	unsigned int first, last, to, i;
	const char *s = list;

	for (i = 0; i < n; i++, s += strlen(s) + 1) {
		if (!*s)
			return spec_err(sp, "empty entry in list");

		if (*s == '~') {
			if (spec_exclude(sp, s + 1))
				return -1;
		} else if (!strcmp(s, "all")) {
			sp->all = true;
		} else if (!strcmp(s, "auto") || !strcmp(s, "none")) {
			return spec_err(sp, "'%s' must be given alone", s);
		} else {
			if (spec_include(sp, s, &first, &last, &to))
				return -1;
			sp->incl++;
		}
	}

	if (sp->all && sp->incl)
		return spec_err(sp, "'all' can't be combined with port ranges");

	return 0;
}

/**
 * rule_clash() - Would two rules try to listen on the same socket?
 * @a:		First rule
 * @b:		Second rule
 *
 * Return: true if port ranges overlap on a common address and interface
 */
static bool rule_clash(const struct fwd_rule *a, const struct fwd_rule *b)
{
	if (a->last < b->first || b->last < a->first)
		return false;

	if (*a->ifname && *b->ifname && strcmp(a->ifname, b->ifname) != 0)
		return false;

	if (!(a->flags & b->flags))
		return false;

	if (inany_is_unspecified(&a->addr) || inany_is_unspecified(&b->addr))
		return true;

	return inany_equals(&a->addr, &b->addr);
}

/**
 * fwd_add_rule() - Append one rule, check it against existing ones
 * @fwd:	Forwarding table
 * @sp:		Parsing state, with binding
 * @first:	First listening port
 * @last:	Last listening port
 * @to:		Target port for @first
 *
 * Return: 0 on success, -1 on clash or full table
 */
static int fwd_add_rule(struct fwd_ports *fwd, struct spec *sp,
			unsigned int first, unsigned int last, unsigned int to)
{
	struct fwd_rule r = sp->bind;
	uint16_t delta = (uint16_t)(to - first);
	unsigned int i;

	r.first = first;
	r.last = last;
	r.to = to;

	for (i = 0; i < fwd->count; i++) {
		if (rule_clash(&fwd->rules[i], &r)) {
			return spec_err(sp, "port %u is already forwarded",
					MAX(first, fwd->rules[i].first));
		}
	}

	for (i = first; i <= last; i++) {
		if (bitmap_isset(fwd->map, i) && fwd->delta[i] != delta) {
			return spec_err(sp,
				"port %u is already forwarded to port %u",
				i, (uint16_t)(i + fwd->delta[i]));
		}
	}

	if (fwd->count >= FWD_RULES_MAX)
		return spec_err(sp, "too many port ranges (at most %u)",
				FWD_RULES_MAX);

	for (i = first; i <= last; i++) {
		bitmap_set(fwd->map, i);
		fwd->delta[i] = delta;
	}
	fwd->rules[fwd->count++] = r;

	return 0;
}

/**
 * fwd_add_range() - Add an include range, split around excluded ports
 * @fwd:	Forwarding table
 * @sp:		Parsing state, with exclusions and binding
 * @first:	First listening port
 * @last:	Last listening port
 * @to:		Target port for @first
 *
 * Return: 0 on success, -1 on error
 */
static int fwd_add_range(struct fwd_ports *fwd, struct spec *sp,
			 unsigned int first, unsigned int last, unsigned int to)
{
	unsigned int i, start;

	for (i = first; i <= last; i++) {
		if (bitmap_isset(sp->excl, i))
			continue;

		start = i;
		while (i < last && !bitmap_isset(sp->excl, i + 1))
			i++;

		if (fwd_add_rule(fwd, sp, start, i, to + (start - first)))
			return -1;
	}

	return 0;
}

/**
 * spec_apply() - Second pass: add the rules of a checked specification
 * @fwd:	Forwarding table
 * @sp:		Parsing state after spec_scan()
 * @list:	Entries, each NUL-terminated, one after the other
 * @n:		Number of entries
 *
 * Return: 0 on success, -1 on error
 */
static int spec_apply(struct fwd_ports *fwd, struct spec *sp,
		      const char *list, unsigned int n)
{
	unsigned int first = 0, last = 0, to = 0, i;
	const char *s = list;

	if (!sp->incl)		/* 'all', or exclusions only */
		return fwd_add_range(fwd, sp, 1, PORT_EPHEMERAL_MIN - 1, 1);

	for (i = 0; i < n; i++, s += strlen(s) + 1) {
		if (*s == '~')
			continue;

		if (spec_include(sp, s, &first, &last, &to) ||
		    fwd_add_range(fwd, sp, first, last, to))
			return -1;
	}

	return 0;
}

/**
 * spec_keyword() - Handle the whole-spec keywords 'none' and 'auto'
 * @fwd:	Forwarding table
 * @sp:		Parsing state (for errors)
 * @spec:	Specification
 * @pasta:	Running as pasta
 *
 * Return: 1 if handled, 0 if not a keyword, -1 on error
 */
static int spec_keyword(struct fwd_ports *fwd, struct spec *sp,
			const char *spec, bool pasta)
{
	if (!strcmp(spec, "none")) {
		if (fwd->mode != FWD_UNSET && fwd->mode != FWD_NONE)
			goto conflict;
		fwd->mode = FWD_NONE;
		return 1;
	}

	if (!strcmp(spec, "auto")) {
		if (!pasta)
			return spec_err(sp, "'auto' is only valid for pasta");
		if (fwd->mode != FWD_UNSET && fwd->mode != FWD_AUTO)
			goto conflict;
		fwd->mode = FWD_AUTO;
		return 1;
	}

	return 0;

conflict:
	return spec_err(sp, "conflicts with an earlier port specification");
}

/**
 * spec_split() - Copy a list of entries, split at commas
 * @sp:		Parsing state (for errors)
 * @buf:	Output buffer, PORT_SPEC_MAX bytes
 * @body:	Comma-separated entries
 * @n:		Number of entries, set on success
 *
 * Return: 0 on success, -1 if too long
 */
static int spec_split(struct spec *sp, char *buf, const char *body,
		      unsigned int *n)
{
	char *p;

	if (strlen(body) >= PORT_SPEC_MAX)
		return spec_err(sp, "too long");

	strcpy(buf, body);
	for (*n = 1, p = buf; (p = strchr(p, ',')); (*n)++)
		*p++ = '\0';

	return 0;
}

/**
 * spec_prefix() - Handle the ADDR%IFNAME/ part of a specification, if any
 * @sp:		Parsing state, @sp->bind set
 * @spec:	Whole specification
 * @outbound:	-T or -U: no binding allowed
 *
 * Return: pointer to the port list, NULL on error
 */
static const char *spec_prefix(struct spec *sp, const char *spec,
			       bool outbound)
{
	char bind[INET6_ADDRSTRLEN + IFNAMSIZ + 1];
	const char *slash = strchr(spec, '/');
	size_t len;

	if (!slash)
		return spec;

	len = (size_t)(slash - spec);
	if (outbound) {
		spec_err(sp, "address or interface binding is only valid for "
			     "-t and -u");
		return NULL;
	}
	if (memchr(spec, ',', len)) {
		spec_err(sp, "address or interface must come before the ports");
		return NULL;
	}
	if (len >= sizeof(bind)) {
		spec_err(sp, "invalid address or interface '%.*s'",
			 (int)len, spec);
		return NULL;
	}

	memcpy(bind, spec, len);
	bind[len] = '\0';
	if (spec_bind(sp, bind))
		return NULL;

	if (!slash[1]) {
		spec_err(sp, "missing ports after '/'");
		return NULL;
	}
	return slash + 1;
}

/**
 * spec_mode_ok() - Can a new specification be added to a table?
 * @fwd:	Forwarding table
 * @sp:		Parsing state after spec_scan()
 * @pasta:	Running as pasta
 *
 * Return: 0 if it can, -1 on conflict
 */
static int spec_mode_ok(const struct fwd_ports *fwd, struct spec *sp,
			bool pasta)
{
	enum fwd_mode want = sp->incl ? FWD_SPEC : FWD_ALL;

	if (sp->all && pasta)
		return spec_err(sp, "'all' is only valid for passt");

	if (fwd->mode != FWD_UNSET && fwd->mode != want)
		return spec_err(sp, "conflicts with an earlier port "
				    "specification");
	return 0;
}

/**
 * fwd_spec_parse() - Parse one -t, -u, -T or -U specification into @fwd
 * @fwd:	Forwarding table of that option, accumulates over calls
 * @spec:	Specification, see passt.1
 * @pasta:	Running as pasta ('auto' allowed, 'all' not)
 * @outbound:	-T or -U: no address or interface binding
 * @err:	Buffer for the reason of a failure, may be NULL
 * @errlen:	Size of @err
 *
 * Return: 0 on success, -1 on error (@fwd may be partially updated)
 */
int fwd_spec_parse(struct fwd_ports *fwd, const char *spec, bool pasta,
		   bool outbound, char *err, size_t errlen)
{
	static char list[PORT_SPEC_MAX];
	struct spec sp;
	const char *body;
	unsigned int n = 0, i;
	int rc;

	memset(&sp, 0, sizeof(sp));
	sp.err = err;
	sp.errlen = errlen;
	sp.bind.flags = FWD_RULE_V4 | FWD_RULE_V6;

	if (!*spec)
		return spec_err(&sp, "empty specification");

	if ((rc = spec_keyword(fwd, &sp, spec, pasta)))
		return rc < 0 ? -1 : 0;

	if (!(body = spec_prefix(&sp, spec, outbound)) ||
	    spec_split(&sp, list, body, &n) ||
	    spec_scan(&sp, list, n) ||
	    spec_mode_ok(fwd, &sp, pasta) ||
	    spec_apply(fwd, &sp, list, n))
		return -1;

	for (i = 0; i < PORT_MAP_WORDS; i++)
		fwd->excl[i] |= sp.excl[i];

	fwd->mode = sp.incl ? FWD_SPEC : FWD_ALL;
	return 0;
}

/**
 * fwd_spec_finish() - Apply default mode and address families to a table
 * @fwd:	Forwarding table
 * @dflt:	Mode if no specification was given
 * @v4:		IPv4 enabled
 * @v6:		IPv6 enabled
 */
void fwd_spec_finish(struct fwd_ports *fwd, enum fwd_mode dflt,
		     bool v4, bool v6)
{
	uint8_t fam = (v4 ? FWD_RULE_V4 : 0) | (v6 ? FWD_RULE_V6 : 0);
	unsigned int i;

	if (fwd->mode == FWD_UNSET)
		fwd->mode = dflt;

	for (i = 0; i < fwd->count; i++)
		fwd->rules[i].flags &= fam;
}

/* ------------------------------------------------------------------------ */
/* Option values                                                             */
/* ------------------------------------------------------------------------ */

/**
 * struct conf_state - Parsing state that doesn't belong in struct ctx
 * @dns4:	IPv4 resolvers given with -D so far
 * @dns6:	IPv6 resolvers given with -D so far
 * @search:	Search domains given with -S so far
 * @opt_n:	-n was given
 * @a4_prefix:	An IPv4 -a carried a prefix length
 * @no_copy:	--no-copy-routes or --no-copy-addrs was given
 * @netns_opt:	--netns was given
 * @deprecated:	Deprecated options given, reported once parsing succeeded
 * @n_deprecated: Number of entries in @deprecated
 */
struct conf_state {
	unsigned int dns4;
	unsigned int dns6;
	unsigned int search;
	bool opt_n;
	bool a4_prefix;
	bool no_copy;
	bool netns_opt;
	const char *deprecated[4];
	unsigned int n_deprecated;
};

struct conf_opt;

/**
 * typedef conf_opt_fn - Handler for one option
 * @c:		Execution context
 * @st:		Parsing state
 * @o:		Option table entry
 * @arg:	Option argument, NULL if none
 */
typedef void (*conf_opt_fn)(struct ctx *c, struct conf_state *st,
			    const struct conf_opt *o, const char *arg);

/**
 * struct conf_opt - One command line option
 * @name:	Long name
 * @has_arg:	no_argument or required_argument
 * @val:	Short option character, or an OPT_* value for long-only ones
 * @modes:	Modes the option is valid for: M_PASST, M_PASTA, or both
 * @fn:		Handler, NULL for options handled in the first pass
 * @off:	Offset of the struct ctx field the handler sets, if any
 * @len:	Size of that field
 */
struct conf_opt {
	const char *name;
	int has_arg;
	int val;
	unsigned int modes;
	conf_opt_fn fn;
	size_t off;
	size_t len;
};

#define M_PASST		(1U << MODE_PASST)
#define M_PASTA		(1U << MODE_PASTA)
#define M_BOTH		(M_PASST | M_PASTA)

#define FIELD(f)	offsetof(struct ctx, f), sizeof(((struct ctx *)0)->f)

/**
 * conf_bad() - Report an invalid option value and exit
 * @c:		Execution context
 * @o:		Option
 * @arg:	Value given
 * @fmt:	Reason format
 */
static void __attribute__((noreturn, format(printf, 4, 5)))
conf_bad(const struct ctx *c, const struct conf_opt *o, const char *arg,
	 const char *fmt, ...)
{
	char reason[BUFSIZ];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);

	conf_fail(c, "Invalid --%s value '%s': %s", o->name, arg, reason);
}

/**
 * conf_field() - Pointer to the struct ctx field of an option
 * @c:		Execution context
 * @o:		Option
 *
 * Return: pointer to the field
 */
static void *conf_field(struct ctx *c, const struct conf_opt *o)
{
	return (char *)c + o->off;
}

/**
 * conf_uint() - Parse a decimal number with a range check
 * @s:		Text
 * @min:	Smallest valid value
 * @max:	Largest valid value
 * @v:		Value, set on success
 *
 * Return: 0 on success, -1 if not a plain decimal number in range
 */
static int conf_uint(const char *s, unsigned long long min,
		     unsigned long long max, unsigned long long *v)
{
	unsigned long long n = 0;
	const char *p;

	if (!*s)
		return -1;

	for (p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		if (n > (ULLONG_MAX - 9) / 10)
			return -1;
		n = n * 10 + (unsigned long long)(*p - '0');
	}

	if (n < min || n > max)
		return -1;

	*v = n;
	return 0;
}

/**
 * conf_mac() - Parse a MAC address, xx:xx:xx:xx:xx:xx
 * @s:		Text
 * @mac:	Address, set on success
 *
 * Return: 0 on success, -1 on error
 */
static int conf_mac(const char *s, unsigned char *mac)
{
	unsigned char tmp[MAC_ADDR_LEN];
	int i;

	if (strlen(s) != MAC_ADDR_LEN * 3 - 1)
		return -1;

	for (i = 0; i < MAC_ADDR_LEN; i++) {
		const char *o = s + i * 3;
		char hex[3] = { o[0], o[1], 0 };

		if (!isxdigit((unsigned char)o[0]) ||
		    !isxdigit((unsigned char)o[1]))
			return -1;
		if (i < MAC_ADDR_LEN - 1 && o[2] != ':')
			return -1;
		tmp[i] = (unsigned char)strtoul(hex, NULL, 16);
	}

	memcpy(mac, tmp, MAC_ADDR_LEN);
	return 0;
}

/**
 * conf_ip() - Parse an IPv4 or IPv6 address
 * @s:		Text
 * @a4:		IPv4 address, set if IPv4
 * @a6:		IPv6 address, set if IPv6
 *
 * Return: AF_INET, AF_INET6, or 0 if not an address
 */
static int conf_ip(const char *s, struct in_addr *a4, struct in6_addr *a6)
{
	if (inet_pton(AF_INET, s, a4) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, a6) == 1)
		return AF_INET6;
	return 0;
}

/**
 * conf_ip4_bad() - Classify IPv4 addresses not usable as host addresses
 * @a:		Address
 * @lo_ok:	Loopback is acceptable
 *
 * Return: reason the address can't be used, NULL if it can
 */
static const char *conf_ip4_bad(struct in_addr a, bool lo_ok)
{
	uint32_t h = ntohl(a.s_addr);

	if (!h)
		return "unspecified address";
	if (h == INADDR_BROADCAST)
		return "broadcast address";
	if (IN_MULTICAST(h))
		return "multicast address";
	if (!lo_ok && (h >> 24) == 127)
		return "loopback address";
	return NULL;
}

/**
 * conf_ip6_bad() - Classify IPv6 addresses not usable as host addresses
 * @a:		Address
 * @lo_ok:	Loopback is acceptable
 *
 * Return: reason the address can't be used, NULL if it can
 */
static const char *conf_ip6_bad(const struct in6_addr *a, bool lo_ok)
{
	if (IN6_IS_ADDR_UNSPECIFIED(a))
		return "unspecified address";
	if (IN6_IS_ADDR_MULTICAST(a))
		return "multicast address";
	if (IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_V4COMPAT(a))
		return "IPv4-mapped or compatible address";
	if (!lo_ok && IN6_IS_ADDR_LOOPBACK(a))
		return "loopback address";
	return NULL;
}

/**
 * conf_host_ip() - Parse an option value that must be a usable host address
 * @c:		Execution context
 * @o:		Option (for errors)
 * @arg:	Value
 * @lo_ok:	Loopback is acceptable
 * @a4:		IPv4 address, set if IPv4
 * @a6:		IPv6 address, set if IPv6
 *
 * Return: AF_INET or AF_INET6; exits on error
 */
static int conf_host_ip(const struct ctx *c, const struct conf_opt *o,
			const char *arg, bool lo_ok,
			struct in_addr *a4, struct in6_addr *a6)
{
	struct in6_addr t6;
	struct in_addr t4;
	const char *why;
	int af;

	af = conf_ip(arg, &t4, &t6);
	if (!af)
		conf_bad(c, o, arg, "not an IPv4 or IPv6 address");

	if (af == AF_INET)
		why = conf_ip4_bad(t4, lo_ok);
	else
		why = conf_ip6_bad(&t6, lo_ok);
	if (why)
		conf_bad(c, o, arg, "%s", why);

	if (af == AF_INET)
		*a4 = t4;
	else
		*a6 = t6;
	return af;
}

/* ------------------------------------------------------------------------ */
/* Option handlers                                                           */
/* ------------------------------------------------------------------------ */

/**
 * opt_flag() - Set an int flag of struct ctx to 1
 * @c:		Execution context
 * @st:		Parsing state (unused)
 * @o:		Option, with the field
 * @arg:	Argument (unused)
 */
static void opt_flag(struct ctx *c, struct conf_state *st CONF_UNUSED,
		     const struct conf_opt *o, const char *arg CONF_UNUSED)
{
	*(int *)conf_field(c, o) = 1;
}

/**
 * opt_unflag() - Set an int flag of struct ctx to 0
 * @c:		Execution context
 * @st:		Parsing state (unused)
 * @o:		Option, with the field
 * @arg:	Argument (unused)
 */
static void opt_unflag(struct ctx *c, struct conf_state *st CONF_UNUSED,
		       const struct conf_opt *o, const char *arg CONF_UNUSED)
{
	*(int *)conf_field(c, o) = 0;
}

/**
 * opt_string() - Store a non-empty string into a char array of struct ctx
 * @c:		Execution context
 * @st:		Parsing state (unused)
 * @o:		Option, with the field
 * @arg:	Value
 */
static void opt_string(struct ctx *c, struct conf_state *st CONF_UNUSED,
		       const struct conf_opt *o, const char *arg)
{
	if (!*arg)
		conf_bad(c, o, arg, "empty");
	if (strlen(arg) >= o->len)
		conf_bad(c, o, arg, "longer than %zu characters", o->len - 1);

	strcpy(conf_field(c, o), arg);
}

/**
 * opt_ifname() - Store an interface name into struct ctx
 * @c:		Execution context
 * @st:		Parsing state
 * @o:		Option, with the field
 * @arg:	Interface name
 */
static void opt_ifname(struct ctx *c, struct conf_state *st,
		       const struct conf_opt *o, const char *arg)
{
	if (strchr(arg, '/') || strchr(arg, ' '))
		conf_bad(c, o, arg, "not a valid interface name");
	if (strlen(arg) >= IFNAMSIZ)
		conf_bad(c, o, arg,
			 "interface names have at most %u characters",
			 IFNAMSIZ - 1);
	opt_string(c, st, o, arg);
}

/**
 * opt_debug() - -d, --debug
 * @c:		Execution context
 * @st:		Parsing state (unused)
 * @o:		Option (unused)
 * @arg:	Argument (unused)
 */
static void opt_debug(struct ctx *c, struct conf_state *st CONF_UNUSED,
		      const struct conf_opt *o CONF_UNUSED,
		      const char *arg CONF_UNUSED)
{
	c->debug = 1;
	c->quiet = 0;
}

/**
 * opt_trace() - --trace, implies --debug
 * @c:		Execution context
 * @st:		Parsing state (unused)
 * @o:		Option (unused)
 * @arg:	Argument (unused)
 */
static void opt_trace(struct ctx *c, struct conf_state *st CONF_UNUSED,
		      const struct conf_opt *o CONF_UNUSED,
		      const char *arg CONF_UNUSED)
{
	c->debug = c->trace = 1;
	c->quiet = 0;
}

/**
 * opt_quiet() - -q, --quiet
 * @c:		Execution context
 * @st:		Parsing state (unused)
 * @o:		Option (unused)
 * @arg:	Argument (unused)
 */
static void opt_quiet(struct ctx *c, struct conf_state *st CONF_UNUSED,
		      const struct conf_opt *o CONF_UNUSED,
		      const char *arg CONF_UNUSED)
{
	c->quiet = 1;
	c->debug = c->trace = 0;
}

/**
 * conf_deprecated() - Remember a deprecated option, to warn about it later
 * @st:		Parsing state
 * @o:		Option
 */
static void conf_deprecated(struct conf_state *st, const struct conf_opt *o)
{
	unsigned int i;

	for (i = 0; i < st->n_deprecated; i++) {
		if (st->deprecated[i] == o->name)
			return;
	}
	if (st->n_deprecated < ARRAY_SIZE(st->deprecated))
		st->deprecated[st->n_deprecated++] = o->name;
}

/**
 * opt_stderr() - -e, --stderr: deprecated, logging to stderr is automatic
 * @c:		Execution context
 * @st:		Parsing state
 * @o:		Option
 * @arg:	Argument (unused)
 */
static void opt_stderr(struct ctx *c, struct conf_state *st,
		       const struct conf_opt *o, const char *arg CONF_UNUSED)
{
	conf_deprecated(st, o);
	c->log_stderr = 1;
}

/**
 * opt_log_size() - --log-size BYTES
 * @c:		Execution context
 * @st:		Parsing state (unused)
 * @o:		Option
 * @arg:	Size in bytes
 */
static void opt_log_size(struct ctx *c, struct conf_state *st CONF_UNUSED,
			 const struct conf_opt *o, const char *arg)
{
	unsigned long long v;

	if (conf_uint(arg, LOG_SIZE_MIN, SIZE_MAX, &v))
		conf_bad(c, o, arg, "must be a number of bytes, at least %lu",
			 LOG_SIZE_MIN);
	c->log_size = v;
}

/**
 * conf_runas_id() - Look up a user or group given as a number or a name
 * @s:		Text
 * @group:	Look up a group, not a user
 * @id:		Numeric ID, set on success
 * @gid:	Primary group of a user found by name, may be NULL
 *
 * Return: 0 on success, -1 if not found
 */
static int conf_runas_id(const char *s, bool group, unsigned int *id,
			 gid_t *gid)
{
	unsigned long long v;

	if (!conf_uint(s, 0, UINT_MAX - 1, &v)) {
		*id = v;
		return 0;
	}

	if (group) {
		const struct group *gr = getgrnam(s);

		if (!gr)
			return -1;
		*id = gr->gr_gid;
	} else {
		const struct passwd *pw = getpwnam(s);

		if (!pw)
			return -1;
		*id = pw->pw_uid;
		if (gid)
			*gid = pw->pw_gid;
	}
	return 0;
}

/**
 * opt_runas() - --runas UID[:GID] or LOGIN[:GROUP]
 * @c:		Execution context
 * @st:		Parsing state (unused)
 * @o:		Option
 * @arg:	User and optional group
 */
static void opt_runas(struct ctx *c, struct conf_state *st CONF_UNUSED,
		      const struct conf_opt *o, const char *arg)
{
	char user[LOGIN_NAME_MAX + 1];
	const char *group = NULL;
	unsigned int uid, gid;
	char *sep;

	if (!*arg || strlen(arg) >= sizeof(user))
		conf_bad(c, o, arg, "expected UID[:GID] or LOGIN[:GROUP]");

	strcpy(user, arg);
	if ((sep = strchr(user, ':'))) {
		*sep = '\0';
		group = sep + 1;
		if (!*group || !*user)
			conf_bad(c, o, arg,
				 "expected UID[:GID] or LOGIN[:GROUP]");
	}

	gid = UINT_MAX;
	if (conf_runas_id(user, false, &uid, &gid))
		conf_bad(c, o, arg, "no such user '%s'", user);
	if (gid == UINT_MAX)
		gid = uid;	/* numeric UID alone: same GID */

	if (group && conf_runas_id(group, true, &gid, NULL))
		conf_bad(c, o, arg, "no such group '%s'", group);

	c->uid = uid;
	c->gid = gid;
	c->runas_given = true;
}

/**
 * opt_mtu() - -m, --mtu MTU
 * @c:		Execution context
 * @st:		Parsing state (unused)
 * @o:		Option
 * @arg:	MTU, 0 to advertise none
 */
static void opt_mtu(struct ctx *c, struct conf_state *st CONF_UNUSED,
		    const struct conf_opt *o, const char *arg)
{
	unsigned long long v;

	if (conf_uint(arg, 0, MTU_DEFAULT, &v) || (v && v < MTU_MIN))
		conf_bad(c, o, arg, "must be 0 (none) or %d-%d",
			 MTU_MIN, MTU_DEFAULT);
	c->mtu = (int)v;
}

/**
 * conf_prefix4() - Parse an IPv4 netmask (dotted) or prefix length
 * @arg:	Text
 *
 * Return: prefix length, or -1 if invalid
 */
static int conf_prefix4(const char *arg)
{
	unsigned long long len;
	struct in_addr mask;
	uint32_t h;

	if (inet_pton(AF_INET, arg, &mask) == 1) {
		h = ntohl(mask.s_addr);
		len = (unsigned long long)__builtin_popcount(h);
		if (len < 32 && (h << len))
			return -1;	/* ones not contiguous from the top */
		return (int)len;
	}

	if (conf_uint(arg, 0, 32, &len))
		return -1;
	return (int)len;
}

/**
 * opt_netmask() - -n, --netmask MASK|PREFIX_LENGTH
 * @c:		Execution context
 * @st:		Parsing state
 * @o:		Option
 * @arg:	Netmask or prefix length
 */
static void opt_netmask(struct ctx *c, struct conf_state *st,
			const struct conf_opt *o, const char *arg)
{
	int len = conf_prefix4(arg);

	if (len < 0)
		conf_bad(c, o, arg,
			 "expected a netmask (255.255.255.0) or a prefix length 0-32");
	if (st->a4_prefix)
		conf_bad(c, o, arg,
			 "prefix length already given with --address");

	c->ip4.prefix_len = len;
	st->opt_n = true;
}

/**
 * opt_address_prefix() - Split and parse the /PREFIX_LEN of an -a value
 * @c:		Execution context
 * @o:		Option
 * @arg:	Whole value (for errors)
 * @addr:	Copy of the value, cut at '/'
 *
 * Return: prefix length, or -1 if none given
 */
static int opt_address_prefix(const struct ctx *c, const struct conf_opt *o,
			      const char *arg, char *addr)
{
	unsigned long long len;
	char *slash = strchr(addr, '/');

	if (!slash)
		return -1;

	*slash = '\0';
	if (conf_uint(slash + 1, 0, strchr(addr, ':') ? 128 : 32, &len))
		conf_bad(c, o, arg, "invalid prefix length '%s'", slash + 1);

	return (int)len;
}

/**
 * opt_address() - -a, --address ADDR[/PREFIX_LEN]
 * @c:		Execution context
 * @st:		Parsing state
 * @o:		Option
 * @arg:	Address, with optional prefix length
 */
static void opt_address(struct ctx *c, struct conf_state *st,
			const struct conf_opt *o, const char *arg)
{
	char addr[INET6_ADDRSTRLEN + 5];
	int len;

	if (strlen(arg) >= sizeof(addr))
		conf_bad(c, o, arg, "not an IPv4 or IPv6 address");
	strcpy(addr, arg);
	len = opt_address_prefix(c, o, arg, addr);

	if (conf_host_ip(c, o, addr, false, &c->ip4.addr, &c->ip6.addr) ==
	    AF_INET) {
		if (len >= 0 && st->opt_n)
			conf_bad(c, o, arg,
				 "prefix length already given with --netmask");
		if (len >= 0)
			c->ip4.prefix_len = len;
		else if (!st->opt_n)
			c->ip4.prefix_len = 0;
		st->a4_prefix = len >= 0;
		c->ip4.no_copy_addrs = true;
	} else {
		c->ip6.prefix_len = len >= 0 ? len : 0;
		c->ip6.no_copy_addrs = true;
	}
}

/**
 * opt_mac() - -M, --mac-addr and --ns-mac-addr: store a MAC address
 * @c:		Execution context
 * @st:		Parsing state (unused)
 * @o:		Option, with the field
 * @arg:	MAC address
 */
static void opt_mac(struct ctx *c, struct conf_state *st CONF_UNUSED,
		    const struct conf_opt *o, const char *arg)
{
	unsigned char *mac = conf_field(c, o);

	if (conf_mac(arg, mac))
		conf_bad(c, o, arg,
			 "expected a MAC address like 9a:55:9a:55:9a:55");
	if (mac[0] & 1)
		conf_bad(c, o, arg, "multicast MAC address");
	if (mac_is_zero(mac))
		conf_bad(c, o, arg, "all-zero MAC address");

	if (o->off == offsetof(struct ctx, guest_mac))
		c->ns_mac_given = true;
}

/**
 * opt_gateway() - -g, --gateway ADDR
 * @c:		Execution context
 * @st:		Parsing state (unused)
 * @o:		Option
 * @arg:	Address
 */
static void opt_gateway(struct ctx *c, struct conf_state *st CONF_UNUSED,
			const struct conf_opt *o, const char *arg)
{
	if (conf_host_ip(c, o, arg, false, &c->ip4.guest_gw,
			 &c->ip6.guest_gw) == AF_INET)
		c->ip4.no_copy_routes = true;
	else
		c->ip6.no_copy_routes = true;
}

/**
 * opt_outbound() - -o, --outbound ADDR
 * @c:		Execution context
 * @st:		Parsing state (unused)
 * @o:		Option
 * @arg:	Address
 */
static void opt_outbound(struct ctx *c, struct conf_state *st CONF_UNUSED,
			 const struct conf_opt *o, const char *arg)
{
	conf_host_ip(c, o, arg, true, &c->ip4.addr_out, &c->ip6.addr_out);
}

/**
 * opt_dns() - -D, --dns ADDR|none: accumulates, 'none' clears
 * @c:		Execution context
 * @st:		Parsing state
 * @o:		Option
 * @arg:	Address, or 'none'
 */
static void opt_dns(struct ctx *c, struct conf_state *st,
		    const struct conf_opt *o, const char *arg)
{
	struct in6_addr a6;
	struct in_addr a4;
	int af;

	if (!strcmp(arg, "none")) {
		memset(c->ip4.dns, 0, sizeof(c->ip4.dns));
		memset(c->ip6.dns, 0, sizeof(c->ip6.dns));
		st->dns4 = st->dns6 = 0;
		c->no_dns = true;
		return;
	}

	if (!(af = conf_ip(arg, &a4, &a6)))
		conf_bad(c, o, arg, "not an IPv4 or IPv6 address, or 'none'");

	if ((af == AF_INET && !a4.s_addr) ||
	    (af == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&a6)))
		conf_bad(c, o, arg, "unspecified address");

	c->no_dns = false;
	if (af == AF_INET && st->dns4 < MAXNS)
		c->ip4.dns[st->dns4++] = a4;
	else if (af == AF_INET6 && st->dns6 < MAXNS)
		c->ip6.dns[st->dns6++] = a6;
	else
		conf_note(c, "Ignoring --%s %s: at most %d per IP version",
			  o->name, arg, MAXNS);
}

/**
 * opt_dns_forward() - --dns-forward ADDR
 * @c:		Execution context
 * @st:		Parsing state (unused)
 * @o:		Option
 * @arg:	Address
 */
static void opt_dns_forward(struct ctx *c, struct conf_state *st CONF_UNUSED,
			    const struct conf_opt *o, const char *arg)
{
	conf_host_ip(c, o, arg, false, &c->ip4.dns_match, &c->ip6.dns_match);
}

/**
 * opt_dns_host() - --dns-host ADDR
 * @c:		Execution context
 * @st:		Parsing state (unused)
 * @o:		Option
 * @arg:	Address
 */
static void opt_dns_host(struct ctx *c, struct conf_state *st CONF_UNUSED,
			 const struct conf_opt *o, const char *arg)
{
	conf_host_ip(c, o, arg, true, &c->ip4.dns_host, &c->ip6.dns_host);
}

/**
 * opt_search() - -S, --search LIST|none: accumulates, 'none' clears
 * @c:		Execution context
 * @st:		Parsing state
 * @o:		Option
 * @arg:	Space-separated domains, or 'none'
 */
static void opt_search(struct ctx *c, struct conf_state *st,
		       const struct conf_opt *o, const char *arg)
{
	const char *p = arg, *end;
	size_t len;

	if (!strcmp(arg, "none")) {
		memset(c->dns_search, 0, sizeof(c->dns_search));
		st->search = 0;
		c->no_dns_search = true;
		return;
	}

	for (;;) {
		p += strspn(p, " \t,");
		if (!*p)
			break;
		end = p + strcspn(p, " \t,");
		len = (size_t)(end - p);

		if (len > DNSRCH_LEN)
			conf_bad(c, o, arg, "domain longer than %d characters",
				 DNSRCH_LEN);
		if (st->search >= MAXDNSRCH - 1)
			conf_bad(c, o, arg, "more than %d search domains",
				 MAXDNSRCH - 1);

		memcpy(c->dns_search[st->search].n, p, len);
		c->dns_search[st->search++].n[len] = '\0';
		p = end;
	}

	if (!st->search)
		conf_bad(c, o, arg, "no domain given");
	c->no_dns_search = false;
}

/**
 * opt_map() - --map-host-loopback and --map-guest-addr: ADDR or 'none'
 * @c:		Execution context
 * @st:		Parsing state (unused)
 * @o:		Option
 * @arg:	Address, or 'none'
 */
static void opt_map(struct ctx *c, struct conf_state *st CONF_UNUSED,
		    const struct conf_opt *o, const char *arg)
{
	bool host = !strcmp(o->name, "map-host-loopback");
	struct in6_addr *a6;
	struct in_addr *a4;

	a4 = host ? &c->ip4.map_host_loopback : &c->ip4.map_guest_addr;
	a6 = host ? &c->ip6.map_host_loopback : &c->ip6.map_guest_addr;

	if (!strcmp(arg, "none")) {
		a4->s_addr = 0;
		*a6 = in6addr_any;
		if (host)
			c->no_map_gw = 1;
		return;
	}

	conf_host_ip(c, o, arg, false, a4, a6);
}

/**
 * opt_ipv4_only() - -4, --ipv4-only (last one of -4 and -6 wins)
 * @c:		Execution context
 * @st:		Parsing state (unused)
 * @o:		Option (unused)
 * @arg:	Argument (unused)
 */
static void opt_ipv4_only(struct ctx *c, struct conf_state *st CONF_UNUSED,
			  const struct conf_opt *o CONF_UNUSED,
			  const char *arg CONF_UNUSED)
{
	c->v4 = true;
	c->v6 = false;
}

/**
 * opt_ipv6_only() - -6, --ipv6-only (last one of -4 and -6 wins)
 * @c:		Execution context
 * @st:		Parsing state (unused)
 * @o:		Option (unused)
 * @arg:	Argument (unused)
 */
static void opt_ipv6_only(struct ctx *c, struct conf_state *st CONF_UNUSED,
			  const struct conf_opt *o CONF_UNUSED,
			  const char *arg CONF_UNUSED)
{
	c->v4 = false;
	c->v6 = true;
}

/**
 * opt_ports() - -t, -u, -T, -U: add a port specification
 * @c:		Execution context
 * @st:		Parsing state (unused)
 * @o:		Option, with the forwarding table as field
 * @arg:	Specification
 */
static void opt_ports(struct ctx *c, struct conf_state *st CONF_UNUSED,
		      const struct conf_opt *o, const char *arg)
{
	bool outbound = o->val == 'T' || o->val == 'U';
	char err[BUFSIZ];

	if (fwd_spec_parse(conf_field(c, o), arg, c->mode == MODE_PASTA,
			   outbound, err, sizeof(err)))
		conf_bad(c, o, arg, "%s", err);
}

/**
 * opt_socket() - -s, --socket PATH
 * @c:		Execution context
 * @st:		Parsing state (unused)
 * @o:		Option
 * @arg:	Path of the UNIX domain socket
 */
static void opt_socket(struct ctx *c, struct conf_state *st CONF_UNUSED,
		       const struct conf_opt *o, const char *arg)
{
	if (!*arg)
		conf_bad(c, o, arg, "empty");
	if (strlen(arg) >= sizeof(c->sock_path))
		conf_bad(c, o, arg,
			 "UNIX socket paths have at most %zu characters",
			 sizeof(c->sock_path) - 1);

	strcpy(c->sock_path, arg);
	c->fd_given = -1;
}

/**
 * opt_fd() - -F, --fd FD: connected socket inherited from the parent
 * @c:		Execution context
 * @st:		Parsing state (unused)
 * @o:		Option
 * @arg:	File descriptor number
 */
static void opt_fd(struct ctx *c, struct conf_state *st CONF_UNUSED,
		   const struct conf_opt *o, const char *arg)
{
	unsigned long long v;

	if (conf_uint(arg, 0, INT_MAX, &v))
		conf_bad(c, o, arg, "expected a file descriptor number");

	c->fd_given = (int)v;
	c->one_off = 1;
	*c->sock_path = '\0';
}

/**
 * opt_userns() - --userns PATH
 * @c:		Execution context
 * @st:		Parsing state
 * @o:		Option
 * @arg:	Path of the user namespace
 */
static void opt_userns(struct ctx *c, struct conf_state *st,
		       const struct conf_opt *o, const char *arg)
{
	opt_string(c, st, o, arg);
	c->netns_only = 0;
}

/**
 * opt_netns() - --netns PATH|NAME (a name is taken from /run/netns)
 * @c:		Execution context
 * @st:		Parsing state
 * @o:		Option
 * @arg:	Path or name of the network namespace
 */
static void opt_netns(struct ctx *c, struct conf_state *st,
		      const struct conf_opt *o, const char *arg)
{
	int n;

	if (!*arg)
		conf_bad(c, o, arg, "empty");

	if (strchr(arg, '/'))
		n = snprintf(c->netns_path, sizeof(c->netns_path), "%s", arg);
	else
		n = snprintf(c->netns_path, sizeof(c->netns_path), "%s/%s",
			     NETNS_RUN_DIR, arg);

	if (n < 0 || (size_t)n >= sizeof(c->netns_path))
		conf_bad(c, o, arg, "path too long");

	st->netns_opt = true;
}

/**
 * opt_netns_only() - --netns-only: join no user namespace
 * @c:		Execution context
 * @st:		Parsing state (unused)
 * @o:		Option (unused)
 * @arg:	Argument (unused)
 */
static void opt_netns_only(struct ctx *c, struct conf_state *st CONF_UNUSED,
			   const struct conf_opt *o CONF_UNUSED,
			   const char *arg CONF_UNUSED)
{
	c->netns_only = 1;
	*c->userns_path = '\0';
}

/**
 * opt_no_copy() - --no-copy-routes, --no-copy-addrs: deprecated
 * @c:		Execution context
 * @st:		Parsing state
 * @o:		Option
 * @arg:	Argument (unused)
 */
static void opt_no_copy(struct ctx *c, struct conf_state *st,
			const struct conf_opt *o, const char *arg CONF_UNUSED)
{
	conf_deprecated(st, o);

	if (!strcmp(o->name, "no-copy-routes"))
		c->ip4.no_copy_routes = c->ip6.no_copy_routes = true;
	else
		c->ip4.no_copy_addrs = c->ip6.no_copy_addrs = true;
	st->no_copy = true;
}

/* ------------------------------------------------------------------------ */
/* Option table                                                              */
/* ------------------------------------------------------------------------ */

enum {
	OPT_TRACE = 256,
	OPT_LOG_SIZE,
	OPT_RUNAS,
	OPT_VERSION,
	OPT_CAPS,
	OPT_OUT_IF4,
	OPT_OUT_IF6,
	OPT_DNS_FORWARD,
	OPT_DNS_HOST,
	OPT_FQDN,
	OPT_NO_TCP,
	OPT_NO_UDP,
	OPT_NO_ICMP,
	OPT_NO_DHCP,
	OPT_NO_NDP,
	OPT_NO_DHCPV6,
	OPT_NO_RA,
	OPT_NO_DHCP_DNS,
	OPT_NO_DHCP_SEARCH,
	OPT_DHCP_DNS,
	OPT_DHCP_SEARCH,
	OPT_FREEBIND,
	OPT_NO_MAP_GW,
	OPT_MAP_HOST_LO,
	OPT_MAP_GUEST,
	OPT_USERNS,
	OPT_NETNS,
	OPT_NETNS_ONLY,
	OPT_NO_NETNS_QUIT,
	OPT_CONFIG_NET,
	OPT_NS_MAC,
	OPT_NO_SPLICE,
	OPT_HOST_LO_TO_NS_LO,
	OPT_NO_COPY_ROUTES,
	OPT_NO_COPY_ADDRS,
};

static const struct conf_opt conf_opts[] = {
	{ "debug",	no_argument,	'd', M_BOTH, opt_debug, 0, 0 },
	{ "trace",	no_argument,	OPT_TRACE, M_BOTH, opt_trace, 0, 0 },
	{ "quiet",	no_argument,	'q', M_BOTH, opt_quiet, 0, 0 },
	{ "foreground",	no_argument,	'f', M_BOTH, opt_flag,
	  FIELD(foreground) },
	{ "stderr",	no_argument,	'e', M_BOTH, opt_stderr, 0, 0 },
	{ "log-file",	required_argument, 'l', M_BOTH, opt_string,
	  FIELD(log_file) },
	{ "log-size",	required_argument, OPT_LOG_SIZE, M_BOTH, opt_log_size,
	  0, 0 },
	{ "runas",	required_argument, OPT_RUNAS, M_BOTH, opt_runas, 0, 0 },
	{ "help",	no_argument,	'h', M_BOTH, NULL, 0, 0 },
	{ "version",	no_argument,	OPT_VERSION, M_BOTH, NULL, 0, 0 },
	{ "print-capabilities", no_argument, OPT_CAPS, M_BOTH, NULL, 0, 0 },
	{ "pcap",	required_argument, 'p', M_BOTH, opt_string,
	  FIELD(pcap) },
	{ "pid",	required_argument, 'P', M_BOTH, opt_string,
	  FIELD(pidfile) },
	{ "mtu",	required_argument, 'm', M_BOTH, opt_mtu, 0, 0 },
	{ "address",	required_argument, 'a', M_BOTH, opt_address, 0, 0 },
	{ "netmask",	required_argument, 'n', M_BOTH, opt_netmask, 0, 0 },
	{ "mac-addr",	required_argument, 'M', M_BOTH, opt_mac,
	  FIELD(our_tap_mac) },
	{ "gateway",	required_argument, 'g', M_BOTH, opt_gateway, 0, 0 },
	{ "interface",	required_argument, 'i', M_BOTH, opt_ifname,
	  FIELD(tmpl_ifname) },
	{ "outbound",	required_argument, 'o', M_BOTH, opt_outbound, 0, 0 },
	{ "outbound-if4", required_argument, OPT_OUT_IF4, M_BOTH, opt_ifname,
	  FIELD(ip4.ifname_out) },
	{ "outbound-if6", required_argument, OPT_OUT_IF6, M_BOTH, opt_ifname,
	  FIELD(ip6.ifname_out) },
	{ "dns",	required_argument, 'D', M_BOTH, opt_dns, 0, 0 },
	{ "dns-forward", required_argument, OPT_DNS_FORWARD, M_BOTH,
	  opt_dns_forward, 0, 0 },
	{ "dns-host",	required_argument, OPT_DNS_HOST, M_BOTH, opt_dns_host,
	  0, 0 },
	{ "search",	required_argument, 'S', M_BOTH, opt_search, 0, 0 },
	{ "hostname",	required_argument, 'H', M_BOTH, opt_string,
	  FIELD(hostname) },
	{ "fqdn",	required_argument, OPT_FQDN, M_BOTH, opt_string,
	  FIELD(fqdn) },
	{ "no-tcp",	no_argument,	OPT_NO_TCP, M_BOTH, opt_flag,
	  FIELD(no_tcp) },
	{ "no-udp",	no_argument,	OPT_NO_UDP, M_BOTH, opt_flag,
	  FIELD(no_udp) },
	{ "no-icmp",	no_argument,	OPT_NO_ICMP, M_BOTH, opt_flag,
	  FIELD(no_icmp) },
	{ "no-dhcp",	no_argument,	OPT_NO_DHCP, M_BOTH, opt_flag,
	  FIELD(no_dhcp) },
	{ "no-ndp",	no_argument,	OPT_NO_NDP, M_BOTH, opt_flag,
	  FIELD(no_ndp) },
	{ "no-dhcpv6",	no_argument,	OPT_NO_DHCPV6, M_BOTH, opt_flag,
	  FIELD(no_dhcpv6) },
	{ "no-ra",	no_argument,	OPT_NO_RA, M_BOTH, opt_flag,
	  FIELD(no_ra) },
	{ "no-dhcp-dns", no_argument,	OPT_NO_DHCP_DNS, M_PASST, opt_flag,
	  FIELD(no_dhcp_dns) },
	{ "no-dhcp-search", no_argument, OPT_NO_DHCP_SEARCH, M_PASST,
	  opt_flag, FIELD(no_dhcp_dns_search) },
	{ "dhcp-dns",	no_argument,	OPT_DHCP_DNS, M_PASTA, opt_unflag,
	  FIELD(no_dhcp_dns) },
	{ "dhcp-search", no_argument,	OPT_DHCP_SEARCH, M_PASTA, opt_unflag,
	  FIELD(no_dhcp_dns_search) },
	{ "freebind",	no_argument,	OPT_FREEBIND, M_BOTH, opt_flag,
	  FIELD(freebind) },
	{ "no-map-gw",	no_argument,	OPT_NO_MAP_GW, M_BOTH, opt_flag,
	  FIELD(no_map_gw) },
	{ "map-host-loopback", required_argument, OPT_MAP_HOST_LO, M_BOTH,
	  opt_map, 0, 0 },
	{ "map-guest-addr", required_argument, OPT_MAP_GUEST, M_BOTH,
	  opt_map, 0, 0 },
	{ "ipv4-only",	no_argument,	'4', M_BOTH, opt_ipv4_only, 0, 0 },
	{ "ipv6-only",	no_argument,	'6', M_BOTH, opt_ipv6_only, 0, 0 },
	{ "tcp-ports",	required_argument, 't', M_BOTH, opt_ports,
	  FIELD(tcp_in) },
	{ "udp-ports",	required_argument, 'u', M_BOTH, opt_ports,
	  FIELD(udp_in) },

	/* passt only */
	{ "socket",	required_argument, 's', M_PASST, opt_socket, 0, 0 },
	{ "socket-path", required_argument, 's', M_PASST, opt_socket, 0, 0 },
	{ "fd",		required_argument, 'F', M_PASST, opt_fd, 0, 0 },
	{ "one-off",	no_argument,	'1', M_PASST, opt_flag,
	  FIELD(one_off) },

	/* pasta only */
	{ "ns-ifname",	required_argument, 'I', M_PASTA, opt_ifname,
	  FIELD(pasta_ifn) },
	{ "tcp-ns",	required_argument, 'T', M_PASTA, opt_ports,
	  FIELD(tcp_out) },
	{ "udp-ns",	required_argument, 'U', M_PASTA, opt_ports,
	  FIELD(udp_out) },
	{ "userns",	required_argument, OPT_USERNS, M_PASTA, opt_userns,
	  FIELD(userns_path) },
	{ "netns",	required_argument, OPT_NETNS, M_PASTA, opt_netns,
	  0, 0 },
	{ "netns-only",	no_argument,	OPT_NETNS_ONLY, M_PASTA,
	  opt_netns_only, 0, 0 },
	{ "no-netns-quit", no_argument,	OPT_NO_NETNS_QUIT, M_PASTA, opt_flag,
	  FIELD(no_netns_quit) },
	{ "config-net",	no_argument,	OPT_CONFIG_NET, M_PASTA, opt_flag,
	  FIELD(pasta_conf_ns) },
	{ "ns-mac-addr", required_argument, OPT_NS_MAC, M_PASTA, opt_mac,
	  FIELD(guest_mac) },
	{ "no-splice",	no_argument,	OPT_NO_SPLICE, M_PASTA, opt_flag,
	  FIELD(no_splice) },
	{ "host-lo-to-ns-lo", no_argument, OPT_HOST_LO_TO_NS_LO, M_PASTA,
	  opt_flag, FIELD(host_lo_to_ns_lo) },
	{ "no-copy-routes", no_argument, OPT_NO_COPY_ROUTES, M_PASTA,
	  opt_no_copy, 0, 0 },
	{ "no-copy-addrs", no_argument,	OPT_NO_COPY_ADDRS, M_PASTA,
	  opt_no_copy, 0, 0 },
};

#define CONF_OPTS_NUM		ARRAY_SIZE(conf_opts)

/* Short options, the same for both modes: the handlers check the mode */
static const char conf_optstring[] =
	"+dqfel:hp:P:m:a:n:M:g:i:o:D:S:H:46t:u:s:F:1I:T:U:";

/**
 * conf_getopt_table() - Build the getopt_long() table from conf_opts
 *
 * Return: pointer to a static table, terminated by an empty entry
 */
static const struct option *conf_getopt_table(void)
{
	static struct option t[CONF_OPTS_NUM + 1];
	unsigned int i;

	for (i = 0; i < CONF_OPTS_NUM; i++) {
		t[i].name = conf_opts[i].name;
		t[i].has_arg = conf_opts[i].has_arg;
		t[i].flag = NULL;
		t[i].val = conf_opts[i].val;
	}
	memset(&t[i], 0, sizeof(t[i]));

	return t;
}

/**
 * conf_opt_find() - Find the table entry for a getopt_long() result
 * @val:	Short option character or OPT_* value
 *
 * Return: entry, or NULL if none
 */
static const struct conf_opt *conf_opt_find(int val)
{
	unsigned int i;

	for (i = 0; i < CONF_OPTS_NUM; i++) {
		if (conf_opts[i].val == val)
			return &conf_opts[i];
	}
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* Help, version, capabilities                                               */
/* ------------------------------------------------------------------------ */

static const char usage_common[] =
"Logging and process:\n"
"  -d, --debug             Be verbose\n"
"      --trace             Be extra verbose, show single packets; implies -d\n"
"  -q, --quiet             Print only warnings and errors\n"
"  -f, --foreground        Don't fork to background\n"
"  -e, --stderr            Deprecated, no effect\n"
"  -l, --log-file PATH     Log to PATH, not to the system logger\n"
"      --log-size BYTES    Size limit of the log file (default 1 MiB)\n"
"      --runas UID[:GID]|LOGIN[:GROUP]\n"
"                          Run as this user (default: 'nobody' if root)\n"
"  -p, --pcap FILE         Capture guest-side frames to FILE (pcap)\n"
"  -P, --pid FILE          Write our PID to FILE once ready\n"
"  -h, --help              Show this help and exit\n"
"      --version           Show the version and exit\n"
"      --print-capabilities\n"
"                          Print back-end capabilities (JSON) and exit\n"
"\n"
"Addresses and routes given to the %s:\n"
"  -m, --mtu MTU           MTU to advertise, 0 for none (default 65520)\n"
"  -a, --address ADDR[/LEN]\n"
"                          IPv4 or IPv6 address (default: host's own)\n"
"  -n, --netmask MASK      IPv4 netmask, dotted or prefix length\n"
"  -M, --mac-addr ADDR     Our MAC address (default 9a:55:9a:55:9a:55)\n"
"  -g, --gateway ADDR      IPv4 or IPv6 gateway (default: host's)\n"
"  -i, --interface NAME    Host interface for addresses and routes\n"
"                          (default: the one with the default route)\n"
"  -o, --outbound ADDR     Source address for outbound sockets\n"
"      --outbound-if4 NAME Bind outbound IPv4 sockets to interface NAME\n"
"      --outbound-if6 NAME Bind outbound IPv6 sockets to interface NAME\n"
"  -D, --dns ADDR          Resolver to advertise, repeatable; 'none' for\n"
"                          none (default: from /etc/resolv.conf)\n"
"      --dns-forward ADDR  Forward DNS queries sent to ADDR ...\n"
"      --dns-host ADDR     ... to this host resolver (default: first one\n"
"                          in /etc/resolv.conf)\n"
"  -S, --search LIST       Search domains, space-separated; 'none' for none\n"
"  -H, --hostname NAME     Hostname to give via DHCP\n"
"      --fqdn NAME         FQDN to give via DHCP and DHCPv6\n"
"      --map-host-loopback ADDR\n"
"                          ADDR reaches the host's loopback (default:\n"
"                          gateway address), 'none' to disable\n"
"      --map-guest-addr ADDR\n"
"                          ADDR reaches the host's address as assigned to\n"
"                          the %s, 'none' to disable (default)\n"
"      --no-map-gw         Don't map the gateway address to the host\n"
"  -4, --ipv4-only         IPv4 only\n"
"  -6, --ipv6-only         IPv6 only\n"
"\n"
"Services and protocols:\n"
"      --no-tcp            Disable TCP\n"
"      --no-udp            Disable UDP\n"
"      --no-icmp           Disable ICMP/ICMPv6 echo (implies --no-ndp)\n"
"      --no-dhcp           Disable the DHCP server\n"
"      --no-ndp            Disable NDP responses\n"
"      --no-dhcpv6         Disable the DHCPv6 server\n"
"      --no-ra             Disable router advertisements\n"
"      --freebind          Allow binding forwarded ports to any address\n";

static const char usage_ports[] =
"\n"
"Port forwarding:\n"
"  -t, --tcp-ports SPEC    TCP ports to forward to the %s, repeatable\n"
"  -u, --udp-ports SPEC    UDP ports to forward to the %s, repeatable\n"
"    SPEC is 'none', %s, or [[ADDR][%%IFACE]/]LIST where LIST has\n"
"    comma-separated PORT, FIRST-LAST, PORT:TARGET, FIRST-LAST:TFIRST-TLAST,\n"
"    and ~PORT or ~FIRST-LAST exclusions (exclusions alone: all others)\n"
"    Examples: -t 22  -t 2222:22  -t 8000-8010,~8005  -t ::1/80\n"
"    -t 192.0.2.1%%eth0/443  -t ~20000-20010\n"
"    default: %s\n";

static const char usage_passt[] =
"\n"
"passt only:\n"
"  -s, --socket PATH       UNIX domain socket for qemu (default: first\n"
"                          free /tmp/passt_N.socket); also --socket-path\n"
"  -F, --fd FD             Use FD, a connected socket, as guest link\n"
"  -1, --one-off           Quit once the guest disconnects\n"
"      --no-dhcp-dns       Don't advertise resolvers via DHCP, DHCPv6, NDP\n"
"      --no-dhcp-search    Don't advertise search domains likewise\n";

static const char usage_pasta[] =
"\n"
"pasta only:\n"
"  -I, --ns-ifname NAME    Name of the tap device in the namespace\n"
"                          (default: same as the host's upstream one)\n"
"  -T, --tcp-ns SPEC       TCP ports to forward from the namespace to the\n"
"                          host's loopback (default: auto)\n"
"  -U, --udp-ns SPEC       Same for UDP (default: auto)\n"
"      --userns PATH       User namespace to join\n"
"      --netns PATH|NAME   Network namespace to join (NAME: /run/netns)\n"
"      --netns-only        Don't join or create a user namespace\n"
"      --no-netns-quit     Keep running when the namespace goes away\n"
"      --config-net        Configure addresses, routes and the tap link in\n"
"                          the namespace\n"
"      --ns-mac-addr ADDR  MAC address of the tap device in the namespace\n"
"      --no-splice         No socket-to-socket path for loopback traffic\n"
"      --host-lo-to-ns-lo  Host loopback connections reach namespace\n"
"                          loopback, not its address\n"
"      --dhcp-dns          Advertise resolvers via DHCP, DHCPv6, NDP\n"
"      --dhcp-search       Advertise search domains likewise\n"
"      --no-copy-routes    Deprecated (with --config-net)\n"
"      --no-copy-addrs     Deprecated (with --config-net)\n";

/**
 * usage() - Print usage and exit
 * @name:	Name we were invoked as (or its path)
 * @f:		Stream: stdout for --help, stderr for a bad command line
 * @status:	Exit status
 */
void __attribute__((noreturn)) usage(const char *name, FILE *f, int status)
{
	bool pasta = name && strstr(name, "pasta");
	const char *guest = pasta ? "namespace" : "guest";

	if (pasta) {
		fprintf(f,
			"Usage: pasta [OPTION]... [COMMAND [ARG]...]\n"
			"       pasta [OPTION]... PID\n"
			"       pasta [OPTION]... --netns PATH|NAME\n"
			"\n"
			"Connect a network namespace to the host's network "
			"through a tap device.\n"
			"Without PID or --netns, start COMMAND (default: a "
			"shell) in a new user and\nnetwork namespace.\n\n");
	} else {
		fprintf(f,
			"Usage: passt [OPTION]...\n"
			"\n"
			"Connect a virtual machine (qemu, over a UNIX domain "
			"socket) to the host's\nnetwork.\n\n");
	}

	fprintf(f, usage_common, guest, guest);
	fprintf(f, usage_ports, guest, guest, pasta ? "'auto'" : "'all'",
		pasta ? "auto" : "none");
	fputs(pasta ? usage_pasta : usage_passt, f);

	exit(status);
}

/**
 * conf_version() - Print the version (--version) and exit with success
 * @c:		Execution context
 */
static void conf_version(const struct ctx *c)
{
	printf("%s %s\n"
	       "A from-scratch implementation of passt and pasta.\n"
	       "License: GNU GPL version 2 or later "
	       "<https://www.gnu.org/licenses/old-licenses/gpl-2.0.html>.\n"
	       "This is free software: you are free to change and "
	       "redistribute it.\n"
	       "There is NO WARRANTY, to the extent permitted by law.\n",
	       c->name, VERSION_STR);
	exit(EXIT_SUCCESS);
}

/**
 * conf_capabilities() - Print back-end capabilities (vhost-user convention)
 */
static void conf_capabilities(void)
{
	printf("{\n  \"type\": \"net\"\n}\n");
	exit(EXIT_SUCCESS);
}

/* ------------------------------------------------------------------------ */
/* Parsing                                                                   */
/* ------------------------------------------------------------------------ */

/**
 * conf_mode() - Determine mode and name from the name we were invoked as
 * @c:		Execution context, @mode and @name set
 * @argv0:	argv[0]
 */
static void conf_mode(struct ctx *c, const char *argv0)
{
	const char *base = argv0 ? strrchr(argv0, '/') : NULL;

	base = base ? base + 1 : argv0;
	if (base && strstr(base, "pasta")) {
		c->mode = MODE_PASTA;
		c->name = "pasta";
	} else {
		c->mode = MODE_PASST;
		c->name = "passt";
	}
}

/**
 * conf_defaults() - Set defaults that differ from zero, before parsing
 * @c:		Execution context
 */
static void conf_defaults(struct ctx *c)
{
	c->mtu = MTU_DEFAULT;
	memcpy(c->our_tap_mac, conf_mac_ours, MAC_ADDR_LEN);
	c->fd_given = -1;
	c->pidfile_fd = -1;
	c->pasta_netns_fd = -1;
	c->pasta_userns_fd = -1;
	c->v4 = c->v6 = true;
	c->log_size = LOG_SIZE_DEFAULT;

	if (c->mode == MODE_PASTA)
		c->no_dhcp_dns = c->no_dhcp_dns_search = 1;
}

/**
 * conf_early() - First pass: --help, --version, --print-capabilities
 * @c:		Execution context
 * @argc:	Argument count
 * @argv:	Arguments
 *
 * Known options before these never matter, not even with invalid values;
 * an unknown option before them stops the scan, and fails in the second
 * pass, as the user would expect from the order given.
 */
static void conf_early(const struct ctx *c, int argc, char **argv)
{
	const struct option *t = conf_getopt_table();
	int save = opterr, name;

	opterr = 0;
	optind = 0;
	while ((name = getopt_long(argc, argv, conf_optstring, t,
				   NULL)) != -1) {
		if (name == 'h')
			usage(c->name, stdout, EXIT_SUCCESS);
		if (name == OPT_VERSION)
			conf_version(c);
		if (name == OPT_CAPS)
			conf_capabilities();
		if (name == '?' || name == ':')
			break;
	}
	opterr = save;
}

/**
 * conf_options() - Second pass: every option, in order
 * @c:		Execution context
 * @st:		Parsing state
 * @argc:	Argument count
 * @argv:	Arguments
 */
static void conf_options(struct ctx *c, struct conf_state *st,
			 int argc, char **argv)
{
	const struct option *t = conf_getopt_table();
	const struct conf_opt *o;
	int name;

	optind = 0;
	while ((name = getopt_long(argc, argv, conf_optstring, t,
				   NULL)) != -1) {
		if (!(o = conf_opt_find(name)))
			usage(c->name, stderr, EXIT_FAILURE);

		if (!(o->modes & (1U << c->mode))) {
			conf_fail(c, "Option --%s is only valid for %s",
				  o->name, c->mode == MODE_PASTA ?
				  "passt" : "pasta");
		}

		if (o->fn)
			o->fn(c, st, o, optarg);
	}
}

/**
 * conf_target() - pasta: PID, command, or nothing after the options
 * @c:		Execution context
 * @st:		Parsing state
 * @argc:	Number of remaining arguments
 * @argv:	Remaining arguments
 */
static void conf_target(struct ctx *c, const struct conf_state *st,
			int argc, char **argv)
{
	unsigned long long pid;

	if (st->netns_opt && argc)
		conf_fail(c, "Both --netns and a PID or command given: '%s'",
			  argv[0]);

	if (argc == 1 && isdigit((unsigned char)*argv[0]) &&
	    !conf_uint(argv[0], 0, ULLONG_MAX, &pid)) {
		if (!pid || pid > INT_MAX)
			conf_fail(c, "Invalid PID '%s'", argv[0]);

		snprintf(c->netns_path, sizeof(c->netns_path),
			 "/proc/%llu/ns/net", pid);
		if (!*c->userns_path && !c->netns_only)
			snprintf(c->userns_path, sizeof(c->userns_path),
				 "/proc/%llu/ns/user", pid);
		return;
	}

	if (argc) {
		c->pasta_argv = argv;
		c->pasta_argc = argc;
	}

	if (*c->netns_path && !*c->userns_path)
		c->netns_only = 1;	/* --netns alone: no user namespace */
}

/**
 * conf_finish() - Check combinations, apply implied settings and defaults
 * @c:		Execution context
 * @st:		Parsing state
 */
static void conf_finish(struct ctx *c, const struct conf_state *st)
{
	enum fwd_mode dflt = c->mode == MODE_PASTA ? FWD_AUTO : FWD_NONE;
	unsigned int i;

	if (c->mode == MODE_PASTA && st->no_copy && !c->pasta_conf_ns)
		conf_fail(c,
			  "--no-copy-routes and --no-copy-addrs need --config-net");

	if (c->no_splice && c->host_lo_to_ns_lo)
		conf_fail(c,
			  "--host-lo-to-ns-lo can't be used with --no-splice");

	for (i = 0; i < st->n_deprecated; i++)
		conf_note(c, "--%s is deprecated and will be removed",
			  st->deprecated[i]);

	if (c->no_icmp)
		c->no_ndp = 1;

	if (c->pasta_conf_ns)
		c->no_ra = 1;

	if (c->mode == MODE_PASST)
		c->no_splice = 1;

	if (c->mode == MODE_PASTA && !*c->netns_path) {
		/* We spawn a command or a shell: stay with it */
		c->foreground = 1;
		if (!c->debug)
			c->quiet = 1;
	}

	fwd_spec_finish(&c->tcp_in, dflt, c->v4, c->v6);
	fwd_spec_finish(&c->udp_in, dflt, c->v4, c->v6);
	fwd_spec_finish(&c->tcp_out, dflt, c->v4, c->v6);
	fwd_spec_finish(&c->udp_out, dflt, c->v4, c->v6);
}

/**
 * conf_parse() - Parse the command line into @c, without side effects
 * @c:		Execution context, with @mode and @name set
 * @argc:	Argument count
 * @argv:	Arguments; argv[0] is replaced by @c->name while parsing
 *
 * Prints and exits for --help, --version, --print-capabilities; on any
 * error, prints one line (getopt's own for unknown options, followed by
 * usage) and exits with status 1.
 */
void conf_parse(struct ctx *c, int argc, char **argv)
{
	struct conf_state st = { 0 };
	char *argv0 = argv[0];

	argv[0] = (char *)c->name;	/* getopt messages: "pasta: ..." */
	conf_defaults(c);
	conf_early(c, argc, argv);
	conf_options(c, &st, argc, argv);
	argv[0] = argv0;

	if (c->mode == MODE_PASTA)
		conf_target(c, &st, argc - optind, argv + optind);
	else if (optind < argc)
		conf_fail(c, "Unexpected argument '%s'", argv[optind]);

	conf_finish(c, &st);
}

/* ------------------------------------------------------------------------ */
/* Defaults from the host                                                    */
/* ------------------------------------------------------------------------ */

/**
 * conf_in_init_userns() - Are we in the initial user namespace?
 *
 * Return: true if /proc/self/uid_map maps the whole UID range to itself
 */
static bool conf_in_init_userns(void)
{
	unsigned long long a, b, n;
	FILE *f = fopen("/proc/self/uid_map", "re");
	bool init = false;

	if (!f)
		return true;
	if (fscanf(f, "%llu %llu %llu", &a, &b, &n) == 3)
		init = !a && !b && n == 4294967295ULL;
	fclose(f);

	return init;
}

/**
 * conf_ugid() - Default user and group to run as, if --runas wasn't given
 * @c:		Execution context
 */
static void conf_ugid(struct ctx *c)
{
	const struct passwd *pw;

	if (c->runas_given)
		return;

	c->uid = geteuid();
	c->gid = getegid();
	if (c->uid || !conf_in_init_userns())
		return;

	warn("Started as root, will change to user nobody");
	if ((pw = getpwnam("nobody"))) {
		c->uid = pw->pw_uid;
		c->gid = pw->pw_gid;
	} else {
		c->uid = c->gid = 65534;
	}
}

/**
 * conf_log() - Set up logging as configured
 * @c:		Execution context
 */
static void conf_log(struct ctx *c)
{
	int level = LOG_INFO;

	if (c->debug)
		level = LOG_DEBUG;
	else if (c->quiet)
		level = LOG_WARNING;

	/* Startup messages reach the terminal; daemonizing turns that off */
	c->log_stderr = c->log_stderr || c->foreground;
	log_init(c->name, true, level, c->trace);

	if (*c->log_file && log_file_open(c->log_file, c->log_size) < 0)
		die_perror("Can't open log file %s", c->log_file);
}

/**
 * conf_tmpl_ifi() - Host interface to take addresses and routes from
 * @c:		Execution context
 * @af:		AF_INET or AF_INET6
 *
 * Return: interface index, 0 if none (exits if a given name doesn't exist)
 */
static unsigned int conf_tmpl_ifi(const struct ctx *c, sa_family_t af)
{
	const char *out = af == AF_INET ? c->ip4.ifname_out : c->ip6.ifname_out;
	const char *opt = af == AF_INET ? "outbound-if4" : "outbound-if6";
	unsigned int ifi;

	if (*c->tmpl_ifname) {
		if (!(ifi = if_nametoindex(c->tmpl_ifname)))
			die("Invalid --interface value '%s': no such interface",
			    c->tmpl_ifname);
		return ifi;
	}

	if (*out) {
		if (!(ifi = if_nametoindex(out)))
			die("Invalid --%s value '%s': no such interface",
			    opt, out);
		return ifi;
	}

	return nl_get_ext_if(nl_sock, af);
}

/**
 * conf_ip4_prefix_default() - Classful prefix length for an IPv4 address
 * @a:		Address
 *
 * Return: 8, 16, 24 for class A, B, C; 32 otherwise
 */
static int conf_ip4_prefix_default(struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);

	if (IN_CLASSA(h))
		return 8;
	if (IN_CLASSB(h))
		return 16;
	if (IN_CLASSC(h))
		return 24;
	return 32;
}

/**
 * conf_ip4() - Fill IPv4 settings from the host, or disable IPv4
 * @c:		Execution context
 */
static void conf_ip4(struct ctx *c)
{
	struct ip4_ctx *ip4 = &c->ip4;
	unsigned int ifi;
	int prefix = 0;

	if (!c->v4)
		return;

	if (!(ifi = conf_tmpl_ifi(c, AF_INET))) {
		info("No interface with an IPv4 default route: IPv4 disabled");
		goto disable;
	}

	if (!ip4->guest_gw.s_addr &&
	    nl_route_get_def(nl_sock, ifi, AF_INET, &ip4->guest_gw) < 0) {
		info("Can't read the IPv4 default route: IPv4 disabled");
		goto disable;
	}

	if (!ip4->addr.s_addr) {
		if (nl_addr_get(nl_sock, ifi, AF_INET, &ip4->addr, &prefix,
				NULL) < 0 || !ip4->addr.s_addr) {
			info("No IPv4 address on upstream interface: "
			     "IPv4 disabled");
			goto disable;
		}
		if (!ip4->prefix_len)
			ip4->prefix_len = prefix;
	}

	if (!ip4->prefix_len)
		ip4->prefix_len = conf_ip4_prefix_default(ip4->addr);

	ip4->addr_seen = ip4->addr;
	ip4->our_tap_addr = ip4->guest_gw;
	c->ifi4 = ifi;
	return;

disable:
	if (*ip4->ifname_out)
		die("--outbound-if4 %s: no usable IPv4 route or address",
		    ip4->ifname_out);
	c->v4 = false;
}

/**
 * conf_ip6() - Fill IPv6 settings from the host, or disable IPv6
 * @c:		Execution context
 */
static void conf_ip6(struct ctx *c)
{
	struct ip6_ctx *ip6 = &c->ip6;
	bool given = !IN6_IS_ADDR_UNSPECIFIED(&ip6->addr);
	unsigned int ifi;
	int prefix = 0;

	if (!c->v6)
		return;

	if (!(ifi = conf_tmpl_ifi(c, AF_INET6))) {
		info("No interface with an IPv6 default route: IPv6 disabled");
		goto disable;
	}

	if (IN6_IS_ADDR_UNSPECIFIED(&ip6->guest_gw) &&
	    nl_route_get_def(nl_sock, ifi, AF_INET6, &ip6->guest_gw) < 0) {
		info("Can't read the IPv6 default route: IPv6 disabled");
		goto disable;
	}

	if (nl_addr_get(nl_sock, ifi, AF_INET6, given ? NULL : &ip6->addr,
			&prefix, &ip6->our_tap_ll) < 0 ||
	    IN6_IS_ADDR_UNSPECIFIED(&ip6->addr)) {
		info("No IPv6 address on upstream interface: IPv6 disabled");
		goto disable;
	}

	if (IN6_IS_ADDR_LINKLOCAL(&ip6->guest_gw))
		ip6->our_tap_ll = ip6->guest_gw;
	if (IN6_IS_ADDR_UNSPECIFIED(&ip6->our_tap_ll)) {
		info("No IPv6 link-local address to use: IPv6 disabled");
		goto disable;
	}

	if (!ip6->prefix_len)
		ip6->prefix_len = 64;
	ip6->addr_seen = ip6->addr;
	c->ifi6 = ifi;
	return;

disable:
	if (*ip6->ifname_out)
		die("--outbound-if6 %s: no usable IPv6 route or address",
		    ip6->ifname_out);
	c->v6 = false;
}

/**
 * conf_map() - Defaults for host mapping and services per address family
 * @c:		Execution context
 */
static void conf_map(struct ctx *c)
{
	if (c->v4 && !c->no_map_gw && !c->ip4.map_host_loopback.s_addr)
		c->ip4.map_host_loopback = c->ip4.guest_gw;

	if (c->v6 && !c->no_map_gw &&
	    IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_host_loopback))
		c->ip6.map_host_loopback = c->ip6.guest_gw;

	if (!c->v4 || !c->ip4.guest_gw.s_addr)
		c->no_dhcp = 1;

	if (!c->v6) {
		c->no_ndp = 1;
		c->no_dhcpv6 = 1;
	}
}

/**
 * conf_dns4() - Handle one IPv4 resolver from resolv.conf
 * @c:		Execution context
 * @ns:		Resolver address
 * @n:		Number of resolvers added so far, updated; NULL: don't add
 */
static void conf_dns4(struct ctx *c, struct in_addr ns, unsigned int *n)
{
	struct ip4_ctx *ip4 = &c->ip4;

	if (!ip4->dns_host.s_addr)
		ip4->dns_host = ns;

	if (!n)
		return;

	if ((ntohl(ns.s_addr) >> 24) == 127 ||
	    ns.s_addr == ip4->map_host_loopback.s_addr) {
		/* Only reachable through the mapping to the host */
		if (!ip4->dns_match.s_addr) {
			if (!ip4->map_host_loopback.s_addr)
				return;
			ip4->dns_match = ip4->map_host_loopback;
		}
		ns = ip4->dns_match;
	}

	if (*n < MAXNS)
		ip4->dns[(*n)++] = ns;
}

/**
 * conf_dns6() - Handle one IPv6 resolver from resolv.conf
 * @c:		Execution context
 * @ns:		Resolver address
 * @n:		Number of resolvers added so far, updated; NULL: don't add
 */
static void conf_dns6(struct ctx *c, struct in6_addr ns, unsigned int *n)
{
	struct ip6_ctx *ip6 = &c->ip6;

	if (IN6_IS_ADDR_UNSPECIFIED(&ip6->dns_host))
		ip6->dns_host = ns;

	if (!n)
		return;

	if (IN6_IS_ADDR_LOOPBACK(&ns) ||
	    IN6_ARE_ADDR_EQUAL(&ns, &ip6->map_host_loopback)) {
		if (IN6_IS_ADDR_UNSPECIFIED(&ip6->dns_match)) {
			if (IN6_IS_ADDR_UNSPECIFIED(&ip6->map_host_loopback))
				return;
			ip6->dns_match = ip6->map_host_loopback;
		}
		ns = ip6->dns_match;
	}

	if (*n < MAXNS)
		ip6->dns[(*n)++] = ns;
}

/**
 * conf_resolv_ns() - Handle one "nameserver" line of resolv.conf
 * @c:		Execution context
 * @arg:	Address text (a %scope suffix is dropped)
 * @n4:		IPv4 resolvers added so far, NULL to add none
 * @n6:		IPv6 resolvers added so far, NULL to add none
 */
static void conf_resolv_ns(struct ctx *c, char *arg, unsigned int *n4,
			   unsigned int *n6)
{
	struct in6_addr a6;
	struct in_addr a4;
	int af;

	arg[strcspn(arg, "% \t\n")] = '\0';
	af = conf_ip(arg, &a4, &a6);

	if (af == AF_INET && c->v4)
		conf_dns4(c, a4, n4);
	else if (af == AF_INET6 && c->v6)
		conf_dns6(c, a6, n6);
}

/**
 * conf_resolv_search() - Handle one "search" line of resolv.conf
 * @c:		Execution context
 * @arg:	Domains, separated by blanks
 */
static void conf_resolv_search(struct ctx *c, char *arg)
{
	unsigned int n = 0;
	char *p = arg, *end;

	while (n < MAXDNSRCH - 1) {
		p += strspn(p, " \t\n");
		if (!*p)
			break;
		end = p + strcspn(p, " \t\n");
		if ((size_t)(end - p) <= DNSRCH_LEN) {
			memcpy(c->dns_search[n].n, p, (size_t)(end - p));
			c->dns_search[n++].n[end - p] = '\0';
		}
		p = end;
	}
}

/**
 * conf_resolv_key() - Match a keyword at the start of a resolv.conf line
 * @line:	Line
 * @key:	Keyword
 *
 * Return: pointer past the keyword and blanks, NULL if no match
 */
static char *conf_resolv_key(char *line, const char *key)
{
	size_t len = strlen(key);

	if (strncmp(line, key, len) != 0 ||
	    (line[len] != ' ' && line[len] != '\t'))
		return NULL;

	return line + len + strspn(line + len, " \t");
}

/**
 * conf_dns() - Resolvers and search domains from /etc/resolv.conf
 * @c:		Execution context
 *
 * Only what wasn't given on the command line is read. A resolver on the
 * host's loopback (a local cache) is advertised as the address mapped to
 * the host (--dns-forward, or the --map-host-loopback address), and
 * queries to it go to --dns-host, by default the first resolver listed.
 */
static void conf_dns(struct ctx *c)
{
	bool want4 = !c->no_dns && !c->ip4.dns[0].s_addr;
	bool want6 = !c->no_dns && IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns[0]);
	bool want_search = !c->no_dns_search && !*c->dns_search[0].n;
	unsigned int n4 = 0, n6 = 0;
	static char line[BUFSIZ];
	char *arg;
	FILE *f;

	if (c->no_dns && !want_search)
		return;

	if (!(f = fopen(RESOLV_CONF, "re"))) {
		warn("Can't read %s: no resolvers for the %s", RESOLV_CONF,
		     c->mode == MODE_PASTA ? "namespace" : "guest");
		return;
	}

	while (fgets(line, sizeof(line), f)) {
		if ((arg = conf_resolv_key(line, "nameserver")) && !c->no_dns)
			conf_resolv_ns(c, arg, want4 ? &n4 : NULL,
				       want6 ? &n6 : NULL);
		else if ((arg = conf_resolv_key(line, "search")) &&
			 want_search && !*c->dns_search[0].n)
			conf_resolv_search(c, arg);
	}
	fclose(f);

	if (!c->no_dns && !c->ip4.dns[0].s_addr &&
	    IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns[0]))
		warn("Couldn't get any nameserver address");
}

/**
 * conf_ns_ifname() - pasta: default name of the tap device in the namespace
 * @c:		Execution context
 */
static void conf_ns_ifname(struct ctx *c)
{
	char name[IFNAMSIZ] = { 0 };

	if (c->mode != MODE_PASTA || *c->pasta_ifn)
		return;

	if ((c->ifi4 && if_indextoname(c->ifi4, name)) ||
	    (c->ifi6 && if_indextoname(c->ifi6, name)))
		memcpy(c->pasta_ifn, name, IFNAMSIZ);
	else
		strcpy(c->pasta_ifn, "tap0");
}

/**
 * conf_print_fwd() - Print the forwarding configuration of one table
 * @what:	Description
 * @fwd:	Forwarding table
 */
static void conf_print_fwd(const char *what, const struct fwd_ports *fwd)
{
	char a[INANY_ADDRSTRLEN];
	unsigned int i;

	if (fwd->mode == FWD_NONE)
		return;
	if (fwd->mode == FWD_AUTO) {
		info("%s: automatic", what);
		return;
	}

	info("%s:%s", what, fwd->mode == FWD_ALL ? " all, best effort" : "");
	for (i = 0; i < fwd->count; i++) {
		const struct fwd_rule *r = &fwd->rules[i];

		inet_ntop(AF_INET6, &r->addr.a6, a, sizeof(a));
		info("    [%s]%s%s:%u-%u => %u-%u", a, *r->ifname ? "%" : "",
		     r->ifname, r->first, r->last, r->to,
		     (unsigned int)(r->to + (r->last - r->first)));
	}
}

/**
 * conf_print() - Print a summary of the configuration
 * @c:		Execution context
 */
static void conf_print(const struct ctx *c)
{
	char buf[INET6_ADDRSTRLEN], mac[MAC_STRLEN];
	int i;

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
		 c->our_tap_mac[0], c->our_tap_mac[1], c->our_tap_mac[2],
		 c->our_tap_mac[3], c->our_tap_mac[4], c->our_tap_mac[5]);
	info("Our MAC address: %s", mac);
	if (c->mode == MODE_PASTA)
		info("Namespace interface: %s", c->pasta_ifn);

	if (c->v4) {
		info("IPv4: address %s/%d",
		     inet_ntop(AF_INET, &c->ip4.addr, buf, sizeof(buf)),
		     c->ip4.prefix_len);
		info("    gateway %s",
		     inet_ntop(AF_INET, &c->ip4.guest_gw, buf, sizeof(buf)));
		for (i = 0; i < MAXNS && c->ip4.dns[i].s_addr; i++)
			info("    DNS %s", inet_ntop(AF_INET, &c->ip4.dns[i],
						     buf, sizeof(buf)));
	}

	if (c->v6) {
		info("IPv6: address %s",
		     inet_ntop(AF_INET6, &c->ip6.addr, buf, sizeof(buf)));
		info("    gateway %s",
		     inet_ntop(AF_INET6, &c->ip6.guest_gw, buf, sizeof(buf)));
		for (i = 0; i < MAXNS &&
			    !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns[i]); i++)
			info("    DNS %s", inet_ntop(AF_INET6, &c->ip6.dns[i],
						     buf, sizeof(buf)));
	}

	for (i = 0; i < MAXDNSRCH && *c->dns_search[i].n; i++)
		info("DNS search: %s", c->dns_search[i].n);

	conf_print_fwd("Inbound TCP", &c->tcp_in);
	conf_print_fwd("Inbound UDP", &c->udp_in);
	if (c->mode == MODE_PASTA) {
		conf_print_fwd("Outbound TCP", &c->tcp_out);
		conf_print_fwd("Outbound UDP", &c->udp_out);
	}
}

/**
 * conf_host() - Fill in what wasn't given from the host's configuration
 * @c:		Execution context
 */
static void conf_host(struct ctx *c)
{
	nl_sock_init(c, false);

	conf_ip4(c);
	conf_ip6(c);
	if (!c->v4 && !c->v6)
		die("No usable upstream interface: need an IPv4 or IPv6 "
		    "default route, or use --interface");

	if (c->v4 && c->mtu && c->mtu < IPV4_MIN_MTU)
		warn("MTU %d is too small for IPv4 (minimum %d)", c->mtu,
		     IPV4_MIN_MTU);
	if (c->v6 && c->mtu && c->mtu < IPV6_MIN_MTU)
		warn("MTU %d is too small for IPv6 (minimum %d)", c->mtu,
		     IPV6_MIN_MTU);

	conf_map(c);
	conf_dns(c);
	conf_ns_ifname(c);

	fwd_spec_finish(&c->tcp_in, FWD_NONE, c->v4, c->v6);
	fwd_spec_finish(&c->udp_in, FWD_NONE, c->v4, c->v6);
	fwd_spec_finish(&c->tcp_out, FWD_NONE, c->v4, c->v6);
	fwd_spec_finish(&c->udp_out, FWD_NONE, c->v4, c->v6);
}

/**
 * conf_pasta_ns() - pasta: join the target namespace or start a new one
 * @c:		Execution context
 */
static void conf_pasta_ns(struct ctx *c)
{
	if (*c->netns_path)
		pasta_open_ns(c, NULL);	/* c->netns_path, resolved */
	else
		pasta_start_ns(c, c->uid, c->gid, c->pasta_argc, c->pasta_argv);

	nl_sock_init(c, true);
}

/**
 * conf() - Parse the command line, fill in defaults from the host, and for
 *	    pasta, join or create the target namespace
 * @c:		Execution context
 * @argc:	Argument count
 * @argv:	Arguments
 */
void conf(struct ctx *c, int argc, char **argv)
{
	if (!c->name)
		conf_mode(c, argv[0]);

	conf_parse(c, argc, argv);
	conf_log(c);
	conf_ugid(c);
	conf_host(c);

	isolate_user(c->uid, c->gid, !c->netns_only, c->userns_path, c->mode);

	if (c->mode == MODE_PASTA)
		conf_pasta_ns(c);

	if (!c->quiet)
		conf_print(c);
}
