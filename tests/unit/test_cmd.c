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

static void test_find(void **state)
{
	static const struct {
		const char *name;
		int index;	/* -1: not found */
	} cases[] = {
		{ "break", 0 }, { "kdb", 1 }, { "kdbx", 2 },
		{ "kd", -1 }, { "KDB", -1 }, { "", -1 }, { "breakx", -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct cmd *c = cmd_find(table, 3, cases[i].name);

		if (cases[i].index < 0)
			assert_null(c);
		else
			assert_ptr_equal(c, &table[cases[i].index]);
	}
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
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_help_lists_every_command),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests_name("cmd", tests, NULL, NULL);
}
