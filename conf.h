/* SPDX-License-Identifier: GPL-2.0-or-later */
/* conf.h - Command line parsing and configuration defaults */
#ifndef CONF_H
#define CONF_H

#include <stdio.h>

struct ctx;

void conf(struct ctx *c, int argc, char **argv);
void conf_parse(struct ctx *c, int argc, char **argv);
void usage(const char *name, FILE *f, int status)
	__attribute__((noreturn));

#endif /* CONF_H */
