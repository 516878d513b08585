// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The JSON helpers: strings from arbitrary bytes stay valid JSON and give
 * the bytes back (Latin-1), and the validator that guards gdb's line.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "rows.h"

static const struct string_row {
	const char *name;
	const char *in;
	size_t len;
	const char *out;
} strings[] = {
#define S(name, in, out) { name, in, sizeof(in) - 1, out }
	S("plain", "abc", "\"abc\""),
	S("quote and backslash", "a\"b\\c", "\"a\\\"b\\\\c\""),
	S("controls", "\n\t\r\x01\x7f", "\"\\n\\t\\u000d\\u0001\\u007f\""),
	S("invalid UTF-8 bytes", "\xff\xc3(\x80", "\"\\u00ff\\u00c3(\\u0080\""),
	S("valid UTF-8 is bytes too", "\xc3\xa9", "\"\\u00c3\\u00a9\""),
	S("NUL inside", "a\0b", "\"a\\u0000b\""),
#undef S
};

static void test_string_row(void **state)
{
	const struct string_row *row = *state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	json_string(f, row->in, row->len);
	fclose(f);
	assert_string_equal(buf, row->out);
	assert_true(json_valid(buf, len));
	free(buf);
}

static const struct valid_row {
	const char *name;
	const char *in;
	int valid;
} valids[] = {
	{ "object", "{\"a\": [1, -2.5e+3, true, false, null, \"x\"]}", 1 },
	{ "spaces around", " \n{}\t", 1 },
	{ "escapes", "\"\\u00e9\\n\\/\"", 1 },
	{ "cut off", "{\"cpus\": [{\"cpu\": 0, \"where\": \"lkdtm_HARD", 0 },
	{ "garbled", "{\"cpus\": [}", 0 },
	{ "trailing comma", "[1,]", 0 },
	{ "two values", "{} {}", 0 },
	{ "raw byte >= 0x80", "\"\xc3\xa9\"", 0 },
	{ "raw control in string", "\"a\x01\"", 0 },
	{ "bad escape", "\"\\x41\"", 0 },
	{ "short \\u", "\"\\u12\"", 0 },
	{ "leading zero", "01", 0 },
	{ "bare word", "nul", 0 },
	{ "empty", "", 0 },
	{ "nested 64", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
		       "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", 1 },
	{ "nested 65", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
		       "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", 0 },
};

static void test_valid_row(void **state)
{
	const struct valid_row *row = *state;

	assert_int_equal(json_valid(row->in, strlen(row->in)), row->valid);
}

int main(void)
{
	struct CMUnitTest tests[ROWS_MAX];
	size_t n = ROWS_ADD(tests, 0, test_string_row, strings);

	n = ROWS_ADD(tests, n, test_valid_row, valids);
	return ROWS_RUN("json", tests, n);
}
