/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Many boards in one command: the options (--ports FILE, --dir DIR,
 * --jobs N, several PORTs) and the processes.  The frame (cmd_frame_run)
 * hands a run with a fleet to fleet_run(): it forks one child per board
 * that goes on through the frame as for one board (its own port, its
 * reports named for the board in DIR, its output in DIR/NAME.log), and
 * the parent collects each child's result and exit status and writes the
 * summary (codec/fleet.h).
 */
#ifndef NMIDBG_CMD_FLEET_H
#define NMIDBG_CMD_FLEET_H

#include <limits.h>

#include "fleet.h"

enum { FLEET_OPT_PORTS = 0x100, FLEET_OPT_DIR, FLEET_OPT_JOBS };

#define FLEET_LONGOPTS \
	{ "ports", required_argument, NULL, FLEET_OPT_PORTS }, \
	{ "dir", required_argument, NULL, FLEET_OPT_DIR }, \
	{ "jobs", required_argument, NULL, FLEET_OPT_JOBS }

#define FLEET_JOBS_MAX	1024
/* fleet_run()'s return in a child: go on with this board. */
#define FLEET_CHILD	(-1)

struct cmd_fleet {
	struct fleet f;
	const char *ports_file;	/* --ports, or NULL */
	char dir[PATH_MAX];	/* --dir, or the one made for this run */
	int dir_given;
	struct fleet_result *shared;	/* every board's, in memory shared with the children */
	size_t shared_len;
	char reports[2][PATH_MAX + 16];	/* a child: its board's report files */
};

struct cmd_run;
struct cmd;

/*
 * One of FLEET_LONGOPTS for command name into *fp (made on first use):
 * 1 taken, 0 not one of them, -1 after a usage error.
 */
int fleet_opt(struct cmd_fleet **fp, const char *name, int c, const char *arg);
/* The n PORTs of the command line, for a fleet (*fp made if need be): 0 or -1 (said). */
int fleet_take_ports(struct cmd_fleet **fp, const char *name, int n, char **ports);

/*
 * The list whole and sound before anything is started (the ports file
 * read, every PORT one nmidbg knows, every board named): 0, or -1 after
 * a usage error.
 */
int fleet_check_list(struct cmd_fleet *fl, const char *name);

/*
 * The fleet of run r: every board through its own child, at most --jobs
 * at once; the summary written.  Returns the exit status in the parent
 * (0: every board exited 0; 17: one did not; 2 bad list; 6 the summary
 * or DIR cannot be written; 4 or the signal's on SIGINT, SIGTERM or
 * SIGHUP, which go on to every child), FLEET_CHILD in a child: r->port
 * and r->result are its board's, r->fleet->reports its files.
 */
int fleet_run(const struct cmd *c, struct cmd_run *r);
/*
 * The end of a run with a fleet (parent or child, any path): a child
 * reports what it last said was wrong and where it left the board; the
 * fleet is freed.
 */
void fleet_end(struct cmd_run *r);

#endif
