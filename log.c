// SPDX-License-Identifier: GPL-2.0-or-later
/* log.c - Logging to stderr, syslog or a file, with levels and rate limits
 *
 * Where messages go:
 * - stderr while it is enabled (foreground), as "name: message", or in debug
 *   mode as "seconds.fraction: message", relative to start-up;
 * - the log file given with --log-file, if any, always timestamped;
 * - syslog (facility daemon, with our name and PID) when neither is in use.
 *
 * Nothing here allocates memory: each message is formatted into a static
 * buffer and leaves with one write() or send() per destination. Syslog is
 * reached through our own datagram socket to /dev/log, opened by log_init(),
 * so that it keeps working once the file system is out of reach, and so that
 * a busy syslog daemon drops messages instead of blocking us.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "log.h"
#include "util.h"

#ifndef VERSION_STR
#define VERSION_STR		"unknown"
#endif

#define LOG_NAME_MAX		32
#define LOG_MSG_MAX		2048	/* message text, without prefix */
#define LOG_LINE_MAX		(LOG_MSG_MAX + 128)
#define LOG_FILE_SIZE_DEFAULT	(1024 * 1024)
#define LOG_FILE_SIZE_MIN	(LOG_LINE_MAX * 4)
#define LOG_COPY_CHUNK		(64 * 1024)
#define LOG_SYSLOG_PATH		"/dev/log"

int log_level = LOG_INFO;
bool log_trace;

static char log_name[LOG_NAME_MAX];
static bool log_stderr = true;
static int log_sock = -1;		/* connected to /dev/log */
static dev_t log_sock_dev;
static ino_t log_sock_ino;
static pid_t log_pid;

static struct timespec log_start;
static bool log_start_set;

static int log_file = -1;
static size_t log_file_size;		/* rotate before going past this */
static size_t log_file_written;		/* current length of the file */
static size_t log_file_head;		/* header lines kept on rotation */
static bool log_file_rotated;

static unsigned long log_suppressed;	/* from log_ratelimit_ok() */

static char log_msg[LOG_MSG_MAX];
static char log_line[LOG_LINE_MAX];
static char log_copy_buf[LOG_COPY_CHUNK];

/**
 * log_name_get() - Name to prefix messages with
 *
 * Return: name given to log_init(), or the name we were invoked with
 */
static const char *log_name_get(void)
{
	if (log_name[0])
		return log_name;
	return program_invocation_short_name;
}

/**
 * log_elapsed() - Time since start-up, for timestamps
 * @sec:	Seconds, set on return
 * @frac:	Tenths of milliseconds, set on return
 */
static void log_elapsed(long long *sec, long *frac)
{
	/* #syscalls clock_gettime */
	struct timespec now;
	long long ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!log_start_set) {
		log_start = now;
		log_start_set = true;
	}

	ns = (now.tv_sec - log_start.tv_sec) * 1000000000LL +
	     (now.tv_nsec - log_start.tv_nsec);
	*sec = ns / 1000000000LL;
	*frac = (long)(ns % 1000000000LL / 100000);
}

/**
 * log_syslog_valid() - Is our syslog socket still open, and still ours?
 *
 * close_open_files() closes every descriptor at start-up: the number we
 * remember could then belong to another file, which we must not write to.
 *
 * Return: true if log_sock is the socket we opened
 */
static bool log_syslog_valid(void)
{
	/* #syscalls fstat|newfstatat|fstatat64 */
	struct stat st;

	if (log_sock < 0)
		return false;

	if (!fstat(log_sock, &st) && st.st_dev == log_sock_dev &&
	    st.st_ino == log_sock_ino)
		return true;

	log_sock = -1;		/* not ours any longer: don't close it */
	return false;
}

/**
 * log_syslog_open() - Connect our datagram socket to the syslog daemon
 *
 * Failure is silent: without a syslog daemon, syslog messages are lost.
 */
static void log_syslog_open(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int s;

	if (log_syslog_valid())
		return;

	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return;

	memcpy(addr.sun_path, LOG_SYSLOG_PATH, sizeof(LOG_SYSLOG_PATH));
	if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) ||
	    fstat(s, &st)) {
		close(s);
		return;
	}

	log_sock = s;
	log_sock_dev = st.st_dev;
	log_sock_ino = st.st_ino;
}

