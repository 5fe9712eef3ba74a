// SPDX-License-Identifier: GPL-2.0-or-later
/* seedgen.c - Seed corpus for fuzz_tap: scripted guests (included by
 *	       fuzz_tap.c, run with FUZZ_TAP_SEEDGEN=DIR)
 *
 * Each seed is one exchange, written by a scripted guest that reads what
 * the daemon sends back (our SYN-ACK's sequence number, data, FINs) and
 * answers as a real guest would. The script drives the same harness as a
 * fuzzing run, chunk by chunk, and records the chunks with their separators:
 * replayed as one input, a seed does exactly what the script did, since
 * every input starts with an equivalent clock and the same keys.
 *
 * Messages captured from real clients in the unit tests' corpora (fuzz_dhcp,
 * fuzz_dhcpv6, fuzz_ndp, next to DIR: written by mkseeds.py first) are
 * wrapped into frames too.
 */

#include <dirent.h>
#include <sys/stat.h>

/* Addresses of the configuration in fuzz_tap.c */
#define G4	"198.51.100.1"		/* guest */
#define GW4	"198.51.100.2"		/* gateway: the host's loopback */
#define DNS4	"198.51.100.3"		/* --dns-forward */
#define MAPG4	"198.51.100.4"		/* --map-guest-addr */
#define FAR4	"203.0.113.1"		/* no route */
#define G6	"2001:db8:1::1"
#define GW6	"2001:db8:1::2"
#define DNS6	"2001:db8:1::3"
#define MAPG6	"2001:db8:1::4"
#define FAR6	"2001:db8:2::1"
#define GLL6	"fe80::9855:9aff:fe55:9a56"	/* guest's link-local */

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PSH	0x08
#define TH_ACK	0x10

static const uint8_t sg_gmac[ETH_ALEN] = { 0x9a, 0x55, 0x9a, 0x55,
					   0x9a, 0x56 };
static const uint8_t sg_bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff,
					    0xff, 0xff };

/**
 * struct sg_buf - A growing byte buffer
 * @p:		Bytes
 * @len:	Used
 * @cap:	Allocated
 */
struct sg_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
};

static struct sg_buf sg_seed, sg_chunk;
static const char *sg_dir;
static unsigned int sg_written;
static uint16_t sg_port = 40000;	/* guest's next ephemeral port */

/**
 * sg_put() - Append bytes to a buffer
 * @b:		Buffer
 * @d:		Bytes
 * @len:	Length
 */
static void sg_put(struct sg_buf *b, const void *d, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			fuzz_fail("out of memory");
	}
	memcpy(b->p + b->len, d, len);
	b->len += len;
}

/**
 * sg_raw() - Append raw stream bytes to the current chunk
 * @d:		Bytes
 * @len:	Length
 */
static void sg_raw(const void *d, size_t len)
{
	sg_put(&sg_chunk, d, len);
}

/**
 * sg_frame() - Append a frame, with its length, to the current chunk
 * @f:		Frame
 * @len:	Length
 */
static void sg_frame(const uint8_t *f, size_t len)
{
	uint32_t l = htonl((uint32_t)len);

	sg_raw(&l, sizeof(l));
	sg_raw(f, len);
}

/**
 * sg_begin() - Start a seed
 */
static void sg_begin(void)
{
	sg_seed.len = sg_chunk.len = 0;
	out_clear();
	input_begin();
}

/**
 * sg_flush() - Feed the current chunk to the daemon and record it
 */
static void sg_flush(void)
{
	sg_put(&sg_seed, sg_chunk.p, sg_chunk.len);
	input_chunk(sg_chunk.p, sg_chunk.len);
	sg_chunk.len = 0;
}

/**
 * sg_run() - Feed the current chunk, then a separator with a time code;
 *	      what we send meanwhile is in out_frames[]
 * @code:	Time code, see fuzz_tap.c
 */
static void sg_run(uint8_t code)
{
	out_clear();
	sg_flush();
	sg_put(&sg_seed, FUZZ_SEP, FUZZ_SEP_LEN);
	sg_put(&sg_seed, &code, 1);
	input_step(code);
}

/**
 * sg_end() - Feed the last chunk, end the input, write the seed
 * @name:	File name in the seed directory
 */
static void sg_end(const char *name)
{
	char path[PATH_MAX];
	FILE *f;

	if (getenv("FUZZ_DEBUG"))
		fprintf(stderr, "fuzz_tap: seed %s\n", name);
	sg_flush();

	/* Written before the checks at the end: if they fail, it's there.
	 * Reproducers of known bugs ("crash-*") go to crashes/ instead, until
	 * fixed
	 */
	if (!strncmp(name, "crash-", strlen("crash-")))
		snprintf(path, sizeof(path), "%s/../../crashes/fuzz_tap-%s",
			 sg_dir, name + strlen("crash-"));
	else
		snprintf(path, sizeof(path), "%s/%s", sg_dir, name);
	if (!(f = fopen(path, "we")) ||
	    fwrite(sg_seed.p, 1, sg_seed.len, f) != sg_seed.len || fclose(f))
		fuzz_fail("can't write %s: %s", path, strerror(errno));
	sg_written++;

	input_end();
	out_clear();
}

/* ------------------------------------------------------------------------ */
/* Frames from the guest                                                     */
/* ------------------------------------------------------------------------ */

/**
 * struct sg_ip - An address of either family
 * @v6:		IPv6
 * @a:		Address: 4 or 16 bytes
 */
