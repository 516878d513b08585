// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Lookup and help output for the subcommand table (pure: no I/O beyond
 * the FILE the caller hands in).
 */
#include <string.h>

#include "cmd.h"

const struct cmd *cmd_find(const struct cmd *table, size_t n, const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

void cmd_print_usage(FILE *out, const struct cmd *c)
{
	fprintf(out, "usage: nmidbg %s%s%s\n", c->name, *c->usage ? " " : "",
		c->usage);
}

void cmd_print_help(FILE *out, const struct cmd *table, size_t n)
{
	size_t width = 0;

	for (size_t i = 0; i < n; i++)
		if (strlen(table[i].name) > width)
			width = strlen(table[i].name);
	fprintf(out,
		"usage: nmidbg [--version] [--help] COMMAND [ARGS]\n"
		"\n"
		"Kernel debugger front end: break into a hung Linux board over its\n"
		"serial line, even when every CPU spins with interrupts masked.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %-*s  %s\n", (int)width, table[i].name,
			table[i].summary);
	fprintf(out, "\nSee 'nmidbg help COMMAND' for a command's usage.\n");
}
