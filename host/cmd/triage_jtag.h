/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * nmidbg triage's JTAG route: when the serial line gives no way in (or
 * there is none), halt through OpenOCD (or a plain gdb stub that halts on
 * connect, like QEMU's), run gdbscripts' triage with the vmlinux through
 * its gdb port, and fill the same report, marked "via": "jtag" with the
 * serial steps that failed.
 */
#ifndef NMIDBG_TRIAGE_JTAG_H
#define NMIDBG_TRIAGE_JTAG_H

#include <stddef.h>

#include "cmd_common.h"
#include "jtagopt.h"
#include "triage.h"

/*
 * The rest of triage's command line with --jtag: PORT is optional (NULL:
 * straight to JTAG), one endpoint, and a vmlinux.  0, or -1 (said).
 */
int triage_jtag_parse(int argc, char **argv, const struct jtag_opts *j,
		      const char *vmlinux, const char **port);

/*
 * What the serial line did, for the report: r is the frame's run (port
 * NULL: none given), rc the break-in's result.
 */
void triage_jtag_serial(const struct cmd_run *r, int rc, struct triage *t);

/*
 * The JTAG route into t (the vmlinux is required): each core waited for
 * up to c's --timeout, the board resumed unless c->stay.  Returns an
 * NMIDBG_EXIT_* code.
 */
int triage_jtag(const struct jtag_opts *j, const char *vmlinux, const struct cmd_opts *c,
		struct triage *t);

#endif
