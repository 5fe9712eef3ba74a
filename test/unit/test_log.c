// SPDX-License-Identifier: GPL-2.0-or-later
/* test_log.c - Levels, formats, rate limiting and log file rotation */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "log.h"
#include "test/unit/unit.h"

static char tmpdir[] = "/tmp/test_log.XXXXXX";
static char errpath[PATH_MAX];
static char logpath[PATH_MAX];
static char text[1 << 20];

/**
 * slurp() - Read a whole file into text[]
 * @path:	File
 *
 * Return: length read
 */
static size_t slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	n = n < 0 ? 0 : n;
	text[n] = '\0';
	return (size_t)n;
}

/**
 * stderr_to_file() - Send stderr to a fresh file, or back
 * @on:		true: to errpath, truncated; false: restore
 */
static void stderr_to_file(bool on)
{
	static int saved = -1;
	int fd;

	if (on) {
		saved = dup(STDERR_FILENO);
		fd = open(errpath, O_CREAT | O_TRUNC | O_WRONLY, 0600);
		dup2(fd, STDERR_FILENO);
		close(fd);
	} else {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
}

/**
 * test_stderr() - Prefix, levels, perror, errno preserved
 */
static void test_stderr(void)
{
	stderr_to_file(true);
	log_init("pasta", true, LOG_INFO, false);
	info("hello %d", 42);
	debug("not shown");
	trace("not shown either");
	warn("careful");
	errno = ENOENT;
	err_perror("open %s", "/x");
	CHECK_EQ(errno, ENOENT);	/* preserved for the caller */
	log_init("pasta", true, LOG_WARNING, false);	/* -q */
	info("quiet");
	err("still errors");
	stderr_to_file(false);

	slurp(errpath);
	CHECK(!strcmp(text, "pasta: hello 42\n"
			    "pasta: careful\n"
			    "pasta: open /x: No such file or directory\n"
			    "pasta: still errors\n"));

	/* Debug mode: timestamps instead of the name, trace on request */
	stderr_to_file(true);
	log_init("pasta", true, LOG_DEBUG, false);
	debug("dbg");
	trace("no trace");
	log_init("pasta", true, LOG_DEBUG, true);
	trace("tr");
	stderr_to_file(false);

	slurp(errpath);
	{
		long long s1, s2;
		int f1, f2;
		char m1[8], m2[8];

		CHECK_EQ(sscanf(text, "%lld.%4d: %7s\n%lld.%4d: %7s", &s1, &f1,
				m1, &s2, &f2, m2), 6);
		CHECK(!strcmp(m1, "dbg"));
		CHECK(!strcmp(m2, "tr"));
		CHECK(s1 >= 0 && s1 < 1000);
	}

	/* Off: nothing on stderr */
	stderr_to_file(true);
	log_init("pasta", true, LOG_INFO, false);
	log_stderr_off();
	err("hidden");
	stderr_to_file(false);
	CHECK_EQ(slurp(errpath), 0);
}

/**
 * rl_site() - One rate-limited call site
 * @now:	Current time
 * @i:		Number to print
 */
static void rl_site(const struct timespec *now, int i)
{
	warn_ratelimit(now, "message %d", i);
}

/**
 * test_ratelimit() - One message per interval, with the count of the others
 */
static void test_ratelimit(void)
{
	static const char *expect =
		"passt: message 0\n"
		"passt: other site\n"
		"passt: message 11 (10 similar messages suppressed)\n"
		"passt: message 13 (1 similar message suppressed)\n"
		"passt: message 14\n"
		"passt: unrelated\n";
	struct timespec now = { 100, 0 };
	int i;

	stderr_to_file(true);
	log_init("passt", true, LOG_INFO, false);
	for (i = 0; i < 10; i++)
		rl_site(&now, i);			/* 1 to 9 held */
	warn_ratelimit(&now, "other site");
	now.tv_sec += LOG_RATELIMIT_SEC - 1;
	rl_site(&now, 10);				/* held */
	now.tv_sec += 1;
	rl_site(&now, 11);
	rl_site(&now, 12);				/* held */
	now.tv_sec += LOG_RATELIMIT_SEC;
	rl_site(&now, 13);
	now.tv_sec += LOG_RATELIMIT_SEC * 10;
	rl_site(&now, 14);
	info("unrelated");
	stderr_to_file(false);

	slurp(errpath);
	if (strcmp(text, expect))
		fprintf(stderr, "got:\n%s", text);
	CHECK(!strcmp(text, expect));

	/* A clock starting at zero still lets the first message through */
	{
		struct log_ratelimit rl = { 0 };
		struct timespec zero = { 0, 0 };

		CHECK(log_ratelimit_ok(&rl, &zero));
		CHECK(!log_ratelimit_ok(&rl, &zero));
	}
}

/**
 * check_log_file() - Header first, whole lines, size within the limit
 * @size:	Size limit
 * @last:	Expected last message
 */
static void check_log_file(size_t size, const char *last)
{
	size_t len = slurp(logpath);
	char *line, *save = NULL;
	unsigned int bad = 0, n = 0;
	char *lastline = NULL;

	CHECK(len <= size);
	CHECK(!strncmp(text, "pasta ", 6));
	CHECK(strstr(text, ": log file, pid ") != NULL);
	CHECK(len && text[len - 1] == '\n');

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), n++) {
		long long s;
		int f, k;
		char tail;

		if (n == 0 || !strcmp(line, "(older lines removed by log "
						"rotation)"))
			continue;
		if (sscanf(line, "%lld.%4d: message %d %c", &s, &f, &k,
			   &tail) != 4 || tail != 'x') {
			fprintf(stderr, "bad line: %s\n", line);
			bad++;
		}
		lastline = line;
	}
	CHECK_EQ(bad, 0);
	CHECK(lastline && strstr(lastline, last));
}