struct sg_ip {
	bool v6;
	uint8_t a[16];
};

/**
 * ipa() - Address from text
 * @s:		IPv4 or IPv6 address
 *
 * Return: the address
 */
static struct sg_ip ipa(const char *s)
{
	struct sg_ip r = { 0 };

	r.v6 = strchr(s, ':');
	if (inet_pton(r.v6 ? AF_INET6 : AF_INET, s, r.a) != 1)
		abort();
	return r;
}

/**
 * sg_eth() - Write an Ethernet header from the guest
 * @f:		Frame
 * @dst:	Destination MAC
 * @type:	Ethertype
 *
 * Return: its length
 */
static size_t sg_eth(uint8_t *f, const uint8_t *dst, uint16_t type)
{
	memcpy(f, dst, ETH_ALEN);
	memcpy(f + ETH_ALEN, sg_gmac, ETH_ALEN);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
	return ETH_HLEN;
}

/**
 * sg_dst_mac() - Destination MAC for an IP destination
 * @dst:	Destination address
 * @mac:	MAC, set here
 */
static void sg_dst_mac(const struct sg_ip *dst, uint8_t *mac)
{
	if (dst->v6 && dst->a[0] == 0xff) {
		mac[0] = mac[1] = 0x33;
		memcpy(mac + 2, dst->a + 12, 4);
	} else if (!dst->v6 && dst->a[0] == 255) {
		memcpy(mac, sg_bcast, ETH_ALEN);
	} else {
		memcpy(mac, ctx.our_tap_mac, ETH_ALEN);
	}
}

/**
 * sg_l3() - Build a whole frame: Ethernet, IP, Layer 4 with its checksum
 * @f:		Frame buffer, FRAME_MAX bytes
 * @src:	Source address
 * @dst:	Destination address
 * @proto:	Protocol
 * @l4:		Layer 4 header and payload, checksum field zero
 * @l4len:	Its length
 *
 * Return: frame length
 */
static size_t sg_l3(uint8_t *f, const struct sg_ip *src,
		    const struct sg_ip *dst, uint8_t proto, const uint8_t *l4,
		    size_t l4len)
{
	size_t ck = proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2;
	uint8_t mac[ETH_ALEN], *ih, *p;
	uint32_t psum = 0;
	uint16_t sum;
	size_t off;

	sg_dst_mac(dst, mac);
	off = sg_eth(f, mac, dst->v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IP);
	ih = f + off;
	if (dst->v6) {
		memset(ih, 0, 40);
		ih[0] = 0x60;
		ih[4] = (uint8_t)(l4len >> 8);
		ih[5] = (uint8_t)l4len;
		ih[6] = proto;
		ih[7] = 255;
		memcpy(ih + 8, src->a, 16);
		memcpy(ih + 24, dst->a, 16);
		psum = sum16(ih + 8, 32, (uint32_t)(proto + l4len));
		off += 40;
	} else {
		memset(ih, 0, 20);
		ih[0] = 0x45;
		ih[2] = (uint8_t)((20 + l4len) >> 8);
		ih[3] = (uint8_t)(20 + l4len);
		ih[6] = 0x40;		/* DF */
		ih[8] = 64;
		ih[9] = proto;
		memcpy(ih + 12, src->a, 4);
		memcpy(ih + 16, dst->a, 4);
		sum = (uint16_t)~fold(sum16(ih, 20, 0));
		ih[10] = (uint8_t)(sum >> 8);
		ih[11] = (uint8_t)sum;
		if (proto != IPPROTO_ICMP)
			psum = sum16(ih + 12, 8, (uint32_t)(proto + l4len));
		off += 20;
	}

	p = f + off;
	memcpy(p, l4, l4len);
	p[ck] = p[ck + 1] = 0;
	sum = (uint16_t)~fold(sum16(p, l4len, psum));
	if (proto == IPPROTO_UDP && !sum)
		sum = 0xffff;
	p[ck] = (uint8_t)(sum >> 8);
	p[ck + 1] = (uint8_t)sum;
	return off + l4len;
}

/**
 * sg_send_l3() - Append a whole IP packet from the guest
 * @src:	Source address (text)
 * @dst:	Destination address (text)
 * @proto:	Protocol
 * @l4:		Layer 4 header and payload
 * @l4len:	Its length
 */
static void sg_send_l3(const char *src, const char *dst, uint8_t proto,
		       const uint8_t *l4, size_t l4len)
{
	static uint8_t f[FRAME_MAX];
	struct sg_ip s = ipa(src), d = ipa(dst);

	sg_frame(f, sg_l3(f, &s, &d, proto, l4, l4len));
}

/**
 * sg_udp() - Append a UDP datagram from the guest
 * @src:	Source address
 * @sport:	Source port
 * @dst:	Destination address
 * @dport:	Destination port
 * @data:	Payload
 * @len:	Its length
 */
static void sg_udp(const char *src, uint16_t sport, const char *dst,
		   uint16_t dport, const void *data, size_t len)
{
	static uint8_t u[FRAME_MAX];

	u[0] = (uint8_t)(sport >> 8);
	u[1] = (uint8_t)sport;
	u[2] = (uint8_t)(dport >> 8);
	u[3] = (uint8_t)dport;
	u[4] = (uint8_t)((len + 8) >> 8);
	u[5] = (uint8_t)(len + 8);
	memcpy(u + 8, data, len);
	sg_send_l3(src, dst, IPPROTO_UDP, u, len + 8);
}

