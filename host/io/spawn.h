/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Starting a helper program (gdb, OpenOCD) and knowing that it started:
 * fork, exec, and the exec's errno back through a close-on-exec pipe.
 */
#ifndef NMIDBG_SPAWN_H
#define NMIDBG_SPAWN_H

#include <stdio.h>
#include <sys/types.h>

struct spawn_opts {
	int out_fd;		/* the child's stdout, or -1: ours */
	int err_fd;		/* its stderr, or -1: ours */
	int null_stdin;		/* stdin from /dev/null */
	int new_session;	/* setsid(): outlives us, no ^C from our terminal;
				 * else it gets SIGTERM when nmidbg dies */
};

/*
 * Run argv[0] (PATH searched) with argv.  Returns its pid, or -1 with
 * *err the errno of what failed (ENOENT: not installed) and why (which
 * names the program).
 */
pid_t spawn_run(const char *const argv[], const struct spawn_opts *o, int *err,
		char *why, size_t len);

/*
 * A scratch file for a child's output, as tmpfile(3) (gone when closed)
 * but close-on-exec: it reaches the child as the stdout or stderr it is
 * given as, never as one more descriptor, nor reaches a later child.
 * NULL with errno.
 */
FILE *spawn_tmpfile(void);

/*
 * Wait for child pid to exit, its wait status in *status.  A signal
 * nmidbg caught meanwhile (session_interrupted) ends the child too:
 * SIGTERM, then SIGKILL after 3 s; timeout_ms (-1: none) passed, SIGKILL.
 * Returns 0 (it exited by itself), SESSION_INTR or SESSION_TIMEOUT; the
 * child is reaped in every case.
 */
int spawn_wait(pid_t pid, int timeout_ms, int *status);

#endif
