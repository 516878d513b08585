// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg doctor PORT [--json] [--vmlinux FILE]
 *
 * On a running board: break in through the verified chain, read through
 * kdb alone what the kernel says about itself (boot log lines by kdb's
 * `dmesg | grep`, ttyNMI's parameters from memory, btc for the roundup),
 * resume, then try each break-in method through this transport and time
 * it.  Prints the checklist and the verdict (doctor.h judges); exit 0
 * only when a board whose every CPU is hard-locked can be entered.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_common.h"
#include "doctor.h"
#include "fleetrun.h"
#include "outfile.h"
#include "vmcheck.h"
#include "vmlinux.h"

static struct {		/* one command per process */
	struct cmd_opts c;
	int json;
	struct doctor_facts f;
	struct doctor_report r;
	struct outfile report;	/* one board of several: DIR/NAME.txt or .json */
} D;

/* Boot log lines doctor.c looks for, each found by kdb's own grep. */
static const char *const greps[] = {
	"Kernel command line", "Linux version", "Pseudo-NMI", "GIC",
	"IRQ priority masking", "ttyNMI", "kgdboc", "Timed out waiting",
};

static int parse(int argc, char **argv, const char **port, const char **vmlinux,
		 struct cmd_fleet **fleet)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "vmlinux", required_argument, NULL, 'v' },
		CMD_BREAKIN_LONGOPTS,
		FLEET_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	cmd_opts_init(&D.c);
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:t:", longopts, NULL)) != -1) {
		if (c == 'j')
			D.json = 1;
		else if (c == 'v')
			*vmlinux = optarg;
		else if ((rc = fleet_opt(fleet, "doctor", c, optarg)) < 0)
			return -1;
		else if (!rc && cmd_opts_parse(&D.c, "doctor", c, optarg))
			return -1;
	}
	if (optind >= argc && !*fleet)
		return cmd_usage_error("doctor", "no PORT");
	if (optind < argc - 1)
		return cmd_usage_error("doctor", "'%s': one PORT only (several boards: --ports FILE)",
				       argv[optind + 1]);
	if (*fleet)	/* several boards (fleetrun.h), this one among them */
		return fleet_take_ports(fleet, "doctor", argc - optind, argv + optind);
	*port = argv[optind];
	return 0;
}

/* linux_banner of the vmlinux: its text (no newline) and link address. */
static void read_vmlinux(struct doctor_facts *f)
{
	switch (vmlinux_string(f->vmlinux, "linux_banner", &f->vm_addr, f->vm_banner,
			       sizeof(f->vm_banner), f->vm_why, sizeof(f->vm_why))) {
	case VMLINUX_OK:
		f->vm_banner[strcspn(f->vm_banner, "\n")] = '\0';
		f->vm = DOCTOR_VM_UNKNOWN;	/* until the running one is read */
		break;
	case VMLINUX_UNREADABLE:
		f->vm = DOCTOR_VM_UNREADABLE;
		break;
	case VMLINUX_NOT_KERNEL:
		f->vm = DOCTOR_VM_NOT_KERNEL;
		break;
	}
}

static int doctor_prepare(int argc, char **argv, struct cmd_run *r)
{
	const char *vmlinux = NULL;

	doctor_facts_init(&D.f);
	if (parse(argc, argv, &r->port, &vmlinux, &r->fleet))
		return NMIDBG_EXIT_USAGE;
	if (r->fleet)
		r->fleet->f.json_reports = D.json;
	if (vmlinux && access(vmlinux, R_OK)) {
		fprintf(stderr, "nmidbg: %s: %s\n", vmlinux, strerror(errno));
		return NMIDBG_EXIT_USAGE;
	}
	r->o = D.c;
	D.f.port = r->port;
	D.f.knock_sent = D.c.how.knock;
	D.f.vmlinux = vmlinux;
	if (vmlinux)
		read_vmlinux(&D.f);
	return 0;
}

/* A board of several: its checklist goes to DIR/NAME.txt (or .json). */
static int doctor_board(struct cmd_run *r)
{
	D.f.port = r->port;
	if (outfile_open(&D.report, r->fleet->reports[0]))
		return NMIDBG_EXIT_OUTPUT;
	return 0;
}

/* One kdb command into *out (malloc'd; NULL on failure, said on stderr). */
static int run(struct session *s, const char *cmd, int tmo, char **out)
{
	int rc = kdb_run(s, cmd, tmo, out);

	if (rc)
		cmd_complain(s, cmd, rc);
	else if (doctor_denied(*out))
		D.f.mem_denied = 1;
	return rc;
}

static int read_word(struct session *s, const char *cmd, int tmo, long *v)
{
	uint64_t addr, word;
	char *out;
	int rc = run(s, cmd, tmo, &out);

	if (!rc && !doctor_parse_md(out, &addr, &word))
		*v = (long)word;
	free(out);
	return rc;
}

