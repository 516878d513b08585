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
#include "kdb.h"

struct opts {
	enum kdb_method method;
	int timeout_ms;
	const char *sysrq_cmd;
	int json, stay;
	const char *cmds[64];
	int ncmds;
};

static int parse(int argc, char **argv, struct opts *o, int kdb, const char **port)
{
	static const struct option longopts[] = {
		{ "method", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "sysrq-cmd", required_argument, NULL, 's' },
		{ "command", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "stay", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->method = KDB_AUTO;
	o->timeout_ms = 5000;
	o->sysrq_cmd = "echo g > /proc/sysrq-trigger";
	optind = 1;
	while ((c = getopt_long(argc, argv, kdb ? "m:t:c:" : "m:t:", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'm':
			if (kdb_parse_method(optarg, &o->method)) {
				fprintf(stderr, "nmidbg: --method is auto, knock, break or sysrq\n");
				return -1;
			}
			break;
		case 't':
			o->timeout_ms = (int)(atof(optarg) * 1000);
			if (o->timeout_ms <= 0) {
				fprintf(stderr, "nmidbg: --timeout wants seconds > 0\n");
				return -1;
			}
			break;
		case 's':
			o->sysrq_cmd = optarg;
			break;
		case 'c':
			if (!kdb || o->ncmds == 64)
				return -1;
			o->cmds[o->ncmds++] = optarg;
			break;
		case 'j':
		case 'S':
			if (!kdb)
				return -1;
			*(c == 'j' ? &o->json : &o->stay) = 1;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 1 || (kdb && !o->ncmds)) {
		fprintf(stderr, "usage: nmidbg %s PORT %s\n", argv[0],
			kdb ? "-c CMD [-c CMD...] [--json] [--stay] [--method M] [--timeout S]" :
			      "[--method auto|knock|break|sysrq] [--timeout S]");
		return -1;
	}
	*port = argv[optind];
	return 0;
}

static int exit_code(int rc)
{
	switch (rc) {
	case SESSION_OK:
		return NMIDBG_EXIT_OK;
	case SESSION_TIMEOUT:
		return NMIDBG_EXIT_FAIL;
	case SESSION_INTR:
		return NMIDBG_EXIT_INTR;
	case SESSION_REBOOT:
		return NMIDBG_EXIT_REBOOT;
	default:
		return NMIDBG_EXIT_PORT;
	}
}

static void complain(struct session *s, const char *what, int rc)
{
	char seen[200];

	if (rc == SESSION_TIMEOUT)
		fprintf(stderr, "nmidbg: %s: no answer from the board; last seen: %s\n",
			what, session_last_seen(s, seen, sizeof(seen)));
	else
		fprintf(stderr, "nmidbg: %s: %s\n", what, session_strerror(s, rc));
}

static int open_session(const char *spec, struct session *s)
{
	char err[300];
	struct port *p;
	int rc = port_open(spec, &p, err, sizeof(err));

	if (rc) {
		fprintf(stderr, "nmidbg: %s\n", err);
		return -1;
	}
	session_init(s, p);
	session_catch_sigint();
	return 0;
}

static void close_session(struct session *s)
{
	port_close(s->port);
	session_free(s);
}

static int enter(struct session *s, const struct opts *o, struct kdb_entry *e)
{
	int rc = kdb_break_in(s, o->method, o->timeout_ms, o->sysrq_cmd, e);

	if (rc)
		complain(s, o->method == KDB_AUTO ? "break-in (knock, then BREAK+g)" :
			 "break-in", rc);
	return rc;
}

int cmd_break(int argc, char **argv)
{
	struct opts o = { 0 };
	struct session s;
	struct kdb_entry e;
	const char *port;
	int rc;

	if (parse(argc, argv, &o, 0, &port))
		return NMIDBG_EXIT_USAGE;
	if (open_session(port, &s))
		return NMIDBG_EXIT_PORT;
	rc = enter(&s, &o, &e);
	if (!rc)
		printf("in kdb on cpu %d: %s in %ld ms\n", e.cpu,
		       strcmp(e.how, "already") ? e.how : "it was already there", e.ms);
	close_session(&s);
	return exit_code(rc);
}

static void json_string(FILE *f, const char *str, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)str[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_lines(FILE *f, const char *text)
{
	const char *p = text;
	int first = 1;

	fputc('[', f);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		fputs(first ? "" : ", ", f);
		json_string(f, p, n);
		first = 0;
		p += n + (nl ? 1 : 0);
	}
	fputc(']', f);
}

int cmd_kdb(int argc, char **argv)
{
	struct opts o = { 0 };
	struct session s;
	struct kdb_entry e;
	const char *port;
	int rc, i;

	if (parse(argc, argv, &o, 1, &port))
		return NMIDBG_EXIT_USAGE;
	if (open_session(port, &s))
		return NMIDBG_EXIT_PORT;
	rc = enter(&s, &o, &e);
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

		rc = kdb_run(&s, o.cmds[i], o.timeout_ms * 4, &out);
		if (rc) {
			complain(&s, o.cmds[i], rc);
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
	if (!rc && !o.stay)
		rc = kdb_go(&s);
	if (o.json)
		printf("], \"resumed\": %s, \"ok\": %s}\n", !rc && !o.stay ? "true" : "false",
		       rc ? "false" : "true");
out:
	close_session(&s);
	return exit_code(rc);
}
