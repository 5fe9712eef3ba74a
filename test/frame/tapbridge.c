// SPDX-License-Identifier: GPL-2.0-or-later
/* tapbridge - The kernel's own network stack as passt's guest, without qemu
 *
 * Creates a tap device (IFF_TAP | IFF_NO_PI) in the network namespace it
 * runs in, connects to passt's UNIX domain socket and relays Ethernet frames
 * both ways, in qemu's stream format (-netdev stream): each frame preceded
 * by its length, 32 bits, big-endian. Whatever the namespace sends through
 * the tap goes to passt, and the other way round: the namespace is a guest,
 * like a virtio-net guest under qemu, but with no emulation in between.
 *
 * Usage: tapbridge [-i IFNAME] [-q] SOCKET
 *   -i IFNAME	name of the tap device (default tap0); configure it (MTU,
 *		addresses, up) once it exists: it goes away when we exit
 *   -q		no summary line at exit
 *
 * Stream to tap: one recv() of up to BUF_SIZE bytes, then one write() on the
 * tap per whole frame; an incomplete last frame waits at the start of the
 * buffer for the next recv(). Tap to stream: frames are read from the tap
 * (one read() each, until none is left or the buffer is full) behind room
 * for their length prefixes, so that the whole batch leaves in one send().
 * What the socket doesn't take yet stays in the buffer, and frames read
 * meanwhile are appended; only once the buffer is full is the tap left
 * alone (its queue fills, then the kernel drops, as a busy NIC would: give
 * it a long txqueuelen).
 *
 * Exit status: 0 when passt closes the connection (or on SIGTERM, SIGINT),
 * 1 on errors, 2 on bad usage. The summary (frames and bytes each way) goes
 * to stderr.
 *
 * Build: cc -O2 -Wall -Wextra -Werror -o tapbridge tapbridge.c
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#define BUF_SIZE	(4UL << 20)	/* each direction */
#define FRAME_MAX	(65535 + 14)	/* largest frame a tap can carry */
#define HDR_LEN		4		/* length prefix on the stream */
#define SOCK_BUF	(8 << 20)	/* socket buffers, asked for */

static uint8_t from_sock[BUF_SIZE];
static uint8_t to_sock[BUF_SIZE];
static volatile sig_atomic_t stop;

/**
 * struct stats - What went through, per direction
 * @frames:	Frames relayed
 * @bytes:	Bytes of those frames, without length prefixes
 * @dropped:	Frames the tap refused (stream to tap only)
 */
static struct stats {
	unsigned long long frames, bytes, dropped;
} to_tap, to_passt;

/**
 * on_signal() - SIGTERM, SIGINT: stop at the next wake-up
 * @sig:	Signal number, unused
 */
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/**
 * tap_open() - Create the tap device, non-blocking
 * @name:	Interface name
 *
 * Return: file descriptor; exits on failure
 */
static int tap_open(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		perror("tapbridge: /dev/net/tun");
		exit(1);
	}
	if (strlen(name) >= IFNAMSIZ) {
		fprintf(stderr, "tapbridge: interface name too long\n");
		exit(2);
	}
	strcpy(ifr.ifr_name, name);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		perror("tapbridge: TUNSETIFF");
		exit(1);
	}
	return fd;
}

/**
 * sock_connect() - Connect to passt's socket, ask for large buffers
 * @path:	Socket path
 *
 * Return: connected, non-blocking socket; exits on failure
 */
static int sock_connect(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, sz = SOCK_BUF;

	if (strlen(path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "tapbridge: socket path too long\n");
		exit(2);
	}
	strcpy(a.sun_path, path);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "tapbridge: connect to %s: %s\n", path,
			strerror(errno));
		exit(1);
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (fcntl(fd, F_SETFL, O_NONBLOCK)) {
		perror("tapbridge: O_NONBLOCK");
		exit(1);
	}
	return fd;
}

/**
 * sock_to_tap() - Read from passt's stream, write whole frames to the tap
 * @s:		Stream socket
 * @tap:	Tap device
 * @have:	Bytes of an incomplete frame at the start of the buffer, updated
 *
 * Return: 1 if the stream goes on, 0 at its end, -1 on errors
 */
