// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The triage report, in Markdown for people and JSON for CI, from what
 * triage.c parsed: formatting only.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "triage.h"

/* Text as a fenced block, one consecutive duplicate line dropped each
 * (kdb shows another CPU's stack twice: its printk and its own copy). */
static void md_block(FILE *f, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *prev = NULL;
	size_t prev_len = 0;

	fputs("```\n", f);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (!(prev && n == prev_len && memcmp(p, prev, n) == 0))
			fprintf(f, "%.*s\n", (int)n, p);
		prev = p;
		prev_len = n;
		p += n + 1;
	}
	fputs("```\n\n", f);
}

/* A block of text that may be missing (NULL: an empty block). */
static void md_text(FILE *f, const char *text)
{
	md_block(f, text ? text : "", text ? strlen(text) : 0);
}

/* The frame "where" names: the CPU's own, for its file:line. */
static const struct frame *where_frame(const struct triage_cpu *c)
{
	for (int i = 0; i < c->nframes; i++)
		if (c->frames[i].line && !strcmp(c->frames[i].func, c->where))
			return &c->frames[i];
	return NULL;
}

/* A stack: its frames with file:line once resolved, else kdb's text. */
static void md_stack(FILE *f, const struct triage *t, const struct frame *fr, int n,
		     const char *raw, size_t raw_len)
{
	char line[600];

	if (!t->lines || !n) {
		md_block(f, raw ? raw : "", raw ? raw_len : 0);
		return;
	}
	fputs("```\n", f);
	for (int i = 0; i < n; i++) {
		frames_format(&fr[i], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	fputs("```\n\n", f);
}

/* gdb's part, by either route: frames as readable lines (the JSON twin
 * of the report has them as data), lx-ps, lx-dmesg. */
static void md_gdb_views(FILE *f, const struct triage *t)
{
	fputs("## gdb with the vmlinux\n\nnmidbg-triage: every CPU's frames with file:line\n\n", f);
	md_text(f, t->gdb_text);
	fputs("### lx-ps\n\n", f);
	md_text(f, t->lx_ps);
	fputs("### lx-dmesg\n\n", f);
	md_text(f, t->lx_dmesg);
}

void triage_write_md(FILE *f, const struct triage *t)
{
	fprintf(f, "# nmidbg triage: %s\n\n", t->port);
	if (t->partial)
		fprintf(f, "**Partial report: %s.**\n\n", t->partial_why);
	if (t->via)
		fprintf(f, "- time: %s\n- entry: %s, every core halted in %ld ms\n- board after: %s\n"
			"- via: %s (serial: %s)\n\n", t->time, t->how, t->entry_ms, t->after,
			t->via, t->serial);
	else
		fprintf(f, "- time: %s\n- entry: %s in %ld ms, kdb on cpu %d\n- board after: %s\n\n",
			t->time, t->how, t->entry_ms, t->kdb_cpu, t->after);
	fputs("## CPUs\n\n| cpu | pid | comm | where | at |\n|---|---|---|---|---|\n", f);
	for (int i = 0; i < t->ncpus; i++) {
		const struct triage_cpu *c = &t->cpus[i];
		const struct frame *w = where_frame(c);

		fprintf(f, "| %d | ", c->cpu);
		if (c->pid >= 0)
			fprintf(f, "%d", c->pid);
		else
			fputc('?', f);
		fprintf(f, " | %s | %s | ", c->comm[0] ? c->comm : "?", c->where);
		if (w)
			fprintf(f, "%s:%d", w->file, w->line);
		fputs(" |\n", f);
	}
	fputc('\n', f);
	for (int i = 0; i < t->ncpus; i++) {
		const struct triage_cpu *c = &t->cpus[i];

		if (!c->stopped) {
			fprintf(f, "### CPU %d: %s\n\n", c->cpu, c->where);
			if (c->pid >= 0)
				fprintf(f, "kdb's `ps R` shows pid %d (%s) running on it.\n\n",
					c->pid, c->comm);
			continue;
		}
		fprintf(f, "### CPU %d: pid %d (%s)\n\n", c->cpu, c->pid, c->comm);
		md_stack(f, t, c->frames, c->nframes, c->trace, c->trace_len);
	}
	fprintf(f, "## Tasks in D state (%d)\n\n", t->nblocked);
	for (int i = 0; i < t->nblocked; i++) {
		const struct triage_task *k = &t->blocked[i];

		fprintf(f, "### pid %d (%s)\n\n", k->pid, k->comm);
		md_stack(f, t, k->frames, k->nframes, k->stack, k->stack ? strlen(k->stack) : 0);
	}
	fputs("## Kernel log (tail, from kdb)\n\n", f);
	md_text(f, t->dmesg);
	if (t->vmlinux && !t->vmlinux_match) {
		fprintf(f, "## The vmlinux\n\nNot used: %s is not the running kernel "
			"(its file:line would be wrong).\n\n- board: %s\n- vmlinux: %s\n",
			t->vmlinux, t->board_banner, t->vmlinux_banner);
		return;
	}
	if (t->via) {
		/* The JTAG route: gdb alone, through the probe. */
		fputs("## How this was collected\n\n- stacks, file:line, tasks, log: gdb-multiarch "
		      "with the vmlinux through JTAG (nmidbg-triage, lx-ps, lx-dmesg)\n\n", f);
		md_gdb_views(f, t);
		return;
	}
	fputs("## How this was collected\n\n- stacks, tasks, log: kdb (btc, ps D, btp, dmesg)\n", f);
	if (!t->vmlinux)
		fputs("- file:line: none (no vmlinux given)\n", f);
	else if (t->lines)
		fprintf(f, "- file:line: %d frames, from %s's DWARF on the host (libdw)\n",
			t->lines, t->vmlinux);
	else
		fprintf(f, "- file:line: none (%s)\n", t->lines_why[0] ? t->lines_why : "no frame resolved");
	if (!t->gdb_json && !t->lx_ps) {
		fputs("- gdb views (lx-ps, lx-dmesg, every thread): not run (`--gdb` runs them)\n", f);
		return;
	}
	fputs("- gdb views: gdb-multiarch with the vmlinux, over kgdb\n\n", f);
	md_gdb_views(f, t);
}

static void json_text_lines(FILE *f, const char *text, size_t len)
{
	char *copy = strndup(text ? text : "", text ? len : 0);

	json_lines(f, copy ? copy : "");
	free(copy);
}

static void json_str(FILE *f, const char *s)
{
	json_string(f, s, strlen(s));
}

static void json_frames(FILE *f, const struct frame *fr, int n)
{
	fputc('[', f);
	for (int i = 0; i < n; i++) {
		const struct frame *x = &fr[i];

		fprintf(f, "%s{\"function\": ", i ? ", " : "");
		json_str(f, x->func);
		fprintf(f, ", \"offset\": %lu, \"size\": %lu, \"pc\": %s, \"module\": ",
			x->off, x->size, x->pc ? "true" : "false");
		if (x->module[0])
			json_str(f, x->module);
		else
			fputs("null", f);
		fputs(", \"file\": ", f);
		if (x->line) {
			json_str(f, x->file);
			fprintf(f, ", \"line\": %d, \"inlined\": ", x->line);
		} else {
			fputs("null, \"line\": null, \"inlined\": ", f);
		}
		if (x->line && x->inlined[0]) {
			fputs("{\"function\": ", f);
			json_str(f, x->inlined);
			fputs(", \"file\": ", f);
			json_str(f, x->inl_file);
			fprintf(f, ", \"line\": %d}", x->inl_line);
		} else {
			fputs("null", f);
		}
		fputc('}', f);
	}
	fputc(']', f);
}

void triage_write_json(FILE *f, const struct triage *t)
{
	fputs("{\"tool\": \"nmidbg triage\", \"port\": ", f);
	json_string(f, t->port, strlen(t->port));
	fprintf(f, ", \"time\": \"%s\", \"entry\": {\"how\": \"%s\", \"ms\": %ld, \"cpu\": %d}, \"after\": \"%s\",\n \"partial\": %s, \"partial_why\": ",
		t->time, t->how, t->entry_ms, t->kdb_cpu, t->after,
		t->partial ? "true" : "false");
	if (t->partial)
		json_string(f, t->partial_why, strlen(t->partial_why));
	else
		fputs("null", f);
	fprintf(f, ",\n \"via\": \"%s\", \"serial_failed\": ", t->via ? t->via : "serial");
	if (t->via)
		json_string(f, t->serial, strlen(t->serial));
	else
		fputs("null", f);
	fputs(",\n \"cpus\": [", f);
	for (int i = 0; i < t->ncpus; i++) {
		const struct triage_cpu *c = &t->cpus[i];

		fprintf(f, "%s\n  {\"cpu\": %d, \"stopped\": %s, \"pid\": ", i ? "," : "",
			c->cpu, c->stopped ? "true" : "false");
		if (c->pid >= 0)
			fprintf(f, "%d", c->pid);
		else
			fputs("null", f);
		fputs(", \"comm\": ", f);
		json_string(f, c->comm, strlen(c->comm));
		fputs(", \"where\": ", f);
		json_string(f, c->where, strlen(c->where));
		fputs(", \"trace\": ", f);
		json_text_lines(f, c->trace, c->trace_len);
		fputs(",\n   \"frames\": ", f);
		json_frames(f, c->frames, c->nframes);
		fputc('}', f);
	}
	fputs("],\n \"blocked\": [", f);
	for (int i = 0; i < t->nblocked; i++) {
		fprintf(f, "%s{\"pid\": %d, \"comm\": ", i ? ", " : "", t->blocked[i].pid);
		json_string(f, t->blocked[i].comm, strlen(t->blocked[i].comm));
		fputs(", \"stack\": ", f);
		json_lines(f, t->blocked[i].stack ? t->blocked[i].stack : "");
		fputs(", \"frames\": ", f);
		json_frames(f, t->blocked[i].frames, t->blocked[i].nframes);
		fputc('}', f);
	}
	fputs("],\n \"dmesg\": ", f);
	json_lines(f, t->dmesg ? t->dmesg : "");
	/*
	 * gdb's line goes in as the object it is, but only if it is one:
	 * a garbled or cut-off line goes in as a string, the report stays
	 * valid JSON either way.
	 */
	fputs(",\n \"vmlinux\": ", f);
	if (t->vmlinux) {
		fputs("{\"path\": ", f);
		json_string(f, t->vmlinux, strlen(t->vmlinux));
		fprintf(f, ", \"running_kernel\": %s, \"board\": ",
			t->vmlinux_match < 0 ? "null" : t->vmlinux_match ? "true" : "false");
		json_string(f, t->board_banner, strlen(t->board_banner));
		fputs(", \"file\": ", f);
		json_string(f, t->vmlinux_banner, strlen(t->vmlinux_banner));
		fputs(", \"kaslr_offset\": ", f);
		if (t->have_offset)
			fprintf(f, "%lld", t->kaslr_offset);
		else
			fputs("null", f);
		fprintf(f, ", \"lines\": %d, \"lines_route\": \"%s\", \"lines_why\": ", t->lines,
			t->via ? "gdb" : "libdw");
		if (t->lines || !t->lines_why[0])
			fputs("null", f);
		else
			json_str(f, t->lines_why);
		fputc('}', f);
	} else {
		fputs("null", f);
	}
	fputs(",\n \"gdb\": ", f);
	if (!t->gdb_json)
		fputs("null", f);
	else if (json_valid(t->gdb_json, strlen(t->gdb_json)))
		fputs(t->gdb_json, f);
	else
		json_string(f, t->gdb_json, strlen(t->gdb_json));
	fputs(",\n \"lx_ps\": ", f);
	if (t->lx_ps)
		json_lines(f, t->lx_ps);
	else
		fputs("null", f);
	fputs(",\n \"lx_dmesg\": ", f);
	if (t->lx_dmesg)
		json_lines(f, t->lx_dmesg);
	else
		fputs("null", f);
	fputs("}\n", f);
}

