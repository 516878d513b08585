// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg break PORT   break in and verify it
 * nmidbg kdb PORT     break in if needed, run kdb commands, resume
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_common.h"
#include "jsonw.h"

struct opts {
	struct cmd_opts c;
	int json;
	int json_started;	/* the body began the document */
	const char *cmds[64];
	int ncmds;
};

static int parse(int argc, char **argv, struct opts *o, int kdb, const char **port)
{
	static const struct option break_longopts[] = {
		CMD_BREAKIN_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	static const struct option kdb_longopts[] = {
		{ "command", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		CMD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c;

	cmd_opts_init(&o->c);
	optind = 1;
	while ((c = getopt_long(argc, argv, kdb ? "m:t:c:" : "m:t:",
				kdb ? kdb_longopts : break_longopts, NULL)) != -1) {
		if (c == 'c' && o->ncmds == 64)
			return cmd_usage_error(argv[0], "at most 64 commands (-c)");
		if (c == 'c')
			o->cmds[o->ncmds++] = optarg;
		else if (c == 'j')
			o->json = 1;
		else if (cmd_opts_parse(&o->c, argv[0], c, optarg))
			return -1;
	}
	if (optind >= argc)
		return cmd_usage_error(argv[0], "no PORT");
	if (optind < argc - 1)
		return cmd_usage_error(argv[0], "'%s': one PORT only", argv[optind + 1]);
	if (kdb && !o->ncmds)
		return cmd_usage_error(argv[0], "no command to run (-c CMD)");
	*port = argv[optind];
	return 0;
}

static struct opts O;	/* one command per process */

static int break_prepare(int argc, char **argv, struct cmd_run *r)
{
	if (parse(argc, argv, &O, 0, &r->port))
		return NMIDBG_EXIT_USAGE;
	r->o = O.c;
	return 0;
}

static int break_body(struct cmd_run *r)
{
	printf("in kdb on cpu %d: %s in %ld ms\n", r->e.cpu,
	       strcmp(r->e.how, "already") ? r->e.how : "it was already there", r->e.ms);
	return 0;
}

const struct cmd_frame cmd_break_frame = {
	.prepare = break_prepare, .body = break_body,
};

static int kdb_prepare(int argc, char **argv, struct cmd_run *r)
{
	if (parse(argc, argv, &O, 1, &r->port))
		return NMIDBG_EXIT_USAGE;
	r->o = O.c;
	return 0;
}

/*
 * With --json, one document written as the commands run: the head before
 * the first, a member a command, the tail once the board is left.  A
 * signal only sets a flag: the command ends, cmd_leave() leaves the
 * board, and the tail is still written, so the document is whole.
 */
static int kdb_body(struct cmd_run *r)
{
	struct session *s = &r->s;
	struct json_writer w;
	const char *after;
	int rc = 0;

	jw_init(&w, stdout);
	if (O.json) {
		O.json_started = 1;
		cmd_json_head(&w, "nmidbg-kdb", r);
		jw_key(&w, "commands");
		jw_array(&w);
	}
	for (int i = 0; i < O.ncmds && !rc; i++) {
		char *out;
		long t0 = session_now_ms();

		rc = kdb_run(s, O.cmds[i], r->o.how.timeout_ms * 4, &out);
		if (rc) {
			cmd_complain(s, O.cmds[i], rc);
			break;
		}
		if (O.json) {
			jw_object(&w);
			jw_kstr(&w, "command", O.cmds[i]);
			jw_kint(&w, "ms", session_now_ms() - t0);
			jw_key(&w, "output");
			jw_lines(&w, out, strlen(out));
			jw_object_end(&w);
		} else {
			if (O.ncmds > 1)
				printf("[%d]kdb> %s\n", r->e.cpu, O.cmds[i]);
			fputs(out, stdout);
		}
		free(out);
	}
	after = cmd_leave(r);
	if (O.json) {
		jw_array_end(&w);
		jw_kbool(&w, "resumed", !strcmp(after, "running"));
		jw_kstr(&w, "after", after);
		jw_kbool(&w, "ok", !rc);
		jw_object_end(&w);
		jw_finish(&w);
	}
	return rc;
}

/* --json is a document on every path: also when the body never ran. */
static int kdb_finish(struct cmd_run *r, int rc)
{
	int ret = cmd_exit_code(rc);

	if (O.json && !O.json_started)
		cmd_json_failure(stdout, "nmidbg-kdb", r, ret, 0);
	return ret;
}

const struct cmd_frame cmd_kdb_frame = {
	.prepare = kdb_prepare, .body = kdb_body, .finish = kdb_finish,
};