/**
 * sg_echo() - Append an ICMP or ICMPv6 echo request from the guest
 * @src:	Source address
 * @dst:	Destination address
 * @id:		Identifier
 * @seq:	Sequence number
 */
static void sg_echo(const char *src, const char *dst, uint16_t id,
		    uint16_t seq)
{
	uint8_t m[8 + 56] = { 0 };
	bool v6 = strchr(dst, ':');
	unsigned int i;

	m[0] = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	m[4] = (uint8_t)(id >> 8);
	m[5] = (uint8_t)id;
	m[6] = (uint8_t)(seq >> 8);
	m[7] = (uint8_t)seq;
	for (i = 8; i < sizeof(m); i++)
		m[i] = (uint8_t)i;
	sg_send_l3(src, dst, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP, m, sizeof(m));
}

/**
 * struct sg_tcp - A TCP connection of the scripted guest
 * @src:	Guest's address
 * @dst:	Peer's address
 * @sport:	Guest's port
 * @dport:	Peer's port
 * @seq:	Guest's next sequence number
 * @ack:	What the guest acknowledges
 * @wnd:	Window the guest advertises (scaled by 2^7 once agreed)
 */
struct sg_tcp {
	const char *src;
	const char *dst;
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint16_t wnd;
};

/**
 * sg_tcp_seg() - Append a TCP segment from the guest
 * @t:		Connection
 * @flags:	TH_* flags
 * @opts:	Options, NULL for none
 * @optlen:	Their length, a multiple of 4
 * @data:	Payload
 * @len:	Its length
 */
static void sg_tcp_seg(const struct sg_tcp *t, uint8_t flags,
		       const uint8_t *opts, size_t optlen,
		       const void *data, size_t len)
{
	static uint8_t s[FRAME_MAX];
	size_t hlen = 20 + optlen;

	memset(s, 0, 20);
	s[0] = (uint8_t)(t->sport >> 8);
	s[1] = (uint8_t)t->sport;
	s[2] = (uint8_t)(t->dport >> 8);
	s[3] = (uint8_t)t->dport;
	s[4] = (uint8_t)(t->seq >> 24);
	s[5] = (uint8_t)(t->seq >> 16);
	s[6] = (uint8_t)(t->seq >> 8);
	s[7] = (uint8_t)t->seq;
	if (flags & TH_ACK) {
		s[8] = (uint8_t)(t->ack >> 24);
		s[9] = (uint8_t)(t->ack >> 16);
		s[10] = (uint8_t)(t->ack >> 8);
		s[11] = (uint8_t)t->ack;
	}
	s[12] = (uint8_t)(hlen / 4 << 4);
	s[13] = flags;
	s[14] = (uint8_t)(t->wnd >> 8);
	s[15] = (uint8_t)t->wnd;
	if (optlen)
		memcpy(s + 20, opts, optlen);
	if (len)
		memcpy(s + hlen, data, len);
	sg_send_l3(t->src, t->dst, IPPROTO_TCP, s, hlen + len);
}

/* SYN options of a Linux guest: MSS 1460, SACK permitted, timestamps,
 * window scale 7
 */
static const uint8_t sg_syn_opts[] = {
	2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7,
};

/**
 * struct sg_seg - A TCP segment we sent to the guest
 * @seq:	Sequence number
 * @ack:	Acknowledgement number
 * @flags:	Flags
 * @len:	Payload length
 * @sport:	Source port
 */
struct sg_seg {
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
	size_t len;
	uint16_t sport;
};

/**
 * sg_tcp_out() - Find the next segment we sent to a guest's port
 * @gport:	Guest's port
 * @i:		Index in out_frames[] to start from, updated past the match
 * @s:		Segment, set on success
 *
 * Return: true if one was found
 */
static bool sg_tcp_out(uint16_t gport, size_t *i, struct sg_seg *s)
{
	for (; *i < out_count; (*i)++) {
		const uint8_t *f = out_frames[*i].data, *th;
		size_t hl, l4len;
		uint16_t type = (uint16_t)(f[12] << 8 | f[13]);

		if (type == ETHERTYPE_IP && f[ETH_HLEN + 9] == IPPROTO_TCP) {
			hl = (f[ETH_HLEN] & 0xf) * 4U;
			th = f + ETH_HLEN + hl;
			l4len = (size_t)(f[ETH_HLEN + 2] << 8 |
					 f[ETH_HLEN + 3]) - hl;
		} else if (type == ETHERTYPE_IPV6 &&
			   f[ETH_HLEN + 6] == IPPROTO_TCP) {
			th = f + ETH_HLEN + 40;
			l4len = (size_t)(f[ETH_HLEN + 4] << 8 |
					 f[ETH_HLEN + 5]);
		} else {
			continue;
		}
		if ((th[2] << 8 | th[3]) != gport)
			continue;

		s->sport = (uint16_t)(th[0] << 8 | th[1]);
		s->seq = (uint32_t)th[4] << 24 | th[5] << 16 | th[6] << 8 |
			 th[7];
		s->ack = (uint32_t)th[8] << 24 | th[9] << 16 | th[10] << 8 |
			 th[11];
		s->flags = th[13];
		s->len = l4len - (th[12] >> 4) * 4U;
		(*i)++;
		return true;
	}
	return false;
}

