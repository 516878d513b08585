/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * OpenOCD's text, parsed (pure: text in, records out): the `targets`
 * table its Tcl RPC returns, the error lines of its log sorted into the
 * failures nmidbg tells apart, and the --openocd ARGS string split into
 * arguments the way a shell would.
 */
#ifndef NMIDBG_OCD_H
#define NMIDBG_OCD_H

#include <stddef.h>

#define OCD_MAX_TARGETS	32
#define OCD_MAX_ARGS	64

struct ocd_target {
	int index;
	int current;		/* the `targets` table's '*' */
	char name[64];
	char type[32];
	char endian[16];
	char tap[64];
	char state[32];		/* "halted", "running", "reset", "unknown", ... */
};

/*
 * `targets` as OpenOCD 0.12 prints it: a header, a dashed rule, then one
 * row per target.  Returns the rows parsed (at most max).
 */
int ocd_parse_targets(const char *text, struct ocd_target *t, int max);

/*
 * Which targets are the cores Linux runs on, the ones to halt and resume:
 * sel[i] set for those whose type runs Linux (aarch64, cortex_a, riscv,
 * arm11, arm920t, arm926ejs), leaving a system controller, an M4 or R5
 * with its own firmware and a bus (mem_ap) alone; when there is none of
 * those, every target.  Returns the count selected.
 */
int ocd_linux_cores(const struct ocd_target *t, int n, unsigned char *sel);

enum ocd_log {
	OCD_LOG_NONE,		/* no error line */
	OCD_LOG_OTHER,		/* an error line of another kind */
	OCD_LOG_CONFIG,		/* a config file OpenOCD cannot find */
	OCD_LOG_ADAPTER,	/* the adapter driver is not compiled in */
	OCD_LOG_NO_PROBE,	/* the adapter found no probe */
	OCD_LOG_NO_CHAIN,	/* a probe, but nothing on its JTAG chain */
	OCD_LOG_IN_USE,		/* a port it was told to use is taken */
};

/*
 * The failure OpenOCD's log (stderr) reports, with its first error line
 * of that kind (without "Error: ") in why.
 */
enum ocd_log ocd_classify_log(const char *log, char *why, size_t len);

/*
 * Split s into arguments: blanks separate, '...' is literal, "..." keeps
 * blanks and takes \" and \\, a backslash outside quotes escapes the next
 * character.  The words are stored in buf (len bytes) and pointed to from
 * argv (at most max).  Returns the count, or -1 (unbalanced quote, too
 * many words, buf too small).
 */
int ocd_split_args(const char *s, char *buf, size_t len, char **argv, int max);

#endif
