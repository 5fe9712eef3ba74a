/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util.h - Small helpers shared by every module */
#ifndef UTIL_H
#define UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#ifndef MIN
#define MIN(x, y)		(((x) < (y)) ? (x) : (y))
#endif
#ifndef MAX
#define MAX(x, y)		(((x) > (y)) ? (x) : (y))
#endif
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define ROUND_UP(x, y)		(((x) + (y) - 1) & ~((y) - 1))
#define ROUND_DOWN(x, y)	((x) & ~((y) - 1))

#define BITMAP_BIT(n)		(1UL << ((n) % (sizeof(long) * 8)))
#define BITMAP_WORD(n)		((n) / (sizeof(long) * 8))

#define STRINGIFY(x)		#x
#define STR(x)			STRINGIFY(x)

#define NS_PER_SEC		1000000000LL
#define MS_PER_SEC		1000LL

#ifndef ETH_MAX_MTU
#define ETH_MAX_MTU		65535
#endif
#define IP_MAX_MTU		65535
#define MTU_DEFAULT		65520
#define MAC_ADDR_LEN		6

/* Largest frame we ever exchange with the guest: MTU plus Ethernet header */
#define FRAME_MAX		(ETH_MAX_MTU + 14)

#define PORT_EPHEMERAL_MIN	((1 << 15) + (1 << 14))	/* RFC 6335 */

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS	SECCOMP_RET_KILL
#endif

/**
 * bitmap_set() - Set a bit in a bitmap
 * @map:	Bitmap
 * @bit:	Bit number
 */
static inline void bitmap_set(unsigned long *map, unsigned bit)
{
	map[BITMAP_WORD(bit)] |= BITMAP_BIT(bit);
}

/**
 * bitmap_clear() - Clear a bit in a bitmap
 * @map:	Bitmap
 * @bit:	Bit number
 */
static inline void bitmap_clear(unsigned long *map, unsigned bit)
{
	map[BITMAP_WORD(bit)] &= ~BITMAP_BIT(bit);
}

/**
 * bitmap_isset() - Check a bit in a bitmap
 * @map:	Bitmap
 * @bit:	Bit number
 *
 * Return: true if the bit is set
 */
static inline bool bitmap_isset(const unsigned long *map, unsigned bit)
{
	return !!(map[BITMAP_WORD(bit)] & BITMAP_BIT(bit));
}

/**
 * timespec_diff_ms() - Milliseconds elapsed from @b to @a
 * @a:		Later time
 * @b:		Earlier time
 *
 * Return: difference in milliseconds (negative if @a is before @b)
 */
static inline long long timespec_diff_ms(const struct timespec *a,
					 const struct timespec *b)
{
	return (a->tv_sec - b->tv_sec) * MS_PER_SEC +
	       (a->tv_nsec - b->tv_nsec) / 1000000;
}

/**
 * mac_is_zero() - Is a MAC address all zeroes?
 * @mac:	MAC address
 *
 * Return: true if all six bytes are zero
 */
static inline bool mac_is_zero(const unsigned char *mac)
{
	static const unsigned char zero[MAC_ADDR_LEN];

	return !memcmp(mac, zero, MAC_ADDR_LEN);
}

int fd_set_nonblock(int fd);
int write_all(int fd, const void *buf, size_t len);
int read_file_str(const char *path, char *buf, size_t size);
int write_file_str(const char *path, const char *s);
void raise_nofile_limit(void);
int pidfile_open(const char *path);
void pidfile_write(int fd, pid_t pid);
long parse_long(const char *s, long min, long max, bool *ok);
const char *mac_ntop(const unsigned char *mac, char *buf, size_t size);
int mac_pton(const char *s, unsigned char *mac);
void close_open_files(int argc, char **argv);
int fd_is_valid(int fd);
int sock_l4_open(int af, int type, int proto, const char *ifname);
const char *path_base(const char *path);
int path_dir_open(const char *path);
void path_unlink(int dirfd, const char *path);

#define MAC_STRLEN	(sizeof("00:00:00:00:00:00"))

#endif /* UTIL_H */
