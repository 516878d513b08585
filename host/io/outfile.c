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
