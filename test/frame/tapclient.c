// SPDX-License-Identifier: GPL-2.0-or-later
/* tapclient - Frame-level client for passt's UNIX stream socket
 *
 * Speaks qemu's stream protocol (each Ethernet frame preceded by its length,
 * 32 bits, network order) to a passt socket, driven by a script, for
 * protocol tests without a virtual machine.
 *
 * Usage: tapclient [-t TIMEOUT_MS] [-q] [-r] SOCKET SCRIPT|-
 *   -r: if an expectation fails, reset every TCP connection of the script
 *       (RST after our last ACK segment) before exiting
 *
 * Script: one command per line, '#' starts a comment. Tokens "@NAME" are
 * replaced by the value of variable NAME (see "set", "save-mac").
 *
 *   set NAME VALUE
 *   echo TEXT...
 *   sleep MS
 *   send HEX...                 one frame, given as hex (":", "." ignored)
 *   arp-request SRCMAC SRCIP TARGETIP
 *   ping4 SRCMAC DSTMAC SRCIP DSTIP ID SEQ LEN
 *   ping6 SRCMAC DSTMAC SRCIP DSTIP ID SEQ LEN
 *   ns6 SRCMAC SRCIP TARGETIP   neighbour solicitation, multicast
 *   udp4 SRCMAC DSTMAC SRCIP DSTIP SPORT DPORT LEN
 *   udp6 SRCMAC DSTMAC SRCIP DSTIP SPORT DPORT LEN
 *                               payload: a pattern from SPORT and DPORT
 *   raw-len N [FILL]            a bare length prefix N, then FILL zero bytes
 *   raw HEX...                  bytes on the stream, no length prefix
 *   trunc N                     next frame: keep N bytes (prefix says N)
 *   pad N                       next frame: pad with zeros to N bytes
 *   poke OFFSET HEX...          next frame: overwrite bytes at OFFSET (no
 *                               checksum is fixed afterwards)
 *   frag SIZE [rev|INDEX...]    next frame (IPv4, or IPv6 without extension
 *                               headers): send it as IP fragments of SIZE
 *                               data bytes (the last one shorter); in order,
 *                               reversed, or these fragments in this order
 *                               (repeats are duplicates, omitted ones are
 *                               not sent). The identification is the IPv4
 *                               header's, or for IPv6 one computed from the
 *                               payload: the same frame sent again gives
 *                               fragments of the same datagram
 *   split N [DELAY_MS]          next frame (with its prefix) in N-byte writes
 *   split-at K [DELAY_MS]       next frame (with its prefix) in two writes,
 *                               the first one K bytes long
 *   expect [-t MS] FILTER [save-mac NAME]
 *                               wait for a matching frame, print it; frames
 *                               not matching are printed and dropped
 *   expect-none MS FILTER       no matching frame within MS
 *   expect-close MS             the daemon closes the connection within MS
 *   drain MS                    read and drop frames for MS
 *   reconnect                   close, connect again
 *   reconnect-if-closed MS      wait up to MS for the daemon to close the
 *                               connection: if it does, connect again
 *   batch-begin                 hold what is sent from now on...
 *   batch-end [PIECE [DELAY]]   ...and write it at once, or in PIECE-byte
 *                               writes that straddle frame boundaries
 *   forbid-echo-id ID           fail on any echo reply with this ID, seen
 *                               anywhere later (replies to frames that
 *                               should have been dropped)
 *   forbid FILTER               fail on any frame matching FILTER, seen
 *                               anywhere later (until forbid-clear)
 *   forbid-clear                forget the forbidden filters
 *   count MS MIN MAX FILTER     read frames for MS, fail unless MIN to MAX
 *                               of them match (TCP: saves from the last),
 *                               and sets variable "count"
 *   assert EXPR OP EXPR         compare numbers (32 bits, unsigned), OP one
 *                               of == != < <= > >=
 *   sh COMMAND...               run COMMAND (its tokens joined by spaces)
 *                               with /bin/sh, fail unless it exits with 0
 *
 * TCP (IPv4 or IPv6, from the address syntax):
 *   tcp-conn NAME SRCMAC DSTMAC SRCIP DSTIP SPORT DPORT
 *                               name the addresses and ports of a
 *                               connection, as the guest sees them
 *   send-tcp NAME [FIELD...]    one segment; fields, any order:
 *       flags FLAGS             letters of FSRPAUEC (FIN SYN RST PSH ACK URG
 *                               ECE CWR), "none" or a number; default A
 *       seq EXPR, ack EXPR      default 0
 *       win N, urg N            window field (default 65535), urgent pointer
 *       sport N, dport N        instead of the connection's ports
 *       mss N, ws N, sackok, ts EXPR EXPR, nop, eol, opt HEX
 *                               options, in the order given, padded with
 *                               zeros to 32 bits
 *       data HEX, pat N OFF, fill N BYTE
 *                               payload, pieces appended in order; "pat":
 *                               N bytes of the stream pattern from offset OFF
 *       doff N                  data offset field, instead of the true one
 *       cut N                   cut the segment to N bytes (IP length and
 *                               checksum follow)
 *       bad-csum, csum N        a wrong checksum, or this one
 *   tcp-recv NAME SEQ PAYLOAD [ack EXPR] [win N] [mss N] [more]
 *            [save-end VAR]
 *                               collect the peer's bytes from SEQ on, in
 *                               order, skipping pure ACKs, as long as
 *                               PAYLOAD (data/pat/fill as above, or "any
 *                               N"), and compare; a gap, RST, early FIN or
 *                               extra bytes fail. "ack": acknowledge each
 *                               segment, with our sequence EXPR, window
 *                               N; "mss": no segment may carry more;
 *                               "more": the stream goes on, bytes beyond
 *                               PAYLOAD are neither taken nor acknowledged
 *   tcp-flood NAME COUNT SPORT0 SEQ0 MS [rst]
 *                               COUNT SYNs from ports SPORT0 on (ISN SEQ0 +
 *                               index), or with "rst" RSTs (sequence ISN +
 *                               1); count SYN-ACKs and RSTs per port for up
 *                               to MS; sets flood_synack, flood_rst,
 *                               flood_other, flood_none
 *
 * EXPR: NUM, VAR, VAR+NUM, VAR-NUM... modulo 2^32; variables hold numbers
 * saved from a matched segment (below) or given with "set".
 *
 * Filters:
 *   any
 *   ethertype HEX
 *   arp-reply IP                ARP reply from IP, to us (checked)
 *   echo4-reply SRCIP ID SEQ LEN   checks checksums and payload
 *   echo6-reply SRCIP ID SEQ LEN   checks checksums and payload
 *   na6 TARGET                  neighbour advertisement for TARGET
 *   icmp4 TYPE, icmp6 TYPE      any ICMP/ICMPv6 message of that type
 *   udp4 SRCIP SPORT DPORT      UDP over IPv4 (checksum checked)
 *   udp6 SRCIP SPORT DPORT      UDP over IPv6 (checksum checked)
 *   tcp NAME [COND...] [SAVE...]
 *                               segment from the peer of connection NAME;
 *                               checksum, data offset and our MAC checked.
 *       flags FLAGS             exactly these flags
 *       has FLAGS, no FLAGS     these set, these clear
 *       seq EXPR, seq>= EXPR, ack EXPR, ack>= EXPR   (sequence arithmetic)
 *       len N, len>= N, win N, win>= N, mss N (option)
 *       data HEX, pat N OFF, fill N BYTE   exactly this payload
 *       save-seq VAR, save-ack VAR, save-win VAR, save-len VAR,
 *       save-end VAR            sequence after it: seq + len + SYN + FIN
 *
 * The payload of echo requests is a pattern derived from ID and SEQ, so the
 * reply's payload is checked without state. Our own MAC and addresses are
 * those of the last frame built (arp-request, ping4...), used to check that
 * replies are addressed to us.
 *
 * Exit status: 0 all expectations met, 1 an expectation failed, 2 script
 * or usage error, 3 connection error.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX	(65535 + 14)
#define RXBUF_SIZE	(1 << 20)
#define MAX_TOKENS	64
#define MAX_VARS	64
#define MIN_SZ(a, b)	((a) < (b) ? (a) : (b))

static const char *sock_path;
static int sock_fd = -1;
static int timeout_ms = 2000;
static int quiet;
static int reset_on_fail;
static int lineno;

static uint8_t rxbuf[RXBUF_SIZE];
static size_t rx_len;
static int rx_eof;

/* Modifiers for the next frame sent */
static long next_trunc = -1;
static long next_split;		/* piece size, 0: none */
static long next_split_at;	/* first piece size, 0: none */
static long next_split_delay = 2;
static long next_pad;
static uint8_t poke_data[256];
static size_t poke_len, poke_off;
#define FRAG_ORDER_MAX	256
static size_t next_frag;	/* fragment data size, 0: don't fragment */
static int frag_rev;
static unsigned frag_order[FRAG_ORDER_MAX];
static int frag_norder;

/* Batching of stream writes */
static uint8_t *batch;
static size_t batch_len;
static int batching;
#define BATCH_MAX	(1 << 20)

/* Echo IDs whose replies must never show up */
static unsigned forbidden_ids[16];
static int nforbidden;

/* Last identity we used, to check replies are for us */
static uint8_t my_mac[6];
static uint8_t my_ip4[4];
static uint8_t my_ip6[16];

static struct {
	char name[32];
	char value[128];
} vars[MAX_VARS];
static int nvars;

static void die(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tapclient: line %i: ", lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(status);
}

static void fail_exit(void);

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- Checksums (own implementation, RFC 1071) ---- */

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t csum(const uint8_t *p, size_t len, uint32_t init)
{
	return fold(sum16(p, len, init));
}

/* Pseudo-header sum for IPv4 */
static uint32_t pseudo4(const uint8_t *src, const uint8_t *dst, int proto,
			size_t len)
{
	uint32_t s = 0;

	s = sum16(src, 4, s);
	s = sum16(dst, 4, s);
	s += proto;
	s += len;
	return s;
}

/* Pseudo-header sum for IPv6 */
static uint32_t pseudo6(const uint8_t *src, const uint8_t *dst, int nh,
			size_t len)
{
	uint32_t s = 0;

	s = sum16(src, 16, s);
	s = sum16(dst, 16, s);
	s += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
	s += nh;
	return s;
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* ---- Parsing helpers ---- */

static void parse_mac(const char *s, uint8_t *mac)
{
	unsigned m[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
		   &m[5]) != 6)
		die(2, "bad MAC address '%s'", s);
	for (i = 0; i < 6; i++) {
		if (m[i] > 255)
			die(2, "bad MAC address '%s'", s);
		mac[i] = (uint8_t)m[i];
	}
}

static void parse_ip4(const char *s, uint8_t *a)
{
	if (inet_pton(AF_INET, s, a) != 1)
		die(2, "bad IPv4 address '%s'", s);
}

static void parse_ip6(const char *s, uint8_t *a)
{
	if (inet_pton(AF_INET6, s, a) != 1)
		die(2, "bad IPv6 address '%s'", s);
}

static unsigned long parse_num(const char *s, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s || v > max)
		die(2, "bad number '%s' (max %lu)", s, max);
	return v;
}

