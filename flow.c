// SPDX-License-Identifier: GPL-2.0-or-later
/* flow.c - The flow table shared by every protocol
 *
 * Theory of operation
 * ===================
 *
 * A flow is one exchange between two endpoints that we relay: a TCP
 * connection, a UDP "connection" (datagrams between the same two address and
 * port pairs), an ICMP echo session.  Each flow has two sides: the initiating
 * side (INISIDE) where the first packet came from, and the target side
 * (TGTSIDE) where we forwarded it.  Each side records the interface it is on
 * (enum pif_type) and the four values of struct flowside.
 *
 * Storage: one static array, flowtab[], of FLOW_MAX entries; free entries are
 * kept on a stack of indices, so allocation and release are O(1) and nothing
 * is allocated at run time.  A full table makes flow_alloc() return NULL: the
 * caller refuses the new flow, and we count it and log it once in a while.
 *
 * Lookup: what arrives from the shared tap link, or on a listening socket
 * shared by many flows, is found by a hash of (pif, protocol, addresses,
 * ports) on one side.  The hash is SipHash-2-4 with a random key, so a guest
 * can't aim for collisions.  The table uses open addressing with linear
 * probing; removal shifts later entries back, so there are no tombstones.
 * Sockets that belong to one flow carry the flow index in their epoll
 * reference instead, and need no lookup at all.
 *
 * Timers: one timer wheel for all flows, with TW_GRAN_MS slots, woken by one
 * timerfd that is armed for the earliest non-empty slot only.  A flow has at
 * most one pending timer (tw_when); setting it again moves it.  Deadlines
 * beyond the wheel's horizon wait in its last slot and are re-queued when that
 * slot comes up.  Idle timeouts are kept lazily: activity only records a time,
 * and the expiry callback re-arms the timer if the flow was used since.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/timerfd.h>

#include "passt.h"
#include "flow.h"
#include "icmp.h"
#include "log.h"
#include "siphash.h"
#include "tcp.h"
#include "tcp_splice.h"
#include "udp.h"

union flow flowtab[FLOW_MAX];

const char *flow_type_str[FLOW_NUM_TYPES] = {
	[FLOW_TYPE_NONE]	= "free",
	[FLOW_PING4]		= "ICMP echo",
	[FLOW_PING6]		= "ICMPv6 echo",
	[FLOW_UDP]		= "UDP",
	[FLOW_TCP]		= "TCP",
	[FLOW_TCP_SPLICE]	= "TCP spliced",
};

const char *pif_name[PIF_NUM_TYPES] = {
	[PIF_NONE]	= "none",
	[PIF_HOST]	= "HOST",
	[PIF_TAP]	= "TAP",
	[PIF_SPLICE]	= "SPLICE",
};

static uint32_t flow_free_stack[FLOW_MAX];
static unsigned int flow_free_count;

/* Hash table entries: packed flow index and side plus one, 0 when empty */
static uint32_t flow_hashtab[FLOW_HASH_SIZE];
static uint8_t flow_hash_key[16];

static void tw_reset(void);

/**
 * flow_init() - Fill the free stack, empty the hash table and the timer
 *		 wheel, pick the hash key
 */
void flow_init(void)
{
	unsigned int i;

	for (i = 0; i < FLOW_MAX; i++)
		flow_free_stack[i] = FLOW_MAX - 1 - i;
	flow_free_count = FLOW_MAX;
	memset(flow_hashtab, 0, sizeof(flow_hashtab));
	tw_reset();

	if (getrandom(flow_hash_key, sizeof(flow_hash_key), 0) !=
	    sizeof(flow_hash_key))
		die_perror("Can't get random bytes for the flow hash key");
}

/**
 * flow_alloc() - Take a free flow entry
 * @now:	Current time, for the log limit
 *
 * Return: the zeroed entry with its timer links reset, or NULL if the table
 *	   is full (logged at most once per interval)
 */
union flow *flow_alloc(const struct timespec *now)
{
	union flow *flow;

	if (!flow_free_count) {
		warn_ratelimit(now, "Flow table full (%u flows), refusing new flows",
			       FLOW_MAX);
		return NULL;
	}

