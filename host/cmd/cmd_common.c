// SPDX-License-Identifier: GPL-3.0-or-later
/* Shared by the commands that break in (see cmd_common.h). */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "cmd_common.h"
#include "num.h"

void cmd_opts_init(struct cmd_opts *o)
{
	kdb_how_init(&o->how);
	o->stay = 0;
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
		return NMIDBG_EXIT_INTR;
	case SESSION_REBOOT:
		return NMIDBG_EXIT_REBOOT;
	default:
		return NMIDBG_EXIT_PORT;
	}
}

void cmd_complain(struct session *s, const char *what, int rc)
{
	char seen[200];

	if (rc == SESSION_TIMEOUT)
		fprintf(stderr, "nmidbg: %s: no answer from the board; last seen: %s\n",
			what, session_last_seen(s, seen, sizeof(seen)));
	else
		fprintf(stderr, "nmidbg: %s: %s\n", what, session_strerror(s, rc));
}

int cmd_open_session(const char *spec, struct session *s)
{
	char err[300];
	struct port *p;
	int rc = port_open(spec, &p, err, sizeof(err));

	if (rc) {
		fprintf(stderr, "nmidbg: %s\n", err);
		return -1;
	}
	session_init(s, p);
	session_catch_sigint();
	return 0;
}

void cmd_close_session(struct session *s)
{
	port_close(s->port);
	session_free(s);
}

int cmd_frame_run(const struct cmd *c, int argc, char **argv)
{
	struct cmd_run r = { .opened = 0 };
	int rc, ret;

	if (!c->frame)
		return c->run(argc, argv);
	cmd_opts_init(&r.o);
	ret = c->frame->prepare(argc, argv, &r);
	if (ret)
		return ret;
	if (!r.port) {
		rc = CMD_NO_PORT;	/* prepare said none is needed this time */
	} else if (cmd_open_session(r.port, &r.s)) {
		rc = PORT_EIO;	/* said already: exit 3 */
	} else {
		r.opened = 1;
		rc = c->needs & CMD_NEEDS_BREAKIN ? cmd_enter(&r.s, &r.o, &r.e) : 0;
		if (!rc)
			rc = c->frame->body(&r);
	}
	ret = c->frame->finish ? c->frame->finish(&r, rc) : cmd_exit_code(rc);
	if (r.opened)
		cmd_close_session(&r.s);
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