static size_t parse_hex(char **tok, int ntok, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1, i;
	const char *p;

	for (i = 0; i < ntok; i++) {
		for (p = tok[i]; *p; p++) {
			int v;

			if (*p == ':' || *p == '.')
				continue;
			if (*p >= '0' && *p <= '9')
				v = *p - '0';
			else if (*p >= 'a' && *p <= 'f')
				v = *p - 'a' + 10;
			else if (*p >= 'A' && *p <= 'F')
				v = *p - 'A' + 10;
			else
				die(2, "bad hex digit '%c'", *p);
			if (hi < 0) {
				hi = v;
				continue;
			}
			if (n >= max)
				die(2, "hex data too long");
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		die(2, "odd number of hex digits");
	return n;
}

static const char *fmt_mac(const uint8_t *m)
{
	static char buf[4][18];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%02x:%02x:%02x:%02x:%02x:%02x",
		 m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf[i];
}

static const char *fmt_ip(int af, const uint8_t *a)
{
	static char buf[4][INET6_ADDRSTRLEN];
	static int i;

	i = (i + 1) % 4;
	inet_ntop(af, a, buf[i], sizeof(buf[i]));
	return buf[i];
}

static void var_set(const char *name, const char *value)
{
	int i;

	for (i = 0; i < nvars; i++) {
		if (!strcmp(vars[i].name, name))
			break;
	}
	if (i == nvars) {
		if (nvars == MAX_VARS)
			die(2, "too many variables");
		nvars++;
	}
	snprintf(vars[i].name, sizeof(vars[i].name), "%s", name);
	snprintf(vars[i].value, sizeof(vars[i].value), "%s", value);
}

static const char *var_get(const char *name)
{
	int i;

	for (i = 0; i < nvars; i++) {
		if (!strcmp(vars[i].name, name))
			return vars[i].value;
	}
	die(2, "undefined variable '%s'", name);
	return NULL;
}

/* ---- Connection ---- */

static int try_connect(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(sock_path) >= sizeof(a.sun_path))
		die(3, "socket path too long");
	strcpy(a.sun_path, sock_path);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die(3, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* rx_fill() - Read what is there, waiting up to @ms
 * Return: bytes read, 0 on timeout, -1 on EOF
 */
static int rx_fill(int ms)
{
	struct pollfd pfd = { .fd = sock_fd, .events = POLLIN };
	ssize_t n;

	if (rx_eof)
		return -1;
	if (ms < 0)
		ms = 0;
	if (poll(&pfd, 1, ms) <= 0)
		return 0;
	if (rx_len == sizeof(rxbuf))
		die(3, "receive buffer full");
	n = read(sock_fd, rxbuf + rx_len, sizeof(rxbuf) - rx_len);
	if (n == 0 || (n < 0 && errno == ECONNRESET)) {
		rx_eof = 1;
		return -1;
	}
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		die(3, "read: %s", strerror(errno));
	}
	rx_len += (size_t)n;
	return (int)n;
}

/* do_connect() - Connect, retrying until the timeout: passt may still be
 * starting, or may accept and close us if it has not noticed yet that our
 * previous connection is gone.
 */
static void do_connect(void)
{
	long long deadline = now_ms() + timeout_ms + 3000;

	if (sock_fd >= 0)
		close(sock_fd);
	sock_fd = -1;

	while (now_ms() < deadline) {
		sock_fd = try_connect();
		if (sock_fd < 0) {
			sleep_ms(50);
			continue;
		}
		rx_len = 0;
		rx_eof = 0;
		/* Closed right away? Then it was a discarded connection */
		if (rx_fill(100) < 0) {
			close(sock_fd);
			sock_fd = -1;
			sleep_ms(50);
			continue;
		}
		return;
	}
	die(3, "cannot connect to %s: %s", sock_path, strerror(errno));
}

static void write_all(const uint8_t *p, size_t len)
{
	if (batching) {
		if (batch_len + len > BATCH_MAX)
			die(2, "batch too large");
		memcpy(batch + batch_len, p, len);
		batch_len += len;
		return;
	}
	while (len) {
		struct pollfd pfd = { .fd = sock_fd, .events = POLLOUT };
		ssize_t n;

		/* Keep reading while we wait to write: a daemon that can't
		 * write to us must not be why it drops frames
		 */
		if (!rx_eof && rx_len < sizeof(rxbuf))
			pfd.events |= POLLIN;
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			die(3, "poll: %s", strerror(errno));
		if (pfd.revents & POLLIN)
			rx_fill(0);
		if (!(pfd.revents & (POLLOUT | POLLERR | POLLHUP)))
			continue;

		n = send(sock_fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			if (errno == EPIPE || errno == ECONNRESET) {
				printf("send: connection closed by daemon\n");
				rx_eof = 1;
				return;
			}
			die(3, "write: %s", strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
}

/* send_stream() - Write bytes to the stream, applying split modifiers */
static void send_stream(const uint8_t *p, size_t len)
{
	size_t off = 0, piece;

	if (next_split_at > 0 && (size_t)next_split_at < len) {
		write_all(p, (size_t)next_split_at);
		sleep_ms(next_split_delay);
		off = (size_t)next_split_at;
	} else if (next_split > 0) {
		for (; off < len; off += piece) {
			piece = len - off;
			if (piece > (size_t)next_split)
				piece = (size_t)next_split;
			write_all(p + off, piece);
			if (off + piece < len)
				sleep_ms(next_split_delay);
		}
	}
	if (off < len)
		write_all(p + off, len - off);
	next_split = next_split_at = 0;
	next_split_delay = 2;
}

/* send_frame_raw() - Send one frame as it is, with its length prefix */
static void send_frame_raw(const uint8_t *frame, size_t len)
{
	static uint8_t buf[4 + FRAME_MAX];

	buf[0] = (uint8_t)(len >> 24);
	buf[1] = (uint8_t)(len >> 16);
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	memcpy(buf + 4, frame, len);
	send_stream(buf, len + 4);
}

/* send_frag() - Send fragment @i of @n: data [@off, @off + @dlen) of the IP
 * payload of @frame (header length @hlen after Ethernet), as the "frag"
 * command asked
 */
static void send_frag(const uint8_t *frame, size_t hlen, size_t off,
		      size_t dlen, int last, uint32_t id6)
{
	static uint8_t f[FRAME_MAX];
	int v6 = get16(frame + 12) == 0x86dd;
	size_t fh = v6 ? 8 : 0;

	memcpy(f, frame, 14 + hlen);
	memcpy(f + 14 + hlen + fh, frame + 14 + hlen + off, dlen);
	if (v6) {
		uint8_t *x = f + 14 + hlen;

		put16(f + 18, (unsigned)(fh + dlen));
		x[0] = frame[20];
		x[1] = 0;
		put16(x + 2, (unsigned)(off | !last));
		put16(x + 4, id6 >> 16);
		put16(x + 6, id6 & 0xffff);
		f[20] = 44;
	} else {
		put16(f + 16, (unsigned)(hlen + dlen));
		put16(f + 20, (unsigned)(off / 8) | (last ? 0 : 0x2000));
		put16(f + 24, 0);
		put16(f + 24, csum(f + 14, hlen, 0));
	}
	send_frame_raw(f, 14 + hlen + fh + dlen);
}

/* send_frags() - Send an IPv4 or IPv6 frame as fragments ("frag") */
static void send_frags(const uint8_t *frame, size_t len)
{
	uint32_t id6;
	unsigned type = get16(frame + 12), i, nfrag, idx;
	size_t hlen, plen, sz = next_frag;

	next_frag = 0;
	if (type == 0x0800 && len >= 34) {
		hlen = (frame[14] & 0xf) * 4U;
		plen = get16(frame + 16);
	} else if (type == 0x86dd && len >= 54) {
		hlen = 40;
		plen = get16(frame + 18) + 40;
	} else {
		die(2, "frag: not an IPv4 or IPv6 frame");
	}
	if (plen < hlen || 14 + plen > len)
		die(2, "frag: IP lengths don't match the frame");
	plen -= hlen;
	nfrag = (unsigned)((plen + sz - 1) / sz);
	id6 = sum16(frame + 14 + hlen, plen, (uint32_t)plen << 16);

	for (i = 0; i < (frag_norder ? (unsigned)frag_norder : nfrag); i++) {
		size_t off, dlen;

		if (frag_norder)
			idx = frag_order[i];
		else
			idx = frag_rev ? nfrag - 1 - i : i;
		if (idx >= nfrag)
			die(2, "frag: no fragment %u (%u in all)", idx, nfrag);
		off = idx * sz;
		dlen = MIN_SZ(sz, plen - off);
		send_frag(frame, hlen, off, dlen, idx == nfrag - 1, id6);
	}
}

static void send_frame(uint8_t *frame, size_t len)
{
	if (next_pad > 0 && (size_t)next_pad > len) {
		memset((uint8_t *)frame + len, 0, (size_t)next_pad - len);
		len = (size_t)next_pad;
	}
	next_pad = 0;
	if (poke_len) {
		if (poke_off + poke_len > len)
			die(2, "poke past the end of the frame");
		memcpy((uint8_t *)frame + poke_off, poke_data, poke_len);
		poke_len = 0;
	}
	if (next_trunc >= 0 && (size_t)next_trunc < len)
		len = (size_t)next_trunc;
	next_trunc = -1;

	if (next_frag)
		send_frags(frame, len);
	else
		send_frame_raw(frame, len);
}

/* recv_frame() - Next frame from the stream
 * Return: frame length, -1 on timeout, -2 on EOF
 */
static long recv_frame(long long deadline, uint8_t *frame)
{
	for (;;) {
		if (rx_len >= 4) {
			size_t flen = (size_t)rxbuf[0] << 24 |
				      (size_t)rxbuf[1] << 16 |
				      (size_t)rxbuf[2] << 8 | rxbuf[3];

			if (flen > FRAME_MAX) {
				printf("recv: bad length prefix %zu from "
				       "daemon\n", flen);
				fail_exit();
			}
			if (rx_len >= 4 + flen) {
				memcpy(frame, rxbuf + 4, flen);
				memmove(rxbuf, rxbuf + 4 + flen,
					rx_len - 4 - flen);
				rx_len -= 4 + flen;
				return (long)flen;
			}
		}
		if (now_ms() >= deadline)
			return -1;
		if (rx_fill((int)(deadline - now_ms())) < 0)
			return -2;
	}
}

/* ---- Frame building ---- */

static size_t eth_hdr(uint8_t *f, const uint8_t *dst, const uint8_t *src,
		      unsigned type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, type);
	return 14;
}

static uint8_t pattern(unsigned id, unsigned seq, size_t i)
{
	return (uint8_t)((i * 7 + seq * 13 + id) & 0xff);
}

static size_t build_arp_request(uint8_t *f, char **t)
{
	static const uint8_t bcast[6] = { 255, 255, 255, 255, 255, 255 };
	uint8_t *a = f + 14;

	parse_mac(t[0], my_mac);
	parse_ip4(t[1], my_ip4);
	eth_hdr(f, bcast, my_mac, 0x0806);
	put16(a, 1);		/* Ethernet */
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);	/* request */
	memcpy(a + 8, my_mac, 6);
	memcpy(a + 14, my_ip4, 4);
	memset(a + 18, 0, 6);
	parse_ip4(t[2], a + 24);
	return 14 + 28;
}

static size_t build_ip4(uint8_t *f, const uint8_t *src, const uint8_t *dst,
			int proto, size_t l4len, unsigned id)
{
	uint8_t *ip = f + 14;

	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (unsigned)(20 + l4len));
	put16(ip + 4, id & 0xffff);
	put16(ip + 6, 0x4000);	/* DF */
	ip[8] = 64;
	ip[9] = (uint8_t)proto;
	put16(ip + 10, 0);
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	put16(ip + 10, csum(ip, 20, 0));
	return 20;
}

static size_t build_ip6(uint8_t *f, const uint8_t *src, const uint8_t *dst,
			int nh, size_t l4len, int hops)
{
	uint8_t *ip = f + 14;

	ip[0] = 0x60;
	ip[1] = ip[2] = ip[3] = 0;
	put16(ip + 4, (unsigned)l4len);
	ip[6] = (uint8_t)nh;
	ip[7] = (uint8_t)hops;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	return 40;
}

/* parse_ends() - SRCMAC DSTMAC SRCIP DSTIP of a frame to build: our MAC and
 * address (my_mac, my_ip4 or my_ip6) become the source ones
 */
static void parse_ends(char **t, int v6, uint8_t *dmac, uint8_t *src,
		       uint8_t *dst)
{
	parse_mac(t[0], my_mac);
	parse_mac(t[1], dmac);
	if (v6) {
		parse_ip6(t[2], src);
		parse_ip6(t[3], dst);
		memcpy(my_ip6, src, 16);
	} else {
		parse_ip4(t[2], src);
		parse_ip4(t[3], dst);
		memcpy(my_ip4, src, 4);
	}
}

static size_t build_ping(uint8_t *f, char **t, int v6)
{
	uint8_t dmac[6], src[16], dst[16], *icmp;
	unsigned id, seq;
	size_t len, i, hlen;

	parse_ends(t, v6, dmac, src, dst);
	id = (unsigned)parse_num(t[4], 0xffff);
	seq = (unsigned)parse_num(t[5], 0xffff);
	len = parse_num(t[6], v6 ? 65535 - 8 : 65535 - 28);
	if (14 + (v6 ? 40 : 20) + 8 + len > FRAME_MAX)
		die(2, "ping payload too long");

	eth_hdr(f, dmac, my_mac, v6 ? 0x86dd : 0x0800);
	hlen = v6 ? build_ip6(f, src, dst, 58, 8 + len, 64) :
		    build_ip4(f, src, dst, 1, 8 + len, seq);
	icmp = f + 14 + hlen;
	icmp[0] = v6 ? 128 : 8;
	icmp[1] = 0;
	put16(icmp + 2, 0);
	put16(icmp + 4, id);
	put16(icmp + 6, seq);
	for (i = 0; i < len; i++)
		icmp[8 + i] = pattern(id, seq, i);
	put16(icmp + 2, csum(icmp, 8 + len,
			     v6 ? pseudo6(src, dst, 58, 8 + len) : 0));
	return 14 + hlen + 8 + len;
}

static size_t build_ns6(uint8_t *f, char **t)
{
	uint8_t dmac[6] = { 0x33, 0x33, 0xff }, dst[16] = { 0xff, 0x02 };
	uint8_t target[16], *icmp;

	parse_mac(t[0], my_mac);
	parse_ip6(t[1], my_ip6);
	parse_ip6(t[2], target);

	/* Solicited-node multicast address, and its MAC */
	dst[11] = 1;
	dst[12] = 0xff;
	memcpy(dst + 13, target + 13, 3);
	memcpy(dmac + 3, target + 13, 3);

	eth_hdr(f, dmac, my_mac, 0x86dd);
	build_ip6(f, my_ip6, dst, 58, 32, 255);
	icmp = f + 14 + 40;
	icmp[0] = 135;
	icmp[1] = 0;
	put16(icmp + 2, 0);
	memset(icmp + 4, 0, 4);
	memcpy(icmp + 8, target, 16);
	icmp[24] = 1;		/* source link-layer address option */
	icmp[25] = 1;
	memcpy(icmp + 26, my_mac, 6);
	put16(icmp + 2, csum(icmp, 32, pseudo6(my_ip6, dst, 58, 32)));
	return 14 + 40 + 32;
}

static size_t build_udp(uint8_t *f, char **t, int v6)
{
	uint8_t dmac[6], src[16], dst[16], *udp;
	size_t len, i, hlen;
	unsigned sport, dport;

	parse_ends(t, v6, dmac, src, dst);
	sport = (unsigned)parse_num(t[4], 0xffff);
	dport = (unsigned)parse_num(t[5], 0xffff);
	len = parse_num(t[6], 65535 - 8);
	if (14 + (v6 ? 40 : 20) + 8 + len > FRAME_MAX)
		die(2, "UDP payload too long");

	eth_hdr(f, dmac, my_mac, v6 ? 0x86dd : 0x0800);
	hlen = v6 ? build_ip6(f, src, dst, 17, 8 + len, 64) :
		    build_ip4(f, src, dst, 17, 8 + len, 0);
	udp = f + 14 + hlen;
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, (unsigned)(8 + len));
	put16(udp + 6, 0);
	for (i = 0; i < len; i++)
		udp[8 + i] = pattern(sport, dport, i);
	put16(udp + 6, csum(udp, 8 + len,
			    v6 ? pseudo6(src, dst, 17, 8 + len) :
				 pseudo4(src, dst, 17, 8 + len)));
	if (get16(udp + 6) == 0)
		put16(udp + 6, 0xffff);
	return 14 + hlen + 8 + len;
}

/* ---- TCP: connections, expressions, segments ---- */

#define TCP_CONNS_MAX	32
#define TCP_OPTS_MAX	255
#define TCP_PAYLOAD_MAX	(FRAME_MAX - 14 - 40 - 60)

/* TCP flag bits, and their letters in the order of the bits */
#define TF_FIN	0x01
#define TF_SYN	0x02
#define TF_RST	0x04
#define TF_PSH	0x08
#define TF_ACK	0x10
#define TF_URG	0x20
static const char tcp_flag_letters[] = "FSRPAUEC";

/**
 * struct tcpconn - Addresses and ports of a connection, seen from the guest
 */
struct tcpconn {
	char name[32];
	int af;
	uint8_t mac[6], dmac[6];
	uint8_t src[16], dst[16];
	unsigned sport, dport;
	int snd_valid;		/* snd_nxt is set */
	uint32_t snd_nxt;	/* after our last ACK segment, no SYN or RST */
};
static struct tcpconn conns[TCP_CONNS_MAX];
static int nconns;
static unsigned ip4_id = 1;

/**
 * struct tcpseg - A segment to build: everything the script can choose
 *
 * The payload comes last: what precedes it is cleared for each segment
 * (memset up to offsetof(payload)), so that no choice leaks into the next.
 */
struct tcpseg {
	unsigned sport, dport;
	uint32_t seq, ack;
	unsigned flags, win, urg;
	uint8_t opts[TCP_OPTS_MAX + 4];
	size_t optlen;
	long doff;		/* data offset field, -1: true length */
	size_t plen;
	int csum_mode;		/* 0: correct, 1: corrupted, 2: given */
	unsigned csum_val;
	long cut;		/* TCP segment cut to this length, -1: whole */
	uint8_t payload[TCP_PAYLOAD_MAX];
};
static struct tcpseg txseg;

static struct tcpconn *conn_get(const char *name)
{
	int i;

	for (i = 0; i < nconns; i++) {
		if (!strcmp(conns[i].name, name))
			return &conns[i];
	}
	die(2, "undefined TCP connection '%s' (see tcp-conn)", name);
	return NULL;
}

/* tcp-conn NAME SRCMAC DSTMAC SRCIP DSTIP SPORT DPORT */
static void cmd_tcp_conn(char **t)
{
	struct tcpconn *c;
	int i;

	for (i = 0; i < nconns; i++) {
		if (!strcmp(conns[i].name, t[0]))
			break;
	}
	if (i == TCP_CONNS_MAX)
		die(2, "too many TCP connections");
	if (i == nconns)
		nconns++;
	c = &conns[i];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", t[0]);
	parse_mac(t[1], c->mac);
	parse_mac(t[2], c->dmac);
	c->af = strchr(t[3], ':') ? AF_INET6 : AF_INET;
	if (c->af == AF_INET6) {
		parse_ip6(t[3], c->src);
		parse_ip6(t[4], c->dst);
	} else {
		parse_ip4(t[3], c->src);
		parse_ip4(t[4], c->dst);
	}
	c->sport = (unsigned)parse_num(t[5], 0xffff);
	c->dport = (unsigned)parse_num(t[6], 0xffff);
}

/* eval() - Sequence arithmetic: NUM, VAR, VAR+NUM, VAR-NUM, NUM+NUM...
 * modulo 2^32. A variable holds a number (see save-seq).
 */
static uint32_t eval(const char *s)
{
	char name[32], *end;
	const char *p = s;
	unsigned long v, d;
	size_t n;

	if (*p >= '0' && *p <= '9') {
		errno = 0;
		v = strtoul(p, &end, 0);
		if (errno || end == p)
			die(2, "bad number in '%s'", s);
		p = end;
	} else {
		n = strcspn(p, "+-");
		if (!n || n >= sizeof(name))
			die(2, "bad expression '%s'", s);
		memcpy(name, p, n);
		name[n] = 0;
		v = strtoul(var_get(name), &end, 0);
		if (*end)
			die(2, "variable '%s' is not a number", name);
		p += n;
	}
	while (*p == '+' || *p == '-') {
		int neg = *p == '-';

		errno = 0;
		d = strtoul(p + 1, &end, 0);
		if (errno || end == p + 1)
			die(2, "bad expression '%s'", s);
		v = neg ? v - d : v + d;
		p = end;
	}
	if (*p)
		die(2, "bad expression '%s'", s);
	return (uint32_t)v;
}

static void var_set_num(const char *name, unsigned long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lu", v);
	var_set(name, buf);
}

/* parse_flags() - Letters of FSRPAUEC in any order, "none", or a number */
static unsigned parse_flags(const char *s)
{
	unsigned f = 0;
	const char *p, *l;

	if (!strcmp(s, "none"))
		return 0;
	if (*s >= '0' && *s <= '9')
		return (unsigned)parse_num(s, 0xff);
	for (p = s; *p; p++) {
		if (!(l = strchr(tcp_flag_letters, *p)))
			die(2, "bad TCP flags '%s' (letters of %s, or none)",
			    s, tcp_flag_letters);
		f |= 1U << (l - tcp_flag_letters);
	}
	return f;
}

static const char *fmt_flags(unsigned f)
{
	static char buf[4][10];
	static int i;
	int k, n = 0;

	i = (i + 1) % 4;
	for (k = 0; k < 8; k++) {
		if (f & (1U << k))
			buf[i][n++] = tcp_flag_letters[k];
	}
	if (!n)
		buf[i][n++] = '-';
	buf[i][n] = 0;
	return buf[i];
}

/* pat_byte() - Payload pattern: the byte at stream offset @off */
static uint8_t pat_byte(size_t off)
{
	return (uint8_t)(off % 251 + (off / 251) * 3);
}

/* parse_payload() - One payload item: data HEX | pat N OFF | fill N BYTE
 * @t, @n:	Tokens from the keyword on
 * @buf:	Payload, appended to
 * @len:	Its length, updated
 *
 * Return: tokens used, 0 if @t[0] is no payload keyword
 */
static int parse_payload(char **t, int n, uint8_t *buf, size_t *len)
{
	size_t k, cnt, max = TCP_PAYLOAD_MAX - *len;

	if (!strcmp(t[0], "data")) {
		if (n < 2)
			die(2, "data HEX");
		*len += parse_hex(t + 1, 1, buf + *len, max);
		return 2;
	}
	if (!strcmp(t[0], "pat") || !strcmp(t[0], "fill")) {
		unsigned long arg;

		if (n < 3)
			die(2, "%s N %s", t[0],
			    t[0][0] == 'p' ? "OFF" : "BYTE");
		cnt = parse_num(t[1], max);
		arg = parse_num(t[2], t[0][0] == 'p' ? 0xffffffffUL : 255);
		for (k = 0; k < cnt; k++)
			buf[*len + k] = t[0][0] == 'p' ? pat_byte(arg + k) :
							 (uint8_t)arg;
		*len += cnt;
		return 3;
	}
	return 0;
}

/* parse_tcpseg() - Fields of send-tcp, after the connection name */
static void parse_tcpseg(const struct tcpconn *c, char **t, int n,
			 struct tcpseg *s)
{
	int i = 0, used;

	memset(s, 0, offsetof(struct tcpseg, payload));
	s->plen = 0;
	s->sport = c->sport;
	s->dport = c->dport;
	s->flags = TF_ACK;
	s->win = 65535;
	s->doff = -1;
	s->cut = -1;

#define OPT(len)	do { if (s->optlen + (len) > TCP_OPTS_MAX)	\
				die(2, "too many TCP options");	\
			} while (0)
#define ARG(k)		do { if (i + (k) >= n)				\
				die(2, "%s: needs %i arguments",	\
				    t[i], (k));				\
			} while (0)
	while (i < n) {
		const char *k = t[i];
		uint8_t *o = s->opts + s->optlen;

		used = parse_payload(t + i, n - i, s->payload, &s->plen);
		if (used) {
			i += used;
			continue;
		}
		if (!strcmp(k, "bad-csum")) {
			s->csum_mode = 1;
			i++;
			continue;
		}
		if (!strcmp(k, "sackok") || !strcmp(k, "nop") ||
		    !strcmp(k, "eol")) {
			OPT(2);
			if (k[0] == 's') {
				o[0] = 4;
				o[1] = 2;
				s->optlen += 2;
			} else {
				o[0] = k[0] == 'n' ? 1 : 0;
				s->optlen++;
			}
			i++;
			continue;
		}
		ARG(1);
		if (!strcmp(k, "flags")) {
			s->flags = parse_flags(t[i + 1]);
		} else if (!strcmp(k, "seq")) {
			s->seq = eval(t[i + 1]);
		} else if (!strcmp(k, "ack")) {
			s->ack = eval(t[i + 1]);
		} else if (!strcmp(k, "win")) {
			s->win = (unsigned)parse_num(t[i + 1], 0xffff);
		} else if (!strcmp(k, "urg")) {
			s->urg = (unsigned)parse_num(t[i + 1], 0xffff);
		} else if (!strcmp(k, "sport")) {
			s->sport = (unsigned)parse_num(t[i + 1], 0xffff);
		} else if (!strcmp(k, "dport")) {
			s->dport = (unsigned)parse_num(t[i + 1], 0xffff);
		} else if (!strcmp(k, "doff")) {
			s->doff = (long)parse_num(t[i + 1], 15);
		} else if (!strcmp(k, "cut")) {
			s->cut = (long)parse_num(t[i + 1], 65535);
		} else if (!strcmp(k, "csum")) {
			s->csum_mode = 2;
			s->csum_val = (unsigned)parse_num(t[i + 1], 0xffff);
		} else if (!strcmp(k, "mss")) {
			OPT(4);
			o[0] = 2;
			o[1] = 4;
			put16(o + 2, (unsigned)parse_num(t[i + 1], 0xffff));
			s->optlen += 4;
		} else if (!strcmp(k, "ws")) {
			OPT(3);
			o[0] = 3;
			o[1] = 3;
			o[2] = (uint8_t)parse_num(t[i + 1], 255);
			s->optlen += 3;
		} else if (!strcmp(k, "ts")) {
			uint32_t v, e;

			ARG(2);
			OPT(10);
			v = eval(t[i + 1]);
			e = eval(t[i + 2]);
			o[0] = 8;
			o[1] = 10;
			put16(o + 2, v >> 16);
			put16(o + 4, v & 0xffff);
			put16(o + 6, e >> 16);
			put16(o + 8, e & 0xffff);
			s->optlen += 10;
			i++;
		} else if (!strcmp(k, "opt")) {
			s->optlen += parse_hex(t + i + 1, 1, o,
					       TCP_OPTS_MAX - s->optlen);
		} else {
			die(2, "send-tcp: unknown field '%s'", k);
		}
		i += 2;
	}
