/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * JSON strings for the documents jsonw.h writes, and a strict validator
 * for JSON that comes from elsewhere (gdb) before it is embedded, and for
 * the tests.  Pure: they only format into, or read from, what the caller
 * hands in.
 */
#ifndef NMIDBG_JSON_H
#define NMIDBG_JSON_H

#include <stddef.h>
#include <stdio.h>

/*
 * A JSON string of len bytes of str.  The board's text is bytes, not
 * always UTF-8: every byte 0x80-0xff is written as \u0080-\u00ff, so the
 * output is ASCII, always valid, and each string decoded as Latin-1 gives
 * back the bytes exactly.
 */
void json_string(FILE *f, const char *str, size_t len);
/*
 * Whether buf is exactly one JSON value (RFC 8259), in ASCII, nested at
 * most 64 deep, with nothing but whitespace around it.
 */
int json_valid(const char *buf, size_t len);
/*
 * The same for a value that goes in within depth open containers: its own
 * nesting may then be at most 64 - depth, so that the document it goes
 * into still passes json_valid().
 */
int json_valid_within(const char *buf, size_t len, int depth);

#endif
