// SPDX-License-Identifier: GPL-2.0-or-later
/* tcp_splice.c - TCP between two loopback sockets, joined by splice(2)
 *
 * Theory of operation
 * ===================
 *
 * In pasta mode, a connection between the namespace's loopback and the
 * host's loopback needs no Ethernet, no IP and no copy through user space:
 * we accept it on one side, connect a socket to the same port (or the
 * translated one) on the other side's loopback, and move data between the
 * two inside the kernel with splice(2), through one pipe per direction.
 *
 * - From the host's loopback to a port forwarded with -t, and from the
 *   namespace's loopback to a port forwarded with -T.
 * - Both sockets have TCP_NODELAY: latency is the point of this path.
 * - Pipes start at the kernel's default size and a few are kept open ahead
 *   of time; a pipe grows (F_SETPIPE_SZ, up to TCP_SPLICE_PIPE_SIZE or what
 *   the system allows) the first time a read fills it.  Connections that
 *   only exchange small messages so never use up the user's pipe quota
 *   (fs.pipe-user-pages-soft) that bulk transfers need.
 * - Sockets on the namespace's side are opened there ahead of time, many at
 *   a time: a namespace switch (a clone() and two setns()) costs more than
 *   the rest of a short connection together.
 * - Connecting: the target socket connects without blocking, and we don't
 *   wait for it: on loopback the handshake is usually done before connect()
 *   returns.  Data for a target still connecting waits in the pipe like
 *   data for a full socket (below).  A refused connection shows up as an
 *   error event; one still not established after TCP_SPLICE_CONN_TIMEOUT
 *   is given up.
 * - Data: both sockets are in epoll, edge-triggered, for input.  On input
 *   from one socket, splice() it into that direction's pipe and from the
 *   pipe into the other socket, until the first socket is drained.  A read
 *   shorter than asked for, and too short to have been cut by the pipe's
 *   slots, means the socket is drained (but for an end of file, which
 *   EPOLLRDHUP announces): no further read just to see EAGAIN.  If
 *   the other socket can't take it all, what stays in the pipe waits for
 *   EPOLLOUT on that socket, and we stop asking for input on the first one
 *   meanwhile: the only changes of epoll events a connection sees.
 * - End of file from one side, once its pipe is empty, is a shutdown of
 *   the other side's write direction; the other direction goes on (half-
 *   close).  When both directions are done, both sockets are closed (the
 *   last shutdown is left to close()).  An error or reset on one side
 *   resets the other (SO_LINGER with zero).
 * - If the target refuses the connection, the accepted socket is reset: its
 *   client was already connected to our listener and sees ECONNRESET.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "passt.h"
#include "flow.h"
#include "log.h"
#include "pasta.h"
#include "tcp_splice.h"
#include "util.h"

#define TCP_SPLICE_PIPE_SIZE	(1 << 20)	/* grown to, at most */
#define TCP_SPLICE_POOL		16	/* pipes kept ready */
#define TCP_SPLICE_NS_POOL	64	/* namespace sockets kept ready */
#define TCP_SPLICE_CONN_TIMEOUT	10	/* seconds to connect the target */

/* State bits */
#define SPLICE_FIN_RCVD(s)	(1 << (0 + (s)))	/* EOF read from s[s] */
#define SPLICE_FIN_SENT(s)	(1 << (2 + (s)))	/* shutdown of s[s] */
#define SPLICE_BLOCKED(s)	(1 << (4 + (s)))	/* s[s] can't take more */
#define SPLICE_GROWN(s)		(1 << (6 + (s)))	/* pipe[s] grown, tried */
#define SPLICE_ESTABLISHED	(1 << 8)	/* target known connected */

/* Marks a socket as added to epoll in conn->events (not an epoll flag) */
#define EV_ADDED		0x8000

/**
 * struct splice_pipe - A pipe kept ready
 * @fd:		Read and write ends
 * @size:	Capacity
 */
struct splice_pipe {
	int fd[2];
	uint32_t size;
};

static struct splice_pipe splice_pool[TCP_SPLICE_POOL];
static unsigned int splice_pool_count;
static long splice_page_size;
static int splice_pipe_max = TCP_SPLICE_PIPE_SIZE;
static uint32_t splice_pipe_def;	/* size of a new pipe, the largest seen */

/**
 * tcp_splice_pipe_new() - Open a pipe at the default size
 * @p:		File descriptors and capacity, set on success
 *
 * Return: 0 on success, -1 on failure
 */
