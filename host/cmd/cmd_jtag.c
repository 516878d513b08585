// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg jtag start|stop|halt|resume|status [--openocd ARGS | --tcl HOST:PORT]
 *
 * The JTAG probe through OpenOCD.  start launches OpenOCD (loopback, on
 * free ports or the ones given), waits for its init and its gdb port,
 * prints where its ports are and leaves it running; stop shuts one down.
 * halt, resume and status act on every target of an OpenOCD that is
 * running (--tcl) or that they launch for the one job and end after
 * (--openocd): halt waits for each target to halt, and every one says
 * its state.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "jtagopt.h"
#include "num.h"

enum jtag_verb { JTAG_START, JTAG_STOP, JTAG_HALT, JTAG_RESUME, JTAG_STATUS };

static const char *const verbs[] = { "start", "stop", "halt", "resume", "status" };

static int parse(int argc, char **argv, struct jtag_opts *j, enum jtag_verb *v)
{
	static const struct option longopts[] = {
		JTAG_LONGOPTS,
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;
	size_t i;

	jtag_opts_init(j);
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:", longopts, NULL)) != -1) {
		if (c == 't') {
			if (num_seconds_ms(optarg, &j->timeout_ms))
				return cmd_usage_error("jtag", "--timeout: '%s' is not seconds", optarg);
			continue;
		}
		rc = c == '?' ? 1 : jtag_opts_parse(j, "jtag", c, optarg);
		if (rc)
			return rc < 0 ? NMIDBG_EXIT_USAGE : cmd_usage_error("jtag", NULL);
	}
	if (optind >= argc)
		return cmd_usage_error("jtag", "start, stop, halt, resume or status?");
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(argv[optind], verbs[i]))
			break;
	if (i == sizeof(verbs) / sizeof(verbs[0]))
		return cmd_usage_error("jtag", "'%s': start, stop, halt, resume or status", argv[optind]);
	if (optind < argc - 1)
		return cmd_usage_error("jtag", "'%s': one action only", argv[optind + 1]);
	*v = (enum jtag_verb)i;
	if (jtag_opts_check(j, "jtag", 0))
		return NMIDBG_EXIT_USAGE;
	if (*v == JTAG_START && !j->openocd)
		return cmd_usage_error("jtag", "start launches OpenOCD: --openocd ARGS");
	if (*v == JTAG_STOP && !j->tcl)
		return cmd_usage_error("jtag", "stop ends a running OpenOCD: --tcl HOST:PORT");
	return 0;
}

/*
 * Where its ports are, one "NAME VALUE" line each (for scripts, too); its
 * log only when it outlives the command (start): else it goes with it.
 */
static void print_ports(const struct openocd *o, int start)
{
	if (o->pid)
		printf("pid %d\n", (int)o->pid);
	printf("tcl %s:%d\n", o->host, o->tcl_port);
	if (o->gdb_port)
		printf("gdb %s:%d\n", o->host, o->gdb_port);
	else
		printf("gdb none (no target with a gdb server)\n");
	if (o->telnet_port)
		printf("telnet %s:%d\n", o->host, o->telnet_port);
	if (start && o->log[0])
		printf("log %s\n", o->log);
}

static int act(struct openocd *o, enum jtag_verb v, const struct jtag_opts *j)
{
	struct ocd_target t[OCD_MAX_TARGETS];
	char why[400] = "";
	int n = 0, rc = OPENOCD_OK;

	switch (v) {
	case JTAG_HALT:
		rc = openocd_halt_all(o, j->timeout_ms, t, &n, why, sizeof(why));
		break;
	case JTAG_RESUME:
		rc = openocd_resume_all(o, j->timeout_ms, t, &n, why, sizeof(why));
		break;
	case JTAG_STOP:
		rc = openocd_shutdown(o, j->timeout_ms);
		if (!rc)
			printf("OpenOCD at %s shut down\n", j->tcl);
		else
			snprintf(why, sizeof(why), "it did not go");
		break;
	default:
		n = openocd_targets(o, t, OCD_MAX_TARGETS, j->timeout_ms);
		if (n < 0) {
			rc = n;
			snprintf(why, sizeof(why), "no answer to `targets`");
		}
		break;
	}
	if (v != JTAG_STOP && n > 0)
		jtag_print_targets(stdout, o, t, n);
	if (rc == OPENOCD_E_NO_HALT)
		fprintf(stderr, "nmidbg jtag: a target did not halt within %d ms: %s\n",
			j->timeout_ms, why);
	else if (rc)
		fprintf(stderr, "nmidbg jtag %s: %s\n", verbs[v], why[0] ? why : "OpenOCD failed");
	return rc;
}

int cmd_jtag(int argc, char **argv)
{
	struct jtag_opts j;
	struct openocd o;
	enum jtag_verb v = JTAG_STATUS;
	int rc = parse(argc, argv, &j, &v);

	if (rc)
		return rc;
	rc = jtag_open(&j, &o, v == JTAG_START);
	if (rc)
		return jtag_exit_code(rc);
	if (v == JTAG_START) {
		struct ocd_target t[OCD_MAX_TARGETS];
		int n = openocd_targets(&o, t, OCD_MAX_TARGETS, j.timeout_ms);

		print_ports(&o, 1);
		if (n > 0)
			jtag_print_targets(stdout, &o, t, n);
		fprintf(stderr, "nmidbg: OpenOCD runs on; end it with: nmidbg jtag stop --tcl %s:%d\n",
			o.host, o.tcl_port);
		/* Let it be: it is in its own session, with its log. */
		o.pid = 0;
		o.keep_log = 1;
		openocd_end(&o);
		return NMIDBG_EXIT_OK;
	}
	if (o.pid)
		print_ports(&o, 0);
	rc = act(&o, v, &j);
	openocd_end(&o);
	return jtag_exit_code(rc);
}
