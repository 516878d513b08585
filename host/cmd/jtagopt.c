// SPDX-License-Identifier: GPL-3.0-or-later
/* The JTAG options, opening OpenOCD and its exit codes (jtagopt.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "gdbrun.h"
#include "jtagopt.h"
#include "num.h"

/* A KASLR offset moves the kernel by whole pages: anything else is a typo. */
#define KASLR_ALIGN	4096ull

void jtag_opts_init(struct jtag_opts *j)
{
	memset(j, 0, sizeof(*j));
	j->timeout_ms = 5000;
}

static int port_arg(const char *name, const char *opt, const char *arg, int *port)
{
	uint64_t v;

	if (num_u64(arg, &v) || v < 1 || v > 65535) {
		cmd_usage_error(name, "--%s: '%s' is not a TCP port (1 to 65535)", opt, arg);
		return -1;
	}
	*port = (int)v;
	return 0;
}

static int kaslr_arg(struct jtag_opts *j, const char *name, const char *arg)
{
	uint64_t v;

	if (!strcmp(arg, "auto")) {
		j->kaslr = JTAG_KASLR_AUTO;
		return 0;
	}
	if (num_hex(arg, &v) || v % KASLR_ALIGN || v > INT64_MAX) {
		cmd_usage_error(name, "--kaslr-offset: '%s' is not a KASLR offset: HEX (where the kernel runs minus where it links, a multiple of 0x1000) or auto",
				arg);
		return -1;
	}
	j->kaslr = JTAG_KASLR_GIVEN;
	j->kaslr_offset = (long long)v;
	return 0;
}

int jtag_opts_parse(struct jtag_opts *j, const char *name, int c, const char *arg)
{
	switch (c) {
	case 'O':
		j->openocd = arg;
		j->nargs = ocd_split_args(arg, j->buf, sizeof(j->buf), j->args, OCD_MAX_ARGS);
		if (j->nargs <= 0) {
			cmd_usage_error(name, "--openocd wants OpenOCD's arguments, like '-f interface/jlink.cfg -f target/rk3399.cfg' (quotes balanced, at most %d)",
					OCD_MAX_ARGS);
			return -1;
		}
		return 0;
	case 'T':
	case 'J':
		if (!strchr(arg, ':')) {
			cmd_usage_error(name, "--%s wants HOST:PORT, not '%s'",
					c == 'T' ? "tcl" : "jtag-gdb", arg);
			return -1;
		}
		*(c == 'T' ? &j->tcl : &j->gdb) = arg;
		return 0;
	case 'G':
		return port_arg(name, "gdb-port", arg, &j->gdb_port);
	case 'P':
		return port_arg(name, "tcl-port", arg, &j->tcl_port);
	case 'N':
		return port_arg(name, "telnet-port", arg, &j->telnet_port);
	case 'A':
		return kaslr_arg(j, name, arg);
	default:
		return 1;
	}
}

int jtag_opts_or_common(struct jtag_opts *j, struct cmd_opts *o, const char *name,
			int c, const char *arg)
{
	int rc = c == '?' ? 1 : jtag_opts_parse(j, name, c, arg);

	return rc > 0 ? cmd_opts_parse(o, name, c, arg) : rc;
}

int jtag_opts_given(const struct jtag_opts *j)
{
	return j->openocd || j->tcl || j->gdb;
}

void jtag_opts_kaslr(const struct jtag_opts *j, struct gdb_run *g)
{
	g->kaslr_auto = j->kaslr == JTAG_KASLR_AUTO;
	g->kaslr_offset = j->kaslr == JTAG_KASLR_GIVEN ? j->kaslr_offset : 0;
	if (g->kaslr_offset && g->vmlinux)
		fprintf(stderr, "nmidbg: KASLR offset 0x%llx (--kaslr-offset): symbols loaded there\n",
			(unsigned long long)g->kaslr_offset);
}

