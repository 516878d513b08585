// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The JSON writer: each row a sequence of calls, the bytes they write and
 * the error kept.  A row that ends without error must be valid JSON; a
 * misuse must write nothing, then or after, so the bytes stop where it was.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "jsonw.h"
#include "rows.h"

enum op_kind { END_OPS, OBJ, OEND, ARR, AEND, KEY, STR, NSTR, INT, UINT, BOOL, NUL,
	       RAW, LINES, SPACE };

struct op {
	enum op_kind kind;
	const char *s;		/* KEY STR RAW LINES SPACE; NULL: a NULL pointer */
	size_t len;		/* STR RAW LINES: bytes of s */
	long long v;		/* INT BOOL */
	unsigned long long u;	/* UINT */
};

#define O(k)		{ k, NULL, 0, 0, 0 }
#define K(s)		{ KEY, s, 0, 0, 0 }
#define S(s)		{ STR, s, sizeof(s) - 1, 0, 0 }
#define I(v)		{ INT, NULL, 0, v, 0 }
#define U(v)		{ UINT, NULL, 0, 0, v }
#define B(v)		{ BOOL, NULL, 0, v, 0 }
#define RAWS(s)		{ RAW, s, sizeof(s) - 1, 0, 0 }
#define LINESS(s)	{ LINES, s, sizeof(s) - 1, 0, 0 }
#define SP(s)		{ SPACE, s, 0, 0, 0 }

static const struct shape_row {
	const char *name;
	struct op ops[16];
	const char *out;	/* all that was written, jw_finish()'s newline too */
	enum jw_err err;	/* w->err after jw_finish() */
} shapes[] = {
	{ "empty object", { O(OBJ), O(OEND) }, "{}\n", JW_OK },
	{ "empty array", { O(ARR), O(AEND) }, "[]\n", JW_OK },
	{ "members with commas", { O(OBJ), K("a"), I(1), K("b"), B(1), K("c"), O(NUL), O(OEND) },
	  "{\"a\": 1, \"b\": true, \"c\": null}\n", JW_OK },
	{ "nested", { O(ARR), O(OBJ), K("x"), O(ARR), O(AEND), O(OEND), O(OBJ), O(OEND), I(-3),
		      O(AEND) },
	  "[{\"x\": []}, {}, -3]\n", JW_OK },
	{ "integer extremes", { O(ARR), I(-9223372036854775807LL - 1),
				U(18446744073709551615ULL), B(0), O(AEND) },
	  "[-9223372036854775808, 18446744073709551615, false]\n", JW_OK },
	{ "string with a NUL and high bytes", { O(ARR), S("a\0\"\xff"), O(AEND) },
	  "[\"a\\u0000\\\"\\u00ff\"]\n", JW_OK },
	{ "NULL string is null", { O(OBJ), K("s"), O(NSTR), O(OEND) }, "{\"s\": null}\n", JW_OK },
	{ "key escaped", { O(OBJ), K("a\"b"), I(0), O(OEND) }, "{\"a\\\"b\": 0}\n", JW_OK },
	{ "a scalar document", { S("x") }, "\"x\"\n", JW_OK },
	{ "raw valid goes in", { O(OBJ), K("gdb"), RAWS("{\"cpus\": [1]}"), O(OEND) },
	  "{\"gdb\": {\"cpus\": [1]}}\n", JW_OK },
	{ "raw cut off is a string", { O(OBJ), K("gdb"), RAWS("{\"cpus\": [1"), O(OEND) },
	  "{\"gdb\": \"{\\\"cpus\\\": [1\"}\n", JW_OK },
	{ "raw two values is a string", { O(ARR), RAWS("1 2"), O(AEND) }, "[\"1 2\"]\n", JW_OK },
	{ "raw NULL is null", { O(ARR), { RAW, NULL, 0, 0, 0 }, O(AEND) }, "[null]\n", JW_OK },
	{ "lines", { O(ARR), LINESS("a\n\nb\"\nc"), LINESS(""), LINESS("x\n"), O(AEND) },
	  "[[\"a\", \"\", \"b\\\"\", \"c\"], [], [\"x\"]]\n", JW_OK },
	{ "lines NULL are none", { O(ARR), { LINES, NULL, 0, 0, 0 }, O(AEND) }, "[[]]\n", JW_OK },
	{ "space before members", { O(OBJ), K("a"), I(1), SP("\n "), K("b"), O(ARR), SP("\n  "),
				    I(2), SP("\n  "), I(3), O(AEND), O(OEND) },
	  "{\"a\": 1,\n \"b\": [\n  2,\n  3]}\n", JW_OK },
	{ "space before an end and a value", { O(OBJ), K("a"), SP("\t"), I(1), SP("\r\n"),
					       O(OEND) },
	  "{\"a\":\t1\r\n}\n", JW_OK },
	{ "space empty: nothing", { O(ARR), I(1), SP(""), I(2), O(AEND) }, "[1,2]\n", JW_OK },

	/* Misuse: nothing written for it, nor after it. */
	{ "key at the top", { K("a"), I(1) }, "", JW_ERR_KEY },
	{ "key in an array", { O(ARR), K("a"), I(1), O(AEND) }, "[", JW_ERR_KEY },
	{ "two keys", { O(OBJ), K("a"), K("b"), I(1), O(OEND) }, "{\"a\":", JW_ERR_KEY },
	{ "value without a key", { O(OBJ), I(1), O(OEND) }, "{", JW_ERR_VALUE },
	{ "value after a value", { O(OBJ), K("a"), I(1), S("x"), O(OEND) }, "{\"a\": 1",
	  JW_ERR_VALUE },
	{ "container without a key", { O(OBJ), O(ARR) }, "{", JW_ERR_VALUE },
	{ "raw without a key", { O(OBJ), RAWS("1") }, "{", JW_ERR_VALUE },
	{ "raw invalid without a key", { O(OBJ), RAWS("{") }, "{", JW_ERR_VALUE },
	{ "lines without a key", { O(OBJ), LINESS("a\nb") }, "{", JW_ERR_VALUE },
	{ "end of nothing", { O(OEND) }, "", JW_ERR_END },
	{ "end of the other kind", { O(OBJ), O(AEND), O(OEND) }, "{", JW_ERR_END },
	{ "array ended as object", { O(ARR), O(OEND) }, "[", JW_ERR_END },
	{ "end with a key unanswered", { O(OBJ), K("a"), O(OEND) }, "{\"a\":", JW_ERR_END },
	{ "one end too many", { O(ARR), O(AEND), O(AEND) }, "[]", JW_ERR_END },
	{ "second document", { O(OBJ), O(OEND), O(OBJ), O(OEND) }, "{}", JW_ERR_DONE },
	{ "second scalar", { I(1), I(2) }, "1", JW_ERR_DONE },
	{ "space not whitespace", { O(ARR), SP(" ,"), I(1), O(AEND) }, "[", JW_ERR_SPACE },
	{ "finish with nothing", { O(END_OPS) }, "", JW_ERR_OPEN },
	{ "finish with an array open", { O(ARR), I(1) }, "[1", JW_ERR_OPEN },
	{ "first misuse kept", { O(OBJ), I(1), O(AEND), K("a") }, "{", JW_ERR_VALUE },
};