/**
 * sg_tcp_take() - Take what we sent on a connection: advance its
 *		   acknowledgement over in-order data and FIN
 * @t:		Connection
 * @fin:	Set if a FIN was seen
 * @rst:	Set if a RST was seen
 *
 * Return: true if the acknowledgement moved
 */
static bool sg_tcp_take(struct sg_tcp *t, bool *fin, bool *rst)
{
	uint32_t old = t->ack;
	struct sg_seg s;
	size_t i = 0;

	while (sg_tcp_out(t->sport, &i, &s)) {
		if (s.flags & TH_RST)
			*rst = true;
		if (s.seq != t->ack)
			continue;
		t->ack += (uint32_t)s.len;
		if (s.flags & TH_FIN) {
			t->ack++;
			*fin = true;
		}
	}
	return t->ack != old;
}

/* Modes of sg_tcp_session() */
#define SG_FIN_FIRST	(1 << 0)	/* guest closes right after its data */
#define SG_RST_END	(1 << 1)	/* guest resets instead of closing */
#define SG_LOSS		(1 << 2)	/* guest ignores a batch: retransmit */
#define SG_SMALL_WND	(1 << 3)	/* guest's window: 1 KiB, no scaling */
#define SG_HOLE		(1 << 4)	/* second half of data first */
#define SG_NO_CLOSE	(1 << 5)	/* leave it to the timers */
#define SG_NO_ACK	(1 << 6)	/* guest stops acknowledging data */

/**
 * sg_tcp_session() - A connection from the guest, written as a seed
 * @name:	Seed name
 * @src:	Guest's address
 * @dst:	Destination
 * @dport:	Destination port
 * @data:	What the guest sends, NULL for nothing
 * @len:	Its length
 * @mode:	SG_* flags
 */
static void sg_tcp_session(const char *name, const char *src,
			   const char *dst, uint16_t dport, const void *data,
			   size_t len, unsigned int mode)
{
	struct sg_tcp t = { src, dst, sg_port++, dport, 1000, 0, 64240 };
	bool fin = false, rst = false, lost = false, found;
	struct sg_seg s;
	unsigned int r;
	size_t i = 0;

	sg_begin();
	if (mode & SG_SMALL_WND)
		sg_tcp_seg(&t, TH_SYN, sg_syn_opts, 16, NULL, 0);
	else
		sg_tcp_seg(&t, TH_SYN, sg_syn_opts, sizeof(sg_syn_opts),
			   NULL, 0);
	sg_run(0);

	while ((found = sg_tcp_out(t.sport, &i, &s)) &&
	       (s.flags & (TH_SYN | TH_ACK)) != (TH_SYN | TH_ACK))
		;
	if (!found) {
		sg_end(name);		/* refused or unreachable */
		return;
	}
	t.seq++;
	t.ack = s.seq + 1;
	if (mode & SG_SMALL_WND)
		t.wnd = 1024;
	else
		t.wnd = 502;		/* 64256 bytes, scaled by 2^7 */
	sg_tcp_seg(&t, TH_ACK, NULL, 0, NULL, 0);

	if (data && (mode & SG_HOLE) && len > 1) {
		struct sg_tcp later = t;

		later.seq += (uint32_t)(len / 2);
		sg_tcp_seg(&later, TH_ACK | TH_PSH, NULL, 0,
			   (const uint8_t *)data + len / 2, len - len / 2);
		sg_run(0);
		sg_tcp_seg(&t, TH_ACK, NULL, 0, data, len / 2);
		t.seq += (uint32_t)len;
	} else if (data) {
		size_t off, mss = 1460;

		for (off = 0; off < len; off += mss) {
			sg_tcp_seg(&t, TH_ACK | TH_PSH, NULL, 0,
				   (const uint8_t *)data + off,
				   MIN(mss, len - off));
			t.seq += (uint32_t)MIN(mss, len - off);
		}
	}
	if (mode & SG_FIN_FIRST) {
		sg_tcp_seg(&t, TH_FIN | TH_ACK, NULL, 0, NULL, 0);
		t.seq++;
	}
	sg_run(0);

	for (r = 0; r < 64 && !rst && !(mode & SG_NO_ACK); r++) {
		uint32_t before = t.ack;

		if (!sg_tcp_take(&t, &fin, &rst))
			break;
		if ((mode & SG_LOSS) && !lost) {
			/* Pretend it never came: wait for the retransmission */
			t.ack = before;
			lost = true;
			sg_run(101);	/* 2 s */
			continue;
		}
		sg_tcp_seg(&t, TH_ACK, NULL, 0, NULL, 0);
		sg_run(0);
	}

	if (mode & SG_NO_CLOSE) {
		sg_end(name);
		return;
	}
	if (mode & SG_RST_END) {
		sg_tcp_seg(&t, TH_RST | TH_ACK, NULL, 0, NULL, 0);
		sg_end(name);
		return;
	}
	if (!(mode & SG_FIN_FIRST)) {
		sg_tcp_seg(&t, TH_FIN | TH_ACK, NULL, 0, NULL, 0);
		t.seq++;
		sg_run(0);
	}
	for (r = 0; r < 4 && !fin && !rst; r++) {
		sg_tcp_take(&t, &fin, &rst);
		if (!fin)
			sg_run(0);
	}
	sg_tcp_take(&t, &fin, &rst);
	sg_tcp_seg(&t, TH_ACK, NULL, 0, NULL, 0);
	sg_end(name);
}

