// SPDX-License-Identifier: GPL-3.0-or-later
/* OpenOCD's `targets` table, its error lines and --openocd ARGS (ocd.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ocd.h"

/* The next blank-separated word of [*p, end) into out (cut to len). */
static int word(const char **p, const char *end, char *out, size_t len)
{
	const char *s = *p, *e;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	e = s;
	while (e < end && *e != ' ' && *e != '\t')
		e++;
	*p = e;
	if (e == s)
		return -1;
	snprintf(out, len, "%.*s", (int)(e - s), s);
	return 0;
}

/* One row: " 0* name type endian tap state...". */
static int parse_row(const char *s, const char *end, struct ocd_target *t)
{
	char idx[16];
	size_t n;

	if (word(&s, end, idx, sizeof(idx)) || !isdigit((unsigned char)idx[0]))
		return -1;
	t->index = 0;
	for (n = 0; isdigit((unsigned char)idx[n]); n++)
		t->index = t->index * 10 + (idx[n] - '0') % 10;
	if (n > 6 || (idx[n] && strcmp(idx + n, "*")))
		return -1;
	t->current = idx[n] == '*';
	if (word(&s, end, t->name, sizeof(t->name)) ||
	    word(&s, end, t->type, sizeof(t->type)) ||
	    word(&s, end, t->endian, sizeof(t->endian)) ||
	    word(&s, end, t->tap, sizeof(t->tap)))
		return -1;
	/* The state is the rest of the row ("examine deferred" has a blank). */
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	if (end == s)
		return -1;
	snprintf(t->state, sizeof(t->state), "%.*s", (int)(end - s), s);
	return 0;
}

int ocd_parse_targets(const char *text, struct ocd_target *t, int max)
{
	const char *p = text;
	int n = 0, rows = 0;

	while (*p && n < max) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);

		if (!strncmp(p, "--", 2) && !rows)
			rows = 1;	/* the rule under the header */
		else if (rows && !parse_row(p, end, &t[n]))
			n++;
		if (!nl)
			break;
		p = nl + 1;
	}
	return n;
}

int ocd_linux_cores(const struct ocd_target *t, int n, unsigned char *sel)
{
	static const char *const linux_types[] = {
		"aarch64", "cortex_a", "riscv", "arm11", "arm920t", "arm926ejs",
	};
	int count = 0;

	for (int i = 0; i < n; i++) {
		sel[i] = 0;
		for (size_t k = 0; k < sizeof(linux_types) / sizeof(linux_types[0]); k++)
			if (!strcmp(t[i].type, linux_types[k]))
				sel[i] = 1;
		count += sel[i];
	}
	if (!count)
		for (int i = 0; i < n; i++, count++)
			sel[i] = 1;
	return count;
}

/* What an error line says, checked in this order (the first match wins). */
static const struct {
	enum ocd_log kind;
	const char *says;
} errors[] = {
	{ OCD_LOG_CONFIG, ".cfg" },
	{ OCD_LOG_ADAPTER, "debug interface was not found" },
	{ OCD_LOG_IN_USE, "Address already in use" },
	{ OCD_LOG_IN_USE, "couldn't bind" },
	{ OCD_LOG_NO_CHAIN, "scan chain interrogation failed" },
	{ OCD_LOG_NO_CHAIN, "JTAG scan chain" },
	{ OCD_LOG_NO_PROBE, "No J-Link device found" },
	{ OCD_LOG_NO_PROBE, "unable to find" },
	{ OCD_LOG_NO_PROBE, "unable to open" },
	{ OCD_LOG_NO_PROBE, "no device found" },
	{ OCD_LOG_NO_PROBE, "No device" },
	{ OCD_LOG_NO_PROBE, "Failed to connect" },
	{ OCD_LOG_NO_PROBE, "couldn't connect" },
	{ OCD_LOG_NO_PROBE, "open failed" },
	{ OCD_LOG_NO_PROBE, "Can't find" },
};

/* Which kind [s, e) is: an index into errors[], or -1. */
static int kind_of(const char *s, const char *e)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		size_t k = strlen(errors[i].says);

		for (const char *q = s; q + k <= e; q++)
			if (!memcmp(q, errors[i].says, k))
				return (int)i;
	}
	return -1;
}

enum ocd_log ocd_classify_log(const char *log, char *why, size_t len)
{
	static const char tag[] = "Error: ";
	enum ocd_log best = OCD_LOG_NONE;
	const char *p = log;

	if (len)
		why[0] = '\0';
	while (*p) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);

		if (!strncmp(p, tag, sizeof(tag) - 1)) {
			const char *s = p + sizeof(tag) - 1;
			int k = kind_of(s, end);
			enum ocd_log kind = k < 0 ? OCD_LOG_OTHER : errors[k].kind;

			while (end > s && (end[-1] == '\r' || end[-1] == ' '))
				end--;
			/* The first known failure; else the first error line. */
			if (best == OCD_LOG_NONE || (best == OCD_LOG_OTHER && kind != OCD_LOG_OTHER)) {
				best = kind;
				if (len)
					snprintf(why, len, "%.*s", (int)(end - s), s);
			}
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return best;
}

int ocd_split_args(const char *s, char *buf, size_t len, char **argv, int max)
{
	size_t w = 0;
	int n = 0;

	for (;;) {
		char quote = 0;

		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			return n;
		if (n >= max)
			return -1;
		argv[n] = buf + w;
		while (*s && (quote || !(*s == ' ' || *s == '\t' || *s == '\n'))) {
			char c = *s++;

			if (quote == '\'' && c == '\'') {
				quote = 0;
				continue;
			}
			if (quote == '"' && c == '"') {
				quote = 0;
				continue;
			}
			if (!quote && (c == '\'' || c == '"')) {
				quote = c;
				continue;
			}
			if (c == '\\' && quote != '\'' &&
			    (!quote || *s == '"' || *s == '\\')) {
				if (!*s)
					return -1;
				c = *s++;
			}
			if (w + 1 >= len)
				return -1;
			buf[w++] = c;
		}
		if (quote)
			return -1;
		if (w >= len)
			return -1;
		buf[w++] = '\0';
		n++;
	}
}
