// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The triage report, in Markdown for people and JSON for CI, from what
 * triage.c parsed: formatting only.
 */
#include <stdio.h>
#include <string.h>

#include "jsonw.h"
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

/* A C string that may be missing, as text: its length, 0 for NULL. */
static size_t text_len(const char *s)
{
	return s ? strlen(s) : 0;
}

/* The next member of the report on a line of its own, as it always was. */
static void line_key(struct json_writer *w, const char *key)
{
	jw_space(w, "\n ");
	jw_key(w, key);
}

static void json_frames(struct json_writer *w, const struct frame *fr, int n)
{
	jw_array(w);
	for (int i = 0; i < n; i++) {
		const struct frame *x = &fr[i];

		jw_object(w);
		jw_kstr(w, "function", x->func);
		jw_kuint(w, "offset", x->off);
		jw_kuint(w, "size", x->size);
		jw_kbool(w, "pc", x->pc);
		jw_kstr(w, "module", x->module[0] ? x->module : NULL);
		jw_kstr(w, "file", x->line ? x->file : NULL);
		jw_kint_or_null(w, "line", x->line, x->line);
		jw_key(w, "inlined");
		if (x->line && x->inlined[0]) {
			jw_object(w);
			jw_kstr(w, "function", x->inlined);
			jw_kstr(w, "file", x->inl_file);
			jw_kint(w, "line", x->inl_line);
			jw_object_end(w);
		} else {
			jw_null(w);
		}
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void json_cpus(struct json_writer *w, const struct triage *t)
{
	line_key(w, "cpus");
	jw_array(w);
	for (int i = 0; i < t->ncpus; i++) {
		const struct triage_cpu *c = &t->cpus[i];

		jw_space(w, "\n  ");
		jw_object(w);
		jw_kint(w, "cpu", c->cpu);
		jw_kbool(w, "stopped", c->stopped);
		jw_kint_or_null(w, "pid", c->pid >= 0, c->pid);
		jw_kstr(w, "comm", c->comm);
		jw_kstr(w, "where", c->where);
		jw_key(w, "trace");
		jw_lines(w, c->trace, c->trace_len);
		jw_space(w, "\n   ");
		jw_key(w, "frames");
		json_frames(w, c->frames, c->nframes);
		jw_object_end(w);
	}
	jw_array_end(w);
	line_key(w, "blocked");
	jw_array(w);
	for (int i = 0; i < t->nblocked; i++) {
		const struct triage_task *k = &t->blocked[i];

		jw_object(w);
		jw_kint(w, "pid", k->pid);
		jw_kstr(w, "comm", k->comm);
		jw_key(w, "stack");
		jw_lines(w, k->stack, text_len(k->stack));
		jw_key(w, "frames");
		json_frames(w, k->frames, k->nframes);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void json_vmlinux(struct json_writer *w, const struct triage *t)
{
	line_key(w, "vmlinux");
	if (!t->vmlinux) {
		jw_null(w);
		return;
	}
	jw_object(w);
	jw_kstr(w, "path", t->vmlinux);
	jw_key(w, "running_kernel");
	if (t->vmlinux_match < 0)
		jw_null(w);
	else
		jw_bool(w, t->vmlinux_match);
	jw_kstr(w, "board", t->board_banner);
	jw_kstr(w, "file", t->vmlinux_banner);
	jw_kint_or_null(w, "kaslr_offset", t->have_offset, t->kaslr_offset);
	jw_kint(w, "lines", t->lines);
	jw_kstr(w, "lines_route", t->via ? "gdb" : "libdw");
	jw_kstr(w, "lines_why", t->lines || !t->lines_why[0] ? NULL : t->lines_why);
	jw_object_end(w);
}

/* Text from gdb that may be missing: its lines, or null. */
static void lines_or_null(struct json_writer *w, const char *key, const char *text)
{
	line_key(w, key);
	if (text)
		jw_lines(w, text, strlen(text));
	else
		jw_null(w);
}

void triage_write_json(FILE *f, const struct triage *t)
{
	struct json_writer w;

	jw_init(&w, f);
	jw_object(&w);
	jw_schema(&w, "nmidbg-triage");
	jw_kstr(&w, "tool", "nmidbg triage");
	jw_kstr(&w, "port", t->port);
	jw_kstr(&w, "time", t->time);
	jw_key(&w, "entry");
	jw_object(&w);
	jw_kstr(&w, "how", t->how);
	jw_kint(&w, "ms", t->entry_ms);
	jw_kint(&w, "cpu", t->kdb_cpu);
	jw_object_end(&w);
	jw_kstr(&w, "after", t->after);
	line_key(&w, "partial");
	jw_bool(&w, t->partial);
	jw_kstr(&w, "partial_why", t->partial ? t->partial_why : NULL);
	line_key(&w, "via");
	jw_str(&w, t->via ? t->via : "serial");
	jw_kstr(&w, "serial_failed", t->via ? t->serial : NULL);
	json_cpus(&w, t);
	line_key(&w, "dmesg");
	jw_lines(&w, t->dmesg, text_len(t->dmesg));
	json_vmlinux(&w, t);
	/*
	 * gdb's line goes in as the object it is, but only if it is one:
	 * a garbled or cut-off line goes in as a string, the report stays
	 * valid JSON either way.
	 */
	line_key(&w, "gdb");
	jw_raw(&w, t->gdb_json, text_len(t->gdb_json));
	lines_or_null(&w, "lx_ps", t->lx_ps);
	lines_or_null(&w, "lx_dmesg", t->lx_dmesg);
	jw_object_end(&w);
	jw_finish(&w);
}
