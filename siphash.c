// SPDX-License-Identifier: GPL-2.0-or-later
/* siphash.c - SipHash-2-4 (Aumasson and Bernstein, 2012), 64-bit output
 *
 * Two compression rounds per 8-byte message word, four finalisation rounds.
 * Message words and the key are read as little-endian, on any host.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "siphash.h"

#define SIPHASH_C_ROUNDS	2
#define SIPHASH_D_ROUNDS	4

/**
 * rotl64() - Rotate a 64-bit word left
 * @x:		Word
 * @b:		Bits, 1 to 63
 *
 * Return: rotated word
 */
static inline uint64_t rotl64(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

/**
 * le64_load() - Load a little-endian 64-bit word from any alignment
 * @p:		Eight bytes
 *
 * Return: the word, in host order
 */
static inline uint64_t le64_load(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/**
 * sipround() - One SipRound on the state words
 * @v:		State words v0..v3
 */
static inline void sipround(uint64_t *v)
{
	v[0] += v[1];
	v[1] = rotl64(v[1], 13);
	v[1] ^= v[0];
	v[0] = rotl64(v[0], 32);
	v[2] += v[3];
	v[3] = rotl64(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = rotl64(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = rotl64(v[1], 17);
	v[1] ^= v[2];
	v[2] = rotl64(v[2], 32);
}

/**
 * sip_compress() - Absorb one message word
 * @v:		State words
 * @m:		Message word
 */
static inline void sip_compress(uint64_t *v, uint64_t m)
{
	int i;

	v[3] ^= m;
	for (i = 0; i < SIPHASH_C_ROUNDS; i++)
		sipround(v);
	v[0] ^= m;
}

/**
 * siphash_init() - Start an incremental hash
 * @s:		State to initialise
 * @key:	128-bit key
 */
void siphash_init(struct siphash_state *s, const uint8_t key[16])
{
	uint64_t k0 = le64_load(key), k1 = le64_load(key + 8);

	s->v[0] = k0 ^ 0x736f6d6570736575ULL;	/* "somepseu" */
	s->v[1] = k1 ^ 0x646f72616e646f6dULL;	/* "dorandom" */
	s->v[2] = k0 ^ 0x6c7967656e657261ULL;	/* "lygenera" */
	s->v[3] = k1 ^ 0x7465646279746573ULL;	/* "tedbytes" */
	s->tail = 0;
	s->tail_len = 0;
	s->total = 0;
}

/**
 * siphash_feed() - Add data to an incremental hash
 * @s:		State
 * @data:	Data, any alignment
 * @len:	Length in bytes, may be zero
 *
 * Data may be split across calls at any byte: the result only depends on the
 * concatenation.
 */
void siphash_feed(struct siphash_state *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->total += len;

	while (len && s->tail_len) {
		s->tail |= (uint64_t)*p++ << (8 * s->tail_len);
		len--;
		if (++s->tail_len == 8) {
			sip_compress(s->v, s->tail);
			s->tail = 0;
			s->tail_len = 0;
		}
	}

	for (; len >= 8; len -= 8, p += 8)
		sip_compress(s->v, le64_load(p));

	for (; len; len--)
		s->tail |= (uint64_t)*p++ << (8 * s->tail_len++);
}

/**
 * siphash_final() - Finish an incremental hash
 * @s:		State, not to be fed again without siphash_init()
 *
 * Return: 64-bit hash value
 */
uint64_t siphash_final(struct siphash_state *s)
{
	uint64_t *v = s->v;
	int i;

	sip_compress(v, s->tail | (s->total << 56));

	v[2] ^= 0xff;
	for (i = 0; i < SIPHASH_D_ROUNDS; i++)
		sipround(v);

	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/**
 * siphash() - Hash a buffer in one go
 * @data:	Data, any alignment
 * @len:	Length in bytes
 * @key:	128-bit key
 *
 * Return: 64-bit hash value
 */
uint64_t siphash(const void *data, size_t len, const uint8_t key[16])
{
	struct siphash_state s;

	siphash_init(&s, key);
	siphash_feed(&s, data, len);
	return siphash_final(&s);
}
