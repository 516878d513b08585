// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Every CPU accounted for (see kdbcpus.h).  kdb knows every online CPU,
 * also one that never took the roundup (no NMI IPI, or a CPU wedged past
 * it): its `cpu` command marks it "(D)", and `btc` has no stack for it.
 * A report built from btc alone would drop exactly the CPU that hangs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kdbcpus.h"

static enum kdbcpu_state state_of(char c)
{
	switch (c) {
	case 'D':
		return KDBCPU_UNRESPONSIVE;
	case 'F':
		return KDBCPU_OFFLINE;
	case '-':
		return KDBCPU_STOPPED;
	default:
		return KDBCPU_UNLISTED;
	}
}

/*
 * A CPU number at p, or -1.  The kernel prints an int; the count (the
 * highest + 1) must fit one too, so what is beyond is no CPU but a garbled
 * line, and strtol()'s clamp to LONG_MAX must never reach the arithmetic.
 */
static long cpu_number(const char *p, char **end)
{
	long v;

	errno = 0;
	v = strtol(p, end, 10);
	if (*end == p || errno || v < 0 || v >= INT_MAX)
		return -1;
	return v;
}

int kdbcpus_parse_status(const char *text, unsigned char *state, int max)
{
	const char *p = strstr(text, "Available cpus: ");
	int n = 0;

	if (!p || max <= 0)
		return -1;
	memset(state, KDBCPU_UNLISTED, (size_t)max);
	p += 16;
	/* "A[-B][(S)]" items separated by ", ", up to the end of the line */
	while (*p && *p != '\n' && *p != '\r') {
		char *end;
		long first = cpu_number(p, &end), last;
		enum kdbcpu_state s = KDBCPU_STOPPED;

		if (first < 0)
			return -1;
		last = first;
		p = end;
		if (*p == '-') {
			last = cpu_number(p + 1, &end);
			if (last < first)
				return -1;
			p = end;
		}
		if (p[0] == '(' && p[1] && p[2] == ')') {
			s = state_of(p[1]);
			if (s == KDBCPU_UNLISTED)
				return -1;
			p += 3;
		}
		for (long c = first; c <= last && c < max; c++)
			state[c] = (unsigned char)s;
		if (last + 1 > n)
			n = last + 1 < max ? (int)last + 1 : max;
		if (*p == ',' && p[1] == ' ')
			p += 2;
		else if (*p && *p != '\n' && *p != '\r')
			return -1;
	}
	return n ? n : -1;
}

/* The task `ps R` shows on cpu with "curr" set: "0xADDR PID PARENT 1 CPU R ..." */
static void running_on(const char *ps, int cpu, struct triage_cpu *c)
{
	const char *p = ps;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		int pid, curr, on;
		char st, comm[32];

		if (sscanf(p, "0x%*x %d %*d %d %d %c 0x%*x %31s", &pid, &curr, &on,
			   &st, comm) == 5 && curr == 1 && on == cpu) {
			c->pid = pid;
			snprintf(c->comm, sizeof(c->comm), "%s", comm[0] == '*' ? comm + 1 : comm);
			return;
		}
		p = nl ? nl + 1 : NULL;
	}
}

static int have_cpu(const struct triage *t, int cpu)
{
	for (int i = 0; i < t->ncpus; i++)
		if (t->cpus[i].cpu == cpu)
			return 1;
	return 0;
}

static int by_cpu(const void *a, const void *b)
{
	return ((const struct triage_cpu *)a)->cpu - ((const struct triage_cpu *)b)->cpu;
}

void kdbcpus_account(struct triage *t, const unsigned char *state, int n,
		     const char *ps)
{
	size_t len = 0, cap = sizeof(t->partial_why);

	for (int cpu = 0; cpu < n; cpu++) {
		int answered = state[cpu] == KDBCPU_STOPPED;
		struct triage_cpu *c;

		if (!answered && state[cpu] != KDBCPU_UNRESPONSIVE)
			continue;
		if (have_cpu(t, cpu) || t->ncpus >= TRIAGE_MAX_CPUS)
			continue;
		c = &t->cpus[t->ncpus++];
		memset(c, 0, sizeof(*c));
		c->cpu = cpu;
		c->pid = -1;
		snprintf(c->where, sizeof(c->where), "%s", answered ?
			 "(stopped, but kdb printed no stack for it)" :
			 "(did not stop: no answer to the debugger's roundup)");
		running_on(ps, cpu, c);
		t->partial = 1;
		if (len < cap)
			len += (size_t)snprintf(t->partial_why + len, cap - len,
						"%sCPU %d %s", len ? "; " : "", cpu,
						answered ? "has no stack" : "did not stop");
	}
	qsort(t->cpus, (size_t)t->ncpus, sizeof(t->cpus[0]), by_cpu);
}
