/* SPDX-License-Identifier: GPL-3.0-or-later */
/* JSON output helpers for the commands that print evidence. */
#ifndef NMIDBG_JSON_H
#define NMIDBG_JSON_H

#include <stddef.h>
#include <stdio.h>

/* A JSON string of len bytes of str. */
void json_string(FILE *f, const char *str, size_t len);
/* Text as a JSON array of its lines (without the newlines). */
void json_lines(FILE *f, const char *text);

#endif
