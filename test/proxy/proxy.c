// SPDX-License-Identifier: GPL-2.0-or-later
/* test/proxy/proxy.c - Fault-injecting proxy between qemu and passt
 *
 * Listens on a UNIX domain socket for qemu (-netdev stream), connects to
 * passt's UNIX domain socket, and relays the stream of frames in both
 * directions. Each frame on the stream is preceded by its length as a 32-bit
 * big-endian integer. Per direction, frames can be dropped, duplicated,
 * reordered, delayed, truncated (frame and length prefix shortened: the
 * stream stays in sync) and corrupted (bytes flipped), and the connection can
 * be cut after a number of frames, optionally reconnecting to passt while
 * keeping qemu's connection. Decisions come from a PRNG seeded with --seed:
 * the same frames in the same order get the same faults.
 *
 * Directions: "g2p" is guest (qemu) to passt, "p2g" is passt to guest.
 *
 * Build: cc -O2 -Wall -Wextra -Werror -o test/proxy/proxy test/proxy/proxy.c
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Longest frame accepted on the stream */
#define MAX_FRAME	(256 * 1024)
/* Length prefix */
#define HDR_LEN		4
#define IN_SIZE		(HDR_LEN + MAX_FRAME)
/* Stop reading from a side while this much is queued for the other one */
#define QUEUE_LIMIT	(4 * 1024 * 1024)
/* recv() calls per source per wake-up */
#define READS_PER_WAKE	16

enum dir_idx {
	G2P = 0,	/* qemu to passt */
	P2G,		/* passt to qemu */
	DIRS,
};

enum fault_kind {
	F_DROP = 0,
	F_DUP,
	F_REORDER,
	F_TRUNCATE,
	F_CORRUPT,
	F_DELAY,
	F_CUT,
	FAULT_KINDS,
};

static const char *fault_names[FAULT_KINDS] = {
	"drop", "dup", "reorder", "truncate", "corrupt",
	"delay-ms", "cut-after",
};

/**
 * struct faults - What to do to the frames of one direction
 * @p:		probabilities (0 to 1): drop, dup, reorder, truncate,
 *		corrupt
 * @delay_ms:	fixed delay added to every frame
 * @cut_after:	cut the connection after this many frames (0: never)
 */
struct faults {
	double p[F_CORRUPT + 1];
	unsigned long delay_ms;
	unsigned long cut_after;
};

/**
 * struct stats - What happened to the frames of one direction
 * @frames:	complete frames read from the source
 * @bytes:	payload bytes of those frames (without length prefixes)
 * @fwd:	frames fully written to the destination
 * @fwd_bytes:	payload bytes of those frames
 * @drop:	frames dropped on purpose
 * @dup:	frames sent twice
 * @reorder:	frames held back and sent after the next one
 * @delay:	frames delayed
 * @trunc:	frames truncated
 * @corrupt:	frames with flipped bytes
 * @lost:	frames lost because the destination was gone or cut
 * @cuts:	connection cuts triggered by this direction
 */
struct stats {
	unsigned long frames, bytes, fwd, fwd_bytes;
	unsigned long drop, dup, reorder, delay, trunc, corrupt, lost, cuts;
};

/**
 * struct frame - A frame queued for writing, with its length prefix
 * @next:	next in queue
 * @due:	monotonic time (ms) before which it is not written
 * @len:	bytes in @data, length prefix included
 * @sent:	bytes of @data already written
 * @data:	length prefix and frame
 */
struct frame {
	struct frame *next;
	uint64_t due;
	size_t len;
	size_t sent;
	uint8_t data[];
};

/**
 * struct direction - State of one direction of the relay
 * @name:	"g2p" or "p2g"
 * @f:		faults to inject
 * @s:		statistics
 * @rng:	PRNG state
 * @in:		bytes read from the source, not yet a complete frame
 * @in_len:	bytes in @in
 * @head:	first frame queued for the destination
 * @tail:	last frame queued
 * @queued:	bytes queued
 * @held:	frame held back for reordering, NULL if none
 * @held_until:	time at which @held is sent even if no other frame came
 */
struct direction {
	const char *name;
	struct faults f;
	struct stats s;
	uint64_t rng;
	uint8_t *in;
	size_t in_len;
	struct frame *head, *tail;
	size_t queued;
	struct frame *held;
	uint64_t held_until;
};

