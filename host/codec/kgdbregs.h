/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What kgdb says about the CPUs it stopped, for a core file's notes:
 * which CPUs are online (the shadow threads qfThreadInfo lists first)
 * and a CPU's registers (arm64 'g' reply).  Pure: payloads in, values out.
 */
#ifndef NMIDBG_KGDBREGS_H
#define NMIDBG_KGDBREGS_H

#include <stddef.h>
#include <stdint.h>

/*
 * kgdb names CPU n's current task as the thread -(n + 2) (gdbstub.c's
 * shadow threads), so `Hg` with it and then `g` gives the registers that
 * CPU was stopped with (the pt_regs of its roundup NMI).
 */
#define KGDBREGS_CPU_MAX	512

/*
 * One qfThreadInfo/qsThreadInfo reply ("m" id,id,... or "l"): the CPUs
 * of the shadow threads in it (negative ids: hex, 32-bit two's
 * complement as kgdb sends them, or 16 digits) appended
 * to cpus[*n] (at most cap).  *done: 1 when the reply lists a task too
 * or is "l" (the shadow threads come first: the CPUs are all known), 0
 * when the next reply may list more CPUs.  Returns 0, or -1 for a reply
 * that is not a thread list (an error, or a malformed id).
 */
int kgdbregs_thread_cpus(const uint8_t *payload, size_t len, int *cpus, size_t cap,
			 size_t *n, int *done);

/* The registers drgn and a core file need, as arm64's pt_regs orders them. */
struct kgdbregs_arm64 {
	uint64_t x[31];		/* x0..x30 (x29 fp, x30 lr) */
	uint64_t sp;
	uint64_t pc;
	uint64_t pstate;	/* 0 when the reply stops before it */
};

/*
 * arm64 kgdb's 'g' reply (hex, target byte order: little-endian) into *r:
 * x0-x30, sp, pc (8 bytes each), then pstate (4).  Returns 0, or -1 for
 * an error reply ("Enn"), odd or non-hex text, or fewer than the 33
 * 8-byte registers.
 */
int kgdbregs_parse_arm64(const uint8_t *payload, size_t len, struct kgdbregs_arm64 *r);

#endif
