/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Getting into kdb and driving it: the verified break-in chain, and kdb
 * commands with their complete output (pager answered, echo and prompt
 * stripped).
 */
#ifndef NMIDBG_KDB_H
#define NMIDBG_KDB_H

#include "session.h"

enum kdb_method { KDB_AUTO, KDB_KNOCK, KDB_BREAK, KDB_SYSRQ };

struct kdb_entry {
	const char *how;	/* "already", "knock", "break", "sysrq" */
	long ms;		/* knock sent -> prompt seen */
	int cpu;		/* kdb's CPU, -1 on UP */
};

int kdb_parse_method(const char *name, enum kdb_method *m);
/*
 * Break in by method (auto: the knock, then BREAK+g if the port can send
 * BREAK), each waiting up to timeout_ms for the kdb prompt or a gdb stop
 * reply.  sysrq_cmd is typed into the console's shell for KDB_SYSRQ.
 */
int kdb_break_in(struct session *s, enum kdb_method m, int timeout_ms,
		 const char *sysrq_cmd, struct kdb_entry *e);
/* For session_wait(): a kdb prompt came since the mark. */
int kdb_prompted(struct session *s);
/* Run one kdb command; *out (malloc'd) gets its output lines. */
int kdb_run(struct session *s, const char *cmd, int timeout_ms, char **out);
/* Leave kdb: `go`. */
int kdb_go(struct session *s);

#endif
