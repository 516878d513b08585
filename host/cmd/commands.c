// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The subcommand table, the one place a command's usage is written: help,
 * `nmidbg help CMD` and every usage error print it from here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

#ifndef NMIDBG_VERSION
#define NMIDBG_VERSION "unknown"
#endif

#define PORT_BREAKIN (CMD_NEEDS_PORT | CMD_NEEDS_BREAKIN)
/* Several boards (fleetrun.h): where their reports go, how many at once. */
#define FLEET "[--dir DIR] [--jobs N]"
#define BREAKIN "[--method auto|knock|break|sysrq] [--knock STRING] [--timeout S] [--deadline S] [--sysrq-cmd CMD]"

const struct cmd cmd_table[] = {
	{ "attach", cmd_attach, NULL, 0, "PORT [-l LOG] [-e ^X] [--knock STRING]",
	  "the board's console; Ctrl-] opens a menu; kdb lines are edited locally" },
	{ "break", NULL, &cmd_break_frame, PORT_BREAKIN, "PORT " BREAKIN,
	  "break into kdb and verify it (the prompt comes back)" },
	{ "doctor", NULL, &cmd_doctor_frame, CMD_NEEDS_PORT | CMD_RESUMES,
	  "PORT [--json] [--vmlinux FILE] [--ports FILE] " FLEET " " BREAKIN,
	  "on a running board: can it be entered when every CPU hangs? a checklist and a verdict (exit 0: yes); many boards at once" },
	{ "drgn", NULL, &cmd_drgn_frame, PORT_BREAKIN | CMD_RESUMES, "PORT --vmlinux FILE [--modules DIR] [-c SCRIPT | -e EXPR] [--json] [--vmcoreinfo board|vmlinux] [--stay] " BREAKIN,
	  "break in, then drgn (python3-drgn) on the stopped kernel: every CPU's registers, memory through kgdb" },
	{ "dump", NULL, &cmd_dump_frame, PORT_BREAKIN | CMD_RESUMES, "PORT ADDR LEN -o FILE [--stay] " BREAKIN,
	  "read kernel memory through kgdb at the line's full rate; resume after" },
	{ "gdb", NULL, &cmd_gdb_frame, PORT_BREAKIN | CMD_RESUMES, "(PORT --vmlinux FILE | --jtag (--openocd ARGS | --tcl HOST:PORT | --jtag-gdb HOST:PORT) [--vmlinux FILE [--kaslr-offset HEX|auto]])"
	  " [-x SCRIPT] [--batch] [--stay] " BREAKIN " [-- GDB-ARGS]",
	  "break in, switch to kgdb (or halt through JTAG), run gdb-multiarch with the kernel's lx-* helpers; resume after" },
	{ "help", cmd_help, NULL, 0, "[COMMAND]", "show help for nmidbg or one command" },
	{ "jtag", cmd_jtag, NULL, 0,
	  "start|stop|halt|resume|status (--openocd ARGS | --tcl HOST:PORT) [--gdb-port N] [--tcl-port N] [--telnet-port N] [--timeout S]",
	  "the JTAG probe through OpenOCD: launch it, halt and resume every core, their states" },
	{ "kdb", NULL, &cmd_kdb_frame, PORT_BREAKIN | CMD_RESUMES, "PORT -c CMD [-c CMD...] [--json] [--stay] " BREAKIN,
	  "break in if needed, run kdb commands (at most 64), print their output, resume" },
	{ "list", cmd_list, NULL, 0, "", "list local serial ports with their USB identity" },
	{ "proxy", NULL, &cmd_proxy_frame, CMD_NEEDS_PORT | CMD_RESUMES, "PORT [--console ADDR] [--gdb ADDR] [--any-address] [--stay] " BREAKIN,
	  "telnet console clients and one gdb client on the one line; gdb connecting breaks in" },
	{ "resume", NULL, &cmd_resume_frame, CMD_NEEDS_PORT | CMD_RESUMES, "PORT [--timeout S] [--deadline S]",
	  "a board left stopped in kdb runs again (an empty line, then `go`); one that runs is left alone" },
	{ "triage", NULL, &cmd_triage_frame, PORT_BREAKIN | CMD_RESUMES, "[PORT...] [--ports FILE] [--vmlinux FILE [--modules DIR] [--gdb]] [-o REPORT.md] [--json FILE] [--resume|--stay] " FLEET " " BREAKIN
	  " [--jtag (--openocd ARGS | --tcl HOST:PORT | --jtag-gdb HOST:PORT) [--kaslr-offset HEX|auto]]",
	  "break in, collect every CPU's stack (file:line with a vmlinux), D-state tasks and the log; write Markdown and JSON; JTAG if the serial line fails; many boards at once" },
	{ "version", cmd_version, NULL, 0, "", "print the version" },
};
const size_t cmd_count = sizeof(cmd_table) / sizeof(cmd_table[0]);

int cmd_help(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		cmd_print_help(stdout, cmd_table, cmd_count);
		return NMIDBG_EXIT_OK;
	}
	c = cmd_find(cmd_table, cmd_count, argv[1]);
	if (!c) {
		fprintf(stderr, "nmidbg: no help for '%s': not a command\n", argv[1]);
		return NMIDBG_EXIT_USAGE;
	}
	cmd_print_usage(stdout, c);
	printf("\n%s\n", c->summary);
	return NMIDBG_EXIT_OK;
}

int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("nmidbg %s\n", NMIDBG_VERSION);
	return NMIDBG_EXIT_OK;
}

int cmd_usage_error(const char *name, const char *fmt, ...)
{
	const struct cmd *c = cmd_find(cmd_table, cmd_count, name);

	if (fmt) {
		va_list ap;

		va_start(ap, fmt);
		fprintf(stderr, "nmidbg %s: ", name);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		va_end(ap);
	}
	if (c)
		cmd_print_usage(stderr, c);
	return NMIDBG_EXIT_USAGE;
}
