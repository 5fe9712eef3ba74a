// SPDX-License-Identifier: GPL-2.0-or-later
/* test/guest/fdpair.c - Run a command with a connected UNIX stream socket
 * pair on two given file descriptor numbers
 *
 * Usage: fdpair FD1 FD2 COMMAND [ARG]...
 *
 * run.sh --fd uses it to hand one end to passt (--fd FD1) and the other one
 * to qemu (-netdev stream,addr.type=fd,addr.str=FD2), as a management
 * application would.
 *
 * Build: cc -O2 -Wall -Wextra -Werror -o fdpair fdpair.c
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/**
 * parse_fd() - Parse a file descriptor number, 3 or more
 * @s:		string
 *
 * Return: number, exits on error
 */
static int parse_fd(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 3 || v > 1023) {
		fprintf(stderr, "fdpair: bad file descriptor number: %s\n", s);
		exit(1);
	}
	return (int)v;
}

/**
 * move_fd() - Put a socket on a given descriptor number, without CLOEXEC
 * @fd:		current descriptor
 * @to:		wanted number
 */
static void move_fd(int fd, int to)
{
	if (fd == to) {
		if (fcntl(fd, F_SETFD, 0) < 0)
			goto err;
		return;
	}
	if (dup2(fd, to) < 0)
		goto err;
	close(fd);
	return;
err:
	fprintf(stderr, "fdpair: %s\n", strerror(errno));
	exit(1);
}

/**
 * main() - Create the pair, place it, execute the command
 * @argc:	argument count
 * @argv:	FD1 FD2 COMMAND [ARG]...
 *
 * Return: does not return on success, 1 on error
 */
int main(int argc, char **argv)
{
	int sv[2], high[2], a, b;

	if (argc < 4) {
		fprintf(stderr, "Usage: %s FD1 FD2 COMMAND [ARG]...\n",
			argv[0]);
		return 1;
	}
	a = parse_fd(argv[1]);
	b = parse_fd(argv[2]);
	if (a == b) {
		fprintf(stderr, "fdpair: FD1 and FD2 must differ\n");
		return 1;
	}

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		fprintf(stderr, "fdpair: socketpair: %s\n", strerror(errno));
		return 1;
	}
	/* Above both targets, so that moving one cannot clobber the other */
	high[0] = fcntl(sv[0], F_DUPFD_CLOEXEC, (a > b ? a : b) + 1);
	high[1] = fcntl(sv[1], F_DUPFD_CLOEXEC, (a > b ? a : b) + 1);
	if (high[0] < 0 || high[1] < 0) {
		fprintf(stderr, "fdpair: fcntl: %s\n", strerror(errno));
		return 1;
	}
	close(sv[0]);
	close(sv[1]);
	move_fd(high[0], a);
	move_fd(high[1], b);

	execvp(argv[3], argv + 3);
	fprintf(stderr, "fdpair: %s: %s\n", argv[3], strerror(errno));
	return 1;
}
