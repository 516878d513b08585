/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Every CPU accounted for: which CPUs kdb says are online and whether each
 * answered the debugger's roundup (kdb's `cpu`), and what each CPU that
 * did not answer was running (kdb's `ps R`).  Pure: text in, records out.
 */
#ifndef NMIDBG_KDBCPUS_H
#define NMIDBG_KDBCPUS_H

#include "triage.h"

/* A CPU's state as kdb_cpu_status() prints it after "Available cpus: ". */
enum kdbcpu_state {
	KDBCPU_UNLISTED = 0,	/* not in the list (beyond the last range) */
	KDBCPU_STOPPED,		/* in the debugger: " " (or "-": its idle task) */
	KDBCPU_UNRESPONSIVE,	/* "D": online, did not answer the roundup */
	KDBCPU_OFFLINE,		/* "F" */
};

/*
 * kdb's `cpu` output: fill state[0..max-1] from the "Available cpus: "
 * line ("0-1, 2(D), 3(F)"; kernel/debug/kdb/kdb_main.c, kdb_cpu_status()).
 * Returns how many CPUs the line covers (the highest listed + 1, at most
 * max), or -1 when there is no such line or it does not parse.
 */
int kdbcpus_parse_status(const char *text, unsigned char *state, int max);

/*
 * Make t->cpus list every online CPU of state[0..n-1]: each CPU that did
 * not answer gets a record with stopped = 0 and, from kdb's `ps R` output
 * (ps, may be NULL), the task that kdb says runs there.  Sets t->partial
 * and t->partial_why when a CPU is missing.  Records stay in CPU order.
 */
void kdbcpus_account(struct triage *t, const unsigned char *state, int n,
		     const char *ps);

#endif
