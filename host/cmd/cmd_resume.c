// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg resume PORT   a board left stopped in kdb runs again; one that
 *                      runs is left alone
 *
 * For a lab's driver and for whoever used --stay: the one way to let the
 * board go without knowing how it was left.  Only an empty line is sent,
 * never the knock: on a running board that is an empty shell line, in
 * kdb a new prompt (at kdb's pager, its "more> " is answered with 'q'),
 * waited for as long as --timeout (a slow or proxied line).
 * The frame's leave (cmd_leave()) then does the rest, as for every
 * command: kgdb back to kdb, the pager ended, `go`.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "cmd_common.h"

static int was_kdb;	/* the probe found kdb (one command per process) */

static int resume_prepare(int argc, char **argv, struct cmd_run *r)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "deadline", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:", longopts, NULL)) != -1)
		if (cmd_opts_parse(&r->o, argv[0], c, optarg))
			return NMIDBG_EXIT_USAGE;
	if (optind >= argc)
		return cmd_usage_error(argv[0], "no PORT");
	if (optind < argc - 1)
		return cmd_usage_error(argv[0], "'%s': one PORT only", argv[optind + 1]);
	r->port = argv[optind];
	return 0;
}

static int resume_body(struct cmd_run *r)
{
	struct session *s = &r->s;
	int rc;

	session_mark(s);
	s->quit_more = 1;
	rc = session_send(s, "\r");
	if (!rc)
		rc = session_wait(s, r->o.how.timeout_ms, kdb_prompted);
	s->quit_more = 0;
	if (rc == SESSION_TIMEOUT)
		return 0;	/* no prompt: not in kdb */
	if (!rc)
		was_kdb = 1;
	return rc;
}

static int resume_finish(struct cmd_run *r, int rc)
{
	const char *after = r->after ? r->after : "unknown";

	if (rc)
		return cmd_exit_code(rc);
	if (was_kdb && !strcmp(after, "running")) {
		printf("resumed: the board was in kdb, `go` sent\n");
		return NMIDBG_EXIT_OK;
	}
	if (was_kdb) {
		fprintf(stderr, "nmidbg resume: the board was in kdb and is %s\n", after);
		return NMIDBG_EXIT_FAIL;
	}
	printf("not stopped in kdb: no kdb prompt in %d ms; left as it is\n",
	       r->o.how.timeout_ms);
	return NMIDBG_EXIT_OK;
}

const struct cmd_frame cmd_resume_frame = {
	.prepare = resume_prepare, .body = resume_body, .finish = resume_finish,
};
