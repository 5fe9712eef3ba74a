// SPDX-License-Identifier: GPL-2.0-or-later
/* pasta.c - Namespaces, the spawned command, the tap device (pasta mode)
 *
 * pasta either starts a command (a shell by default) in new user, network,
 * mount, UTS, IPC and PID namespaces, or attaches to the network namespace
 * (and optionally the user namespace) of an existing process or path.
 *
 * Our own process never changes namespace: whatever has to be done inside the
 * target namespace (opening the tap device, netlink or loopback sockets) runs
 * in a short-lived clone, sharing our memory and file descriptor table, that
 * joins the namespaces, calls a function and exits: see ns_call().
 *
 * A spawned command waits on a pipe until pasta_release_child(): it starts
 * only once the namespace is set up and pasta is ready to forward traffic.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>

#include <linux/if_tun.h>
#include <linux/magic.h>

#include "util.h"
#include "passt.h"
#include "log.h"
#include "netlink.h"
#include "pasta.h"
#include "tap.h"

#define NS_STACK_SIZE		(256 * 1024)
#define NETNS_RUN_DIR		"/run/netns"
#define HOSTNAME_PREFIX		"pasta-"
#define TAP_NAME_DEFAULT	"tap0"
#define LOOPBACK_IFI		1	/* lo is the first link of any netns */
#define LL_WAIT_STEP_NS		1000000		/* 1 ms */
#define LL_WAIT_STEPS		1000

#ifndef NSFS_MAGIC
#define NSFS_MAGIC		0x6e736673
#endif

/* Stack for clone() children: ns_call() ones share our memory, and run while
 * we wait for them; the spawned command gets its own copy of everything
 */
static char ns_stack[NS_STACK_SIZE] __attribute__((aligned(64)));

/* Write end of the pipe the spawned command waits on, -1 if none */
static int pasta_release_fd = -1;

#ifdef PASST_VALGRIND
/* valgrind implements clone() only for threads, fork() and vfork(), not for a
 * child sharing our memory and file descriptors but not our filesystem
 * information, as the one below: it gives up on the first call. In this build
 * only, switch network namespace back and forth in our own task instead. That
 * needs CAP_SYS_ADMIN over both network namespaces: pasta run as root of a
 * user namespace owning both, attached to the target (test/ns/95-valgrind.sh),
 * and no user namespace to join.
 */
int ns_call(const struct ctx *c, int (*fn)(void *arg), void *arg)
{
	static int own_netns = -1;
	int ret;

	if (c->pasta_netns_fd < 0)
		return -EBADF;
	if (!c->netns_only && c->pasta_userns_fd >= 0)
		return -EOPNOTSUPP;	/* can't come back from a user namespace */

	if (own_netns < 0) {
		own_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (own_netns < 0)
			return -errno;
	}

	if (setns(c->pasta_netns_fd, CLONE_NEWNET))
		return -errno;

	ret = fn(arg);

	if (setns(own_netns, CLONE_NEWNET))
		die_perror("Couldn't return to our network namespace");

	return ret;
}
#else /* !PASST_VALGRIND */
/**
 * struct ns_call_arg - Function to call in the target namespace, and result
 * @c:		Execution context
 * @fn:		Function
 * @arg:	Its argument
 * @ret:	Its return value, or negative error code from setns()
 */
struct ns_call_arg {
	const struct ctx *c;
	int (*fn)(void *arg);
	void *arg;
	int ret;
};

/**
 * ns_call_do() - Join the target namespaces and call the function there
 * @arg:	struct ns_call_arg
 *
 * Runs in a clone sharing memory and file descriptors with us: an fd it opens
 * is ours.
 *
 * Return: 0, the result is in @arg
 */
static int ns_call_do(void *arg)
{
	/* #syscalls:pasta setns exit */
	struct ns_call_arg *a = arg;
	const struct ctx *c = a->c;

	if (!c->netns_only && c->pasta_userns_fd >= 0 &&
	    setns(c->pasta_userns_fd, CLONE_NEWUSER)) {
		a->ret = -errno;
		return 0;
	}

	if (setns(c->pasta_netns_fd, CLONE_NEWNET)) {
		a->ret = -errno;
		return 0;
	}

	a->ret = a->fn(a->arg);
	return 0;
}

