// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * libFuzzer target for many boards' pure half: the input is a ports file
 * (`nmidbg triage --ports FILE`).  It parses or is refused with a reason
 * that names its line; a list that parses is named, or refused for a
 * name or port given twice; a named list has every name valid, unique
 * and a file name in --dir, every port unique.  Each board then gets a
 * result made from the input's own bytes (where each CPU spins, the
 * error, the verdict), and the summary is written: its JSON passes
 * json_valid(), whatever the ports and the results hold.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fleet_result results[8];

static void check_names(const struct fleet *f)
{
	char path[4096];

	for (int i = 0; i < f->n; i++) {
		const struct fleet_board *b = &f->boards[i];

		if (!fleet_name_ok(b->name) || !strcmp(b->name, FLEET_SUMMARY))
			abort();
		for (int j = 0; j < i; j++)
			if (!strcmp(b->name, f->boards[j].name) ||
			    !strcmp(b->port, f->boards[j].port))
				abort();
		if (fleet_path(f, b, "json", path, sizeof(path)) ||
		    strncmp(path, "d/", 2) || strchr(path + 2, '/'))
			abort();
	}
}

/* Results from the input's bytes: text as given, states by its bytes. */
static void fill(struct fleet *f, const uint8_t *data, size_t size)
{
	for (int i = 0; i < f->n; i++) {
		struct fleet_board *b = &f->boards[i];
		struct fleet_result *r = &results[i % 8];
		unsigned k = size ? data[i % size] : 0;
		size_t off = size ? (size_t)i * 7 % size : 0;

		memset(r, 0, sizeof(*r));
		b->state = k % 3 == 0 ? FLEET_WAITING : FLEET_DONE;
		b->exit = (int)k - 100;
		b->ms = (long)k * 1000;
		b->res = k % 5 == 1 ? NULL : r;
		r->filled = k % 7 != 2;
		r->reported = k & 1;
		r->partial = (int)(k % 3) - 1;
		r->yes = (int)(k % 3) - 1;
		snprintf(r->error, sizeof(r->error), "%.*s", (int)(size - off), data + off);
		snprintf(r->how, sizeof(r->how), "%.*s", (int)(size - off), data + off);
		snprintf(r->after, sizeof(r->after), "%.*s", (int)(size - off), data + off);
		r->ncpus = (int)(k % 5);
		for (int c = 0; c < r->ncpus; c++) {
			r->cpus[c].cpu = c;
			r->cpus[c].stopped = (k >> c) & 1;
			snprintf(r->cpus[c].where, sizeof(r->cpus[c].where), "%.*s",
				 (int)(size - off), data + off);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fleet f;
	char err[256];
	char *out = NULL;
	size_t len = 0;
	FILE *mem;

	fleet_init(&f, size && data[0] & 1 ? "doctor" : "triage");
	f.dir = "d";
	f.jobs = 4;
	err[0] = '\0';
	if (fleet_parse_ports(&f, (const char *)data, size, err, sizeof(err))) {
		if (!err[0])
			abort();	/* a refusal says why */
		goto out;
	}
	if (fleet_name_all(&f, err, sizeof(err))) {
		if (!err[0])
			abort();
		goto out;
	}
	check_names(&f);
	fill(&f, data, size);
	mem = open_memstream(&out, &len);
	if (!mem)
		goto out;
	fleet_write_json(mem, &f);
	fclose(mem);
	if (!json_valid(out, len))
		abort();
	free(out);
	mem = open_memstream(&out, &len);
	if (!mem)
		goto out;
	fleet_write_md(mem, &f);
	fclose(mem);
	free(out);
out:
	for (int i = 0; i < f.n; i++)
		f.boards[i].res = NULL;	/* ours, not the fleet's to free */
	fleet_free(&f);
	return 0;
}
