/* SPDX-License-Identifier: GPL-2.0-or-later */
/* flow.h - The flow table shared by every protocol */
#ifndef FLOW_H
#define FLOW_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "inany.h"

struct ctx;

#define FLOW_MAX		131072	/* flows in the table */
#define FLOW_HASH_SIZE		(FLOW_MAX * 4)	/* both sides, load <= 0.5 */
#define FLOW_IDX_NONE		UINT32_MAX

/**
 * enum flow_type - What a flow entry is
 */
enum flow_type {
	FLOW_TYPE_NONE = 0,	/* free entry */
	FLOW_PING4,		/* ICMP echo over a ping socket */
	FLOW_PING6,		/* ICMPv6 echo over a ping socket */
	FLOW_UDP,		/* UDP, tap or spliced */
	FLOW_TCP,		/* TCP between the guest and a host socket */
	FLOW_TCP_SPLICE,	/* TCP between two host sockets (pasta) */
	FLOW_NUM_TYPES,
};

/**
 * enum pif_type - The interfaces a flow side can be on
 */
enum pif_type {
	PIF_NONE = 0,
	PIF_HOST,		/* sockets in our own network namespace */
	PIF_TAP,		/* the guest, through the tap link */
	PIF_SPLICE,		/* sockets in the target namespace (pasta) */
	PIF_NUM_TYPES,
};

#define INISIDE			0	/* side that started the flow */
#define TGTSIDE			1	/* side the flow was forwarded to */
#define SIDES			2

/**
 * struct flowside - Addresses and ports of one side of a flow
 * @eaddr:	Endpoint's address (the guest, or the remote peer)
 * @oaddr:	Our address on that side
 * @eport:	Endpoint's port (or ICMP echo id)
 * @oport:	Our port (or ICMP echo id)
 */
struct flowside {
	union inany_addr eaddr;
	union inany_addr oaddr;
	uint16_t eport;
	uint16_t oport;
};

/**
 * struct flow_common - What every flow has
 * @type:	enum flow_type
 * @pif:	Interface of each side, enum pif_type
 * @proto:	IP protocol number (IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP...)
 * @side:	Addresses and ports of each side
 * @tw_next:	Next flow in the same timer wheel slot
 * @tw_prev:	Previous flow in the same timer wheel slot
 * @tw_when:	When the timer fires, ms on the monotonic clock, 0 if unset
 * @tw_slot:	Timer wheel slot the flow is queued in, if @tw_when is set
 */
struct flow_common {
	uint8_t type;
	uint8_t pif[SIDES];
	uint8_t proto;
	struct flowside side[SIDES];
	uint32_t tw_next;
	uint32_t tw_prev;
	int64_t tw_when;
	uint16_t tw_slot;
};

/**
 * struct ping_flow - ICMP or ICMPv6 echo flow
 * @f:		Common part
 * @sock:	Ping socket on the host side
 * @seq:	Sequence number of the latest request from the guest
 * @last:	Time of the latest activity, seconds
 */
struct ping_flow {
	struct flow_common f;
	int sock;
	uint16_t seq;
	time_t last;
};

/**
 * struct udp_flow - UDP flow, between the guest and a socket, or spliced
 * @f:		Common part
 * @s:		Socket of each side: the connected reply socket, or a duplicate
 *		of the listening socket the flow arrived on; -1 for the tap
 * @last:	Time of the latest datagram, seconds
 * @ttl_err:	Errors relayed to the guest, for rate limiting
 */
struct udp_flow {
	struct flow_common f;
	int s[SIDES];
	time_t last;
	unsigned int ttl_err;
};

/**
 * struct tcp_tap_conn - TCP connection between the guest and a host socket
 * @f:			Common part
 * @sock:		Host socket
 * @state:		TCP_* state bits, see tcp.c
 * @flags:		TCP_F_* flags, see tcp.c
 * @sock_events:	epoll events we currently ask for on @sock
 * @ws_from_tap:	Window scale the guest uses for its window
 * @ws_to_tap:		Window scale we use for ours
 * @retrans:		Retransmissions since the guest last acknowledged
 * @dup_acks:		Duplicate acknowledgements in a row
 * @mss:		Largest segment we send to the guest
 * @mss_from_tap:	Largest segment the guest sends us (what we announced)
 * @seq_to_tap:		Next sequence number we send to the guest
 * @seq_max_to_tap:	Highest sequence number we ever sent, plus one
 * @seq_ack_from_tap:	Latest acknowledgement from the guest
 * @seq_from_tap:	Next sequence number we expect from the guest
 * @seq_ack_to_tap:	Latest acknowledgement we sent the guest
 * @seq_dup_ack_to_tap:	Acknowledgement we last sent duplicates of
 * @wnd_from_tap:	Guest's window, in bytes
 * @wnd_to_tap:		Window we advertised, in bytes
 * @seq_init_to_tap:	Our initial sequence number
 * @sndbuf:		Send buffer size of the socket, as last seen
 * @last:		Time of the latest activity, seconds
 */