/**
 * struct proxy - Global state
 * @listen_path:	UNIX socket path qemu connects to
 * @connect_path:	passt's UNIX socket path
 * @listen_fd:		listening socket, -1 once qemu is connected
 * @qemu_fd:		connection to qemu, -1 if none
 * @passt_fd:		connection to passt, -1 if none
 * @d:			the two directions
 * @reconnect:		on a cut or passt closing, reconnect to passt
 * @cut_repeat:		cut every cut_after frames, not only once
 * @reconnect_timeout_ms: give up reconnecting after this long
 * @reorder_hold_ms:	longest time a frame is held back for reordering
 * @reconnect_at:	next reconnection attempt, 0 if not reconnecting
 * @reconnect_until:	end of reconnection attempts
 * @reconnects:		successful reconnections
 * @cut_pending:	1 + index of the direction whose --cut-after count
 *			was reached: the cut happens once its queue drained
 * @verbose:		log every fault
 * @end:		why the relay ended
 */
struct proxy {
	const char *listen_path;
	const char *connect_path;
	int listen_fd;
	int qemu_fd;
	int passt_fd;
	struct direction d[DIRS];
	int reconnect;
	int cut_repeat;
	unsigned long reconnect_timeout_ms;
	unsigned long reorder_hold_ms;
	uint64_t reconnect_at;
	uint64_t reconnect_until;
	unsigned long reconnects;
	int cut_pending;
	int verbose;
	const char *end;
};

static volatile sig_atomic_t quit_signal;
static volatile sig_atomic_t cut_request;

/**
 * msg() - Print a message on stderr, prefixed with "proxy: "
 * @fmt:	format string
 */
__attribute__((format(printf, 1, 2)))
static void msg(const char *fmt, ...)
{
	va_list ap;

	fputs("proxy: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/**
 * die() - Print an error message and exit with status 1
 * @fmt:	format string
 */
__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("proxy: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/**
 * now_ms() - Monotonic time in milliseconds
 *
 * Return: milliseconds since an arbitrary point
 */
static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/**
 * rng_next() - Next value of a splitmix64 generator
 * @state:	generator state, updated
 *
 * Return: 64 pseudo-random bits
 */
static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/**
 * rng_below() - Pseudo-random integer below a bound
 * @state:	generator state
 * @n:		bound, greater than zero
 *
 * Return: value in [0, n)
 */
static uint64_t rng_below(uint64_t *state, uint64_t n)
{
	return rng_next(state) % n;
}

/**
 * chance() - Decide whether an event of probability p happens
 * @d:		direction, whose generator is used
 * @p:		probability, 0 to 1
 *
 * Return: true with probability p. Draws no number if p is 0, so that
 * disabled faults do not change the decisions of the others.
 */
static int chance(struct direction *d, double p)
{
	if (p <= 0)
		return 0;
	return (double)(rng_next(&d->rng) >> 11) * 0x1.0p-53 < p;
}

/**
 * set_nonblock() - Set O_NONBLOCK on a file descriptor
 * @fd:		file descriptor
 */
static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		die("fcntl: %s", strerror(errno));
}

/**
 * unix_addr() - Fill a UNIX socket address
 * @sa:		address to fill
 * @path:	socket path
 *
 * Return: length of the address
 */
static socklen_t unix_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		die("socket path too long: %s", path);
	strcpy(sa->sun_path, path);
	return sizeof(*sa);
}

/**
 * listen_unix() - Create the listening socket for qemu
 * @path:	socket path, replaced if it exists
 *
 * Return: listening socket
 */
static int listen_unix(const char *path)
{
	struct sockaddr_un sa;
	socklen_t len = unix_addr(&sa, path);
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, len) < 0)
		die("bind %s: %s", path, strerror(errno));
	if (listen(fd, 1) < 0)
		die("listen %s: %s", path, strerror(errno));
	set_nonblock(fd);
	return fd;
}

/**
 * connect_unix() - Connect to passt's socket
 * @path:	socket path
 *
 * Return: connected non-blocking socket, or -1 with errno set
 */
