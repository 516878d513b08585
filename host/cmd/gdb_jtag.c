// SPDX-License-Identifier: GPL-3.0-or-later
/* gdb through OpenOCD or a gdb stub (gdb_jtag.h). */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include "cmd.h"
#include "gdb_jtag.h"
#include "session.h"
#include "spawn.h"

/* gdb on target until it exits; its exit code (-1: did not run). */
static int run(struct gdb_run *g, const char *target)
{
	char why[300];
	int status = 0;
	pid_t pid;
	void (*old)(int);

	/* ^C belongs to gdb (it interrupts the target with it). */
	old = signal(SIGINT, SIG_IGN);
	pid = gdb_spawn(g, target, why, sizeof(why));
	if (pid < 0)
		fprintf(stderr, "nmidbg: gdb did not run: %s\n", why);
	else if (spawn_wait(pid, -1, &status) == SESSION_INTR)
		fprintf(stderr, "nmidbg: interrupted: gdb was ended\n");
	signal(SIGINT, old);
	if (pid < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int gdb_jtag(const struct jtag_opts *jo, struct gdb_run *g, const struct cmd_opts *c)
{
	struct jtag_opts jc = *jo;
	const struct jtag_opts *j = &jc;
	int stay = c->stay;
	static char *openocd_pre[] = { "-iex", "set remote fetch-register-packet off" };
	struct ocd_target t[OCD_MAX_TARGETS];
	struct openocd o;
	char why[400], target[96];
	int n, rc, code;

	jc.timeout_ms = c->how.timeout_ms;
	jtag_opts_kaslr(j, g);
	if (j->gdb) {
		code = run(g, j->gdb);
		fprintf(stderr, "nmidbg: gdb exited (%d); the stub lets the board run\n", code);
		return code ? NMIDBG_EXIT_FAIL : NMIDBG_EXIT_OK;
	}
	rc = jtag_open(j, &o, 0);
	if (rc)
		return jtag_exit_code(rc);
	rc = openocd_halt_all(&o, j->timeout_ms, t, &n, why, sizeof(why));
	if (rc) {
		fprintf(stderr, "nmidbg: JTAG: %s%s\n",
			rc == OPENOCD_E_NO_HALT ? "a core did not halt: " : "", why);
		openocd_end(&o);
		return jtag_exit_code(rc);
	}
	if (!o.gdb_port) {
		fprintf(stderr, "nmidbg: gdb cannot connect: OpenOCD has no gdb port (no target with a gdb server)\n");
		code = NMIDBG_EXIT_GDB_CONNECT;
	} else {
		snprintf(target, sizeof(target), "%s:%d", o.host, o.gdb_port);
		fprintf(stderr, "nmidbg: JTAG: %d target%s halted; gdb on %s\n", n,
			n == 1 ? "" : "s", target);
		g->pre = openocd_pre;
		g->npre = 2;
		code = run(g, target);
		code = code ? NMIDBG_EXIT_FAIL : NMIDBG_EXIT_OK;
	}
	rc = stay ? openocd_halt_all(&o, j->timeout_ms, t, &n, why, sizeof(why)) :
		    openocd_resume_all(&o, j->timeout_ms, t, &n, why, sizeof(why));
	if (rc)
		fprintf(stderr, "nmidbg: JTAG: %s the cores: %s\n", stay ? "halting" : "resuming", why);
	else
		fprintf(stderr, "nmidbg: JTAG: the cores are %s\n", stay ? "halted" : "running");
	openocd_end(&o);
	return code;
}