	flow = &flowtab[flow_free_stack[--flow_free_count]];
	memset(flow, 0, sizeof(*flow));
	flow->f.tw_next = flow->f.tw_prev = FLOW_IDX_NONE;
	return flow;
}

/**
 * flow_resource_warn() - Say, at most once per interval, that new flows are
 *			  refused for lack of resources
 * @err:	errno of the failed socket call
 * @now:	Current time
 */
void flow_resource_warn(int err, const struct timespec *now)
{
	if (err == EMFILE || err == ENFILE)
		warn_ratelimit(now, "Out of file descriptors: refusing new "
			       "flows (raise the limit with ulimit -n)");
	else if (err == ENOBUFS || err == ENOMEM)
		warn_ratelimit(now, "Out of kernel memory for sockets: "
			       "refusing new flows");
}

/**
 * flow_free() - Return a flow entry to the free stack
 * @flow:	Flow, already removed from the hash table by its owner
 */
void flow_free(union flow *flow)
{
	flow_timer_cancel(flow);
	flow->f.type = FLOW_TYPE_NONE;
	flow_free_stack[flow_free_count++] = flow_idx(flow);
}

/**
 * flow_count() - Number of flows in use
 *
 * Return: count of allocated entries
 */
unsigned int flow_count(void)
{
	return FLOW_MAX - flow_free_count;
}

/**
 * flow_count_type() - Number of flows of one type, by walking the table
 * @type:	enum flow_type
 *
 * Not for hot paths: used when quitting.
 *
 * Return: count of allocated flows of that type
 */
unsigned int flow_count_type(uint8_t type)
{
	unsigned int i, n = 0;

	for (i = 0; i < FLOW_MAX; i++)
		n += flowtab[i].f.type == type;
	return n;
}

/**
 * flow_hash() - Hash of the lookup key of one side
 * @pif:	Interface
 * @proto:	IP protocol
 * @eaddr:	Endpoint address
 * @oaddr:	Our address
 * @eport:	Endpoint port
 * @oport:	Our port
 *
 * Return: bucket index in flow_hashtab
 */
static size_t flow_hash(uint8_t pif, uint8_t proto,
			const union inany_addr *eaddr,
			const union inany_addr *oaddr,
			uint16_t eport, uint16_t oport)
{
	struct siphash_state s;
	uint8_t head[2] = { pif, proto };
	uint16_t ports[2] = { eport, oport };

	siphash_init(&s, flow_hash_key);
	siphash_feed(&s, head, sizeof(head));
	siphash_feed(&s, eaddr, sizeof(*eaddr));
	siphash_feed(&s, oaddr, sizeof(*oaddr));
	siphash_feed(&s, ports, sizeof(ports));
	return (size_t)(siphash_final(&s) % FLOW_HASH_SIZE);
}

/**
 * flow_side_hash() - Hash bucket of one side of a flow
 * @flow:	Flow
 * @side:	INISIDE or TGTSIDE
 *
 * Return: bucket index
 */
static size_t flow_side_hash(const union flow *flow, unsigned int side)
{
	const struct flowside *fs = &flow->f.side[side];

	return flow_hash(flow->f.pif[side], flow->f.proto, &fs->eaddr,
			 &fs->oaddr, fs->eport, fs->oport);
}

/**
 * flow_side_matches() - Does one side of a flow have this key?
 * @flow:	Flow
 * @side:	Side to compare
 * @pif:	Interface
 * @proto:	IP protocol
 * @eaddr:	Endpoint address
 * @oaddr:	Our address
 * @eport:	Endpoint port
 * @oport:	Our port
 *
 * Return: true if every field matches
 */
static bool flow_side_matches(const union flow *flow, unsigned int side,
			      uint8_t pif, uint8_t proto,
			      const union inany_addr *eaddr,
			      const union inany_addr *oaddr,
			      uint16_t eport, uint16_t oport)
{
	const struct flowside *fs = &flow->f.side[side];

	return flow->f.pif[side] == pif && flow->f.proto == proto &&
	       fs->eport == eport && fs->oport == oport &&
	       inany_equals(&fs->eaddr, eaddr) &&
	       inany_equals(&fs->oaddr, oaddr);
}

