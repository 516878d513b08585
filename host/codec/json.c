// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * JSON strings escaped per RFC 8259 (bytes >= 0x80 too, see json.h), for
 * jsonw.c, which writes the documents; and a recursive-descent validator.
 */
#include <string.h>

#include "json.h"

void json_string(FILE *f, const char *str, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)str[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* ---- validator: each function advances *p past what it accepts ---- */

struct jv {
	const char *p, *end;
};

static int jv_value(struct jv *v, int depth);

static void jv_space(struct jv *v)
{
	while (v->p < v->end && (*v->p == ' ' || *v->p == '\t' ||
				 *v->p == '\n' || *v->p == '\r'))
		v->p++;
}

static int jv_eat(struct jv *v, char c)
{
	jv_space(v);
	if (v->p < v->end && *v->p == c) {
		v->p++;
		return 1;
	}
	return 0;
}

static int jv_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static int jv_string(struct jv *v)
{
	if (!jv_eat(v, '"'))
		return 0;
	while (v->p < v->end) {
		unsigned char c = (unsigned char)*v->p++;

		if (c == '"')
			return 1;
		if (c < 0x20 || c >= 0x80)
			return 0;
		if (c != '\\')
			continue;
		if (v->p >= v->end)
			return 0;
		c = (unsigned char)*v->p++;
		if (c == 'u') {
			if (v->end - v->p < 4 || !jv_hex(v->p[0]) || !jv_hex(v->p[1]) ||
			    !jv_hex(v->p[2]) || !jv_hex(v->p[3]))
				return 0;
			v->p += 4;
		} else if (!strchr("\"\\/bfnrt", c) || !c) {
			return 0;
		}
	}
	return 0;
}

static int jv_digits(struct jv *v)
{
	const char *start = v->p;

	while (v->p < v->end && *v->p >= '0' && *v->p <= '9')
		v->p++;
	return v->p > start;
}

static int jv_number(struct jv *v)
{
	if (v->p < v->end && *v->p == '-')
		v->p++;
	if (v->p < v->end && *v->p == '0')
		v->p++;
	else if (!jv_digits(v))
		return 0;
	if (v->p < v->end && *v->p == '.') {
		v->p++;
		if (!jv_digits(v))
			return 0;
	}
	if (v->p < v->end && (*v->p == 'e' || *v->p == 'E')) {
		v->p++;
		if (v->p < v->end && (*v->p == '+' || *v->p == '-'))
			v->p++;
		if (!jv_digits(v))
			return 0;
	}
	return 1;
}

static int jv_word(struct jv *v, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(v->end - v->p) < n || memcmp(v->p, w, n))
		return 0;
	v->p += n;
	return 1;
}

/* The members of an object or array, after its opening bracket. */
static int jv_members(struct jv *v, char close, int depth)
{
	if (jv_eat(v, close))
		return 1;
	do {
		if (close == '}' && !(jv_string(v) && jv_eat(v, ':')))
			return 0;
		if (!jv_value(v, depth))
			return 0;
	} while (jv_eat(v, ','));
	return jv_eat(v, close);
}

static int jv_value(struct jv *v, int depth)
{
	jv_space(v);
	if (v->p >= v->end || depth >= 64)
		return 0;
	switch (*v->p) {
	case '{':
		v->p++;
		return jv_members(v, '}', depth + 1);
	case '[':
		v->p++;
		return jv_members(v, ']', depth + 1);
	case '"':
		return jv_string(v);
	case 't':
		return jv_word(v, "true");
	case 'f':
		return jv_word(v, "false");
	case 'n':
		return jv_word(v, "null");
	default:
		return jv_number(v);
	}
}

int json_valid_within(const char *buf, size_t len, int depth)
{
	struct jv v = { buf, buf + len };

	if (depth < 0 || !jv_value(&v, depth))
		return 0;
	jv_space(&v);
	return v.p == v.end;
}

int json_valid(const char *buf, size_t len)
{
	return json_valid_within(buf, len, 0);
}
