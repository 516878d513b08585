// SPDX-License-Identifier: GPL-3.0-or-later
/* Shared by the commands that break in (see cmd_common.h). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "cmd_common.h"
#include "fleetrun.h"
#include "jsonw.h"
#include "num.h"

void cmd_opts_init(struct cmd_opts *o)
{
	kdb_how_init(&o->how);
	o->stay = 0;
	o->deadline_ms = 0;
}

int cmd_opts_parse(struct cmd_opts *o, const char *name, int c, const char *arg)
{
	switch (c) {
	case 'm':
		if (kdb_parse_method(arg, &o->how.method)) {
			cmd_usage_error(name, "--method is auto, knock, break or sysrq, not '%s'",
					arg);
			return -1;
		}
		return 0;
	case 't':
		if (num_seconds_ms(arg, &o->how.timeout_ms)) {
			cmd_usage_error(name, "--timeout: '%s' is not seconds (like 5 or 0.5; 0.001 to %d)",
					arg, NUM_SECONDS_MAX);
			return -1;
		}
		return 0;
	case 's':
		o->how.sysrq_cmd = arg;
		return 0;
	case 'k':
		if (!*arg) {
			cmd_usage_error(name, "--knock wants the bytes to send");
			return -1;
		}
		o->how.knock = arg;
		return 0;
	case 'S':
		o->stay = 1;
		return 0;
	case 'D':
		if (num_seconds_ms(arg, &o->deadline_ms)) {
			cmd_usage_error(name, "--deadline: '%s' is not seconds (like 60 or 0.5; 0.001 to %d)",
					arg, NUM_SECONDS_MAX);
			return -1;
		}
		return 0;
	case '?':	/* getopt said what is wrong */
		cmd_usage_error(name, NULL);
		return -1;
	default:
		cmd_usage_error(name, "an option that is not for %s", name);
		return -1;
	}
}

int cmd_exit_code(int rc)
{
	switch (rc) {
	case SESSION_OK:
		return NMIDBG_EXIT_OK;
	case SESSION_TIMEOUT:
	case CMD_ENOTRUN:
		return NMIDBG_EXIT_FAIL;
	case SESSION_INTR:
	case PORT_EINTR:
		return NMIDBG_EXIT_INTR;
	case SESSION_REBOOT:
		return NMIDBG_EXIT_REBOOT;
	default:
		return NMIDBG_EXIT_PORT;
	}
}

static char last_error[512];

const char *cmd_last_error(void)
{
	return last_error;
}

void cmd_complain(struct session *s, const char *what, int rc)
{
	char seen[200];

	if (rc == SESSION_TIMEOUT)
		snprintf(last_error, sizeof(last_error), "%s: no answer from the board; last seen: %s",
			 what, session_last_seen(s, seen, sizeof(seen)));
	else
		snprintf(last_error, sizeof(last_error), "%s: %s", what, session_strerror(s, rc));
	fprintf(stderr, "nmidbg: %s\n", last_error);
}

void cmd_json_failure(FILE *f, const char *schema, const struct cmd_run *r, int code,
		      int verdict)
{
	struct json_writer w;
	char no[600];

	jw_init(&w, f);
	jw_object(&w);
	jw_schema(&w, schema);
	jw_kstr(&w, "port", r->port);
	if (verdict) {	/* doctor's two: the board was never asked */
		snprintf(no, sizeof(no), "unknown: %s", last_error[0] ? last_error : "no way in");
		jw_kbool(&w, "yes", 0);
		jw_kstr(&w, "verdict", no);
	}
	jw_kbool(&w, "ok", 0);
	/* What the shell sees: a signal that ends nmidbg is 128+N. */
	jw_kint(&w, "exit", session_signal && session_signal != SIGINT &&
		session_signal != SIGALRM ? 128 + session_signal : code);
	jw_kstr(&w, "error", last_error[0] ? last_error : NULL);
	jw_kstr(&w, "after", r->after ? r->after : "unknown");
	jw_object_end(&w);
	jw_finish(&w);
}

void cmd_json_head(struct json_writer *w, const char *schema, const struct cmd_run *r)
{
	jw_object(w);
	jw_schema(w, schema);
	jw_kstr(w, "port", r->port);
	jw_key(w, "entry");
	jw_object(w);
	jw_kstr(w, "how", r->e.how);
	jw_kint(w, "ms", r->e.ms);
	jw_object_end(w);
	jw_kint(w, "cpu", r->e.cpu);
}

int cmd_open_session(const char *spec, struct session *s)
{
	char err[300];
	struct port *p;
	int rc = port_open(spec, &p, err, sizeof(err));

	if (rc) {
		snprintf(last_error, sizeof(last_error), "%s", err);
		fprintf(stderr, "nmidbg: %s\n", err);
		return -1;
	}
	session_init(s, p);
	return 0;
}

void cmd_close_session(struct session *s)
{
	port_close(s->port);
	session_free(s);
}

static int settled(struct session *s)
{
	return s->in_flight == SESSION_FLIGHT_NONE;
}

/*
 * A wait while leaving the board: a signal does not stop it (the one
 * that ended the command may come again: `timeout` sends it twice), a
 * Ctrl-C since the leave began (*sigints: the count then) does.
 */
