/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A session: a port, the mode tracker over what it receives, and the one
 * poll() loop that waits for what a command needs (a kdb prompt, a stop
 * reply) with a deadline.  Ctrl-C ends a wait cleanly.
 */
#ifndef NMIDBG_SESSION_H
#define NMIDBG_SESSION_H

#include <signal.h>
#include <stdio.h>

#include "mode.h"
#include "port.h"

enum {
	SESSION_OK = 0,
	SESSION_TIMEOUT = -100,	/* deadline passed: see session_last_seen() */
	SESSION_INTR = -101,	/* Ctrl-C */
	SESSION_REBOOT = -102,	/* the kernel's boot banner came */
	/* and any PORT_E* code from the port */
};

enum {
	SESSION_FLIGHT_NONE,
	SESSION_FLIGHT_ENTER,	/* knock, BREAK+g or sysrq sent: until a prompt or stop */
	SESSION_FLIGHT_TO_KGDB,	/* kdb's `kgdb` sent: until an RSP packet */
	SESSION_FLIGHT_TO_KDB,	/* kgdb's $3#33 sent: until kdb's prompt */
};

struct session {
	struct port *port;
	struct mode_tracker mode;
	char *text;		/* text received since session_mark() */
	size_t text_len, text_cap;
	int prompts;		/* kdb prompts since session_mark() */
	int prompt_cpu;
	int stops;		/* RSP stop replies (S/T packets) since the mark */
	int reboots;
	int kdb_banners;	/* boot banners in kdb's text since its last prompt */
	int at_more;		/* the last thing kdb said is its pager prompt */
	int at_prompt;		/* ... is its command prompt: no command runs */
	int quit_more;		/* answer the pager with 'q' (a command we did not run) */
	int go_sent;		/* `go` was sent and kdb has not prompted since */
	/*
	 * What was sent and has not landed yet (SESSION_FLIGHT_*): a way in,
	 * or a switch between kdb and kgdb.  Whoever leaves the board waits
	 * for it first: one reading of the tracker during a switch is wrong.
	 */
	int in_flight;
	int answer_more;	/* answer the kdb pager with a space */
	int packets;		/* RSP packets since the mark; the last one: */
	uint8_t packet[256];
	size_t packet_len;	/* clipped to sizeof(packet) */
	/* Optional: every RSP packet and ack from the board (a gdb relay). */
	void (*on_packet)(void *ctx, const uint8_t *payload, size_t len);
	void (*on_ack)(void *ctx, int ok);
	void *hook_ctx;
	/* Optional: every event of the mode tracker, first (attach's view). */
	void (*on_event)(void *ctx, const struct mode_event *ev);
	void *event_ctx;
	/* Optional: text from the board, as it comes (session_text_to_file). */
	void (*on_text)(void *ctx, const uint8_t *data, size_t len);
	void *text_ctx;
	char last[160];		/* the last bytes seen, for error messages */
	size_t last_len;
};

void session_init(struct session *s, struct port *port);
void session_free(struct session *s);
/* Forget what was collected: the next wait looks at new bytes only. */
void session_mark(struct session *s);
int session_send(struct session *s, const char *str);
/*
 * Read until done(s) is true, the deadline (ms from now) passes, the port
 * fails or Ctrl-C.  done may be NULL: read until the deadline.
 */
int session_wait(struct session *s, int timeout_ms, int (*done)(struct session *));
/* An on_text hook: the text to the FILE * in ctx, flushed. */
void session_text_to_file(void *ctx, const uint8_t *data, size_t len);
/*
 * For a caller's own poll() loop: read what the port has (its fd polled
 * readable) and feed it to the mode tracker.  0 or a PORT_E* code.
 */
int session_read(struct session *s);
/* The line went idle: a held '$' was text after all. */
void session_idle(struct session *s);
/* Milliseconds on the monotonic clock: for deadlines and timings. */
long session_now_ms(void);
/* The last bytes received, printable, for "board silent" errors. */
const char *session_last_seen(struct session *s, char *buf, size_t len);
const char *session_strerror(struct session *s, int rc);

/*
 * Set by the handler session_catch_signals() installs: every wait then
 * ends with SESSION_INTR.  Whoever must still talk to the board after a
 * signal (the frame, leaving it as asked) clears it, and a second signal
 * sets it again.
 */
extern volatile sig_atomic_t session_interrupted;
/* The first signal caught (SIGINT, SIGTERM, SIGHUP, SIGPIPE), or 0; kept. */
extern volatile sig_atomic_t session_signal;
/*
 * Ctrl-Cs so far: a user's Ctrl-C while the board is being left gives up
 * on it.  Other signals do not: `timeout` sends its SIGTERM to the child
 * and again to the process group, and a CI job may repeat one.
 */
extern volatile sig_atomic_t session_sigints;
/*
 * Catch SIGINT, SIGTERM, SIGHUP and SIGPIPE: a user's Ctrl-C, a CI job
 * cancelled, an ssh session dropped, a reader that went away.  None of
 * them may kill nmidbg while the board is stopped: the command ends its
 * wait, leaves the board as asked and main() then exits (for all but
 * SIGINT by the same signal, as the convention is).  A write to a closed
 * pipe then fails with EPIPE instead of killing the process.
 */
void session_catch_signals(void);
/*
 * End the command ms from now as a signal would (SIGALRM, caught like
 * the others: session_signal says which): one deadline for all of it.
 */
void session_deadline(int ms);
/*
 * Talk to the board once more after a signal: session_hold_signal()
 * clears the flag (so waits work again) and returns it; a new signal
 * meanwhile sets it again; session_release_signal() puts back what was
 * held, merged with anything new.
 */
int session_hold_signal(void);
void session_release_signal(int held);
/* SIGINT alone again (after gdb, which owns Ctrl-C, has gone). */
void session_catch_sigint(void);

#endif