static int connect_unix(const char *path)
{
	struct sockaddr_un sa;
	socklen_t len = unix_addr(&sa, path);
	int fd, err;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, len) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	set_nonblock(fd);
	return fd;
}

/**
 * queue_free() - Free the frames queued in a direction
 * @d:		direction
 * @count_lost:	count the frames as lost
 */
static void queue_free(struct direction *d, int count_lost)
{
	struct frame *f, *next;

	for (f = d->head; f; f = next) {
		next = f->next;
		if (count_lost)
			d->s.lost++;
		free(f);
	}
	d->head = d->tail = NULL;
	d->queued = 0;
	if (d->held) {
		if (count_lost)
			d->s.lost++;
		free(d->held);
		d->held = NULL;
	}
}

/**
 * enqueue() - Append a frame to the write queue of a direction
 * @d:		direction
 * @f:		frame, due time already set
 */
static void enqueue(struct direction *d, struct frame *f)
{
	f->next = NULL;
	f->sent = 0;
	if (d->tail && f->due < d->tail->due)
		f->due = d->tail->due;	/* keep the queue in time order */
	if (d->tail)
		d->tail->next = f;
	else
		d->head = f;
	d->tail = f;
	d->queued += f->len;
}

/**
 * frame_copy() - Duplicate a frame
 * @f:		frame
 *
 * Return: new frame with the same contents
 */
static struct frame *frame_copy(const struct frame *f)
{
	struct frame *c = malloc(sizeof(*c) + f->len);

	if (!c)
		die("out of memory");
	memcpy(c, f, sizeof(*c) + f->len);
	return c;
}

/**
 * release_held() - Queue the frame held back for reordering, if any
 * @d:		direction
 * @now:	current time
 */
static void release_held(struct direction *d, uint64_t now)
{
	struct frame *f = d->held;

	if (!f)
		return;
	d->held = NULL;
	f->due = now + d->f.delay_ms;
	enqueue(d, f);
}

/**
 * close_passt() - Close the connection to passt, maybe start reconnecting
 * @p:		proxy state
 * @why:	reason, for the log and the summary
 * @now:	current time
 *
 * Frames on their way to passt are lost; a frame passt had only partly sent
 * is discarded; frames already queued for qemu are still delivered.
 */
static void close_passt(struct proxy *p, const char *why, uint64_t now)
{
	if (p->passt_fd >= 0)
		close(p->passt_fd);
	p->passt_fd = -1;
	queue_free(&p->d[G2P], 1);
	p->d[P2G].in_len = 0;

	if (p->reconnect && !quit_signal) {
		msg("connection to passt closed (%s): reconnecting", why);
		p->reconnect_at = now + 100;
		p->reconnect_until = now + p->reconnect_timeout_ms;
	} else {
		msg("connection to passt closed (%s)", why);
		p->end = why;
	}
}

/**
 * cut() - Cut the connection, as asked by --cut-after or SIGUSR1
 * @p:		proxy state
 * @d:		direction the cut is counted for
 * @now:	current time
 *
 * With --reconnect, only the connection to passt is cut (and reopened);
 * otherwise both connections are closed and the relay ends.
 */
static void cut(struct proxy *p, struct direction *d, uint64_t now)
{
	d->s.cuts++;
	if (p->reconnect) {
		close_passt(p, "cut", now);
		return;
	}
	close_passt(p, "cut", now);
	if (p->qemu_fd >= 0)
		close(p->qemu_fd);
	p->qemu_fd = -1;
	queue_free(&p->d[P2G], 1);
	p->end = "cut";
}

/**
 * process_frame() - Apply faults to a complete frame and queue it
 * @p:		proxy state
 * @dn:		direction index
 * @buf:	frame, without length prefix
 * @len:	frame length
 * @now:	current time
 *
 * Return: 0 to go on with the next frame, 1 if a cut is now pending
 */
