// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * libFuzzer target: OpenOCD's text (the `targets` table, its log's error
 * lines, --openocd ARGS) and gdb's triage text (the JTAG route's CPU
 * table) on arbitrary input.  Every record must be terminated and within
 * bounds, every trace within the input, and the JSON report written from
 * a JTAG route's CPUs valid.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdbcpus.h"
#include "json.h"
#include "ocd.h"
#include "triage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_targets(const char *text)
{
	struct ocd_target t[4];
	int n = ocd_parse_targets(text, t, 4);

	if (n < 0 || n > 4)
		abort();
	for (int i = 0; i < n; i++)
		if (strlen(t[i].name) >= sizeof(t[i].name) || !t[i].name[0] ||
		    strlen(t[i].state) >= sizeof(t[i].state) || !t[i].state[0])
			abort();
}

static void check_split(const char *text)
{
	char buf[256], *argv[8];
	int n = ocd_split_args(text, buf, sizeof(buf), argv, 8);

	if (n > 8)
		abort();
	for (int i = 0; i < n; i++)
		if (argv[i] < buf || argv[i] + strlen(argv[i]) >= buf + sizeof(buf))
			abort();
}

/* The report's JSON, written to a file and read back whole: valid? */
static int report_json_valid(const struct triage *t)
{
	FILE *f = tmpfile();
	char *back = NULL;
	size_t cap = 0;
	ssize_t n;
	int ok;

	if (!f)
		abort();
	triage_write_json(f, t);
	rewind(f);
	n = getdelim(&back, &cap, '\0', f);
	ok = n > 0 && json_valid(back, (size_t)n);
	free(back);
	fclose(f);
	return ok;
}

static void check_cpus(const char *text, size_t size)
{
	static struct triage t;

	memset(&t, 0, sizeof(t));
	t.port = "none";
	t.how = "jtag";
	t.after = "running";
	t.via = "jtag";
	snprintf(t.serial, sizeof(t.serial), "no serial port given");
	t.ncpus = gdbcpus_parse(text, t.cpus, TRIAGE_MAX_CPUS);
	if (t.ncpus < 0 || t.ncpus > TRIAGE_MAX_CPUS)
		abort();
	for (int i = 0; i < t.ncpus; i++)
		if (t.cpus[i].trace && (t.cpus[i].trace < text ||
					t.cpus[i].trace + t.cpus[i].trace_len > text + size))
			abort();
	if (!report_json_valid(&t))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), why[64];
	enum ocd_log k;

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	check_targets(text);
	k = ocd_classify_log(text, why, sizeof(why));
	if (k > OCD_LOG_IN_USE || strlen(why) >= sizeof(why) ||
	    (k == OCD_LOG_NONE && why[0]))
		abort();
	check_split(text);
	if (!gdbcpus_version(text, why, sizeof(why)) && strchr(why, '\n'))
		abort();	/* the first line only */
	check_cpus(text, size);
	free(text);
	return 0;
}
