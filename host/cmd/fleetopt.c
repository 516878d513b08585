// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Many boards in one command (fleetrun.h): the options, and the list of
 * boards read (--ports FILE) and checked before anything is started.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "fleetrun.h"
#include "num.h"
#include "port.h"

static struct cmd_fleet *fleet_want(struct cmd_fleet **fp, const char *name)
{
	if (!*fp) {
		*fp = calloc(1, sizeof(**fp));
		if (*fp)
			fleet_init(&(*fp)->f, name);
	}
	return *fp;
}

int fleet_opt(struct cmd_fleet **fp, const char *name, int c, const char *arg)
{
	struct cmd_fleet *fl;
	uint64_t jobs;

	if (c != FLEET_OPT_PORTS && c != FLEET_OPT_DIR && c != FLEET_OPT_JOBS)
		return 0;
	fl = fleet_want(fp, name);
	if (!fl) {
		fprintf(stderr, "nmidbg: out of memory\n");
		return -1;
	}
	if (c == FLEET_OPT_PORTS) {
		fl->ports_file = arg;
	} else if (c == FLEET_OPT_DIR) {
		if (!*arg || strlen(arg) >= sizeof(fl->dir) - FLEET_NAME_MAX - 16) {
			cmd_usage_error(name, "--dir: '%s' is not a directory name that fits", arg);
			return -1;
		}
		snprintf(fl->dir, sizeof(fl->dir), "%s", arg);
		fl->dir_given = 1;
	} else if (num_u64(arg, &jobs) || jobs < 1 || jobs > FLEET_JOBS_MAX) {
		cmd_usage_error(name, "--jobs: '%s' is not a number of boards at once (1 to %d)",
				arg, FLEET_JOBS_MAX);
		return -1;
	} else {
		fl->f.jobs = (int)jobs;
	}
	return 1;
}

int fleet_take_ports(struct cmd_fleet **fp, const char *name, int n, char **ports)
{
	struct cmd_fleet *fl = fleet_want(fp, name);
	char err[300];

	if (!fl) {
		fprintf(stderr, "nmidbg: out of memory\n");
		return -1;
	}
	for (int i = 0; i < n; i++)
		if (fleet_add(&fl->f, ports[i], NULL, 0, err, sizeof(err))) {
			cmd_usage_error(name, "%s", err);
			return -1;
		}
	return 0;
}

/* The whole ports file (at most 1 MiB) into the list; - is standard input. */
static int read_ports(struct cmd_fleet *fl, const char *name)
{
	const char *path = fl->ports_file;
	FILE *in = strcmp(path, "-") ? fopen(path, "re") : stdin;
	char *text = NULL, err[600];
	size_t cap = 1 << 20, len = 0;
	int rc = -1;

	if (!in) {
		cmd_usage_error(name, "--ports %s: %s", path, strerror(errno));
		return -1;
	}
	text = malloc(cap + 1);
	if (!text) {
		fprintf(stderr, "nmidbg: out of memory\n");
		goto out;
	}
	len = fread(text, 1, cap + 1, in);
	if (ferror(in)) {
		cmd_usage_error(name, "--ports %s: %s", path, strerror(errno));
		goto out;
	}
	if (len > cap) {
		cmd_usage_error(name, "--ports %s: longer than 1 MiB", path);
		goto out;
	}
	if (fleet_parse_ports(&fl->f, text, len, err, sizeof(err))) {
		cmd_usage_error(name, "--ports %s: %s", path, err);
		goto out;
	}
	rc = 0;
out:
	free(text);
	if (in != stdin)
		fclose(in);
	return rc;
}

int fleet_check_list(struct cmd_fleet *fl, const char *name)
{
	char err[600];

	if (fl->ports_file && read_ports(fl, name))
		return -1;
	if (!fl->f.n) {
		cmd_usage_error(name, "no PORT%s%s", fl->ports_file ? " in " : "",
				fl->ports_file ? fl->ports_file : "");
		return -1;
	}
	for (int i = 0; i < fl->f.n; i++)
		if (!port_spec_known(fl->f.boards[i].port, err, sizeof(err))) {
			if (fl->f.boards[i].line)
				cmd_usage_error(name, "--ports %s: line %d: %s", fl->ports_file,
						fl->f.boards[i].line, err);
			else
				cmd_usage_error(name, "%s", err);
			return -1;
		}
	if (fleet_name_all(&fl->f, err, sizeof(err))) {
		cmd_usage_error(name, "%s", err);
		return -1;
	}
	return 0;
}
