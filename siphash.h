/* SPDX-License-Identifier: GPL-2.0-or-later */
/* siphash.h - SipHash-2-4, for flow hashing and TCP initial sequences */
#ifndef SIPHASH_H
#define SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/**
 * struct siphash_state - Incremental SipHash-2-4 state
 * @v:		Internal state words
 * @tail:	Bytes not yet compressed (fewer than 8)
 * @tail_len:	Number of bytes in @tail
 * @total:	Total bytes fed so far
 */
struct siphash_state {
	uint64_t v[4];
	uint64_t tail;
	unsigned int tail_len;
	uint64_t total;
};

void siphash_init(struct siphash_state *s, const uint8_t key[16]);
void siphash_feed(struct siphash_state *s, const void *data, size_t len);
uint64_t siphash_final(struct siphash_state *s);
uint64_t siphash(const void *data, size_t len, const uint8_t key[16]);

#endif /* SIPHASH_H */