/**
 * ns_call() - Call a function in the target namespace
 * @c:		Execution context
 * @fn:		Function: must not exit, nor change anything but memory and
 *		file descriptors that we need to see
 * @arg:	Its argument
 *
 * The function runs in a clone joining the user namespace (unless
 * --netns-only, or we're already in it) and the network namespace. It shares
 * our memory and file descriptor table, and we wait for it to return.
 *
 * Return: return value of @fn, negative error code if the clone couldn't be
 *	   started or couldn't join the namespaces
 */
int ns_call(const struct ctx *c, int (*fn)(void *arg), void *arg)
{
	/* #syscalls:pasta clone wait4|waitpid */
	struct ns_call_arg a = { .c = c, .fn = fn, .arg = arg, .ret = 0 };
	int status;
	pid_t pid;

	if (c->pasta_netns_fd < 0)
		return -EBADF;

	/* No exit signal: reaped here with __WCLONE, never seen as SIGCHLD */
	pid = clone(ns_call_do, ns_stack + sizeof(ns_stack),
		    CLONE_VM | CLONE_VFORK | CLONE_FILES, &a);
	if (pid < 0)
		return -errno;

	while (waitpid(pid, &status, __WCLONE) < 0 && errno == EINTR)
		;

	return a.ret;
}
#endif /* !PASST_VALGRIND */

/**
 * pasta_write_file() - Write a string to a file (procfs, sysfs)
 * @path:	Path
 * @s:		String, written in one go
 *
 * Return: 0 on success, negative error code on failure
 */
static int pasta_write_file(const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;

	n = write(fd, s, len);
	if (n < 0)
		n = -errno;
	close(fd);

	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -EIO;
}

/**
 * pasta_open_ns_file() - Open a namespace file
 * @path:	Path
 * @what:	What it is, for the message on failure
 *
 * Return: file descriptor, exits on failure
 */
static int pasta_open_ns_file(const char *path, const char *what)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die_perror("Couldn't open %s namespace %s", what, path);

	return fd;
}

/**
 * pasta_userns_is_ours() - Is a user namespace the one we're in?
 * @fd:		User namespace file descriptor
 *
 * setns() refuses to join the user namespace we're already in.
 *
 * Return: true if it's ours
 */
