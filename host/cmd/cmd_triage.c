// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg triage PORT [--vmlinux FILE [--modules DIR] [--gdb]]
 *                    [-o REPORT.md] [--json FILE] [--resume|--stay]
 *
 * One command for a hung board: break in through the verified chain,
 * collect through kdb (no vmlinux needed) every CPU's backtrace, the
 * D-state tasks with their stacks and the kernel log's tail.  With a
 * vmlinux (checked to be the running kernel) every frame gets its
 * file:line on the host, from the DWARF through libdw: kdb already named
 * each frame function+offset through kallsyms (KASLR included), so the
 * board is resumed before that and the line carries only kdb's text.
 * --gdb adds gdb's views through gdbscripts/ (lx-ps, lx-dmesg, every
 * thread), hundreds of small memory reads over the line.  Writes a
 * timestamped report in Markdown and JSON, and resumes the board unless
 * told to stay.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "fleetrun.h"
#include "gdbrun.h"
#include "triage_jtag.h"
#include "kdbcpus.h"
#include "outfile.h"
#include "spawn.h"
#include "symres.h"
#include "vmcheck.h"
#include "triage.h"


struct triage_opts {
	struct cmd_opts c;
	const char *vmlinux, *modules, *md, *json;
	int gdb;
	int resume;		/* --resume: the default, said; never with --stay */
	struct jtag_opts j;	/* --jtag: the route when the serial one fails */
	int jtag;
};

static int parse(int argc, char **argv, struct triage_opts *o, const char **port,
		 struct cmd_fleet **fleet)
{
	static const struct option longopts[] = {
		{ "vmlinux", required_argument, NULL, 'v' },
		{ "modules", required_argument, NULL, 'M' },
		{ "gdb", no_argument, NULL, 'g' },
		{ "output", required_argument, NULL, 'o' },
		{ "json", required_argument, NULL, 'j' },
		{ "resume", no_argument, NULL, 'r' },
		{ "jtag", no_argument, NULL, 'Z' },
		JTAG_LONGOPTS,
		CMD_COMMON_LONGOPTS,
		FLEET_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	cmd_opts_init(&o->c);
	jtag_opts_init(&o->j);
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:m:t:", longopts, NULL)) != -1) {
		if (c == 'v')
			o->vmlinux = optarg;
		else if (c == 'M')
			o->modules = optarg;
		else if (c == 'g')
			o->gdb = 1;
		else if (c == 'o')
			o->md = optarg;
		else if (c == 'j')
			o->json = optarg;
		else if (c == 'r')
			o->resume = 1;
		else if (c == 'Z')
			o->jtag = 1;
		else if ((rc = fleet_opt(fleet, "triage", c, optarg)) < 0)
			return -1;
		else if (!rc && jtag_opts_or_common(&o->j, &o->c, "triage", c, optarg))
			return -1;
	}
	if ((o->gdb || o->modules) && !o->vmlinux)
		return cmd_usage_error("triage", "%s needs --vmlinux", o->gdb ? "--gdb" : "--modules");
	if (o->resume && o->c.stay)
		return cmd_usage_error("triage", "--resume or --stay, not both");
	if ((o->jtag || jtag_opts_given(&o->j)) && (*fleet || optind < argc - 1))
		return cmd_usage_error("triage", "--jtag is one probe, for one board: one PORT only");
	if (o->jtag || jtag_opts_given(&o->j))
		return triage_jtag_parse(argc, argv, &o->j, o->vmlinux, port);
	if (o->j.kaslr)
		return cmd_usage_error("triage", "--kaslr-offset is for the JTAG route (--jtag): over the serial line kdb tells the offset");
	if (*fleet || optind < argc - 1) {
		/* Several boards (fleetrun.h): each names its own reports in --dir. */
		if (o->md || o->json)
			return cmd_usage_error("triage", "%s names one board's report; with several "
					       "boards they are DIR/NAME.md and .json (--dir DIR)",
					       o->md ? "-o" : "--json");
		return fleet_take_ports(fleet, "triage", argc - optind, argv + optind);
	}
	if (optind >= argc)
		return cmd_usage_error("triage", "no PORT");
	*port = argv[optind];
	return 0;
}

