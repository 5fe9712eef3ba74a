// SPDX-License-Identifier: GPL-2.0-or-later
/* passt.c - Start-up and the event loop
 *
 * Theory of operation
 * ===================
 *
 * One binary, two names: "passt" serves a virtual machine through a UNIX
 * domain socket (qemu's -netdev stream), "pasta" serves a network namespace
 * through a tap device in it.  Either way we translate between the guest's
 * Ethernet frames and ordinary sockets of the host kernel.
 *
 * Start-up: parse the command line (conf.c, which in pasta mode also creates
 * or joins the namespace), set up the guest side and the forwarded ports,
 * then daemonize unless told to stay in the foreground.  The launching
 * process exits only once everything is ready, so that whoever started us
 * (Podman, libvirt, a script) can use the network as soon as we return.
 *
 * Then one thread runs one epoll loop.  Each file descriptor in the epoll
 * set carries a 64-bit union epoll_ref: its type, the fd itself, and a
 * type-specific value (a flow index and side, a port...), so that an event
 * goes straight to its handler and, for flow sockets, to its flow without
 * any lookup.  The clock is read once per wake-up and passed down.
 * Signals only set flags, looked at after each wake-up.
 */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include "passt.h"
#include "conf.h"
#include "dhcpv6.h"
#include "flow.h"
#include "fwd.h"
#include "icmp.h"
#include "ipfrag.h"
#include "isolation.h"
#include "log.h"
#include "ndp.h"
#include "pasta.h"
#include "pcap.h"
#include "tap.h"
#include "tcp.h"
#include "tcp_splice.h"
#include "udp.h"

#define STATS_INTERVAL_S	60	/* debug counters, how often */
#define LINGER_MS		5000	/* pasta: after the command exited */
#define LINGER_CHECK_MS		50

static struct ctx ctx;

static volatile sig_atomic_t quit_signal;
static volatile sig_atomic_t child_signal;

/**
 * sig_handler() - Remember a signal for the main loop
 * @signo:	Signal number
 */
static void sig_handler(int signo)
{
	/* #syscalls rt_sigreturn */
	if (signo == SIGCHLD)
		child_signal = 1;
	else
		quit_signal = signo;
}

/**
 * signals_init() - Install handlers: quit on SIGTERM/SIGINT, reap children
 *
 * No SA_RESTART, so that epoll_wait() returns at once with EINTR.
 */
static void signals_init(void)
{
	struct sigaction sa = { .sa_handler = sig_handler };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/**
 * timer_init() - Create the periodic housekeeping timer
 * @c:		Execution context
 */
static void timer_init(struct ctx *c)
{
	struct itimerspec it = {
		.it_interval = { TIMER_INTERVAL_MS / 1000,
				 (TIMER_INTERVAL_MS % 1000) * 1000000 },
		.it_value = { TIMER_INTERVAL_MS / 1000,
			      (TIMER_INTERVAL_MS % 1000) * 1000000 },
	};
	union epoll_ref ref = { .type = EPOLL_TYPE_TIMER };
	int fd;

	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0 || timerfd_settime(fd, 0, &it, NULL))
		die_perror("Can't create the periodic timer");
	ref.fd = fd;
	epoll_add(c, EPOLLIN, ref);
}

/**
 * timer_handler() - Periodic housekeeping
 * @c:		Execution context
 * @ref:	epoll reference of the timerfd
 * @now:	Current time
 */