static bool pasta_userns_is_ours(int fd)
{
	struct stat a, b;

	if (fstat(fd, &a) || stat("/proc/self/ns/user", &b))
		return false;

	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/**
 * pasta_set_userns() - Keep a user namespace to join, unless it's ours
 * @c:		Execution context
 * @path:	Path of the user namespace file
 */
static void pasta_set_userns(struct ctx *c, const char *path)
{
	int fd = pasta_open_ns_file(path, "user");

	if (pasta_userns_is_ours(fd)) {
		close(fd);
		fd = -1;
	}

	c->pasta_userns_fd = fd;
}

/**
 * pasta_ns_check() - Nothing: ns_call() shows if the namespaces can be joined
 * @arg:	Unused
 *
 * Return: 0
 */
static int pasta_ns_check(void *arg)
{
	(void)arg;
	return 0;
}

/**
 * pasta_netns_target() - Work out the namespace files for a target
 * @c:		Execution context, netns_path and userns_path updated
 * @target:	PID, name in /run/netns, path, or NULL/empty for --netns
 *
 * For a PID, the user namespace of the process is implied, unless --userns
 * is given.
 */
static void pasta_netns_target(struct ctx *c, const char *target)
{
	size_t n = sizeof(c->netns_path);
	char *end;
	long pid;
	int len;

	if (!target || !*target || target == c->netns_path) {
		if (!*c->netns_path)
			die("No target namespace given");
		return;
	}

	errno = 0;
	pid = strtol(target, &end, 10);
	if (*end || errno || pid <= 0 || pid > INT_MAX || *target == '-' ||
	    *target == '+')
		pid = 0;

	if (pid)
		len = snprintf(c->netns_path, n, "/proc/%li/ns/net", pid);
	else if (strchr(target, '/'))
		len = snprintf(c->netns_path, n, "%s", target);
	else
		len = snprintf(c->netns_path, n, NETNS_RUN_DIR "/%s", target);

	if (len < 0 || (size_t)len >= n)
		die("Namespace path too long: %s", target);

	if (pid && !*c->userns_path)
		snprintf(c->userns_path, sizeof(c->userns_path),
			 "/proc/%li/ns/user", pid);
}

/**
 * pasta_open_ns() - Attach to an existing namespace, exit on failure
 * @c:		Execution context
 * @target:	PID, name (in /run/netns), path, or NULL or empty string to
 *		use @c->netns_path (--netns). For a PID, the user namespace of
 *		the process is joined too, unless --userns or --netns-only.
 *
 * --userns PATH gives the user namespace to join; without it (and with a
 * path, not a PID), or with --netns-only, we only join the network namespace.
 */
void pasta_open_ns(struct ctx *c, const char *target)
{
	int rc;

	pasta_netns_target(c, target);

	c->pasta_netns_fd = pasta_open_ns_file(c->netns_path, "network");
	c->pasta_userns_fd = -1;
	if (!c->netns_only && *c->userns_path)
		pasta_set_userns(c, c->userns_path);

	rc = ns_call(c, pasta_ns_check, NULL);
	if (rc < 0) {
		die("Couldn't join namespace %s%s%s: %s", c->netns_path,
		    c->pasta_userns_fd >= 0 ? " with user namespace " : "",
		    c->pasta_userns_fd >= 0 ? c->userns_path : "",
		    strerror(-rc));
	}

	c->pasta_child_pid = 0;
	debug("Attached to namespace %s", c->netns_path);
}

/**
 * struct pasta_spawn - What the command to spawn needs
 * @exe:	Executable, looked up in $PATH
 * @argv:	Arguments, NULL-terminated
 * @ready_rd:	Read end of the pipe telling the parent we're there
 * @ready_wr:	Its write end
 * @release_rd:	Read end of the pipe the parent writes to when it's ready
 * @release_wr:	Its write end
 */
struct pasta_spawn {
	const char *exe;
	char *const *argv;
	int ready_rd;
	int ready_wr;
	int release_rd;
	int release_wr;
};

/**
 * pasta_spawn_setup() - Set up the new namespaces of the command
 *
 * Runs in the spawned child, once released. None of this is essential.
 */
static void pasta_spawn_setup(void)
{
	char name[HOST_NAME_MAX + 1] = HOSTNAME_PREFIX;
	size_t pre = sizeof(HOSTNAME_PREFIX) - 1;

	/* New PID namespace: a /proc of its own, for ps and the like */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL))
		debug_perror("Couldn't mount /proc in the namespace");

	/* Let our (only) group use ping sockets */
	if (pasta_write_file("/proc/sys/net/ipv4/ping_group_range", "0 0"))
		debug("Couldn't set ping_group_range, ping might not work");

	if (!gethostname(name + pre, sizeof(name) - pre) ||
	    errno == ENAMETOOLONG) {
		name[sizeof(name) - 1] = 0;
		if (sethostname(name, strlen(name)))
			debug_perror("Couldn't set hostname %s", name);
	}
}

/**
 * pasta_spawn_signals() - Undo what pasta did to signal handling
 *
 * An ignored SIGPIPE, and blocked signals, are inherited through execve().
 */
static void pasta_spawn_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/**
 * pasta_read_byte() - Wait for a byte on a pipe
 * @fd:		Read end
 *
 * Return: true if a byte came, false on end of file or error
 */
static bool pasta_read_byte(int fd)
{
	ssize_t n;
	char b;

	do
		n = read(fd, &b, 1);
	while (n < 0 && errno == EINTR);

	return n == 1;
}

/**
 * pasta_spawn_cmd() - Child: wait until released, then run the command
 * @arg:	struct pasta_spawn
 *
 * Return: doesn't return: runs the command, or exits with 127 (not found) or
 *	   126 (can't run it), as shells do, or 1 if pasta went away first
 */
static int pasta_spawn_cmd(void *arg)
{
	const struct pasta_spawn *a = arg;

	close(a->ready_rd);
	close(a->release_wr);

	/* Our /proc entries must belong to us for the parent to write our ID
	 * maps: pasta might have made itself non-dumpable, and we inherited
	 * that. execve() sets it again as appropriate.
	 */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);

	if (write(a->ready_wr, "r", 1) != 1)
		_exit(EXIT_FAILURE);
	close(a->ready_wr);

	if (!pasta_read_byte(a->release_rd))
		_exit(EXIT_FAILURE);
	close(a->release_rd);

	pasta_spawn_setup();
	pasta_spawn_signals();

	execvp(a->exe, a->argv);

	err_perror("Couldn't run %s", a->exe);
	_exit(errno == ENOENT ? 127 : 126);
}

