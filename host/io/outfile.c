// SPDX-License-Identifier: GPL-3.0-or-later
/* Output files that lose nothing (see outfile.h). */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

static int complain(struct outfile *o)
{
	fprintf(stderr, "nmidbg: cannot write %s: %s\n", o->path, strerror(errno));
	return -1;
}

int outfile_open(struct outfile *o, const char *path)
{
	struct stat st;

	o->path = path;
	o->created = stat(path, &st) != 0;
	/*
	 * "a": creates it, and an existing file keeps its bytes until begin;
	 * "e": close-on-exec, it is open while gdb or OpenOCD run.
	 */
	o->f = fopen(path, "ae");
	return o->f ? 0 : complain(o);
}

FILE *outfile_begin(struct outfile *o)
{
	struct stat st;

	/* Only a regular file is emptied: /dev/stdout or a fifo is not. */
	if (fstat(fileno(o->f), &st) == 0 && S_ISREG(st.st_mode) &&
	    ftruncate(fileno(o->f), 0)) {
		complain(o);
		return NULL;
	}
	return o->f;
}

int outfile_close(struct outfile *o)
{
	int bad = ferror(o->f), err = errno;

	if (fclose(o->f)) {
		bad = 1;
		err = errno;
	}
	o->f = NULL;
	if (!bad)
		return 0;
	errno = err ? err : EIO;
	return complain(o);
}

void outfile_abandon(struct outfile *o)
{
	if (!o->f)
		return;
	fclose(o->f);
	o->f = NULL;
	if (o->created)
		unlink(o->path);
}

int outfile_open_all(struct outfile *o, const char *const *paths, int n)
{
	for (int i = 0; i < n; i++)
		if (outfile_open(&o[i], paths[i])) {
			while (i--)
				outfile_abandon(&o[i]);
			return -1;
		}
	return 0;
}

int outfile_write_all(struct outfile *o, int n, void (*write)(FILE *f, int i, const void *arg),
		      const void *arg)
{
	int bad = 0;

	for (int i = 0; i < n; i++) {
		FILE *f = outfile_begin(&o[i]);

		if (!f) {
			outfile_abandon(&o[i]);
			bad = 1;
			continue;
		}
		write(f, i, arg);
		bad |= outfile_close(&o[i]) != 0;
	}
	return bad ? -1 : 0;
}
