// SPDX-License-Identifier: GPL-2.0-or-later
/* isolation.c - Privilege dropping, namespace detachment, seccomp
 *
 * Theory of operation
 * ===================
 *
 * We never need privileges: everything we do is allowed to an ordinary
 * user.  So we refuse to keep running as root in the initial user namespace
 * (where root's powers are real): we switch to the user given with --runas,
 * or to "nobody", before anything else happens.  Root inside a user
 * namespace (as under Podman's rootless set-up) owns nothing outside it and
 * is fine.
 *
 * Stages:
 * - isolate_initial(): at the very start, close inherited file descriptors
 *   (but the one given with --fd) so nothing leaks into the sandbox.
 * - isolate_user(): drop root, as above.
 * - isolate_prefork() / isolate_postfork(): around daemonizing, once set-up
 *   is done: no new privileges from here on.  The hardening issue adds the
 *   namespace detachment and the seccomp filter here.
 */

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>

#include "passt.h"
#include "isolation.h"
#include "log.h"
#include "util.h"

/**
 * isolate_initial() - First step: close what we inherited and don't need
 * @argc:	Argument count, to find --fd
 * @argv:	Arguments
 */
void isolate_initial(int argc, char **argv)
{
	close_open_files(argc, argv);
}

/**
 * in_init_userns() - Are we in the initial user namespace?
 *
 * Return: true if our uid map is the identity over the whole range
 */
static bool in_init_userns(void)
{
	char buf[BUFSIZ];
	unsigned long a, b, n;

	if (read_file_str("/proc/self/uid_map", buf, sizeof(buf)) < 0)
		return true;
	if (sscanf(buf, "%lu %lu %lu", &a, &b, &n) != 3)
		return true;
	return a == 0 && b == 0 && n == 4294967295UL;
}

/**
 * isolate_user() - Stop being root in the initial user namespace
 * @uid:	User to switch to (--runas, or nobody)
 * @gid:	Group to switch to
 * @use_userns:	Unused for now: the hardening issue detaches from namespaces
 * @userns:	Unused for now
 * @mode:	MODE_PASST or MODE_PASTA
 */
void isolate_user(uid_t uid, gid_t gid, bool use_userns, const char *userns,
		  int mode)
{
	(void)use_userns;
	(void)userns;
	(void)mode;

	if (geteuid() != 0)
		return;
	if (!in_init_userns())
		return;		/* root in a user namespace owns nothing else */

	if (uid == 0)
		die("Refusing to run as root in the initial user namespace: "
		    "use --runas with an unprivileged user");

	if (setgroups(0, NULL) && errno != EPERM)
		die_perror("Can't drop supplementary groups");
	if (setgid(gid))
		die_perror("Can't switch to group %u", (unsigned int)gid);
	if (setuid(uid))
		die_perror("Can't switch to user %u", (unsigned int)uid);
	info("Started as root, now running as UID %u, GID %u",
	     (unsigned int)uid, (unsigned int)gid);
}

/**
 * isolate_prefork() - Restrictions applied before daemonizing
 * @c:		Execution context
 *
 * Return: 0 on success, negative error code on failure
 */
int isolate_prefork(const struct ctx *c)
{
	(void)c;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return 0;
}

/**
 * isolate_postfork() - Restrictions applied once running as a daemon
 * @c:		Execution context
 *
 * Nothing more than isolate_prefork() yet: the seccomp filter goes here.
 */
void isolate_postfork(const struct ctx *c)
{
	debug("%s running, PID %i", c->name, (int)getpid());
}