/**
 * sg_inbound_tcp() - A connection to the forwarded port, to the guest
 * @name:	Seed name
 * @v6:		Over IPv6
 */
static void sg_inbound_tcp(const char *name, bool v6)
{
	struct sg_tcp t = { v6 ? G6 : G4, v6 ? GW6 : GW4, FWD_PORT, 0,
			    70000, 0, 502 };
	bool fin = false, rst = false;
	struct sg_seg s = { 0 };
	size_t i = 0;
	unsigned int r;

	sg_begin();
	sg_run(v6 ? 251 : 250);
	while (sg_tcp_out(FWD_PORT, &i, &s) && !(s.flags & TH_SYN))
		;
	if (!(s.flags & TH_SYN))
		fuzz_fail("seed %s: no SYN to the guest", name);

	t.dport = s.sport;
	t.ack = s.seq + 1;
	sg_tcp_seg(&t, TH_SYN | TH_ACK, sg_syn_opts, sizeof(sg_syn_opts),
		   NULL, 0);
	t.seq++;
	sg_run(0);
	sg_tcp_seg(&t, TH_ACK | TH_PSH, NULL, 0, "hello from the guest\n", 21);
	t.seq += 21;
	sg_run(0);
	sg_tcp_seg(&t, TH_FIN | TH_ACK, NULL, 0, NULL, 0);
	t.seq++;
	sg_run(0);
	for (r = 0; r < 4 && !fin && !rst; r++) {
		sg_tcp_take(&t, &fin, &rst);
		if (!fin)
			sg_run(0);
	}
	sg_tcp_seg(&t, TH_ACK, NULL, 0, NULL, 0);
	sg_end(name);
}

/**
 * sg_inbound_udp() - A datagram to the forwarded port, and the guest's reply
 * @name:	Seed name
 * @v6:		Over IPv6
 */
static void sg_inbound_udp(const char *name, bool v6)
{
	size_t i;

	sg_begin();
	sg_run(v6 ? 253 : 252);
	for (i = 0; i < out_count; i++) {
		const uint8_t *f = out_frames[i].data, *uh;
		bool is6 = f[12] == 0x86;

		if ((is6 ? f[ETH_HLEN + 6] : f[ETH_HLEN + 9]) != IPPROTO_UDP)
			continue;
		uh = f + ETH_HLEN + (is6 ? 40 : (f[ETH_HLEN] & 0xf) * 4U);
		if ((uh[2] << 8 | uh[3]) != FWD_PORT)
			continue;
		sg_udp(v6 ? G6 : G4, FWD_PORT, v6 ? GW6 : GW4,
		       (uint16_t)(uh[0] << 8 | uh[1]), "pong", 4);
		sg_run(0);
		sg_run(v6 ? 253 : 252);
		break;
	}
	sg_end(name);
}

/* ------------------------------------------------------------------------ */
/* Seeds                                                                     */
/* ------------------------------------------------------------------------ */

/**
 * sg_arp() - Append an ARP request from the guest
 * @sender:	Sender address (guest)
 * @target:	Target address
 */
static void sg_arp(const char *sender, const char *target)
{
	uint8_t f[ETH_HLEN + 28];
	size_t off = sg_eth(f, sg_bcast, ETHERTYPE_ARP);
	static const uint8_t hdr[] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	struct sg_ip s = ipa(sender), t = ipa(target);

	memcpy(f + off, hdr, sizeof(hdr));
	memcpy(f + off + 8, sg_gmac, ETH_ALEN);
	memcpy(f + off + 14, s.a, 4);
	memset(f + off + 18, 0, ETH_ALEN);
	memcpy(f + off + 24, t.a, 4);
	sg_frame(f, sizeof(f));
}

/**
 * sg_corpus_each() - Call @fn for each file of a sibling corpus
 * @target:	Corpus directory name (fuzz_dhcp...)
 * @prefix:	Only files whose name starts with this
 * @fn:		Called with name, contents, length
 */
static void sg_corpus_each(const char *target, const char *prefix,
			   void (*fn)(const char *, const uint8_t *, size_t))
{
	char path[PATH_MAX], names[64][NAME_MAX + 1];
	unsigned int n = 0, i;
	struct dirent *e;
	DIR *d;

	/* Names first: the directory is closed before the inputs run, which
	 * check that no file is left open
	 */
	snprintf(path, sizeof(path), "%s/../%s", sg_dir, target);
	if (!(d = opendir(path)))
		fuzz_fail("can't open %s (run mkseeds.py first)", path);
	while ((e = readdir(d)) && n < ARRAY_SIZE(names)) {
		if (!strncmp(e->d_name, prefix, strlen(prefix)))
			snprintf(names[n++], sizeof(names[0]), "%s", e->d_name);
	}
	closedir(d);

	for (i = 0; i < n; i++) {
		uint8_t buf[8192];
		size_t len;
		FILE *f;

		snprintf(path, sizeof(path), "%s/../%s/%s", sg_dir, target,
			 names[i]);
		if (!(f = fopen(path, "re")))
			continue;
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		if (len > 1)
			fn(names[i], buf + 1, len - 1);	/* after the flags */
	}
}

/**
 * sg_dhcp_one() - A DHCP message from the corpus of fuzz_dhcp, as a frame
 * @name:	File name
 * @msg:	Message
 * @len:	Length
 */
