// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg: entry point and the subcommand table.  main() is the only place
 * that exits; commands return an NMIDBG_EXIT_* code.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

#ifndef NMIDBG_VERSION
#define NMIDBG_VERSION "unknown"
#endif

static int run_help(int argc, char **argv);
static int run_version(int argc, char **argv);

const struct cmd cmd_table[] = {
	{ "attach", cmd_attach, "PORT [-l LOG] [-e ^X]",
	  "the board's console; Ctrl-] opens a menu; kdb lines are edited locally" },
	{ "break", cmd_break, "PORT [--method auto|knock|break|sysrq] [--timeout S] [--sysrq-cmd CMD]",
	  "break into kdb and verify it (the prompt comes back)" },
	{ "dump", cmd_dump, "PORT ADDR LEN -o FILE [--stay] [--method M]",
	  "read kernel memory through kgdb at the line's full rate; resume after" },
	{ "gdb", cmd_gdb, "PORT --vmlinux FILE [-x SCRIPT] [--batch] [--stay] [--method M] [-- GDB-ARGS]",
	  "break in, switch to kgdb, run gdb-multiarch with the kernel's lx-* helpers; resume after" },
	{ "help", run_help, "[COMMAND]", "show help for nmidbg or one command" },
	{ "kdb", cmd_kdb, "PORT -c CMD [-c CMD...] [--json] [--stay] [--method M] [--timeout S]",
	  "break in if needed, run kdb commands, print their output, resume" },
	{ "list", cmd_list, "", "list local serial ports with their USB identity" },
	{ "proxy", cmd_proxy, "PORT [--console ADDR] [--gdb ADDR] [--any-address] [--stay]",
	  "telnet console clients and one gdb client on the one line; gdb connecting breaks in" },
	{ "triage", cmd_triage, "PORT [--vmlinux FILE] [-o REPORT.md] [--json FILE] [--resume|--stay] [--method M]",
	  "break in, collect every CPU's stack, D-state tasks and the log; write Markdown and JSON" },
	{ "version", run_version, "", "print the version" },
};
const size_t cmd_count = sizeof(cmd_table) / sizeof(cmd_table[0]);

static int run_help(int argc, char **argv)
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

static int run_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("nmidbg %s\n", NMIDBG_VERSION);
	return NMIDBG_EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		cmd_print_help(stderr, cmd_table, cmd_count);
		return NMIDBG_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return run_help(1, argv);
	if (strcmp(argv[1], "--version") == 0)
		return run_version(1, argv);
	c = cmd_find(cmd_table, cmd_count, argv[1]);
	if (!c) {
		fprintf(stderr,
			"nmidbg: '%s' is not an nmidbg command. See 'nmidbg --help'.\n",
			argv[1]);
		return NMIDBG_EXIT_USAGE;
	}
	if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0))
		return run_help(2, (char *[]){ "help", argv[1], NULL });
	return c->run(argc - 1, argv + 1);
}
