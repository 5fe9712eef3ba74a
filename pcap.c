// SPDX-License-Identifier: GPL-2.0-or-later
/* pcap.c - Capture of tap-side frames to a file (--pcap)
 *
 * Classic libpcap format, microsecond timestamps, link type Ethernet. Every
 * record goes out with one writev(): record header, then the frame's pieces.
 * Capture is a debugging aid: a write error is reported once and ends the
 * capture (a partial record would corrupt the rest of the file), it never
 * stops us.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/uio.h>

#include "pcap.h"
#include "log.h"
#include "util.h"

#define PCAP_MAGIC		0xa1b2c3d4	/* microsecond timestamps */
#define PCAP_VERSION_MAJOR	2
#define PCAP_VERSION_MINOR	4
#define PCAP_LINKTYPE_ETHERNET	1
#define PCAP_SNAPLEN		262144		/* libpcap's maximum */
#define PCAP_IOV_MAX		128		/* frame pieces, with header */

/**
 * struct pcap_file_hdr - Global header of a capture file
 * @magic:		PCAP_MAGIC, in host order (readers detect it)
 * @major:		Format version, major
 * @minor:		Format version, minor
 * @thiszone:		Timezone offset, always 0
 * @sigfigs:		Timestamp accuracy, always 0
 * @snaplen:		Largest record we write
 * @linktype:		PCAP_LINKTYPE_ETHERNET
 */
struct pcap_file_hdr {
	uint32_t magic;
	uint16_t major;
	uint16_t minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

/**
 * struct pcap_rec_hdr - Header of one captured frame
 * @tv_sec:	Timestamp, seconds
 * @tv_usec:	Timestamp, microseconds
 * @caplen:	Bytes of the frame in the file
 * @len:	Length of the frame
 */
struct pcap_rec_hdr {
	uint32_t tv_sec;
	uint32_t tv_usec;
	uint32_t caplen;
	uint32_t len;
};

static int pcap_fd = -1;

/**
 * pcap_fail() - Report a write error, once, and stop capturing
 */
static void pcap_fail(void)
{
	warn_perror("Can't write to capture file, capture stopped");
	close(pcap_fd);
	pcap_fd = -1;
}

/**
 * pcap_init() - Create the capture file and write its global header
 * @path:	Path of the file, created or truncated, mode 0600
 *
 * Return: 0 on success, -1 on failure (reported here: capture is off)
 */
int pcap_init(const char *path)
{
	struct pcap_file_hdr h = {
		.magic = PCAP_MAGIC,
		.major = PCAP_VERSION_MAJOR, .minor = PCAP_VERSION_MINOR,
		.snaplen = PCAP_SNAPLEN, .linktype = PCAP_LINKTYPE_ETHERNET,
	};

	if (pcap_fd >= 0)
		close(pcap_fd);

	pcap_fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
	if (pcap_fd < 0) {
		warn_perror("Can't open capture file %s", path);
		return -1;
	}

	if (write_all(pcap_fd, &h, sizeof(h))) {
		pcap_fail();
		return -1;
	}

	info("Saving packet capture to %s", path);
	return 0;
}

/**
 * pcap_writev_all() - writev() an array completely, resuming after partial
 *		       writes
 * @iov:	Array, modified
 * @n:		Number of entries
 *
 * Return: 0 on success, -1 on failure
 */
static int pcap_writev_all(struct iovec *iov, int n)
{
	/* #syscalls writev */
	while (n) {
		ssize_t w = writev(pcap_fd, iov, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;

		while (n && (size_t)w >= iov->iov_len) {
			w -= iov->iov_len;
			iov++;
			n--;
		}
		if (n) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= w;
		}
	}

	return 0;
}

/**
 * pcap_record() - Write one frame, given as pieces, with its record header
 * @iov:	Pieces of the frame
 * @n:		Number of pieces
 * @offset:	Bytes to skip at the start of the pieces (e.g. the length
 *		header in passt mode)
 * @now:	Timestamp (CLOCK_REALTIME)
 */
static void pcap_record(const struct iovec *iov, size_t n, size_t offset,
			const struct timespec *now)
{
	struct iovec out[PCAP_IOV_MAX];
	struct pcap_rec_hdr h;
	size_t len = 0, cap = 0, i, j;
	int nout = 1;

	for (i = 0; i < n && offset >= iov[i].iov_len; i++)
		offset -= iov[i].iov_len;
	if (i == n)
		return;		/* nothing left after @offset */

	for (j = i; j < n; j++)
		len += iov[j].iov_len;
	len -= offset;

	for (; i < n && cap < PCAP_SNAPLEN && nout < PCAP_IOV_MAX; i++) {
		size_t take = MIN(iov[i].iov_len - offset, PCAP_SNAPLEN - cap);

		out[nout].iov_base = (char *)iov[i].iov_base + offset;
		out[nout++].iov_len = take;
		cap += take;
		offset = 0;
	}

	h.tv_sec = (uint32_t)now->tv_sec;
	h.tv_usec = (uint32_t)(now->tv_nsec / 1000);
	h.caplen = (uint32_t)cap;
	h.len = (uint32_t)len;
	out[0].iov_base = &h;
	out[0].iov_len = sizeof(h);

	if (pcap_writev_all(out, nout))
		pcap_fail();
}

/**
 * pcap_frame() - Capture one frame from a buffer
 * @frame:	Ethernet frame
 * @len:	Length of @frame
 */
void pcap_frame(const void *frame, size_t len)
{
	struct iovec iov = { .iov_base = (void *)frame, .iov_len = len };

	pcap_iov(&iov, 1, 0);
}

/**
 * pcap_iov() - Capture one frame made of several buffers
 * @iov:	Pieces of the frame
 * @n:		Number of pieces
 * @offset:	Bytes to skip at the start (e.g. a 4-byte length header)
 */
void pcap_iov(const struct iovec *iov, size_t n, size_t offset)
{
	struct timespec now;

	if (pcap_fd < 0)
		return;

	clock_gettime(CLOCK_REALTIME, &now);
	pcap_record(iov, n, offset, &now);
}

/**
 * pcap_multiple() - Capture several frames, each made of several buffers
 * @iov:	Pieces: @frame_parts consecutive entries per frame
 * @frame_parts: Number of pieces per frame
 * @nframes:	Number of frames
 * @offset:	Bytes to skip at the start of each frame
 */
void pcap_multiple(const struct iovec *iov, size_t frame_parts,
		   unsigned int nframes, size_t offset)
{
	struct timespec now;
	unsigned int i;

	if (pcap_fd < 0)
		return;

	clock_gettime(CLOCK_REALTIME, &now);
	for (i = 0; i < nframes && pcap_fd >= 0; i++)
		pcap_record(iov + i * frame_parts, frame_parts, offset, &now);
}