static void apply(struct json_writer *w, const struct op *op)
{
	switch (op->kind) {
	case END_OPS:
		break;
	case OBJ:
		jw_object(w);
		break;
	case OEND:
		jw_object_end(w);
		break;
	case ARR:
		jw_array(w);
		break;
	case AEND:
		jw_array_end(w);
		break;
	case KEY:
		jw_key(w, op->s);
		break;
	case STR:
		jw_string(w, op->s, op->len);
		break;
	case NSTR:
		jw_str(w, NULL);
		break;
	case INT:
		jw_int(w, op->v);
		break;
	case UINT:
		jw_uint(w, op->u);
		break;
	case BOOL:
		jw_bool(w, (int)op->v);
		break;
	case NUL:
		jw_null(w);
		break;
	case RAW:
		jw_raw(w, op->s, op->len);
		break;
	case LINES:
		jw_lines(w, op->s, op->len);
		break;
	case SPACE:
		jw_space(w, op->s);
		break;
	}
}

/* A writer into memory: what it wrote is in *buf once the FILE is closed. */
static FILE *writer(struct json_writer *w, char **buf, size_t *len)
{
	FILE *f;

	*buf = NULL;
	f = open_memstream(buf, len);
	assert_non_null(f);
	jw_init(w, f);
	return f;
}

