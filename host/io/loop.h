/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The one event loop every command plugs its sources into: the board's
 * port (always; its bytes go through the session's mode tracker) and any
 * other fds (gdb's socket, listeners, console clients), each with an
 * optional output queue that is flushed as the fd takes it: nothing is
 * written here in a way that blocks.  The idle tick
 * (a held '$' released as text), EINTR, Ctrl-C, reboot detection and the
 * deadline are handled here, once.
 */
#ifndef NMIDBG_LOOP_H
#define NMIDBG_LOOP_H

#include "outq.h"
#include "session.h"

#define LOOP_MAX_SRC	16

struct loop_src {
	int fd;		/* -1: not polled this round (the owner may change it) */
	/* fd is readable (or hung up): 0 to go on, else stop with it */
	int (*ready)(void *ctx, int fd);
	void *ctx;
	/* Optional: fd's output queue, polled for POLLOUT while bytes wait. */
	struct outq *out;
};

struct loop {
	struct session *s;
	struct loop_src src[LOOP_MAX_SRC];
	int nsrc;
	/* Each round, first: 0 to go on, else stop with it (a child exited). */
	int (*tick)(void *ctx);
	/* After each read from the port: 0 to go on, else stop with it. */
	int (*after_read)(void *ctx);
	void *ctx;
	int on_reboot;		/* stop with SESSION_REBOOT when the board reboots */
	int on_intr;		/* stop with SESSION_INTR on Ctrl-C (or SIGTERM) */
	int stream;		/* text is streamed, not kept: mark after each read */
	int lazy;		/* no deadline, no held bytes: sleep until an fd wakes */
};

/* A loop over s's port only, stopping on reboot and Ctrl-C. */
void loop_init(struct loop *l, struct session *s);
/* Add a source; its index, or -1 if full. */
int loop_add(struct loop *l, int fd, int (*ready)(void *ctx, int fd), void *ctx);
/*
 * Run until done(s) (may be NULL), a stop, the port failing, or
 * timeout_ms (-1: no deadline; else SESSION_TIMEOUT).
 */
int loop_run(struct loop *l, int timeout_ms, int (*done)(struct session *));

#endif
