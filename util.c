// SPDX-License-Identifier: GPL-2.0-or-later
/* util.c - Small helpers shared by every module, and the epoll helpers */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include "util.h"
#include "passt.h"
#include "log.h"

/**
 * fd_set_nonblock() - Set O_NONBLOCK on a file descriptor
 * @fd:		File descriptor
 *
 * Return: 0 on success, -1 with errno set on failure
 */
int fd_set_nonblock(int fd)
{
	/* #syscalls fcntl|fcntl64 */
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -1;

	if (flags & O_NONBLOCK)
		return 0;

	return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/**
 * write_all() - Write a whole buffer, retrying partial writes and EINTR
 * @fd:		File descriptor, meant to be blocking
 * @buf:	Data
 * @len:	Length of @buf
 *
 * On a non-blocking descriptor, EAGAIN is an error like any other.
 *
 * Return: 0 on success, -1 with errno set on failure (part of the data may
 *	   have been written)
 */
int write_all(int fd, const void *buf, size_t len)
{
	/* #syscalls write */
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (!n) {
			errno = EIO;
			return -1;
		}

		p += n;
		len -= n;
	}

	return 0;
}

/**
 * read_file_str() - Read a small file (such as a sysctl) as a string
 * @path:	Path of the file
 * @buf:	Output buffer, NUL-terminated on success
 * @size:	Size of @buf, including the terminator
 *
 * One trailing newline, if present, is removed.
 *
 * Return: length of the string on success, -1 with errno set on failure,
 *	   ENOBUFS if the file doesn't fit in @buf
 */
int read_file_str(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	int fd, err;

	if (!size || size > INT_MAX) {
		errno = EINVAL;
		return -1;
	}

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;

	for (;;) {
		char extra;
		ssize_t n;

		if (len == size - 1)
			n = read(fd, &extra, 1);
		else
			n = read(fd, buf + len, size - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (!n)
			break;
		if (len == size - 1) {
			errno = ENOBUFS;
			goto fail;
		}
		len += n;
	}
	close(fd);

	if (len && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	return (int)len;

fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

/**
 * write_file_str() - Write a string to a file (such as a sysctl or uid_map)
 * @path:	Path of the file, created (mode 0644) if it doesn't exist
 * @s:		String, written in one go if possible
 *
 * Regular files are truncated first; others, such as files in /proc, are
 * written as they are.
 *
 * Return: 0 on success, -1 with errno set on failure
 */
int write_file_str(const char *path, const char *s)
{
	struct stat st;
	int fd, err;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;

	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size &&
	    ftruncate(fd, 0))
		goto fail;

	if (write_all(fd, s, strlen(s)))
		goto fail;

	if (close(fd))
		return -1;
	return 0;

fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

/**
 * raise_nofile_limit() - Raise the soft limit on open files to the hard one
 *
 * A failure is reported but not fatal: we might just handle fewer flows.
 */
void raise_nofile_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl)) {
		warn_perror("Can't get the limit on open files");
		return;
	}

	if (rl.rlim_cur == rl.rlim_max)
		return;

	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		warn_perror("Can't raise the limit on open files to %llu",
			    (unsigned long long)rl.rlim_max);
}

/**
 * pidfile_open() - Open (create or truncate) the PID file given with --pid
 * @path:	Path of the file
 *
 * Opened early, before sandboxing, and written by pidfile_write() once the
 * PID is final (after daemonising). Exits with a message on failure.
 *
 * Return: file descriptor
 */
int pidfile_open(const char *path)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);

	if (fd < 0)
		die_perror("Can't open PID file %s", path);

	return fd;
}

/**
 * pidfile_write() - Write a PID, as "%d\n", to the PID file, and close it
 * @fd:		File descriptor from pidfile_open(), -1 for none (no-op)
 * @pid:	PID to write
 *
 * Exits with a message if the write fails. The descriptor is closed in any
 * case: the caller should forget it.
 */
void pidfile_write(int fd, pid_t pid)
{
	char buf[32];
	int n;

	if (fd < 0)
		return;

	n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	if (write_all(fd, buf, n))
		die_perror("Can't write PID file");

	close(fd);
}

/**
 * parse_long() - Strictly parse a decimal integer within a range
 * @s:		String: optional '-' or '+', then digits, nothing else (no
 *		spaces, no empty string)
 * @min:	Smallest accepted value
 * @max:	Largest accepted value
 * @ok:		Set to true on success and to false otherwise; may be NULL
 *
 * Return: the value, or 0 if @s is not valid or out of range
 */
long parse_long(const char *s, long min, long max, bool *ok)
{
	char *end;
	long v;

	if (ok)
		*ok = false;

	if (!s || !*s || isspace((unsigned char)*s))
		return 0;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		return 0;

	if (ok)
		*ok = true;
	return v;
}