#undef OPT
#undef ARG
	/* Options end on a 32-bit boundary: pad with zeros (end of list) */
	while (s->optlen % 4)
		s->opts[s->optlen++] = 0;
	if (s->optlen > 40 && s->doff < 0)
		die(2, "more than 40 bytes of options: give doff");
}

/* build_tcp() - Ethernet, IP and TCP headers, options and payload
 * Return: frame length
 */
static size_t build_tcp(uint8_t *f, const struct tcpconn *c,
			const struct tcpseg *s)
{
	size_t thlen = 20 + s->optlen, l4len = thlen + s->plen, hlen;
	uint8_t *th;
	uint32_t ps;
	unsigned sum;

	if (14 + 40 + l4len > FRAME_MAX)
		die(2, "TCP segment too long");
	memcpy(my_mac, c->mac, 6);
	if (c->af == AF_INET)
		memcpy(my_ip4, c->src, 4);
	else
		memcpy(my_ip6, c->src, 16);

	hlen = c->af == AF_INET ? 20 : 40;
	th = f + 14 + hlen;
	put16(th, s->sport);
	put16(th + 2, s->dport);
	put16(th + 4, s->seq >> 16);
	put16(th + 6, s->seq & 0xffff);
	put16(th + 8, s->ack >> 16);
	put16(th + 10, s->ack & 0xffff);
	th[12] = (uint8_t)((s->doff >= 0 ? (size_t)s->doff : thlen / 4) << 4);
	th[13] = (uint8_t)s->flags;
	put16(th + 14, s->win);
	put16(th + 16, 0);
	put16(th + 18, s->urg);
	memcpy(th + 20, s->opts, s->optlen);
	memcpy(th + thlen, s->payload, s->plen);

	if (s->cut >= 0 && (size_t)s->cut < l4len)
		l4len = (size_t)s->cut;

	eth_hdr(f, c->dmac, c->mac, c->af == AF_INET ? 0x0800 : 0x86dd);
	if (c->af == AF_INET) {
		build_ip4(f, c->src, c->dst, 6, l4len, ip4_id++);
		ps = pseudo4(c->src, c->dst, 6, l4len);
	} else {
		build_ip6(f, c->src, c->dst, 6, l4len, 64);
		ps = pseudo6(c->src, c->dst, 6, l4len);
	}

	/* Checksum over what is left, if the field itself is left */
	sum = csum(th, l4len, ps);
	if (s->csum_mode == 1)
		sum ^= 0x1234;
	else if (s->csum_mode == 2)
		sum = s->csum_val;
	if (l4len >= 18)
		put16(th + 16, sum);
	return 14 + hlen + l4len;
}

