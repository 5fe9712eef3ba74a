// SPDX-License-Identifier: GPL-2.0-or-later
/* rr.c - Request/response latency benchmark: TCP RR, TCP CRR, UDP RR
 *
 * Usage:
 *   rr server ADDR PORT             serve TCP and UDP on ADDR:PORT: every
 *                                   request comes back as the response
 *   rr tcp ADDR PORT SECONDS        one connection, 1-byte ping-pong
 *   rr crr ADDR PORT SECONDS        connect, 1-byte request and response,
 *                                   close; again and again
 *   rr udp ADDR PORT SECONDS        1-byte datagram ping-pong (a response
 *                                   missing for 200 ms counts as lost)
 *
 * Clients print one line: "RATE" (transactions or connections per second)
 * followed by the count, the time, and for UDP the number lost; they exit
 * with status 1 if nothing at all completed.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#define MAX_EVENTS	64

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void resolve(const char *addr, const char *port, int type,
		    struct sockaddr_storage *ss, socklen_t *sl)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = type }, *ai;
	int rc = getaddrinfo(addr, port, &hints, &ai);

	if (rc) {
		fprintf(stderr, "%s %s: %s\n", addr, port, gai_strerror(rc));
		exit(1);
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sl = ai->ai_addrlen;
	freeaddrinfo(ai);
}

static int sock_bound(const char *addr, const char *port, int type)
{
	struct sockaddr_storage ss;
	int s, one = 1, zero = 0;
	socklen_t sl;

	resolve(addr, port, type, &ss, &sl);
	s = socket(ss.ss_family, type | SOCK_NONBLOCK, 0);
	if (s < 0)
		die("socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)	/* "::" takes IPv4 too */
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(s, (struct sockaddr *)&ss, sl))
		die("bind");
	if (type == SOCK_STREAM && listen(s, 4096))
		die("listen");
	return s;
}

static int server(const char *addr, const char *port)
{
	int ls = sock_bound(addr, port, SOCK_STREAM);
	int us = sock_bound(addr, port, SOCK_DGRAM);
	struct epoll_event ev[MAX_EVENTS];
	int ep = epoll_create1(0), one = 1;
	char buf[65536];

	ev[0] = (struct epoll_event){ .events = EPOLLIN, .data.fd = ls };
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev[0]);
	ev[0] = (struct epoll_event){ .events = EPOLLIN, .data.fd = us };
	epoll_ctl(ep, EPOLL_CTL_ADD, us, &ev[0]);

	for (;;) {
		int n = epoll_wait(ep, ev, MAX_EVENTS, -1), i;

		for (i = 0; i < n; i++) {
			int fd = ev[i].data.fd;
			ssize_t len;

			if (fd == ls) {
				int c;

				while ((c = accept4(ls, NULL, NULL,
						    SOCK_NONBLOCK)) >= 0) {
					struct epoll_event e = {
						.events = EPOLLIN, .data.fd = c
					};

					setsockopt(c, IPPROTO_TCP, TCP_NODELAY,
						   &one, sizeof(one));
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
				}
			} else if (fd == us) {
				struct sockaddr_storage ss;
				socklen_t sl = sizeof(ss);

				while ((len = recvfrom(us, buf, sizeof(buf), 0,
						       (struct sockaddr *)&ss,
						       &sl)) >= 0) {
					sendto(us, buf, len, 0,
					       (struct sockaddr *)&ss, sl);
					sl = sizeof(ss);
				}
			} else {
				len = recv(fd, buf, sizeof(buf), 0);
				if (len > 0) {
					/* 1-byte requests: the response fits */
					if (send(fd, buf, len, MSG_NOSIGNAL) < 0)
						len = 0;
				}
				if (len == 0 || (len < 0 && errno != EAGAIN)) {
					epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
					close(fd);
				}
			}
		}
	}
	return 0;
}

static int client_sock(const char *addr, const char *port, int type)
{
	struct sockaddr_storage ss;
	int s, one = 1;
	socklen_t sl;

	resolve(addr, port, type, &ss, &sl);
	s = socket(ss.ss_family, type, 0);
	if (s < 0)
		die("socket");
	if (type == SOCK_STREAM)
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(s, (struct sockaddr *)&ss, sl)) {
		close(s);
		return -1;
	}
	return s;
}

/* One 1-byte exchange; for UDP, a missing answer after 200 ms is lost */
static int transact(int s, int udp)
{
	char c = 'x';

	if (send(s, &c, 1, MSG_NOSIGNAL) != 1)
		return -1;
	if (udp) {
		struct pollfd p = { .fd = s, .events = POLLIN };

		if (poll(&p, 1, 200) != 1)
			return 0;
	}
	return recv(s, &c, 1, 0) == 1 ? 1 : -1;
}

static int client(const char *mode, const char *addr, const char *port,
		  double secs)
{
	int udp = !strcmp(mode, "udp"), crr = !strcmp(mode, "crr");
	unsigned long done = 0, lost = 0, errors = 0;
	double start = now(), end = start + secs, t;
	int s = -1;

	if (!crr) {
		s = client_sock(addr, port, udp ? SOCK_DGRAM : SOCK_STREAM);
		if (s < 0)
			die("connect");
	}

	while ((t = now()) < end) {
		int i, rc = 1;

		for (i = 0; i < 16 && rc >= 0; i++) {
			if (crr) {
				s = client_sock(addr, port, SOCK_STREAM);
				if (s < 0) {
					errors++;
					break;
				}
			}
			rc = transact(s, udp);
			if (crr)
				close(s);
			if (rc > 0)
				done++;
			else if (rc == 0)
				lost++;
			else
				errors++;
		}
		if (!crr && rc < 0)
			break;
		if (errors > 100)
			break;
	}
	t = now() - start;
	printf("%.0f %lu transactions in %.3f s, %lu lost, %lu errors\n",
	       done / t, done, t, lost, errors);
	return !done;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "server"))
		return server(argv[2], argv[3]);
	if (argc == 5 && (!strcmp(argv[1], "tcp") || !strcmp(argv[1], "crr") ||
			  !strcmp(argv[1], "udp")))
		return client(argv[1], argv[2], argv[3], atof(argv[4]));
	fprintf(stderr, "Usage: %s server ADDR PORT\n"
		"       %s tcp|crr|udp ADDR PORT SECONDS\n", argv[0], argv[0]);
	return 2;
}