/*
 * Every CPU kdb knows, btc or not: one that did not take the roundup has
 * no stack there, and is the one the user needs to hear about.
 */
static int account_cpus(struct session *s, int tmo, struct triage *t)
{
	unsigned char state[TRIAGE_MAX_CPUS];
	char *status = NULL, *running = NULL;
	int n, rc = kdb_run(s, "cpu", tmo, &status);

	if (rc)
		goto out;
	n = kdbcpus_parse_status(status, state, TRIAGE_MAX_CPUS);
	if (n < 0) {
		fprintf(stderr, "nmidbg: kdb's cpu list did not parse: CPUs missing from btc go unreported\n");
		goto out;
	}
	for (int cpu = 0; cpu < n; cpu++)
		if (state[cpu] == KDBCPU_UNRESPONSIVE) {
			rc = kdb_run(s, "ps R", tmo, &running);
			break;
		}
	if (!rc)
		kdbcpus_account(t, state, n, running);
out:
	free(status);
	free(running);
	return rc;
}

static int collect_kdb(struct session *s, const struct cmd_opts *c, struct triage *t)
{
	int tmo = c->how.timeout_ms * 12;
	int rc = kdb_run(s, "btc", tmo, &t->btc);

	if (rc)
		return rc;
	/* Parsed at once: the report keeps it if a later command fails. */
	t->ncpus = triage_parse_btc(t->btc, t->cpus, TRIAGE_MAX_CPUS);
	rc = account_cpus(s, tmo, t);
	if (rc)
		return rc;
	rc = kdb_run(s, "ps D", tmo, &t->ps);
	if (!rc)
		rc = kdb_run(s, "dmesg 60", tmo, &t->dmesg);
	if (rc)
		return rc;
	t->nblocked = triage_parse_ps(t->ps, t->blocked, TRIAGE_MAX_BLOCKED);
	for (int i = 0; i < t->nblocked && !rc; i++) {
		char cmd[32];

		snprintf(cmd, sizeof(cmd), "btp %d", t->blocked[i].pid);
		rc = kdb_run(s, cmd, tmo, &t->blocked[i].stack);
	}
	return rc;
}

/* gdb in batch, its output in a temporary file, sections marked. */
static int collect_gdb(struct session *s, const struct triage_opts *o,
		       struct triage *t)
{
	static char *extra[] = {
		"-ex", "echo @@nmidbg triage\\n", "-ex", "nmidbg-triage json+text",
		"-ex", "echo @@nmidbg lx-ps\\n", "-ex", "lx-ps",
		"-ex", "echo @@nmidbg lx-dmesg\\n", "-ex", "lx-dmesg",
		"-ex", "echo @@nmidbg end\\n",
	};
	struct gdb_run g = { .vmlinux = o->vmlinux, .batch = 1, .extra = extra,
			     .nextra = sizeof(extra) / sizeof(extra[0]),
			     .kaslr_offset = t->kaslr_offset };
	char script[PATH_MAX + 32], *out = NULL;
	size_t cap = 0;
	FILE *f = spawn_tmpfile();
	int rc, status;