/* ---- Decoding ---- */

/**
 * struct pkt - Decoded view of a frame (pointers into it, NULL if absent)
 */
struct pkt {
	const uint8_t *f;
	size_t len;
	unsigned type;		/* ethertype */
	const uint8_t *l3;
	size_t l3len;
	int af;
	const uint8_t *src, *dst;
	int proto;
	const uint8_t *l4;
	size_t l4len;
	const char *err;	/* malformed: why */
};

static void decode(const uint8_t *f, size_t len, struct pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->f = f;
	p->len = len;
	if (len < 14) {
		p->err = "shorter than an Ethernet header";
		return;
	}
	p->type = get16(f + 12);
	p->l3 = f + 14;
	p->l3len = len - 14;

	if (p->type == 0x0800) {
		size_t ihl, tot;

		if (p->l3len < 20) {
			p->err = "truncated IPv4 header";
			return;
		}
		ihl = (size_t)(p->l3[0] & 0xf) * 4;
		tot = get16(p->l3 + 2);
		if ((p->l3[0] >> 4) != 4 || ihl < 20 || tot < ihl ||
		    tot > p->l3len) {
			p->err = "bad IPv4 header lengths";
			return;
		}
		if (csum(p->l3, ihl, 0)) {
			p->err = "bad IPv4 header checksum";
			return;
		}
		p->af = AF_INET;
		p->src = p->l3 + 12;
		p->dst = p->l3 + 16;
		p->proto = p->l3[9];
		p->l4 = p->l3 + ihl;
		p->l4len = tot - ihl;
	} else if (p->type == 0x86dd) {
		size_t plen;

		if (p->l3len < 40) {
			p->err = "truncated IPv6 header";
			return;
		}
		plen = get16(p->l3 + 4);
		if ((p->l3[0] >> 4) != 6 || 40 + plen > p->l3len) {
			p->err = "bad IPv6 header";
			return;
		}
		p->af = AF_INET6;
		p->src = p->l3 + 8;
		p->dst = p->l3 + 24;
		p->proto = p->l3[6];	/* extension headers: not parsed */
		p->l4 = p->l3 + 40;
		p->l4len = plen;
	}
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* describe_tcp() - One line for a TCP segment: ports, flags, numbers,
 * options of a SYN
 */
static void describe_tcp(const struct pkt *p, char *buf, size_t size)
{
	const uint8_t *th = p->l4;
	size_t thlen = (size_t)(th[12] >> 4) * 4, i;
	int n;

	n = snprintf(buf, size, "TCP %u > %u [%s] seq %u ack %u win %u len ",
		     get16(th), get16(th + 2), fmt_flags(th[13]), get32(th + 4),
		     get32(th + 8), get16(th + 14));
	if (n < 0 || (size_t)n >= size)
		return;
	buf += n;
	size -= (size_t)n;
	if (thlen < 20 || thlen > p->l4len) {
		snprintf(buf, size, "? (data offset %zu)", thlen);
		return;
	}
	n = snprintf(buf, size, "%zu", p->l4len - thlen);
	for (i = 20; i < thlen && n > 0 && (size_t)n < size;) {
		const uint8_t *o = th + i;

		buf += n;
		size -= (size_t)n;
		if (o[0] == 0)
			break;
		if (o[0] == 1) {
			n = 0;
			i++;
			continue;
		}
		if (i + 1 >= thlen || o[1] < 2 || i + o[1] > thlen) {
			n = snprintf(buf, size, " opt-bad");
			break;
		}
		if (o[0] == 2 && o[1] == 4)
			n = snprintf(buf, size, " mss %u", get16(o + 2));
		else if (o[0] == 3 && o[1] == 3)
			n = snprintf(buf, size, " ws %u", o[2]);
		else
			n = snprintf(buf, size, " opt%u", o[0]);
		i += o[1];
	}
}

static void describe(const struct pkt *p, char *buf, size_t size)
{
	int n;

	if (p->len < 14) {
		snprintf(buf, size, "runt frame, %zu bytes", p->len);
		return;
	}
	n = snprintf(buf, size, "%s > %s ", fmt_mac(p->f + 6), fmt_mac(p->f));
	buf += n;
	size -= (size_t)n;

	if (p->err) {
		snprintf(buf, size, "type 0x%04x, %zu bytes: %s", p->type,
			 p->len, p->err);
		return;
	}
	if (p->type == 0x0806) {
		const uint8_t *a = p->l3;

		if (p->l3len < 28) {
			snprintf(buf, size, "ARP, truncated");
			return;
		}
		if (get16(a + 6) == 1)
			snprintf(buf, size, "ARP who-has %s tell %s",
				 fmt_ip(AF_INET, a + 24),
				 fmt_ip(AF_INET, a + 14));
		else
			snprintf(buf, size, "ARP reply %s is-at %s (to %s %s)",
				 fmt_ip(AF_INET, a + 14), fmt_mac(a + 8),
				 fmt_ip(AF_INET, a + 24), fmt_mac(a + 18));
		return;
	}
	if (!p->af) {
		snprintf(buf, size, "ethertype 0x%04x, %zu bytes", p->type,
			 p->len);
		return;
	}
	n = snprintf(buf, size, "%s %s > %s ", p->af == AF_INET ? "IPv4" :
		     "IPv6", fmt_ip(p->af, p->src), fmt_ip(p->af, p->dst));
	buf += n;
	size -= (size_t)n;

	if ((p->proto == 1 || p->proto == 58) && p->l4len >= 8) {
		const uint8_t *i = p->l4;

		if (i[0] == 0 || i[0] == 8 || i[0] == 128 || i[0] == 129)
			snprintf(buf, size, "ICMP%s type %u id 0x%04x seq %u "
				 "len %zu", p->proto == 58 ? "v6" : "", i[0],
				 get16(i + 4), get16(i + 6), p->l4len - 8);
		else if (p->proto == 58 && (i[0] == 135 || i[0] == 136) &&
			 p->l4len >= 24)
			snprintf(buf, size, "ICMPv6 %s target %s",
				 i[0] == 135 ? "NS" : "NA",
				 fmt_ip(AF_INET6, i + 8));
		else
			snprintf(buf, size, "ICMP%s type %u code %u len %zu",
				 p->proto == 58 ? "v6" : "", i[0], i[1],
				 p->l4len);
	} else if (p->proto == 6 && p->l4len >= 20) {
		describe_tcp(p, buf, size);
	} else if ((p->proto == 6 || p->proto == 17) && p->l4len >= 8) {
		snprintf(buf, size, "%s %u > %u len %zu",
			 p->proto == 6 ? "TCP" : "UDP", get16(p->l4),
			 get16(p->l4 + 2), p->l4len);
	} else {
		snprintf(buf, size, "protocol %i len %zu", p->proto,
			 p->l4len);
	}
}

/* ---- Filters ---- */

enum fkind { F_ANY, F_ETHERTYPE, F_ARP_REPLY, F_ECHO4, F_ECHO6, F_NA6,
	     F_ICMP4, F_ICMP6, F_UDP4, F_UDP6, F_TCP };

/**
 * struct tcpcond - Conditions on a TCP segment of a connection, and what to
 *		    save from the one that matches
 */
struct tcpcond {
	const struct tcpconn *conn;
	int flags_eq;			/* -1: any */
	unsigned has, no;
	int seq_op, ack_op;		/* 0: any, 1: equal, 2: >= */
	uint32_t seq, ack;
	long len_eq, len_ge, win_eq, win_ge, mss;	/* -1: any */
	int has_data;
	size_t dlen;
	const char *save_seq, *save_ack, *save_end, *save_win, *save_len;
};
static uint8_t cond_data[TCP_PAYLOAD_MAX];

struct filter {
	enum fkind kind;
	unsigned type;
	uint8_t addr[16];
	unsigned id, seq, sport, dport;
	size_t len;
	const char *save_mac;
	struct tcpcond tc;
};

/* parse_tcpcond() - tcp NAME [CONDITION...] [save-X VAR...]
 * Return: tokens used (all)
 */
static int parse_tcpcond(char **t, int n, struct tcpcond *tc)
{
	int i = 1, used;

	if (n < 2)
		die(2, "tcp NAME [CONDITION...]");
	memset(tc, 0, sizeof(*tc));
	tc->conn = conn_get(t[1]);
	tc->flags_eq = -1;
	tc->len_eq = tc->len_ge = tc->win_eq = tc->win_ge = tc->mss = -1;

	for (i = 2; i < n; i += 2) {
		const char *k = t[i], *v;

		if ((used = parse_payload(t + i, n - i, cond_data,
					  &tc->dlen))) {
			tc->has_data = 1;
			i += used - 2;
			continue;
		}
		if (i + 1 >= n)
			die(2, "tcp filter: '%s' needs a value", k);
		v = t[i + 1];
		if (!strcmp(k, "flags"))
			tc->flags_eq = (int)parse_flags(v);
		else if (!strcmp(k, "has"))
			tc->has = parse_flags(v);
		else if (!strcmp(k, "no"))
			tc->no = parse_flags(v);
		else if (!strcmp(k, "seq") || !strcmp(k, "seq>="))
			tc->seq_op = k[3] ? 2 : 1, tc->seq = eval(v);
		else if (!strcmp(k, "ack") || !strcmp(k, "ack>="))
			tc->ack_op = k[3] ? 2 : 1, tc->ack = eval(v);
		else if (!strcmp(k, "len"))
			tc->len_eq = (long)parse_num(v, 65535);
		else if (!strcmp(k, "len>="))
			tc->len_ge = (long)parse_num(v, 65535);
		else if (!strcmp(k, "win"))
			tc->win_eq = (long)parse_num(v, 65535);
		else if (!strcmp(k, "win>="))
			tc->win_ge = (long)parse_num(v, 65535);
		else if (!strcmp(k, "mss"))
			tc->mss = (long)parse_num(v, 65535);
		else if (!strcmp(k, "save-seq"))
			tc->save_seq = v;
		else if (!strcmp(k, "save-ack"))
			tc->save_ack = v;
		else if (!strcmp(k, "save-end"))
			tc->save_end = v;
		else if (!strcmp(k, "save-win"))
			tc->save_win = v;
		else if (!strcmp(k, "save-len"))
			tc->save_len = v;
		else
			die(2, "tcp filter: unknown condition '%s'", k);
	}
	return n;
}

/* tcp_opt_mss() - MSS option of a segment
 * Return: its value, -1 if absent
 */
static long tcp_opt_mss(const uint8_t *th, size_t thlen)
{
	size_t i = 20;

	while (i < thlen) {
		const uint8_t *o = th + i;

		if (o[0] == 0)
			break;
		if (o[0] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= thlen || o[1] < 2 || i + o[1] > thlen)
			break;
		if (o[0] == 2 && o[1] == 4)
			return get16(o + 2);
		i += o[1];
	}
	return -1;
}

/* tcp_of_conn() - Is this a segment from the peer of a connection?
 * Return: 1 yes, 0 no
 */
static int tcp_of_conn(const struct pkt *p, const struct tcpconn *c)
{
	size_t alen = c->af == AF_INET ? 4 : 16;

	return p->af == c->af && p->proto == 6 && p->l4len >= 4 &&
	       !memcmp(p->src, c->dst, alen) && !memcmp(p->dst, c->src, alen) &&
	       get16(p->l4) == c->dport && get16(p->l4 + 2) == c->sport;
}

/* tcp_check() - What must hold for any segment of ours
 * Return: NULL if good, else what is wrong
 */
static const char *tcp_check(const struct pkt *p, const struct tcpconn *c)
{
	size_t thlen;

	if (p->l4len < 20)
		return "TCP header truncated";
	thlen = (size_t)(p->l4[12] >> 4) * 4;
	if (thlen < 20 || thlen > p->l4len)
		return "bad TCP data offset";
	if (csum(p->l4, p->l4len, p->af == AF_INET ?
		 pseudo4(p->src, p->dst, 6, p->l4len) :
		 pseudo6(p->src, p->dst, 6, p->l4len)))
		return "bad TCP checksum";
	if (memcmp(p->f, c->mac, 6))
		return "not addressed to our MAC address";
	return NULL;
}

/* tcp_match() - Conditions on a segment of the connection (checked)
 * Return: 1 match, 0 no match
 */
static int tcp_match(const struct pkt *p, const struct tcpcond *tc)
{
	const uint8_t *th = p->l4;
	size_t thlen = (size_t)(th[12] >> 4) * 4, len = p->l4len - thlen;
	uint32_t seq = get32(th + 4), ack = get32(th + 8);
	unsigned fl = th[13], win = get16(th + 14);

	if (tc->flags_eq >= 0 && fl != (unsigned)tc->flags_eq)
		return 0;
	if ((fl & tc->has) != tc->has || (fl & tc->no))
		return 0;
	if ((tc->seq_op == 1 && seq != tc->seq) ||
	    (tc->seq_op == 2 && (int32_t)(seq - tc->seq) < 0))
		return 0;
	if ((tc->ack_op == 1 && ack != tc->ack) ||
	    (tc->ack_op == 2 && (int32_t)(ack - tc->ack) < 0))
		return 0;
	if ((tc->len_eq >= 0 && len != (size_t)tc->len_eq) ||
	    (tc->len_ge >= 0 && len < (size_t)tc->len_ge))
		return 0;
	if ((tc->win_eq >= 0 && win != tc->win_eq) ||
	    (tc->win_ge >= 0 && win < tc->win_ge))
		return 0;
	if (tc->mss >= 0 && tcp_opt_mss(th, thlen) != tc->mss)
		return 0;
	if (tc->has_data &&
	    (len != tc->dlen || memcmp(th + thlen, cond_data, len)))
		return 0;
	return 1;
}

/* tcp_save() - Save numbers of the segment that matched */
static void tcp_save(const struct pkt *p, const struct tcpcond *tc)
{
	const uint8_t *th = p->l4;
	size_t thlen = (size_t)(th[12] >> 4) * 4, len = p->l4len - thlen;
	uint32_t seq = get32(th + 4);

	if (tc->save_seq)
		var_set_num(tc->save_seq, seq);
	if (tc->save_ack)
		var_set_num(tc->save_ack, get32(th + 8));
	if (tc->save_end)
		var_set_num(tc->save_end, (uint32_t)(seq + len +
			    !!(th[13] & TF_SYN) + !!(th[13] & TF_FIN)));
	if (tc->save_win)
		var_set_num(tc->save_win, get16(th + 14));
	if (tc->save_len)
		var_set_num(tc->save_len, len);
}

static int parse_filter(char **t, int n, struct filter *fl)
{
	int used;

	memset(fl, 0, sizeof(*fl));
	if (n < 1)
		die(2, "missing filter");
#define NEED(k)	do { if (n < (k) + 1) die(2, "%s: needs %i arguments", \
				     t[0], (k)); } while (0)
	if (!strcmp(t[0], "any")) {
		fl->kind = F_ANY;
		used = 1;
	} else if (!strcmp(t[0], "ethertype")) {
		NEED(1);
		fl->kind = F_ETHERTYPE;
		fl->type = (unsigned)parse_num(t[1], 0xffff);
		used = 2;
	} else if (!strcmp(t[0], "arp-reply")) {
		NEED(1);
		fl->kind = F_ARP_REPLY;
		parse_ip4(t[1], fl->addr);
		used = 2;
	} else if (!strcmp(t[0], "echo4-reply") ||
		   !strcmp(t[0], "echo6-reply")) {
		int v6 = t[0][4] == '6';

		NEED(4);
		fl->kind = v6 ? F_ECHO6 : F_ECHO4;
		if (v6)
			parse_ip6(t[1], fl->addr);
		else
			parse_ip4(t[1], fl->addr);
		fl->id = (unsigned)parse_num(t[2], 0xffff);
		fl->seq = (unsigned)parse_num(t[3], 0xffff);
		fl->len = parse_num(t[4], 65535);
		used = 5;
	} else if (!strcmp(t[0], "na6")) {
		NEED(1);
		fl->kind = F_NA6;
		parse_ip6(t[1], fl->addr);
		used = 2;
	} else if (!strcmp(t[0], "icmp4") || !strcmp(t[0], "icmp6")) {
		NEED(1);
		fl->kind = t[0][4] == '6' ? F_ICMP6 : F_ICMP4;
		fl->type = (unsigned)parse_num(t[1], 255);
		used = 2;
	} else if (!strcmp(t[0], "udp4") || !strcmp(t[0], "udp6")) {
		NEED(3);
		fl->kind = t[0][3] == '6' ? F_UDP6 : F_UDP4;
		if (fl->kind == F_UDP6)
			parse_ip6(t[1], fl->addr);
		else
			parse_ip4(t[1], fl->addr);
		fl->sport = (unsigned)parse_num(t[2], 0xffff);
		fl->dport = (unsigned)parse_num(t[3], 0xffff);
		used = 4;
	} else if (!strcmp(t[0], "tcp")) {
		fl->kind = F_TCP;
		return parse_tcpcond(t, n, &fl->tc);
	} else {
		die(2, "unknown filter '%s'", t[0]);
		return 0;
	}