static int process_frame(struct proxy *p, int dn, const uint8_t *buf,
			 size_t len, uint64_t now)
{
	struct direction *d = &p->d[dn];
	struct faults *f = &d->f;
	unsigned long nr;
	struct frame *fr;
	uint32_t be;

	nr = ++d->s.frames;
	d->s.bytes += len;

	if (f->cut_after && nr > f->cut_after &&
	    (p->cut_repeat ? (nr - 1) % f->cut_after == 0 :
			     nr == f->cut_after + 1)) {
		/* This frame is lost, the ones before it are delivered */
		d->s.lost++;
		release_held(d, now);
		p->cut_pending = dn + 1;
		return 1;
	}

	if ((dn == G2P && p->passt_fd < 0) || (dn == P2G && p->qemu_fd < 0)) {
		d->s.lost++;
		return 0;
	}

	if (chance(d, f->p[F_DROP])) {
		d->s.drop++;
		if (p->verbose)
			msg("%s #%lu: dropped (%zu bytes)", d->name, nr, len);
		return 0;
	}

	fr = malloc(sizeof(*fr) + HDR_LEN + len);
	if (!fr)
		die("out of memory");
	memcpy(fr->data + HDR_LEN, buf, len);

	if (len > 1 && chance(d, f->p[F_TRUNCATE])) {
		/* Never to zero bytes: qemu 7.2 stops delivering frames to
		 * the guest after an empty one, which is no test of passt
		 */
		size_t newlen = 1 + rng_below(&d->rng, len - 1);

		if (p->verbose)
			msg("%s #%lu: truncated %zu -> %zu bytes", d->name, nr,
			    len, newlen);
		len = newlen;
		d->s.trunc++;
	}

	if (len && chance(d, f->p[F_CORRUPT])) {
		unsigned n = 1 + rng_below(&d->rng, 4), i;

		for (i = 0; i < n; i++) {
			size_t pos = rng_below(&d->rng, len);
			uint8_t x = 1 + rng_below(&d->rng, 255);

			fr->data[HDR_LEN + pos] ^= x;
			if (p->verbose)
				msg("%s #%lu: byte %zu ^= 0x%02x", d->name, nr,
				    pos, x);
		}
		d->s.corrupt++;
	}

	be = htonl((uint32_t)len);
	memcpy(fr->data, &be, HDR_LEN);
	fr->len = HDR_LEN + len;
	fr->due = now + f->delay_ms;
	if (f->delay_ms)
		d->s.delay++;

	if (chance(d, f->p[F_DUP])) {
		d->s.dup++;
		if (p->verbose)
			msg("%s #%lu: duplicated", d->name, nr);
		enqueue(d, frame_copy(fr));
	}

	if (!d->held && chance(d, f->p[F_REORDER])) {
		d->s.reorder++;
		if (p->verbose)
			msg("%s #%lu: held back for reordering", d->name, nr);
		d->held = fr;
		d->held_until = now + p->reorder_hold_ms;
		return 0;
	}

	enqueue(d, fr);
	release_held(d, now);
	return 0;
}

/**
 * parse_input() - Process the complete frames read in a direction
 * @p:		proxy state
 * @dn:		direction index
 * @now:	current time
 *
 * Return: 0 on success, -1 on a bad length prefix
 */
static int parse_input(struct proxy *p, int dn, uint64_t now)
{
	struct direction *d = &p->d[dn];
	size_t off = 0;

	while (!p->cut_pending && d->in_len - off >= HDR_LEN) {
		uint32_t be, flen;

		memcpy(&be, d->in + off, HDR_LEN);
		flen = ntohl(be);
		if (flen > MAX_FRAME) {
			msg("%s: frame length %u after %lu frames exceeds %u",
			    d->name, flen, d->s.frames, MAX_FRAME);
			return -1;
		}
		if (d->in_len - off < HDR_LEN + flen)
			break;
		off += HDR_LEN + flen;
		if (process_frame(p, dn, d->in + off - flen, flen, now))
			break;	/* cut pending: keep the rest for later */
	}
	memmove(d->in, d->in + off, d->in_len - off);
	d->in_len -= off;
	return 0;
}

/**
 * do_read() - Read from the source of a direction
 * @p:		proxy state
 * @dn:		direction index
 * @now:	current time
 */