static int tcp_splice_pipe_new(struct splice_pipe *p)
{
	int size;

	/* #syscalls:pasta pipe2 fcntl|fcntl64 */
	if (pipe2(p->fd, O_NONBLOCK | O_CLOEXEC))
		return -1;
	/* Usually 64 KiB, less once the user's quota is used up */
	if ((size = fcntl(p->fd[0], F_GETPIPE_SZ)) <= 0) {
		close(p->fd[0]);
		close(p->fd[1]);
		return -1;
	}
	p->size = size;
	if (p->size > splice_pipe_def)
		splice_pipe_def = p->size;
	return 0;
}

/**
 * tcp_splice_pipe_get() - Take a pipe from the pool, or open one
 * @conn:	Connection
 * @side:	Direction: what @conn->s[side] sends
 *
 * Return: 0 on success, -1 on failure
 */
static int tcp_splice_pipe_get(struct tcp_splice_conn *conn,
			       unsigned int side)
{
	struct splice_pipe p;

	if (splice_pool_count)
		p = splice_pool[--splice_pool_count];
	else if (tcp_splice_pipe_new(&p))
		return -1;

	conn->pipe[side][0] = p.fd[0];
	conn->pipe[side][1] = p.fd[1];
	conn->pipe_size[side] = p.size;
	if ((int)p.size >= splice_pipe_max)
		conn->state |= SPLICE_GROWN(side);
	return 0;
}

/**
 * tcp_splice_pipe_put() - Give an empty pipe back to the pool, or close it
 * @conn:	Connection
 * @side:	Direction
 *
 * A grown pipe isn't kept: it would hold on to the user's pipe quota, and
 * most connections never need it.
 */
static void tcp_splice_pipe_put(struct tcp_splice_conn *conn,
				unsigned int side)
{
	int *fd = conn->pipe[side];

	if (fd[0] < 0)
		return;
	if (!conn->pending[side] && splice_pool_count < TCP_SPLICE_POOL &&
	    conn->pipe_size[side] <= splice_pipe_def) {
		struct splice_pipe *p = &splice_pool[splice_pool_count++];

		p->fd[0] = fd[0];
		p->fd[1] = fd[1];
		p->size = conn->pipe_size[side];
	} else {
		close(fd[0]);
		close(fd[1]);
	}
	fd[0] = fd[1] = -1;
}

/**
 * tcp_splice_pipe_grow() - Grow a pipe that a read filled, once
 * @conn:	Connection
 * @side:	Direction
 */
static void tcp_splice_pipe_grow(struct tcp_splice_conn *conn,
				 unsigned int side)
{
	int size;

	conn->state |= SPLICE_GROWN(side);
	size = fcntl(conn->pipe[side][0], F_SETPIPE_SZ, splice_pipe_max);
	if (size > (int)conn->pipe_size[side])
		conn->pipe_size[side] = size;
}

/* Sockets opened in the namespace ahead of time, per family */
static int splice_ns_socks[2][TCP_SPLICE_NS_POOL];
static unsigned int splice_ns_count[2];

/**
 * tcp_splice_sock_new() - Open a TCP socket for a spliced connection
 * @v6:		IPv6 rather than IPv4
 *
 * Return: socket, or -1 on failure
 */
