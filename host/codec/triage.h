/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Triage evidence: what kdb printed, parsed (pure: text in, records out),
 * and the report written from it in Markdown and JSON.
 */
#ifndef NMIDBG_TRIAGE_H
#define NMIDBG_TRIAGE_H

#include <stddef.h>
#include <stdio.h>

#include "frames.h"

#define TRIAGE_MAX_CPUS		64
#define TRIAGE_MAX_BLOCKED	32
#define TRIAGE_MAX_FRAMES	64	/* per stack */

struct triage_cpu {
	int cpu;
	int stopped;		/* in the debugger: its stack is below */
	int pid;		/* -1: not known */
	char comm[32];
	char where[80];		/* first frame outside debugger and NMI entry */
	const char *trace;	/* the "Call trace:" lines, within the btc text */
	size_t trace_len;
	struct frame *frames;	/* the trace parsed (malloc'd), or NULL */
	int nframes;
};

struct triage_task {
	int pid;
	char comm[32];
	char *stack;		/* kdb btp output (malloc'd) */
	struct frame *frames;	/* the stack parsed (malloc'd), or NULL */
	int nframes;
};

struct triage {
	const char *port;
	char time[32];		/* UTC, ISO 8601 */
	const char *how;	/* the way in */
	long entry_ms;
	int kdb_cpu;
	const char *after;	/* "running", "in kdb" */
	char *btc, *ps, *dmesg;	/* kdb output (malloc'd) */
	struct triage_cpu cpus[TRIAGE_MAX_CPUS];
	int ncpus;
	int partial;		/* a CPU kdb knows has no stack here */
	char partial_why[160];
	struct triage_task blocked[TRIAGE_MAX_BLOCKED];
	int nblocked;
	const char *vmlinux;	/* --vmlinux, or NULL */
	int vmlinux_match;	/* is the running kernel: 1, 0, -1 unknown */
	char board_banner[320], vmlinux_banner[320];	/* their linux_banner */
	int have_offset;	/* kaslr_offset known */
	long long kaslr_offset;	/* run minus link address, bytes */
	int lines;		/* frames given file:line from the vmlinux DWARF */
	char lines_why[256];	/* why none were, when a vmlinux was given */
	char *gdb_json;		/* nmidbg-triage json line, or NULL */
	char *gdb_text;		/* the same, as text (frames with file:line) */
	char *lx_ps, *lx_dmesg;	/* gdb's lx-ps and lx-dmesg, or NULL */
	const char *via;	/* "jtag" (triage_jtag.c), or NULL: the serial line */
	char serial[320];	/* via jtag: what the serial steps did */
};

/* kdb's btc output: one record per CPU block.  Returns the count. */
int triage_parse_btc(const char *btc, struct triage_cpu *cpus, int max);
/* kdb's `ps D` output: the tasks in state D.  Returns the count. */
int triage_parse_ps(const char *ps, struct triage_task *tasks, int max);
/*
 * Every stack's frames (CPUs' traces, blocked tasks' stacks) into their
 * frames arrays, for a resolver to give file:line.  Returns -1 when out
 * of memory (what was parsed stays), else 0.
 */
int triage_parse_frames(struct triage *t);
/*
 * gdb's output with "@@nmidbg NAME" section markers: the sections' text;
 * and the KASLR offset if gdbscripts/kaslr.py found it.
 */
void triage_parse_gdb(const char *out, struct triage *t);

void triage_write_md(FILE *f, const struct triage *t);
void triage_write_json(FILE *f, const struct triage *t);
void triage_free(struct triage *t);

#endif
