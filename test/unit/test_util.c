// SPDX-License-Identifier: GPL-2.0-or-later
/* test_util.c - Small helpers: parsing, MAC addresses, bitmaps, files, fds */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "util.h"
#include "passt.h"
#include "log.h"
#include "test/unit/unit.h"

static char tmpdir[] = "/tmp/test_util.XXXXXX";

/**
 * test_parse_long() - Strict integer parsing
 */
static void test_parse_long(void)
{
	static const char *bad[] = {
		"", " 1", "1 ", "1x", "x1", "0x10", "1.0", "--1", "+-1", "-",
		"+", "1e3", "\t7", "7\n",
	};
	char s[64];
	bool ok;
	size_t i;

	CHECK_EQ(parse_long("0", 0, 10, &ok), 0);
	CHECK(ok);
	CHECK_EQ(parse_long("10", 0, 10, &ok), 10);
	CHECK(ok);
	CHECK_EQ(parse_long("11", 0, 10, &ok), 0);
	CHECK(!ok);
	CHECK_EQ(parse_long("-1", 0, 10, &ok), 0);
	CHECK(!ok);
	CHECK_EQ(parse_long("-1", -1, 10, &ok), -1);
	CHECK(ok);
	CHECK_EQ(parse_long("+5", 0, 10, &ok), 5);
	CHECK(ok);
	CHECK_EQ(parse_long("007", 0, 10, &ok), 7);	/* decimal, not octal */
	CHECK(ok);
	CHECK_EQ(parse_long("65535", 1, 65535, &ok), 65535);
	CHECK(ok);
	CHECK_EQ(parse_long("65536", 1, 65535, &ok), 0);
	CHECK(!ok);

	snprintf(s, sizeof(s), "%ld", LONG_MAX);
	CHECK(parse_long(s, LONG_MIN, LONG_MAX, &ok) == LONG_MAX && ok);
	snprintf(s, sizeof(s), "%ld", LONG_MIN);
	CHECK(parse_long(s, LONG_MIN, LONG_MAX, &ok) == LONG_MIN && ok);
	CHECK(parse_long("9223372036854775808", LONG_MIN, LONG_MAX, &ok) ==
	      0 && !ok);	/* overflow */
	CHECK(parse_long("99999999999999999999999", 0, LONG_MAX, &ok) == 0 &&
	      !ok);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ok = true;
		CHECK_EQ(parse_long(bad[i], LONG_MIN, LONG_MAX, &ok), 0);
		if (ok)
			fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
		CHECK(!ok);
	}

	CHECK_EQ(parse_long(NULL, 0, 1, &ok), 0);
	CHECK(!ok);
	CHECK_EQ(parse_long("42", 0, 100, NULL), 42);
}

/**
 * test_mac() - MAC address text forms
 */
static void test_mac(void)
{
	static const char *bad[] = {
		"", "00:11:22:33:44", "00:11:22:33:44:55:66",
		"0:11:22:33:44:55",
		"00:11:22:33:44:5", "00-11-22-33-44-55", "00:11:22:33:44:5g",
		"00:11:22:33:44:55 ", "001122334455", "00:11:22:33:44::5",
	};
	unsigned char mac[6], orig[6] = { 1, 2, 3, 4, 5, 6 };
	char buf[MAC_STRLEN];
	size_t i;

	CHECK_EQ(mac_pton("9a:55:9a:55:9a:55", mac), 0);
	CHECK(!memcmp(mac, "\x9a\x55\x9a\x55\x9a\x55", 6));
	CHECK_EQ(mac_pton("00:AB:cd:Ef:0F:ff", mac), 0);
	CHECK(!memcmp(mac, "\x00\xab\xcd\xef\x0f\xff", 6));
	CHECK(mac_ntop(mac, buf, sizeof(buf)) == buf);
	CHECK(!strcmp(buf, "00:ab:cd:ef:0f:ff"));
	CHECK(mac_ntop(mac, buf, sizeof(buf) - 1) == NULL);
	CHECK_EQ(sizeof(buf), 18);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(mac, orig, 6);
		CHECK_EQ(mac_pton(bad[i], mac), -1);
		CHECK(!memcmp(mac, orig, 6));
	}

	memset(mac, 0, 6);
	CHECK(mac_is_zero(mac));
	mac[5] = 1;
	CHECK(!mac_is_zero(mac));
}

