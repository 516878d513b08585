/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A string a vmlinux holds at a symbol (linux_banner), read from the file
 * with libelf (elfutils): what tells whether the file is the running
 * kernel, and where the symbol was linked (for the KASLR offset).
 */
#ifndef NMIDBG_VMLINUX_H
#define NMIDBG_VMLINUX_H

#include <stddef.h>
#include <stdint.h>

enum vmlinux_result {
	VMLINUX_OK = 0,
	VMLINUX_UNREADABLE = -1,	/* cannot open or read the file */
	VMLINUX_NOT_KERNEL = -2,	/* not ELF, no such symbol, no bytes there */
};

/*
 * The symbol called name in path's symbol tables (.symtab, .dynsym): its
 * value (link address) in *addr, and the NUL-terminated string the file
 * holds at that address (a PT_LOAD segment's file part), at most cap - 1
 * bytes, in buf.  On an error, why (a phrase: "no linux_banner symbol
 * (a stripped or non-kernel ELF)") says what went wrong.
 */
enum vmlinux_result vmlinux_string(const char *path, const char *name,
				   uint64_t *addr, char *buf, size_t cap,
				   char *why, size_t whycap);

/* The symbol called name's link address in *addr (no bytes needed). */
enum vmlinux_result vmlinux_symbol(const char *path, const char *name, uint64_t *addr);

#endif
