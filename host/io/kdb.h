/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Getting into kdb and driving it: the verified break-in chain, and kdb
 * commands with their complete output (pager answered, echo and prompt
 * stripped).
 */
#ifndef NMIDBG_KDB_H
#define NMIDBG_KDB_H

#include "loop.h"
#include "rsp.h"
#include "session.h"

enum kdb_method { KDB_AUTO, KDB_KNOCK, KDB_BREAK, KDB_SYSRQ };

/* ttyNMI's knock unless the board was booted with nmi_tty.knock=OTHER. */
#define KDB_KNOCK_DEFAULT	RSP_KGDB_TO_KDB
#define KDB_SYSRQ_DEFAULT	"echo g > /proc/sysrq-trigger"

/* How to break in: what the break-in options of every command set. */
struct kdb_how {
	enum kdb_method method;
	int timeout_ms;		/* for each way tried */
	const char *sysrq_cmd;	/* typed into the console's shell (sysrq) */
	const char *knock;	/* sent as it is (knock) */
};

struct kdb_entry {
	const char *how;	/* "already", "knock", "break", "sysrq" */
	long ms;		/* knock sent -> prompt seen */
	int cpu;		/* kdb's CPU, -1 on UP */
};

int kdb_parse_method(const char *name, enum kdb_method *m);
/* The defaults: auto, 5 s, the default knock and sysrq command. */
void kdb_how_init(struct kdb_how *how);
/*
 * Break in by how->method (auto: the knock, then BREAK+g if the port can
 * send BREAK), each waiting up to how->timeout_ms for the kdb prompt or a
 * gdb stop reply.
 */
int kdb_break_in(struct session *s, const struct kdb_how *how, struct kdb_entry *e);

/* The same as a machine on a loop (loop.h), for a command that serves others. */
struct kdb_breakin {
	struct loop *l;
	struct kdb_how how;
	struct kdb_entry *e;
	enum kdb_method m;	/* the way being tried; KDB_AUTO: "already there?" */
	long t0;
	loop_then then;
	void *ctx;
};
/*
 * Start breaking in on l; then(ctx, rc) at the end, rc as kdb_break_in()'s.
 * Returns as a loop callback does: 0 while under way (or then's return).
 */
int kdb_break_in_start(struct kdb_breakin *b, struct loop *l, const struct kdb_how *how,
		       struct kdb_entry *e, loop_then then, void *ctx);
/* For session_wait(): a kdb prompt came since the mark. */
int kdb_prompted(struct session *s);
/* Run one kdb command; *out (malloc'd) gets its output lines. */
int kdb_run(struct session *s, const char *cmd, int timeout_ms, char **out);
/* Leave kdb: `go`, and KDB_GO_MS for kdb to be gone. */
int kdb_go(struct session *s);
/* The same on a machine's loop: send, then wait KDB_GO_MS for kdb_go_done (timeout: gone). */
#define KDB_GO_MS	300
int kdb_go_send(struct session *s);
int kdb_go_done(struct session *s);

#endif