static int leave_wait(struct session *s, int tmo, int (*done)(struct session *),
		      int *sigints)
{
	long end = session_now_ms() + tmo;
	int rc;

	for (;;) {
		rc = session_wait(s, (int)(end - session_now_ms()), done);
		if (rc != SESSION_INTR || session_sigints != *sigints ||
		    session_now_ms() >= end)
			return rc;
		session_hold_signal();
	}
}

/* Ask the board for kdb's prompt with what; 0 when it came. */
static int to_prompt(struct session *s, const char *what, int tmo, int *signals)
{
	int rc;

	session_mark(s);
	rc = session_send(s, what);
	return rc ? rc : leave_wait(s, tmo, kdb_prompted, signals);
}

const char *cmd_leave(struct cmd_run *r)
{
	struct session *s = &r->s;
	int tmo = r->o.how.timeout_ms, rc = 0, held, signals;

	if (r->after)
		return r->after;
	if (!r->opened)
		return r->after = "unknown";
	held = session_hold_signal();
	signals = session_sigints;
	if (s->in_flight) {
		/*
		 * What was sent may still land: a way in (a board that stops
		 * late, a break-in cut off) or a switch between kdb and kgdb.
		 * One reading of the tracker meanwhile would be wrong.
		 */
		int wait = s->in_flight == SESSION_FLIGHT_ENTER && tmo > 2000 ? 2000 : tmo;

		session_mark(s);
		rc = leave_wait(s, wait, settled, &signals);
		if (rc == SESSION_TIMEOUT)
			rc = 0;	/* never landed: the tracker says where it is */
	}
	/* The '+' first: the stub may wait for the ack of its last reply. */
	if (!rc && s->mode.mode == MODE_KGDB) {
		s->in_flight = SESSION_FLIGHT_TO_KDB;
		rc = to_prompt(s, "+" RSP_KGDB_TO_KDB, tmo, &signals);
	}
	if (!rc && s->mode.mode == MODE_KDB && !s->at_prompt && !s->go_sent) {
		/* A command still runs: let it end, its pager ended with 'q'. */
		session_mark(s);
		s->quit_more = 1;
		rc = s->at_more ? session_send(s, "q") : 0;
		if (!rc)
			rc = leave_wait(s, tmo, kdb_prompted, &signals);
		s->quit_more = 0;
	}
	if (!rc && s->mode.mode == MODE_KDB && !s->go_sent && r->resume)
		rc = kdb_go(s);
	if (rc)
		r->after = "unknown";
	else if (s->mode.mode == MODE_KDB && !s->go_sent)
		r->after = "in kdb";
	else if (s->mode.mode == MODE_KGDB)
		r->after = "in kgdb";
	else
		r->after = s->mode.mode == MODE_UNKNOWN ? "unknown" : "running";
	session_release_signal(held || session_signal);	/* one that came meanwhile too */
	return r->after;
}

/* One board, prepared: open, break in, body, leave, finish, close. */
static int one_board(const struct cmd *c, struct cmd_run *r)
{
	int rc, ret;

	r->resume = (c->needs & CMD_RESUMES) && !r->o.stay;
	if (r->o.deadline_ms)
		session_deadline(r->o.deadline_ms);
	if (!r->port) {
		rc = CMD_NO_PORT;	/* prepare said none is needed this time */
	} else if (cmd_open_session(r->port, &r->s)) {
		rc = PORT_EIO;	/* said already: exit 3 */
	} else {
		r->opened = 1;
		rc = c->needs & CMD_NEEDS_BREAKIN ? cmd_enter(&r->s, &r->o, &r->e) : 0;
		if (!rc)
			rc = c->frame->body(r);
		cmd_leave(r);
	}
	ret = c->frame->finish ? c->frame->finish(r, rc) : cmd_exit_code(rc);
	if (r->opened)
		cmd_close_session(&r->s);
	if (session_signal == SIGALRM) {
		fprintf(stderr, "nmidbg: --deadline of %d ms passed; the board is %s\n",
			r->o.deadline_ms, r->after ? r->after : "unknown");
		ret = NMIDBG_EXIT_DEADLINE;
	}
	return ret;
}

int cmd_frame_run(const struct cmd *c, int argc, char **argv)
{
	struct cmd_run r = { .opened = 0 };
	int ret;

	if (!c->frame)
		return c->run(argc, argv);
	session_catch_signals();
	cmd_opts_init(&r.o);
	ret = c->frame->prepare(argc, argv, &r);
	if (ret)
		goto out;
	if (r.fleet) {
		ret = fleet_run(c, &r);
		if (ret != FLEET_CHILD)
			goto out;	/* the parent: every board done, the summary written */
		ret = c->frame->board(&r);	/* a child: its board's reports */
		if (ret)
			goto out;
	}
	ret = one_board(c, &r);
out:
	fleet_end(&r);
	return ret;
}

int cmd_enter(struct session *s, const struct cmd_opts *o, struct kdb_entry *e)
{
	int rc = kdb_break_in(s, &o->how, e);

	if (rc)
		cmd_complain(s, o->how.method == KDB_AUTO ?
			     "break-in (knock, then BREAK+g)" : "break-in", rc);
	return rc;
}
