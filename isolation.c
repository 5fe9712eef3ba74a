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
 * - isolate_prefork(): once set-up is done, before daemonizing: no new
 *   privileges; passt moves into a new user namespace (and its background
 *   child into a new PID namespace), pasta joins the user namespace of its
 *   target for good.
 * - isolate_postfork(): last, before the first frame is read: new mount, IPC
 *   and UTS namespaces with an empty, read-only root; every capability
 *   dropped but those still used; Landlock, where the kernel has it, denying
 *   every file system access; and a seccomp filter allowing only the system
 *   calls of our mode.
 *
 * The seccomp filter comes from annotations: a comment of the form
 * "#syscalls[:passt|:pasta] name..." next to the code that makes the calls
 * (see seccomp.sh, which turns them into seccomp.h at build time).  A call
 * outside the list raises SIGSYS, and seccomp_sigsys() logs its name before
 * we exit.  Nothing allocates memory after start-up, and brk, mmap and
 * friends aren't in the list: an allocation at run time is caught the same
 * way.
 */

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sched.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "passt.h"
#include "isolation.h"
#include "log.h"
#include "util.h"
#include "seccomp.h"

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
 * isolate_userns_passt() - passt: a user namespace of our own
 * @c:		Execution context
 *
 * Our user ID and group map to themselves, nothing else is mapped: inside,
 * we hold capabilities over nothing but the namespaces we create next.
 * When we fork into the background, the child also starts a PID namespace
 * of its own (it becomes its PID 1), so it can't see or signal any process.
 *
 * Return: 0 on success, negative error code if we stay where we are
 */
static int isolate_userns_passt(const struct ctx *c)
{
	int flags = CLONE_NEWUSER | (c->foreground ? 0 : CLONE_NEWPID);
	unsigned int uid = geteuid(), gid = getegid();
	char map[64];

	if (unshare(flags))
		return -errno;

	snprintf(map, sizeof(map), "%u %u 1", uid, uid);
	if (write_file_str("/proc/self/uid_map", map))
		return -EIO;
	if (write_file_str("/proc/self/setgroups", "deny"))
		return -EIO;
	snprintf(map, sizeof(map), "%u %u 1", gid, gid);
	if (write_file_str("/proc/self/gid_map", map))
		return -EIO;

	return 0;
}

/**
 * isolate_userns_pasta() - pasta: join the target's user namespace for good
 * @c:		Execution context: the user namespace fd is closed, and -1
 *
 * Then we hold capabilities in the namespace that owns the target network
 * namespace, which entering it (ns_call()) needs, and over the mount, IPC and
 * UTS namespaces we create next; ns_call() doesn't need to join it any more.
 *
 * Return: 0 on success or if there's nothing to join, negative error code
 */
static int isolate_userns_pasta(struct ctx *c)
{
	int rc = 0;

	if (c->netns_only || c->pasta_userns_fd < 0)
		return 0;

	if (setns(c->pasta_userns_fd, CLONE_NEWUSER))
		rc = -errno;
	else
		close(c->pasta_userns_fd);

	if (!rc)
		c->pasta_userns_fd = -1;
	return rc;
}

/**
 * isolate_prefork() - Restrictions applied before daemonizing
 * @c:		Execution context
 *
 * No new privileges from here on; passt moves into a user namespace of its
 * own (and, once forked, a PID namespace), pasta into the target's one.
 * Failing to move is not fatal: the namespaces are an extra layer, and not
 * every system allows them to unprivileged users.
 *
 * Return: 0 on success, negative error code on failure
 */
int isolate_prefork(struct ctx *c)
{
	int rc;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;

	if (c->mode == MODE_PASST)
		rc = isolate_userns_passt(c);
	else
		rc = isolate_userns_pasta(c);
	if (rc)
		debug("Staying in our user namespace: %s", strerror(-rc));
	else
		c->sandbox_userns = true;

	return 0;
}

/**
 * isolate_empty_root() - New mount, IPC and UTS namespaces, nothing mounted
 *
 * The root becomes an empty, read-only tmpfs: no file can be opened by path
 * any longer.  What we still need (sockets, the tap, log and capture files,
 * /proc tables for port scans, the directories of the files we remove on
 * exit) is already open.
 *
 * Return: 0 on success, negative error code on failure
 */