#undef NEED
	if (n >= used + 2 && !strcmp(t[used], "save-mac")) {
		fl->save_mac = t[used + 1];
		used += 2;
	}
	if (used != n)
		die(2, "extra arguments after filter: '%s'", t[used]);
	return used;
}

/* check_echo() - Verify an echo reply fully
 * Return: NULL if good, else what is wrong
 */
static const char *check_echo(const struct pkt *p, const struct filter *fl)
{
	const uint8_t *i = p->l4;
	size_t k;

	if (p->l4len != 8 + fl->len)
		return "wrong length";
	if (p->af == AF_INET && csum(i, p->l4len, 0))
		return "bad ICMP checksum";
	if (p->af == AF_INET6 &&
	    csum(i, p->l4len, pseudo6(p->src, p->dst, 58, p->l4len)))
		return "bad ICMPv6 checksum";
	if (i[1] != 0)
		return "nonzero code";
	for (k = 0; k < fl->len; k++) {
		if (i[8 + k] != pattern(fl->id, fl->seq, k))
			return "payload differs from request";
	}
	if (p->af == AF_INET ? memcmp(p->dst, my_ip4, 4) :
	    memcmp(p->dst, my_ip6, 16))
		return "not addressed to our IP address";
	if (memcmp(p->f, my_mac, 6))
		return "not addressed to our MAC address";
	return NULL;
}

