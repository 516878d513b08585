// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Triage evidence: parse what kdb and gdb printed (pure); the report is
 * written by triage_write.c.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * gdbscripts/kaslr.py's line, where it found the kernel (JTAG route):
 * "nmidbg-kaslr: KASLR offset [-]0xHEX ...".  0, or -1 when none is there.
 */
static int kaslr_line(const char *out, long long *offset)
{
	static const char tag[] = "nmidbg-kaslr: KASLR offset ";
	const char *p = out;

	while ((p = strstr(p, tag))) {
		const char *h = p + sizeof(tag) - 1;
		int neg = *h == '-';
		unsigned long long v = 0;
		int n = 0;

		if (p == out || p[-1] == '\n') {
			h += neg;
			if (h[0] == '0' && h[1] == 'x')
				for (h += 2; n < 16 && strchr("0123456789abcdef", *h) && *h; h++, n++)
					v = v << 4 | (unsigned long long)(*h <= '9' ? *h - '0' : *h - 'a' + 10);
			if (n && n <= 15 && (!*h || *h == ' ' || *h == '\n')) {
				*offset = neg ? -(long long)v : (long long)v;
				return 0;
			}
		}
		p += sizeof(tag) - 1;
	}
	return -1;
}

void triage_parse_gdb(const char *out, struct triage *t)
{
	char *j = section(out, "triage");
	long long offset;

	if (!kaslr_line(out, &offset)) {
		t->have_offset = 1;
		t->kaslr_offset = offset;
	}

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

static int parse_stack(const char *text, size_t len, struct frame **out, int *n)
{
	*out = NULL;
	*n = 0;
	if (!text || !len)
		return 0;
	*out = calloc(TRIAGE_MAX_FRAMES, sizeof(**out));
	if (!*out)
		return -1;
	*n = frames_parse(text, len, *out, TRIAGE_MAX_FRAMES);
	return 0;
}

int triage_parse_frames(struct triage *t)
{
	int rc = 0;

	for (int i = 0; i < t->ncpus; i++)
		if (!t->cpus[i].frames)
			rc |= parse_stack(t->cpus[i].trace, t->cpus[i].trace_len,
					  &t->cpus[i].frames, &t->cpus[i].nframes);
	for (int i = 0; i < t->nblocked; i++)
		if (!t->blocked[i].frames && t->blocked[i].stack)
			rc |= parse_stack(t->blocked[i].stack, strlen(t->blocked[i].stack),
					  &t->blocked[i].frames, &t->blocked[i].nframes);
	return rc;
}

void triage_free(struct triage *t)
{
	free(t->btc);
	free(t->ps);
	free(t->dmesg);
	for (int i = 0; i < t->ncpus; i++)
		free(t->cpus[i].frames);
	for (int i = 0; i < t->nblocked; i++) {
		free(t->blocked[i].stack);
		free(t->blocked[i].frames);
	}
	free(t->gdb_json);
	free(t->gdb_text);
	free(t->lx_ps);
	free(t->lx_dmesg);
}
