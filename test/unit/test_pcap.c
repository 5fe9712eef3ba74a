// SPDX-License-Identifier: GPL-2.0-or-later
/* test_pcap.c - Capture file format: global header, records, offsets */

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "pcap.h"
#include "log.h"
#include "test/unit/unit.h"

static char tmpdir[] = "/tmp/test_pcap.XXXXXX";
static uint8_t file[1 << 20];
static size_t file_len, file_pos;

/**
 * get32() - Next 32-bit host-order field of the capture file
 *
 * Return: value, 0 past the end
 */
static uint32_t get32(void)
{
	uint32_t v = 0;

	if (file_pos + 4 <= file_len)
		memcpy(&v, file + file_pos, 4);
	file_pos += 4;
	return v;
}

/**
 * check_record() - Check the next record in the file
 * @data:	Expected frame bytes
 * @len:	Expected frame length
 * @t0:		Time before capture, seconds
 */
static void check_record(const uint8_t *data, size_t len, time_t t0)
{
	uint32_t sec = get32(), usec = get32(), caplen = get32();
	uint32_t origlen = get32();

	CHECK(sec >= t0 && sec <= t0 + 5);
	CHECK(usec < 1000000);
	CHECK_EQ(caplen, len);
	CHECK_EQ(origlen, len);
	CHECK(file_pos + len <= file_len &&
	      !memcmp(file + file_pos, data, len));
	file_pos += len;
}

int main(void)
{
	uint8_t frame[1500], lenhdr[4] = { 0, 0, 0x05, 0xdc };
	char path[PATH_MAX];
	struct iovec iov[6];
	struct stat st;
	time_t t0 = time(NULL);
	size_t i;
	int fd;

	log_init("test_pcap", true, LOG_ERR, false);
	if (!mkdtemp(tmpdir))
		return 1;
	snprintf(path, sizeof(path), "%s/cap.pcap", tmpdir);

	for (i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 13);

	/* Not initialised: no-op, no crash */
	pcap_frame(frame, 60);

	CHECK_EQ(pcap_init(path), 0);

	/* 1: plain frame */
	pcap_frame(frame, 60);

	/* 2: iovec with a 4-byte length header to skip, odd pieces */
	iov[0].iov_base = lenhdr;
	iov[0].iov_len = 4;
	iov[1].iov_base = frame;
	iov[1].iov_len = 13;
	iov[2].iov_base = frame + 13;
	iov[2].iov_len = 1500 - 13;
	pcap_iov(iov, 3, 4);

	/* 3, 4: two frames of two parts each, offset into the first part */
	memcpy(file, lenhdr, 4);
	memcpy(file + 4, frame, 20);
	iov[0].iov_base = file;		/* header + 20 bytes */
	iov[0].iov_len = 24;
	iov[1].iov_base = frame + 20;
	iov[1].iov_len = 80;
	iov[2].iov_base = file;
	iov[2].iov_len = 24;
	iov[3].iov_base = frame + 20;
	iov[3].iov_len = 0;
	pcap_multiple(iov, 2, 2, 4);

	/* 5: offset spanning a whole entry */
	iov[0].iov_base = lenhdr;
	iov[0].iov_len = 2;
	iov[1].iov_base = lenhdr + 2;
	iov[1].iov_len = 2;
	iov[2].iov_base = frame;
	iov[2].iov_len = 42;
	pcap_iov(iov, 3, 4);

	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	CHECK(!fstat(fd, &st) && (st.st_mode & 0777) == 0600);
	file_len = (size_t)read(fd, file, sizeof(file));
	close(fd);

	/* Global header */
	CHECK_EQ(get32(), 0xa1b2c3d4);
	CHECK_EQ(get32(), 2 | (4 << 16));	/* 2.4, two 16-bit fields */
	CHECK_EQ(get32(), 0);
	CHECK_EQ(get32(), 0);
	CHECK(get32() >= 65535 + 14);
	CHECK_EQ(get32(), 1);			/* Ethernet */

	check_record(frame, 60, t0);
	check_record(frame, 1500, t0);
	check_record(frame, 100, t0);
	check_record(frame, 20, t0);
	check_record(frame, 42, t0);
	CHECK_EQ(file_pos, file_len);

	/* A path that can't be created: reported, not fatal */
	snprintf(path, sizeof(path), "%s/none/cap.pcap", tmpdir);
	CHECK_EQ(pcap_init(path), -1);
	pcap_frame(frame, 60);

	snprintf(path, sizeof(path), "%s/cap.pcap", tmpdir);
	unlink(path);
	rmdir(tmpdir);

	return unit_done("test_pcap");
}
