/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * One cmocka case per row of a test table, so a bad row is reported by
 * its name and cannot hide the rows after it.  A row is any struct whose
 * first member is its name (const char *); the case gets the row as its
 * state.
 */
#ifndef NMIDBG_TEST_ROWS_H
#define NMIDBG_TEST_ROWS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define ROWS_MAX 256

/* Adds n rows of table (each stride bytes) as cases running fn. */
static inline size_t rows_add(struct CMUnitTest *tests, size_t at,
			      void (*fn)(void **), const void *table,
			      size_t stride, size_t n)
{
	for (size_t i = 0; i < n && at < ROWS_MAX; i++, at++) {
		const void *row = (const char *)table + i * stride;

		tests[at] = (struct CMUnitTest){
			.name = *(const char *const *)row,
			.test_func = fn,
			.initial_state = (void *)row,
		};
	}
	return at;
}

#define ROWS_ADD(tests, at, fn, table) \
	rows_add(tests, at, fn, table, sizeof((table)[0]), \
		 sizeof(table) / sizeof((table)[0]))

/* A single case, beside the rows. */
#define ROWS_CASE(tests, at, fn) \
	((tests)[(at)] = (struct CMUnitTest){ .name = #fn, .test_func = fn }, \
	 (at) + 1)

#define ROWS_RUN(group, tests, n) _cmocka_run_group_tests(group, tests, n, NULL, NULL)

/*
 * A decoder row: in, fed whole, must give the events want (as the test's
 * run() renders them: in fed as in[0, cut) then the rest, into out), and
 * fed split at every byte, the same events: read boundaries never show.
 */
typedef void (*rows_run_fn)(const char *in, size_t cut, char *out, size_t cap);

static inline void rows_check_split(const char *in, const char *want, rows_run_fn run)
{
	static char whole[1024], split[1024];
	size_t len = strlen(in);

	run(in, len, whole, sizeof(whole));
	if (strcmp(whole, want))
		fail_msg("got '%s', want '%s'", whole, want);
	for (size_t cut = 0; cut <= len; cut++) {
		run(in, cut, split, sizeof(split));
		if (strcmp(split, whole))
			fail_msg("cut at %zu: '%s' vs '%s'", cut, split, whole);
	}
}

#endif