/**
 * test_bitmap() - Bitmap helpers and small macros
 */
static void test_bitmap(void)
{
	unsigned long map[DIV_ROUND_UP(NUM_PORTS, sizeof(long) * 8)] = { 0 };
	unsigned int i, n = 0;

	bitmap_set(map, 0);
	bitmap_set(map, 63);
	bitmap_set(map, 64);
	bitmap_set(map, 65535);
	CHECK(bitmap_isset(map, 0));
	CHECK(bitmap_isset(map, 63));
	CHECK(bitmap_isset(map, 64));
	CHECK(bitmap_isset(map, 65535));
	CHECK(!bitmap_isset(map, 1));
	CHECK(!bitmap_isset(map, 65534));
	for (i = 0; i < NUM_PORTS; i++)
		n += bitmap_isset(map, i);
	CHECK_EQ(n, 4);

	bitmap_clear(map, 63);
	CHECK(!bitmap_isset(map, 63));
	CHECK(bitmap_isset(map, 64));
	bitmap_clear(map, 63);
	CHECK(!bitmap_isset(map, 63));

	CHECK_EQ(DIV_ROUND_UP(10, 4), 3);
	CHECK_EQ(DIV_ROUND_UP(8, 4), 2);
	CHECK_EQ(ROUND_UP(13, 8), 16);
	CHECK_EQ(ROUND_DOWN(13, 8), 8);
	CHECK_EQ(MIN(3, -2), -2);
	CHECK_EQ(MAX(3, -2), 3);
	CHECK_EQ(ARRAY_SIZE(map), NUM_PORTS / (sizeof(long) * 8));

	{
		struct timespec a = { 10, 500000000 }, b = { 9, 900000000 };

		CHECK_EQ(timespec_diff_ms(&a, &b), 600);
		CHECK_EQ(timespec_diff_ms(&b, &a), -600);
	}
}

/**
 * on_alarm() - Empty SIGALRM handler, to interrupt system calls
 * @sig:	Signal number
 */
static void on_alarm(int sig)
{
	(void)sig;
}

/**
 * test_write_all() - Whole buffers through a pipe, with signals
 *		      interrupting the writer
 */
static void test_write_all(void)
{
	size_t len = 4 * 1024 * 1024, got = 0, i;
	unsigned char *buf = malloc(len), *rbuf = malloc(len);
	int p[2], status;
	pid_t pid;

	if (!buf || !rbuf || pipe(p)) {
		CHECK(false);
		return;
	}

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 31 + (i >> 12));

	pid = fork();
	if (!pid) {
		struct sigaction sa = { .sa_handler = on_alarm };
		struct itimerval it = { { 0, 200 }, { 0, 200 } };

		close(p[0]);
		sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART */
		setitimer(ITIMER_REAL, &it, NULL);
		_exit(write_all(p[1], buf, len) ? 1 : 0);
	}

	close(p[1]);
	while (got < len) {
		/* Small reads: the writer blocks often, and gets interrupted */
		ssize_t n = read(p[0], rbuf + got, MIN(len - got, 3000));

		if (n <= 0)
			break;
		got += n;
	}
	close(p[0]);
	waitpid(pid, &status, 0);

	CHECK_EQ(got, len);
	CHECK(!memcmp(buf, rbuf, len));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* Errors are reported: closed pipe (EPIPE), bad descriptor */
	CHECK(!pipe(p));
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	errno = 0;
	CHECK_EQ(write_all(p[1], buf, 10), -1);
	CHECK_EQ(errno, EPIPE);
	close(p[1]);
	CHECK_EQ(write_all(p[1], buf, 10), -1);
	CHECK_EQ(write_all(p[1], buf, 0), 0);

	free(buf);
	free(rbuf);
}