/* match() - Does a frame match a filter?
 * Return: 1 match, 0 no match, -1 it is the frame we wait for, but wrong
 */
static int match(const struct pkt *p, const struct filter *fl,
		 const char **why)
{
	const uint8_t *a = p->l3, *i = p->l4;

	*why = NULL;
	if (p->len < 14)
		return 0;

	switch (fl->kind) {
	case F_ANY:
		return 1;
	case F_ETHERTYPE:
		return p->type == fl->type;
	case F_ARP_REPLY:
		if (p->type != 0x0806 || p->l3len < 28 || get16(a + 6) != 2 ||
		    memcmp(a + 14, fl->addr, 4))
			return 0;
		if (get16(a) != 1 || get16(a + 2) != 0x0800 || a[4] != 6 ||
		    a[5] != 4)
			*why = "bad ARP hardware/protocol fields";
		else if (memcmp(a + 24, my_ip4, 4))
			*why = "ARP reply not for our IP address";
		else if (memcmp(a + 18, my_mac, 6))
			*why = "ARP reply not for our MAC address";
		else if (memcmp(p->f, my_mac, 6))
			*why = "ARP reply not sent to our MAC address";
		else if (memcmp(p->f + 6, a + 8, 6))
			*why = "ARP sender MAC differs from Ethernet source";
		return *why ? -1 : 1;
	case F_ECHO4:
	case F_ECHO6:
		if (p->af != (fl->kind == F_ECHO4 ? AF_INET : AF_INET6) ||
		    p->proto != (fl->kind == F_ECHO4 ? 1 : 58) ||
		    p->l4len < 8 ||
		    i[0] != (fl->kind == F_ECHO4 ? 0 : 129) ||
		    get16(i + 4) != fl->id || get16(i + 6) != fl->seq ||
		    memcmp(p->src, fl->addr, p->af == AF_INET ? 4 : 16))
			return 0;
		*why = check_echo(p, fl);
		return *why ? -1 : 1;
	case F_NA6:
		if (p->af != AF_INET6 || p->proto != 58 || p->l4len < 24 ||
		    i[0] != 136 || memcmp(i + 8, fl->addr, 16))
			return 0;
		if (csum(i, p->l4len, pseudo6(p->src, p->dst, 58, p->l4len)))
			*why = "bad ICMPv6 checksum";
		else if (p->l3[7] != 255)
			*why = "hop limit is not 255";
		else if (!(i[4] & 0x40) && !memcmp(p->dst, my_ip6, 16))
			*why = "solicited flag not set";
		return *why ? -1 : 1;
	case F_ICMP4:
		return p->af == AF_INET && p->proto == 1 && p->l4len >= 8 &&
		       i[0] == fl->type;
	case F_ICMP6:
		return p->af == AF_INET6 && p->proto == 58 && p->l4len >= 8 &&
		       i[0] == fl->type;
	case F_UDP4:
	case F_UDP6:
		if (p->af != (fl->kind == F_UDP4 ? AF_INET : AF_INET6) ||
		    p->proto != 17 || p->l4len < 8 ||
		    memcmp(p->src, fl->addr, p->af == AF_INET ? 4 : 16) ||
		    get16(i) != fl->sport || get16(i + 2) != fl->dport)
			return 0;
		if (get16(i + 4) != p->l4len)
			*why = "UDP length differs from IP length";
		else if (p->af == AF_INET6 && !get16(i + 6))
			*why = "zero UDP checksum over IPv6";
		else if (get16(i + 6) &&
			 csum(i, p->l4len, p->af == AF_INET ?
			      pseudo4(p->src, p->dst, 17, p->l4len) :
			      pseudo6(p->src, p->dst, 17, p->l4len)))
			*why = "bad UDP checksum";
		return *why ? -1 : 1;
	case F_TCP:
		if (!tcp_of_conn(p, fl->tc.conn))
			return 0;
		if ((*why = tcp_check(p, fl->tc.conn)))
			return -1;
		return tcp_match(p, &fl->tc);
	}
	return 0;
}

/* ---- Commands ---- */

static uint8_t frame[FRAME_MAX];

static void print_frame(const char *what, const struct pkt *p)
{
	char d[512];

	describe(p, d, sizeof(d));
	printf("%s: %s\n", what, d);
}

/* Filters no frame may match from now on (forbid), and their lines */
#define FORBID_MAX	8
static struct filter forbid_fl[FORBID_MAX];
static int forbid_line[FORBID_MAX];
static int nforbid;
static uint8_t forbid_data[FORBID_MAX][TCP_PAYLOAD_MAX];

/* check_forbidden() - Fail on an echo reply to a frame we sent malformed,
 * or on a frame matching a forbidden filter
 */
static void check_forbidden(const struct pkt *p)
{
	const char *why;
	int k;

	for (k = 0; k < nforbid; k++) {
		/* Payload conditions compare with cond_data: swap it in */
		if (forbid_fl[k].kind == F_TCP && forbid_fl[k].tc.has_data) {
			static uint8_t save[TCP_PAYLOAD_MAX];
			int m;

			memcpy(save, cond_data, sizeof(save));
			memcpy(cond_data, forbid_data[k], sizeof(cond_data));
			m = match(p, &forbid_fl[k], &why);
			memcpy(cond_data, save, sizeof(save));
			if (!m)
				continue;
		} else if (!match(p, &forbid_fl[k], &why)) {
			continue;
		}
		print_frame("got", p);
		printf("FAIL line %i: frame matching the filter forbidden at "
		       "line %i\n", lineno, forbid_line[k]);
		fail_exit();
	}

	if (!p->af || p->l4len < 8 || !(p->proto == 1 || p->proto == 58))
		return;
	if (p->l4[0] != (p->proto == 1 ? 0 : 129))
		return;
	for (k = 0; k < nforbidden; k++) {
		if (get16(p->l4 + 4) == forbidden_ids[k]) {
			print_frame("got", p);
			printf("FAIL line %i: echo reply with ID 0x%04x: a "
			       "malformed request was answered\n", lineno,
			       forbidden_ids[k]);
			fail_exit();
		}
	}
}

static void cmd_expect(char **t, int n, int none, long ms)
{
	long long deadline = now_ms() + ms;
	struct filter fl;
	struct pkt p;
	long len;

	parse_filter(t, n, &fl);
	for (;;) {
		const char *why;
		int m;

		len = recv_frame(deadline, frame);
		if (len == -1) {
			if (none) {
				printf("ok: no %s within %li ms\n", t[0], ms);
				return;
			}
			printf("FAIL line %i: timeout after %li ms waiting "
			       "for %s\n", lineno, ms, t[0]);
			fail_exit();
		}
		if (len == -2) {
			if (none) {
				printf("ok: no %s (connection closed)\n",
				       t[0]);
				return;
			}
			printf("FAIL line %i: connection closed by daemon "
			       "while waiting for %s\n", lineno, t[0]);
			fail_exit();
		}
		decode(frame, (size_t)len, &p);
		check_forbidden(&p);
		m = match(&p, &fl, &why);
		if (m == 0) {
			if (!quiet)
				print_frame("skip", &p);
			continue;
		}
		if (m < 0 || none) {
			print_frame("got", &p);
			printf("FAIL line %i: %s: %s\n", lineno, t[0],
			       none ? "unexpected frame" : why);
			fail_exit();
		}
		print_frame("got", &p);
		if (fl.save_mac)
			var_set(fl.save_mac, fmt_mac(p.f + 6));
		if (fl.kind == F_TCP)
			tcp_save(&p, &fl.tc);
		return;
	}
}

static void cmd_drain(long ms, int want_close)
{
	long long deadline = now_ms() + ms;
	struct pkt p;
	long len;

	for (;;) {
		len = recv_frame(deadline, frame);
		if (len == -1) {
			if (want_close) {
				printf("FAIL line %i: connection still open "
				       "after %li ms\n", lineno, ms);
				fail_exit();
			}
			return;
		}
		if (len == -2) {
			printf("connection closed by daemon\n");
			return;
		}
		decode(frame, (size_t)len, &p);
		check_forbidden(&p);
		if (!quiet)
			print_frame("drop", &p);
	}
}

/* cmd_count() - Count frames matching a filter for @ms, want MIN..MAX */
static void cmd_count(char **t, int n, long ms, long min, long max)
{
	long long deadline = now_ms() + ms;
	struct filter fl;
	long len, cnt = 0;
	struct pkt p;

	parse_filter(t, n, &fl);
	while ((len = recv_frame(deadline, frame)) >= 0) {
		const char *why;
		int m;

		decode(frame, (size_t)len, &p);
		check_forbidden(&p);
		m = match(&p, &fl, &why);
		if (m < 0) {
			print_frame("got", &p);
			printf("FAIL line %i: %s: %s\n", lineno, t[0], why);
			fail_exit();
		}
		if (m && fl.kind == F_TCP)
			tcp_save(&p, &fl.tc);
		if (m)
			cnt++;
		if (!quiet || m)
			print_frame(m ? "count" : "skip", &p);
	}
	if (cnt < min || cnt > max) {
		printf("FAIL line %i: %li frames matching %s in %li ms, "
		       "expected %li to %li\n", lineno, cnt, t[0], ms, min,
		       max);
		fail_exit();
	}
	printf("ok: %li frames matching %s in %li ms\n", cnt, t[0], ms);
	var_set_num("count", (unsigned long)cnt);
}

/* send_tcp() - Build and send a segment of a connection, note where our
 * sequence is for the connection's own ports (see -r)
 */
static void send_tcp(struct tcpconn *c, const struct tcpseg *s)
{
	if (s->sport == c->sport && s->dport == c->dport &&
	    (s->flags & (TF_ACK | TF_SYN | TF_RST)) == TF_ACK) {
		c->snd_nxt = s->seq + (uint32_t)s->plen + !!(s->flags & TF_FIN);
		c->snd_valid = 1;
	}
	send_frame(frame, build_tcp(frame, c, s));
}

