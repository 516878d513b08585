// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * kdb driving.  Success is only ever a prompt that really came back: the
 * break-in is verified, never assumed.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "kdb.h"

int kdb_parse_method(const char *name, enum kdb_method *m)
{
	static const char *const names[] = { "auto", "knock", "break", "sysrq" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0) {
			*m = (enum kdb_method)i;
			return 0;
		}
	}
	return -1;
}

static int stopped(struct session *s)
{
	return s->prompts > 0 || s->stops > 0;
}

void kdb_how_init(struct kdb_how *how)
{
	how->method = KDB_AUTO;
	how->timeout_ms = 5000;
	how->sysrq_cmd = KDB_SYSRQ_DEFAULT;
	how->knock = KDB_KNOCK_DEFAULT;
}

/* ---- the break-in, as a machine on a loop ---- */

static int tried(void *ctx, int rc);

/* Then wait for a prompt or a stop reply. */
static int sent(struct kdb_breakin *b, int rc)
{
	if (rc)
		return b->then(b->ctx, rc);
	loop_wait(b->l, b->how.timeout_ms, stopped, tried, b);
	return 0;
}

/* The BREAK was held its time on the loop: ended, then the 'g'. */
static int break_held(void *ctx, int rc)
{
	struct kdb_breakin *b = ctx;
	struct session *s = b->l->s;
	int end = port_break_end(s->port);

	if (rc == SESSION_TIMEOUT)	/* the hold's end, as it should be */
		rc = end;
	return sent(b, rc ? rc : session_send(s, "g"));
}

/* Send the way b->m in. */
static int try_method(struct kdb_breakin *b)
{
	struct session *s = b->l->s;
	int rc;

	session_mark(s);
	b->t0 = session_now_ms();
	s->in_flight = SESSION_FLIGHT_ENTER;	/* it may land after we gave up */
	switch (b->m) {
	case KDB_KNOCK:
		b->e->how = "knock";
		rc = session_send(s, b->how.knock);
		break;
	case KDB_BREAK:
		b->e->how = "break";
		rc = port_break_start(s->port);
		if (rc == PORT_BREAK_HELD) {
			loop_wait(b->l, PORT_BREAK_MS, NULL, break_held, b);
			return 0;
		}
		if (!rc)
			rc = session_send(s, "g");
		break;
	default:
		b->e->how = "sysrq";
		rc = session_send(s, b->how.sysrq_cmd);
		if (!rc)
			rc = session_send(s, "\r");
		break;
	}
	return sent(b, rc);
}

static int tried(void *ctx, int rc)
{
	struct kdb_breakin *b = ctx;
	struct session *s = b->l->s;

	b->e->ms = session_now_ms() - b->t0;
	b->e->cpu = s->prompt_cpu;
	/* auto: the knock unanswered, then BREAK+g if the port can send BREAK */
	if (rc == SESSION_TIMEOUT && b->how.method == KDB_AUTO && b->m == KDB_KNOCK &&
	    s->port->ops->send_break) {
		b->m = KDB_BREAK;
		return try_method(b);
	}
	return b->then(b->ctx, rc);
}

static int already(void *ctx, int rc)
{
	struct kdb_breakin *b = ctx;
	struct session *s = b->l->s;

	s->quit_more = 0;
	if (rc == SESSION_OK)
		b->e->cpu = s->prompt_cpu;
	if (rc != SESSION_TIMEOUT)
		return b->then(b->ctx, rc);
	b->m = b->how.method == KDB_AUTO ? KDB_KNOCK : b->how.method;
	return try_method(b);
}

int kdb_break_in_start(struct kdb_breakin *b, struct loop *l, const struct kdb_how *how,
		       struct kdb_entry *e, loop_then then, void *ctx)
{
	struct session *s = l->s;
	int rc;

	*b = (struct kdb_breakin){ .l = l, .how = *how, .e = e, .m = KDB_AUTO,
				   .then = then, .ctx = ctx };
	/*
	 * Already stopped?  An empty line in kdb just prompts again; at the
	 * pager of a command someone else left (a killed nmidbg, a user's
	 * `dmesg`), its next "more> " is answered with 'q', which ends that
	 * command: kdb prompts.
	 */
	session_mark(s);
	e->how = "already";
	e->ms = 0;
	s->quit_more = 1;
	rc = session_send(s, "\r");
	if (rc) {
		s->quit_more = 0;
		return then(ctx, rc);
	}
	loop_wait(l, 400, stopped, already, b);
	return 0;
}

int kdb_break_in(struct session *s, const struct kdb_how *how, struct kdb_entry *e)
{
	struct kdb_breakin b;
	struct loop l;
	int rc;

	loop_init(&l, s);
	rc = loop_sync(&l, kdb_break_in_start(&b, &l, how, e, loop_finish, &l));
	s->quit_more = 0;	/* also when a signal ended the machine's first wait */
	return rc;
}

int kdb_prompted(struct session *s)
{
	return s->prompts > 0;
}

/* Remove CRs (the pager's prompts are gone already: session.c). */
static void clean(char *t)
{
	char *r = t, *w = t;

	while (*r) {
		if (*r == '\r') {
			r++;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
}

int kdb_run(struct session *s, const char *cmd, int timeout_ms, char **out)
{
	char *text, *body, *end;
	int rc;

	*out = NULL;
	if (session_interrupted)
		return SESSION_INTR;	/* no new command once told to end */
	session_mark(s);
	s->answer_more = 1;
	rc = session_send(s, cmd);
	if (!rc)
		rc = session_send(s, "\r");
	if (!rc)
		rc = session_wait(s, timeout_ms, kdb_prompted);
	s->answer_more = 0;
	if (rc)
		return rc;
	text = strdup(s->text ? s->text : "");
	if (!text)
		return port_fail(s->port, PORT_EIO, "out of memory");
	clean(text);
	/* The text is: echo of cmd, newline, output, "[N]kdb> ". */
	body = strchr(text, '\n');
	body = body ? body + 1 : text + strlen(text);
	end = strrchr(body, '\n');
	end = end ? end + 1 : body;	/* the prompt line */
	*end = '\0';
	memmove(text, body, strlen(body) + 1);
	*out = text;
	return SESSION_OK;
}

int kdb_go_send(struct session *s)
{
	int rc = session_send(s, "go\r");

	if (!rc)
		s->go_sent = 1;
	return rc;
}

/*
 * kdb takes bytes that arrive while it leaves: let it go first.  The
 * board is on its way once `go` is out: a signal that cuts this wait
 * short changes nothing.
 */
int kdb_go_done(struct session *s)
{
	(void)s;
	return session_interrupted;
}

int kdb_go(struct session *s)
{
	int rc = kdb_go_send(s);

	if (!rc)
		rc = session_wait(s, KDB_GO_MS, kdb_go_done);
	return rc == SESSION_TIMEOUT ? SESSION_OK : rc;
}