/**
 * test_files() - read_file_str(), write_file_str(), PID file
 */
static void test_files(void)
{
	char path[PATH_MAX], buf[16];
	int fd;

	snprintf(path, sizeof(path), "%s/f", tmpdir);

	CHECK_EQ(write_file_str(path, "hello\n"), 0);
	CHECK_EQ(read_file_str(path, buf, sizeof(buf)), 5);
	CHECK(!strcmp(buf, "hello"));

	/* Rewriting truncates */
	CHECK_EQ(write_file_str(path, "1"), 0);
	CHECK_EQ(read_file_str(path, buf, sizeof(buf)), 1);
	CHECK(!strcmp(buf, "1"));

	/* Exactly fitting, and one byte too many */
	CHECK_EQ(write_file_str(path, "0123456789abcde"), 0);
	CHECK_EQ(read_file_str(path, buf, sizeof(buf)), 15);
	CHECK(!strcmp(buf, "0123456789abcde"));
	CHECK_EQ(write_file_str(path, "0123456789abcdef"), 0);
	errno = 0;
	CHECK_EQ(read_file_str(path, buf, sizeof(buf)), -1);
	CHECK_EQ(errno, ENOBUFS);

	/* Empty file */
	CHECK_EQ(write_file_str(path, ""), 0);
	CHECK_EQ(read_file_str(path, buf, sizeof(buf)), 0);
	CHECK(!strcmp(buf, ""));

	/* Missing file, missing directory */
	snprintf(path, sizeof(path), "%s/none", tmpdir);
	CHECK_EQ(read_file_str(path, buf, sizeof(buf)), -1);
	CHECK_EQ(errno, ENOENT);
	snprintf(path, sizeof(path), "%s/no/file", tmpdir);
	CHECK_EQ(write_file_str(path, "x"), -1);

	/* A procfs file */
	CHECK(read_file_str("/proc/sys/kernel/pid_max", buf,
			    sizeof(buf)) > 0);
	CHECK(parse_long(buf, 1, LONG_MAX, NULL) > 0);

	/* PID file: truncated on open, "%d\n" */
	snprintf(path, sizeof(path), "%s/pid", tmpdir);
	CHECK_EQ(write_file_str(path, "something long to be truncated"), 0);
	fd = pidfile_open(path);
	CHECK(fd >= 0);
	pidfile_write(fd, 12345);
	CHECK(!fd_is_valid(fd));	/* closed */
	{
		char raw[32] = { 0 };
		int rfd = open(path, O_RDONLY);
		struct stat st;

		CHECK(read(rfd, raw, sizeof(raw) - 1) == 6);
		CHECK(!strcmp(raw, "12345\n"));
		CHECK(!fstat(rfd, &st) && (st.st_mode & 0777) == 0644);
		close(rfd);
	}
	pidfile_write(-1, 1);	/* no-op */
}

/**
 * test_fds() - fd_set_nonblock(), fd_is_valid(), raise_nofile_limit()
 */
static void test_fds(void)
{
	struct rlimit rl;
	int p[2];

	CHECK(!pipe(p));
	CHECK(!(fcntl(p[0], F_GETFL) & O_NONBLOCK));
	CHECK_EQ(fd_set_nonblock(p[0]), 0);
	CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK);
	CHECK_EQ(fd_set_nonblock(p[0]), 0);
	CHECK(fd_is_valid(p[0]));
	close(p[0]);
	close(p[1]);
	CHECK(!fd_is_valid(p[0]));
	CHECK_EQ(fd_set_nonblock(p[0]), -1);
	CHECK(!fd_is_valid(-1));

	CHECK(!getrlimit(RLIMIT_NOFILE, &rl));
	if (rl.rlim_cur > 16) {
		rl.rlim_cur = 16;
		CHECK(!setrlimit(RLIMIT_NOFILE, &rl));
	}
	raise_nofile_limit();
	CHECK(!getrlimit(RLIMIT_NOFILE, &rl));
	CHECK(rl.rlim_cur == rl.rlim_max);
}