/**
 * mac_ntop() - Text form of a MAC address, as 00:11:22:aa:bb:cc
 * @mac:	MAC address
 * @buf:	Output buffer, at least MAC_STRLEN bytes
 * @size:	Size of @buf
 *
 * Return: @buf, or NULL if it's too small
 */
const char *mac_ntop(const unsigned char *mac, char *buf, size_t size)
{
	if (size < MAC_STRLEN)
		return NULL;

	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

/**
 * hex_digit() - Value of a hexadecimal digit
 * @c:		Character
 *
 * Return: 0 to 15, or -1 if @c isn't a hexadecimal digit
 */
static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/**
 * mac_pton() - Parse a MAC address
 * @s:		Text: six pairs of hexadecimal digits separated by ':'
 * @mac:	Output, unchanged on failure
 *
 * Return: 0 on success, -1 if @s is not a valid MAC address
 */
int mac_pton(const char *s, unsigned char *mac)
{
	unsigned char tmp[MAC_ADDR_LEN];
	int i;

	for (i = 0; i < MAC_ADDR_LEN; i++, s += 3) {
		int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);

		if (lo < 0)
			return -1;
		if (s[2] != (i == MAC_ADDR_LEN - 1 ? '\0' : ':'))
			return -1;

		tmp[i] = (unsigned char)(hi << 4 | lo);
	}

	memcpy(mac, tmp, sizeof(tmp));
	return 0;
}

/**
 * fd_from_args() - Find the file descriptor given with -F / --fd
 * @argc:	Argument count
 * @argv:	Arguments
 *
 * Recognises "-F N", "-FN", "--fd N" and "--fd=N" up to a "--". Other
 * options are not parsed: conf.c validates the value later.
 *
 * Return: the descriptor, or -1 if none (or not a valid number)
 */
static int fd_from_args(int argc, char **argv)
{
	const char *val = NULL;
	bool ok;
	long fd;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--"))
			break;

		if (!strcmp(a, "-F") || !strcmp(a, "--fd"))
			val = i + 1 < argc ? argv[++i] : NULL;
		else if (!strncmp(a, "--fd=", 5))
			val = a + 5;
		else if (!strncmp(a, "-F", 2))
			val = a + 2;
	}

	fd = parse_long(val, 3, INT_MAX, &ok);
	return ok ? (int)fd : -1;
}

/**
 * close_range_sys() - close_range(2) without relying on libc having it
 * @first:	First descriptor to close
 * @last:	Last descriptor to close
 *
 * Return: 0 on success, -1 with errno set (ENOSYS on kernels before 5.9)
 */
static int close_range_sys(unsigned int first, unsigned int last)
{
#ifdef SYS_close_range
	return (int)syscall(SYS_close_range, first, last, 0U);
#else
	(void)first;
	(void)last;
	errno = ENOSYS;
	return -1;
#endif
}

/**
 * close_from_proc() - Close descriptors from 3 on, using /proc/self/fd
 * @keep:	Descriptor to leave open, -1 for none
 *
 * Exits with a message if /proc/self/fd can't be read.
 */
static void close_from_proc(int keep)
{
	struct dirent *de;
	DIR *d;
	int dfd;

	d = opendir("/proc/self/fd");
	if (!d)
		die_perror("Can't list open files in /proc/self/fd");

	dfd = dirfd(d);
	while ((de = readdir(d))) {
		bool ok;
		long fd = parse_long(de->d_name, 3, INT_MAX, &ok);

		if (ok && fd != dfd && fd != keep)
			close((int)fd);
	}

	closedir(d);
}

/**
 * close_open_files() - Close every inherited descriptor, but 0 to 2 and --fd
 * @argc:	Argument count, as given to main()
 * @argv:	Arguments, as given to main()
 *
 * Call this first thing in main(): anything opened before it (syslog socket,
 * log file) would be closed too.
 */
void close_open_files(int argc, char **argv)
{
	int keep = fd_from_args(argc, argv);
	int rc;

	if (keep < 0) {
		rc = close_range_sys(3, ~0U);
	} else {
		rc = keep > 3 ? close_range_sys(3, keep - 1) : 0;
		if (!rc)
			rc = close_range_sys(keep + 1, ~0U);
	}

	if (rc) {
		if (errno != ENOSYS && errno != EPERM)
			die_perror("Can't close inherited files");
		close_from_proc(keep);
	}
}

/**
 * fd_is_valid() - Is a file descriptor open?
 * @fd:		File descriptor
 *
 * Return: 1 if open, 0 otherwise
 */
int fd_is_valid(int fd)
{
	return fd >= 0 && (fcntl(fd, F_GETFD) >= 0 || errno != EBADF);
}

