/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gdb-multiarch on the board through the relay (see relay.h): shared by
 * `nmidbg gdb` and `nmidbg triage`.
 */
#ifndef NMIDBG_GDBRUN_H
#define NMIDBG_GDBRUN_H

#include <sys/types.h>

#include "cmd_common.h"

#define GDB_RUN_MAX_SCRIPTS	16
#define GDB_RUN_MAX_EXTRA	64	/* the user's, after `--` */
#define GDB_RUN_MAX_PRE		4

struct gdb_run {
	const char *vmlinux;	/* its vmlinux-gdb.py is allowed to load; or NULL */
	long long kaslr_offset;	/* bytes the kernel runs above its link
				 * address (vmcheck): symbols are loaded there */
	int kaslr_auto;		/* or, once gdb is on the target, where
				 * gdbscripts/kaslr.py finds the offset */
	const char *scripts[GDB_RUN_MAX_SCRIPTS];	/* -x, in order */
	int nscripts;
	int batch;
	char **extra;		/* more gdb arguments */
	int nextra;
	int out_fd;		/* gdb's stdout, or -1: ours */
	int err_fd;		/* gdb's stderr, or 0 or -1: ours */
	char **pre;		/* arguments before `target remote` (-iex ...) */
	int npre;		/* at most GDB_RUN_MAX_PRE */
	int helpers;		/* gdbscripts/nmidbg.py first, if the kernel's
				 * vmlinux-gdb.py is beside the vmlinux */
	int every_failure;	/* with batch: gdb exits 1 if any command or
				 * script failed, not only its last command
				 * (gdbscripts/batch.py) */
};

/*
 * gdbscripts/NAME: in $NMIDBG_GDBSCRIPTS, else beside the source tree's
 * build, else in the share/nmidbg/ beside the binary's bin/, else the copy
 * installed in NMIDBG_DATADIR.  Returns buf.
 */
const char *gdbscript_path(const char *name, char *buf, size_t len);

/*
 * Start gdb-multiarch ($NMIDBG_GDB) on target (`target remote`'s
 * operand), the vmlinux's helpers allowed to load (if it has one).
 * Returns the pid, or -1 with why.
 */
pid_t gdb_spawn(const struct gdb_run *g, const char *target, char *why, size_t len);

/*
 * From kdb: run gdb until it exits (its wait status in *status), then
 * leave the board in kdb (c->stay) or running; *state says which.
 * CMD_ENOTRUN (after saying why) if gdb never started.
 */
int gdb_run(struct session *s, const struct cmd_opts *c, const struct gdb_run *g,
	    int *status, const char **state);

#endif