/**
 * close_child() - In a child: open descriptors, close_open_files(), report
 * @argc:	Argument count for close_open_files()
 * @argv:	Arguments
 * @keep:	Descriptor expected to survive, -1 for none
 *
 * Return: true if exactly 0, 1, 2 and @keep are open in the child
 */
static bool close_child(int argc, char **argv, int keep)
{
	int status, fd;
	pid_t pid;

	pid = fork();
	if (!pid) {
		for (fd = 3; fd < 12; fd++)
			dup2(STDERR_FILENO, fd);
		dup2(STDERR_FILENO, 300);

		close_open_files(argc, argv);

		for (fd = 0; fd < 400; fd++) {
			bool expect = fd <= 2 || fd == keep;

			if (!!fd_is_valid(fd) != expect)
				_exit(1);
		}
		_exit(0);
	}

	waitpid(pid, &status, 0);
	return WIFEXITED(status) && !WEXITSTATUS(status);
}

/**
 * test_close_open_files() - Every --fd syntax, and none
 */
static void test_close_open_files(void)
{
	char *none[] = { "pasta", "-f", "--", "-F", "5", NULL };
	char *a1[] = { "passt", "-F", "5", NULL };
	char *a2[] = { "passt", "-F7", NULL };
	char *a3[] = { "passt", "--fd", "300", NULL };
	char *a4[] = { "passt", "-f", "--fd=3", "-t", "22", NULL };
	char *a5[] = { "passt", "--fd", "1", NULL };	/* not >= 3 */

	CHECK(close_child(5, none, -1));
	CHECK(close_child(3, a1, 5));
	CHECK(close_child(2, a2, 7));
	CHECK(close_child(3, a3, 300));
	CHECK(close_child(5, a4, 3));
	CHECK(close_child(3, a5, -1));
}

/**
 * test_epoll() - epoll_add(), epoll_mod(), epoll_del() keep the reference
 */
static void test_epoll(void)
{
	static struct ctx c;
	union epoll_ref ref = { .type = EPOLL_TYPE_UDP_REPLY };
	struct epoll_event ev;
	union epoll_ref got;
	int p[2];

	c.epollfd = epoll_create1(EPOLL_CLOEXEC);
	CHECK(c.epollfd >= 0);
	CHECK(!pipe(p));

	ref.fd = p[0];
	ref.flow = 0xabcdef;
	epoll_add(&c, EPOLLIN, ref);
	CHECK(write(p[1], "x", 1) == 1);
	CHECK_EQ(epoll_wait(c.epollfd, &ev, 1, 0), 1);
	got.u64 = ev.data.u64;
	CHECK_EQ(got.type, EPOLL_TYPE_UDP_REPLY);
	CHECK_EQ(got.fd, p[0]);
	CHECK_EQ(got.flow, 0xabcdef);

	ref.flow = 42;
	epoll_mod(&c, EPOLLIN, ref);
	CHECK_EQ(epoll_wait(c.epollfd, &ev, 1, 0), 1);
	got.u64 = ev.data.u64;
	CHECK_EQ(got.flow, 42);

	epoll_del(&c, p[0]);
	CHECK_EQ(epoll_wait(c.epollfd, &ev, 1, 0), 0);
	epoll_del(&c, p[0]);	/* again: only a debug message */

	/* Negative descriptors survive the 24-bit field */
	ref.fd = -1;
	CHECK_EQ(ref.fd, -1);

	close(p[0]);
	close(p[1]);
	close(c.epollfd);
}

int main(void)
{
	char path[PATH_MAX];
	int ret;

	log_init("test_util", true, LOG_WARNING, false);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}

	test_parse_long();
	test_mac();
	test_bitmap();
	test_write_all();
	test_files();
	test_fds();
	test_close_open_files();
	test_epoll();

	ret = unit_done("test_util");

	snprintf(path, sizeof(path), "%s/f", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/pid", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return ret;
}