static int tcp_splice_sock_new(bool v6)
{
	int s, one = 1;

	s = socket(v6 ? AF_INET6 : AF_INET,
		   SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (s < 0)
		return -1;
	if (s > FD_REF_MAX) {
		close(s);
		return -1;
	}
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return s;
}

/**
 * tcp_splice_ns_fill() - Top up the namespace's socket pool, in it
 * @arg:	Unused
 *
 * Return: 0
 */
static int tcp_splice_ns_fill(void *arg)
{
	/* #syscalls:pasta socket */
	unsigned int v6;

	(void)arg;
	for (v6 = 0; v6 < 2; v6++) {
		while (splice_ns_count[v6] < TCP_SPLICE_NS_POOL) {
			int s = tcp_splice_sock_new(v6);

			if (s < 0)
				break;
			splice_ns_socks[v6][splice_ns_count[v6]++] = s;
		}
	}
	return 0;
}

/**
 * tcp_splice_refill() - Top up the pools of pipes and of namespace sockets
 *			 (periodic): connecting a spliced connection then
 *			 costs no namespace switch
 * @c:		Execution context
 */
void tcp_splice_refill(const struct ctx *c)
{
	while (splice_pool_count < TCP_SPLICE_POOL &&
	       !tcp_splice_pipe_new(&splice_pool[splice_pool_count]))
		splice_pool_count++;

	if (splice_ns_count[0] < TCP_SPLICE_NS_POOL / 2 ||
	    splice_ns_count[1] < TCP_SPLICE_NS_POOL / 2)
		ns_call(c, tcp_splice_ns_fill, NULL);
}

/**
 * tcp_splice_init() - Fill the pools of pipes and namespace sockets
 * @c:		Execution context
 */
void tcp_splice_init(const struct ctx *c)
{
	char buf[32];
	long max;

	/* What an unprivileged user may grow a pipe to (1 MiB by default) */
	if (read_file_str("/proc/sys/fs/pipe-max-size", buf, sizeof(buf)) > 0 &&
	    (max = strtol(buf, NULL, 10)) > 0 && max < splice_pipe_max)
		splice_pipe_max = max;

	splice_page_size = sysconf(_SC_PAGESIZE);
	if (splice_page_size <= 0)
		splice_page_size = 4096;
	tcp_splice_refill(c);
}

/**
 * tcp_splice_events() - Ask epoll for what each socket must wait for
 * @c:		Execution context
 * @conn:	Connection
 *
 * Edge-triggered: input stays asked for, also after end of file, except
 * while the other socket can't take more; output only while this socket
 * can't.
 */
static void tcp_splice_events(const struct ctx *c,
			      struct tcp_splice_conn *conn)
{
	unsigned int side;

	for (side = 0; side < SIDES; side++) {
		union epoll_ref ref = { .type = EPOLL_TYPE_TCP_SPLICE };
		uint32_t ev = EV_ADDED;

		if (!(conn->state & SPLICE_BLOCKED(!side)))
			ev |= EPOLLIN | EPOLLRDHUP;
		if (conn->state & SPLICE_BLOCKED(side))
			ev |= EPOLLOUT;
		if (ev == conn->events[side])
			continue;

		ref.fd = conn->s[side];
		ref.flow = flow_sidx(flow_idx((union flow *)conn), side);
		if (conn->events[side])
			epoll_mod(c, (ev & ~EV_ADDED) | EPOLLET, ref);
		else
			epoll_add(c, (ev & ~EV_ADDED) | EPOLLET, ref);
		conn->events[side] = ev;
	}
}

/**
 * tcp_splice_close() - Close both sockets and free the connection
 * @conn:	Connection
 * @reset:	Reset both peers rather than closing cleanly
 *
 * Closing a socket takes it out of epoll: nothing else holds it.
 */
static void tcp_splice_close(struct tcp_splice_conn *conn, bool reset)
{
	/* #syscalls:pasta close shutdown */
	unsigned int side;

	flow_log(LOG_DEBUG, (union flow *)conn, reset ? "reset" : "closed");
	for (side = 0; side < SIDES; side++) {
		if (conn->s[side] >= 0) {
			if (reset) {
				struct linger l = { 1, 0 };

				setsockopt(conn->s[side], SOL_SOCKET,
					   SO_LINGER, &l, sizeof(l));
			}
			close(conn->s[side]);
			conn->s[side] = -1;
		}
		tcp_splice_pipe_put(conn, side);
	}
	flow_free((union flow *)conn);
}

/**
 * tcp_splice_established() - Note that the target socket is connected
 * @conn:	Connection
 */
static void tcp_splice_established(struct tcp_splice_conn *conn)
{
	if (conn->state & SPLICE_ESTABLISHED)
		return;
	conn->state |= SPLICE_ESTABLISHED;
	flow_log(LOG_DEBUG, (union flow *)conn, "established (spliced)");
}

/**
 * tcp_splice_move() - Move data from one socket to the other, until the
 *		       first one is drained or the other one is full
 * @conn:	Connection
 * @from:	Side to read from
 * @eof:	End of file is waiting on @from behind any data (EPOLLRDHUP)
 *
 * Return: 0 on success, -1 on a fatal error (the caller resets)
 */
static int tcp_splice_move(struct tcp_splice_conn *conn, unsigned int from,
			   bool eof)
{
	/* #syscalls:pasta splice */
	unsigned int to = !from;
	int *p = conn->pipe[from];
	ssize_t n;

	for (;;) {
		uint32_t pending = conn->pending[from];
		bool more = false;

		if (!(conn->state & SPLICE_FIN_RCVD(from)) &&
		    pending >= conn->pipe_size[from]) {
			more = true;	/* full: read once it drains */
		} else if (!(conn->state & SPLICE_FIN_RCVD(from))) {
			uint32_t want = conn->pipe_size[from] - pending;
			uint32_t slots = conn->pipe_size[from] /
					 splice_page_size;

			n = splice(conn->s[from], NULL, p[1], NULL, want,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n == 0) {
				conn->state |= SPLICE_FIN_RCVD(from);
			} else if (n > 0) {
				conn->pending[from] += n;
				/* Each pipe slot holds one byte at least: a
				 * short read that can't have run out of slots
				 * emptied the socket
				 */
				more = eof || (uint32_t)n == want ||
				       n + MIN(pending, slots) >= slots;
				if ((uint32_t)n == want &&
				    !(conn->state & SPLICE_GROWN(from)))
					tcp_splice_pipe_grow(conn, from);
			} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
				return -1;
			}
		}

		if (conn->pending[from]) {
			n = splice(p[0], NULL, conn->s[to], NULL,
				   conn->pending[from],
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				conn->pending[from] -= n;
				if (to == TGTSIDE)
					tcp_splice_established(conn);
			} else if (n < 0 && errno != EAGAIN &&
				 errno != EWOULDBLOCK)
				return -1;
			/* Short: full, or still connecting; EPOLLOUT says
			 * when it can take more
			 */
			if (conn->pending[from]) {
				conn->state |= SPLICE_BLOCKED(to);
				break;
			}
			conn->state &= ~SPLICE_BLOCKED(to);
		}

		if (!more)
			break;
	}

	if (!conn->pending[from])
		conn->state &= ~SPLICE_BLOCKED(to);
	if (!(conn->state & SPLICE_FIN_RCVD(from)) || conn->pending[from] ||
	    (conn->state & SPLICE_FIN_SENT(to)))
		return 0;

	/* A shutdown now would abort the handshake: wait for it like for a
	 * full socket
	 */
	if (to == TGTSIDE && !(conn->state & SPLICE_ESTABLISHED)) {
		conn->state |= SPLICE_BLOCKED(to);
		return 0;
	}
	/* The other direction is done too: close() will do */
	if (!(conn->state & SPLICE_FIN_SENT(from)))
		shutdown(conn->s[to], SHUT_WR);
	conn->state |= SPLICE_FIN_SENT(to);
	return 0;
}

