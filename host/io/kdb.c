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

static int try_method(struct session *s, const struct kdb_how *how,
		      enum kdb_method m, struct kdb_entry *e)
{
	long t0;
	int rc;

	session_mark(s);
	t0 = session_now_ms();
	s->in_flight = SESSION_FLIGHT_ENTER;	/* it may land after we gave up */
	switch (m) {
	case KDB_KNOCK:
		e->how = "knock";
		rc = session_send(s, how->knock);
		break;
	case KDB_BREAK:
		e->how = "break";
		rc = port_send_break(s->port);
		if (!rc)
			rc = session_send(s, "g");
		break;
	default:
		e->how = "sysrq";
		rc = session_send(s, how->sysrq_cmd);
		if (!rc)
			rc = session_send(s, "\r");
		break;
	}
	if (rc)
		return rc;
	rc = session_wait(s, how->timeout_ms, stopped);
	e->ms = session_now_ms() - t0;
	e->cpu = s->prompt_cpu;
	return rc;
}

int kdb_break_in(struct session *s, const struct kdb_how *how, struct kdb_entry *e)
{
	int rc;

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
	if (!rc)
		rc = session_wait(s, 400, stopped);
	s->quit_more = 0;
	if (rc == SESSION_OK) {
		e->cpu = s->prompt_cpu;
		return rc;
	}
	if (rc != SESSION_TIMEOUT)
		return rc;

	if (how->method != KDB_AUTO)
		return try_method(s, how, how->method, e);
	rc = try_method(s, how, KDB_KNOCK, e);
	if (rc != SESSION_TIMEOUT || !s->port->ops->send_break)
		return rc;
	return try_method(s, how, KDB_BREAK, e);
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

int kdb_go(struct session *s)
{
	int rc = session_send(s, "go\r");

	if (rc)
		return rc;
	s->go_sent = 1;
	/*
	 * kdb takes bytes that arrive while it leaves: let it go first.  The
	 * board is on its way once `go` is out: a signal that cuts this wait
	 * short changes nothing.
	 */
	rc = session_wait(s, 300, NULL);
	return rc == SESSION_TIMEOUT || rc == SESSION_INTR ? SESSION_OK : rc;
}
