/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Strict number parsing for the command line: the whole string or an
 * error, and a range, so "5x" or "1e10" is a usage error, never a silent
 * 5 or an overflow.  Pure.
 */
#ifndef NMIDBG_NUM_H
#define NMIDBG_NUM_H

#include <stdint.h>

#define NUM_SECONDS_MAX	86400	/* a day: any deadline times 12 fits an int */

/*
 * Seconds as a decimal ("5", "0.5"), 0.001 to NUM_SECONDS_MAX, into
 * milliseconds.  0, or -1 for anything else.
 */
int num_seconds_ms(const char *s, int *ms);
/* An unsigned 64-bit number, decimal or 0x hex.  0, or -1. */
int num_u64(const char *s, uint64_t *v);
/* An unsigned 64-bit number in hex, with or without 0x.  0, or -1. */
int num_hex(const char *s, uint64_t *v);

#endif