static void timer_handler(struct ctx *c, union epoll_ref ref,
			  const struct timespec *now)
{
	/* #syscalls read */
	static time_t stats_last;
	uint64_t expirations;

	if (read(ref.fd, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		warn_perror("Can't read the periodic timer");

	ndp_timer(c, now);
	ipfrag_timer(now);
	tcp_port_rescan(c);
	udp_port_rescan(c, now);
	if (c->mode == MODE_PASTA)
		tcp_splice_refill(c);

	if (now->tv_sec - stats_last >= STATS_INTERVAL_S) {
		stats_last = now->tv_sec;
		tap_stats_log();
	}
}

/**
 * daemonize() - Fork into the background, write the PID file, let go of
 *		 the caller's terminal and standard streams
 * @c:		Execution context
 *
 * The parent exits 0 only now, when set-up is complete: that's what callers
 * wait for.
 */
static void daemonize(struct ctx *c)
{
	pid_t pid;
	int fd;

	pid = fork();
	if (pid < 0)
		die_perror("Can't fork into the background");
	if (pid > 0) {
		if (c->pidfile_fd >= 0)
			pidfile_write(c->pidfile_fd, pid);
		_exit(EXIT_SUCCESS);
	}

	if (c->pidfile_fd >= 0) {
		close(c->pidfile_fd);
		c->pidfile_fd = -1;
	}
	setsid();

	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die_perror("Can't open /dev/null");
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);

	if (!*c->log_file)
		log_to_syslog();
	log_stderr_off();
}

/**
 * cleanup() - Close listening sockets, remove the socket and PID files
 * @c:		Execution context
 */
static void cleanup(struct ctx *c)
{
	/* #syscalls close */
	if (c->mode == MODE_PASST && c->fd_tap_listen >= 0) {
		close(c->fd_tap_listen);
		c->fd_tap_listen = -1;
	}
	path_unlink(c->sock_dir, c->sock_path);
	c->sock_dir = -1;
	path_unlink(c->pidfile_dir, c->pidfile);
	c->pidfile_dir = -1;
}

/**
 * dispatch() - Hand an epoll event to the handler of its type
 * @c:		Execution context
 * @ev:		Event
 * @now:	Time of this wake-up
 */
static void dispatch(struct ctx *c, const struct epoll_event *ev,
		     const struct timespec *now)
{
	union epoll_ref ref = { .u64 = ev->data.u64 };

	switch ((enum epoll_type)ref.type) {
	case EPOLL_TYPE_TAP_PASTA:
		tap_handler_pasta(c, ev->events, now);
		break;
	case EPOLL_TYPE_TAP_PASST:
		tap_handler_passt(c, ev->events, now);
		break;
	case EPOLL_TYPE_TAP_LISTEN:
		tap_listen_handler(c, ev->events);
		break;
	case EPOLL_TYPE_TIMER:
		timer_handler(c, ref, now);
		break;
	case EPOLL_TYPE_FLOW_TIMER:
		flow_timer_handler(c, now);
		break;
	case EPOLL_TYPE_NSQUIT_INOTIFY:
		pasta_netns_quit_inotify_handler(c, ref.fd);
		break;
	case EPOLL_TYPE_NSQUIT_TIMER:
		pasta_netns_quit_timer_handler(c, ref);
		break;
	case EPOLL_TYPE_PING:
		icmp_sock_handler(c, ref, now);
		break;
	case EPOLL_TYPE_TCP:
		tcp_sock_handler(c, ref, ev->events, now);
		break;
	case EPOLL_TYPE_TCP_LISTEN:
		tcp_listen_handler(c, ref, now);
		break;
	case EPOLL_TYPE_TCP_SPLICE:
		tcp_splice_sock_handler(c, ref, ev->events);
		break;
	case EPOLL_TYPE_UDP_LISTEN:
		udp_listen_sock_handler(c, ref, ev->events, now);
		break;
	case EPOLL_TYPE_UDP_REPLY:
		udp_reply_sock_handler(c, ref, ev->events, now);
		break;
	default:
		debug("Event for unexpected epoll type %u", ref.type);
		break;
	}
}

/**
 * linger_check() - After pasta's command exited: quit once the connections
 *		    of the namespace are done, or after LINGER_MS
 * @c:		Execution context
 *
 * The namespace's kernel still sends what its sockets hold after their
 * processes are gone: we stay to carry it, for a while.
 *
 * Return: epoll_wait() timeout in ms until the next check, -1 if none
 */
static int linger_check(struct ctx *c)
{
	/* #syscalls kill */
	static struct timespec start;

	if (!c->child_exited)
		return -1;
	if (!start.tv_sec && !start.tv_nsec)
		start = c->now;

	if (!flow_count_type(FLOW_TCP) ||
	    timespec_diff_ms(&c->now, &start) >= LINGER_MS) {
		c->quit = true;
		return -1;
	}
	return LINGER_CHECK_MS;
}

/**
 * loop() - The event loop, until told to quit
 * @c:		Execution context
 */
static void loop(struct ctx *c)
{
	/* #syscalls epoll_wait|epoll_pwait clock_gettime exit_group */
	struct epoll_event events[EPOLL_EVENTS];
	int timeout = -1;

	while (!c->quit) {
		int n, i;

		n = epoll_wait(c->epollfd, events, EPOLL_EVENTS, timeout);
		if (n < 0 && errno != EINTR)
			die_perror("epoll_wait() failed in the main loop");

		clock_gettime(CLOCK_MONOTONIC, &c->now);

		for (i = 0; i < n && !c->quit; i++)
			dispatch(c, &events[i], &c->now);

		if (child_signal) {
			child_signal = 0;
			if (c->mode == MODE_PASTA)
				pasta_child_handler(c);
		}
		timeout = linger_check(c);
		if (quit_signal) {
			info("Quitting on signal %i", (int)quit_signal);
			c->quit = true;
			c->exit_status = 0;
			/* The command is PID 1 of its namespace, which ignores
			 * signals it has no handler for: its network goes
			 * away with us, so it goes too.
			 */
			if (c->mode == MODE_PASTA && c->pasta_child_pid > 0)
				kill(c->pasta_child_pid, SIGKILL);
		}
	}
}

/**
 * ctx_defaults() - Values that mean "unset" before the command line
 * @c:		Execution context
 * @argv0:	Name we were invoked with
 */
static void ctx_defaults(struct ctx *c, char *argv0)
{
	const char *name = basename(argv0);

	c->mode = strstr(name, "pasta") ? MODE_PASTA : MODE_PASST;
	c->name = c->mode == MODE_PASTA ? "pasta" : "passt";
	c->pidfile_fd = -1;
	c->pidfile_dir = -1;
	c->sock_dir = -1;
	c->fd_tap = -1;
	c->fd_tap_listen = -1;
	c->fd_given = -1;
	c->pasta_netns_fd = -1;
	c->pasta_userns_fd = -1;
	c->epollfd = -1;
}

/**
 * main() - Set everything up, then run the event loop
 * @argc:	Argument count
 * @argv:	Options, see usage()
 *
 * Return: 0 on a clean exit; in pasta mode, the exit status of the spawned
 *	   command (128 + signal if it was killed)
 */
int main(int argc, char **argv)
{
	struct ctx *c = &ctx;

	ctx_defaults(c, argv[0]);
	log_init(c->name, true, LOG_INFO, false);
	isolate_initial(argc, argv);
	signals_init();

	c->epollfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epollfd < 0)
		die_perror("Can't create the epoll instance");

	conf(c, argc, argv);
	clock_gettime(CLOCK_MONOTONIC, &c->now);
	raise_nofile_limit();	/* a socket or two per flow */

	if (*c->pcap && pcap_init(c->pcap) < 0)
		die("Can't open the capture file %s", c->pcap);
	if (*c->pidfile) {
		c->pidfile_fd = pidfile_open(c->pidfile);
		c->pidfile_dir = path_dir_open(c->pidfile);
	}

	flow_init();
	flow_timer_init(c);
	timer_init(c);
	tap_sock_init(c);
	if (c->mode == MODE_PASST && *c->sock_path && c->fd_given < 0)
		c->sock_dir = path_dir_open(c->sock_path);
	if (c->mode == MODE_PASTA)
		pasta_ns_conf(c);
	icmp_init(c);
	dhcpv6_init(c);
	if (c->mode == MODE_PASTA)
		fwd_scan_init(c);
	if (tcp_init(c) || udp_init(c))
		exit(EXIT_FAILURE);

	if (isolate_prefork(c))
		die("Can't set no-new-privileges");

	if (!c->foreground)
		daemonize(c);
	else if (c->pidfile_fd >= 0)
		pidfile_write(c->pidfile_fd, getpid());	/* closes it */
	c->pidfile_fd = -1;

	if (c->mode == MODE_PASTA) {
		pasta_netns_quit_init(c);
		pasta_release_child(c);
	}
	isolate_postfork(c);

	loop(c);

	cleanup(c);
	return c->exit_status;
}
