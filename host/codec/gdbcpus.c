// SPDX-License-Identifier: GPL-3.0-or-later
/* The CPU table from gdbscripts' text (gdbcpus.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdbcpus.h"

/* Inlined helpers a halted CPU is found in: the caller is the news. */
static const char *const spin[] = {
	"cpu_relax", "__cpu_relax", "arch_local_irq_disable",
	"arch_local_irq_restore", "__delay", "__const_udelay",
};

static int is_spin(const char *fn, size_t n)
{
	for (size_t i = 0; i < sizeof(spin) / sizeof(spin[0]); i++)
		if (strlen(spin[i]) == n && !memcmp(spin[i], fn, n))
			return 1;
	return 0;
}

/* "CPU3: pid 42 (comm)": 0 and the fields, or -1. */
static int cpu_line(const char *p, const char *end, struct triage_cpu *c)
{
	const char *open, *close;
	char pid[16];
	int cpu, used = 0;

	if (sscanf(p, "CPU%d: pid %15s (%n", &cpu, pid, &used) != 2 || !used ||
	    p + used > end || cpu < 0)
		return -1;
	open = p + used - 1;
	close = end;
	while (close > open && close[-1] != ')')
		close--;
	if (close == open)
		return -1;
	memset(c, 0, sizeof(*c));
	c->cpu = cpu;
	c->stopped = 1;
	c->pid = strcmp(pid, "None") ? atoi(pid) : -1;
	snprintf(c->comm, sizeof(c->comm), "%.*s", (int)(close - 1 - open - 1), open + 1);
	if (!strcmp(c->comm, "None"))
		c->comm[0] = '\0';
	return 0;
}

/* "  #0  0xPC function ...": the function's name, or NULL. */
static const char *frame_fn(const char *p, const char *end, size_t *n)
{
	const char *s = p, *e;

	while (s < end && *s == ' ')
		s++;
	if (s >= end || *s != '#')
		return NULL;
	while (s < end && *s != ' ')		/* #N */
		s++;
	while (s < end && *s == ' ')
		s++;
	if (end - s < 2 || strncmp(s, "0x", 2))
		return NULL;
	while (s < end && *s != ' ')		/* 0xPC */
		s++;
	while (s < end && *s == ' ')
		s++;
	e = s;
	while (e < end && *e != ' ')
		e++;
	*n = (size_t)(e - s);
	return e > s ? s : NULL;
}

int gdbcpus_parse(const char *text, struct triage_cpu *cpus, int max)
{
	struct triage_cpu *c = NULL;
	const char *p = text;
	int n = 0, spun = 0;	/* c's where is a spin helper, for now */

	while (*p) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		const char *fn;
		size_t len;

		if (n < max && !cpu_line(p, end, &cpus[n])) {
			c = &cpus[n++];
			spun = 0;
		} else if (c && (fn = frame_fn(p, end, &len))) {
			if (!c->trace)
				c->trace = p;
			c->trace_len = (size_t)(end - c->trace) + (nl ? 1 : 0);
			if (!c->where[0] || (spun && !is_spin(fn, len))) {
				snprintf(c->where, sizeof(c->where), "%.*s", (int)len, fn);
				spun = is_spin(fn, len);
			}
		} else {
			c = NULL;	/* the CPU's frames end at any other line */
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return n;
}

int gdbcpus_version(const char *json, char *buf, size_t cap)
{
	static const char key[] = "\"version\": \"";
	const char *p = json ? strstr(json, key) : NULL;
	size_t n = 0;

	if (!p || !cap)
		return -1;
	for (p += sizeof(key) - 1; *p && *p != '"'; p++) {
		char c = *p;

		if (c == '\n')
			break;	/* not JSON (a raw line end): its first line all the same */

		if (c == '\\') {
			if (!p[1])
				return -1;
			c = *++p;
			if (c == 'n')
				break;	/* the first line only */
			if (c == 'u') {		/* \uXXXX: not in a banner */
				for (int k = 0; k < 4 && p[1] && p[1] != '"'; k++)
					p++;
				c = '?';
			} else if (c == 't' || c == 'r') {
				c = ' ';
			}
		}
		if (c == '\n')
			break;	/* an escaped raw line end: the same */
		if (n + 1 < cap)
			buf[n++] = c;
	}
	if (!*p)
		return -1;
	while (n && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	return 0;
}
