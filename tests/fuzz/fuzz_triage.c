// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * libFuzzer target: the triage parsers (kdb's btc and ps output, their
 * frames, gdb's sectioned output) on arbitrary text, and the report
 * writers on what they produce: the JSON report must always be valid JSON.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "kdbcpus.h"
#include "triage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct triage t;
	char *text = malloc(size + 1);
	FILE *null = fopen("/dev/null", "w"), *js;
	char *json = NULL;
	size_t json_len = 0;

	if (!text || !null)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&t, 0, sizeof(t));
	t.port = "fuzz";
	t.how = "knock";
	t.after = "running";
	t.ncpus = triage_parse_btc(text, t.cpus, TRIAGE_MAX_CPUS);
	t.nblocked = triage_parse_ps(text, t.blocked, TRIAGE_MAX_BLOCKED);
	{
		unsigned char st[TRIAGE_MAX_CPUS];
		int n = kdbcpus_parse_status(text, st, TRIAGE_MAX_CPUS);

		if (n > TRIAGE_MAX_CPUS)
			abort();
		if (n > 0)
			kdbcpus_account(&t, st, n, text);
		if (t.ncpus > TRIAGE_MAX_CPUS)
			abort();
	}
	for (int i = 0; i < t.ncpus; i++)
		if (t.cpus[i].trace && (t.cpus[i].trace < text ||
					t.cpus[i].trace + t.cpus[i].trace_len > text + size))
			abort();	/* a trace must lie within the input */
	/* Frames as a resolver would leave them: every other one with a line. */
	if (triage_parse_frames(&t))
		abort();
	for (int i = 0; i < t.ncpus; i++)
		for (int k = 0; k < t.cpus[i].nframes; k += 2) {
			struct frame *f = &t.cpus[i].frames[k];

			memcpy(f->file, f->func, sizeof(f->func));
			f->line = k + 1;
			if (k % 4 == 0) {
				memcpy(f->inlined, f->module, sizeof(f->module));
				memcpy(f->inl_file, f->func, sizeof(f->func));
				f->inl_line = k;
			}
		}
	t.lines = size & 1;
	t.vmlinux = size & 2 ? "vmlinux" : NULL;
	t.vmlinux_match = 1;
	triage_parse_gdb(text, &t);
	triage_write_md(null, &t);
	js = open_memstream(&json, &json_len);
	if (!js)
		abort();
	triage_write_json(js, &t);
	fclose(js);
	if (!json_valid(json, json_len))
		abort();
	free(json);
	triage_free(&t);
	fclose(null);
	free(text);
	return 0;
}