/* tcp_recv_ack() - A pure ACK: sequence @seq, acknowledging @ack */
static void tcp_recv_ack(struct tcpconn *c, uint32_t seq, uint32_t ack,
			 unsigned win)
{
	memset(&txseg, 0, offsetof(struct tcpseg, payload));
	txseg.plen = 0;
	txseg.sport = c->sport;
	txseg.dport = c->dport;
	txseg.flags = TF_ACK;
	txseg.seq = seq;
	txseg.ack = ack;
	txseg.win = win;
	txseg.doff = txseg.cut = -1;
	send_tcp(c, &txseg);
}

/* cmd_tcp_recv() - tcp-recv NAME SEQ PAYLOAD [ack EXPR] [win N] [mss N]
 *		    [more] [save-end VAR]
 *
 * Collect the peer's payload from sequence SEQ on, in order, until it is as
 * long as PAYLOAD (data HEX, pat N OFF, fill N BYTE or any N), then compare.
 * Pure ACKs are skipped, retransmitted bytes must equal what came first,
 * segments after a gap are dropped (and acknowledged: a duplicate ACK); a
 * RST, a FIN before the end or bytes beyond it fail. With "ack", every
 * segment with data is acknowledged: sequence EXPR, our window N.
 */
static void cmd_tcp_recv(char **t, int n)
{
	static uint8_t want[TCP_PAYLOAD_MAX], got[TCP_PAYLOAD_MAX];
	const char *save_end = NULL;
	struct tcpconn *c;
	int i, any = 0, do_ack = 0, used, more = 0;
	size_t wlen = 0, glen = 0;
	uint32_t seq0, next, ackseq = 0;
	unsigned win = 65535;
	long long deadline;
	long len, mss = -1;
	struct pkt p;

	if (n < 4)
		die(2, "tcp-recv NAME SEQ PAYLOAD [ack EXPR] [win N] [mss N] "
		    "[more] [save-end VAR]");
	c = conn_get(t[0]);
	seq0 = next = eval(t[1]);
	for (i = 2; i < n; i += 2) {
		if ((used = parse_payload(t + i, n - i, want, &wlen))) {
			i += used - 2;
			continue;
		}
		if (!strcmp(t[i], "more")) {
			more = 1;
			i--;
			continue;
		}
		if (i + 1 >= n)
			die(2, "tcp-recv: '%s' needs a value", t[i]);
		if (!strcmp(t[i], "any")) {
			wlen += parse_num(t[i + 1], TCP_PAYLOAD_MAX - wlen);
			any = 1;
		} else if (!strcmp(t[i], "ack")) {
			ackseq = eval(t[i + 1]);
			do_ack = 1;
		} else if (!strcmp(t[i], "win")) {
			win = (unsigned)parse_num(t[i + 1], 0xffff);
		} else if (!strcmp(t[i], "mss")) {
			mss = (long)parse_num(t[i + 1], 65535);
		} else if (!strcmp(t[i], "save-end")) {
			save_end = t[i + 1];
		} else {
			die(2, "tcp-recv: unknown argument '%s'", t[i]);
		}
	}

	deadline = now_ms() + timeout_ms;
	while (glen < wlen) {
		const uint8_t *th, *pl;
		size_t thlen, plen, have, take;
		const char *why;
		uint32_t seq;
		int32_t off;

		len = recv_frame(deadline, frame);
		if (len < 0) {
			printf("FAIL line %i: %s after %zu of %zu bytes\n",
			       lineno, len == -1 ? "timeout" :
			       "connection closed by daemon", glen, wlen);
			fail_exit();
		}
		decode(frame, (size_t)len, &p);
		check_forbidden(&p);
		if (!tcp_of_conn(&p, c)) {
			if (!quiet)
				print_frame("skip", &p);
			continue;
		}
		if (!quiet)
			print_frame("recv", &p);
		if ((why = tcp_check(&p, c))) {
			print_frame("got", &p);
			printf("FAIL line %i: %s\n", lineno, why);
			fail_exit();
		}
		th = p.l4;
		thlen = (size_t)(th[12] >> 4) * 4;
		pl = th + thlen;
		plen = p.l4len - thlen;
		seq = get32(th + 4);
		if (th[13] & (TF_RST | TF_SYN)) {
			print_frame("got", &p);
			printf("FAIL line %i: %s after %zu of %zu bytes\n",
			       lineno, th[13] & TF_RST ? "RST" : "SYN", glen,
			       wlen);
			fail_exit();
		}
		if (!plen && !(th[13] & TF_FIN))
			continue;		/* ACK, window update, probe */
		if (mss >= 0 && plen > (size_t)mss) {
			print_frame("got", &p);
			printf("FAIL line %i: %zu bytes of payload, more than "
			       "our MSS %li\n", lineno, plen, mss);
			fail_exit();
		}

		off = (int32_t)(seq - next);
		if (off > 0) {
			/* A frame before it was lost (passt drops frames when
			 * the stream is full): drop it, as a receiver without
			 * out-of-order queue does, and ask again (duplicate
			 * ACKs make the sender retransmit)
			 */
			if (do_ack)
				tcp_recv_ack(c, ackseq, next, win);
			continue;
		}
		have = (size_t)-off;
		if (have > glen) {
			print_frame("got", &p);
			printf("FAIL line %i: segment at %u starts before "
			       "%u\n", lineno, seq, seq0);
			fail_exit();
		}
		/* Bytes we had already must not change */
		if (plen && memcmp(pl, got + glen - have, MIN_SZ(have, plen))) {
			print_frame("got", &p);
			printf("FAIL line %i: retransmitted bytes differ\n",
			       lineno);
			fail_exit();
		}
		if (plen > have) {
			take = plen - have;
			if (more && glen + take > wlen)
				take = wlen - glen;
			if (glen + take > wlen) {
				print_frame("got", &p);
				printf("FAIL line %i: %zu bytes, more than the "
				       "%zu expected\n", lineno, glen + take,
				       wlen);
				fail_exit();
			}
			memcpy(got + glen, pl + have, take);
			glen += take;
			next += (uint32_t)take;
			deadline = now_ms() + timeout_ms;
		}
		if ((th[13] & TF_FIN) && glen < wlen) {
			print_frame("got", &p);
			printf("FAIL line %i: FIN after %zu of %zu bytes\n",
			       lineno, glen, wlen);
			fail_exit();
		}
		if (do_ack)
			tcp_recv_ack(c, ackseq, next, win);
	}
	if (!any && memcmp(got, want, wlen)) {
		for (i = 0; (size_t)i < wlen && got[i] == want[i]; i++)
			;
		printf("FAIL line %i: data differs from byte %i on: got "
		       "0x%02x, expected 0x%02x\n", lineno, i, got[i],
		       want[i]);
		fail_exit();
	}
	printf("ok: received %zu bytes, sequence %u to %u\n", wlen, seq0,
	       next);
	if (save_end)
		var_set_num(save_end, next);
}

/* flood_rx() - Note SYN-ACKs and RSTs for flood ports in what arrived
 * @ms:		Wait up to this long; 0: take what is there, no waiting
 */
static void flood_rx(const struct tcpconn *c, unsigned sport0, unsigned cnt,
		     uint32_t seq0, uint8_t *st, long ms)
{
	long long deadline = now_ms() + ms;
	struct pkt p;
	long len;

	for (;;) {
		len = recv_frame(deadline, frame);
		if (len == -1 && !ms && rx_fill(0) > 0)
			continue;	/* no waiting, but read what's there */
		if (len < 0)
			break;
		const uint8_t *th;
		unsigned port, k;

		decode(frame, (size_t)len, &p);
		th = p.l4;
		if (p.af != c->af || p.proto != 6 || p.l4len < 20 ||
		    memcmp(p.src, c->dst, c->af == AF_INET ? 4 : 16) ||
		    get16(th) != c->dport)
			continue;
		port = get16(th + 2);
		if (port < sport0 || port >= sport0 + cnt)
			continue;
		k = port - sport0;
		if (tcp_check(&p, c)) {
			print_frame("got", &p);
			printf("FAIL line %i: %s\n", lineno,
			       tcp_check(&p, c));
			fail_exit();
		}
		if ((th[13] & (TF_SYN | TF_ACK | TF_RST)) ==
		    (TF_SYN | TF_ACK) && get32(th + 8) == seq0 + k + 1)
			st[k] |= 1;
		else if (th[13] & TF_RST)
			st[k] |= 2;
		else
			st[k] |= 4;
	}
	if (len == -2) {
		printf("FAIL line %i: connection closed by daemon\n", lineno);
		fail_exit();
	}
}

/* cmd_tcp_flood() - tcp-flood NAME COUNT SPORT0 SEQ0 MS [rst]
 *
 * COUNT SYNs (or, with "rst", RSTs with sequence ISN + 1) from source ports
 * SPORT0 on, with ISN SEQ0 + index, read what comes back meanwhile and then
 * for up to MS (SYNs: until every port had an answer). Prints and saves in
 * variables flood_synack, flood_rst, flood_none how many ports got a SYN-ACK
 * acknowledging their ISN, a RST, nothing.
 */
static void cmd_tcp_flood(char **t, int n)
{
	static uint8_t st[65536];
	unsigned cnt, sport0, k, a = 0, r = 0, none = 0, other = 0;
	long long deadline;
	struct tcpconn *c;
	uint32_t seq0;
	int rst;
	long ms;

	if (n != 5 && !(n == 6 && !strcmp(t[5], "rst")))
		die(2, "tcp-flood NAME COUNT SPORT0 SEQ0 MS [rst]");
	c = conn_get(t[0]);
	cnt = (unsigned)parse_num(t[1], 65535);
	sport0 = (unsigned)parse_num(t[2], 65535);
	if (sport0 + cnt > 65536)
		die(2, "tcp-flood: ports beyond 65535");
	seq0 = eval(t[3]);
	ms = (long)parse_num(t[4], 600000);
	rst = n == 6;
	memset(st, 0, cnt);

	for (k = 0; k < cnt; k++) {
		memset(&txseg, 0, offsetof(struct tcpseg, payload));
		txseg.plen = 0;
		txseg.sport = sport0 + k;
		txseg.dport = c->dport;
		txseg.seq = seq0 + k + !!rst;
		txseg.flags = rst ? TF_RST : TF_SYN;
		txseg.win = 65535;
		txseg.doff = txseg.cut = -1;
		if (!rst) {
			static const uint8_t o[] = { 2, 4, 0x05, 0xb4, 1, 3,
						     3, 7 };

			memcpy(txseg.opts, o, sizeof(o));
			txseg.optlen = sizeof(o);
		}
		send_tcp(c, &txseg);
		if (rx_eof) {
			printf("FAIL line %i: connection closed by daemon\n",
			       lineno);
			fail_exit();
		}
		flood_rx(c, sport0, cnt, seq0, st, 0);
	}

	deadline = now_ms() + ms;
	while (now_ms() < deadline) {
		flood_rx(c, sport0, cnt, seq0, st, 50);
		if (rst)
			continue;
		for (k = 0; k < cnt && st[k]; k++)
			;
		if (k == cnt)
			break;
	}

	for (k = 0; k < cnt; k++) {
		if (st[k] & 1)
			a++;
		else if (st[k] & 2)
			r++;
		else if (st[k] & 4)
			other++;
		else
			none++;
	}
	printf("flood: %u %s sent to port %u: %u SYN-ACK, %u RST, %u other, "
	       "%u no answer\n", cnt, rst ? "RSTs" : "SYNs", c->dport, a, r,
	       other, none);
	var_set_num("flood_synack", a);
	var_set_num("flood_rst", r);
	var_set_num("flood_other", other);
	var_set_num("flood_none", none);
}

