/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * OpenOCD at the edge: launch it (loopback only, on ports nmidbg picks)
 * or attach to a running one, talk its Tcl RPC (a command, then 0x1a; the
 * reply ends with 0x1a too), halt and resume every target, and end it.
 */
#ifndef NMIDBG_OPENOCD_H
#define NMIDBG_OPENOCD_H

#include <limits.h>
#include <sys/types.h>

#include "ocd.h"

/* What went wrong, for the exit code (0: nothing). */
enum {
	OPENOCD_OK = 0,
	OPENOCD_E_MISSING = -1,		/* no openocd program */
	OPENOCD_E_ADAPTER = -2,		/* adapter driver not compiled in */
	OPENOCD_E_NO_PROBE = -3,	/* no probe, or nothing on its chain */
	OPENOCD_E_NO_TCL = -4,		/* nothing listens on the Tcl port */
	OPENOCD_E_IN_USE = -5,		/* a port is taken */
	OPENOCD_E_NO_HALT = -6,		/* a target did not halt */
	OPENOCD_E_FAIL = -7,		/* anything else (said in why) */
	OPENOCD_E_TCL = -8,		/* a Tcl command failed (its message) */
};

struct openocd {
	pid_t pid;		/* launched here; 0: attached to a running one */
	int tcl;		/* the Tcl RPC socket, or -1 */
	char host[64];		/* where its ports are */
	int tcl_port, gdb_port, telnet_port;	/* gdb_port 0: none */
	char log[PATH_MAX];	/* its stderr and stdout (launched only) */
	int keep_log;		/* openocd_end() leaves the log (jtag start) */
};

struct openocd_launch {
	char **args;		/* the user's: -f interface/... -f target/... */
	int nargs;
	int tcl_port, gdb_port, telnet_port;	/* 0: a free one */
	int detach;		/* its own session: it outlives nmidbg */
	int timeout_ms;		/* for its init, on top of a floor of 10 s */
};

void openocd_init(struct openocd *o);
/* Start OpenOCD ($NMIDBG_OPENOCD, else openocd) and wait for its init. */
int openocd_launch(struct openocd *o, const struct openocd_launch *l, char *why, size_t len);
/* Attach to a running OpenOCD's Tcl port, "HOST:PORT". */
int openocd_attach(struct openocd *o, const char *hostport, int timeout_ms,
		   char *why, size_t len);
/*
 * One command; *reply (malloc'd) is what it printed or returned.
 * OPENOCD_E_TCL if it failed (*reply: the error message); OPENOCD_E_FAIL
 * if OpenOCD went away or did not answer.
 */
int openocd_eval(struct openocd *o, const char *cmd, int timeout_ms, char **reply);
/* The `targets` table, parsed; the count or an OPENOCD_E_* error. */
int openocd_targets(struct openocd *o, struct ocd_target *t, int max, int timeout_ms);
/*
 * Halt every core Linux runs on (ocd_linux_cores: every target when none
 * is of such a type), each waited for up to timeout_ms, then the states of
 * all targets into t (*n rows).  OPENOCD_E_NO_HALT if one of those cores
 * is not halted (why names it).
 */
int openocd_halt_all(struct openocd *o, int timeout_ms, struct ocd_target *t, int *n,
		     char *why, size_t len);
/* Resume each of those cores that is halted; the states after into t. */
int openocd_resume_all(struct openocd *o, int timeout_ms, struct ocd_target *t, int *n,
		       char *why, size_t len);
/*
 * Done with it: one launched here is shut down (`shutdown`, then signals
 * if it lingers) and reaped; an attached one is only let go.
 */
void openocd_end(struct openocd *o);
/* OpenOCD (launched here, not yet ended) shut down through Tcl: stop it. */
int openocd_shutdown(struct openocd *o, int timeout_ms);

#endif