/**
 * test_file() - Log file with rotation
 */
static void test_file(void)
{
	size_t size = 16384, len;
	char pad[301];
	int i;

	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';

	log_init("pasta", false, LOG_DEBUG, false);
	log_stderr_off();
	CHECK_EQ(log_file_open(logpath, size), 0);

	for (i = 0; i < 20; i++)
		info("message %d %.*s", i, i * 7 + 1, pad);
	len = slurp(logpath);
	CHECK(len < size);
	CHECK(strstr(text, "message 19 x") != NULL);
	CHECK(strstr(text, "rotation") == NULL);
	check_log_file(size, "message 19 ");

	for (i = 20; i < 2000; i++)
		info("message %d %.*s", i, i % 300 + 1, pad);
	check_log_file(size, "message 1999 ");
	slurp(logpath);
	CHECK(strstr(text, "(older lines removed by log rotation)\n"));
	CHECK(strstr(text, "message 1998 ") != NULL);	/* newest kept */
	CHECK(strstr(text, "message 20 ") == NULL);	/* oldest gone */
	CHECK(slurp(logpath) > size / 3);		/* not emptied */

	/* A message longer than the line buffer is truncated, not lost */
	{
		static char huge[5000];

		memset(huge, 'y', sizeof(huge) - 1);
		info("message 1 x%s", huge);
		slurp(logpath);
		CHECK(strstr(text, "message 1 xyyy") != NULL);
	}

	/* Bad path */
	snprintf(text, sizeof(text), "%s/none/log", tmpdir);
	CHECK_EQ(log_file_open(text, 0), -1);
}

int main(void)
{
	int ret;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(errpath, sizeof(errpath), "%s/stderr", tmpdir);
	snprintf(logpath, sizeof(logpath), "%s/log", tmpdir);

	test_stderr();
	test_ratelimit();
	test_file();

	log_init("test_log", true, LOG_INFO, false);
	ret = unit_done("test_log");

	unlink(errpath);
	unlink(logpath);
	rmdir(tmpdir);
	return ret;
}
