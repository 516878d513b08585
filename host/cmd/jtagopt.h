/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the JTAG commands share: the options that name an OpenOCD (one to
 * launch, or one running) or a plain gdb endpoint, and where gdb is to
 * take the kernel (--kaslr-offset), opening it with the failure said on
 * stderr, the exit codes of its failures, and the table of targets.
 */
#ifndef NMIDBG_JTAGOPT_H
#define NMIDBG_JTAGOPT_H

#include <stdio.h>

#include "cmd_common.h"
#include "ocd.h"
#include "openocd.h"

enum jtag_kaslr {
	JTAG_KASLR_NONE,	/* not given: symbols at link addresses */
	JTAG_KASLR_GIVEN,	/* --kaslr-offset HEX: kaslr_offset */
	JTAG_KASLR_AUTO,	/* --kaslr-offset auto: from the halted CPUs'
				 * code (gdbscripts/kaslr.py) */
};

struct jtag_opts {
	const char *openocd;	/* --openocd ARGS: launch it with these */
	const char *tcl;	/* --tcl HOST:PORT: a running one */
	const char *gdb;	/* --jtag-gdb HOST:PORT: a gdb stub, no OpenOCD */
	enum jtag_kaslr kaslr;	/* --kaslr-offset (gdb and triage) */
	long long kaslr_offset;	/* with JTAG_KASLR_GIVEN: run minus link address */
	int gdb_port, tcl_port, telnet_port;	/* for launching; 0: free ones */
	int timeout_ms;
	char buf[4096];		/* --openocd split into args */
	char *args[OCD_MAX_ARGS];
	int nargs;
};

#define JTAG_LONGOPTS \
	{ "openocd", required_argument, NULL, 'O' }, \
	{ "tcl", required_argument, NULL, 'T' }, \
	{ "jtag-gdb", required_argument, NULL, 'J' }, \
	{ "gdb-port", required_argument, NULL, 'G' }, \
	{ "tcl-port", required_argument, NULL, 'P' }, \
	{ "telnet-port", required_argument, NULL, 'N' }, \
	{ "kaslr-offset", required_argument, NULL, 'A' }

void jtag_opts_init(struct jtag_opts *j);
/* 1: c is not one of JTAG_LONGOPTS; 0: taken; -1: bad (said, with usage). */
int jtag_opts_parse(struct jtag_opts *j, const char *name, int c, const char *arg);
/* One of JTAG_LONGOPTS, or else of CMD_COMMON_LONGOPTS: 0, or -1 (said). */
int jtag_opts_or_common(struct jtag_opts *j, struct cmd_opts *o, const char *name,
			int c, const char *arg);
/* Whether any JTAG endpoint was named. */
int jtag_opts_given(const struct jtag_opts *j);
/*
 * Where gdb takes the kernel on the JTAG route, into g (and said on
 * stderr for an offset given).
 */
struct gdb_run;
void jtag_opts_kaslr(const struct jtag_opts *j, struct gdb_run *g);
/*
 * Exactly one endpoint, and gdb_ok if --jtag-gdb may be it (and
 * --kaslr-offset given: only gdb runs there): 0 or -1 (said).
 */
int jtag_opts_check(const struct jtag_opts *j, const char *name, int gdb_ok);
/* Launch (detached or not) or attach; on failure say why: OPENOCD_*. */
int jtag_open(const struct jtag_opts *j, struct openocd *o, int detach);
/* The NMIDBG_EXIT_* code of an OPENOCD_E_* error. */
int jtag_exit_code(int err);
/* The targets with their state (and gdb port when OpenOCD says). */
void jtag_print_targets(FILE *f, struct openocd *o, const struct ocd_target *t, int n);

#endif