static void test_shape_row(void **state)
{
	const struct shape_row *row = *state;
	struct json_writer w;
	char *buf;
	size_t len;
	FILE *f = writer(&w, &buf, &len);
	int rc;

	for (size_t i = 0; i < 16 && row->ops[i].kind != END_OPS; i++)
		apply(&w, &row->ops[i]);
	rc = jw_finish(&w);
	fclose(f);
	assert_int_equal(rc, row->err);
	assert_int_equal(w.err, row->err);
	if (strcmp(buf, row->out))
		fail_msg("wrote '%s', want '%s'", buf, row->out);
	if (!row->err && !json_valid(buf, len))
		fail_msg("invalid JSON: '%s'", buf);
	free(buf);
}

/* The key and value helpers are the two calls they stand for. */
static void test_key_helpers(void **state)
{
	struct json_writer w;
	char *buf;
	size_t len;
	FILE *f = writer(&w, &buf, &len);

	(void)state;
	jw_object(&w);
	jw_kstr(&w, "s", "v\n");
	jw_kstr(&w, "n", NULL);
	jw_kint(&w, "i", -1);
	jw_kuint(&w, "u", 7);
	jw_kbool(&w, "b", 2);
	jw_kint_or_null(&w, "k", 1, -2);
	jw_kint_or_null(&w, "x", 0, -2);
	jw_object_end(&w);
	assert_int_equal(jw_finish(&w), 0);
	fclose(f);
	assert_string_equal(buf, "{\"s\": \"v\\n\", \"n\": null, \"i\": -1, \"u\": 7, \"b\": true, "
			    "\"k\": -2, \"x\": null}\n");
	free(buf);
}

/*
 * json_valid() takes 64 containers and no value inside them: so does the
 * writer, and gdb's JSON counts its nesting from where it goes in.
 */
static void test_depth_limit(void **state)
{
	static const char two[] = "[[]]";
	struct json_writer w;
	char *buf;
	size_t len;
	FILE *f = writer(&w, &buf, &len);

	(void)state;
	for (int i = 0; i < JW_DEPTH_MAX - 2; i++)
		jw_array(&w);
	jw_raw(&w, two, sizeof(two) - 1);	/* 62 + 2: still in */
	jw_raw(&w, "[[[]]]", 6);		/* 62 + 3: a string */
	jw_array(&w);
	jw_array(&w);
	assert_int_equal(w.err, JW_OK);
	assert_int_equal(w.depth, JW_DEPTH_MAX);
	jw_int(&w, 1);				/* inside 64: not written */
	assert_int_equal(w.err, JW_ERR_DEPTH);
	fclose(f);
	assert_non_null(strstr(buf, "[[[]], \"[[[]]]\", [["));
	assert_int_equal(buf[len - 1], '[');
	free(buf);

	f = writer(&w, &buf, &len);
	for (int i = 0; i < JW_DEPTH_MAX; i++)
		jw_array(&w);
	for (int i = 0; i < JW_DEPTH_MAX; i++)
		jw_array_end(&w);
	assert_int_equal(jw_finish(&w), 0);
	fclose(f);
	assert_true(json_valid(buf, len));
	free(buf);
}

/* Nor a part of one: a key, or lines, that could not be finished there. */
static void test_depth_no_half_values(void **state)
{
	struct json_writer w;
	char *buf;
	size_t len;
	FILE *f = writer(&w, &buf, &len);
	long at;

	(void)state;
	for (int i = 0; i < JW_DEPTH_MAX - 1; i++)
		jw_array(&w);
	jw_lines(&w, "", 0);			/* [] fits at 63 */
	jw_lines(&w, "a", 1);			/* its "a" would not */
	assert_int_equal(w.err, JW_ERR_DEPTH);
	fflush(f);
	at = (long)len;
	fclose(f);
	assert_int_equal(at, JW_DEPTH_MAX - 1 + 2);
	free(buf);

	f = writer(&w, &buf, &len);
	for (int i = 0; i < JW_DEPTH_MAX - 1; i++)
		jw_array(&w);
	jw_object(&w);
	jw_kint(&w, "k", 1);			/* no value inside 64: no key */
	assert_int_equal(w.err, JW_ERR_DEPTH);
	fclose(f);
	assert_int_equal(len, JW_DEPTH_MAX);
	free(buf);
}

int main(void)
{
	struct CMUnitTest tests[ROWS_MAX];
	size_t n = ROWS_ADD(tests, 0, test_shape_row, shapes);

	n = ROWS_CASE(tests, n, test_key_helpers);
	n = ROWS_CASE(tests, n, test_depth_limit);
	n = ROWS_CASE(tests, n, test_depth_no_half_values);
	return ROWS_RUN("jsonw", tests, n);
}