/**
 * pasta_id_maps() - Map the user and group to root in the new user namespace
 * @pid:	Process in the new user namespace
 * @uid:	User ID, in our user namespace
 * @gid:	Group ID, in our user namespace
 */
static void pasta_id_maps(pid_t pid, uid_t uid, gid_t gid)
{
	char path[64], map[64];

	snprintf(path, sizeof(path), "/proc/%i/uid_map", pid);
	snprintf(map, sizeof(map), "0 %u 1", uid);
	if (pasta_write_file(path, map))
		goto fail;

	snprintf(path, sizeof(path), "/proc/%i/setgroups", pid);
	if (pasta_write_file(path, "deny"))
		goto fail;

	snprintf(path, sizeof(path), "/proc/%i/gid_map", pid);
	snprintf(map, sizeof(map), "0 %u 1", gid);
	if (!pasta_write_file(path, map))
		return;

fail:
	warn_perror("Couldn't map UID %u, GID %u to root in the namespace",
		    uid, gid);
}

/**
 * pasta_open_child_ns() - Open the namespaces of the spawned command
 * @c:		Execution context
 * @pid:	Its PID
 */
static void pasta_open_child_ns(struct ctx *c, pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%i/ns/net", pid);
	c->pasta_netns_fd = pasta_open_ns_file(path, "network");

	snprintf(path, sizeof(path), "/proc/%i/ns/user", pid);
	c->pasta_userns_fd = pasta_open_ns_file(path, "user");
}

/**
 * pasta_clone_cmd() - Clone the command's process into new namespaces
 * @a:		What it needs, pipes filled here
 *
 * Return: PID, exits on failure
 */
static pid_t pasta_clone_cmd(struct pasta_spawn *a)
{
	int ready[2], release[2];
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) || pipe2(release, O_CLOEXEC))
		die_perror("Couldn't create pipes for the command");

	a->ready_rd = ready[0];
	a->ready_wr = ready[1];
	a->release_rd = release[0];
	a->release_wr = release[1];

	pid = clone(pasta_spawn_cmd, ns_stack + sizeof(ns_stack),
		    CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWUTS |
		    CLONE_NEWIPC | CLONE_NEWPID | SIGCHLD, a);
	if (pid < 0) {
		die("Couldn't create namespaces for the command: %s%s",
		    strerror(errno), errno == EPERM || errno == ENOSPC ?
		    " (are unprivileged user namespaces disabled? See the "
		    "sysctls user.max_user_namespaces and "
		    "kernel.unprivileged_userns_clone)" : "");
	}

	close(a->ready_wr);
	close(a->release_rd);

	return pid;
}

/**
 * pasta_start_ns() - Start a command, or a shell, in new namespaces
 * @c:		Execution context
 * @uid:	User ID we run as, mapped to root in the new user namespace
 * @gid:	Group ID we run as, mapped to root there
 * @argc:	Number of words in @argv, 0 for a login shell ($SHELL, or
 *		/bin/sh if unset)
 * @argv:	Command and arguments
 *
 * The command starts with new user, network, mount, UTS, IPC and PID
 * namespaces, but it only runs once pasta_release_child() is called. Exits
 * on failure.
 */
void pasta_start_ns(struct ctx *c, uid_t uid, gid_t gid,
		    int argc, char *argv[])
{
	static char sh_arg0[PATH_MAX + 1];
	static char *sh_argv[] = { sh_arg0, NULL };
	struct pasta_spawn a = { .exe = argc ? argv[0] : NULL, .argv = argv };
	pid_t pid;

	if (!argc) {
		a.exe = getenv("SHELL");
		if (!a.exe || !*a.exe)
			a.exe = "/bin/sh";

		/* Leading '-' in argv[0]: a login shell */
		if ((size_t)snprintf(sh_arg0, sizeof(sh_arg0), "-%s", a.exe) >=
		    sizeof(sh_arg0))
			die("$SHELL is too long (%zu bytes)", strlen(a.exe));
		a.argv = sh_argv;
	}

	pid = pasta_clone_cmd(&a);

	if (!pasta_read_byte(a.ready_rd))
		die("The command's process in the new namespaces failed");
	close(a.ready_rd);

	pasta_id_maps(pid, uid, gid);
	pasta_open_child_ns(c, pid);

	c->pasta_child_pid = pid;
	pasta_release_fd = a.release_wr;

	/* We stay with the command and its terminal, and keep quiet there */
	c->foreground = 1;
	if (!c->debug)
		c->quiet = 1;

	debug("Started %s, PID %i, in new namespaces", a.exe, pid);
}

