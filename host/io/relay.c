// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The gdb relay (see relay.h).  gdb's bytes are sorted by gdbin.c: detach
 * and kill are answered here instead of resuming the board behind our
 * back; everything else goes to the board as gdb wrote it.  The board's
 * packets come decoded from the session's mode tracker and are framed
 * again for gdb.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "relay.h"

/*
 * To gdb, never waiting on it: what it does not take now is queued, and a
 * gdb that falls OUTQ_BOUND behind is lost (r->out.lost; the owner drops
 * it).  A gdb that went away is noticed by the owner's read.
 */
static void to_gdb(struct relay *r, const void *buf, size_t len)
{
	outq_put(&r->out, buf, len);
}

static int is_stop(const uint8_t *p, size_t len)
{
	return len && (p[0] == 'S' || p[0] == 'T' || p[0] == 'W' || p[0] == 'X');
}

static void board_packet(void *ctx, const uint8_t *payload, size_t len)
{
	static uint8_t wire[2 * RSP_MAX_PAYLOAD + 8];
	struct relay *r = ctx;
	uint8_t fixed[64];
	size_t n = rsp_fix_stop_reply(payload, len, r->k.thread, fixed, sizeof(fixed));

	if (is_stop(payload, len))
		r->running = 0;
	if (n) {
		payload = fixed;
		len = n;
	}
	n = rsp_encode(payload, len, wire, sizeof(wire));
	if (n)
		to_gdb(r, wire, n);
}

static void board_ack(void *ctx, int ok)
{
	to_gdb(ctx, ok ? "+" : "-", 1);
}

void relay_init(struct relay *r, struct session *s, const struct kdb_how *how)
{
	struct kdb_how h = *how;	/* how may point into r */

	memset(r, 0, sizeof(*r));
	r->s = s;
	r->gdb_fd = -1;
	outq_init(&r->out, -1);
	kgdb_init(&r->k, s, &h);
	gdbin_init(&r->in);
}

static int entered(void *ctx, int rc)
{
	struct relay *r = ctx;

	if (!rc) {
		r->s->on_packet = board_packet;
		r->s->on_ack = board_ack;
		r->s->hook_ctx = r;
	}
	return r->then(r->ctx, rc);
}

int relay_enter_kgdb_start(struct relay *r, struct loop *l, loop_then then, void *ctx)
{
	r->then = then;
	r->ctx = ctx;
	return kgdb_enter_start(&r->k, l, entered, r);
}

int relay_enter_kgdb(struct relay *r)
{
	struct loop l;

	loop_init(&l, r->s);
	return loop_sync(&l, relay_enter_kgdb_start(r, &l, loop_finish, &l));
}

void relay_set_gdb(struct relay *r, int fd)
{
	r->gdb_fd = fd;
	outq_free(&r->out);
	outq_init(&r->out, fd);
	gdbin_init(&r->in);
}

static int interrupted(void *ctx, int rc)
{
	struct relay *r = ctx;

	r->breaking = 0;
	if (rc == SESSION_TIMEOUT)
		fprintf(stderr, "nmidbg: ^C: the board did not stop; ^C again to retry\n");
	return rc == SESSION_TIMEOUT ? 0 : rc;
}

/*
 * gdb's ^C while the kernel runs: break in, on the owner's loop (gdb waits
 * for the stop reply, which goes to it); without one, on a loop of its own.
 */
static int interrupt(struct relay *r)
{
	if (!r->l)
		return interrupted(r, kdb_break_in(r->s, &r->k.how, &r->again));
	r->breaking = 1;
	return kdb_break_in_start(&r->bi, r->l, &r->k.how, &r->again, interrupted, r);
}

static int from_gdb(void *ctx, const struct gdbin_event *ev)
{
	struct relay *r = ctx;

	switch (ev->kind) {
	case GDBIN_LOCAL:
		/* Answered here: relay_finish() decides how the board resumes. */
		r->detached = 1;
		if (ev->data[0] == 'k')
			to_gdb(r, "+", 1);
		else
			to_gdb(r, "+$OK#9a", 7);
		return 0;
	case GDBIN_INTERRUPT:
		return r->running ? interrupt(r) : 0;
	default:
		if (ev->resumes)
			r->running = 1;
		return port_write(r->s->port, ev->data, ev->len);
	}
}

int relay_from_gdb(struct relay *r, const uint8_t *buf, size_t len)
{
	return gdbin_feed(&r->in, buf, len, from_gdb, r);
}

int relay_finish_start(struct relay *r, struct loop *l, int stay, const char **state,
		       loop_then then, void *ctx)
{
	relay_set_gdb(r, -1);
	return kgdb_leave_start(&r->k, l, r->running, stay, state, then, ctx);
}

int relay_finish(struct relay *r, int stay, const char **state)
{
	struct loop l;

	loop_init(&l, r->s);
	return loop_sync(&l, relay_finish_start(r, &l, stay, state, loop_finish, &l));
}
