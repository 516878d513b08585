/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * nmidbg doctor's evidence and verdict, pure: what kdb printed about the
 * kernel (boot log lines, memory reads, btc) parsed into facts; the facts
 * and the break-in tests judged into a checklist with a verdict; the
 * checklist written as text or JSON.
 */
#ifndef NMIDBG_DOCTOR_H
#define NMIDBG_DOCTOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define DOCTOR_LINE		320	/* one evidence line, clipped */
#define DOCTOR_KNOCK_MAX	16	/* ttyNMI's NMI_TTY_KNOCK_MAX */
#define DOCTOR_MAX_EVIDENCE	8
#define DOCTOR_MAX_CHECKS	8
#define DOCTOR_MAX_CPUS		4096	/* CPUs counted in kdb's status line */

enum doctor_status { DOCTOR_OK, DOCTOR_WARN, DOCTOR_FAIL, DOCTOR_UNKNOWN, DOCTOR_SKIP };

/* How ttyNMI's attach line says it receives. */
enum doctor_tty { DOCTOR_TTY_NONE, DOCTOR_TTY_NMI, DOCTOR_TTY_IRQ, DOCTOR_TTY_REFUSED };

/* One break-in method tried through this transport. */
enum doctor_try { DOCTOR_UNTRIED, DOCTOR_WORKS, DOCTOR_NO_ANSWER, DOCTOR_CANNOT };

struct doctor_method {
	enum doctor_try result;
	long ms;		/* sent -> kdb prompt, when it works */
	char sent[64];		/* what was sent, printable */
};

/* The vmlinux given with --vmlinux, against the running kernel. */
enum doctor_vm { DOCTOR_VM_NONE, DOCTOR_VM_MATCH, DOCTOR_VM_MISMATCH,
		 DOCTOR_VM_NOT_KERNEL, DOCTOR_VM_UNREADABLE, DOCTOR_VM_UNKNOWN };

struct doctor_facts {
	/* The transport and how the first break-in went. */
	const char *port;
	int port_can_break;	/* the transport can send BREAK */
	int entered;		/* kdb was reached at all */
	const char *entry_how;	/* "knock", "break", "already", ... */
	long entry_ms;
	struct doctor_method knock_try, break_try;	/* knock, BREAK+g */
	const char *knock_sent;	/* the knock nmidbg used (--knock or default) */

	/* Boot log lines (doctor_parse_log), "" when absent. */
	char cmdline[1024];	/* after "Kernel command line: " */
	char version[DOCTOR_LINE];	/* "Linux version ..." */
	char pnmi[DOCTOR_LINE];		/* "Pseudo-NMIs enabled using ..." */
	char pnmi_off[DOCTOR_LINE];	/* a quirk that turned it off */
	char prio[DOCTOR_LINE];		/* "... detected: IRQ priority masking" */
	char gic[DOCTOR_LINE];		/* the first GIC line */
	char gic_ds[DOCTOR_LINE];	/* "GICD_CTRL.DS=N, SCR_EL3.FIQ=N" */
	char tty[DOCTOR_LINE];		/* ttyNMI's attach line */
	char tty_console[DOCTOR_LINE];	/* "console [ttyNMI0] enabled" */
	char kgdboc[DOCTOR_LINE];	/* "KGDB: Registered I/O driver kgdboc" */
	char kgdboc_err[DOCTOR_LINE];	/* a "kgdboc: ..." complaint */
	char uart[DOCTOR_LINE];		/* "... ttyXXX at ... is a TYPE" of kgdboc's port */
	char roundup_err[DOCTOR_LINE];	/* "Timed out waiting for secondary CPUs." */
	enum doctor_tty tty_mode;
	int tty_irq;
	char tty_knock[DOCTOR_KNOCK_MAX + 1];	/* as the attach line quotes it */
	int tty_knock_known;

	/* Memory read through kdb. */
	char knock[DOCTOR_KNOCK_MAX + 1];	/* nmi_tty.knock in force */
	int knock_known;
	long rx_budget, rx_dropped;		/* -1: unknown */
	long entry_on;		/* nmi_tty.entry: 1, 0 (knock, BREAK+g off); -1: unknown */
	int mem_denied;				/* kdb: "Permission denied" */

	/* The roundup: btc. */
	char cpu_status[DOCTOR_LINE];	/* "Available cpus: ..." */
	int cpus_online, cpus_unresponsive;	/* from that line; -1 unknown */
	int cpus_answered;		/* CPUs with a backtrace in btc */
	char cpus_list[DOCTOR_LINE];	/* "0 1 2 3" */

	/* --vmlinux */
	const char *vmlinux;
	enum doctor_vm vm;
	char vm_why[DOCTOR_LINE];	/* unreadable, not a kernel */
	char vm_banner[DOCTOR_LINE];	/* linux_banner in the file */
	char run_banner[DOCTOR_LINE];	/* linux_banner in memory */
	int have_offset;
	uint64_t vm_addr, run_addr;	/* linux_banner: link and run address */
};

struct doctor_check {
	const char *id;		/* "pseudo_nmi", "ttynmi", ... */
	const char *title;
	enum doctor_status status;
	int blocks;		/* not OK here: the verdict is no */
	char summary[DOCTOR_LINE];
	char fix[DOCTOR_LINE];	/* "" when nothing to change */
	char evidence[DOCTOR_MAX_EVIDENCE][DOCTOR_LINE];
	int nevidence;
};

struct doctor_report {
	struct doctor_check checks[DOCTOR_MAX_CHECKS];
	int nchecks;
	int yes;		/* a hard-locked board can be entered */
	char verdict[1200];	/* the verdict line */
};

/* Facts with nothing known (every number -1, every line ""). */
void doctor_facts_init(struct doctor_facts *f);
/*
 * Boot log lines, as kdb's `dmesg` prints them ("<6>[ 0.7] text", in
 * any number and order, several outputs concatenated): each line the
 * facts care about is kept (the first of its kind; the level prefix
 * dropped).  kgdboc's port, for the UART line, comes from the command
 * line, so give that first or in the same text.
 */
void doctor_parse_log(struct doctor_facts *f, const char *text);
/*
 * A kernel parameter in a command line: 1 and its value (clipped to
 * len - 1) if given, 0 if not.  Names match with '-' and '_' alike; the
 * last one given counts, as for the kernel.
 */
int doctor_param(const char *cmdline, const char *name, char *val, size_t len);
/* kdb's `mdr ADDR N`: the hex bytes into buf.  The count, or -1. */
int doctor_parse_mdr(const char *text, uint8_t *buf, size_t len);
/* kdb's `mdWcN ADDR`: the first line's address and first word.  0 or -1. */
int doctor_parse_md(const char *text, uint64_t *addr, uint64_t *word);
/* kdb's btc: the CPU status line and the CPUs that answered. */
void doctor_parse_btc(struct doctor_facts *f, const char *text);
/* Whether kdb refused a command for want of permission. */
int doctor_denied(const char *text);

/* The checklist and the verdict. */
void doctor_judge(const struct doctor_facts *f, struct doctor_report *r);
void doctor_write_text(FILE *out, const struct doctor_facts *f,
		       const struct doctor_report *r);
void doctor_write_json(FILE *out, const struct doctor_facts *f,
		       const struct doctor_report *r);
const char *doctor_status_name(enum doctor_status s);

#endif