/**
 * pasta_release_child() - Let the spawned command run: we're ready
 * @c:		Execution context
 */
void pasta_release_child(struct ctx *c)
{
	if (pasta_release_fd < 0)
		return;

	if (write(pasta_release_fd, "g", 1) != 1)
		warn_perror("Couldn't release the command's process");

	close(pasta_release_fd);
	pasta_release_fd = -1;
	debug("Command released, PID %i", c->pasta_child_pid);
}

/**
 * pasta_child_handler() - Reap children, quit once the spawned command exits
 * @c:		Execution context: quit and exit_status set then, to the
 *		command's exit status, or 128 plus the signal that killed it
 */
void pasta_child_handler(struct ctx *c)
{
	/* #syscalls:pasta wait4|waitpid */
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (!c->pasta_child_pid || pid != c->pasta_child_pid)
			continue;

		if (WIFEXITED(status))
			c->exit_status = WEXITSTATUS(status);
		else if (WIFSIGNALED(status))
			c->exit_status = 128 + WTERMSIG(status);
		else
			continue;

		debug("Command (PID %i) exited, status %i", pid,
		      c->exit_status);
		c->pasta_child_pid = 0;
		c->child_exited = true;
	}
}

/**
 * struct pasta_tap - Tap device to create in the namespace, and result
 * @name:	Name, updated with the one the kernel gave
 * @ifi:	Interface index, set on success
 * @open_err:	Opening /dev/net/tun failed (as opposed to creating the tap)
 */
struct pasta_tap {
	char name[IFNAMSIZ];
	unsigned int ifi;
	bool open_err;
};

/**
 * pasta_tap_do() - Create the tap device, in the namespace
 * @arg:	struct pasta_tap
 *
 * Return: file descriptor of the tap device, negative error code on failure
 */
static int pasta_tap_do(void *arg)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	struct pasta_tap *t = arg;
	int fd, rc;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		t->open_err = true;
		return -errno;
	}

	memcpy(ifr.ifr_name, t->name, IFNAMSIZ);
	ifr.ifr_name[IFNAMSIZ - 1] = 0;
	if (ioctl(fd, TUNSETIFF, &ifr))
		goto fail;

	memcpy(t->name, ifr.ifr_name, IFNAMSIZ);
	t->ifi = if_nametoindex(t->name);
	if (!t->ifi)
		goto fail;

	return fd;

fail:
	rc = -errno;
	close(fd);
	return rc;
}

/**
 * pasta_tap_name() - Pick the tap name if not given: like the upstream link
 * @c:		Execution context, pasta_ifn set
 */
static void pasta_tap_name(struct ctx *c)
{
	unsigned int ifi = c->ifi4 ? c->ifi4 : c->ifi6;

	if (*c->pasta_ifn)
		return;

	if (!ifi || !if_indextoname(ifi, c->pasta_ifn))
		snprintf(c->pasta_ifn, sizeof(c->pasta_ifn), TAP_NAME_DEFAULT);
}

/**
 * pasta_tap_open() - Create the tap device in the namespace, exit on failure
 * @c:		Execution context: pasta_ifn (default: name of the upstream
 *		interface, or "tap0") and pasta_ifi set
 *
 * Return: non-blocking file descriptor of the tap device
 */
int pasta_tap_open(struct ctx *c)
{
	struct pasta_tap t = { 0 };
	int fd;

	pasta_tap_name(c);
	memcpy(t.name, c->pasta_ifn, IFNAMSIZ);

	fd = ns_call(c, pasta_tap_do, &t);
	if (fd < 0 && t.open_err) {
		int e = -fd;

		die("Cannot open /dev/net/tun: %s%s", strerror(e),
		    e == ENOENT || e == ENODEV || e == ENXIO ?
		    " (is the tun module loaded?)" :
		    e == EACCES || e == EPERM ?
		    " (check the permissions of /dev/net/tun)" : "");
	}
	if (fd < 0) {
		die("Couldn't create tap device %s in the namespace: %s%s",
		    c->pasta_ifn, strerror(-fd),
		    fd == -EINVAL || fd == -EBUSY ?
		    " (is the name taken? Choose another with -I)" : "");
	}

	memcpy(c->pasta_ifn, t.name, IFNAMSIZ);
	c->pasta_ifi = t.ifi;
	debug("Tap device %s, index %u, in the namespace", t.name, t.ifi);

	return fd;
}

