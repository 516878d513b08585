// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * kdb backtrace lines to frame records.  A frame's address is an exact
 * PC only for the first frame and for the one an exception entry sits on
 * (arm64: el1h_64_irq and friends); every other is a return address, whose
 * call is one byte earlier: the resolver needs to know which.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frames.h"

/* arm64 exception vectors: "el1h_64_irq", "el0t_64_sync", "el1h_64_error". */
static int exception_entry(const char *name)
{
	static const char *const kinds[] = { "_irq", "_fiq", "_sync", "_error" };
	size_t n = strlen(name);

	if (strncmp(name, "el0t_", 5) && strncmp(name, "el1t_", 5) &&
	    strncmp(name, "el1h_", 5))
		return 0;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t k = strlen(kinds[i]);

		if (n > k && !strcmp(name + n - k, kinds[i]))
			return 1;
	}
	return 0;
}

static int hexnum(const char **p, const char *end, unsigned long *v)
{
	const char *s = *p;
	unsigned long x = 0;
	int digits = 0;

	if (end - s < 3 || s[0] != '0' || s[1] != 'x')
		return -1;
	for (s += 2; s < end && digits < 16; s++, digits++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else
			break;
		x = x << 4 | (unsigned long)d;
	}
	if (!digits)
		return -1;
	*p = s;
	*v = x;
	return 0;
}

/* " name+0xoff/0xsize[ [module...]]" -> f (func, off, size, module). */
static int parse_line(const char *p, const char *end, struct frame *f)
{
	size_t n = 0;

	if (p >= end || *p != ' ')
		return -1;
	while (p < end && *p == ' ')
		p++;
	while (p < end && *p != '+' && *p != ' ' && *p != '[' && n + 1 < sizeof(f->func))
		f->func[n++] = *p++;
	f->func[n] = '\0';
	if (!n || p >= end || *p++ != '+' || hexnum(&p, end, &f->off) ||
	    p >= end || *p++ != '/' || hexnum(&p, end, &f->size))
		return -1;
	f->module[0] = '\0';
	if (end - p > 2 && p[0] == ' ' && p[1] == '[') {
		const char *m = p + 2;

		n = 0;
		while (m < end && *m != ' ' && *m != ']' && n + 1 < sizeof(f->module))
			f->module[n++] = *m++;
		f->module[n] = '\0';
	}
	return 0;
}

int frames_parse(const char *text, size_t len, struct frame *out, int max)
{
	const char *p = text, *end = text + len, *prev = NULL;
	size_t prev_len = 0;
	int n = 0, after_exception = 0;

	while (p < end && n < max) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *e = p + l;

		while (e > p && e[-1] == '\r')
			e--;
		if (!(prev && l == prev_len && !memcmp(p, prev, l))) {
			struct frame *f = &out[n];

			memset(f, 0, sizeof(*f));
			if (!parse_line(p, e, f)) {
				f->pc = n == 0 || after_exception;
				after_exception = exception_entry(f->func);
				n++;
			}
		}
		prev = p;
		prev_len = l;
		p += l + 1;
	}
	return n;
}

int frames_format(const struct frame *f, char *buf, size_t cap)
{
	char sym[200];

	snprintf(sym, sizeof(sym), "%s+0x%lx/0x%lx%s%s%s", f->func, f->off, f->size,
		 f->module[0] ? " [" : "", f->module, f->module[0] ? "]" : "");
	if (!f->line)
		return snprintf(buf, cap, "%s", sym);
	if (!f->inlined[0])
		return snprintf(buf, cap, "%-44s %s:%d", sym, f->file, f->line);
	return snprintf(buf, cap, "%-44s %s:%d (inlined %s at %s:%d)", sym, f->file,
			f->line, f->inlined, f->inl_file, f->inl_line);
}
