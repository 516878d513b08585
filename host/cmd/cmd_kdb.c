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
#include "json.h"

struct opts {
	struct cmd_opts c;
	int json;
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

int cmd_break(int argc, char **argv)
{
	struct opts o = { 0 };
	struct session s;
	struct kdb_entry e;
	const char *port = NULL;
	int rc;

	if (parse(argc, argv, &o, 0, &port))
		return NMIDBG_EXIT_USAGE;
	if (cmd_open_session(port, &s))
		return NMIDBG_EXIT_PORT;
	rc = cmd_enter(&s, &o.c, &e);
	if (!rc)
		printf("in kdb on cpu %d: %s in %ld ms\n", e.cpu,
		       strcmp(e.how, "already") ? e.how : "it was already there", e.ms);
	cmd_close_session(&s);
	return cmd_exit_code(rc);
}

int cmd_kdb(int argc, char **argv)
{
	struct opts o = { 0 };
	struct session s;
	struct kdb_entry e;
	const char *port = NULL;
	int rc, i;

	if (parse(argc, argv, &o, 1, &port))
		return NMIDBG_EXIT_USAGE;
	if (cmd_open_session(port, &s))
		return NMIDBG_EXIT_PORT;
	rc = cmd_enter(&s, &o.c, &e);
	if (rc)
		goto out;
	if (o.json) {
		printf("{\"port\": ");
		json_string(stdout, port, strlen(port));
		printf(", \"entry\": {\"how\": \"%s\", \"ms\": %ld}, \"cpu\": %d, \"commands\": [",
		       e.how, e.ms, e.cpu);
	}
	for (i = 0; i < o.ncmds && !rc; i++) {
		char *out;
		long t0 = session_now_ms();

		rc = kdb_run(&s, o.cmds[i], o.c.how.timeout_ms * 4, &out);
		if (rc) {
			cmd_complain(&s, o.cmds[i], rc);
			break;
		}
		if (o.json) {
			printf("%s{\"command\": ", i ? ", " : "");
			json_string(stdout, o.cmds[i], strlen(o.cmds[i]));
			printf(", \"ms\": %ld, \"output\": ", session_now_ms() - t0);
			json_lines(stdout, out);
			printf("}");
		} else {
			if (o.ncmds > 1)
				printf("[%d]kdb> %s\n", e.cpu, o.cmds[i]);
			fputs(out, stdout);
		}
		free(out);
	}
	if (!rc && !o.c.stay)
		rc = kdb_go(&s);
	if (o.json)
		printf("], \"resumed\": %s, \"ok\": %s}\n", !rc && !o.c.stay ? "true" : "false",
		       rc ? "false" : "true");
out:
	cmd_close_session(&s);
	return cmd_exit_code(rc);
}
