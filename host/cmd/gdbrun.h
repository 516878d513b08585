/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gdb-multiarch on the board through the relay (see relay.h): shared by
 * `nmidbg gdb` and `nmidbg triage`.
 */
#ifndef NMIDBG_GDBRUN_H
#define NMIDBG_GDBRUN_H

#include "cmd_common.h"

#define GDB_RUN_MAX_SCRIPTS	16
#define GDB_RUN_MAX_EXTRA	64

struct gdb_run {
	const char *vmlinux;	/* its vmlinux-gdb.py is allowed to load */
	long long kaslr_offset;	/* bytes the kernel runs above its link
				 * address (vmcheck): symbols are loaded there */
	const char *scripts[GDB_RUN_MAX_SCRIPTS];	/* -x, in order */
	int nscripts;
	int batch;
	char **extra;		/* more gdb arguments */
	int nextra;
	int out_fd;		/* gdb's stdout, or -1: ours */
};

/*
 * From kdb: run gdb until it exits (its wait status in *status), then
 * leave the board in kdb (c->stay) or running; *state says which.
 * CMD_ENOTRUN (after saying why) if gdb never started.
 */
int gdb_run(struct session *s, const struct cmd_opts *c, const struct gdb_run *g,
	    int *status, const char **state);

#endif