int jtag_opts_check(const struct jtag_opts *j, const char *name, int gdb_ok)
{
	int n = !!j->openocd + !!j->tcl + !!j->gdb;

	if (j->gdb && !gdb_ok) {
		cmd_usage_error(name, "--jtag-gdb is for triage and gdb; here: --openocd or --tcl");
		return -1;
	}
	if (j->kaslr && !gdb_ok) {
		cmd_usage_error(name, "--kaslr-offset is for triage and gdb (where gdb loads the vmlinux)");
		return -1;
	}
	if (n != 1) {
		cmd_usage_error(name, n ? "one of --openocd ARGS, --tcl HOST:PORT%s, not more" :
				"which OpenOCD? --openocd ARGS (launch one) or --tcl HOST:PORT%s (a running one)",
				gdb_ok ? ", --jtag-gdb HOST:PORT" : "");
		return -1;
	}
	if ((j->gdb_port || j->tcl_port || j->telnet_port) && !j->openocd) {
		cmd_usage_error(name, "--gdb-port, --tcl-port and --telnet-port are for an OpenOCD nmidbg launches (--openocd)");
		return -1;
	}
	return 0;
}

/* A running OpenOCD's gdb port: its first target's (cget -gdb-port). */
static void attached_gdb_port(struct openocd *o)
{
	struct ocd_target t[OCD_MAX_TARGETS];
	int n = openocd_targets(o, t, OCD_MAX_TARGETS, 5000);

	for (int i = 0; i < n && !o->gdb_port; i++) {
		char cmd[96], *reply = NULL;

		snprintf(cmd, sizeof(cmd), "%s cget -gdb-port", t[i].name);
		if (!openocd_eval(o, cmd, 5000, &reply))
			o->gdb_port = atoi(reply);
		free(reply);
	}
}

int jtag_open(const struct jtag_opts *j, struct openocd *o, int detach)
{
	char why[600];
	int rc;

	openocd_init(o);
	if (j->openocd) {
		struct openocd_launch l = {
			.args = (char **)j->args, .nargs = j->nargs,
			.gdb_port = j->gdb_port, .tcl_port = j->tcl_port,
			.telnet_port = j->telnet_port, .detach = detach,
			.timeout_ms = j->timeout_ms,
		};

		rc = openocd_launch(o, &l, why, sizeof(why));
		if (rc) {
			fprintf(stderr, "nmidbg: OpenOCD: %s\n", why);
			openocd_end(o);
		}
		return rc;
	}
	rc = openocd_attach(o, j->tcl, j->timeout_ms, why, sizeof(why));
	if (rc)
		fprintf(stderr, "nmidbg: OpenOCD: %s\n", why);
	else
		attached_gdb_port(o);
	return rc;
}

int jtag_exit_code(int err)
{
	switch (err) {
	case OPENOCD_OK:
		return NMIDBG_EXIT_OK;
	case OPENOCD_E_MISSING:
		return NMIDBG_EXIT_NO_OPENOCD;
	case OPENOCD_E_ADAPTER:
		return NMIDBG_EXIT_ADAPTER;
	case OPENOCD_E_NO_PROBE:
		return NMIDBG_EXIT_NO_PROBE;
	case OPENOCD_E_NO_TCL:
		return NMIDBG_EXIT_NO_TCL;
	case OPENOCD_E_IN_USE:
		return NMIDBG_EXIT_IN_USE;
	case OPENOCD_E_NO_HALT:
		return NMIDBG_EXIT_NO_HALT;
	default:
		return NMIDBG_EXIT_FAIL;
	}
}

void jtag_print_targets(FILE *f, struct openocd *o, const struct ocd_target *t, int n)
{
	fprintf(f, "%-24s %-12s %-20s %-10s %s\n", "target", "type", "tap", "state", "gdb");
	for (int i = 0; i < n; i++) {
		char cmd[96], *port = NULL;

		snprintf(cmd, sizeof(cmd), "%s cget -gdb-port", t[i].name);
		if (openocd_eval(o, cmd, 5000, &port) || !port[0]) {
			free(port);
			port = NULL;
		} else {
			port[strcspn(port, "\r\n")] = '\0';
		}
		fprintf(f, "%-24s %-12s %-20s %-10s ", t[i].name, t[i].type, t[i].tap, t[i].state);
		if (port && strcmp(port, "disabled"))
			fprintf(f, "%s:%s\n", o->host, port);
		else
			fprintf(f, "%s\n", port ? port : "-");
		free(port);
	}
}
