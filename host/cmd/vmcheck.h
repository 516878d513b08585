/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Is the --vmlinux the kernel the board runs?  Asked in kdb, before gdb
 * is given the file: a wrong vmlinux gives wrong file:line with no error.
 */
#ifndef NMIDBG_VMCHECK_H
#define NMIDBG_VMCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

#define VMCHECK_BANNER	320

enum vmcheck_result {
	VMCHECK_UNKNOWN,	/* could not tell (said on stderr): go on */
	VMCHECK_SAME,		/* the same linux_banner */
	VMCHECK_DIFFERENT,	/* a different kernel: both versions said */
};

struct vmcheck {
	enum vmcheck_result result;
	char board[VMCHECK_BANNER];	/* the running linux_banner, one line */
	char file[VMCHECK_BANNER];	/* the vmlinux's */
	int have_offset;		/* kaslr_offset is known (VMCHECK_SAME only) */
	int64_t kaslr_offset;		/* bytes: where linux_banner runs minus
					 * where the vmlinux links it (0: KASLR off) */
};

/*
 * In kdb: the running kernel's linux_banner (kdb `mdr`), its first line,
 * into buf (empty when kdb did not show it).  Returns 0 or the session's
 * error.
 */
int vmcheck_board_banner(struct session *s, int timeout_ms, char *buf, size_t cap);

/*
 * In kdb, with the board stopped: compare the board's linux_banner (kdb
 * `mdr`) with the vmlinux's (libelf), into *v.  A difference is printed on
 * stderr naming both versions.  For the same kernel, also the KASLR
 * offset: kdb `md1c1 linux_banner` shows where it runs.  Returns 0, or the
 * session's error when kdb did not answer.
 */
int vmcheck(struct session *s, const char *vmlinux, int timeout_ms, struct vmcheck *v);

#endif
