// SPDX-License-Identifier: GPL-3.0-or-later
/* Strict number parsing (see num.h): digits are checked before any
 * conversion, so no locale, sign, exponent, "inf" or whitespace slips in. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

int num_seconds_ms(const char *s, int *ms)
{
	const char *dot = strchr(s, '.');
	size_t whole = dot ? (size_t)(dot - s) : strlen(s);
	long long v = 0;
	int frac = 0;

	if (!whole || whole > 5 || strspn(s, "0123456789") != whole)
		return -1;
	for (size_t i = 0; i < whole; i++)
		v = v * 10 + (s[i] - '0');
	v *= 1000;
	if (dot) {
		/* Up to milliseconds; more digits are an error, not rounding. */
		size_t n = strlen(dot + 1);

		if (!n || n > 3 || strspn(dot + 1, "0123456789") != n)
			return -1;
		for (size_t i = 0; i < 3; i++)
			frac = frac * 10 + (i < n ? dot[1 + i] - '0' : 0);
	}
	v += frac;
	if (v < 1 || v > NUM_SECONDS_MAX * 1000LL)
		return -1;
	*ms = (int)v;
	return 0;
}

/* digits, all of them, in base 10 or 16 (no prefix left). */
static int digits_u64(const char *digits, int hex, uint64_t *v)
{
	char *end;
	unsigned long long r;

	if (!*digits || strspn(digits, hex ? "0123456789abcdefABCDEF" :
				    "0123456789") != strlen(digits))
		return -1;
	errno = 0;
	r = strtoull(digits, &end, hex ? 16 : 10);
	if (errno || *end)
		return -1;
	*v = r;
	return 0;
}

static int has_0x(const char *s)
{
	return s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

int num_u64(const char *s, uint64_t *v)
{
	return digits_u64(has_0x(s) ? s + 2 : s, has_0x(s), v);
}

int num_hex(const char *s, uint64_t *v)
{
	return digits_u64(has_0x(s) ? s + 2 : s, 1, v);
}