/**
 * flow_hash_insert() - Make one side of a flow findable by flow_lookup()
 * @flow:	Flow, with that side's pif, addresses and ports set
 * @side:	INISIDE or TGTSIDE
 */
void flow_hash_insert(union flow *flow, unsigned int side)
{
	size_t b = flow_side_hash(flow, side);

	while (flow_hashtab[b])
		b = (b + 1) % FLOW_HASH_SIZE;
	flow_hashtab[b] = flow_sidx(flow_idx(flow), side) + 1;
}

/**
 * flow_hash_remove() - Remove one side of a flow from the hash table
 * @flow:	Flow
 * @side:	INISIDE or TGTSIDE
 *
 * Later entries of the same probe run are shifted back into the hole, so
 * that lookups never stop early at it.
 */
void flow_hash_remove(union flow *flow, unsigned int side)
{
	uint32_t entry = flow_sidx(flow_idx(flow), side) + 1;
	size_t b = flow_side_hash(flow, side), hole, home;
	unsigned int n;

	for (n = 0; flow_hashtab[b] != entry; n++) {
		if (!flow_hashtab[b] || n >= FLOW_HASH_SIZE)
			return;		/* not hashed */
		b = (b + 1) % FLOW_HASH_SIZE;
	}

	hole = b;
	flow_hashtab[hole] = 0;
	for (b = (hole + 1) % FLOW_HASH_SIZE; flow_hashtab[b];
	     b = (b + 1) % FLOW_HASH_SIZE) {
		uint32_t sidx = flow_hashtab[b] - 1;

		home = flow_side_hash(flow_at_sidx(sidx), sidx & 1);
		/* Move back if the hole lies between home and b (cyclic) */
		if ((b > hole && (home <= hole || home > b)) ||
		    (b < hole && (home <= hole && home > b))) {
			flow_hashtab[hole] = flow_hashtab[b];
			flow_hashtab[b] = 0;
			hole = b;
		}
	}
}

/**
 * flow_lookup() - Find the flow with one side matching a key
 * @pif:	Interface
 * @proto:	IP protocol
 * @eaddr:	Endpoint address
 * @oaddr:	Our address
 * @eport:	Endpoint port
 * @oport:	Our port
 * @side:	Set to the side that matched, if not NULL
 *
 * Return: the flow, or NULL if none matches
 */
union flow *flow_lookup(uint8_t pif, uint8_t proto,
			const union inany_addr *eaddr,
			const union inany_addr *oaddr,
			uint16_t eport, uint16_t oport, unsigned int *side)
{
	size_t b = flow_hash(pif, proto, eaddr, oaddr, eport, oport);
	unsigned int n;

	for (n = 0; flow_hashtab[b] && n < FLOW_HASH_SIZE; n++) {
		uint32_t sidx = flow_hashtab[b] - 1;
		union flow *flow = flow_at_sidx(sidx);

		if (flow_side_matches(flow, sidx & 1, pif, proto, eaddr, oaddr,
				      eport, oport)) {
			if (side)
				*side = sidx & 1;
			return flow;
		}
		b = (b + 1) % FLOW_HASH_SIZE;
	}
	return NULL;
}

/**
 * flow_log() - Log a message about a flow, with its index, type and sides
 * @pri:	Log priority
 * @flow:	Flow
 * @fmt:	Message format
 */
void flow_log(int pri, const union flow *flow, const char *fmt, ...)
{
	char msg[BUFSIZ], ea[2][INANY_ADDRSTRLEN], oa[2][INANY_ADDRSTRLEN];
	const struct flow_common *f = &flow->f;
	unsigned int s;
	va_list ap;

	if (pri > log_level)
		return;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	for (s = 0; s < SIDES; s++) {
		inany_ntop(&f->side[s].eaddr, ea[s], sizeof(ea[s]));
		inany_ntop(&f->side[s].oaddr, oa[s], sizeof(oa[s]));
	}

	logmsg(pri, "Flow %u (%s): %s [%s %s:%u -> %s:%u | %s %s:%u -> %s:%u]",
	       flow_idx(flow), flow_type_str[f->type], msg,
	       pif_name[f->pif[INISIDE]], ea[0], f->side[0].eport,
	       oa[0], f->side[0].oport,
	       pif_name[f->pif[TGTSIDE]], oa[1], f->side[1].oport,
	       ea[1], f->side[1].eport);
}

