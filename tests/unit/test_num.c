// SPDX-License-Identifier: GPL-3.0-or-later
/* Strict number parsing: one case per row. */
#include <stdint.h>

#include "num.h"
#include "rows.h"

static const struct seconds_row {
	const char *name;
	const char *in;
	int ms;		/* -1: rejected */
} seconds[] = {
	{ "whole seconds", "5", 5000 },
	{ "fraction", "0.5", 500 },
	{ "milliseconds", "1.234", 1234 },
	{ "a day", "86400", 86400000 },
	{ "trailing junk", "5x", -1 },
	{ "exponent", "1e10", -1 },
	{ "more than a day", "86401", -1 },
	{ "huge", "99999999999999999999", -1 },
	{ "zero", "0", -1 },
	{ "below a millisecond", "0.0004", -1 },
	{ "negative", "-1", -1 },
	{ "leading space", " 5", -1 },
	{ "empty", "", -1 },
	{ "bare dot", ".", -1 },
	{ "dot without fraction", "5.", -1 },
	{ "inf", "inf", -1 },
	{ "hex float", "0x10", -1 },
};

static void test_seconds_row(void **state)
{
	const struct seconds_row *row = *state;
	int ms = -1;

	assert_int_equal(num_seconds_ms(row->in, &ms), row->ms < 0 ? -1 : 0);
	if (row->ms >= 0)
		assert_int_equal(ms, row->ms);
}

static const struct u64_row {
	const char *name;
	const char *in;
	int ok;
	uint64_t v;
	int hex;	/* num_hex (what --kaslr-offset takes), else num_u64 */
} u64s[] = {
	{ "decimal", "4096", 1, 4096, 0 },
	{ "hex", "0xffff800080000000", 1, 0xffff800080000000ull, 0 },
	{ "upper hex", "0XAB", 1, 0xab, 0 },
	{ "max", "0xffffffffffffffff", 1, UINT64_MAX, 0 },
	{ "overflow", "0x10000000000000000", 0, 0, 0 },
	{ "decimal overflow", "18446744073709551616", 0, 0, 0 },
	{ "bad digit", "0xzz", 0, 0, 0 },
	{ "trailing junk", "16k", 0, 0, 0 },
	{ "negative", "-1", 0, 0, 0 },
	{ "plus", "+1", 0, 0, 0 },
	{ "space", " 1", 0, 0, 0 },
	{ "bare 0x", "0x", 0, 0, 0 },
	{ "empty", "", 0, 0, 0 },
	{ "hex: 0x", "0x2a00000", 1, 0x2a00000, 1 },
	{ "hex: bare is hex, not decimal", "4096", 1, 0x4096, 1 },
	{ "hex: bad digit", "0x2g", 0, 0, 1 },
	{ "hex: negative", "-0x1000", 0, 0, 1 },
	{ "hex: bare 0x", "0x", 0, 0, 1 },
};

static void test_u64_row(void **state)
{
	const struct u64_row *row = *state;
	uint64_t v = 0;

	assert_int_equal((row->hex ? num_hex : num_u64)(row->in, &v), row->ok ? 0 : -1);
	if (row->ok)
		assert_true(v == row->v);
}

int main(void)
{
	struct CMUnitTest tests[ROWS_MAX];
	size_t n = ROWS_ADD(tests, 0, test_seconds_row, seconds);

	n = ROWS_ADD(tests, n, test_u64_row, u64s);
	return ROWS_RUN("num", tests, n);
}
