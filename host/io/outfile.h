/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Output files (dump's FILE, triage's reports): opened before the board is
 * touched, so a path that cannot be written is an error at once, not after
 * the board was stopped for nothing; written only when there is something
 * to write; and a file this run created is removed if it never is.
 */
#ifndef NMIDBG_OUTFILE_H
#define NMIDBG_OUTFILE_H

#include <stdio.h>

struct outfile {
	const char *path;
	FILE *f;
	int created;	/* it did not exist before: remove it if abandoned */
};

/* Open path for writing, keeping what is in it for now.  -1 after saying why. */
int outfile_open(struct outfile *o, const char *path);
/* Empty it and return the FILE to write, or NULL after saying why. */
FILE *outfile_begin(struct outfile *o);
/* Close it, written: 0, or -1 after saying why (a full disk shows here). */
int outfile_close(struct outfile *o);
/* Close it unwritten: a file that this run created is removed. */
void outfile_abandon(struct outfile *o);

/* Open n files (paths[i] into o[i]); if one fails, those opened are abandoned: -1. */
int outfile_open_all(struct outfile *o, const char *const *paths, int n);
/*
 * Write each of n open files with write(f, i, arg), one failing or not:
 * 0 when every one was written, else -1 (each failure said, its file
 * abandoned).
 */
int outfile_write_all(struct outfile *o, int n, void (*write)(FILE *f, int i, const void *arg),
		      const void *arg);

#endif