/* ttyNMI's parameters, from memory (entry may change at run time). */
static int read_params(struct session *s, int tmo)
{
	struct doctor_facts *f = &D.f;
	uint8_t knock[DOCTOR_KNOCK_MAX + 1];
	char *out;
	int n, rc = run(s, "mdr knock 17", tmo, &out);

	if (rc)
		return rc;
	n = doctor_parse_mdr(out, knock, sizeof(knock));
	free(out);
	if (n > 0 && memchr(knock, 0, (size_t)n)) {
		snprintf(f->knock, sizeof(f->knock), "%s", (const char *)knock);
		f->knock_known = 1;
	}
	rc = read_word(s, "md4c1 rx_budget", tmo, &f->rx_budget);
	if (!rc)
		rc = read_word(s, "md8c1 rx_dropped", tmo, &f->rx_dropped);
	/* A series before nmi_tty.entry has no such symbol: unknown, as it was. */
	if (!rc)
		rc = read_word(s, "md1c1 nmi_tty_entry", tmo, &f->entry_on);
	if (f->entry_on > 1)
		f->entry_on = 1;
	return rc;
}

/* The running kernel's linux_banner and where it is. */
static int read_banner(struct session *s, int tmo)
{
	struct doctor_facts *f = &D.f;
	uint64_t word;
	char *out;
	int rc = vmcheck_board_banner(s, tmo, f->run_banner, sizeof(f->run_banner));

	if (rc)
		return rc;
	rc = run(s, "md1c1 linux_banner", tmo, &out);
	if (rc)
		return rc;
	f->have_offset = !doctor_parse_md(out, &f->run_addr, &word);
	free(out);
	if (!f->run_banner[0] && f->version[0])
		snprintf(f->run_banner, sizeof(f->run_banner), "%s", f->version);	/* the boot log's copy */
	if (f->run_banner[0])
		f->vm = strcmp(f->run_banner, f->vm_banner) ? DOCTOR_VM_MISMATCH : DOCTOR_VM_MATCH;
	else
		snprintf(f->vm_why, sizeof(f->vm_why), "kdb did not show the running kernel's linux_banner");
	return 0;
}

/* In kdb: everything the checks need. */
static int read_facts(struct session *s, int tmo)
{
	struct doctor_facts *f = &D.f;
	char cmd[96], port[64], *out;
	int rc = 0;

	for (size_t i = 0; i < sizeof(greps) / sizeof(greps[0]) && !rc; i++) {
		snprintf(cmd, sizeof(cmd), "dmesg | grep \"%s\"", greps[i]);
		rc = run(s, cmd, tmo, &out);
		if (!rc)
			doctor_parse_log(f, out);
		free(out);
	}
	/* The UART's probe line, once the command line names the port. */
	if (!rc && doctor_param(f->cmdline, "kgdboc", port, sizeof(port)) && port[0]) {
		port[strcspn(port, ",")] = '\0';
		snprintf(cmd, sizeof(cmd), "dmesg | grep \"%.60s at \"", port);
		rc = run(s, cmd, tmo, &out);
		if (!rc) {
			char *all;

			if (asprintf(&all, "Kernel command line: %s\n%s", f->cmdline, out) > 0) {
				doctor_parse_log(f, all);
				free(all);
			}
		}
		free(out);
	}
	if (!rc && f->tty_mode != DOCTOR_TTY_NONE)
		rc = read_params(s, tmo);
	if (!rc && f->vm == DOCTOR_VM_UNKNOWN)
		rc = read_banner(s, tmo);
	if (!rc)
		rc = run(s, "btc", tmo * 12, &out);
	if (!rc)
		doctor_parse_btc(f, out);
	if (!rc)
		free(out);
	return rc;
}

/* Break in by one method alone, time it, resume. */
static int try_way(struct session *s, enum kdb_method m, const char *knock,
		   struct doctor_method *out)
{
	struct kdb_how how = D.c.how;
	struct kdb_entry e;
	int rc;

	how.method = m;
	how.knock = knock;
	snprintf(out->sent, sizeof(out->sent), "%s", m == KDB_KNOCK ? knock : "BREAK g");
	if (m == KDB_BREAK && !s->port->ops->send_break) {
		out->result = DOCTOR_CANNOT;
		return 0;
	}
	rc = kdb_break_in(s, &how, &e);
	if (rc == SESSION_TIMEOUT) {
		out->result = DOCTOR_NO_ANSWER;
		return 0;
	}
	if (rc)
		return rc;
	out->result = DOCTOR_WORKS;
	out->ms = e.ms;
	return kdb_go(s);
}