static void do_read(struct proxy *p, int dn, uint64_t now)
{
	struct direction *d = &p->d[dn];
	int i;

	for (i = 0; i < READS_PER_WAKE && d->queued < QUEUE_LIMIT &&
		    p->cut_pending != dn + 1; i++) {
		int fd = dn == G2P ? p->qemu_fd : p->passt_fd;
		ssize_t n;

		if (fd < 0)
			return;
		n = recv(fd, d->in + d->in_len, IN_SIZE - d->in_len,
			 MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			const char *why = n ? strerror(errno) : "end of stream";

			if (dn == P2G) {
				close_passt(p, n ? "passt error" :
						   "passt closed", now);
				return;
			}
			msg("qemu closed the connection (%s)", why);
			close(p->qemu_fd);
			p->qemu_fd = -1;
			p->end = "qemu closed";
			return;
		}
		d->in_len += n;
		if (parse_input(p, dn, now)) {
			p->end = "protocol error";
			return;
		}
	}
}

/**
 * do_write() - Write the due frames of a direction to its destination
 * @p:		proxy state
 * @dn:		direction index
 * @now:	current time
 *
 * Return: 1 if the destination would block with due frames left, else 0
 */
static int do_write(struct proxy *p, int dn, uint64_t now)
{
	struct direction *d = &p->d[dn];
	int fd = dn == G2P ? p->passt_fd : p->qemu_fd;

	while (d->head && d->head->due <= now) {
		struct frame *f = d->head;
		ssize_t n;

		if (fd < 0) {
			queue_free(d, 1);
			return 0;
		}
		n = send(fd, f->data + f->sent, f->len - f->sent,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 1;
		if (n < 0) {
			if (dn == G2P) {
				close_passt(p, "passt error", now);
			} else {
				msg("write to qemu: %s", strerror(errno));
				close(p->qemu_fd);
				p->qemu_fd = -1;
				p->end = "qemu error";
			}
			return 0;
		}
		f->sent += n;
		if (f->sent < f->len)
			continue;
		d->s.fwd++;
		d->s.fwd_bytes += f->len - HDR_LEN;
		d->head = f->next;
		if (!d->head)
			d->tail = NULL;
		d->queued -= f->len;
		free(f);
	}
	return 0;
}

/**
 * try_reconnect() - Attempt to reconnect to passt, if due
 * @p:		proxy state
 * @now:	current time
 */
static void try_reconnect(struct proxy *p, uint64_t now)
{
	if (!p->reconnect_at || now < p->reconnect_at)
		return;

	p->passt_fd = connect_unix(p->connect_path);
	if (p->passt_fd >= 0) {
		p->reconnect_at = 0;
		p->reconnects++;
		msg("reconnected to passt");
		return;
	}
	if (now >= p->reconnect_until) {
		msg("could not reconnect to passt: %s", strerror(errno));
		p->reconnect_at = 0;
		p->end = "reconnect failed";
		return;
	}
	p->reconnect_at = now + 100;
}

/**
 * summary() - Print what happened, one line per direction and one in all
 * @p:		proxy state
 */
static void summary(const struct proxy *p)
{
	int i;

	for (i = 0; i < DIRS; i++) {
		const struct stats *s = &p->d[i].s;

		msg("%s frames=%lu bytes=%lu fwd=%lu fwd_bytes=%lu drop=%lu "
		    "dup=%lu reorder=%lu delay=%lu truncate=%lu corrupt=%lu "
		    "lost=%lu cuts=%lu", p->d[i].name, s->frames, s->bytes,
		    s->fwd, s->fwd_bytes, s->drop, s->dup, s->reorder,
		    s->delay, s->trunc, s->corrupt, s->lost, s->cuts);
	}
	msg("end=\"%s\" reconnects=%lu", p->end ? p->end : "none",
	    p->reconnects);
}

/**
 * on_signal() - Signal handler: SIGTERM, SIGINT, SIGHUP end the relay,
 *		 SIGUSR1 asks for a cut
 * @sig:	signal number
 */
static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		cut_request = 1;
	else
		quit_signal = sig;
}

/**
 * parse_prob() - Parse a probability: 0 to 1, or a percentage "N%"
 * @s:		string
 * @opt:	option name, for errors
 *
 * Return: probability
 */
static double parse_prob(const char *s, const char *opt)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end != s && *end == '%' && !end[1]) {
		v /= 100;
		end++;
	}
	if (errno || end == s || *end || !(v >= 0 && v <= 1))
		die("--%s: '%s' is not a probability (0 to 1, or 0%% to 100%%)",
		    opt, s);
	return v;
}