/* Timer wheel */

#define TW_GRAN_MS	10
#define TW_SLOTS	1024

static uint32_t tw_head[TW_SLOTS];
static unsigned long tw_map[TW_SLOTS / (sizeof(long) * 8)];
static int64_t tw_base_tick;		/* next tick to process */
static int64_t tw_armed_tick = -1;	/* tick the timerfd is set for */
static int tw_fd = -1;

/**
 * flow_now_ms() - Milliseconds on the monotonic clock
 * @now:	Current time
 *
 * Return: @now in milliseconds
 */
int64_t flow_now_ms(const struct timespec *now)
{
	return (int64_t)now->tv_sec * 1000 + now->tv_nsec / 1000000;
}

/**
 * tw_arm() - Set the timerfd for a tick, if earlier than what it waits for
 * @tick:	Tick to wake up at
 */
static void tw_arm(int64_t tick)
{
	/* #syscalls timerfd_settime|timerfd_settime64 */
	struct itimerspec it = { { 0, 0 }, { 0, 0 } };
	int64_t ms = tick * TW_GRAN_MS;

	if (tw_fd < 0 || (tw_armed_tick >= 0 && tw_armed_tick <= tick))
		return;

	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_nsec = (ms % 1000) * 1000000;
	if (!it.it_value.tv_sec && !it.it_value.tv_nsec)
		it.it_value.tv_nsec = 1;
	if (timerfd_settime(tw_fd, TFD_TIMER_ABSTIME, &it, NULL))
		warn_perror("Can't set the flow timer");
	else
		tw_armed_tick = tick;
}

/**
 * tw_insert() - Queue a flow in the slot for its deadline
 * @flow:	Flow with tw_when set
 */
static void tw_insert(union flow *flow)
{
	int64_t tick = flow->f.tw_when / TW_GRAN_MS;
	uint32_t idx = flow_idx(flow);
	unsigned int slot;

	if (tick < tw_base_tick)
		tick = tw_base_tick;
	if (tick - tw_base_tick >= TW_SLOTS)
		tick = tw_base_tick + TW_SLOTS - 1;

	slot = tick % TW_SLOTS;
	flow->f.tw_slot = slot;
	flow->f.tw_prev = FLOW_IDX_NONE;
	flow->f.tw_next = tw_head[slot];
	if (tw_head[slot] != FLOW_IDX_NONE)
		flowtab[tw_head[slot]].f.tw_prev = idx;
	tw_head[slot] = idx;
	bitmap_set(tw_map, slot);

	tw_arm(tick);
}

/**
 * tw_unlink() - Take a flow out of its timer wheel slot
 * @flow:	Flow with a pending timer
 */
static void tw_unlink(union flow *flow)
{
	struct flow_common *f = &flow->f;

	if (f->tw_prev != FLOW_IDX_NONE) {
		flowtab[f->tw_prev].f.tw_next = f->tw_next;
	} else if (tw_head[f->tw_slot] == flow_idx(flow)) {
		tw_head[f->tw_slot] = f->tw_next;
		if (f->tw_next == FLOW_IDX_NONE)
			bitmap_clear(tw_map, f->tw_slot);
	}
	if (f->tw_next != FLOW_IDX_NONE)
		flowtab[f->tw_next].f.tw_prev = f->tw_prev;
	f->tw_next = f->tw_prev = FLOW_IDX_NONE;
}

/**
 * flow_timer_set() - Set (or move) the timer of a flow
 * @flow:	Flow
 * @when_ms:	Deadline, from flow_now_ms()
 */
void flow_timer_set(union flow *flow, int64_t when_ms)
{
	if (flow->f.tw_when)
		tw_unlink(flow);
	flow->f.tw_when = when_ms ? when_ms : 1;
	tw_insert(flow);
}

