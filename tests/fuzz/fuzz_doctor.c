// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * libFuzzer target: nmidbg doctor's parsers (boot log lines, kdb's md and
 * mdr, btc, kernel parameters) on arbitrary bytes, and the judgement and
 * writers on what they produce: the JSON must always be valid JSON.  (The
 * vmlinux is read by libelf, in host/io/vmlinux.c: not a parser of ours.)
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct doctor_facts f;
	static struct doctor_report r;
	uint8_t mdr[64];
	char *text = malloc(size + 1), *json = NULL, val[32];
	FILE *null = fopen("/dev/null", "w"), *js;
	size_t json_len = 0;
	uint64_t a, w;

	if (!text || !null)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	doctor_facts_init(&f);
	f.port = "fuzz";
	f.entered = size & 1;
	f.knock_sent = "$3#33";
	doctor_parse_log(&f, text);
	doctor_parse_btc(&f, text);
	doctor_param(text, "kgdboc", val, sizeof(val));
	if (doctor_parse_mdr(text, mdr, sizeof(mdr)) > (int)sizeof(mdr))
		abort();
	if (!doctor_parse_md(text, &a, &w))
		f.run_addr = a;
	f.vm = (enum doctor_vm)(size % 6);
	f.vmlinux = text;
	doctor_judge(&f, &r);
	doctor_write_text(null, &f, &r);
	js = open_memstream(&json, &json_len);
	if (!js)
		abort();
	doctor_write_json(js, &f, &r);
	fclose(js);
	if (!json_valid(json, json_len))
		abort();
	free(json);
	fclose(null);
	free(text);
	return 0;
}
