/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the commands that break in share: the break-in options, opening
 * the session, reporting an error, and the exit code of a session result.
 */
#ifndef NMIDBG_CMD_COMMON_H
#define NMIDBG_CMD_COMMON_H

#include <getopt.h>
#include <stdio.h>

#include "kdb.h"

struct cmd_fleet;
struct fleet_result;

/* A program nmidbg runs (gdb) did not start: said already; exit 1. */
#define CMD_ENOTRUN	(-200)
/* prepare left the port NULL: no port this run (triage --jtag alone). */
#define CMD_NO_PORT	(-201)

struct cmd_opts {
	struct kdb_how how;
	int stay;
	int deadline_ms;	/* --deadline: the whole command; 0: none */
};

/* The break-in options, for every command that breaks in. */
#define CMD_BREAKIN_LONGOPTS \
	{ "method", required_argument, NULL, 'm' }, \
	{ "timeout", required_argument, NULL, 't' }, \
	{ "sysrq-cmd", required_argument, NULL, 's' }, \
	{ "knock", required_argument, NULL, 'k' }, \
	{ "deadline", required_argument, NULL, 'D' }
/* And --stay for those that resume the board after. */
#define CMD_COMMON_LONGOPTS \
	CMD_BREAKIN_LONGOPTS, \
	{ "stay", no_argument, NULL, 'S' }

void cmd_opts_init(struct cmd_opts *o);
/*
 * One option of CMD_COMMON_LONGOPTS for command name; -1 after saying
 * why (and the usage) on stderr if it is bad or not one of them.
 */
int cmd_opts_parse(struct cmd_opts *o, const char *name, int c, const char *arg);

/* One run of a framed command (cmd.h): what the frame and the command share. */
struct cmd_run {
	struct cmd_opts o;	/* the break-in options (cmd_opts_parse) */
	const char *port;	/* set by prepare */
	struct session s;	/* open during body and finish if opened */
	int opened;
	struct kdb_entry e;	/* how the frame broke in */
	int resume;		/* leave the board running (CMD_RESUMES, no --stay) */
	const char *after;	/* set by cmd_leave(): "running", "in kdb", ... */
	struct cmd_fleet *fleet;	/* several boards (fleet.h), or NULL: one */
	struct fleet_result *result;	/* a board's child: its result, for the parent */
};

/*
 * Leave the board as the run asks, once: the frame calls it after the
 * body on every path (success, error, a caught signal); a body that
 * reports the final state calls it first.  From the mode tracker, once
 * what was sent has landed (a way in: up to 2 s; a switch between kdb
 * and kgdb: the timeout): kgdb is left
 * for kdb; kdb's pager is ended with 'q'; then `go` if r->resume.  A
 * signal that interrupted the command does not stop this (a second one
 * does).  Returns, and keeps in r->after, where the board is:
 * "running", "in kdb", "in kgdb" or "unknown" (the line failed, or it
 * never said).
 */
const char *cmd_leave(struct cmd_run *r);

/*
 * The JSON document of a run that failed before its body could write its
 * own (the port would not open, no way in): schema, port, ok false, the
 * exit code and the last error said on stderr (cmd_last_error()), and
 * where the board was left; with verdict, doctor's "yes" (false) and
 * "verdict" ("unknown: " and the error) too.
 */
void cmd_json_failure(FILE *f, const char *schema, const struct cmd_run *r, int code,
		      int verdict);
/* What nmidbg last said was wrong (the line on stderr, without "nmidbg: "). */
const char *cmd_last_error(void);
struct json_writer;
/*
 * A command's document begins: the object opened, its schema, the port,
 * how kdb was entered ("entry": how, ms) and kdb's CPU; members follow.
 */
void cmd_json_head(struct json_writer *w, const char *schema, const struct cmd_run *r);

int cmd_open_session(const char *spec, struct session *s);
void cmd_close_session(struct session *s);
/* Break in as the options say; on failure say why on stderr. */
int cmd_enter(struct session *s, const struct cmd_opts *o, struct kdb_entry *e);
void cmd_complain(struct session *s, const char *what, int rc);
int cmd_exit_code(int rc);

#endif
