/* SPDX-License-Identifier: GPL-2.0-or-later */
/* unit.h - Minimal unit test helpers: checks, counts, a summary line */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_passed;
static int unit_failed;

/* CHECK() - Count one check; print the location and text when it fails */
#define CHECK(cond)							\
	do {								\
		if (cond) {						\
			unit_passed++;					\
		} else {						\
			unit_failed++;					\
			fprintf(stderr, "%s:%d: check failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
		}							\
	} while (0)

/* CHECK_EQ() - Integer equality, printing both values on failure */
#define CHECK_EQ(a, b)							\
	do {								\
		long long a_ = (long long)(a), b_ = (long long)(b);	\
		if (a_ == b_) {						\
			unit_passed++;					\
		} else {						\
			unit_failed++;					\
			fprintf(stderr, "%s:%d: %s == %s: %lld != %lld\n", \
				__FILE__, __LINE__, #a, #b, a_, b_);	\
		}							\
	} while (0)

/**
 * unit_done() - Print the summary line and give the exit status
 * @name:	Name of the test program
 *
 * Return: 0 if no check failed, 1 otherwise
 */
static inline int unit_done(const char *name)
{
	printf("%s: %d checks passed, %d failed\n", name, unit_passed,
	       unit_failed);
	return unit_failed ? 1 : 0;
}

#endif /* UNIT_H */