	if (!f) {
		fprintf(stderr, "nmidbg: tmpfile: %s\n", strerror(errno));
		return SESSION_TIMEOUT;
	}
	g.scripts[g.nscripts++] = gdbscript_path("nmidbg.py", script, sizeof(script));
	g.out_fd = fileno(f);
	rc = gdb_run(s, &o->c, &g, &status, &t->after);
	if (!rc && status)
		fprintf(stderr, "nmidbg: gdb exited with status %d: its part of the report may be missing\n",
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	rewind(f);
	if (getdelim(&out, &cap, '\0', f) > 0)
		triage_parse_gdb(out, t);
	free(out);
	fclose(f);
	return rc;
}

struct reports {
	char md[PATH_MAX], js[PATH_MAX];
	struct outfile out[2];	/* Markdown, JSON */
};

/* Name and open both reports before the board is touched. */
static int open_reports(const struct triage_opts *o, struct reports *r)
{
	char stamp[32];
	time_t now = time(NULL);
	size_t n;

	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", gmtime(&now));
	if (o->md)
		snprintf(r->md, sizeof(r->md), "%s", o->md);
	else
		snprintf(r->md, sizeof(r->md), "nmidbg-triage-%s.md", stamp);
	n = strlen(r->md);
	if (o->json)
		snprintf(r->js, sizeof(r->js), "%s", o->json);
	else
		snprintf(r->js, sizeof(r->js), "%.*s.json",
			 (int)(n > 3 && !strcmp(r->md + n - 3, ".md") ? n - 3 : n), r->md);
	return outfile_open_all(r->out, (const char *const[]){ r->md, r->js }, 2);
}

static void write_one(FILE *f, int i, const void *t)
{
	if (i)
		triage_write_json(f, t);
	else
		triage_write_md(f, t);
}

/* Write both (what was collected, even after a later step failed). */
static int write_reports(struct reports *r, const struct triage *t)
{
	if (outfile_write_all(r->out, 2, write_one, t))
		return -1;
	printf("%s\n%s\n", r->md, r->js);
	return 0;
}

static void abandon_reports(struct reports *r)
{
	outfile_abandon(&r->out[0]);
	outfile_abandon(&r->out[1]);
}

/*
 * file:line for every frame kdb printed, from the vmlinux (and modules
 * beside it, or in --modules).  On the host only: the board may be
 * running again.
 */
static void resolve_lines(const struct triage_opts *o, struct triage *t)
{
	char moddir[PATH_MAX];
	struct symres *r;

	if (triage_parse_frames(t))
		snprintf(t->lines_why, sizeof(t->lines_why), "out of memory");
	snprintf(moddir, sizeof(moddir), "%s", o->vmlinux);
	if (symres_open(o->vmlinux, o->modules ? o->modules : dirname(moddir), &r,
			t->lines_why, sizeof(t->lines_why))) {
		fprintf(stderr, "nmidbg: no file:line: %s\n", t->lines_why);
		return;
	}
	for (int i = 0; i < t->ncpus; i++)
		t->lines += symres_frames(r, t->cpus[i].frames, t->cpus[i].nframes);
	for (int i = 0; i < t->nblocked; i++)
		t->lines += symres_frames(r, t->blocked[i].frames, t->blocked[i].nframes);
	symres_close(r);
}

/* In kdb: everything kdb (and gdb, with a vmlinux) can tell, into t. */
static int collect(struct cmd_run *r, const struct triage_opts *o, struct triage *t)
{
	struct session *s = &r->s;
	const struct kdb_entry *e = &r->e;
	int rc;

	t->how = e->how;
	t->entry_ms = e->ms;
	t->kdb_cpu = e->cpu;
	rc = collect_kdb(s, &o->c, t);
	if (!rc && o->vmlinux) {
		struct vmcheck v;

		rc = vmcheck(s, o->vmlinux, o->c.how.timeout_ms * 12, &v);
		t->vmlinux = o->vmlinux;
		t->vmlinux_match = v.result == VMCHECK_SAME ? 1 :
				   v.result == VMCHECK_DIFFERENT ? 0 : -1;
		snprintf(t->board_banner, sizeof(t->board_banner), "%s", v.board);
		snprintf(t->vmlinux_banner, sizeof(t->vmlinux_banner), "%s", v.file);
		t->have_offset = v.have_offset;
		t->kaslr_offset = v.kaslr_offset;
	}
	if (rc)
		cmd_complain(s, "collecting through kdb", rc);	/* keep what came */
	else if (o->gdb && t->vmlinux_match) {
		rc = collect_gdb(s, o, t);
	} else {
		t->after = cmd_leave(r);	/* before the host's own work */
	}
	if (o->vmlinux && t->vmlinux_match)
		resolve_lines(o, t);
	if (o->vmlinux && t->vmlinux_match)
		fprintf(stderr, "nmidbg: %d frames given file:line from %s\n", t->lines, o->vmlinux);
	if (t->partial)
		fprintf(stderr, "nmidbg: partial report: %s\n", t->partial_why);
	return rc;
}

static struct {		/* one command per process */
	struct triage_opts o;
	struct triage t;
	struct reports r;
} T;

/* One board's run from here on: its reports open, its record begun. */
static int triage_begin(struct cmd_run *r)
{
	time_t now = time(NULL);

	/* The reports before the board: a path that cannot be written costs nothing. */
	if (open_reports(&T.o, &T.r))
		return NMIDBG_EXIT_OUTPUT;
	T.t.port = r->port ? r->port : "none";
	T.t.after = "in kdb";
	strftime(T.t.time, sizeof(T.t.time), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	return 0;
}

static int triage_prepare(int argc, char **argv, struct cmd_run *r)
{
	if (parse(argc, argv, &T.o, &r->port, &r->fleet))
		return NMIDBG_EXIT_USAGE;
	if (T.o.vmlinux && access(T.o.vmlinux, R_OK)) {
		fprintf(stderr, "nmidbg: %s: %s\n", T.o.vmlinux, strerror(errno));
		return NMIDBG_EXIT_USAGE;
	}
	r->o = T.o.c;
	return r->fleet ? 0 : triage_begin(r);	/* a fleet: each board's child begins */
}

/* A board of several (fleetrun.h): its reports are DIR/NAME.md and .json. */
static int triage_board(struct cmd_run *r)
{
	T.o.md = r->fleet->reports[0];
	T.o.json = r->fleet->reports[1];
	return triage_begin(r);
}

static int triage_body(struct cmd_run *r)
{
	return collect(r, &T.o, &T.t);
}

static int triage_finish(struct cmd_run *r, int rc)
{
	int ret = cmd_exit_code(rc), written = 0;

	if (r->opened && T.t.how) {
		T.t.after = r->after;	/* where the frame left it */
		if (rc == SESSION_INTR && !T.t.partial) {
			/* A report cut short must not look whole. */
			T.t.partial = 1;
			snprintf(T.t.partial_why, sizeof(T.t.partial_why),
				 "cut short: %s", session_signal == SIGALRM ?
				 "--deadline passed" : "a signal ended nmidbg");
		}
		fprintf(stderr, "nmidbg: %d CPUs, %d tasks in D state; the board is %s\n",
			T.t.ncpus, T.t.nblocked, T.t.after);
	}
	if (!T.t.how && (T.o.jtag || jtag_opts_given(&T.o.j))) {
		triage_jtag_serial(r, rc, &T.t);
		ret = triage_jtag(&T.o.j, T.o.vmlinux, &T.o.c, &T.t);
	}
	if (!T.t.how)
		abandon_reports(&T.r);	/* never got in: nothing to report */
	else if (write_reports(&T.r, &T.t))
		ret = NMIDBG_EXIT_OUTPUT;
	else
		written = 1;
	if (written && ret == NMIDBG_EXIT_OK && T.t.vmlinux && !T.t.vmlinux_match)
		ret = NMIDBG_EXIT_VMLINUX;
	else if (written && ret == NMIDBG_EXIT_OK && T.t.partial)
		ret = NMIDBG_EXIT_PARTIAL;
	if (r->result)	/* one board of several: what the summary says of it */
		fleet_result_triage(r->result, &T.t, written);
	triage_free(&T.t);
	return ret;
}

const struct cmd_frame cmd_triage_frame = {
	.prepare = triage_prepare, .body = triage_body, .finish = triage_finish,
	.board = triage_board,
};