struct tcp_tap_conn {
	struct flow_common f;
	int sock;
	uint16_t state;
	uint8_t flags;
	uint16_t sock_events;
	uint8_t ws_from_tap;
	uint8_t ws_to_tap;
	uint8_t retrans;
	uint8_t dup_acks;
	uint16_t mss;
	uint16_t mss_from_tap;
	uint32_t seq_to_tap;
	uint32_t seq_max_to_tap;
	uint32_t seq_ack_from_tap;
	uint32_t seq_from_tap;
	uint32_t seq_ack_to_tap;
	uint32_t seq_dup_ack_to_tap;
	uint32_t wnd_from_tap;
	uint32_t wnd_to_tap;
	uint32_t seq_init_to_tap;
	uint32_t sndbuf;
	time_t last;
};

/**
 * struct tcp_splice_conn - TCP connection joined socket to socket (pasta)
 * @f:		Common part
 * @s:		Socket of each side
 * @pipe:	Pipe per direction: @pipe[side] carries what @s[side] sent
 * @pending:	Bytes waiting in each pipe
 * @pipe_size:	Capacity of each pipe
 * @events:	epoll events we currently ask for, per socket
 * @state:	SPLICE_* bits, see tcp_splice.c
 */
struct tcp_splice_conn {
	struct flow_common f;
	int s[SIDES];
	int pipe[SIDES][2];
	uint32_t pending[SIDES];
	uint32_t pipe_size[SIDES];
	uint16_t events[SIDES];
	uint16_t state;
};

/**
 * union flow - One entry of the flow table
 * @f:		Common part, valid for every type
 * @ping:	FLOW_PING4, FLOW_PING6
 * @udp:	FLOW_UDP
 * @tcp:	FLOW_TCP
 * @tcp_splice:	FLOW_TCP_SPLICE
 */
union flow {
	struct flow_common f;
	struct ping_flow ping;
	struct udp_flow udp;
	struct tcp_tap_conn tcp;
	struct tcp_splice_conn tcp_splice;
};

extern union flow flowtab[FLOW_MAX];
extern const char *flow_type_str[FLOW_NUM_TYPES];
extern const char *pif_name[PIF_NUM_TYPES];

/**
 * flow_idx() - Index of a flow in the table
 * @flow:	Flow
 *
 * Return: its index
 */
static inline uint32_t flow_idx(const union flow *flow)
{
	return (uint32_t)(flow - flowtab);
}

/**
 * flow_sidx() - Flow index and side packed in 32 bits (for epoll_ref)
 * @idx:	Flow index
 * @side:	INISIDE or TGTSIDE
 *
 * Return: (idx << 1) | side
 */
static inline uint32_t flow_sidx(uint32_t idx, unsigned int side)
{
	return (idx << 1) | (side & 1);
}

/**
 * flow_at_sidx() - Flow referred to by a packed index and side
 * @sidx:	Packed value from flow_sidx()
 *
 * Return: the flow, or NULL if the index is out of range
 */
static inline union flow *flow_at_sidx(uint32_t sidx)
{
	if ((sidx >> 1) >= FLOW_MAX)
		return NULL;
	return &flowtab[sidx >> 1];
}

void flow_init(void);
union flow *flow_alloc(const struct timespec *now);
void flow_free(union flow *flow);
void flow_resource_warn(int err, const struct timespec *now);
unsigned int flow_count(void);
unsigned int flow_count_type(uint8_t type);
void flow_hash_insert(union flow *flow, unsigned int side);
void flow_hash_remove(union flow *flow, unsigned int side);
union flow *flow_lookup(uint8_t pif, uint8_t proto,
			const union inany_addr *eaddr,
			const union inany_addr *oaddr,
			uint16_t eport, uint16_t oport, unsigned int *side);
void flow_log(int pri, const union flow *flow, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void flow_timer_set(union flow *flow, int64_t when_ms);
void flow_timer_cancel(union flow *flow);
int64_t flow_now_ms(const struct timespec *now);
void flow_timer_init(struct ctx *c);
void flow_timer_handler(struct ctx *c, const struct timespec *now);

#endif /* FLOW_H */