/**
 * parse_ulong() - Parse a non-negative integer
 * @s:		string
 * @opt:	option name, for errors
 *
 * Return: value
 */
static unsigned long parse_ulong(const char *s, const char *opt)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		die("--%s: '%s' is not a non-negative integer", opt, s);
	return v;
}

/**
 * usage() - Print usage and exit
 * @name:	program name
 * @status:	exit status
 */
__attribute__((noreturn))
static void usage(const char *name, int status)
{
	FILE *o = status ? stderr : stdout;

	fprintf(o,
"Usage: %s --listen PATH --connect PATH [OPTIONS]\n"
"Relay qemu's -netdev stream (PATH to listen on) to passt (PATH to connect\n"
"to), injecting faults.\n"
"\n"
"  --seed N              PRNG seed (default 1)\n"
"  --drop P              drop frames with probability P (0..1 or N%%)\n"
"  --dup P               send frames twice\n"
"  --reorder P           hold a frame back, send it after the next one\n"
"  --reorder-hold-ms N   longest hold for reordering (default 50)\n"
"  --truncate P          shorten frames (and their length prefix)\n"
"  --corrupt P           flip 1 to 4 bytes of frames\n"
"  --delay-ms N          delay every frame by N ms\n"
"  --cut-after N         cut the connection after N frames\n"
"  --cut-repeat          with --reconnect: cut every N frames\n"
"  --reconnect           on a cut, or when passt closes, reconnect to passt\n"
"                        (qemu stays connected)\n"
"  --reconnect-timeout-ms N  give up reconnecting after N ms (default 30000)\n"
"  SIGUSR1               cut now (as --cut-after would)\n"
"  -v, --verbose         log every fault\n"
"\n"
"Each fault option applies to both directions; append -g2p (qemu to\n"
"passt) or -p2g (passt to qemu) to the option name for one direction,\n"
"e.g. --drop-g2p 0.1. A summary is printed on exit and on SIGTERM.\n"
"Exit status: 0, or 1 on bad usage, 2 on a bad frame length, 3 if\n"
"reconnecting failed.\n", name);
	exit(status);
}

enum {
	OPT_LISTEN = 1000,
	OPT_CONNECT,
	OPT_SEED,
	OPT_RECONNECT,
	OPT_RECONNECT_TIMEOUT,
	OPT_REORDER_HOLD,
	OPT_CUT_REPEAT,
	OPT_FAULT_BASE,	/* + kind * 3 + (0: both, 1: g2p, 2: p2g) */
};

/**
 * parse_args() - Parse the command line into the proxy state
 * @p:		proxy state, defaults already set
 * @argc:	argument count
 * @argv:	arguments
 * @seed:	PRNG seed, set
 */