static void run_line(char *line)
{
	char *t[MAX_TOKENS], *s, *save = NULL;
	size_t len = 0;
	int n = 0, i;

	s = strchr(line, '#');
	if (s)
		*s = 0;
	for (s = strtok_r(line, " \t\r\n", &save); s;
	     s = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == MAX_TOKENS)
			die(2, "too many tokens");
		t[n++] = s[0] == '@' ? (char *)var_get(s + 1) : s;
	}
	if (!n)
		return;

#define ARGS(k)	do { if (n != (k) + 1) die(2, "%s: needs %i arguments", \
					   t[0], (k)); } while (0)
	if (!strcmp(t[0], "set")) {
		ARGS(2);
		var_set(t[1], t[2]);
	} else if (!strcmp(t[0], "echo")) {
		for (i = 1; i < n; i++)
			printf("%s%s", t[i], i + 1 < n ? " " : "\n");
	} else if (!strcmp(t[0], "sleep")) {
		ARGS(1);
		sleep_ms((long)parse_num(t[1], 600000));
	} else if (!strcmp(t[0], "send")) {
		len = parse_hex(t + 1, n - 1, frame, sizeof(frame));
		send_frame(frame, len);
	} else if (!strcmp(t[0], "arp-request")) {
		ARGS(3);
		send_frame(frame, build_arp_request(frame, t + 1));
	} else if (!strcmp(t[0], "ping4") || !strcmp(t[0], "ping6")) {
		ARGS(7);
		send_frame(frame, build_ping(frame, t + 1, t[0][4] == '6'));
	} else if (!strcmp(t[0], "ns6")) {
		ARGS(3);
		send_frame(frame, build_ns6(frame, t + 1));
	} else if (!strcmp(t[0], "udp4") || !strcmp(t[0], "udp6")) {
		ARGS(7);
		send_frame(frame, build_udp(frame, t + 1, t[0][3] == '6'));
	} else if (!strcmp(t[0], "tcp-conn")) {
		ARGS(7);
		cmd_tcp_conn(t + 1);
	} else if (!strcmp(t[0], "send-tcp")) {
		struct tcpconn *c;

		if (n < 2)
			die(2, "send-tcp NAME [FIELD...]");
		c = conn_get(t[1]);
		parse_tcpseg(c, t + 2, n - 2, &txseg);
		send_tcp(c, &txseg);
	} else if (!strcmp(t[0], "tcp-recv")) {
		cmd_tcp_recv(t + 1, n - 1);
	} else if (!strcmp(t[0], "tcp-flood")) {
		cmd_tcp_flood(t + 1, n - 1);
	} else if (!strcmp(t[0], "count")) {
		if (n < 5)
			die(2, "count MS MIN MAX FILTER");
		cmd_count(t + 4, n - 4, (long)parse_num(t[1], 600000),
			  (long)parse_num(t[2], 1000000),
			  (long)parse_num(t[3], 1000000));
	} else if (!strcmp(t[0], "sh")) {
		char cmd[8192];
		size_t off = 0;
		int rc;

		if (n < 2)
			die(2, "sh COMMAND...");
		for (i = 1; i < n; i++)
			off += (size_t)snprintf(cmd + off, sizeof(cmd) - off,
						"%s%s", t[i],
						i + 1 < n ? " " : "");
		if (off >= sizeof(cmd))
			die(2, "sh: command too long");
		fflush(stdout);
		rc = system(cmd);
		if (rc) {
			printf("FAIL line %i: sh: '%s' exited with status "
			       "%i\n", lineno, cmd, WIFEXITED(rc) ?
			       WEXITSTATUS(rc) : 128 + WTERMSIG(rc));
			fail_exit();
		}
		printf("ok: sh %s\n", cmd);
	} else if (!strcmp(t[0], "assert")) {
		uint32_t a, b;

		if (n != 4)
			die(2, "assert EXPR ==|!=|<|<=|>|>= EXPR");
		a = eval(t[1]);
		b = eval(t[3]);
		if (!((!strcmp(t[2], "==") && a == b) ||
		      (!strcmp(t[2], "!=") && a != b) ||
		      (!strcmp(t[2], "<") && a < b) ||
		      (!strcmp(t[2], "<=") && a <= b) ||
		      (!strcmp(t[2], ">") && a > b) ||
		      (!strcmp(t[2], ">=") && a >= b))) {
			printf("FAIL line %i: %s %s %s: %u %s %u is false\n",
			       lineno, t[1], t[2], t[3], a, t[2], b);
			fail_exit();
		}
		printf("ok: %s %s %s (%u, %u)\n", t[1], t[2], t[3], a, b);
	} else if (!strcmp(t[0], "raw-len")) {
		unsigned long v, fill = 0;
		uint8_t *buf;

		if (n != 2 && n != 3)
			die(2, "raw-len N [FILL]");
		v = parse_num(t[1], 0xffffffffUL);
		if (n == 3)
			fill = parse_num(t[2], FRAME_MAX);
		buf = calloc(1, 4 + fill);
		if (!buf)
			die(3, "out of memory");
		buf[0] = (uint8_t)(v >> 24);
		buf[1] = (uint8_t)(v >> 16);
		buf[2] = (uint8_t)(v >> 8);
		buf[3] = (uint8_t)v;
		send_stream(buf, 4 + fill);
		free(buf);
	} else if (!strcmp(t[0], "raw")) {
		len = parse_hex(t + 1, n - 1, frame, sizeof(frame));
		send_stream(frame, len);
	} else if (!strcmp(t[0], "trunc")) {
		ARGS(1);
		next_trunc = (long)parse_num(t[1], FRAME_MAX);
	} else if (!strcmp(t[0], "pad")) {
		ARGS(1);
		next_pad = (long)parse_num(t[1], FRAME_MAX);
	} else if (!strcmp(t[0], "frag")) {
		int i;

		if (n < 2 || n - 2 > FRAG_ORDER_MAX)
			die(2, "frag SIZE [rev|INDEX...]");
		next_frag = parse_num(t[1], 65535);
		if (!next_frag)
			die(2, "frag: SIZE must not be 0");
		frag_rev = n == 3 && !strcmp(t[2], "rev");
		frag_norder = frag_rev ? 0 : n - 2;
		for (i = 0; i < frag_norder; i++)
			frag_order[i] = (unsigned)parse_num(t[2 + i], 65535);
	} else if (!strcmp(t[0], "poke")) {
		if (n < 3)
			die(2, "poke OFFSET HEX...");
		poke_off = parse_num(t[1], FRAME_MAX);
		poke_len = parse_hex(t + 2, n - 2, poke_data,
				     sizeof(poke_data));
	} else if (!strcmp(t[0], "forbid")) {
		if (nforbid == FORBID_MAX)
			die(2, "too many forbidden filters");
		parse_filter(t + 1, n - 1, &forbid_fl[nforbid]);
		memcpy(forbid_data[nforbid], cond_data, sizeof(cond_data));
		forbid_line[nforbid++] = lineno;
	} else if (!strcmp(t[0], "forbid-clear")) {
		ARGS(0);
		nforbid = 0;
	} else if (!strcmp(t[0], "forbid-echo-id")) {
		ARGS(1);
		if (nforbidden == 16)
			die(2, "too many forbidden IDs");
		forbidden_ids[nforbidden++] = (unsigned)parse_num(t[1],
								  0xffff);
	} else if (!strcmp(t[0], "batch-begin")) {
		ARGS(0);
		if (!batch && !(batch = malloc(BATCH_MAX)))
			die(3, "out of memory");
		batching = 1;
		batch_len = 0;
	} else if (!strcmp(t[0], "batch-end")) {
		if (n > 3 || !batching)
			die(2, "batch-end [PIECE [DELAY_MS]] after batch-begin");
		batching = 0;
		if (n >= 2)
			next_split = (long)parse_num(t[1], BATCH_MAX);
		if (n == 3)
			next_split_delay = (long)parse_num(t[2], 10000);
		send_stream(batch, batch_len);
	} else if (!strcmp(t[0], "split") || !strcmp(t[0], "split-at")) {
		long v;

		if (n != 2 && n != 3)
			die(2, "%s N [DELAY_MS]", t[0]);
		v = (long)parse_num(t[1], FRAME_MAX + 4);
		if (!v)
			die(2, "%s: 0 makes no sense", t[0]);
		if (t[0][5])
			next_split_at = v;
		else
			next_split = v;
		if (n == 3)
			next_split_delay = (long)parse_num(t[2], 10000);
	} else if (!strcmp(t[0], "expect")) {
		long ms = timeout_ms;

		if (n > 2 && !strcmp(t[1], "-t")) {
			ms = (long)parse_num(t[2], 600000);
			cmd_expect(t + 3, n - 3, 0, ms);
		} else {
			cmd_expect(t + 1, n - 1, 0, ms);
		}
	} else if (!strcmp(t[0], "expect-none")) {
		if (n < 3)
			die(2, "expect-none MS FILTER");
		cmd_expect(t + 2, n - 2, 1, (long)parse_num(t[1], 600000));
	} else if (!strcmp(t[0], "expect-close")) {
		ARGS(1);
		cmd_drain((long)parse_num(t[1], 600000), 1);
	} else if (!strcmp(t[0], "drain")) {
		ARGS(1);
		cmd_drain((long)parse_num(t[1], 600000), 0);
	} else if (!strcmp(t[0], "reconnect")) {
		ARGS(0);
		do_connect();
		printf("reconnected\n");
	} else if (!strcmp(t[0], "reconnect-if-closed")) {
		ARGS(1);
		cmd_drain((long)parse_num(t[1], 600000), 0);
		if (rx_eof) {
			do_connect();
			printf("reconnected\n");
		} else {
			printf("connection still open\n");
		}
	} else {
		die(2, "unknown command '%s'", t[0]);
	}
#undef ARGS
	fflush(stdout);
}

/* fail_exit() - An expectation failed: exit with status 1, with -r first
 * resetting the connections the script made, so that nothing is left
 * behind for the daemon to carry on with
 */
static void fail_exit(void)
{
	static int exiting;
	int i;

	if (reset_on_fail && !exiting && sock_fd >= 0 && !rx_eof) {
		exiting = 1;
		batching = 0;
		next_trunc = -1;
		next_pad = next_split = next_split_at = 0;
		next_frag = 0;
		poke_len = 0;
		for (i = 0; i < nconns; i++) {
			if (!conns[i].snd_valid)
				continue;
			memset(&txseg, 0, offsetof(struct tcpseg, payload));
			txseg.plen = 0;
			txseg.sport = conns[i].sport;
			txseg.dport = conns[i].dport;
			txseg.flags = TF_RST;
			txseg.seq = conns[i].snd_nxt;
			txseg.doff = txseg.cut = -1;
			send_frame(frame, build_tcp(frame, &conns[i], &txseg));
			printf("reset connection %s at sequence %u\n",
			       conns[i].name, conns[i].snd_nxt);
		}
	}
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "Usage: tapclient [-t TIMEOUT_MS] [-q] [-r] SOCKET "
		"SCRIPT|-\n");
	exit(2);
}

int main(int argc, char **argv)
{
	char line[8192];
	FILE *in;
	int opt;

	while ((opt = getopt(argc, argv, "t:qr")) != -1) {
		switch (opt) {
		case 'r':
			reset_on_fail = 1;
			break;
		case 't':
			timeout_ms = (int)parse_num(optarg, 600000);
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	sock_path = argv[optind];

	if (!strcmp(argv[optind + 1], "-"))
		in = stdin;
	else if (!(in = fopen(argv[optind + 1], "r")))
		die(2, "cannot open %s: %s", argv[optind + 1],
		    strerror(errno));

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	do_connect();

	while (fgets(line, sizeof(line), in)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(in))
			die(2, "line too long");
		run_line(line);
	}
	printf("ok: %i lines\n", lineno);
	return 0;
}
