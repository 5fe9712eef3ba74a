/* SPDX-License-Identifier: GPL-2.0-or-later */
/* arp.h - Answers to the guest's ARP requests */
#ifndef ARP_H
#define ARP_H

struct ctx;
struct pkt;

int arp(const struct ctx *c, const struct pkt *eth);

#endif /* ARP_H */
