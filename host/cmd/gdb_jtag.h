/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * nmidbg gdb --jtag: gdb-multiarch through OpenOCD's gdb port (or a plain
 * gdb stub), with the kernel's lx-* helpers set up as over kgdb.
 */
#ifndef NMIDBG_GDB_JTAG_H
#define NMIDBG_GDB_JTAG_H

#include "gdbrun.h"
#include "jtagopt.h"

/*
 * Halt every core through OpenOCD (each waited for up to c's --timeout),
 * run gdb on its gdb port until it exits, then resume them (or keep them
 * halted: c->stay).  A plain stub
 * (--jtag-gdb) halts on connect and resumes when gdb leaves.  Returns an
 * NMIDBG_EXIT_* code.
 */
int gdb_jtag(const struct jtag_opts *j, struct gdb_run *g, const struct cmd_opts *c);

#endif
