/* SPDX-License-Identifier: GPL-2.0-or-later */
/* conf.h - Command line parsing and configuration defaults */
#ifndef CONF_H
#define CONF_H

#include <stdio.h>

struct ctx;

void conf(struct ctx *c, int argc, char **argv);
void usage(const char *name, FILE *f, int status);

#endif /* CONF_H */
