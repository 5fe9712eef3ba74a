/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcap.h - Capture of tap-side frames to a file (--pcap) */
#ifndef PCAP_H
#define PCAP_H

#include <stddef.h>
#include <sys/uio.h>

int pcap_init(const char *path);
void pcap_frame(const void *frame, size_t len);
void pcap_iov(const struct iovec *iov, size_t n, size_t offset);
void pcap_multiple(const struct iovec *iov, size_t frame_parts,
		   unsigned int nframes, size_t offset);

#endif /* PCAP_H */