static void sg_dhcp_one(const char *name, const uint8_t *msg, size_t len)
{
	char seed[NAME_MAX];

	snprintf(seed, sizeof(seed), "dhcp-%s", name);
	sg_begin();
	sg_udp("0.0.0.0", 68, "255.255.255.255", 67, msg, len);
	sg_end(seed);
}

/**
 * sg_dhcpv6_one() - A DHCPv6 message from the corpus of fuzz_dhcpv6
 * @name:	File name
 * @msg:	Message
 * @len:	Length
 */
static void sg_dhcpv6_one(const char *name, const uint8_t *msg, size_t len)
{
	char seed[NAME_MAX];

	snprintf(seed, sizeof(seed), "dhcpv6-%s", name);
	sg_begin();
	sg_udp(GLL6, 546, "ff02::1:2", 547, msg, len);
	sg_end(seed);
}

/**
 * sg_ndp_one() - An IPv6 packet from the corpus of fuzz_ndp, as a frame
 * @name:	File name
 * @pkt:	IPv6 packet
 * @len:	Length
 */
static void sg_ndp_one(const char *name, const uint8_t *pkt, size_t len)
{
	uint8_t f[ETH_HLEN + 2048], mac[ETH_ALEN];
	char seed[NAME_MAX];
	struct sg_ip dst = { .v6 = true };

	if (len < 40 || len > 2048)
		return;
	memcpy(dst.a, pkt + 24, 16);
	sg_dst_mac(&dst, mac);
	sg_eth(f, mac, ETHERTYPE_IPV6);
	memcpy(f + ETH_HLEN, pkt, len);

	snprintf(seed, sizeof(seed), "ndp-%s", name);
	sg_begin();
	sg_frame(f, ETH_HLEN + len);
	sg_end(seed);
}

/**
 * sg_malformed() - Seeds with broken framing and headers
 */
static void sg_malformed(void)
{
	static const uint8_t dns_q[] = {
		0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r',
		'g', 0, 0x00, 0x01, 0x00, 0x01,
	};
	uint8_t f[256], hop[8 + 8 + 8 + sizeof(dns_q)];
	size_t n, cut;
	uint32_t l;

	/* A UDP frame, cut at every header boundary and inside */
	for (cut = 0; cut < 2; cut++) {
		struct sg_ip s = ipa(G4), d = ipa(GW4);
		uint8_t u[8 + sizeof(dns_q)] = { 0x9c, 0x40, 0, 53,
						  0, 8 + sizeof(dns_q) };
		size_t at[] = { 0, 6, 13, 14, 20, 33, 34, 38, 41, 42 };
		unsigned int k;

		memcpy(u + 8, dns_q, sizeof(dns_q));
		n = sg_l3(f, &s, &d, IPPROTO_UDP, u, sizeof(u));
		sg_begin();
		for (k = 0; k < ARRAY_SIZE(at); k++) {
			if (cut) {
				/* The length prefix says more than is there */
				l = htonl((uint32_t)n);
				sg_raw(&l, 4);
				sg_raw(f, at[k]);
			} else {
				sg_frame(f, at[k]);
			}
		}
		sg_end(cut ? "bad-truncated-stream" : "bad-short-frames");
	}

	/* IPv4: total length beyond the frame, below the header, options */
	{
		struct sg_ip s = ipa(G4), d = ipa(GW4);
		uint8_t u[8 + 4] = { 0x9c, 0x41, 0, 7, 0, 12, 0, 0, 'a', 'b',
				     'c', 'd' };

		n = sg_l3(f, &s, &d, IPPROTO_UDP, u, sizeof(u));
		sg_begin();
		f[ETH_HLEN + 3] = 200;
		sg_frame(f, n);
		f[ETH_HLEN + 3] = 10;
		sg_frame(f, n);
		f[ETH_HLEN + 3] = (uint8_t)(n - ETH_HLEN);
		f[ETH_HLEN] = 0x4f;		/* 60-byte header */
		sg_frame(f, n);
		f[ETH_HLEN] = 0x46;		/* one word of options */
		sg_frame(f, n);
		f[ETH_HLEN] = 0x45;
		f[ETH_HLEN + 6] = 0x20;		/* more fragments */
		sg_frame(f, n);
		f[ETH_HLEN + 6] = 0x00;
		f[ETH_HLEN + 7] = 0x10;		/* fragment offset */
		sg_frame(f, n);
		sg_end("bad-ip4-lengths");
	}

	/* IPv6: extension headers before UDP, a fragment header, too many */
	{
		struct sg_ip s = ipa(G6), d = ipa(DNS6);
		uint8_t u[8 + sizeof(dns_q)] = { 0x9c, 0x42, 0, 53, 0,
						  8 + sizeof(dns_q) };
		unsigned int k;

		memcpy(u + 8, dns_q, sizeof(dns_q));
		n = sg_l3(f, &s, &d, IPPROTO_UDP, u, sizeof(u));
		memset(hop, 0, 16);
		hop[0] = IPPROTO_DSTOPTS;		/* hop-by-hop... */
		hop[8] = IPPROTO_UDP;			/* dest. options */
		memcpy(hop + 16, f + ETH_HLEN + 40, n - ETH_HLEN - 40);

		sg_begin();
		memcpy(f + ETH_HLEN + 40, hop, sizeof(hop));
		f[ETH_HLEN + 6] = IPPROTO_HOPOPTS;
		f[ETH_HLEN + 5] = (uint8_t)(sizeof(hop));
		sg_frame(f, ETH_HLEN + 40 + sizeof(hop));
		hop[0] = IPPROTO_FRAGMENT;
		memcpy(f + ETH_HLEN + 40, hop, 8);
		sg_frame(f, ETH_HLEN + 40 + sizeof(hop));
		for (k = 0; k < 17; k++) {
			memset(f + ETH_HLEN + 40 + 8 * k, 0, 8);
			f[ETH_HLEN + 40 + 8 * k] = IPPROTO_DSTOPTS;
		}
		f[ETH_HLEN + 5] = 8 * 17;
		sg_frame(f, ETH_HLEN + 40 + 8 * 17);
		f[ETH_HLEN + 6] = IPPROTO_NONE;
		f[ETH_HLEN + 5] = 0;
		sg_frame(f, ETH_HLEN + 40);
		sg_end("bad-ip6-ext");
	}

	/* Framing: a length prefix that can't be a frame, after a good one */
	sg_begin();
	sg_arp(G4, GW4);
	l = htonl(FRAME_MAX + 1);
	sg_raw(&l, 4);
	sg_arp(G4, GW4);
	sg_end("bad-length-prefix");

	/* Ethertypes we don't handle, a runt */
	sg_begin();
	n = sg_eth(f, ctx.our_tap_mac, 0x8100);
	memset(f + n, 0, 46);
	sg_frame(f, n + 46);
	sg_eth(f, ctx.our_tap_mac, 0x88cc);
	sg_frame(f, n + 46);
	sg_frame(f, 13);
	sg_end("bad-ethertype");
}

