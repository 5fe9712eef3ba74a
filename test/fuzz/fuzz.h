/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz.h - Helpers shared by the libFuzzer targets */
#ifndef FUZZ_H
#define FUZZ_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

struct ctx;

/* libFuzzer's entry points */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void fuzz_isolation_check(const char *target);
void fuzz_private_netns(void);
void fuzz_lo_up(void);
int fuzz_sysctl(const char *path, const char *val);
int fuzz_fd_count(void);
void fuzz_fd_dump(void);
void fuzz_log_init(const char *name);
void fuzz_fail(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
void fuzz_ctx_services(struct ctx *c, uint8_t flags);

/* exit() interposition: while fuzz_exit_jmp is set, exit() jumps there
 * (with the status + 1, so that setjmp() returns non-zero) instead
 */
extern jmp_buf *fuzz_exit_jmp;

#endif /* FUZZ_H */
