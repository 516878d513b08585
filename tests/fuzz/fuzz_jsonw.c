// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * libFuzzer target: the JSON writer driven by any sequence of calls, the
 * input read as ops (a byte each, then its operands).  Whatever the
 * sequence: a call the writer refuses writes nothing, nor does any call
 * after it; and a writer with no error can always be completed (the key
 * answered, every container closed) into a document json_valid() takes,
 * which checks a document the sequence finished itself as it stands.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct in {
	const uint8_t *p, *end;
};

static unsigned byte(struct in *in)
{
	return in->p < in->end ? *in->p++ : 0;
}

/* A length byte, then that many bytes (fewer at the end of the input). */
static const char *bytes(struct in *in, size_t *len)
{
	const char *s;

	*len = byte(in);
	if (*len > (size_t)(in->end - in->p))
		*len = (size_t)(in->end - in->p);
	s = (const char *)in->p;
	in->p += *len;
	return s;
}

static unsigned long long number(struct in *in)
{
	unsigned long long v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | byte(in);
	return v;
}

/* len bytes as a C string (a NUL inside ends it early). */
static char *cstr(char *buf, const char *s, size_t len)
{
	memcpy(buf, s, len);
	buf[len] = '\0';
	return buf;
}

/*
 * An op: its byte picks the call, the bytes after it (if it takes any) are
 * its operands.  The calls without operands and those on len bytes come
 * from tables, the rest one by one.
 */
static void op(struct json_writer *w, struct in *in)
{
	static void (*const plain[])(struct json_writer *) = {
		jw_object, jw_object_end, jw_array, jw_array_end, jw_null,
	};
	static void (*const sized[])(struct json_writer *, const char *, size_t) = {
		jw_string, jw_raw, jw_lines,
	};
	/* jw_space() keeps the pointer until the next token: not on the stack. */
	static char ws[256];
	unsigned o = byte(in) % 16;
	char key[256];
	const char *s;
	size_t len;

	if (o < 5) {
		plain[o](w);
		return;
	}
	if (o < 8) {
		s = bytes(in, &len);
		sized[o - 5](w, s, len);
		return;
	}
	switch (o) {
	case 8:
		jw_int(w, (long long)number(in));
		break;
	case 9:
		jw_uint(w, number(in));
		break;
	case 10:
		jw_bool(w, (int)byte(in));
		break;
	case 11:
		s = bytes(in, &len);
		jw_key(w, cstr(key, s, len));
		break;
	case 12:
		/* Mostly whitespace (odd length: each byte mapped to one). */
		s = bytes(in, &len);
		cstr(ws, s, len);
		for (size_t i = 0; len & 1 && i < len; i++)
			ws[i] = " \t\n\r"[(unsigned char)ws[i] & 3];
		jw_space(w, ws);
		break;
	case 13:
		s = bytes(in, &len);
		jw_kstr(w, "s", cstr(key, s, len));
		break;
	case 14:
		jw_kint(w, "n", (long long)number(in));
		break;
	default:
		if (byte(in) & 1)
			jw_str(w, NULL);
		else
			jw_raw(w, NULL, 0);
		break;
	}
}

/* Answers the key and closes what is open, as a caller that stops would. */
static void complete(struct json_writer *w)
{
	if (w->key)
		jw_null(w);
	while (w->depth) {
		if (w->object >> (w->depth - 1) & 1)
			jw_object_end(w);
		else
			jw_array_end(w);
	}
	if (!w->done)
		jw_null(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, data + size };
	struct json_writer w;
	char *buf = NULL;
	size_t len = 0, before;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	jw_init(&w, f);
	while (in.p < in.end) {
		enum jw_err err = w.err;

		fflush(f);
		before = len;
		op(&w, &in);
		fflush(f);
		if (err && w.err != err)
			abort();	/* the first misuse is the one kept */
		if (w.err && len != before)
			abort();	/* refused, or after a refusal: nothing written */
		if (w.depth < 0 || w.depth > JW_DEPTH_MAX)
			abort();
	}
	if (!w.err) {
		complete(&w);
		if (w.err || jw_finish(&w))
			abort();
		fflush(f);
		if (!json_valid(buf, len))
			abort();
	} else if (jw_finish(&w) != (int)w.err) {
		abort();
	}
	fclose(f);
	free(buf);
	return 0;
}