/**
 * sg_tcp_odd() - TCP segments a guest shouldn't send
 */
static void sg_tcp_odd(void)
{
	static const uint8_t odd_opts[][8] = {
		{ 2, 4, 0, 0, 3, 3, 14, 0 },		/* MSS 0, WS 14 */
		{ 2, 4, 0xff, 0xff, 3, 3, 200, 0 },	/* huge MSS, WS */
		{ 2, 0, 0, 0, 0, 0, 0, 0 },		/* length 0 */
		{ 2, 1, 1, 1, 1, 1, 1, 1 },		/* length 1 */
		{ 8, 40, 0, 0, 0, 0, 0, 0 },		/* beyond the end */
		{ 1, 1, 1, 1, 1, 1, 3, 3 },		/* cut short */
	};
	struct sg_tcp t = { G4, GW4, 0, 7, 5000, 0, 65535 };
	unsigned int k;

	sg_begin();
	for (k = 0; k < ARRAY_SIZE(odd_opts); k++) {
		t.sport = sg_port++;
		sg_tcp_seg(&t, TH_SYN, odd_opts[k], 8, NULL, 0);
	}
	sg_run(0);
	sg_end("tcp-odd-options");

	sg_begin();
	t.sport = sg_port++;
	sg_tcp_seg(&t, TH_SYN | TH_FIN, NULL, 0, NULL, 0);	/* SYN+FIN */
	t.sport = sg_port++;
	sg_tcp_seg(&t, TH_SYN, NULL, 0, "data on SYN", 11);
	t.sport = sg_port++;
	t.dport = 0;
	sg_tcp_seg(&t, TH_SYN, NULL, 0, NULL, 0);		/* port 0 */
	t.dport = 7;
	t.sport = sg_port++;
	sg_tcp_seg(&t, TH_ACK, NULL, 0, "no connection", 13);
	sg_tcp_seg(&t, TH_RST, NULL, 0, NULL, 0);
	t.sport = sg_port++;
	sg_tcp_seg(&t, TH_SYN, sg_syn_opts, sizeof(sg_syn_opts), NULL, 0);
	sg_tcp_seg(&t, TH_SYN, sg_syn_opts, sizeof(sg_syn_opts), NULL, 0);
	t.dst = "255.255.255.255";
	sg_tcp_seg(&t, TH_SYN, NULL, 0, NULL, 0);		/* broadcast */
	t.dst = "224.0.0.1";
	sg_tcp_seg(&t, TH_SYN, NULL, 0, NULL, 0);		/* multicast */
	sg_run(0);
	sg_run(130);	/* 31 s: handshake timeouts */
	sg_end("tcp-odd-segments");
}

/**
 * seedgen_run() - Write the seed corpus of fuzz_tap
 * @dir:	Directory
 *
 * Return: 0 on success
 */
