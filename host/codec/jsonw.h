/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A JSON writer that owns the document's shape: which containers are
 * open, whether a comma is due, whether a key waits for its value.  The
 * commands that print evidence say what goes where; the writer alone
 * decides the punctuation, so every document it finishes is one that
 * json_valid() accepts.  Pure: it writes to the FILE it is given, and only
 * there.
 *
 * Misuse (a key outside an object, a value in an object without its key,
 * an end that does not match, nesting past JW_DEPTH_MAX, a second
 * document) is not written, not even in part: the first one is kept in
 * w->err, and from then on every call writes nothing, so what was
 * written stays a prefix of a valid document.  Write errors of the FILE itself are the FILE's
 * (ferror()), as for any other output.
 *
 * Layout: ", " between members, ": " after a key, nothing else, all on
 * one line unless jw_space() asks for a line break.
 */
#ifndef NMIDBG_JSONW_H
#define NMIDBG_JSONW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* json_valid()'s nesting limit: no value is written inside 64 containers. */
#define JW_DEPTH_MAX 64

enum jw_err {
	JW_OK,
	JW_ERR_KEY,	/* a key outside an object, or a key where a value is due */
	JW_ERR_VALUE,	/* a value in an object with no key before it */
	JW_ERR_END,	/* an end with nothing open, the other kind open, or a key unanswered */
	JW_ERR_DEPTH,	/* a value or key inside JW_DEPTH_MAX open containers */
	JW_ERR_DONE,	/* a value after the document's one */
	JW_ERR_SPACE,	/* jw_space() given something that is not JSON whitespace */
	JW_ERR_OPEN,	/* jw_finish() with no document, or part of one */
};

struct json_writer {
	FILE *f;
	int depth;		/* containers open */
	uint64_t object;	/* bit d: the container opened at depth d is an object */
	uint64_t comma;		/* bit d: it has a member already, the next one needs a comma */
	int key;		/* a key is written, its value is due */
	int done;		/* the document's one value is complete */
	const char *space;	/* jw_space(): what goes before the next token */
	enum jw_err err;	/* the first misuse, JW_OK while there is none */
};

/* A writer for one document on f. */
void jw_init(struct json_writer *w, FILE *f);

/*
 * Values: at the top (once), as an array's element, or after a key in an
 * object.  jw_object() and jw_array() open a container that the same
 * kind of end closes: {...} and [...].
 */
void jw_object(struct json_writer *w);
void jw_object_end(struct json_writer *w);
void jw_array(struct json_writer *w);
void jw_array_end(struct json_writer *w);

/* A member's key, in an object only; its value comes next. */
void jw_key(struct json_writer *w, const char *key);

/*
 * len bytes of s as a JSON string, escaped by json_string() (bytes
 * 0x80-0xff as \u0080-\u00ff); s NULL: null.  jw_str(): a C string.
 */
void jw_string(struct json_writer *w, const char *s, size_t len);
void jw_str(struct json_writer *w, const char *s);
void jw_int(struct json_writer *w, long long v);
void jw_uint(struct json_writer *w, unsigned long long v);
void jw_bool(struct json_writer *w, int v);
void jw_null(struct json_writer *w);

/*
 * JSON from elsewhere (gdb's line): embedded as the value it is if it is
 * exactly one valid JSON value that stays within the nesting limit here,
 * else as a JSON string of its bytes, so a garbled or cut-off line
 * cannot spoil the document.  json NULL: null.
 */
void jw_raw(struct json_writer *w, const char *json, size_t len);

/*
 * len bytes of text as an array of its lines, without their newlines (a
 * last line without one counts too): "a\nb\n" is ["a", "b"].  text
 * NULL: no lines, [].
 */
void jw_lines(struct json_writer *w, const char *text, size_t len);

/*
 * Every document nmidbg writes starts with its schema's name and version
 * (docs/json.md): "schema": "nmidbg-NAME", "schema_version": N.  A new
 * version only when a member changes meaning or goes; added members
 * keep it.
 */
#define JW_SCHEMA_VERSION	1
void jw_schema(struct json_writer *w, const char *name);

/* A key and its value at once, the usual case in an object. */
void jw_kstr(struct json_writer *w, const char *key, const char *s);
void jw_kint(struct json_writer *w, const char *key, long long v);
void jw_kuint(struct json_writer *w, const char *key, unsigned long long v);
void jw_kbool(struct json_writer *w, const char *key, int v);
/* A number that may not be known: v if known, else null. */
void jw_kint_or_null(struct json_writer *w, const char *key, int known, long long v);

/*
 * The whitespace to write before the next token (key, value or end) in
 * place of the usual " " or "", after the comma if one is due: "\n  "
 * starts a member on a line of its own.  Only " \t\n\r"; ws must stay
 * valid until that token.
 */
void jw_space(struct json_writer *w, const char *ws);

/*
 * Ends the document with a newline.  Returns 0 if it was whole (one
 * value, nothing left open, no misuse), else the error, and writes
 * nothing.
 */
int jw_finish(struct json_writer *w);

#endif
