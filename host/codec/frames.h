/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Backtrace frames as kdb prints them (arm64 dump_backtrace, "%pSb"):
 * " name+0xOFF/0xSIZE" with " [module]" (or " [module buildid]") for a
 * module's text.  Pure: text in, records out; a resolver fills file:line.
 */
#ifndef NMIDBG_FRAMES_H
#define NMIDBG_FRAMES_H

#include <stddef.h>

struct frame {
	char func[80];		/* the kallsyms name kdb printed */
	unsigned long off;	/* bytes from the symbol's start */
	unsigned long size;	/* the symbol's size (tells same-named statics apart) */
	char module[64];	/* "" for the kernel image */
	int pc;			/* 1: an exact PC (the first frame, or the one an
				 * exception interrupted); 0: a return address */
	/*
	 * Filled by a resolver (symres_frame); line 0: not resolved.  file
	 * and line are in func itself (for inlined code: the call site of
	 * the outermost inline); the innermost inlined function and its own
	 * line follow when there is one.
	 */
	char file[160];		/* relative to the kernel tree where known */
	int line;
	char inlined[80];	/* innermost inlined function, or "" */
	char inl_file[160];
	int inl_line;
};

/*
 * The frames in len bytes of a kdb backtrace (btc, btp): at most max
 * records in out, in the order printed, a line repeated right after
 * itself counted once (kdb echoes another CPU's lines).  Lines that are
 * not frames are skipped.  Returns the count (0..max).
 */
int frames_parse(const char *text, size_t len, struct frame *out, int max);

/*
 * One frame as a report line: "func+0xoff/0xsize [module]" and, when
 * resolved, "  file:line" and " (inlined NAME at file:line)".  Writes at most cap
 * bytes with the NUL; returns what snprintf returns.
 */
int frames_format(const struct frame *f, char *buf, size_t cap);

#endif
