/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The gdb relay: one gdb client and the board's kgdb over the same line
 * as the console.  gdb's bytes go to the board; the board's packets and
 * acks go to gdb (the bare S05 reply given the thread qC names), its text
 * to the console sink, never to gdb.  A ^C from gdb while the kernel runs
 * breaks in again; gdb's detach and kill are answered here, so the board
 * stays stopped until relay_finish() puts it in a known state: kdb, or
 * running with kdb armed for the next break-in.
 */
#ifndef NMIDBG_RELAY_H
#define NMIDBG_RELAY_H

#include "gdbin.h"
#include "kdb.h"
#include "kgdb.h"
#include "outq.h"
#include "rsp.h"

struct relay {
	struct session *s;
	int gdb_fd;		/* -1: no gdb client */
	struct outq out;	/* to gdb: the owner's loop flushes it */
	struct kgdb k;		/* the stub: entered, left by its one rule */
	int running;		/* gdb resumed the kernel: ^C breaks in */
	int detached;		/* gdb sent D or k */
	struct kdb_entry again;	/* how the last ^C broke in */
	struct gdbin in;	/* gdb's bytes, sorted */
	/* The owner's loop: a ^C's break-in runs on it (NULL: on one of its own). */
	struct loop *l;
	int breaking;		/* a ^C's break-in runs: gdb's input must wait */
	struct kdb_breakin bi;
	loop_then then;		/* relay_enter_kgdb_start()'s end */
	void *ctx;
};

void relay_init(struct relay *r, struct session *s, const struct kdb_how *how);
/*
 * From kdb: switch the board to kgdb and ask it which thread stopped.
 * Then the relay takes the board's packets (session hooks).
 */
int relay_enter_kgdb(struct relay *r);
/* The same as a machine on l (loop.h): then(ctx, rc) at its end. */
int relay_enter_kgdb_start(struct relay *r, struct loop *l, loop_then then, void *ctx);
/*
 * A gdb client connected (fd) or went away (-1; what was queued for the
 * old one is dropped).
 */
void relay_set_gdb(struct relay *r, int fd);
/*
 * Bytes gdb sent. Returns 0, or a SESSION_* / PORT_E* code.  Not while
 * r->breaking: the owner leaves gdb's input unread until the stop.
 */
int relay_from_gdb(struct relay *r, const uint8_t *buf, size_t len);
/*
 * gdb is gone: stop the kernel if it runs, leave kgdb for kdb, and `go`
 * unless stay.  Returns 0 with *state set to "in kdb" or "running".
 */
int relay_finish(struct relay *r, int stay, const char **state);
/* The same as a machine on l: then(ctx, rc) at its end, *state set. */
int relay_finish_start(struct relay *r, struct loop *l, int stay, const char **state,
		       loop_then then, void *ctx);

#endif
