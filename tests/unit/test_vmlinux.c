// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * vmlinux_string() on real ELF files: this test's own executable, which
 * holds a banner at a symbol as a vmlinux does, a copy cut short, a file
 * that is not ELF and one that is not there.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmlinux.h"

/* As linux_banner: a string at a symbol, in a loaded segment. */
const char nmidbg_test_banner[] = "Linux version 9.9.9-test (nmidbg) #1\n";

static char self[4096];

static void test_symbol_in_this_elf(void **state)
{
	char buf[128], why[128] = "";
	uint64_t addr = 0;

	(void)state;
	assert_int_equal(vmlinux_string(self, "nmidbg_test_banner", &addr, buf,
					sizeof(buf), why, sizeof(why)), VMLINUX_OK);
	assert_string_equal(buf, nmidbg_test_banner);
	assert_true(addr != 0);
	/* Clipped to the caller's buffer, still a string. */
	assert_int_equal(vmlinux_string(self, "nmidbg_test_banner", &addr, buf, 6,
					why, sizeof(why)), VMLINUX_OK);
	assert_string_equal(buf, "Linux");
}

static void test_no_such_symbol(void **state)
{
	char buf[64], why[128];
	uint64_t addr;

	(void)state;
	assert_int_equal(vmlinux_string(self, "linux_banner", &addr, buf, sizeof(buf),
					why, sizeof(why)), VMLINUX_NOT_KERNEL);
	assert_string_equal(why, "no linux_banner symbol (a stripped or non-kernel ELF)");
}

static void test_not_elf_and_missing(void **state)
{
	char path[] = "/tmp/nmidbg-vmlinux-XXXXXX", buf[64], why[128];
	uint64_t addr;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	assert_int_equal(vmlinux_string(path, "linux_banner", &addr, buf, sizeof(buf),
					why, sizeof(why)), VMLINUX_NOT_KERNEL);
	assert_string_equal(why, "not an ELF file");
	unlink(path);
	assert_int_equal(vmlinux_string(path, "linux_banner", &addr, buf, sizeof(buf),
					why, sizeof(why)), VMLINUX_UNREADABLE);
	assert_string_equal(why, "No such file or directory");
}

/* A vmlinux cut short anywhere (a copy that did not finish): an error or
 * the right bytes, never a crash or a read past the end (ASan). */
static void test_cut_short(void **state)
{
	char path[] = "/tmp/nmidbg-vmlinux-XXXXXX", buf[128], why[128];
	FILE *in = fopen(self, "rb");
	static char img[4 << 20];
	size_t len;
	uint64_t addr;
	int fd = mkstemp(path);

	(void)state;
	assert_non_null(in);
	len = fread(img, 1, sizeof(img), in);
	fclose(in);
	assert_true(fd >= 0 && len > 0 && len < sizeof(img));
	for (size_t cut = 0; cut < len; cut += len / 97 + 1) {
		enum vmlinux_result r;

		assert_int_equal(ftruncate(fd, 0), 0);
		assert_int_equal(pwrite(fd, img, cut, 0), (ssize_t)cut);
		r = vmlinux_string(path, "nmidbg_test_banner", &addr, buf, sizeof(buf),
				   why, sizeof(why));
		if (r == VMLINUX_OK && strcmp(buf, nmidbg_test_banner))
			assert_true(strlen(buf) < strlen(nmidbg_test_banner));
	}
	close(fd);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symbol_in_this_elf),
		cmocka_unit_test(test_no_such_symbol),
		cmocka_unit_test(test_not_elf_and_missing),
		cmocka_unit_test(test_cut_short),
	};
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return 1;
	self[n] = '\0';
	return cmocka_run_group_tests_name("vmlinux", tests, NULL, NULL);
}