/**
 * pasta_conf_ip4() - Configure IPv4 addresses and routes on the tap
 * @c:		Execution context
 *
 * With -a, only that address, all those of the upstream interface otherwise;
 * with -g, only a default route, all routes of the upstream link otherwise.
 */
static void pasta_conf_ip4(const struct ctx *c)
{
	int rc;

	if (c->ip4.no_copy_addrs) {
		rc = nl_addr_set(nl_sock_ns, c->pasta_ifi, AF_INET,
				 &c->ip4.addr, c->ip4.prefix_len);
	} else {
		rc = nl_addr_dup(nl_sock, c->ifi4, nl_sock_ns, c->pasta_ifi,
				 AF_INET);
	}
	if (rc < 0 && rc != -EEXIST)
		die("Couldn't set IPv4 address(es) in namespace: %s",
		    strerror(-rc));

	if (c->ip4.no_copy_routes) {
		rc = nl_route_set_def(nl_sock_ns, c->pasta_ifi, AF_INET,
				      &c->ip4.guest_gw);
	} else {
		rc = nl_route_dup(nl_sock, c->ifi4, nl_sock_ns, c->pasta_ifi,
				  AF_INET);
	}
	if (rc < 0 && rc != -EEXIST)
		die("Couldn't set IPv4 route(s) in namespace: %s",
		    strerror(-rc));
}

/**
 * pasta_ll_wait() - Wait for the tap's link-local address to be usable
 * @c:		Execution context: ip6.addr_ll_seen set to that address
 *
 * The link was brought up with IFF_NOARP: duplicate address detection on
 * the link-local address completes as soon as the kernel gets to it, but
 * that's deferred to a work queue. Clearing IFF_NOARP before that would
 * start a real detection, leaving the address unusable for up to a second.
 */
static void pasta_ll_wait(struct ctx *c)
{
	struct timespec ts = { 0, LL_WAIT_STEP_NS };
	int i, rc = 0;

	for (i = 0; i < LL_WAIT_STEPS; i++) {
		rc = nl_addr_get_ll(nl_sock_ns, c->pasta_ifi,
				    &c->ip6.addr_ll_seen);
		if (rc < 0 || !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr_ll_seen))
			break;
		nanosleep(&ts, NULL);
	}

	if (rc < 0)
		warn("Can't get link-local address in namespace: %s",
		     strerror(-rc));
	else if (i == LL_WAIT_STEPS)
		warn("No usable link-local address in namespace yet");
	else
		debug("Link-local address in namespace usable after %i ms", i);
}

/**
 * pasta_conf_ip6() - Configure IPv6 addresses and routes on the tap
 * @c:		Execution context: ip6.addr_ll_seen set to the tap's link-local
 *		address
 *
 * Once the link-local address is usable (see pasta_ll_wait()), mark it
 * IFA_F_NODAD so that it stays so, then clear IFF_NOARP: neighbour discovery
 * is needed. Addresses and routes are then set as for IPv4.
 */
