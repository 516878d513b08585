// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The vmlinux against the running kernel (see vmcheck.h): linux_banner
 * carries the release, the build number and the build time, so two builds
 * of the same source differ in it too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"
#include "kdb.h"
#include "vmcheck.h"
#include "vmlinux.h"

int vmcheck_board_banner(struct session *s, int timeout_ms, char *buf, size_t cap)
{
	uint8_t running[VMCHECK_BANNER];
	char cmd[32], *out = NULL;
	int n, rc;

	buf[0] = '\0';
	snprintf(cmd, sizeof(cmd), "mdr linux_banner %d", VMCHECK_BANNER - 1);
	rc = kdb_run(s, cmd, timeout_ms, &out);
	if (rc)
		return rc;
	n = doctor_parse_mdr(out, running, sizeof(running) - 1);
	free(out);
	if (n > 0) {
		running[n] = '\0';
		snprintf(buf, cap, "%.*s", (int)strcspn((char *)running, "\n"), (char *)running);
	}
	return 0;
}

/* linux_banner's run address (kdb resolves the name) minus its link address. */
static int kaslr_offset(struct session *s, uint64_t link, int timeout_ms, struct vmcheck *v)
{
	uint64_t run, word;
	char *out = NULL;
	int rc = kdb_run(s, "md1c1 linux_banner", timeout_ms, &out);

	if (rc)
		return rc;
	if (!doctor_parse_md(out, &run, &word)) {
		v->have_offset = 1;
		v->kaslr_offset = (int64_t)(run - link);
	} else {
		fprintf(stderr, "nmidbg: the KASLR offset is unknown (kdb did not show where linux_banner is): symbols are taken as linked\n");
	}
	free(out);
	return 0;
}

int vmcheck(struct session *s, const char *vmlinux, int timeout_ms, struct vmcheck *v)
{
	char why[160];
	uint64_t addr;
	int rc;

	memset(v, 0, sizeof(*v));
	v->result = VMCHECK_UNKNOWN;
	if (vmlinux_string(vmlinux, "linux_banner", &addr, v->file, sizeof(v->file),
			   why, sizeof(why))) {
		fprintf(stderr, "nmidbg: cannot tell whether %s is the running kernel: %s\n",
			vmlinux, why);
		return 0;
	}
	v->file[strcspn(v->file, "\n")] = '\0';
	rc = vmcheck_board_banner(s, timeout_ms, v->board, sizeof(v->board));
	if (rc)
		return rc;
	if (!v->board[0]) {
		fprintf(stderr, "nmidbg: cannot tell whether %s is the running kernel: kdb did not show linux_banner\n",
			vmlinux);
		return 0;
	}
	if (!strcmp(v->board, v->file)) {
		v->result = VMCHECK_SAME;
		return kaslr_offset(s, addr, timeout_ms, v);
	}
	v->result = VMCHECK_DIFFERENT;
	fprintf(stderr, "nmidbg: %s is not the running kernel\n  board:   %s\n  vmlinux: %s\n",
		vmlinux, v->board, v->file);
	return 0;
}