static int isolate_empty_root(void)
{
	if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS))
		return -errno;

	/* Nothing we do from here is seen outside, or comes in from there */
	if (mount("", "/", "", MS_UNBINDABLE | MS_REC, NULL))
		return -errno;

	if (mount("", "/tmp", "tmpfs",
		  MS_NODEV | MS_NOEXEC | MS_NOSUID | MS_RDONLY,
		  "nr_inodes=1,nr_blocks=1"))
		return -errno;

	/* Stack the old root under the new one, then let go of it */
	if (chdir("/tmp") || syscall(SYS_pivot_root, ".", "."))
		return -errno;
	if (umount2(".", MNT_DETACH) || chdir("/"))
		return -errno;

	return 0;
}

/**
 * isolate_caps() - Drop every capability we don't use
 * @c:		Execution context
 *
 * pasta keeps CAP_SYS_ADMIN in its user namespace to enter the target network
 * namespace (ns_call()), and CAP_NET_BIND_SERVICE if it has it there (low
 * ports bound in the namespace by automatic forwarding).  passt keeps
 * CAP_NET_BIND_SERVICE only if it was granted one and still runs in the user
 * namespace it was granted in: in a user namespace of its own, it has no
 * use.  Everything else goes, from the bounding set as well where we may
 * change it.
 *
 * Return: 0 on success, negative error code on failure
 */
static int isolate_caps(const struct ctx *c)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	uint64_t keep = 0, have;
	int cap;

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	have = data[0].effective | (uint64_t)data[1].effective << 32;

	if (c->mode == MODE_PASTA)
		keep |= 1ULL << CAP_SYS_ADMIN;
	if (c->mode == MODE_PASTA || !c->sandbox_userns)
		keep |= 1ULL << CAP_NET_BIND_SERVICE;
	keep &= have;

	for (cap = 0; cap <= CAP_LAST_CAP; cap++) {
		if (!(keep & (1ULL << cap)))
			prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);	/* EPERM: fine */
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);

	memset(data, 0, sizeof(data));
	data[0].effective = data[0].permitted = (uint32_t)keep;
	data[1].effective = data[1].permitted = (uint32_t)(keep >> 32);
	if (syscall(SYS_capset, &hdr, data))
		return -errno;

	return 0;
}

/* Newer than the kernel headers we may build with: values from the ABI */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE		(1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV		(1ULL << 15)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET	(1ULL << 0)
#endif

/**
 * struct isolate_ll_attr - Landlock ruleset attributes, as of ABI version 6
 * @fs:		Handled file system rights
 * @net:	Handled network rights (ABI 4): none, we connect anywhere
 * @scoped:	Scopes (ABI 6)
 *
 * Older kernels take the first 8 bytes (ABI 1 to 3) or 16 (4 and 5).
 */
struct isolate_ll_attr {
	uint64_t fs;
	uint64_t net;
	uint64_t scoped;
};

/**
 * isolate_landlock_allow_remove() - Let a file in a directory be removed
 * @ruleset:	Landlock ruleset
 * @dirfd:	O_PATH descriptor of the directory, ignored if negative
 */
static void isolate_landlock_allow_remove(int ruleset, int dirfd)
{
	struct landlock_path_beneath_attr pb = {
		.allowed_access = LANDLOCK_ACCESS_FS_REMOVE_FILE,
		.parent_fd = dirfd,
	};

	if (dirfd >= 0 &&
	    syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH,
		    &pb, 0))
		debug_perror("Landlock rule for file removal");
}

/**
 * isolate_landlock() - Refuse every file system access, if Landlock is there
 * @c:		Execution context
 *
 * An extra layer for files, under the empty root (or instead of it, where
 * new mount namespaces aren't allowed): from here on no file can be read,
 * written, created or executed, except removing the PID file and passt's
 * socket on exit, and connecting to abstract UNIX sockets is refused too.
 *
 * Return: Landlock ABI version used, 0 if not available, negative on error
 */
static int isolate_landlock(const struct ctx *c)
{
	struct isolate_ll_attr attr = { 0 };
	int abi, ruleset, rc = 0;
	size_t attr_size;

	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);
	if (abi <= 0)
		return 0;

	/* Every right the ABI version knows about */
	attr.fs = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;
	attr_size = offsetof(struct isolate_ll_attr, net);
	if (abi >= 2)
		attr.fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		attr.fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 4)
		attr_size = offsetof(struct isolate_ll_attr, scoped);
	if (abi >= 5)
		attr.fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	if (abi >= 6) {
		attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
		attr_size = sizeof(attr);
	}

	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size,
			       0);
	if (ruleset < 0)
		return -errno;

	isolate_landlock_allow_remove(ruleset, c->pidfile_dir);
	isolate_landlock_allow_remove(ruleset, c->sock_dir);

	if (syscall(SYS_landlock_restrict_self, ruleset, 0))
		rc = -errno;
	close(ruleset);

	return rc ? rc : abi;
}

