// SPDX-License-Identifier: GPL-3.0-or-later
/* Unit tests for the subcommand table: lookup and help generated from it. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cmd.h"
#include "rows.h"

static int run_nothing(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static const struct cmd table[] = {
	{ .name = "break", .run = run_nothing, .usage = "PORT",
	  .summary = "break into the kernel debugger" },
	{ .name = "kdb", .run = run_nothing, .usage = "PORT -c CMD",
	  .summary = "run kdb commands" },
	{ .name = "kdbx", .run = run_nothing, .usage = "",
	  .summary = "a name that extends another" },
};

static char *capture(void (*fn)(FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f);
	fclose(f);
	return buf;
}

static void help_of_table(FILE *f)
{
	cmd_print_help(f, table, 3);
}

static void usage_of_kdb(FILE *f)
{
	cmd_print_usage(f, &table[1]);
}

static void usage_of_kdbx(FILE *f)
{
	cmd_print_usage(f, &table[2]);
}

static const struct find_row {
	const char *name;	/* the case's name and what is looked up */
	int index;		/* -1: not found */
} finds[] = {
	{ "break", 0 }, { "kdb", 1 }, { "kdbx", 2 },
	{ "kd", -1 }, { "KDB", -1 }, { "", -1 }, { "breakx", -1 },
};

static void test_find_row(void **state)
{
	const struct find_row *row = *state;
	const struct cmd *c = cmd_find(table, 3, row->name);

	if (row->index < 0)
		assert_null(c);
	else
		assert_ptr_equal(c, &table[row->index]);
}

static void test_find_bounds(void **state)
{
	(void)state;
	assert_null(cmd_find(table, 3, NULL));
	assert_null(cmd_find(table, 0, "break"));
}

static void test_help_lists_every_command(void **state)
{
	char *out = capture(help_of_table);

	(void)state;
	/* Names are padded to the longest so summaries line up. */
	assert_non_null(strstr(out, "  break  break into the kernel debugger\n"));
	assert_non_null(strstr(out, "  kdb    run kdb commands\n"));
	assert_non_null(strstr(out, "  kdbx   a name that extends another\n"));
	free(out);
}

static void test_usage(void **state)
{
	char *out = capture(usage_of_kdb);

	(void)state;
	assert_string_equal(out, "usage: nmidbg kdb PORT -c CMD\n");
	free(out);
	out = capture(usage_of_kdbx);
	assert_string_equal(out, "usage: nmidbg kdbx\n");
	free(out);
}

int main(void)
{
	struct CMUnitTest tests[ROWS_MAX];
	size_t n = ROWS_ADD(tests, 0, test_find_row, finds);

	n = ROWS_CASE(tests, n, test_find_bounds);
	n = ROWS_CASE(tests, n, test_help_lists_every_command);
	n = ROWS_CASE(tests, n, test_usage);
	return ROWS_RUN("cmd", tests, n);
}
