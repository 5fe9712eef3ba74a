/* SPDX-License-Identifier: GPL-2.0-or-later */
/* packet.h - Bounds-checked access to frames received from the guest */
#ifndef PACKET_H
#define PACKET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/**
 * struct pkt - A frame (or a part of one) received from the guest
 * @data:	First byte
 * @len:	Length in bytes
 *
 * Every access to guest bytes goes through pkt_get(), which checks the
 * requested range against @len before returning a pointer.
 */
struct pkt {
	const uint8_t *data;
	size_t len;
};

extern unsigned long pkt_bad_access;

/**
 * pkt_get() - Pointer to @len bytes at @off in a frame, if all are there
 * @p:		Frame
 * @off:	Offset of the first byte
 * @len:	Number of bytes needed
 *
 * Return: pointer to the bytes, or NULL if the range is not within @p
 */
static inline const void *pkt_get(const struct pkt *p, size_t off, size_t len)
{
	if (off > p->len || len > p->len - off) {
		pkt_bad_access++;
		return NULL;
	}
	return p->data + off;
}

/**
 * pkt_sub() - The part of a frame from @off to its end
 * @p:		Frame
 * @off:	Offset where the part starts
 * @out:	The part, on success
 *
 * Return: 0 on success, -1 if @off is beyond the end of @p
 */
static inline int pkt_sub(const struct pkt *p, size_t off, struct pkt *out)
{
	if (off > p->len) {
		pkt_bad_access++;
		return -1;
	}
	out->data = p->data + off;
	out->len = p->len - off;
	return 0;
}

/**
 * pkt_trim() - Limit a frame to its first @len bytes
 * @p:		Frame, updated
 * @len:	New length, must not exceed the current one
 *
 * Return: 0 on success, -1 if @len is larger than the frame
 */
static inline int pkt_trim(struct pkt *p, size_t len)
{
	if (len > p->len) {
		pkt_bad_access++;
		return -1;
	}
	p->len = len;
	return 0;
}

#endif /* PACKET_H */