/* What the first break-in showed about the methods it tried. */
static void note_entry(struct session *s, const struct kdb_entry *e, int rc)
{
	struct doctor_facts *f = &D.f;
	enum kdb_method m = D.c.how.method;
	int knock_tried = m == KDB_KNOCK || m == KDB_AUTO;
	int break_tried = m == KDB_BREAK || (m == KDB_AUTO && s->port->ops->send_break);

	f->entry_how = e->how;
	f->entry_ms = e->ms;
	if (!rc && !strcmp(e->how, "knock")) {
		f->knock_try.result = DOCTOR_WORKS;
		f->knock_try.ms = e->ms;
	} else if (knock_tried && strcmp(e->how, "already")) {
		f->knock_try.result = DOCTOR_NO_ANSWER;
	}
	if (f->knock_try.result != DOCTOR_UNTRIED)
		snprintf(f->knock_try.sent, sizeof(f->knock_try.sent), "%s", D.c.how.knock);
	if (!rc && !strcmp(e->how, "break")) {
		f->break_try.result = DOCTOR_WORKS;
		f->break_try.ms = e->ms;
	} else if (rc && break_tried) {
		f->break_try.result = DOCTOR_NO_ANSWER;
	} else if (rc && m == KDB_AUTO) {
		f->break_try.result = DOCTOR_CANNOT;
	}
	if (f->break_try.result != DOCTOR_UNTRIED)
		snprintf(f->break_try.sent, sizeof(f->break_try.sent), "BREAK g");
}

/* After resuming: each method not yet shown, with the knock in force. */
static int test_methods(struct session *s)
{
	struct doctor_facts *f = &D.f;
	const char *kernel = f->knock_known ? f->knock : f->tty_knock_known ? f->tty_knock : NULL;
	int rc = 0;

	if (f->knock_try.result == DOCTOR_UNTRIED && !(kernel && !kernel[0]))
		rc = try_way(s, KDB_KNOCK, kernel ? kernel : D.c.how.knock, &f->knock_try);
	else if (f->knock_try.result == DOCTOR_NO_ANSWER && kernel && kernel[0] &&
		 strcmp(kernel, f->knock_try.sent))
		rc = try_way(s, KDB_KNOCK, kernel, &f->knock_try);
	if (!rc && f->break_try.result == DOCTOR_UNTRIED)
		rc = try_way(s, KDB_BREAK, NULL, &f->break_try);
	return rc;
}

static int doctor_body(struct cmd_run *r)
{
	struct session *s = &r->s;
	int rc;

	D.f.port_can_break = s->port->ops->send_break != NULL;
	rc = kdb_break_in(s, &D.c.how, &r->e);
	if (rc && rc != SESSION_TIMEOUT)
		return rc;
	note_entry(s, &r->e, rc);
	if (rc)
		return 0;	/* no way in: that is the finding */
	D.f.entered = 1;
	fprintf(stderr, "nmidbg: in kdb (%s, %ld ms): reading the kernel's own account\n",
		r->e.how, r->e.ms);
	rc = read_facts(s, D.c.how.timeout_ms);
	if (!rc)
		rc = kdb_go(s);
	if (!rc) {
		fprintf(stderr, "nmidbg: resumed; trying each way in through %s\n", r->port);
		rc = test_methods(s);
	}
	return rc;
}

/* Where the checklist goes now: stdout, or a board's report, emptied first. */
static FILE *out_begin(void)
{
	return D.report.f ? outfile_begin(&D.report) : stdout;
}

/* A board of several: its report closed (written when out) or removed; the parent told. */
static int board_done(struct cmd_run *r, int judged, FILE *out, int ret)
{
	int written = 0;

	if (!D.report.f)
		return ret;	/* one board: stdout */
	if (out) {
		written = outfile_close(&D.report) == 0;
		if (!written)
			ret = NMIDBG_EXIT_OUTPUT;
	} else {
		outfile_abandon(&D.report);
	}
	fleet_result_doctor(r->result, &D.f, judged ? &D.r : NULL, written);
	return ret;
}

static int doctor_finish(struct cmd_run *r, int rc)
{
	FILE *out = NULL;

	if (rc) {
		if (D.json && (out = out_begin()))	/* a lab's CI gets a document on every path */
			cmd_json_failure(out, "nmidbg-doctor", r, cmd_exit_code(rc), 1);
		return board_done(r, 0, out, cmd_exit_code(rc));
	}
	doctor_judge(&D.f, &D.r);
	out = out_begin();
	if (out && D.json)
		doctor_write_json(out, &D.f, &D.r);
	else if (out)
		doctor_write_text(out, &D.f, &D.r);
	if (!out || fflush(out))
		return board_done(r, 1, out, NMIDBG_EXIT_OUTPUT);
	return board_done(r, 1, out, D.r.yes ? NMIDBG_EXIT_OK : NMIDBG_EXIT_FAIL);
}

const struct cmd_frame cmd_doctor_frame = {
	.prepare = doctor_prepare, .body = doctor_body, .finish = doctor_finish,
	.board = doctor_board,
};