/**
 * tcp_splice_ns_sock() - Open a socket in the namespace, now, and top up
 *			  the pool while there
 * @arg:	Pointer to bool: IPv6 rather than IPv4
 *
 * Return: the socket, or -1 on failure
 */
static int tcp_splice_ns_sock(void *arg)
{
	tcp_splice_ns_fill(NULL);
	return tcp_splice_sock_new(*(bool *)arg);
}

/**
 * tcp_splice_connect() - Open and connect the target socket
 * @c:		Execution context
 * @tgt_pif:	Interface of the target: PIF_SPLICE for the namespace
 * @tgt:	Target addresses and ports
 *
 * Sockets in the namespace come from the pool when there's one ready.
 *
 * Return: the socket, or -1 on failure
 */
static int tcp_splice_connect(const struct ctx *c, uint8_t tgt_pif,
			      const struct flowside *tgt)
{
	/* #syscalls:pasta connect setsockopt getsockopt */
	bool v6 = !inany_v4(&tgt->eaddr);
	union sockaddr_inany sa;
	socklen_t sl;
	int s;

	if (tgt_pif != PIF_SPLICE)
		s = tcp_splice_sock_new(v6);
	else if (splice_ns_count[v6])
		s = splice_ns_socks[v6][--splice_ns_count[v6]];
	else
		s = ns_call(c, tcp_splice_ns_sock, &v6);
	if (s < 0)
		return -1;

	sl = sockaddr_from_inany(&sa, &tgt->eaddr, tgt->eport, 0);
	if (connect(s, &sa.sa, sl) && errno != EINPROGRESS) {
		close(s);
		return -1;
	}
	return s;
}

/**
 * tcp_splice_conn_from_sock() - Join an accepted connection to a new one
 *				 on the other side's loopback
 * @c:		Execution context
 * @s:		Accepted socket
 * @pif:	Interface it was accepted on (PIF_HOST or PIF_SPLICE)
 * @ini:	Its addresses and ports
 * @tgt_pif:	Interface of the target (the other one)
 * @tgt:	Target addresses and ports
 * @now:	Current time
 *
 * On failure the accepted socket is reset and closed.
 */