/* The architecture the filter accepts calls from: any other (x32, or i386
 * calls from an x86_64 process) is refused outright
 */
#if defined(__x86_64__)
#define SECCOMP_AUDIT_ARCH	AUDIT_ARCH_X86_64
#elif defined(__i386__)
#define SECCOMP_AUDIT_ARCH	AUDIT_ARCH_I386
#elif defined(__aarch64__)
#define SECCOMP_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#elif defined(__arm__)
#define SECCOMP_AUDIT_ARCH	AUDIT_ARCH_ARM
#elif defined(__riscv) && __riscv_xlen == 64
#define SECCOMP_AUDIT_ARCH	AUDIT_ARCH_RISCV64
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SECCOMP_AUDIT_ARCH	AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define SECCOMP_AUDIT_ARCH	AUDIT_ARCH_S390X
#elif !defined(SECCOMP_NO_CHECK)
#error "No seccomp architecture for this target: add it to isolation.c"
#endif

/* x86_64 also takes x32 calls, numbered from this bit up: never ours */
#define SECCOMP_X32_BIT		0x40000000

/* Builds for analysis tools add the calls the tools make on our behalf */
#if defined(PASST_VALGRIND)
#define seccomp_allow_tool	seccomp_allow_valgrind
#elif defined(PASST_SANITIZER)
#define seccomp_allow_tool	seccomp_allow_sanitizer
#endif

#ifdef seccomp_allow_tool
#define SECCOMP_MAX_ALLOW	(ARRAY_SIZE(seccomp_allow_pasta) +	\
				 ARRAY_SIZE(seccomp_allow_tool))
#else
#define SECCOMP_MAX_ALLOW	ARRAY_SIZE(seccomp_allow_pasta)
#endif

/* Allowed calls, the checks before them, and the two returns: a jump offset
 * is eight bits, so the list must stay under 250 or so (it's about 60)
 */
#define SECCOMP_MAX_INSNS	(SECCOMP_MAX_ALLOW + 8)

static struct sock_filter seccomp_prog[SECCOMP_MAX_INSNS];

/**
 * seccomp_name() - Name of a system call, for the log
 * @nr:		System call number
 *
 * Return: name from the C library's headers, "unknown" if not there
 */
const char *seccomp_name(long nr)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(seccomp_names); i++) {
		if (seccomp_names[i].nr == nr)
			return seccomp_names[i].name;
	}
	return "unknown";
}

/**
 * seccomp_sigsys() - A refused system call: say which, and terminate
 * @sig:	SIGSYS
 * @info:	Signal information: si_syscall is the refused call
 * @uctx:	Unused
 */
static void seccomp_sigsys(int sig, siginfo_t *info, void *uctx)
{
	(void)sig;
	(void)uctx;

	err("Terminating: system call %s (%i) is not allowed by our seccomp "
	    "filter", seccomp_name(info->si_syscall), info->si_syscall);
	_exit(EXIT_FAILURE);
}

/* valgrind builds (PASST_VALGRIND) only: what valgrind itself calls while
 * running us (memory for its translations, signal set-up, its own log)
 * #syscalls:valgrind mmap munmap mprotect madvise brk mremap
 * #syscalls:valgrind rt_sigprocmask rt_sigaction rt_sigtimedwait sigaltstack
 * #syscalls:valgrind getpid gettid tgkill kill futex exit getrandom
 * #syscalls:valgrind readlink openat open fstat newfstatat lseek pread64
 * #syscalls:valgrind getcwd dup2 dup fcntl prctl unlink unlinkat close write
 */

/* ASan and UBSan builds (PASST_SANITIZER) only: what their run-time calls to
 * report an error (memory for the report, reading our mappings, aborting)
 * #syscalls:sanitizer mmap munmap mprotect madvise getpid gettid tgkill
 * #syscalls:sanitizer rt_sigprocmask rt_sigaction sigaltstack prctl futex
 * #syscalls:sanitizer openat readlink read write close sched_yield exit
 * #syscalls:sanitizer fstat newfstatat getrlimit prlimit64 uname
 */