static void parse_args(struct proxy *p, int argc, char **argv, uint64_t *seed)
{
	static char names[FAULT_KINDS * 3][32];
	struct option opts[FAULT_KINDS * 3 + 16];
	static const char *suffix[3] = { "", "-g2p", "-p2g" };
	int n = 0, i, j, c;

	for (i = 0; i < FAULT_KINDS; i++) {
		for (j = 0; j < 3; j++) {
			snprintf(names[i * 3 + j], sizeof(names[0]), "%s%s",
				 fault_names[i], suffix[j]);
			opts[n].name = names[i * 3 + j];
			opts[n].has_arg = required_argument;
			opts[n].flag = NULL;
			opts[n].val = OPT_FAULT_BASE + i * 3 + j;
			n++;
		}
	}
	opts[n++] = (struct option){ "listen", required_argument, NULL,
				     OPT_LISTEN };
	opts[n++] = (struct option){ "connect", required_argument, NULL,
				     OPT_CONNECT };
	opts[n++] = (struct option){ "seed", required_argument, NULL,
				     OPT_SEED };
	opts[n++] = (struct option){ "reconnect", no_argument, NULL,
				     OPT_RECONNECT };
	opts[n++] = (struct option){ "reconnect-timeout-ms", required_argument,
				     NULL, OPT_RECONNECT_TIMEOUT };
	opts[n++] = (struct option){ "reorder-hold-ms", required_argument,
				     NULL, OPT_REORDER_HOLD };
	opts[n++] = (struct option){ "cut-repeat", no_argument, NULL,
				     OPT_CUT_REPEAT };
	opts[n++] = (struct option){ "verbose", no_argument, NULL, 'v' };
	opts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	opts[n++] = (struct option){ NULL, 0, NULL, 0 };

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		int kind, which, dn;

		switch (c) {
		case OPT_LISTEN:
			p->listen_path = optarg;
			continue;
		case OPT_CONNECT:
			p->connect_path = optarg;
			continue;
		case OPT_SEED:
			*seed = parse_ulong(optarg, "seed");
			continue;
		case OPT_RECONNECT:
			p->reconnect = 1;
			continue;
		case OPT_RECONNECT_TIMEOUT:
			p->reconnect_timeout_ms =
				parse_ulong(optarg, "reconnect-timeout-ms");
			continue;
		case OPT_REORDER_HOLD:
			p->reorder_hold_ms =
				parse_ulong(optarg, "reorder-hold-ms");
			continue;
		case OPT_CUT_REPEAT:
			p->cut_repeat = 1;
			continue;
		case 'v':
			p->verbose = 1;
			continue;
		case 'h':
			usage(argv[0], 0);
		default:
			if (c < OPT_FAULT_BASE ||
			    c >= OPT_FAULT_BASE + FAULT_KINDS * 3)
				usage(argv[0], 1);
		}

		kind = (c - OPT_FAULT_BASE) / 3;
		which = (c - OPT_FAULT_BASE) % 3;
		for (dn = 0; dn < DIRS; dn++) {
			struct faults *f = &p->d[dn].f;
			const char *name = names[kind * 3 + which];

			if (which && which - 1 != dn)
				continue;
			if (kind == F_DELAY)
				f->delay_ms = parse_ulong(optarg, name);
			else if (kind == F_CUT)
				f->cut_after = parse_ulong(optarg, name);
			else
				f->p[kind] = parse_prob(optarg, name);
		}
	}
	if (optind != argc)
		usage(argv[0], 1);
	if (!p->listen_path || !p->connect_path) {
		fprintf(stderr, "%s: --listen and --connect are required\n",
			argv[0]);
		usage(argv[0], 1);
	}
}

/**
 * main() - Entry point: parse options, relay until either side is gone
 * @argc:	argument count
 * @argv:	arguments
 *
 * Return: 0, 2 on a bad frame length, 3 if reconnecting failed
 */