static int sock_to_tap(int s, int tap, size_t *have)
{
	size_t off = 0, len;
	ssize_t n;

	n = recv(s, from_sock + *have, BUF_SIZE - *have, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno == ECONNRESET))
		return 0;
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 1;
		perror("tapbridge: recv");
		return -1;
	}
	len = *have + n;

	while (len - off >= HDR_LEN) {
		uint32_t flen;

		memcpy(&flen, from_sock + off, HDR_LEN);
		flen = ntohl(flen);
		if (flen > FRAME_MAX) {
			fprintf(stderr, "tapbridge: frame of %u bytes on the"
				" stream: out of sync\n", flen);
			return -1;
		}
		if (len - off - HDR_LEN < flen)
			break;

		if (write(tap, from_sock + off + HDR_LEN, flen) < 0) {
			to_tap.dropped++;
		} else {
			to_tap.frames++;
			to_tap.bytes += flen;
		}
		off += HDR_LEN + flen;
	}

	*have = len - off;
	memmove(from_sock, from_sock + off, *have);
	return 1;
}

/**
 * tap_to_buf() - Read what the tap has, length-prefixed, behind what waits
 * @tap:	Tap device
 * @sent:	Bytes at the start of the buffer already sent, reset here
 * @len:	Bytes in the buffer, updated
 *
 * What was sent is dropped from the buffer first, if that makes room.
 */
static void tap_to_buf(int tap, size_t *sent, size_t *len)
{
	if (*sent && BUF_SIZE - *len < HDR_LEN + FRAME_MAX) {
		memmove(to_sock, to_sock + *sent, *len - *sent);
		*len -= *sent;
		*sent = 0;
	}

	while (BUF_SIZE - *len >= HDR_LEN + FRAME_MAX) {
		ssize_t n = read(tap, to_sock + *len + HDR_LEN, FRAME_MAX);
		uint32_t flen;

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			perror("tapbridge: read from tap");
			exit(1);
		}
		flen = htonl((uint32_t)n);
		memcpy(to_sock + *len, &flen, HDR_LEN);
		*len += HDR_LEN + n;
		to_passt.frames++;
		to_passt.bytes += n;
	}
}

/**
 * buf_to_sock() - Send what is pending for passt, as much as it takes
 * @s:		Stream socket
 * @sent:	Bytes of the buffer already sent, updated
 * @len:	Bytes in the buffer, updated: both reset once all is sent
 *
 * Return: 0 on success (all sent or the socket is full), -1 on errors
 */
static int buf_to_sock(int s, size_t *sent, size_t *len)
{
	while (*sent < *len) {
		ssize_t n = send(s, to_sock + *sent, *len - *sent,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		*sent += n;
	}
	*sent = *len = 0;
	return 0;
}

/**
 * buf_room() - Is there room in the buffer for one more frame from the tap?
 * @sent:	Bytes at the start of the buffer already sent
 * @len:	Bytes in the buffer
 *
 * Return: true if a frame fits, after dropping what was sent
 */
static int buf_room(size_t sent, size_t len)
{
	return BUF_SIZE - (len - sent) >= HDR_LEN + FRAME_MAX;
}

/**
 * usage() - Print the usage and exit
 */
static void usage(void)
{
	fprintf(stderr, "Usage: tapbridge [-i IFNAME] [-q] SOCKET\n");
	exit(2);
}

int main(int argc, char **argv)
{
	size_t have = 0, pend_len = 0, pend_sent = 0;
	const char *ifname = "tap0";
	struct sigaction sa = { .sa_handler = on_signal };
	int opt, quiet = 0, s, tap, rc = 0;

	while ((opt = getopt(argc, argv, "i:q")) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	tap = tap_open(ifname);
	s = sock_connect(argv[optind]);

	while (!stop) {
		int pending = pend_sent < pend_len;
		struct pollfd pfd[2] = {
			{ .fd = s, .events = POLLIN | (pending ? POLLOUT : 0) },
			{ .fd = tap,
			  .events = buf_room(pend_sent, pend_len) ? POLLIN : 0 },
		};
		int r;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("tapbridge: poll");
			rc = 1;
			break;
		}

		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			r = sock_to_tap(s, tap, &have);
			if (r <= 0) {
				rc = r < 0;
				break;
			}
		}

		if (pfd[1].revents & POLLIN)
			tap_to_buf(tap, &pend_sent, &pend_len);
		if (buf_to_sock(s, &pend_sent, &pend_len)) {
			perror("tapbridge: send");
			rc = 1;
			break;
		}
	}

	if (!quiet) {
		fprintf(stderr, "tapbridge: to passt %llu frames %llu bytes; "
			"to tap %llu frames %llu bytes, %llu refused\n",
			to_passt.frames, to_passt.bytes, to_tap.frames,
			to_tap.bytes, to_tap.dropped);
	}
	close(s);
	close(tap);
	return rc;
}