/**
 * epoll_ctl_ref() - Add or modify an fd in our epoll set with its reference
 * @c:		Execution context
 * @op:		EPOLL_CTL_ADD or EPOLL_CTL_MOD
 * @events:	epoll events
 * @ref:	Reference, whose @fd is the descriptor to watch
 *
 * Exits with a message on failure.
 */
static void epoll_ctl_ref(const struct ctx *c, int op, uint32_t events,
			  union epoll_ref ref)
{
	/* #syscalls epoll_ctl */
	struct epoll_event ev = { .events = events, .data.u64 = ref.u64 };

	if (epoll_ctl(c->epollfd, op, ref.fd, &ev)) {
		die_perror("Can't %s fd %d (type %u) %s epoll",
			   op == EPOLL_CTL_ADD ? "add" : "modify",
			   (int)ref.fd, (unsigned int)ref.type,
			   op == EPOLL_CTL_ADD ? "to" : "in");
	}
}

/**
 * epoll_add() - Add a file descriptor to the epoll set
 * @c:		Execution context
 * @events:	epoll events (EPOLLIN, EPOLLOUT, EPOLLET, ...)
 * @ref:	Reference handed back with each event; @ref.fd is the fd
 *
 * Exits with a message on failure.
 */
void epoll_add(const struct ctx *c, uint32_t events, union epoll_ref ref)
{
	epoll_ctl_ref(c, EPOLL_CTL_ADD, events, ref);
}

/**
 * epoll_mod() - Change the events and reference of a watched descriptor
 * @c:		Execution context
 * @events:	epoll events
 * @ref:	New reference; @ref.fd is the fd
 *
 * Exits with a message on failure.
 */
void epoll_mod(const struct ctx *c, uint32_t events, union epoll_ref ref)
{
	epoll_ctl_ref(c, EPOLL_CTL_MOD, events, ref);
}

/**
 * epoll_del() - Stop watching a file descriptor
 * @c:		Execution context
 * @fd:		Descriptor
 *
 * Failures (the fd wasn't watched, or is closed already) are only logged at
 * debug level: the end result is the one wanted.
 */
void epoll_del(const struct ctx *c, int fd)
{
	if (epoll_ctl(c->epollfd, EPOLL_CTL_DEL, fd, NULL))
		debug_perror("Can't remove fd %d from epoll", fd);
}

/**
 * sock_l4_open() - Open a non-blocking socket as every flow socket needs it
 * @af:		AF_INET or AF_INET6 (IPv6 sockets are IPv6-only)
 * @type:	SOCK_STREAM or SOCK_DGRAM
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @ifname:	Interface to bind to (SO_BINDTODEVICE), NULL or empty for none
 *
 * The descriptor must fit in an epoll reference (FD_REF_MAX).
 *
 * Return: the socket, or -1 with errno set
 */
int sock_l4_open(int af, int type, int proto, const char *ifname)
{
	/* #syscalls socket setsockopt bind connect close */
	int s, one = 1, err;

	s = socket(af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (s < 0)
		return -1;
	if (s > FD_REF_MAX) {
		err = EMFILE;
		goto fail;
	}
	if (af == AF_INET6 &&
	    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)))
		goto fail_errno;
	if (ifname && *ifname &&
	    setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, ifname,
		       strlen(ifname) + 1))
		goto fail_errno;
	return s;

fail_errno:
	err = errno;
fail:
	close(s);
	errno = err;
	return -1;
}

/**
 * path_base() - Last component of a path, without copying
 * @path:	Path
 *
 * Return: pointer into @path after its last '/', @path itself if none
 */
const char *path_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/**
 * path_dir_open() - Keep a handle on the directory holding a file
 * @path:	Path of the file
 *
 * The handle (O_PATH) lets us remove the file once the sandbox has taken the
 * file system away: see path_unlink().
 *
 * Return: O_PATH descriptor of the directory, -1 on failure
 */
int path_dir_open(const char *path)
{
	const char *base = path_base(path);
	char dir[PATH_MAX];
	size_t len;

	if (base == path)
		return open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);

	len = (size_t)(base - path);
	if (len >= sizeof(dir))
		return -1;
	if (len > 1)
		len--;			/* "/a/b" -> "/a", but "/b" -> "/" */
	memcpy(dir, path, len);
	dir[len] = '\0';

	return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/**
 * path_unlink() - Remove a file through a handle on its directory
 * @dirfd:	From path_dir_open(), closed here; nothing done if negative
 * @path:	Path of the file
 */
void path_unlink(int dirfd, const char *path)
{
	/* #syscalls unlinkat close */
	if (dirfd < 0)
		return;
	if (unlinkat(dirfd, path_base(path), 0))
		debug_perror("Can't remove %s", path);
	close(dirfd);
}
