/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ipfrag.h - IPv4 and IPv6 fragments: reassembly from the guest,
 *	      fragmentation towards it
 */
#ifndef IPFRAG_H
#define IPFRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <sys/uio.h>

#include "packet.h"

struct ctx;

#define IPFRAG_SLOTS		32	/* datagrams reassembled at once */
#define IPFRAG_TIMEOUT		30	/* seconds from the first fragment */

/**
 * struct ipfrag_stats - Fragment counters
 * @frags:	Fragments received from the guest
 * @done:	Datagrams reassembled
 * @bad:	Fragments dropped: malformed, or a non-last one not a multiple
 *		of 8 bytes long
 * @too_big:	Datagrams dropped: longer than 65535 bytes
 * @overlap:	Datagrams dropped: overlapping or inconsistent fragments
 * @dup:	Fragments dropped: exact duplicates of one already received
 * @timeout:	Datagrams dropped: incomplete after IPFRAG_TIMEOUT
 * @full:	Fragments dropped: no free reassembly slot
 * @out:	Fragments sent to the guest
 */
struct ipfrag_stats {
	unsigned long frags;
	unsigned long done;
	unsigned long bad;
	unsigned long too_big;
	unsigned long overlap;
	unsigned long dup;
	unsigned long timeout;
	unsigned long full;
	unsigned long out;
};

extern struct ipfrag_stats ipfrag_stats;

int ipfrag4(const struct pkt *eth, const struct pkt *l3,
	    const struct timespec *now, struct pkt *whole);
int ipfrag6(const struct pkt *eth, const struct pkt *l3, size_t fh_off,
	    const struct timespec *now, struct pkt *whole);
void ipfrag_release(int slot);
void ipfrag_timer(const struct timespec *now);
unsigned int ipfrag_busy(void);
void ipfrag_stats_log(void);
size_t ipfrag_send(const struct ctx *c, const void *hdr, bool v6,
		   const struct iovec *l4, size_t cnt, size_t mtu);

#endif /* IPFRAG_H */
