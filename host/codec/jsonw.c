// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The JSON writer (see jsonw.h): a check before each token that it may
 * stand there, then the separator the shape calls for, then the token.
 * Nothing is written for a token that may not stand where it was asked.
 */
#include <string.h>

#include "json.h"
#include "jsonw.h"

void jw_init(struct json_writer *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

static int fail(struct json_writer *w, enum jw_err err)
{
	if (!w->err)
		w->err = err;
	return 0;
}

/* The innermost container is an object (depth 0: none is). */
static int in_object(const struct json_writer *w)
{
	return w->depth && (w->object >> (w->depth - 1) & 1);
}

/* Whether a value may go here; if not, the misuse is kept. */
static int value_ok(struct json_writer *w)
{
	if (w->err)
		return 0;
	if (w->done)
		return fail(w, JW_ERR_DONE);
	if (in_object(w) && !w->key)
		return fail(w, JW_ERR_VALUE);
	if (w->depth >= JW_DEPTH_MAX)
		return fail(w, JW_ERR_DEPTH);
	return 1;
}

/* jw_space()'s whitespace if given (once), else the usual one. */
static void blank(struct json_writer *w, const char *usual)
{
	fputs(w->space ? w->space : usual, w->f);
	w->space = NULL;
}

/* Before a member of the innermost container: its comma if one is due. */
static void member(struct json_writer *w)
{
	uint64_t bit = (uint64_t)1 << (w->depth - 1);

	if (w->comma & bit)
		fputc(',', w->f);
	blank(w, w->comma & bit ? " " : "");
	w->comma |= bit;
}

/* Before a value that value_ok() let through. */
static void lead(struct json_writer *w)
{
	if (!w->depth)
		blank(w, "");
	else if (in_object(w))
		blank(w, " ");		/* after the key's colon */
	else
		member(w);
}

/* After a value: the key it answered, or the document, is done. */
static void close_value(struct json_writer *w)
{
	w->key = 0;
	if (!w->depth)
		w->done = 1;
}

static void open_container(struct json_writer *w, int object)
{
	uint64_t bit;

	if (!value_ok(w))
		return;
	lead(w);
	fputc(object ? '{' : '[', w->f);
	bit = (uint64_t)1 << w->depth++;
	w->object = object ? w->object | bit : w->object & ~bit;
	w->comma &= ~bit;
	w->key = 0;
}

static void end_container(struct json_writer *w, int object)
{
	if (w->err)
		return;
	if (!w->depth || in_object(w) != object || w->key) {
		fail(w, JW_ERR_END);
		return;
	}
	blank(w, "");
	fputc(object ? '}' : ']', w->f);
	w->depth--;
	close_value(w);
}

void jw_object(struct json_writer *w)
{
	open_container(w, 1);
}

void jw_object_end(struct json_writer *w)
{
	end_container(w, 1);
}

void jw_array(struct json_writer *w)
{
	open_container(w, 0);
}

void jw_array_end(struct json_writer *w)
{
	end_container(w, 0);
}

void jw_key(struct json_writer *w, const char *key)
{
	if (w->err)
		return;
	if (!in_object(w) || w->key) {
		fail(w, JW_ERR_KEY);
		return;
	}
	/* Its value could not follow: refuse the key, not half a member. */
	if (w->depth >= JW_DEPTH_MAX) {
		fail(w, JW_ERR_DEPTH);
		return;
	}
	member(w);
	json_string(w->f, key, strlen(key));
	fputc(':', w->f);
	w->key = 1;
}

void jw_string(struct json_writer *w, const char *s, size_t len)
{
	if (!value_ok(w))
		return;
	lead(w);
	if (s)
		json_string(w->f, s, len);
	else
		fputs("null", w->f);
	close_value(w);
}

void jw_str(struct json_writer *w, const char *s)
{
	jw_string(w, s, s ? strlen(s) : 0);
}

void jw_int(struct json_writer *w, long long v)
{
	if (!value_ok(w))
		return;
	lead(w);
	fprintf(w->f, "%lld", v);
	close_value(w);
}

void jw_uint(struct json_writer *w, unsigned long long v)
{
	if (!value_ok(w))
		return;
	lead(w);
	fprintf(w->f, "%llu", v);
	close_value(w);
}

/* A literal: true, false, null. */
static void word(struct json_writer *w, const char *s)
{
	if (!value_ok(w))
		return;
	lead(w);
	fputs(s, w->f);
	close_value(w);
}

void jw_bool(struct json_writer *w, int v)
{
	word(w, v ? "true" : "false");
}

void jw_null(struct json_writer *w)
{
	word(w, "null");
}

void jw_raw(struct json_writer *w, const char *json, size_t len)
{
	/* The value goes in at w->depth: its own nesting counts from there. */
	if (!json || !json_valid_within(json, len, w->depth)) {
		jw_string(w, json, len);
		return;
	}
	if (!value_ok(w))
		return;
	lead(w);
	fwrite(json, 1, len, w->f);
	close_value(w);
}

void jw_lines(struct json_writer *w, const char *text, size_t len)
{
	const char *p = text, *end = text ? text + len : NULL;

	/* All or nothing: no "[" whose lines could not go in. */
	if (!value_ok(w))
		return;
	if (text && len && w->depth + 1 >= JW_DEPTH_MAX) {
		fail(w, JW_ERR_DEPTH);
		return;
	}
	jw_array(w);
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		jw_string(w, p, n);
		p += n + (nl ? 1 : 0);
	}
	jw_array_end(w);
}

void jw_kstr(struct json_writer *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_str(w, s);
}

void jw_kint(struct json_writer *w, const char *key, long long v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void jw_kuint(struct json_writer *w, const char *key, unsigned long long v)
{
	jw_key(w, key);
	jw_uint(w, v);
}

void jw_kbool(struct json_writer *w, const char *key, int v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

void jw_kint_or_null(struct json_writer *w, const char *key, int known, long long v)
{
	jw_key(w, key);
	if (known)
		jw_int(w, v);
	else
		jw_null(w);
}

void jw_space(struct json_writer *w, const char *ws)
{
	if (w->err)
		return;
	if (ws[strspn(ws, " \t\n\r")]) {
		fail(w, JW_ERR_SPACE);
		return;
	}
	w->space = ws;
}

int jw_finish(struct json_writer *w)
{
	if (!w->err && !w->done)
		fail(w, JW_ERR_OPEN);
	if (w->err)
		return w->err;
	fputc('\n', w->f);
	return 0;
}

void jw_schema(struct json_writer *w, const char *name)
{
	jw_kstr(w, "schema", name);
	jw_kint(w, "schema_version", JW_SCHEMA_VERSION);
}
