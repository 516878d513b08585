// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg: entry point, help and version.  main() is the only place that
 * exits; commands return an NMIDBG_EXIT_* code.  The table: commands.c.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

int main(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		cmd_print_help(stderr, cmd_table, cmd_count);
		return NMIDBG_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(1, argv);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(1, argv);
	c = cmd_find(cmd_table, cmd_count, argv[1]);
	if (!c) {
		fprintf(stderr,
			"nmidbg: '%s' is not an nmidbg command. See 'nmidbg --help'.\n",
			argv[1]);
		return NMIDBG_EXIT_USAGE;
	}
	if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0))
		return cmd_help(2, (char *[]){ "help", argv[1], NULL });
	return cmd_frame_run(c, argc - 1, argv + 1);
}
