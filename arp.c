// SPDX-License-Identifier: GPL-2.0-or-later
/* arp.c - Answers to the guest's ARP requests
 *
 * Theory of operation
 * ===================
 *
 * Everything the guest sends goes through us, whatever the next hop, so we
 * answer every ARP request with our own MAC address: for the gateway, for
 * any address of the guest's subnet (those are remote hosts too, reached
 * through us), and for the addresses mapped to the host.  Two kinds of
 * requests get no answer: those for the guest's own address (duplicate
 * address detection, RFC 5227 probes, or the guest asking for itself), and
 * announcements, where sender and target address are the same.
 */

#include <string.h>
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <netinet/in.h>

#include "passt.h"
#include "arp.h"
#include "log.h"
#include "packet.h"
#include "tap.h"

/**
 * struct arp_body - ARP payload for Ethernet and IPv4
 * @sha:	Sender hardware address
 * @sip:	Sender protocol address
 * @tha:	Target hardware address
 * @tip:	Target protocol address
 */
struct arp_body {
	uint8_t sha[ETH_ALEN];
	uint8_t sip[4];
	uint8_t tha[ETH_ALEN];
	uint8_t tip[4];
} __attribute__((packed));

/**
 * struct arp_frame - A whole ARP frame
 * @eh:		Ethernet header
 * @ah:		ARP header
 * @body:	Addresses
 */
struct arp_frame {
	struct ether_header eh;
	struct arphdr ah;
	struct arp_body body;
} __attribute__((packed));

/**
 * arp_is_guest_addr() - Is this address the guest's own?
 * @c:		Execution context
 * @ip:		IPv4 address, network order bytes
 *
 * Return: true if it is the assigned address or the one the guest uses
 */
static bool arp_is_guest_addr(const struct ctx *c, const uint8_t *ip)
{
	return !memcmp(ip, &c->ip4.addr, 4) ||
	       (c->ip4.addr_seen.s_addr && !memcmp(ip, &c->ip4.addr_seen, 4));
}

/**
 * arp() - Answer an ARP request from the guest
 * @c:		Execution context
 * @eth:	Frame, from the Ethernet header
 *
 * Return: 1 if the frame was ARP for Ethernet and IPv4 (answered or
 *	   deliberately ignored), 0 if malformed
 */
int arp(const struct ctx *c, const struct pkt *eth)
{
	const struct arp_frame *req = pkt_get(eth, 0, sizeof(*req));
	struct arp_frame rep;

	if (!req || ntohs(req->ah.ar_hrd) != ARPHRD_ETHER ||
	    ntohs(req->ah.ar_pro) != ETHERTYPE_IP ||
	    req->ah.ar_hln != ETH_ALEN || req->ah.ar_pln != 4)
		return 0;

	if (ntohs(req->ah.ar_op) != ARPOP_REQUEST)
		return 1;
	if (!memcmp(req->body.sip, req->body.tip, 4) ||
	    arp_is_guest_addr(c, req->body.tip))
		return 1;

	memcpy(rep.eh.ether_dhost, req->eh.ether_shost, ETH_ALEN);
	memcpy(rep.eh.ether_shost, c->our_tap_mac, ETH_ALEN);
	rep.eh.ether_type = htons(ETHERTYPE_ARP);

	rep.ah = req->ah;
	rep.ah.ar_op = htons(ARPOP_REPLY);

	memcpy(rep.body.sha, c->our_tap_mac, ETH_ALEN);
	memcpy(rep.body.sip, req->body.tip, 4);
	memcpy(rep.body.tha, req->body.sha, ETH_ALEN);
	memcpy(rep.body.tip, req->body.sip, 4);

	tap_send_single(c, &rep, sizeof(rep));
	return 1;
}
