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

#endif
