// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg gdb PORT --vmlinux FILE [-x SCRIPT] [--batch] [--stay] [-- GDB-ARGS]
 *
 * Break in, then gdb-multiarch on the vmlinux with the kernel's lx-*
 * helpers, over the console line (gdbrun.c); the board is put back in a
 * known state when gdb exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "gdb_jtag.h"
#include "gdbrun.h"
#include "kdb.h"
#include "vmcheck.h"

struct gdb_opts {
	struct cmd_opts c;
	struct gdb_run g;
	struct jtag_opts j;	/* --jtag: through OpenOCD, no PORT */
	int jtag;
};

static int parse(int argc, char **argv, struct gdb_opts *o, const char **port)
{
	static const struct option longopts[] = {
		{ "vmlinux", required_argument, NULL, 'v' },
		{ "batch", no_argument, NULL, 'b' },
		{ "jtag", no_argument, NULL, 'Z' },
		JTAG_LONGOPTS,
		CMD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c;

	cmd_opts_init(&o->c);
	jtag_opts_init(&o->j);
	o->g.out_fd = -1;
	o->g.helpers = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "x:m:t:", longopts, NULL)) != -1) {
		if (c == 'v')
			o->g.vmlinux = optarg;
		else if (c == 'b')
			o->g.batch = o->g.every_failure = 1;
		else if (c == 'x' && o->g.nscripts == GDB_RUN_MAX_SCRIPTS)
			return cmd_usage_error("gdb", "at most %d scripts (-x)",
					       GDB_RUN_MAX_SCRIPTS);
		else if (c == 'x')
			o->g.scripts[o->g.nscripts++] = optarg;
		else if (c == 'Z')
			o->jtag = 1;
		else if (jtag_opts_or_common(&o->j, &o->c, "gdb", c, optarg))
			return -1;
	}
	if (o->jtag || jtag_opts_given(&o->j)) {
		if (jtag_opts_check(&o->j, "gdb", 1))
			return -1;
		if (o->j.kaslr && !o->g.vmlinux)
			return cmd_usage_error("gdb", "--kaslr-offset needs --vmlinux FILE (the symbols it moves)");
		o->jtag = 1;
		*port = NULL;	/* no serial line: straight through JTAG */
		o->g.extra = argv + optind;
		o->g.nextra = argc - optind;
		if (o->g.nextra > GDB_RUN_MAX_EXTRA)
			return cmd_usage_error("gdb", "at most %d gdb arguments", GDB_RUN_MAX_EXTRA);
		return 0;
	}
	if (o->j.kaslr)
		return cmd_usage_error("gdb", "--kaslr-offset is for the JTAG route (--jtag): over the serial line kdb tells the offset");
	if (optind >= argc)
		return cmd_usage_error("gdb", "no PORT");
	if (!o->g.vmlinux)
		return cmd_usage_error("gdb", "no --vmlinux FILE");
	*port = argv[optind++];
	o->g.extra = argv + optind;
	o->g.nextra = argc - optind;
	if (o->g.nextra > GDB_RUN_MAX_EXTRA)
		return cmd_usage_error("gdb", "at most %d gdb arguments", GDB_RUN_MAX_EXTRA);
	return 0;
}

static struct gdb_opts O;	/* one command per process */
static int status;
static const char *state = "unknown";

static int gdb_prepare(int argc, char **argv, struct cmd_run *r)
{
	if (parse(argc, argv, &O, &r->port))
		return NMIDBG_EXIT_USAGE;
	if (O.g.vmlinux && access(O.g.vmlinux, R_OK)) {
		fprintf(stderr, "nmidbg: %s: %s\n", O.g.vmlinux, strerror(errno));
		return NMIDBG_EXIT_USAGE;
	}
	r->o = O.c;
	return 0;
}

static int wrong_vmlinux;

static int gdb_body(struct cmd_run *r)
{
	struct vmcheck v;
	int rc;

	fprintf(stderr, "nmidbg: in kdb on cpu %d\n", r->e.cpu);
	rc = vmcheck(&r->s, O.g.vmlinux, r->o.how.timeout_ms * 12, &v);
	if (rc)
		return rc;
	if (v.result == VMCHECK_DIFFERENT) {
		/* gdb would show wrong file:line without a word: refuse. */
		wrong_vmlinux = 1;
		return 0;
	}
	if (v.have_offset && v.kaslr_offset)
		fprintf(stderr, "nmidbg: KASLR offset 0x%llx: symbols loaded there\n",
			(unsigned long long)v.kaslr_offset);
	O.g.kaslr_offset = v.have_offset ? v.kaslr_offset : 0;
	return gdb_run(&r->s, &r->o, &O.g, &status, &state);
}

static int gdb_finish(struct cmd_run *r, int rc)
{
	int ret = cmd_exit_code(rc);

	if (rc == CMD_NO_PORT)
		return gdb_jtag(&O.j, &O.g, &O.c);
	if (!rc && wrong_vmlinux) {
		fprintf(stderr, "nmidbg: gdb not started; the board is %s\n", r->after);
		return NMIDBG_EXIT_VMLINUX;
	}
	if (!rc && WIFSIGNALED(status))
		fprintf(stderr, "nmidbg: gdb was killed (signal %d); the board is %s\n",
			WTERMSIG(status), r->after);
	else if (!rc)
		fprintf(stderr, "nmidbg: gdb exited (%d); the board is %s\n",
			WIFEXITED(status) ? WEXITSTATUS(status) : -1, r->after);
	else if (rc == CMD_ENOTRUN || rc == SESSION_INTR)
		fprintf(stderr, "nmidbg: the board is %s\n", r->after);
	if (!rc && status)
		ret = NMIDBG_EXIT_FAIL;
	return ret;
}

const struct cmd_frame cmd_gdb_frame = {
	.prepare = gdb_prepare, .body = gdb_body, .finish = gdb_finish,
};