int main(int argc, char **argv)
{
	struct proxy p = {
		.listen_fd = -1, .qemu_fd = -1, .passt_fd = -1,
		.reconnect_timeout_ms = 30000, .reorder_hold_ms = 50,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, orig;
	uint64_t seed = 1;
	int i;

	p.d[G2P].name = "g2p";
	p.d[P2G].name = "p2g";
	parse_args(&p, argc, argv, &seed);

	for (i = 0; i < DIRS; i++) {
		p.d[i].rng = seed * 2 + i;
		rng_next(&p.d[i].rng);
		p.d[i].in = malloc(IN_SIZE);
		if (!p.d[i].in)
			die("out of memory");
	}

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	p.listen_fd = listen_unix(p.listen_path);
	msg("listening on %s, relaying to %s, seed %llu", p.listen_path,
	    p.connect_path, (unsigned long long)seed);

	while (!quit_signal && !p.end) {
		struct pollfd pfd[3];
		int npfd = 0, tmo = -1, want_out[DIRS] = { 0 };
		int li = -1, qi = -1, pi = -1;
		uint64_t now = now_ms(), next = UINT64_MAX;
		struct timespec ts;

		if (cut_request) {
			cut_request = 0;
			if (p.passt_fd >= 0 || p.qemu_fd >= 0) {
				msg("SIGUSR1: cutting the connection");
				cut(&p, &p.d[G2P], now);
				continue;
			}
		}
		try_reconnect(&p, now);
		for (i = 0; i < DIRS; i++) {
			struct direction *d = &p.d[i];

			if (d->held && now >= d->held_until)
				release_held(d, now);
			want_out[i] = do_write(&p, i, now);
			if (d->held && d->held_until < next)
				next = d->held_until;
			if (d->head && !want_out[i] && d->head->due < next)
				next = d->head->due;
		}
		if (p.cut_pending && !p.d[p.cut_pending - 1].head) {
			struct direction *d = &p.d[p.cut_pending - 1];

			p.cut_pending = 0;
			msg("cutting the connection after %lu %s frames",
			    d->s.frames - 1, d->name);
			cut(&p, d, now);
			/* qemu's stream goes on at a frame boundary: frames
			 * read meanwhile are lost until passt is back
			 */
			if (!p.end && parse_input(&p, G2P, now))
				p.end = "protocol error";
			continue;
		}
		if (p.end)
			break;
		if (p.reconnect_at && p.reconnect_at < next)
			next = p.reconnect_at;
		if (next != UINT64_MAX)
			tmo = next > now ? (int)(next - now) : 0;

		if (p.listen_fd >= 0) {
			li = npfd;
			pfd[npfd++] = (struct pollfd){ p.listen_fd, POLLIN, 0 };
		}
		if (p.qemu_fd >= 0) {
			short ev = want_out[P2G] ? POLLOUT : 0;

			if (p.d[G2P].queued < QUEUE_LIMIT &&
			    p.cut_pending != G2P + 1)
				ev |= POLLIN;
			qi = npfd;
			pfd[npfd++] = (struct pollfd){ p.qemu_fd, ev, 0 };
		}
		if (p.passt_fd >= 0) {
			short ev = want_out[G2P] ? POLLOUT : 0;

			if (p.d[P2G].queued < QUEUE_LIMIT &&
			    p.cut_pending != P2G + 1)
				ev |= POLLIN;
			pi = npfd;
			pfd[npfd++] = (struct pollfd){ p.passt_fd, ev, 0 };
		}

		if (tmo >= 0) {
			ts.tv_sec = tmo / 1000;
			ts.tv_nsec = (long)(tmo % 1000) * 1000000;
		}
		if (ppoll(pfd, npfd, tmo >= 0 ? &ts : NULL, &orig) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		now = now_ms();

		if (li >= 0 && (pfd[li].revents & POLLIN)) {
			int fd = accept4(p.listen_fd, NULL, NULL,
					 SOCK_NONBLOCK | SOCK_CLOEXEC);

			if (fd >= 0) {
				p.qemu_fd = fd;
				close(p.listen_fd);
				p.listen_fd = -1;
				msg("qemu connected");
				p.passt_fd = connect_unix(p.connect_path);
				if (p.passt_fd < 0) {
					msg("connect to %s: %s: retrying",
					    p.connect_path, strerror(errno));
					p.reconnect_at = now + 100;
					p.reconnect_until = now +
						p.reconnect_timeout_ms;
				} else {
					msg("connected to passt");
				}
			}
		}
		if (qi >= 0 && p.qemu_fd >= 0 &&
		    (pfd[qi].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (pfd[qi].revents & POLLIN ||
			    !(pfd[qi].events & POLLIN))
				do_read(&p, G2P, now);
		}
		if (pi >= 0 && p.passt_fd >= 0 &&
		    (pfd[pi].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (pfd[pi].revents & POLLIN ||
			    !(pfd[pi].events & POLLIN))
				do_read(&p, P2G, now);
		}
		/* A hang-up seen while not reading (backlog full): the peer is
		 * gone, its unread frames with it
		 */
		if (qi >= 0 && p.qemu_fd >= 0 && !(pfd[qi].events & POLLIN) &&
		    (pfd[qi].revents & (POLLHUP | POLLERR))) {
			close(p.qemu_fd);
			p.qemu_fd = -1;
			p.end = "qemu closed";
		}
		if (pi >= 0 && p.passt_fd >= 0 && !(pfd[pi].events & POLLIN) &&
		    (pfd[pi].revents & (POLLHUP | POLLERR)))
			close_passt(&p, "passt closed", now);
	}

	if (quit_signal) {
		/* Deliver what is queued and due, without waiting */
		for (i = 0; i < DIRS; i++)
			do_write(&p, i, now_ms());
		p.end = "signal";
	}
	summary(&p);
	unlink(p.listen_path);
	if (p.end && !strcmp(p.end, "protocol error"))
		return 2;
	if (p.end && !strcmp(p.end, "reconnect failed"))
		return 3;
	return 0;
}
