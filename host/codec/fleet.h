/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Many boards in one command (`triage`/`doctor` with --ports FILE or
 * several PORTs), the pure half: the list of boards (a ports file parsed,
 * each board named), each board's result as its child reported it, and
 * the summary written from them in Markdown and JSON.  No I/O but the
 * FILE the writers are handed; the processes are host/cmd/fleet.c's.
 */
#ifndef NMIDBG_FLEET_H
#define NMIDBG_FLEET_H

#include <stddef.h>
#include <stdio.h>

#include "doctor.h"
#include "triage.h"

#define FLEET_NAME_MAX		64	/* a board's name: a file name in --dir */
#define FLEET_MAX_BOARDS	4096
#define FLEET_MAX_CPUS		TRIAGE_MAX_CPUS
#define FLEET_SUMMARY		"summary"	/* the summary's files: not a board's name */

/* A CPU as the summary shows it: where it spins. */
struct fleet_cpu {
	int cpu;
	int stopped;
	char where[80];
};

/*
 * What a board's child reports to the parent (through memory they share:
 * plain data, no pointers), filled once its command has finished.
 */
struct fleet_result {
	int filled;		/* the child's command got to its finish */
	int reported;		/* its report was written */
	int partial;		/* triage: the report is partial; -1: not triage */
	char partial_why[160];
	int yes;		/* doctor: the verdict (1 yes, 0 no); -1: none */
	char doctor_verdict[1200];	/* doctor's verdict line */
	char how[16];		/* the way in, "" if none */
	char after[16];		/* where the board was left, "" unknown */
	char error[512];	/* what the child last said was wrong, "" */
	int ncpus, nstopped;	/* CPUs known, CPUs stopped (doctor: online, answered) */
	struct fleet_cpu cpus[FLEET_MAX_CPUS];
};

enum fleet_state { FLEET_WAITING, FLEET_RUNNING, FLEET_DONE };

struct fleet_board {
	char *port;		/* the PORT spec (malloc'd) */
	char name[FLEET_NAME_MAX + 1];	/* "" until fleet_name_all() */
	int line;		/* its line in the ports file; 0: the command line */
	enum fleet_state state;
	int pid;		/* its child's, while it runs */
	long start_ms;		/* from the fleet's start */
	long ms;		/* time taken */
	int exit;		/* its exit status as a shell sees it (128+N: signal N) */
	struct fleet_result *res;	/* NULL until it ran */
};

struct fleet {
	const char *command;	/* "triage" or "doctor" */
	int json_reports;	/* doctor --json: its reports are .json, else .txt */
	const char *dir;	/* where every file goes */
	char time[32];		/* UTC, ISO 8601: when it began */
	int jobs;		/* boards at once */
	struct fleet_board *boards;
	int n, cap;
	int partial;		/* cut short: boards not run, or stopped early */
	char partial_why[160];
	long ms;		/* wall time */
	int exit;		/* the command's exit status */
};

void fleet_init(struct fleet *f, const char *command);
void fleet_free(struct fleet *f);

/*
 * Add a board: port, name (NULL: named from the port later), line (0:
 * the command line).  -1 with the reason in err (out of memory, too many
 * boards, a bad name).
 */
int fleet_add(struct fleet *f, const char *port, const char *name, int line,
	      char *err, size_t errlen);

/*
 * A ports file: one PORT per line with an optional NAME after it
 * (spaces or tabs between), '#' to the end of the line a comment (at its
 * start, or after a space or tab), blank lines ignored.  Every board is
 * added; -1 with "line N: why" in err at the first bad line.
 */
int fleet_parse_ports(struct fleet *f, const char *text, size_t len, char *err, size_t errlen);

/* Whether name is one fleet_add() takes: 1 or 0. */
int fleet_name_ok(const char *name);

/*
 * Name every board given none, from its port ("telnet:127.0.0.1:5555"
 * becomes "telnet-127.0.0.1-5555", a device path its last part), "-2",
 * "-3"... after a name already taken; refuse a name given twice or a
 * port given twice (two commands on one line would garble both).  -1
 * with the reason in err.
 */
int fleet_name_all(struct fleet *f, char *err, size_t errlen);

/* The result of a triage or doctor run, for the child to report. */
void fleet_result_triage(struct fleet_result *r, const struct triage *t, int reported);
void fleet_result_doctor(struct fleet_result *r, const struct doctor_facts *df,
			 const struct doctor_report *dr, int reported);

/*
 * A board's verdict: "not run", "failed" (no report: no way in, the port,
 * a signal), and for triage "triaged" or "partial", for doctor "yes" or
 * "no".
 */
const char *fleet_verdict(const struct fleet *f, const struct fleet_board *b);

/*
 * A report's file name: dir/NAME.ext for kind "md", "json", "txt" or
 * "log".  -1 if it does not fit.
 */
int fleet_path(const struct fleet *f, const struct fleet_board *b, const char *ext,
	       char *buf, size_t len);
/* The extensions of a board's reports (NULL-terminated), the log not among them. */
const char *const *fleet_report_exts(const struct fleet *f);

/*
 * "fn: 0-3, 5; (did not stop...): 4": the CPUs grouped by where they
 * are, in CPU order of each group's first.
 */
void fleet_where(const struct fleet_result *r, char *buf, size_t len);

/* The summary: a Markdown table, and the nmidbg-fleet JSON document. */
void fleet_write_md(FILE *out, const struct fleet *f);
void fleet_write_json(FILE *out, const struct fleet *f);

#endif
