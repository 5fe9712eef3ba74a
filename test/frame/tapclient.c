// SPDX-License-Identifier: GPL-2.0-or-later
/* tapclient - Frame-level client for passt's UNIX stream socket
 *
 * Speaks qemu's stream protocol (each Ethernet frame preceded by its length,
 * 32 bits, network order) to a passt socket, driven by a script, for
 * protocol tests without a virtual machine.
 *
 * Usage: tapclient [-t TIMEOUT_MS] [-q] SOCKET SCRIPT|-
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
 *   raw-len N [FILL]            a bare length prefix N, then FILL zero bytes
 *   raw HEX...                  bytes on the stream, no length prefix
 *   trunc N                     next frame: keep N bytes (prefix says N)
 *   pad N                       next frame: pad with zeros to N bytes
 *   poke OFFSET HEX...          next frame: overwrite bytes at OFFSET (no
 *                               checksum is fixed afterwards)
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
 *
 * Filters:
 *   any
 *   ethertype HEX
 *   arp-reply IP                ARP reply from IP, to us (checked)
 *   echo4-reply SRCIP ID SEQ LEN   checks checksums and payload
 *   echo6-reply SRCIP ID SEQ LEN   checks checksums and payload
 *   na6 TARGET                  neighbour advertisement for TARGET
 *   icmp4 TYPE, icmp6 TYPE      any ICMP/ICMPv6 message of that type
 *   udp4 SRCIP SPORT DPORT      UDP over IPv4
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX	(65535 + 14)
#define RXBUF_SIZE	(1 << 20)
#define MAX_TOKENS	64
#define MAX_VARS	64

static const char *sock_path;
static int sock_fd = -1;
static int timeout_ms = 2000;
static int quiet;
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
		ssize_t n = write(sock_fd, p, len);

		if (n < 0 && errno == EINTR)
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

static void send_frame(uint8_t *frame, size_t len)
{
	static uint8_t buf[4 + FRAME_MAX];

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

	buf[0] = (uint8_t)(len >> 24);
	buf[1] = (uint8_t)(len >> 16);
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	memcpy(buf + 4, frame, len);
	send_stream(buf, len + 4);
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
				exit(1);
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

static size_t build_ping(uint8_t *f, char **t, int v6)
{
	uint8_t dmac[6], src[16], dst[16], *icmp;
	unsigned id, seq;
	size_t len, i, hlen;

	parse_mac(t[0], my_mac);
	parse_mac(t[1], dmac);
	id = (unsigned)parse_num(t[4], 0xffff);
	seq = (unsigned)parse_num(t[5], 0xffff);
	len = parse_num(t[6], v6 ? 65535 - 8 : 65535 - 28);
	if (v6) {
		parse_ip6(t[2], src);
		parse_ip6(t[3], dst);
		memcpy(my_ip6, src, 16);
	} else {
		parse_ip4(t[2], src);
		parse_ip4(t[3], dst);
		memcpy(my_ip4, src, 4);
	}
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

static size_t build_udp4(uint8_t *f, char **t)
{
	uint8_t dmac[6], src[4], dst[4], *udp;
	unsigned sport, dport;
	size_t len, i;

	parse_mac(t[0], my_mac);
	parse_mac(t[1], dmac);
	parse_ip4(t[2], src);
	parse_ip4(t[3], dst);
	memcpy(my_ip4, src, 4);
	sport = (unsigned)parse_num(t[4], 0xffff);
	dport = (unsigned)parse_num(t[5], 0xffff);
	len = parse_num(t[6], 65535 - 28);

	eth_hdr(f, dmac, my_mac, 0x0800);
	build_ip4(f, src, dst, 17, 8 + len, 0);
	udp = f + 14 + 20;
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, (unsigned)(8 + len));
	put16(udp + 6, 0);
	for (i = 0; i < len; i++)
		udp[8 + i] = pattern(sport, dport, i);
	put16(udp + 6, csum(udp, 8 + len, pseudo4(src, dst, 17, 8 + len)));
	if (get16(udp + 6) == 0)
		put16(udp + 6, 0xffff);
	return 14 + 20 + 8 + len;
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
	     F_ICMP4, F_ICMP6, F_UDP4 };

struct filter {
	enum fkind kind;
	unsigned type;
	uint8_t addr[16];
	unsigned id, seq, sport, dport;
	size_t len;
	const char *save_mac;
};

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
	} else if (!strcmp(t[0], "udp4")) {
		NEED(3);
		fl->kind = F_UDP4;
		parse_ip4(t[1], fl->addr);
		fl->sport = (unsigned)parse_num(t[2], 0xffff);
		fl->dport = (unsigned)parse_num(t[3], 0xffff);
		used = 4;
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
		if (p->af != AF_INET || p->proto != 17 || p->l4len < 8 ||
		    memcmp(p->src, fl->addr, 4) || get16(i) != fl->sport ||
		    get16(i + 2) != fl->dport)
			return 0;
		if (get16(i + 4) != p->l4len)
			*why = "UDP length differs from IP length";
		else if (get16(i + 6) &&
			 csum(i, p->l4len, pseudo4(p->src, p->dst, 17,
						   p->l4len)))
			*why = "bad UDP checksum";
		return *why ? -1 : 1;
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

/* check_forbidden() - Fail on an echo reply to a frame we sent malformed */
static void check_forbidden(const struct pkt *p)
{
	int k;

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
			exit(1);
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
			exit(1);
		}
		if (len == -2) {
			if (none) {
				printf("ok: no %s (connection closed)\n",
				       t[0]);
				return;
			}
			printf("FAIL line %i: connection closed by daemon "
			       "while waiting for %s\n", lineno, t[0]);
			exit(1);
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
			exit(1);
		}
		print_frame("got", &p);
		if (fl.save_mac)
			var_set(fl.save_mac, fmt_mac(p.f + 6));
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
				exit(1);
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
	} else if (!strcmp(t[0], "udp4")) {
		ARGS(7);
		send_frame(frame, build_udp4(frame, t + 1));
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
	} else if (!strcmp(t[0], "poke")) {
		if (n < 3)
			die(2, "poke OFFSET HEX...");
		poke_off = parse_num(t[1], FRAME_MAX);
		poke_len = parse_hex(t + 2, n - 2, poke_data,
				     sizeof(poke_data));
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

static void usage(void)
{
	fprintf(stderr, "Usage: tapclient [-t TIMEOUT_MS] [-q] SOCKET "
		"SCRIPT|-\n");
	exit(2);
}

int main(int argc, char **argv)
{
	char line[8192];
	FILE *in;
	int opt;

	while ((opt = getopt(argc, argv, "t:q")) != -1) {
		switch (opt) {
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
