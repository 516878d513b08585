// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg drgn PORT --vmlinux FILE [--modules DIR] [-c SCRIPT | -e EXPR] [--json] [--stay]
 *
 * Break in, switch to kgdb, and run drgn (python3-drgn, gdbscripts/nmidbg_drgn.py)
 * on a Program whose memory is the stopped board's: an ELF core of notes
 * only (every CPU's registers as kgdb stopped it, VMCOREINFO from the
 * board's vmcoreinfo_data or built from the vmlinux) and reads served
 * here through kgdb_read() with a cache (memserve.h), over a socket pair.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_common.h"
#include "drgnrun.h"
#include "jsonw.h"
#include "kgdb.h"
#include "memserve.h"
#include "vmcheck.h"

#define DRGN_LINE 64	/* bytes: the cache's line, what one kgdb read fetches */

static struct {		/* one command per process */
	struct drgn_args a;
	int status;
	const char *state;
	struct memserve m;
	long ms;
	int entered;		/* the body ran: the document is the full one */
	struct vmcheck vm;	/* the vmlinux against the board's banner */
	int ran;		/* drgn ran (its exit status is D.status) */
	char *doc;		/* --json: drgn's own document */
	size_t doc_len;
} D = { .state = "in kdb" };

static int drgn_prepare(int argc, char **argv, struct cmd_run *r)
{
	static const struct option longopts[] = {
		{ "vmlinux", required_argument, NULL, 'v' },
		{ "modules", required_argument, NULL, 'M' },
		{ "vmcoreinfo", required_argument, NULL, 'I' },
		{ "json", no_argument, NULL, 'j' },
		CMD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:e:m:t:", longopts, NULL)) != -1) {
		if (c == 'v')
			D.a.vmlinux = optarg;
		else if (c == 'M')
			D.a.modules = optarg;
		else if (c == 'c')
			D.a.script = optarg;
		else if (c == 'e')
			D.a.expr = optarg;
		else if (c == 'j')
			D.a.json = 1;
		else if (c == 'I' && (!strcmp(optarg, "board") || !strcmp(optarg, "vmlinux")))
			D.a.from_vmlinux = !strcmp(optarg, "vmlinux");
		else if (c == 'I')
			return cmd_usage_error("drgn", "--vmcoreinfo board|vmlinux, not %s", optarg);
		else if (cmd_opts_parse(&r->o, "drgn", c, optarg))
			return NMIDBG_EXIT_USAGE;
	}
	if (optind >= argc)
		return cmd_usage_error("drgn", "no PORT");
	if (optind + 1 < argc)
		return cmd_usage_error("drgn", "'%s': one PORT only", argv[optind + 1]);
	if (!D.a.vmlinux)
		return cmd_usage_error("drgn", "no --vmlinux FILE");
	if (D.a.script && D.a.expr)
		return cmd_usage_error("drgn", "-c SCRIPT or -e EXPR, not both");
	if (D.a.json && !D.a.script && !D.a.expr)
		return cmd_usage_error("drgn", "--json needs -c SCRIPT or -e EXPR (a console is no document)");
	r->port = argv[optind];
	if (access(D.a.vmlinux, R_OK)) {
		fprintf(stderr, "nmidbg: %s: %s\n", D.a.vmlinux, strerror(errno));
		return NMIDBG_EXIT_USAGE;
	}
	/* Before the board is touched: a missing drgn costs nothing. */
	return drgn_check_python() ? NMIDBG_EXIT_NO_DRGN : 0;
}

static int board_read(void *ctx, uint64_t addr, size_t len, uint8_t *buf)
{
	int rc = kgdb_read(ctx, addr, len, buf);

	return rc == KGDB_EFAULT ? MEMSERVE_FAULT : rc;
}

static int drgn_body(struct cmd_run *r)
{
	struct kgdb k;
	struct vmcheck *v = &D.vm;
	struct memserve_ops ops = { .read = board_read, .ctx = &k };
	int rc;

	D.entered = 1;
	rc = vmcheck(&r->s, D.a.vmlinux, r->o.how.timeout_ms * 12, v);
	if (rc)
		return rc;
	if (v->result == VMCHECK_DIFFERENT) {
		D.a.wrong_vmlinux = 1;
		return 0;
	}
	D.a.kaslr_offset = v->have_offset ? (uint64_t)v->kaslr_offset : 0;
	snprintf(D.a.banner, sizeof(D.a.banner), "%s", v->board);
	kgdb_init(&k, &r->s, &r->o.how);
	rc = kgdb_enter(&k);
	if (rc) {
		cmd_complain(&r->s, "switching kdb to kgdb", rc);
		return rc;
	}
	k.quiet_faults = 1;
	/*
	 * drgn reads a field here, a field there (for_each_task: a few of
	 * each task_struct's): 64-byte lines put the fewest bytes on a slow
	 * line (bench/drgn.py at 115200: the task list 3.9 s with 64, 4.9 s
	 * with 128, 6.1 s with 256).
	 */
	if (memserve_init(&D.m, &ops, DRGN_LINE, 0)) {
		fprintf(stderr, "nmidbg: out of memory\n");
		rc = CMD_ENOTRUN;
	} else {
		D.ms = session_now_ms();
		rc = drgn_run(&k, &D.a, &D.m, &D.status, &D.doc, &D.doc_len);
		D.ms = session_now_ms() - D.ms;
		D.ran = rc != CMD_ENOTRUN;
	}
	if (rc == 0 || rc == CMD_ENOTRUN || rc == SESSION_INTR) {
		int held = session_hold_signal();
		int rc2 = kgdb_leave(&k, 0, r->o.stay, &D.state);

		session_release_signal(held);
		if (rc2)
			cmd_complain(&r->s, "leaving kgdb", rc2);
		rc = rc ? rc : rc2;
	}
	return rc;
}

/*
 * --json: the nmidbg-drgn document (docs/json.md), drgn's own inside it
 * when it wrote a valid one; the failure document when no way in was
 * found.
 */
static void drgn_json(const struct cmd_run *r, int ret)
{
	struct json_writer w;

	if (!D.entered) {
		cmd_json_failure(stdout, "nmidbg-drgn", r, ret, 0);
		return;
	}
	jw_init(&w, stdout);
	cmd_json_head(&w, "nmidbg-drgn", r);
	jw_key(&w, "vmlinux");
	jw_object(&w);
	jw_kstr(&w, "path", D.a.vmlinux);
	jw_key(&w, "running_kernel");
	if (D.vm.result == VMCHECK_SAME || D.vm.result == VMCHECK_DIFFERENT)
		jw_bool(&w, D.vm.result == VMCHECK_SAME);
	else
		jw_null(&w);
	jw_kint_or_null(&w, "kaslr_offset", D.vm.have_offset, D.vm.kaslr_offset);
	jw_object_end(&w);
	jw_key(&w, "reads");
	jw_object(&w);
	jw_kuint(&w, "requests", D.m.requests);
	jw_kuint(&w, "kgdb_reads", D.m.board_reads);
	jw_kuint(&w, "bytes", D.m.board_bytes);
	jw_kuint(&w, "cache_hits", D.m.hits);
	jw_kuint(&w, "cache_misses", D.m.misses);
	jw_kint(&w, "ms", D.ms);
	jw_object_end(&w);
	jw_key(&w, "drgn");
	if (D.doc)
		jw_raw(&w, D.doc, D.doc_len);	/* not valid JSON: as a string */
	else
		jw_null(&w);
	jw_key(&w, "drgn_exit");
	if (D.ran && WIFEXITED(D.status))
		jw_int(&w, WEXITSTATUS(D.status));
	else
		jw_null(&w);
	jw_kstr(&w, "after", r->after ? r->after : "unknown");
	jw_kbool(&w, "ok", ret == NMIDBG_EXIT_OK);
	jw_kint(&w, "exit", ret);
	jw_object_end(&w);
	jw_finish(&w);
}

static int drgn_exit(struct cmd_run *r, int rc)
{
	int ret = cmd_exit_code(rc);

	if (D.m.requests)
		fprintf(stderr, "nmidbg: drgn: %" PRIu64 " reads, %" PRIu64 " bytes on the line "
			"in %" PRIu64 " kgdb reads, %.0f%% of lines from the cache, %ld ms\n",
			D.m.requests, D.m.board_bytes, D.m.board_reads,
			D.m.hits + D.m.misses ? 100.0 * (double)D.m.hits /
			(double)(D.m.hits + D.m.misses) : 0.0, D.ms);
	if (!rc && D.a.wrong_vmlinux) {
		fprintf(stderr, "nmidbg: drgn not started; the board is %s\n", r->after);
		return NMIDBG_EXIT_VMLINUX;
	}
	if (rc == CMD_ENOTRUN) {
		fprintf(stderr, "nmidbg: the board is %s\n", r->after);
		return NMIDBG_EXIT_FAIL;
	}
	if (!rc) {
		fprintf(stderr, "nmidbg: drgn exited (%d); the board is %s\n",
			WIFEXITED(D.status) ? WEXITSTATUS(D.status) : -1, r->after);
		if (D.status)
			ret = NMIDBG_EXIT_FAIL;
	}
	return ret;
}

static int drgn_finish(struct cmd_run *r, int rc)
{
	int ret = drgn_exit(r, rc);

	if (D.a.json)
		drgn_json(r, ret);
	memserve_free(&D.m);
	free(D.doc);
	return ret;
}

const struct cmd_frame cmd_drgn_frame = {
	.prepare = drgn_prepare, .body = drgn_body, .finish = drgn_finish,
};
