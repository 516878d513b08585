// SPDX-License-Identifier: GPL-3.0-or-later
/* JSON output helpers: strings escaped per RFC 8259, text as line arrays. */
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
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void json_lines(FILE *f, const char *text)
{
	const char *p = text;
	int first = 1;

	fputc('[', f);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		fputs(first ? "" : ", ", f);
		json_string(f, p, n);
		first = 0;
		p += n + (nl ? 1 : 0);
	}
	fputc(']', f);
}
