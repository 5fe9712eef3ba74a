/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fwd.h - Port forwarding configuration and target selection */
#ifndef FWD_H
#define FWD_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include "inany.h"
#include "util.h"

#define NUM_PORTS		(1U << 16)
#define FWD_RULES_MAX		128

/**
 * enum fwd_mode - How ports of one protocol and direction are forwarded
 * @FWD_UNSET:	Not given on the command line, mode default applies
 * @FWD_NONE:	No forwarding
 * @FWD_SPEC:	Explicit port list (rules)
 * @FWD_ALL:	All non-ephemeral ports not excluded (passt)
 * @FWD_AUTO:	Ports bound on the other side, scanned periodically (pasta)
 */
enum fwd_mode {
	FWD_UNSET = 0,
	FWD_NONE,
	FWD_SPEC,
	FWD_ALL,
	FWD_AUTO,
};

#define FWD_RULE_V4		(1 << 0)	/* bind IPv4 */
#define FWD_RULE_V6		(1 << 1)	/* bind IPv6 */

/**
 * struct fwd_rule - One forwarded port range
 * @addr:	Address to bind on the listening side, unspecified for any
 * @ifname:	Interface to bind to (SO_BINDTODEVICE), empty for any
 * @first:	First listening port
 * @last:	Last listening port (inclusive)
 * @to:		Target port corresponding to @first
 * @flags:	FWD_RULE_V4 / FWD_RULE_V6: families to bind
 */
struct fwd_rule {
	union inany_addr addr;
	char ifname[IFNAMSIZ];
	uint16_t first;
	uint16_t last;
	uint16_t to;
	uint8_t flags;
};

/**
 * struct fwd_ports - Forwarding of one protocol in one direction
 * @mode:	Forwarding mode
 * @count:	Number of rules in @rules
 * @rules:	Port ranges, in command line order
 * @excl:	Bitmap of excluded ports (~PORT), union of all specs given;
 *		@rules and @map already leave them out
 * @map:	Bitmap of ports forwarded now (static, or found by a scan)
 * @delta:	Target port minus listening port, per listening port
 */
struct fwd_ports {
	enum fwd_mode mode;
	unsigned int count;
	struct fwd_rule rules[FWD_RULES_MAX];
	unsigned long excl[NUM_PORTS / (sizeof(long) * 8)];
	unsigned long map[NUM_PORTS / (sizeof(long) * 8)];
	uint16_t delta[NUM_PORTS];
};

struct ctx;
struct flowside;

uint8_t fwd_nat_from_tap(const struct ctx *c, uint8_t proto,
			 const struct flowside *ini, struct flowside *tgt);
uint8_t fwd_nat_from_host(const struct ctx *c, const struct fwd_ports *fwd,
			  const struct flowside *ini, struct flowside *tgt);
uint8_t fwd_nat_from_splice(const struct fwd_ports *fwd,
			    const struct flowside *ini, struct flowside *tgt);

/**
 * typedef fwd_listen_fn - Open one listening socket of a protocol
 * @c:		Execution context
 * @rule:	Rule the port belongs to (bind address and interface)
 * @out:	In the namespace (-T/-U) rather than on the host
 * @v6:		IPv6 rather than IPv4
 * @port:	Port
 *
 * Return: 0 on success, negative error code on failure
 */
typedef int (*fwd_listen_fn)(const struct ctx *c, const struct fwd_rule *rule,
			     bool out, bool v6, uint16_t port);

/**
 * typedef fwd_close_fn - Called before the listening sockets of a port close
 * @c:		Execution context
 * @out:	In the namespace (-T/-U) rather than on the host
 * @port:	Port
 */
typedef void (*fwd_close_fn)(const struct ctx *c, bool out,
			     unsigned int port);

int fwd_listen_rules(const struct ctx *c, const struct fwd_ports *fwd,
		     bool out, fwd_listen_fn open_fn, const char *proto);
void fwd_listen_close(const struct ctx *c, int lfd[2][NUM_PORTS],
		      unsigned int port);
void fwd_auto_sync(const struct ctx *c, const struct fwd_ports *fwd, bool udp,
		   int lfd[2][2][NUM_PORTS], bool out, fwd_listen_fn open_fn,
		   fwd_close_fn close_fn);
void fwd_scan_init(const struct ctx *c);
bool fwd_port_wanted(const struct fwd_ports *fwd, unsigned int port);

/* Port specification parser for -t, -u, -T, -U (implemented in conf.c) */
int fwd_spec_parse(struct fwd_ports *fwd, const char *spec, bool pasta,
		   bool outbound, char *err, size_t errlen);
void fwd_spec_finish(struct fwd_ports *fwd, enum fwd_mode dflt,
		     bool v4, bool v6);

#endif /* FWD_H */
