/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Just enough of ELF64 (little-endian, as arm64 vmlinux is) to find a
 * symbol and the bytes at its address: pure, over an image in memory
 * that may be anything (every offset is checked against its length).
 */
#ifndef NMIDBG_ELF_H
#define NMIDBG_ELF_H

#include <stddef.h>
#include <stdint.h>

/* Whether img looks like an ELF64 little-endian file. */
int elf_is64le(const uint8_t *img, size_t len);
/*
 * The value (address) of the symbol called name in the image's symbol
 * tables (.symtab, then .dynsym).  0, or -1 if there is none.
 */
int elf_symbol(const uint8_t *img, size_t len, const char *name, uint64_t *value);
/*
 * The file's bytes at virtual address addr (a PT_LOAD segment's file
 * part): a pointer into img and, in *avail, how many follow within that
 * segment; NULL if no segment holds addr.
 */
const uint8_t *elf_at(const uint8_t *img, size_t len, uint64_t addr, size_t *avail);

#endif
