// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Triage evidence: parse what kdb and gdb printed, write the report.
 * The parsers are pure; the writers only format.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "triage.h"

/* A frame line of a kdb backtrace: " name+0xoff/0xsize". */
static int frame_name(const char *line, size_t len, char *name, size_t cap)
{
	size_t i = 0, n = 0;

	if (!len || line[0] != ' ')
		return -1;
	while (i < len && line[i] == ' ')
		i++;
	while (i < len && line[i] != '+' && line[i] != ' ' && n + 1 < cap)
		name[n++] = line[i++];
	name[n] = '\0';
	return i < len && line[i] == '+' && n ? 0 : -1;
}

static int debugger_frame(const char *name)
{
	static const char *const prefixes[] = {
		"dump_backtrace", "show_stack", "dump_stack", "kdb_", "kgdb_",
		"arch_kgdb",
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

/*
 * Where the CPU was: the frame the interrupt (the NMI that stopped it)
 * came in on top of, or without one the first frame that is not the
 * debugger's own.
 */
static void find_where(struct triage_cpu *c)
{
	const char *p = c->trace, *end = c->trace + c->trace_len;
	char name[80], first[80] = "", after_irq[80] = "";
	int take_next = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (!frame_name(p, len, name, sizeof(name))) {
			if (take_next && strncmp(name, "el1h_64_irq", 11)) {
				snprintf(after_irq, sizeof(after_irq), "%s", name);
				take_next = 0;
			}
			if (strcmp(name, "el1h_64_irq") == 0)
				take_next = 1;
			if (!first[0] && !debugger_frame(name))
				snprintf(first, sizeof(first), "%s", name);
		}
		p += len + 1;
	}
	snprintf(c->where, sizeof(c->where), "%s", after_irq[0] ? after_irq : first);
}

int triage_parse_btc(const char *btc, struct triage_cpu *cpus, int max)
{
	const char *p = btc;
	int n = 0;

	while (n < max && (p = strstr(p, "Stack traceback for pid "))) {
		struct triage_cpu *c = &cpus[n];
		const char *next = strstr(p + 1, "Stack traceback for pid ");
		const char *end = next ? next : p + strlen(p);
		const char *cpu = memmem(p, (size_t)(end - p), "CPU: ", 5);
		const char *comm = memmem(p, (size_t)(end - p), " Comm: ", 7);
		const char *trace = memmem(p, (size_t)(end - p), "Call trace:\n", 12);

		memset(c, 0, sizeof(*c));
		c->stopped = 1;
		c->pid = atoi(p + 24);
		c->cpu = cpu ? atoi(cpu + 5) : -1;
		if (comm)
			sscanf(comm + 7, "%31s", c->comm);
		if (trace) {
			c->trace = trace + 12;
			c->trace_len = (size_t)(end - c->trace);
			find_where(c);
		}
		if (c->cpu >= 0)
			n++;
		p = end;
	}
	return n;
}

int triage_parse_ps(const char *ps, struct triage_task *tasks, int max)
{
	const char *p = ps;
	int n = 0;

	while (n < max && *p) {
		const char *nl = strchr(p, '\n');
		char state, comm[32];
		int pid;

		/* "0xADDR  PID  PARENT  CURR  CPU  STATE  0xTHREAD  [*]COMM" */
		if (sscanf(p, "0x%*x %d %*d %*d %*d %c 0x%*x %31s", &pid, &state, comm) == 3 &&
		    state == 'D') {
			int dup = 0;

			for (int i = 0; i < n; i++)
				dup |= tasks[i].pid == pid;
			if (!dup) {
				tasks[n].pid = pid;
				memcpy(tasks[n].comm, comm[0] == '*' ? comm + 1 : comm,
				       sizeof(tasks[n].comm) - 1);
				tasks[n].comm[sizeof(tasks[n].comm) - 1] = '\0';
				tasks[n++].stack = NULL;
			}
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return n;
}

/* The text after "@@nmidbg NAME\n" up to the next marker, malloc'd. */
static char *section(const char *out, const char *name)
{
	char marker[64];
	const char *p, *end;

	snprintf(marker, sizeof(marker), "@@nmidbg %s\n", name);
	p = strstr(out, marker);
	if (!p)
		return NULL;
	p += strlen(marker);
	end = strstr(p, "@@nmidbg ");
	return strndup(p, end ? (size_t)(end - p) : strlen(p));
}

void triage_parse_gdb(const char *out, struct triage *t)
{
	char *j = section(out, "triage");

	t->lx_ps = section(out, "lx-ps");
	t->lx_dmesg = section(out, "lx-dmesg");
	if (j) {
		/* The one line that is the JSON object. */
		char *line = strstr(j, "{\"");

		if (line) {
			size_t n = strcspn(line, "\n");

			/* After it, the same report as text (json+text). */
			if (line[n] && line[n + 1])
				t->gdb_text = strdup(line + n + 1);
			line[n] = '\0';
			t->gdb_json = strdup(line);
		}
		free(j);
	}
}

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

void triage_write_md(FILE *f, const struct triage *t)
{
	fprintf(f, "# nmidbg triage: %s\n\n", t->port);
	if (t->partial)
		fprintf(f, "**Partial report: %s.**\n\n", t->partial_why);
	fprintf(f, "- time: %s\n- entry: %s in %ld ms, kdb on cpu %d\n- board after: %s\n",
		t->time, t->how, t->entry_ms, t->kdb_cpu, t->after);
	if (t->via)
		fprintf(f, "- via: %s (serial: %s)\n", t->via, t->serial);
	fputc('\n', f);
	fputs("## CPUs\n\n| cpu | pid | comm | where |\n|---|---|---|---|\n", f);
	for (int i = 0; i < t->ncpus; i++) {
		const struct triage_cpu *c = &t->cpus[i];

		fprintf(f, "| %d | ", c->cpu);
		if (c->pid >= 0)
			fprintf(f, "%d", c->pid);
		else
			fputc('?', f);
		fprintf(f, " | %s | %s |\n", c->comm[0] ? c->comm : "?", c->where);
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
		md_block(f, c->trace ? c->trace : "", c->trace_len);
	}
	fprintf(f, "## Tasks in D state (%d)\n\n", t->nblocked);
	for (int i = 0; i < t->nblocked; i++) {
		fprintf(f, "### pid %d (%s)\n\n", t->blocked[i].pid, t->blocked[i].comm);
		md_text(f, t->blocked[i].stack);
	}
	fputs("## Kernel log (tail, from kdb)\n\n", f);
	md_text(f, t->dmesg);
	if (t->vmlinux && !t->vmlinux_match) {
		fprintf(f, "## gdb with the vmlinux\n\nNot run: %s is not the running kernel "
			"(its file:line would be wrong).\n\n- board: %s\n- vmlinux: %s\n",
			t->vmlinux, t->board_banner, t->vmlinux_banner);
		return;
	}
	if (!t->gdb_json && !t->lx_ps) {
		fputs("No vmlinux given: no file:line, lx-ps or lx-dmesg.\n", f);
		return;
	}
	/* Readable frames; the JSON twin of the report has them as data. */
	fputs("## gdb with the vmlinux\n\nnmidbg-triage: every CPU's frames with file:line\n\n", f);
	md_text(f, t->gdb_text);
	fputs("### lx-ps\n\n", f);
	md_text(f, t->lx_ps);
	fputs("### lx-dmesg\n\n", f);
	md_text(f, t->lx_dmesg);
}

static void json_text_lines(FILE *f, const char *text, size_t len)
{
	char *copy = strndup(text ? text : "", text ? len : 0);

	json_lines(f, copy ? copy : "");
	free(copy);
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
		fputc('}', f);
	}
	fputs("],\n \"blocked\": [", f);
	for (int i = 0; i < t->nblocked; i++) {
		fprintf(f, "%s{\"pid\": %d, \"comm\": ", i ? ", " : "", t->blocked[i].pid);
		json_string(f, t->blocked[i].comm, strlen(t->blocked[i].comm));
		fputs(", \"stack\": ", f);
		json_lines(f, t->blocked[i].stack ? t->blocked[i].stack : "");
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

void triage_free(struct triage *t)
{
	free(t->btc);
	free(t->ps);
	free(t->dmesg);
	for (int i = 0; i < t->nblocked; i++)
		free(t->blocked[i].stack);
	free(t->gdb_json);
	free(t->gdb_text);
	free(t->lx_ps);
	free(t->lx_dmesg);
}