static int seedgen_run(const char *dir)
{
	static const char dns_q[] = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00"
				    "\x00\x00\x07" "example\x03org\x00\x00\x01"
				    "\x00\x01";
	static uint8_t bulk[24 * 1460];
	unsigned int i;

	seedgen = true;
	sg_dir = dir;
	mkdir(dir, 0755);
	for (i = 0; i < sizeof(bulk); i++)
		bulk[i] = (uint8_t)(i * 7 + i / 1460);

	/* ARP */
	sg_begin();
	sg_arp(G4, GW4);
	sg_arp(G4, DNS4);
	sg_arp(G4, G4);			/* the guest's own address: DAD */
	sg_arp("0.0.0.0", G4);		/* probe */
	sg_end("arp");

	/* DHCP, DHCPv6, NDP: captures of real clients */
	sg_corpus_each("fuzz_dhcp", "unit-", sg_dhcp_one);
	sg_corpus_each("fuzz_dhcpv6", "unit-", sg_dhcpv6_one);
	sg_corpus_each("fuzz_ndp", "unit-", sg_ndp_one);

	/* ICMP echo: to the host's loopback, nowhere, repeated, expiring */
	sg_begin();
	sg_echo(G4, GW4, 0x1234, 1);
	sg_echo(G4, FAR4, 0x1235, 1);
	sg_run(100);
	sg_echo(G4, GW4, 0x1234, 2);
	sg_run(201);
	sg_echo(G4, GW4, 0x1234, 3);
	sg_end("icmp4-echo");
	sg_begin();
	sg_echo(G6, GW6, 0x4321, 1);
	sg_echo(G6, FAR6, 0x4322, 1);
	sg_echo(GLL6, "fe80::1", 0x4323, 1);
	sg_run(100);
	sg_echo(G6, GW6, 0x4321, 2);
	sg_end("icmp6-echo");

	/* UDP: echo, DNS forwarding, closed port, no route, discard */
	sg_begin();
	sg_udp(G4, 50000, GW4, 7, "hello, echo", 11);
	sg_udp(G4, 50000, GW4, 7, "and again", 9);
	sg_udp(G4, 50001, DNS4, 53, dns_q, sizeof(dns_q) - 1);
	sg_run(0);
	sg_udp(G4, 50002, GW4, 12345, "closed", 6);
	sg_udp(G4, 50003, FAR4, 9, "far", 3);
	sg_udp(G4, 50004, MAPG4, 9, "mapped", 6);
	sg_run(0);
	sg_udp(G4, 50000, GW4, 7, "later", 5);
	sg_run(200);
	sg_end("udp4");
	sg_begin();
	sg_udp(G6, 50000, GW6, 7, "hello, echo", 11);
	sg_udp(G6, 50001, DNS6, 53, dns_q, sizeof(dns_q) - 1);
	sg_run(0);
	sg_udp(G6, 50002, GW6, 12345, "closed", 6);
	sg_udp(G6, 50003, FAR6, 9, "far", 3);
	sg_udp(GLL6, 50004, "fe80::1", 7, "link-local", 10);
	sg_udp(G6, 50005, "ff02::1", 7, "multicast", 9);
	sg_run(0);
	sg_end("udp6");
	sg_begin();
	for (i = 0; i < 32; i++)
		sg_udp(G4, (uint16_t)(51000 + i), GW4, 9, bulk, 100 + i * 40);
	sg_udp(G4, 51100, GW4, 7, bulk, 1472);
	sg_udp(G4, 51101, GW4, 7, bulk, 0);
	sg_run(0);
	sg_end("udp4-many");

	/* TCP from the guest */
	sg_tcp_session("tcp4-echo", G4, GW4, 7, "hello, TCP echo\n", 16, 0);
	sg_tcp_session("tcp6-echo", G6, GW6, 7, "hello, TCP echo\n", 16, 0);
	sg_tcp_session("tcp4-echo-bulk", G4, GW4, 7, bulk, sizeof(bulk), 0);
	sg_tcp_session("tcp4-echo-fin-first", G4, GW4, 7, "bye\n", 4,
		       SG_FIN_FIRST);
	sg_tcp_session("tcp4-echo-hole", G4, GW4, 7, bulk, 4000, SG_HOLE);
	sg_tcp_session("tcp4-discard-rst", G4, GW4, 9, bulk, 8000,
		       SG_RST_END);
	sg_tcp_session("tcp4-daytime", G4, GW4, 13, NULL, 0, 0);
	sg_tcp_session("tcp4-chargen", G4, GW4, 19, NULL, 0, 0);
	/* These two never timed out before 42d1d37 (retransmission count
	 * reset by every retransmission)
	 */
	sg_tcp_session("tcp6-chargen-small-window", G6, GW6, 19, NULL, 0,
		       SG_SMALL_WND);
	sg_tcp_session("tcp4-chargen-no-ack", G4, GW4, 19, NULL, 0,
		       SG_FIN_FIRST | SG_NO_ACK | SG_NO_CLOSE);
	sg_tcp_session("tcp4-chargen-loss", G4, GW4, 19, NULL, 0, SG_LOSS);
	sg_tcp_session("tcp4-echo-idle", G4, GW4, 7, "x", 1, SG_NO_CLOSE);
	sg_tcp_session("tcp4-refused", G4, GW4, 4444, NULL, 0, 0);
	sg_tcp_session("tcp6-refused", G6, GW6, 4444, NULL, 0, 0);
	sg_tcp_session("tcp4-unreachable", G4, FAR4, 80, NULL, 0, 0);
	sg_tcp_session("tcp6-unreachable", G6, FAR6, 80, NULL, 0, 0);
	sg_tcp_session("tcp4-dns", G4, DNS4, 53, dns_q, sizeof(dns_q) - 1, 0);
	sg_tcp_odd();

	/* To the guest, through the forwarded ports */
	sg_inbound_tcp("tcp4-inbound", false);
	sg_inbound_tcp("tcp6-inbound", true);
	sg_inbound_udp("udp4-inbound", false);
	sg_inbound_udp("udp6-inbound", true);

	/* Router advertisements on their timer, with a guest seen */
	sg_begin();
	sg_echo(GLL6, "ff02::2", 1, 1);
	sg_run(116);
	sg_run(249);
	sg_end("ra-timer");

	sg_malformed();

	fprintf(stderr, "fuzz_tap: %u seeds written to %s\n", sg_written, dir);
	return 0;
}