static void pasta_conf_ip6(struct ctx *c)
{
	int rc;

	pasta_ll_wait(c);

	rc = nl_addr_set_ll_nodad(nl_sock_ns, c->pasta_ifi);
	if (rc < 0)
		warn("Can't set NODAD on link-local address in namespace: %s",
		     strerror(-rc));

	rc = nl_link_set_flags(nl_sock_ns, c->pasta_ifi, 0, IFF_NOARP);
	if (rc < 0)
		warn("Can't enable neighbour discovery in namespace: %s",
		     strerror(-rc));

	rc = 0;
	if (!c->ip6.no_copy_addrs) {
		rc = nl_addr_dup(nl_sock, c->ifi6, nl_sock_ns, c->pasta_ifi,
				 AF_INET6);
	} else if (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr)) {
		rc = nl_addr_set(nl_sock_ns, c->pasta_ifi, AF_INET6,
				 &c->ip6.addr, c->ip6.prefix_len ?
				 c->ip6.prefix_len : 64);
	}
	if (rc < 0 && rc != -EEXIST)
		die("Couldn't set IPv6 address(es) in namespace: %s",
		    strerror(-rc));

	if (c->ip6.no_copy_routes) {
		rc = nl_route_set_def(nl_sock_ns, c->pasta_ifi, AF_INET6,
				      &c->ip6.guest_gw);
	} else {
		rc = nl_route_dup(nl_sock, c->ifi6, nl_sock_ns, c->pasta_ifi,
				  AF_INET6);
	}
	if (rc < 0 && rc != -EEXIST)
		die("Couldn't set IPv6 route(s) in namespace: %s",
		    strerror(-rc));
}

/**
 * pasta_ns_conf() - Set up loopback and tap device in the namespace
 * @c:		Execution context
 *
 * Always: bring up the loopback link, and set the tap's MAC address to the
 * one given (--ns-mac-addr), or read it into @c->guest_mac. With
 * --config-net: MTU, addresses, routes, and the tap brought up. Without, the
 * tap is left down, for the user (or a DHCP client) to configure. Exits on
 * failure.
 */
void pasta_ns_conf(struct ctx *c)
{
	int rc;

	rc = nl_link_set_up(nl_sock_ns, LOOPBACK_IFI);
	if (rc < 0)
		die("Couldn't bring up loopback interface in namespace: %s",
		    strerror(-rc));

	if (c->ns_mac_given)
		rc = nl_link_set_mac(nl_sock_ns, c->pasta_ifi, c->guest_mac);
	else
		rc = nl_link_get_mac(nl_sock_ns, c->pasta_ifi, c->guest_mac);
	if (rc < 0)
		die("Couldn't %s MAC address in namespace: %s",
		    c->ns_mac_given ? "set" : "get", strerror(-rc));

	/* The kernel drops what the namespace sends us once the device's
	 * queue is full: tcp.c keeps windows within TAP_QUEUE_LEN segments.
	 */
	rc = nl_link_set_txqlen(nl_sock_ns, c->pasta_ifi, TAP_QUEUE_LEN);
	if (rc < 0)
		warn("Can't set the queue length of %s to %u: %s",
		     c->pasta_ifn, TAP_QUEUE_LEN, strerror(-rc));

	if (!c->pasta_conf_ns)
		return;

	if (c->mtu > 0) {
		rc = nl_link_set_mtu(nl_sock_ns, c->pasta_ifi, c->mtu);
		if (rc < 0)
			die("Couldn't set MTU %i in namespace: %s", c->mtu,
			    strerror(-rc));
	}

	/* No DAD on link up, see pasta_ll_wait(). Not in the same request as
	 * IFF_UP: changing IFF_NOARP on a link that's up restarts DAD.
	 */
	if (c->ifi6) {
		rc = nl_link_set_flags(nl_sock_ns, c->pasta_ifi, IFF_NOARP,
				       IFF_NOARP);
		if (rc < 0)
			warn("Can't set NOARP on %s in namespace: %s",
			     c->pasta_ifn, strerror(-rc));
	}

	rc = nl_link_set_up(nl_sock_ns, c->pasta_ifi);
	if (rc < 0)
		die("Couldn't bring up %s in namespace: %s", c->pasta_ifn,
		    strerror(-rc));

	if (c->ifi4)
		pasta_conf_ip4(c);
	if (c->ifi6)
		pasta_conf_ip6(c);
}

/**
 * pasta_netns_base() - File name part of the namespace path
 * @c:		Execution context
 *
 * Return: pointer into @c->netns_path
 */
static const char *pasta_netns_base(const struct ctx *c)
{
	const char *slash = strrchr(c->netns_path, '/');

	return slash ? slash + 1 : c->netns_path;
}

/**
 * pasta_netns_quit_timer() - Start a one-second periodic timer
 *
 * Return: timerfd, exits on failure
 */
static int pasta_netns_quit_timer(void)
{
	struct itimerspec it = { { 1, 0 }, { 1, 0 } };
	int fd;

	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0 || timerfd_settime(fd, 0, &it, NULL))
		die_perror("Couldn't start timer to watch the namespace");

	return fd;
}