/**
 * flow_timer_cancel() - Cancel the timer of a flow, if any
 * @flow:	Flow
 */
void flow_timer_cancel(union flow *flow)
{
	if (!flow->f.tw_when)
		return;
	tw_unlink(flow);
	flow->f.tw_when = 0;
}

/**
 * flow_timer_fire() - Call the timer handler of a flow's type
 * @c:		Execution context
 * @flow:	Flow whose timer expired
 * @now:	Current time
 */
static void flow_timer_fire(struct ctx *c, union flow *flow,
			    const struct timespec *now)
{
	switch (flow->f.type) {
	case FLOW_PING4:
	case FLOW_PING6:
		icmp_timer(c, &flow->ping, now);
		break;
	case FLOW_UDP:
		udp_timer(c, &flow->udp, now);
		break;
	case FLOW_TCP:
		tcp_timer(c, &flow->tcp, now);
		break;
	case FLOW_TCP_SPLICE:
		tcp_splice_timer(c, &flow->tcp_splice, now);
		break;
	default:
		break;
	}
}

/**
 * tw_next_tick() - Earliest tick with a queued flow
 *
 * Return: the tick, or -1 if the wheel is empty
 */
static int64_t tw_next_tick(void)
{
	unsigned int i;

	for (i = 0; i < TW_SLOTS; i++) {
		unsigned int slot = (tw_base_tick + i) % TW_SLOTS;

		if (bitmap_isset(tw_map, slot))
			return tw_base_tick + i;
	}
	return -1;
}

/**
 * flow_timer_handler() - Run the timers that are due, re-arm the timerfd
 * @c:		Execution context
 * @now:	Current time
 */
void flow_timer_handler(struct ctx *c, const struct timespec *now)
{
	/* #syscalls read */
	int64_t now_ms = flow_now_ms(now), now_tick = now_ms / TW_GRAN_MS;
	unsigned int done = 0;
	uint64_t expirations;
	int64_t next;

	if (tw_fd >= 0 && read(tw_fd, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		warn_perror("Can't read the flow timer");
	tw_armed_tick = -1;

	/* More than a turn late: what is re-queued must count from now */
	if (now_tick - tw_base_tick >= TW_SLOTS)
		tw_base_tick = now_tick - TW_SLOTS + 1;

	while (tw_base_tick <= now_tick && done++ < TW_SLOTS) {
		unsigned int slot = tw_base_tick % TW_SLOTS;
		uint32_t idx = tw_head[slot];

		tw_head[slot] = FLOW_IDX_NONE;
		bitmap_clear(tw_map, slot);
		tw_base_tick++;

		while (idx != FLOW_IDX_NONE) {
			union flow *flow = &flowtab[idx];

			idx = flow->f.tw_next;
			flow->f.tw_next = flow->f.tw_prev = FLOW_IDX_NONE;
			if (flow->f.tw_when / TW_GRAN_MS <= now_tick) {
				flow->f.tw_when = 0;
				flow_timer_fire(c, flow, now);
			} else {
				tw_insert(flow);
			}
		}
	}
	if (tw_base_tick <= now_tick)
		tw_base_tick = now_tick + 1;

	next = tw_next_tick();
	if (next >= 0)
		tw_arm(next);
}

/**
 * tw_reset() - Empty the timer wheel
 */
static void tw_reset(void)
{
	unsigned int i;

	for (i = 0; i < TW_SLOTS; i++)
		tw_head[i] = FLOW_IDX_NONE;
	memset(tw_map, 0, sizeof(tw_map));
	tw_base_tick = 0;
	tw_armed_tick = -1;
}

/**
 * flow_timer_init() - Create the timerfd of the wheel and add it to epoll
 * @c:		Execution context, with the current time
 */
void flow_timer_init(struct ctx *c)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_FLOW_TIMER };

	tw_base_tick = flow_now_ms(&c->now) / TW_GRAN_MS;

	tw_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tw_fd < 0)
		die_perror("Can't create the flow timer");
	ref.fd = tw_fd;
	epoll_add(c, EPOLLIN, ref);
}
