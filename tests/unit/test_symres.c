// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * symres on a real ELF with DWARF: this test's own executable (built -g),
 * whose fixture functions stand in for kernel frames: a frame at a PC, a
 * return address, inlined code, the same file found as a module's .ko,
 * and the errors (no such symbol, no DWARF, no file).
 */
#define _GNU_SOURCE
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "symres.h"

volatile int symres_sink;

/* Each body on its definition's line: any address in it has that line. */
__attribute__((noinline)) void symres_leaf(void) { symres_sink = 1; }
static const int leaf_line = __LINE__ - 1;
static inline __attribute__((always_inline)) void symres_inl(void) { symres_sink = 2; }
static const int inl_line = __LINE__ - 1;
__attribute__((noinline)) void symres_outer(void)
{
	symres_inl();
	symres_sink = 3;
}
static const int call_line = __LINE__ - 3;

static char self[PATH_MAX];

static struct symres *open_self(void)
{
	struct symres *r = NULL;
	char why[256] = "";

	assert_int_equal(symres_open(self, NULL, &r, why, sizeof(why)), 0);
	assert_non_null(r);
	return r;
}

static void test_pc_and_return_address(void **state)
{
	struct symres *r = open_self();
	struct frame f = { .func = "symres_leaf", .pc = 1 };
	const char *base;

	(void)state;
	assert_int_equal(symres_frame(r, &f), 0);
	base = strrchr(f.file, '/');
	assert_string_equal(base ? base + 1 : f.file, "test_symres.c");
	assert_int_equal(f.line, leaf_line);
	assert_string_equal(f.inlined, "");
	/* A return address one past the start is still the leaf's line. */
	f.pc = 0;
	f.off = 1;
	assert_int_equal(symres_frame(r, &f), 0);
	assert_int_equal(f.line, leaf_line);
	symres_close(r);
}

static void test_inlined_code(void **state)
{
	struct symres *r = open_self();
	int found = 0;

	(void)state;
	/* Somewhere in symres_outer is the inlined store. */
	for (unsigned long off = 0; off < 64 && !found; off += 1) {
		struct frame f = { .func = "symres_outer", .off = off, .pc = 1 };

		if (symres_frame(r, &f) || strcmp(f.inlined, "symres_inl"))
			continue;
		found = 1;
		assert_int_equal(f.line, call_line);
		assert_int_equal(f.inl_line, inl_line);
		assert_non_null(strstr(f.inl_file, "test_symres.c"));
	}
	assert_true(found);
	symres_close(r);
}

static void test_module_found_by_name(void **state)
{
	char dir[] = "/tmp/nmidbg-symres-XXXXXX", ko[PATH_MAX + 32], why[256];
	struct frame f = { .func = "symres_leaf", .pc = 1 };
	struct symres *r = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* kbuild writes '_' in a module's name where its file has '-'. */
	snprintf(ko, sizeof(ko), "%s/nmidbg-fixture.ko", dir);
	assert_int_equal(symlink(self, ko), 0);
	assert_int_equal(symres_open(self, dir, &r, why, sizeof(why)), 0);
	snprintf(f.module, sizeof(f.module), "nmidbg_fixture");
	assert_int_equal(symres_frame(r, &f), 0);
	assert_int_equal(f.line, leaf_line);
	/* A module with no .ko there: no line, asked once, no error. */
	snprintf(f.module, sizeof(f.module), "absent");
	assert_int_equal(symres_frame(r, &f), -1);
	assert_int_equal(f.line, 0);
	assert_int_equal(symres_frame(r, &f), -1);
	symres_close(r);
	unlink(ko);
	rmdir(dir);
}

static void test_unknown_symbol_and_bad_files(void **state)
{
	struct symres *r = open_self();
	struct frame f = { .func = "no_such_function_anywhere", .pc = 1 };
	char why[256] = "";

	(void)state;
	assert_int_equal(symres_frame(r, &f), -1);
	assert_int_equal(f.line, 0);
	/* An offset past the size kdb gave is not this symbol. */
	snprintf(f.func, sizeof(f.func), "symres_leaf");
	f.size = 4;
	f.off = 8;
	assert_int_equal(symres_frame(r, &f), -1);
	symres_close(r);
	r = NULL;
	assert_int_equal(symres_open("/nonexistent/vmlinux", NULL, &r, why, sizeof(why)), -1);
	assert_null(r);
	assert_non_null(strstr(why, "/nonexistent/vmlinux"));
	assert_int_equal(symres_open("/etc/hostname", NULL, &r, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "/etc/hostname"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pc_and_return_address),
		cmocka_unit_test(test_inlined_code),
		cmocka_unit_test(test_module_found_by_name),
		cmocka_unit_test(test_unknown_symbol_and_bad_files),
	};
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return 1;
	self[n] = '\0';
	return cmocka_run_group_tests(tests, NULL, NULL);
}
