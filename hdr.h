/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hdr.h - Protocol headers as they lie in frames: at any byte offset
 *
 * Frames are read and written in place.  Behind the 14-byte Ethernet header,
 * IP and transport headers sit two bytes off their natural alignment, and in
 * passt's stream a frame starts wherever the one before it ended, odd
 * offsets included.  Dereferencing a struct iphdr * that isn't 4-byte
 * aligned is undefined behaviour, and a fault on strict-alignment CPUs.
 *
 * The types here are the system's headers with an alignment of one byte:
 * the compiler then accesses their fields with loads and stores that work
 * at any address (on x86-64 and arm64 the very same instructions).  Use them
 * for every header read or written in place in a frame buffer; naturally
 * aligned copies (a struct on the stack, padded static templates) keep the
 * plain types.  Taking the address of a field gives a pointer with its
 * field's natural alignment again: copy such fields (addresses) out with
 * memcpy() or a struct assignment through the header instead.
 */
#ifndef HDR_H
#define HDR_H

#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>

typedef struct iphdr __attribute__((aligned(1))) iphdr_u;
typedef struct ip6_hdr __attribute__((aligned(1))) ip6_hdr_u;
typedef struct ip6_frag __attribute__((aligned(1))) ip6_frag_u;
typedef struct tcphdr __attribute__((aligned(1))) tcphdr_u;
typedef struct udphdr __attribute__((aligned(1))) udphdr_u;
typedef struct icmphdr __attribute__((aligned(1))) icmphdr_u;
typedef struct icmp6_hdr __attribute__((aligned(1))) icmp6_hdr_u;

_Static_assert(_Alignof(iphdr_u) == 1 && _Alignof(ip6_hdr_u) == 1 &&
	       _Alignof(ip6_frag_u) == 1 && _Alignof(tcphdr_u) == 1 &&
	       _Alignof(udphdr_u) == 1 && _Alignof(icmphdr_u) == 1 &&
	       _Alignof(icmp6_hdr_u) == 1,
	       "Header types must have an alignment of one byte");

#endif /* HDR_H */
