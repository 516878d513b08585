/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The one event loop every command plugs its sources into: the board's
 * port (always; its bytes go through the session's mode tracker) and any
 * other fds (gdb's socket, listeners, console clients), each with an
 * optional output queue that is flushed as the fd takes it: nothing is
 * written here in a way that blocks.  The idle tick (a held '$' released
 * as text), EINTR, Ctrl-C, reboot detection and the deadline are handled
 * here, once.
 *
 * A wait for the board (a kdb prompt, a stop reply) is a state on the
 * loop, not a loop of its own: loop_wait() names what is awaited and
 * what comes next, and every other source is served meanwhile.  A
 * sequence of such steps (the break-in chain, entering and leaving kgdb)
 * is a machine: a struct with its state and a `then` for its end.  Run
 * on a loop of its own with loop_sync(), a machine is what the commands
 * that only talk to the board call as one blocking function.
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
	/* Optional: fd is writable or failed (a connect ended); polled for it. */
	int (*writable)(void *ctx, int fd);
	int hold;	/* 1: fd's input waits in the socket (a machine runs) */
};

/*
 * What comes after a wait or a machine: rc is SESSION_OK, SESSION_TIMEOUT,
 * SESSION_REBOOT (or a machine's own error).  Returns as a source's
 * ready(): 0 to go on, else the loop stops with it.
 */
typedef int (*loop_then)(void *ctx, int rc);

/* loop_run()'s stop when a machine run by loop_sync() has ended. */
#define LOOP_DONE	1000

struct loop_wait {
	int (*done)(struct session *s);	/* NULL: the deadline only */
	long deadline;			/* session_now_ms() */
	loop_then then;			/* NULL: no wait */
	void *ctx;
};

struct loop {
	struct session *s;	/* s->port NULL: none (attach, reconnecting) */
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
	struct loop_wait wait;	/* the one wait for the board, if any */
	int result;		/* a machine's end, for loop_sync() */
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
/*
 * Wait, on l, for done(s) since now (the caller marked the session and
 * sent what is answered), timeout_ms or a reboot; then then(ctx, rc).
 * One wait at a time: a machine's next step sets the next one.  While it
 * waits, a streaming loop keeps the text (the wait may look at it).
 */
void loop_wait(struct loop *l, int timeout_ms, int (*done)(struct session *),
	       loop_then then, void *ctx);
static inline int loop_waiting(const struct loop *l)
{
	return l->wait.then != NULL;
}
/* A machine's last `then` for loop_sync(): keeps rc, ends loop_run(). */
int loop_finish(void *l, int rc);
/*
 * A machine started on l (a loop of its own) with loop_finish as its end,
 * to its end: started is what its start returned; the machine's result.
 */
int loop_sync(struct loop *l, int started);

#endif