void tcp_splice_conn_from_sock(const struct ctx *c, int s, uint8_t pif,
			       const struct flowside *ini, uint8_t tgt_pif,
			       const struct flowside *tgt,
			       const struct timespec *now)
{
	struct tcp_splice_conn *conn;
	union flow *flow;
	int one = 1, t;

	if (!(flow = flow_alloc(now)))
		goto refuse;
	conn = &flow->tcp_splice;
	conn->f.type = FLOW_TCP_SPLICE;
	conn->f.proto = IPPROTO_TCP;
	conn->f.pif[INISIDE] = pif;
	conn->f.pif[TGTSIDE] = tgt_pif;
	conn->f.side[INISIDE] = *ini;
	conn->f.side[TGTSIDE] = *tgt;
	conn->s[INISIDE] = s;
	conn->s[TGTSIDE] = -1;
	conn->pipe[0][0] = conn->pipe[0][1] = -1;
	conn->pipe[1][0] = conn->pipe[1][1] = -1;
	conn->pending[0] = conn->pending[1] = 0;
	conn->events[0] = conn->events[1] = 0;
	conn->state = 0;

	if (tcp_splice_pipe_get(conn, 0) || tcp_splice_pipe_get(conn, 1))
		goto fail;

	t = tcp_splice_connect(c, tgt_pif, &conn->f.side[TGTSIDE]);
	if (t < 0)
		goto fail;
	conn->s[TGTSIDE] = t;

	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	tcp_splice_events(c, conn);
	flow_timer_set(flow, flow_now_ms(now) + TCP_SPLICE_CONN_TIMEOUT * 1000);
	flow_log(LOG_DEBUG, flow, "connecting (spliced)");
	return;

fail:
	flow_log(LOG_DEBUG, flow, "can't set up spliced connection: %s",
		 strerror(errno));
	tcp_splice_close(conn, true);
	return;
refuse:
	{
		struct linger l = { 1, 0 };

		setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close(s);
	}
}

/**
 * tcp_splice_sock_handler() - Events on one socket of a spliced connection
 * @c:		Execution context
 * @ref:	epoll reference: socket, flow and side
 * @events:	epoll events
 */
void tcp_splice_sock_handler(const struct ctx *c, union epoll_ref ref,
			     uint32_t events)
{
	union flow *flow = flow_at_sidx(ref.flow);
	unsigned int side = ref.flow & 1;
	struct tcp_splice_conn *conn;

	if (!flow || flow->f.type != FLOW_TCP_SPLICE)
		return;
	conn = &flow->tcp_splice;
	if (conn->s[side] != ref.fd)	/* closed earlier in this batch */
		return;

	if (events & EPOLLERR) {
		tcp_splice_close(conn, true);
		return;
	}
	/* Anything else from the target: its handshake is done */
	if (side == TGTSIDE)
		tcp_splice_established(conn);

	/* Output first: room for what waits makes room for more input */
	if ((events & EPOLLOUT) && (conn->state & SPLICE_BLOCKED(side)) &&
	    tcp_splice_move(conn, !side, false)) {
		tcp_splice_close(conn, true);
		return;
	}
	if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) &&
	    !(conn->state & SPLICE_BLOCKED(!side)) &&
	    tcp_splice_move(conn, side, events & (EPOLLRDHUP | EPOLLHUP))) {
		tcp_splice_close(conn, true);
		return;
	}

	if ((conn->state & SPLICE_FIN_SENT(INISIDE)) &&
	    (conn->state & SPLICE_FIN_SENT(TGTSIDE))) {
		tcp_splice_close(conn, false);
		return;
	}
	tcp_splice_events(c, conn);
}

/**
 * tcp_splice_timer() - Give up if the target isn't connected by now
 * @c:		Execution context
 * @conn:	Connection whose timer fired
 * @now:	Current time
 */
void tcp_splice_timer(const struct ctx *c, struct tcp_splice_conn *conn,
		      const struct timespec *now)
{
	union sockaddr_inany sa;
	socklen_t sl = sizeof(sa);

	(void)c;
	(void)now;
	if (conn->state & SPLICE_ESTABLISHED)
		return;
	/* #syscalls:pasta getpeername */
	if (!getpeername(conn->s[TGTSIDE], &sa.sa, &sl)) {
		tcp_splice_established(conn);	/* quiet so far */
	} else if (errno == ENOTCONN) {		/* still sending SYNs */
		flow_log(LOG_DEBUG, (union flow *)conn, "connect timed out");
		tcp_splice_close(conn, true);
	}
}