/**
 * log_write_all() - Write a whole buffer at a file offset
 * @fd:		File descriptor
 * @buf:	Data
 * @len:	Length of @buf
 * @off:	File offset
 *
 * Return: 0 on success, -1 on error
 */
static int log_write_all(int fd, const char *buf, size_t len, off_t off)
{
	/* #syscalls pwrite64|pwrite */
	while (len) {
		ssize_t n = pwrite(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;

		buf += n;
		len -= n;
		off += n;
	}

	return 0;
}

/**
 * log_file_cut() - Find where to start keeping old lines on rotation
 * @head:	Length of the header lines, never cut
 * @keep:	Approximate number of bytes of old lines to keep
 *
 * Return: offset of the first whole line to keep, log_file_written if none
 */
static size_t log_file_cut(size_t head, size_t keep)
{
	size_t off;

	if (log_file_written <= head)
		return log_file_written;

	if (log_file_written - head <= keep)
		return head;

	/* Skip the partial line we land in: look for a newline at off - 1 or
	 * later, so that a line starting right at off is kept
	 */
	for (off = log_file_written - keep; off < log_file_written; ) {
		size_t len = MIN(sizeof(log_copy_buf), log_file_written - off);
		ssize_t n = pread(log_file, log_copy_buf, len, off - 1);
		const char *nl;

		if (n <= 0)
			break;

		nl = memchr(log_copy_buf, '\n', n);
		if (nl)
			return off + (nl - log_copy_buf);
		off += n;
	}

	return log_file_written;
}

/**
 * log_file_rotate() - Make room in the log file, dropping the oldest lines
 * @need:	Bytes about to be written
 *
 * The header, and once rotated a line saying so, stay. The newest lines, up
 * to about half of the maximum size, move right after them and the rest is
 * cut. Copying data towards the start, chunk by chunk, works on any file
 * system, and costs about one extra copy of each byte logged.
 */
static void log_file_rotate(size_t need)
{
	/* #syscalls ftruncate|ftruncate64 pread64|pread */
	static const char note[] = "(older lines removed by log rotation)\n";
	size_t head = log_file_head, keep = log_file_size / 2, from, to;

	if (!log_file_rotated)
		head += sizeof(note) - 1;

	if (head + keep + need > log_file_size)
		keep = 0;

	from = log_file_cut(head, keep);
	for (to = head; from < log_file_written; ) {
		size_t len = MIN(sizeof(log_copy_buf), log_file_written - from);
		ssize_t n = pread(log_file, log_copy_buf, len, from);

		if (n <= 0 || log_write_all(log_file, log_copy_buf, n, to))
			goto fail;
		from += n;
		to += n;
	}

	if (!log_file_rotated) {
		if (log_write_all(log_file, note, sizeof(note) - 1,
				  log_file_head))
			goto fail;
		log_file_head = head;
		log_file_rotated = true;
	}

	log_file_written = to;
	if (!ftruncate(log_file, to))
		return;
fail:
	/* Best effort: start again after the header */
	log_file_written = log_file_head;
	if (ftruncate(log_file, log_file_written))
		log_file_written = log_file_size;	/* stop writing */
}

/**
 * log_to_file() - Append a formatted line to the log file
 * @line:	Line, with its newline
 * @len:	Length of @line
 */
static void log_to_file(const char *line, size_t len)
{
	if (log_file_written + len > log_file_size)
		log_file_rotate(len);

	if (log_file_written + len > log_file_size)
		return;

	if (!log_write_all(log_file, line, len, log_file_written))
		log_file_written += len;
}

/**
 * log_line_fmt() - Build one output line: prefix, message, newline
 * @prefix:	printf format of the prefix
 * @...:	Arguments for @prefix
 *
 * The message is the one in log_msg, truncated if the line doesn't fit.
 *
 * Return: length of the line in log_line
 */
__attribute__((format(printf, 1, 2)))
static size_t log_line_fmt(const char *prefix, ...)
{
	size_t len;
	va_list ap;
	int n;

	va_start(ap, prefix);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	n = vsnprintf(log_line, sizeof(log_line), prefix, ap);
	va_end(ap);
	len = n < 0 ? 0 : MIN((size_t)n, sizeof(log_line) / 2);

	n = snprintf(log_line + len, sizeof(log_line) - len, "%s\n", log_msg);
	len += n < 0 ? 0 : (size_t)n;
	if (len >= sizeof(log_line)) {		/* truncated: keep newline */
		len = sizeof(log_line) - 1;
		log_line[len - 1] = '\n';
	}

	return len;
}

/**
 * log_emit() - Send the message in log_msg to every enabled destination
 * @pri:	Priority, LOG_ERR to LOG_DEBUG
 */
static void log_emit(int pri)
{
	/* #syscalls write writev sendto */
	long long sec;
	size_t len;
	long frac;

	log_elapsed(&sec, &frac);

	if (log_file >= 0) {
		len = log_line_fmt("%lld.%04ld: ", sec, frac);
		log_to_file(log_line, len);
	}

	if (log_stderr) {
		if (log_level >= LOG_DEBUG)
			len = log_line_fmt("%lld.%04ld: ", sec, frac);
		else
			len = log_line_fmt("%s: ", log_name_get());

		if (write(STDERR_FILENO, log_line, len) < 0 &&
		    (errno == EBADF || errno == EPIPE))
			log_stderr = false;	/* fall back to syslog */
	} else if (log_file < 0 && log_sock >= 0) {
		len = log_line_fmt("<%d>%s[%d]: ", LOG_DAEMON | pri,
				   log_name_get(), (int)log_pid);
		/* No newline for syslog; if the daemon is busy, drop it */
		send(log_sock, log_line, len - 1, MSG_NOSIGNAL);
	}
}

/**
 * vlogmsg() - Format and emit a message if its priority passes the level
 * @pri:	Priority, LOG_ERR to LOG_DEBUG
 * @perr:	Append ": " and the description of errno
 * @fmt:	printf format
 * @ap:		Arguments
 *
 * errno is preserved for the caller.
 */
static void vlogmsg(int pri, bool perr, const char *fmt, va_list ap)
{
	unsigned long suppressed = log_suppressed;
	int errno_saved = errno;
	size_t len;
	int n;

	log_suppressed = 0;
	if (pri > log_level && pri > LOG_ERR)
		goto out;

	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	n = vsnprintf(log_msg, sizeof(log_msg), fmt, ap);
	len = n < 0 ? 0 : MIN((size_t)n, sizeof(log_msg) - 1);
	log_msg[len] = '\0';

	if (perr) {
		char ebuf[128];

		snprintf(log_msg + len, sizeof(log_msg) - len, ": %s",
			 strerror_r(errno_saved, ebuf, sizeof(ebuf)));
		len = strlen(log_msg);
	}

	if (suppressed) {
		snprintf(log_msg + len, sizeof(log_msg) - len,
			 " (%lu similar message%s suppressed)", suppressed,
			 suppressed == 1 ? "" : "s");
	}

	log_emit(pri);
out:
	errno = errno_saved;
}

/**
 * logmsg() - Log a message, if @pri is within the current level
 * @pri:	Priority, LOG_ERR to LOG_DEBUG
 * @fmt:	printf format, no newline needed
 * @...:	Arguments
 */
void logmsg(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlogmsg(pri, false, fmt, ap);
	va_end(ap);
}

/**
 * logmsg_perror() - Log a message followed by ": " and the errno description
 * @pri:	Priority, LOG_ERR to LOG_DEBUG
 * @fmt:	printf format, no newline needed
 * @...:	Arguments
 */
void logmsg_perror(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlogmsg(pri, true, fmt, ap);
	va_end(ap);
}

/**
 * log_init() - Set up logging once the command line is known
 * @name:	Name to show ("passt" or "pasta"), NULL to keep the default
 * @to_stderr:	Print to stderr (foreground), else to syslog
 * @level:	Most verbose priority printed: LOG_DEBUG (-d), LOG_INFO, or
 *		LOG_WARNING (-q, no informational messages)
 * @trace:	Enable trace() messages (--trace)
 *
 * May be called more than once: early with defaults, then once options are
 * parsed. The syslog socket is opened only once needed, here if not printing
 * to stderr, otherwise by log_to_syslog(), before sandboxing hides /dev/log.
 */
void log_init(const char *name, bool to_stderr, int level, bool trace)
{
	if (name)
		snprintf(log_name, sizeof(log_name), "%s", name);

	log_stderr = to_stderr;
	log_level = level;
	log_trace = trace;
	log_pid = getpid();

	if (!log_start_set) {
		clock_gettime(CLOCK_MONOTONIC, &log_start);
		log_start_set = true;
	}

	if (!to_stderr)
		log_syslog_open();
}

/**
 * log_file_header() - Write the first line of a new log file
 *
 * Return: 0 on success, -1 on error
 */
static int log_file_header(void)
{
	struct timespec now;
	struct tm tm;
	char ts[32];
	int n;

	clock_gettime(CLOCK_REALTIME, &now);
	if (!gmtime_r(&now.tv_sec, &tm) ||
	    !strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(ts, sizeof(ts), "%lld", (long long)now.tv_sec);

	n = snprintf(log_line, sizeof(log_line),
		     "%s " VERSION_STR ": log file, pid %d, started %s\n",
		     log_name_get(), (int)getpid(), ts);
	if (n < 0 || log_write_all(log_file, log_line, n, 0))
		return -1;

	log_file_head = log_file_written = n;
	return 0;
}

/**
 * log_file_open() - Log to a file from now on, instead of syslog
 * @path:	Path of the file, created or truncated, mode 0600
 * @size:	Maximum size in bytes (--log-size): past it, the oldest lines
 *		are dropped; 0 for the default of 1 MiB. Sizes too small to
 *		hold a few lines are raised to LOG_FILE_SIZE_MIN.
 *
 * Return: 0 on success, -1 with errno set on failure (the caller reports it)
 */
int log_file_open(const char *path, size_t size)
{
	int fd;

	fd = open(path, O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;

	if (log_file >= 0)
		close(log_file);

	log_file = fd;
	log_file_size = size ? size : LOG_FILE_SIZE_DEFAULT;
	if (log_file_size < LOG_FILE_SIZE_MIN)
		log_file_size = LOG_FILE_SIZE_MIN;
	log_file_rotated = false;

	if (log_file_header()) {
		int errno_saved = errno;

		close(log_file);
		log_file = -1;
		errno = errno_saved;
		return -1;
	}

	return 0;
}

/**
 * log_own_pid() - Our process ID as the rest of the system sees it
 *
 * In the PID namespace of the sandbox we are PID 1: /proc, still the one of
 * the namespace we started in, tells the number the system log should show.
 *
 * Return: process ID
 */
static pid_t log_own_pid(void)
{
	char buf[32];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);
	long pid;

	if (n <= 0)
		return getpid();
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);

	return pid > 0 ? (pid_t)pid : getpid();
}

/**
 * log_to_syslog() - Stop printing to stderr, log to syslog (after daemonising)
 *
 * If a log file is open, messages keep going there instead.
 */
void log_to_syslog(void)
{
	log_stderr = false;
	log_pid = log_own_pid();
	log_syslog_open();
}

/**
 * log_stderr_off() - Stop printing to stderr
 */
void log_stderr_off(void)
{
	log_stderr = false;
}

/**
 * log_ratelimit_ok() - Should a rate-limited message be printed now?
 * @rl:		State of this call site
 * @now:	Current time (CLOCK_MONOTONIC)
 *
 * At most once per LOG_RATELIMIT_SEC. When a message is let through after
 * others were held back, the next logmsg() call (the one for this message)
 * says how many were suppressed.
 *
 * Return: true if the message should be printed
 */
bool log_ratelimit_ok(struct log_ratelimit *rl, const struct timespec *now)
{
	/* @last is 0 until the first message: store at least 1 */
	time_t t = now->tv_sec > 0 ? now->tv_sec : 1;

	if (rl->last && t - rl->last < LOG_RATELIMIT_SEC) {
		rl->missed++;
		return false;
	}

	log_suppressed = rl->missed;
	rl->missed = 0;
	rl->last = t;
	return true;
}