/**
 * seccomp_allow_list() - Append allowed calls to the program being built
 * @n:		Number of instructions so far, updated
 * @list:	System call numbers
 * @count:	How many
 * @total:	Allowed calls in the whole program, for the jump offsets
 * @done:	Allowed calls already in the program, updated
 */
static void seccomp_allow_list(size_t *n, const long *list, size_t count,
			       size_t total, size_t *done)
{
	size_t i;

	for (i = 0; i < count; i++, (*done)++) {
		/* On a match, jump over the remaining checks and the trap */
		unsigned char over = (unsigned char)(total - *done);

		seccomp_prog[(*n)++] = (struct sock_filter)
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
				 (unsigned int)list[i], over, 0);
	}
}

/**
 * seccomp_build() - Build the filter for a mode
 * @mode:	MODE_PASST or MODE_PASTA
 *
 * Return: number of instructions in seccomp_prog
 */
static size_t seccomp_build(int mode)
{
	const long *list = mode == MODE_PASTA ? seccomp_allow_pasta :
						seccomp_allow_passt;
	size_t count = mode == MODE_PASTA ? ARRAY_SIZE(seccomp_allow_pasta) :
					    ARRAY_SIZE(seccomp_allow_passt);
	size_t n = 0, done = 0, total = count;

#ifdef seccomp_allow_tool
	total += ARRAY_SIZE(seccomp_allow_tool);
#endif
	/* Calls from another architecture's table: kill */
	seccomp_prog[n++] = (struct sock_filter)
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch));
	seccomp_prog[n++] = (struct sock_filter)
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_AUDIT_ARCH, 1, 0);
	seccomp_prog[n++] = (struct sock_filter)
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);

	seccomp_prog[n++] = (struct sock_filter)
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
	seccomp_prog[n++] = (struct sock_filter)
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, SECCOMP_X32_BIT, 0, 1);
	seccomp_prog[n++] = (struct sock_filter)
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
#endif
	seccomp_allow_list(&n, list, count, total, &done);
#ifdef seccomp_allow_tool
	seccomp_allow_list(&n, seccomp_allow_tool,
			   ARRAY_SIZE(seccomp_allow_tool), total, &done);
#endif
	/* Anything else: SIGSYS, seccomp_sigsys() logs it and exits */
	seccomp_prog[n++] = (struct sock_filter)
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP);
	seccomp_prog[n++] = (struct sock_filter)
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

	return n;
}

/**
 * isolate_seccomp() - Allow from now on only the calls our mode makes
 * @mode:	MODE_PASST or MODE_PASTA
 *
 * Return: number of system calls allowed, negative error code on failure
 */
int isolate_seccomp(int mode)
{
	struct sigaction sa = { .sa_sigaction = seccomp_sigsys,
				.sa_flags = SA_SIGINFO };
	struct sock_fprog prog;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL))
		return -errno;

	prog.len = (unsigned short)seccomp_build(mode);
	prog.filter = seccomp_prog;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0))
		return -errno;

	return mode == MODE_PASTA ? (int)ARRAY_SIZE(seccomp_allow_pasta) :
				    (int)ARRAY_SIZE(seccomp_allow_passt);
}

/**
 * isolate_postfork() - Restrictions applied once running as a daemon
 * @c:		Execution context
 *
 * From here on, nothing is allocated, opened by path or executed: the
 * seccomp filter allows only the calls annotated in the sources for our mode.
 */
void isolate_postfork(const struct ctx *c)
{
	int rc;

	if (c->sandbox_userns) {
		rc = isolate_empty_root();
		if (rc)
			debug("No empty root: %s", strerror(-rc));
	}

	rc = isolate_caps(c);
	if (rc)
		die("Can't drop capabilities: %s", strerror(-rc));

	rc = isolate_landlock(c);
	if (rc < 0)
		warn("Can't apply the Landlock ruleset: %s", strerror(-rc));
	else if (rc)
		debug("Landlock (ABI %i): no file system access", rc);
	else
		debug("No Landlock in this kernel");

	rc = isolate_seccomp(c->mode);
	if (rc < 0)
		die("Can't install the seccomp filter: %s", strerror(-rc));

	debug("%s sandboxed, %i system calls allowed", c->name, rc);
}
