// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * gdb's bytes toward the board, sorted (gdbin.c): one cmocka case per row,
 * each also fed split at every byte.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "gdbin.h"
#include "rows.h"

/* Events as text: "P:bytes" passed on (runs merged), "L:payload", "^C". */
struct trace {
	char s[512];
	int in_pass;
};

static int record(void *ctx, const struct gdbin_event *ev)
{
	struct trace *t = ctx;
	size_t n = strlen(t->s);

	if (ev->kind != GDBIN_PASS || !t->in_pass)
		n += (size_t)snprintf(t->s + n, sizeof(t->s) - n, "%s%s", n ? " " : "",
				      ev->kind == GDBIN_PASS ? "P:" :
				      ev->kind == GDBIN_LOCAL ? "L:" : "^C");
	t->in_pass = ev->kind == GDBIN_PASS;
	if (ev->kind != GDBIN_INTERRUPT)
		snprintf(t->s + n, sizeof(t->s) - n, "%.*s%s", (int)ev->len,
			 (const char *)ev->data, ev->resumes ? "(runs)" : "");
	return 0;
}

static const struct gdbin_row {
	const char *name;
	const char *in;
	const char *events;
} rows[] = {
	{ "a packet is passed on as gdb wrote it", "$m0,4#fd", "P:$m0,4#fd" },
	{ "acks are passed on", "+-", "P:+-" },
	{ "detach is answered here", "$D#44", "L:D" },
	{ "detach with a pid too", "$D;1#b0", "L:D;1" },
	{ "kill is answered here", "$k#6b", "L:k" },
	{ "vKill is answered here", "$vKill;a410#33", "L:vKill;a410" },
	{ "a k that is more is not kill", "$kx#e3", "P:$kx#e3" },
	{ "continue lets the kernel run", "$c#63", "P:$c#63(runs)" },
	{ "vCont;c lets the kernel run", "$vCont;c#a8", "P:$vCont;c#a8(runs)" },
	{ "^C outside a packet", "\x03", "^C" },
	{ "noise outside packets is dropped", "ab", "" },
	{ "a bad checksum goes on (the board NAKs)", "$D#00", "P:$D#00" },
	{ "a $ restarts: the broken part goes on", "$ab$D#44", "P:$ab L:D" },
};

static void run(const char *in, size_t cut, char *out, size_t cap)
{
	static struct gdbin g;
	struct trace t;

	memset(&t, 0, sizeof(t));
	gdbin_init(&g);
	gdbin_feed(&g, (const uint8_t *)in, cut, record, &t);
	gdbin_feed(&g, (const uint8_t *)in + cut, strlen(in) - cut, record, &t);
	snprintf(out, cap, "%s", t.s);
}

static void test_row(void **state)
{
	const struct gdbin_row *row = *state;

	rows_check_split(row->in, row->events, run);
}

/* Passed-on bytes, counted: a packet too long to hold. */
static int count(void *ctx, const struct gdbin_event *ev)
{
	size_t *n = ctx;

	assert_int_equal(ev->kind, GDBIN_PASS);
	*n += ev->len;
	return 0;
}

/* A packet longer than any kgdb takes goes on whole, never answered here. */
static void test_spilled_packet_goes_on_whole(void **state)
{
	static struct gdbin g;
	static char big[sizeof(g.raw) + 100];
	size_t n = 0, len;

	(void)state;
	big[0] = '$';
	big[1] = 'D';
	memset(big + 2, 'x', sizeof(big) - 2 - 4);
	memcpy(big + sizeof(big) - 4, "#00", 3);
	len = strlen(big);
	gdbin_init(&g);
	gdbin_feed(&g, (const uint8_t *)big, len, count, &n);
	assert_int_equal(n, len);
}

int main(void)
{
	struct CMUnitTest tests[ROWS_MAX];
	size_t n = ROWS_ADD(tests, 0, test_row, rows);

	n = ROWS_CASE(tests, n, test_spilled_packet_goes_on_whole);
	return ROWS_RUN("gdbin", tests, n);
}
