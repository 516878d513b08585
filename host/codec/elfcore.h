/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * An ELF core file that holds only notes, for drgn: VMCOREINFO (what
 * makes drgn treat it as a Linux kernel, KASLR offset included) and one
 * NT_PRSTATUS per CPU, in CPU order, with the registers kgdb stopped it
 * with (drgn takes a running task's registers from its CPU's note).
 * The memory is not in the file: drgn reads it through a segment the
 * caller adds.  Pure: values in, bytes out.
 */
#ifndef NMIDBG_ELFCORE_H
#define NMIDBG_ELFCORE_H

#include <stddef.h>
#include <stdint.h>

#include "kgdbregs.h"

struct elfcore_cpu {
	int online;		/* 0: a hole in the CPU numbering, zeroed note */
	uint32_t pid;		/* pr_pid: the task it runs (0: idle or unknown) */
	struct kgdbregs_arm64 regs;
};

/* arm64's struct elf_prstatus: 112 bytes, then pr_reg (34 x 8), pr_fpvalid. */
#define ELFCORE_PRSTATUS_SIZE	392

/*
 * The core for ncpu CPUs (cpus[i] is CPU i) and vmcoreinfo (len bytes,
 * the "KEY=value\n" text) into out (cap bytes).  Returns the file's
 * size; when that exceeds cap nothing past cap is written and the caller
 * retries with a buffer of that size.  0 when ncpu or len is too large
 * for a note (over 4 GiB).
 */
size_t elfcore_write(const struct elfcore_cpu *cpus, size_t ncpu, const char *vmcoreinfo,
		     size_t len, uint8_t *out, size_t cap);

#endif
