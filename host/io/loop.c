// SPDX-License-Identifier: GPL-3.0-or-later
/* The one event loop (see loop.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "loop.h"

#define TICK_MS 100	/* an idle line flushes a held '$' this soon */

void loop_init(struct loop *l, struct session *s)
{
	memset(l, 0, sizeof(*l));
	l->s = s;
	l->on_reboot = 1;
	l->on_intr = 1;
}

int loop_add(struct loop *l, int fd, int (*ready)(void *ctx, int fd), void *ctx)
{
	if (l->nsrc == LOOP_MAX_SRC)
		return -1;
	l->src[l->nsrc] = (struct loop_src){ .fd = fd, .ready = ready, .ctx = ctx };
	return l->nsrc++;
}

void loop_wait(struct loop *l, int timeout_ms, int (*done)(struct session *),
	       loop_then then, void *ctx)
{
	l->wait = (struct loop_wait){ .done = done, .then = then, .ctx = ctx,
				      .deadline = session_now_ms() + timeout_ms };
}

int loop_finish(void *ctx, int rc)
{
	struct loop *l = ctx;

	l->result = rc;
	return LOOP_DONE;
}

int loop_sync(struct loop *l, int started)
{
	int rc = started ? started : loop_run(l, -1, NULL);

	return rc == LOOP_DONE ? l->result : rc;
}

/*
 * The wait's end, if it came: what it waited for, a reboot, or its
 * deadline (a held '$' released first: it may be what was awaited).  As
 * session_wait() always did, a boot banner in kdb's text and no prompt
 * since is a reboot.  Then the machine's next step.
 */
static int wait_over(struct loop *l)
{
	struct loop_wait w = l->wait;
	struct session *s = l->s;
	int rc;

	if (!w.then)
		return 0;
	if (w.done && w.done(s)) {
		rc = SESSION_OK;
	} else if (s->reboots) {
		rc = SESSION_REBOOT;
	} else if (session_now_ms() < w.deadline) {
		return 0;
	} else {
		session_idle(s);
		rc = w.done && w.done(s) ? SESSION_OK :
		     s->kdb_banners ? SESSION_REBOOT : SESSION_TIMEOUT;
	}
	l->wait.then = NULL;
	return w.then(w.ctx, rc);
}

/* The board's bytes: into the session, then the owner's check. */
static int port_ready(struct loop *l)
{
	int rc = session_read(l->s);

	if (!rc)
		rc = wait_over(l);
	if (!rc && l->after_read)
		rc = l->after_read(l->ctx);
	/* Before the mark below forgets it: a streamed reboot counts too. */
	if (!rc && l->on_reboot && l->s->reboots)
		rc = SESSION_REBOOT;
	if (l->stream && !loop_waiting(l))
		session_mark(l->s);
	return rc;
}

/* Until the nearer of the loop's deadline and the wait's. */
static long time_left(const struct loop *l, long deadline)
{
	long now = session_now_ms(), left = deadline < 0 ? TICK_MS : deadline - now;

	if (loop_waiting(l) && l->wait.deadline - now < left)
		left = l->wait.deadline - now;
	return left < 0 ? 0 : left;
}

int loop_run(struct loop *l, int timeout_ms, int (*done)(struct session *))
{
	struct session *s = l->s;
	long deadline = timeout_ms < 0 ? -1 : session_now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd[1 + LOOP_MAX_SRC];
		int who[1 + LOOP_MAX_SRC];
		long left;
		int n = 1, rc;

		if (done && done(s))
			return SESSION_OK;
		/* Before Ctrl-C: a wait may end by it (kdb_go_done). */
		if ((rc = wait_over(l)))
			return rc;
		if (l->on_reboot && s->reboots)
			return SESSION_REBOOT;
		if (l->on_intr && session_interrupted)
			return SESSION_INTR;
		if (l->tick && (rc = l->tick(l->ctx)))
			return rc;
		if (deadline >= 0 && session_now_ms() >= deadline) {
			session_idle(s);
			if (done && done(s))
				return SESSION_OK;
			/* A banner in kdb's text and no prompt since: it did reboot. */
			return l->on_reboot && s->kdb_banners ? SESSION_REBOOT :
			       SESSION_TIMEOUT;
		}
		left = time_left(l, deadline);
		/* poll() skips an fd of -1: no port, no source. */
		pfd[0] = (struct pollfd){ .fd = s->port ? s->port->fd : -1, .events = POLLIN };
		for (int i = 0; i < l->nsrc; i++) {
			const struct loop_src *src = &l->src[i];
			short ev = (short)((src->hold ? 0 : POLLIN) |
				   ((src->out && outq_queued(src->out)) || src->writable ?
				    POLLOUT : 0));

			if (src->fd < 0 || !ev)
				continue;
			who[n] = i;
			pfd[n++] = (struct pollfd){ .fd = src->fd, .events = ev };
		}
		/* An idle board costs no wakeups unless a tick has work to do. */
		rc = poll(pfd, (nfds_t)n, l->lazy && deadline < 0 && !s->mode.held_len &&
			  !loop_waiting(l) ? -1 : left > TICK_MS ? TICK_MS : (int)left);
		if (rc < 0 && errno != EINTR)
			return s->port ? port_fail(s->port, PORT_EIO, "poll: %s", strerror(errno)) :
			       PORT_EIO;
		if (rc == 0)
			session_idle(s);
		if (rc <= 0)
			continue;
		/* The others first: what gdb sent goes out before more comes in. */
		for (int j = 1; j < n; j++) {
			struct loop_src *src = &l->src[who[j]];

			/* A source may have been closed by an earlier one. */
			if (!pfd[j].revents || src->fd != pfd[j].fd)
				continue;
			/* A hang-up or an error shows in the send, as in the read. */
			if (src->out && (pfd[j].revents & (POLLOUT | POLLERR | POLLHUP)))
				outq_flush(src->out);
			if (src->writable && (pfd[j].revents & (POLLOUT | POLLERR | POLLHUP)) &&
			    (rc = src->writable(src->ctx, src->fd)))
				return rc;
			if ((pfd[j].events & POLLIN) && (pfd[j].revents & ~POLLOUT) &&
			    (rc = src->ready(src->ctx, src->fd)))
				return rc;
		}
		if (pfd[0].revents && (rc = port_ready(l)))
			return rc;
	}
}
