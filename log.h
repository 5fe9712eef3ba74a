/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.h - Logging to stderr, syslog or a file, with levels and rate limits */
#ifndef LOG_H
#define LOG_H

#include <stdbool.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>

#define LOG_RATELIMIT_SEC	5	/* one message per call site per interval */

extern int log_level;		/* LOG_ERR .. LOG_DEBUG */
extern bool log_trace;		/* --trace: extra debug output */

void log_init(const char *name, bool to_stderr, int level, bool trace);
int log_file_open(const char *path, size_t size);
void log_to_syslog(void);
void log_stderr_off(void);
void logmsg(int pri, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void logmsg_perror(int pri, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define err(...)		logmsg(LOG_ERR, __VA_ARGS__)
#define warn(...)		logmsg(LOG_WARNING, __VA_ARGS__)
#define info(...)		logmsg(LOG_INFO, __VA_ARGS__)
#define debug(...)		logmsg(LOG_DEBUG, __VA_ARGS__)
#define err_perror(...)		logmsg_perror(LOG_ERR, __VA_ARGS__)
#define warn_perror(...)	logmsg_perror(LOG_WARNING, __VA_ARGS__)
#define debug_perror(...)	logmsg_perror(LOG_DEBUG, __VA_ARGS__)

#define trace(...)							\
	do {								\
		if (log_trace)						\
			logmsg(LOG_DEBUG, __VA_ARGS__);			\
	} while (0)

#define die(...)							\
	do {								\
		logmsg(LOG_ERR, __VA_ARGS__);				\
		exit(EXIT_FAILURE);					\
	} while (0)

#define die_perror(...)							\
	do {								\
		logmsg_perror(LOG_ERR, __VA_ARGS__);			\
		exit(EXIT_FAILURE);					\
	} while (0)

/**
 * struct log_ratelimit - State for one rate-limited message
 * @last:	When the message was last printed (seconds, monotonic)
 * @missed:	Occurrences not printed since then
 */
struct log_ratelimit {
	time_t last;
	unsigned long missed;
};

bool log_ratelimit_ok(struct log_ratelimit *rl, const struct timespec *now);

/* Log at most once per LOG_RATELIMIT_SEC per call site */
#define logmsg_ratelimit(pri, now, ...)					\
	do {								\
		static struct log_ratelimit rl_;			\
		if (log_ratelimit_ok(&rl_, (now)))			\
			logmsg((pri), __VA_ARGS__);			\
	} while (0)

#define warn_ratelimit(now, ...) logmsg_ratelimit(LOG_WARNING, now, __VA_ARGS__)
#define debug_ratelimit(now, ...) logmsg_ratelimit(LOG_DEBUG, now, __VA_ARGS__)

#endif /* LOG_H */
