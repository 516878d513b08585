/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Symbol resolution on the host: a kdb frame (function+offset, as kallsyms
 * names it, so KASLR does not matter) to file:line from the vmlinux's
 * DWARF, and from a module's .ko for a frame in a module, through
 * elfutils' libdwfl.  No gdb, no board round trip.
 */
#ifndef NMIDBG_SYMRES_H
#define NMIDBG_SYMRES_H

#include <stddef.h>

#include "frames.h"

struct symres;

/*
 * Open vmlinux (an ELF with DWARF) for resolving; modules are looked up
 * as NAME.ko under moddir (searched recursively; NULL: none).  Returns 0
 * and *out, or -1 with why (a phrase: "no DWARF in it (built without
 * CONFIG_DEBUG_INFO?)") filled.
 */
int symres_open(const char *vmlinux, const char *moddir, struct symres **out,
		char *why, size_t whycap);

/*
 * f->file, f->line and f->inlined from f->func, f->off, f->size,
 * f->module and f->pc.  Returns 0, or -1 (f->line stays 0): no such
 * symbol, or no line information at that address, or the module's .ko
 * not found.
 */
int symres_frame(struct symres *r, struct frame *f);

/* Resolve n frames; returns how many got a file:line. */
int symres_frames(struct symres *r, struct frame *f, int n);

void symres_close(struct symres *r);

#endif
