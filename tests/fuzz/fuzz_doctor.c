// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * libFuzzer target: nmidbg doctor's parsers (boot log lines, kdb's md and
 * mdr, btc, kernel parameters) and the ELF reader on arbitrary bytes, and
 * the judgement and writers on what they produce: the JSON must always
 * be valid JSON, the ELF reader never reads outside its image (ASan).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"
#include "elf.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct doctor_facts f;
	static struct doctor_report r;
	uint8_t *img = malloc(size ? size : 1), mdr[64];
	char *text = malloc(size + 1), *json = NULL, val[32];
	FILE *null = fopen("/dev/null", "w"), *js;
	size_t json_len = 0, avail;
	uint64_t a, w;
	const uint8_t *at;

	if (!img || !text || !null)
		abort();
	memcpy(img, data, size);	/* exactly size bytes: ASan sees any overread */
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
	if (!elf_symbol(img, size, "linux_banner", &f.vm_addr)) {
		at = elf_at(img, size, f.vm_addr, &avail);
		if (at && (at < img || at + avail > img + size))
			abort();	/* a pointer must lie within the image */
	}
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
	free(img);
	return 0;
}
