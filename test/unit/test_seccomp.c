// SPDX-License-Identifier: GPL-2.0-or-later
/* test_seccomp.c - The seccomp filter: what it lets through, what it stops
 *
 * Each case runs in a child process that installs the daemon's own filter
 * for one mode (isolate_seccomp()), then makes calls: allowed ones must
 * work, a forbidden one must end the child with EXIT_FAILURE and a log line
 * naming the call.  The children log to a pipe read here.
 *
 * Cases: calls on the list (read, write, socket, close) go through in both
 * modes; an allocation after start-up (malloc of 1 MiB: mmap, or brk for a
 * small one, or the random bytes glibc's first malloc() asks for) is caught; execve, ptrace and getppid are caught; setns and
 * clone are allowed to pasta only; the filter of another architecture's
 * table isn't reachable from here, but the name table is checked.
 */

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "unit.h"
#include "passt.h"
#include "isolation.h"
#include "log.h"

/**
 * run_filtered() - Run a function in a child under the filter of a mode
 * @mode:	MODE_PASST or MODE_PASTA
 * @fn:		What the child does once filtered: returns its exit status
 * @out:	Buffer for what the child logged
 * @size:	Size of @out
 *
 * Return: wait status of the child
 */
static int run_filtered(int mode, int (*fn)(void), char *out, size_t size)
{
	int p[2], status = 0;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(p))
		return -1;

	pid = fork();
	if (pid == 0) {
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		log_init("test", true, LOG_INFO, false);
		if (isolate_seccomp(mode) < 0)
			_exit(100);
		_exit(fn());
	}
	close(p[1]);

	while (len < size - 1 &&
	       (n = read(p[0], out + len, size - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(p[0]);

	waitpid(pid, &status, 0);
	return status;
}

/* Allowed in both modes: a socket, written to and closed */
static int calls_allowed(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char b = 0;

	if (s < 0)
		return 2;
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUF, &(int){ 4096 }, sizeof(int)))
		return 3;
	close(s);
	if (write(STDERR_FILENO, &b, 0) < 0)
		return 4;
	return 0;
}

#ifndef PASST_SANITIZER	/* allowed there: see main() */
/* An allocation after start-up: large, mmap() */
static int alloc_large(void)
{
	volatile char *p = malloc(1 << 20);

	if (p)
		p[0] = 1;
	return 0;
}

/* A mapping asked for directly */
static int map_anon(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? 2 : 0;
}

#endif

/* Growing the heap */
static int heap_grow(void)
{
	return syscall(SYS_brk, 0) ? 0 : 2;
}

/* Executing something */
static int exec_true(void)
{
	char *argv[] = { "true", NULL };

	execve("/bin/true", argv, NULL);
	return 2;
}

/* Tracing */
static int trace_me(void)
{
	ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	return 0;
}

/* A harmless call we don't make */
static int parent_pid(void)
{
	return getppid() > 0 ? 0 : 2;
}

#ifndef PASST_SANITIZER
/* Opening a file by path: only pasta's openat() is allowed (relative, for
 * the namespace watch), passt has no open at all
 */
static int open_file(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return 0;
}

#endif

/* Joining a namespace (with a bad descriptor: we only care if it's let
 * through to the kernel, which says EBADF)
 */
static int join_ns(void)
{
	return setns(-1, 0) && errno == EBADF ? 0 : 2;
}

/**
 * caught() - Did the child die of the filter, naming the call?
 * @status:	Wait status
 * @out:	What it logged
 * @name:	System call the log must name
 *
 * Return: true if so
 */
static bool caught(int status, const char *out, const char *name)
{
	char want[64];

	snprintf(want, sizeof(want), "system call %s (", name);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != EXIT_FAILURE) {
		fprintf(stderr, "%s: status %#x, log: %s\n", name, status, out);
		return false;
	}
	if (!strstr(out, want)) {
		fprintf(stderr, "%s: log doesn't name it: %s\n", name, out);
		return false;
	}
	return true;
}

#ifndef PASST_SANITIZER
/**
 * caught_alloc() - Did the child die of the filter in an allocation?
 * @status:	Wait status
 * @out:	What it logged
 *
 * The C library's first malloc() may ask for random bytes (getrandom) before
 * it maps memory (mmap) or grows the heap (brk): any of them is the catch.
 *
 * Return: true if so
 */
static bool caught_alloc(int status, const char *out)
{
	if (strstr(out, "system call getrandom ("))
		return caught(status, out, "getrandom");
	if (strstr(out, "system call brk ("))
		return caught(status, out, "brk");
	return caught(status, out, "mmap");
}
#endif

/**
 * passed() - Did the child finish normally with status 0?
 * @status:	Wait status
 * @out:	What it logged, printed on failure
 *
 * Return: true if so
 */
static bool passed(int status, const char *out)
{
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return true;
	fprintf(stderr, "status %#x, log: %s\n", status, out);
	return false;
}

int main(void)
{
	static const int modes[] = { MODE_PASST, MODE_PASTA };
	char out[BUFSIZ];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		int m = modes[i];

		CHECK(passed(run_filtered(m, calls_allowed, out, sizeof(out)),
			     out));
#ifndef PASST_SANITIZER	/* their run-time needs mmap() to report */
		CHECK(caught_alloc(run_filtered(m, alloc_large, out,
						sizeof(out)), out));
		CHECK(caught(run_filtered(m, map_anon, out, sizeof(out)),
			     out, "mmap"));
#endif
		CHECK(caught(run_filtered(m, heap_grow, out, sizeof(out)),
			     out, "brk"));
		CHECK(caught(run_filtered(m, exec_true, out, sizeof(out)),
			     out, "execve"));
		CHECK(caught(run_filtered(m, trace_me, out, sizeof(out)),
			     out, "ptrace"));
		CHECK(caught(run_filtered(m, parent_pid, out, sizeof(out)),
			     out, "getppid"));
	}

#ifndef PASST_SANITIZER	/* and openat() to read our mappings */
	CHECK(caught(run_filtered(MODE_PASST, open_file, out, sizeof(out)),
		     out, "openat"));
#endif
	CHECK(caught(run_filtered(MODE_PASST, join_ns, out, sizeof(out)),
		     out, "setns"));
	CHECK(passed(run_filtered(MODE_PASTA, join_ns, out, sizeof(out)),
		     out));

	CHECK(!strcmp(seccomp_name(__NR_read), "read"));
	CHECK(!strcmp(seccomp_name(-1), "unknown"));

	return unit_done("test_seccomp");
}
