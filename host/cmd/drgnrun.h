/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * drgn on the stopped board (nmidbg drgn): the core file's notes from
 * kgdb, python3-drgn started on gdbscripts/nmidbg_drgn.py, and its memory reads
 * served until it exits.
 */
#ifndef NMIDBG_DRGNRUN_H
#define NMIDBG_DRGNRUN_H

#include <stdint.h>

#include "kgdb.h"
#include "memserve.h"
#include "vmcheck.h"

struct drgn_args {
	const char *vmlinux, *modules, *script, *expr;
	int json;		/* --json: drgn writes its document (drgn_run()'s *doc) */
	int from_vmlinux;	/* --vmcoreinfo vmlinux: build it, do not read the board's */
	int wrong_vmlinux;	/* set by the body: the vmlinux is not the board's */
	uint64_t kaslr_offset;
	char banner[VMCHECK_BANNER];	/* the board's linux_banner */
};

/* python3 ($NMIDBG_PYTHON) imports drgn: 0, else -1 after saying what to install. */
int drgn_check_python(void);

/*
 * In kgdb: write the core, start drgn, serve its reads through m until it
 * exits (its wait status in *status).  With a->json, *doc is what drgn
 * wrote as its document (malloc'd, *doc_len bytes; NULL when it wrote
 * none: it failed before), for the caller to check and free.  0,
 * CMD_ENOTRUN (drgn never ran: said why), SESSION_INTR (a signal: drgn
 * was ended), or the line's error.
 */
int drgn_run(struct kgdb *k, const struct drgn_args *a, struct memserve *m, int *status,
	     char **doc, size_t *doc_len);

#endif
