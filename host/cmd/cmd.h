/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The nmidbg subcommand table.  Each command is one entry: name, handler,
 * usage line and summary; `nmidbg --help` and `nmidbg help CMD` are printed
 * from it, like git's builtins or kdb's command table.
 */
#ifndef NMIDBG_CMD_H
#define NMIDBG_CMD_H

#include <stddef.h>
#include <stdio.h>

/* Exit codes shared by every command (documented in nmidbg(1)). */
enum {
	NMIDBG_EXIT_OK = 0,
	NMIDBG_EXIT_FAIL = 1,	/* the board did not answer as required */
	NMIDBG_EXIT_USAGE = 2,	/* bad command line */
	NMIDBG_EXIT_PORT = 3,	/* the port cannot be opened, or was lost */
	NMIDBG_EXIT_INTR = 4,	/* interrupted (Ctrl-C) */
	NMIDBG_EXIT_REBOOT = 5,	/* the board rebooted mid-command */
	NMIDBG_EXIT_OUTPUT = 6,	/* an output file cannot be written */
	NMIDBG_EXIT_PARTIAL = 7,	/* triage: a CPU did not stop, report partial */
	NMIDBG_EXIT_VMLINUX = 8,	/* --vmlinux is not the running kernel */
	/* JTAG (OpenOCD) */
	NMIDBG_EXIT_NO_OPENOCD = 9,	/* OpenOCD is not installed */
	NMIDBG_EXIT_ADAPTER = 10,	/* the adapter is not compiled into it */
	NMIDBG_EXIT_NO_PROBE = 11,	/* no probe found (or an empty chain) */
	NMIDBG_EXIT_NO_TCL = 12,	/* nothing listens on the Tcl port */
	NMIDBG_EXIT_IN_USE = 13,	/* a port is already in use */
	NMIDBG_EXIT_NO_HALT = 14,	/* a target never halted */
	NMIDBG_EXIT_GDB_CONNECT = 15,	/* gdb cannot connect to the gdb port */
	NMIDBG_EXIT_DEADLINE = 16,	/* --deadline passed: the board left as asked */
	NMIDBG_EXIT_FLEET = 17,	/* several boards: one did not exit 0 (the summary says) */
	NMIDBG_EXIT_NO_DRGN = 18,	/* drgn: python3-drgn is not installed (or too old) */
};

/* Commands without the frame (the others: struct cmd_frame below). */
int cmd_attach(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_jtag(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);

struct cmd_run;		/* cmd_common.h: one run of a framed command */

/*
 * A command that needs the board gets the frame (cmd_frame()): prepare
 * (parse, and what must be ready before the board is touched), open the
 * port, break in if it needs to, body, finish (the exit code), close.
 */
struct cmd_frame {
	int (*prepare)(int argc, char **argv, struct cmd_run *r);	/* exit code, 0: go on */
	int (*body)(struct cmd_run *r);		/* in kdb (or just opened): SESSION_* */
	int (*finish)(struct cmd_run *r, int rc);	/* NULL: cmd_exit_code(rc) */
	/*
	 * Several boards (fleet.h): prepare parsed them into r->fleet and
	 * left the rest for each; in a board's child, board sets up its
	 * reports (r->fleet->reports) before the frame goes on.  Exit code.
	 */
	int (*board)(struct cmd_run *r);
};

enum {
	CMD_NEEDS_PORT = 1,	/* the frame opens PORT */
	CMD_NEEDS_BREAKIN = 2,	/* and breaks in before the body */
	CMD_RESUMES = 4,	/* and leaves the board running after (no --stay) */
};

struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);	/* without the frame */
	const struct cmd_frame *frame;		/* or with it */
	unsigned needs;
	const char *usage;	/* arguments after the name */
	const char *summary;	/* one line */
};

extern const struct cmd_frame cmd_break_frame, cmd_kdb_frame, cmd_dump_frame,
	cmd_gdb_frame, cmd_triage_frame, cmd_proxy_frame, cmd_doctor_frame, cmd_drgn_frame,
	cmd_resume_frame;

extern const struct cmd cmd_table[];
extern const size_t cmd_count;

const struct cmd *cmd_find(const struct cmd *table, size_t n, const char *name);
void cmd_print_help(FILE *out, const struct cmd *table, size_t n);
void cmd_print_usage(FILE *out, const struct cmd *c);
/*
 * A bad command line: "nmidbg NAME: what is wrong" (fmt NULL: already
 * said, as getopt does) and the usage line from the table, on stderr.
 * Returns NMIDBG_EXIT_USAGE.
 */
int cmd_usage_error(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Run a command: through its frame, or its run(). */
int cmd_frame_run(const struct cmd *c, int argc, char **argv);

#endif