/**
 * pasta_netns_quit_inotify() - Watch deletions in the namespace's directory
 * @dir:	Directory
 *
 * Return: inotify file descriptor, -1 if it can't be used
 */
static int pasta_netns_quit_inotify(const char *dir)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd < 0) {
		debug_perror("inotify_init1");
		return -1;
	}

	if (inotify_add_watch(fd, dir, IN_DELETE) < 0) {
		debug_perror("inotify_add_watch on %s", dir);
		close(fd);
		return -1;
	}

	return fd;
}

/**
 * pasta_netns_quit_init() - Watch the target namespace, to quit once it's gone
 * @c:		Execution context
 *
 * Only for a namespace we attached to (not one we created: we quit with its
 * command), unless --no-netns-quit. Deletions in the directory of the
 * namespace file are watched with inotify; where that doesn't work (procfs,
 * for a PID), a one-second timer checks whether the file is still there.
 */
void pasta_netns_quit_init(const struct ctx *c)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_NSQUIT_INOTIFY };
	char dir[PATH_MAX];
	struct statfs sfs;
	int dir_fd, fd = -1;

	if (c->mode != MODE_PASTA || c->no_netns_quit || !*c->netns_path ||
	    c->pasta_child_pid)
		return;

	snprintf(dir, sizeof(dir), "%.*s",
		 (int)(pasta_netns_base(c) - c->netns_path), c->netns_path);
	if (!*dir)
		snprintf(dir, sizeof(dir), ".");

	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		die_perror("Couldn't open %s to watch the namespace", dir);

	if (!fstatfs(dir_fd, &sfs) && sfs.f_type != PROC_SUPER_MAGIC &&
	    sfs.f_type != SYSFS_MAGIC && sfs.f_type != NSFS_MAGIC &&
	    sfs.f_type != DEVPTS_SUPER_MAGIC)
		fd = pasta_netns_quit_inotify(dir);

	if (fd >= 0) {
		close(dir_fd);
	} else {
		fd = pasta_netns_quit_timer();
		ref.type = EPOLL_TYPE_NSQUIT_TIMER;
		ref.data = (uint32_t)dir_fd;
	}

	if (fd > FD_REF_MAX)
		die("Namespace watch file descriptor %i too big", fd);

	ref.fd = fd;
	epoll_add(c, EPOLLIN, ref);
}

/**
 * pasta_netns_gone() - The namespace went away: quit
 * @c:		Execution context
 */
static void pasta_netns_gone(struct ctx *c)
{
	info("Namespace %s is gone, exiting", c->netns_path);
	c->exit_status = EXIT_SUCCESS;
	c->quit = true;
}

/**
 * pasta_netns_quit_inotify_handler() - Quit if the namespace file was deleted
 * @c:		Execution context
 * @inotify_fd:	inotify file descriptor watching its directory
 */
void pasta_netns_quit_inotify_handler(struct ctx *c, int inotify_fd)
{
	/* #syscalls:pasta read */
	char buf[sizeof(struct inotify_event) + NAME_MAX + 1]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	const char *base = pasta_netns_base(c);
	ssize_t n;

	while ((n = read(inotify_fd, buf, sizeof(buf))) > 0) {
		const struct inotify_event *ev;
		ssize_t off;

		for (off = 0; off + (ssize_t)sizeof(*ev) <= n;
		     off += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(buf + off);

			/* IN_IGNORED: the directory itself is gone */
			if ((ev->mask & IN_IGNORED) ||
			    (ev->len && !strcmp(ev->name, base))) {
				pasta_netns_gone(c);
				return;
			}
		}
	}
}

/**
 * pasta_netns_quit_timer_handler() - Quit if the namespace file is gone
 * @c:		Execution context
 * @ref:	epoll reference of the timer, with the directory fd in @data
 */
void pasta_netns_quit_timer_handler(struct ctx *c, union epoll_ref ref)
{
	/* #syscalls:pasta read openat close */
	uint64_t expired;
	int fd;

	if (read(ref.fd, &expired, sizeof(expired)) < 0 && errno != EAGAIN)
		debug_perror("Namespace watch timer read()");

	fd = openat((int)ref.data, pasta_netns_base(c), O_PATH | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return;
	}

	if (errno == ENOENT || errno == ESRCH)
		pasta_netns_gone(c);
}
