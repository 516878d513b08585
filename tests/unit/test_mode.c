// SPDX-License-Identifier: GPL-3.0-or-later
/* Table-driven tests of the mode tracker: console / kdb / kgdb / unknown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mode.h"
#include "rows.h"

/*
 * Events as text, adjacent text merged: "T:..." text (\r \n as ~, space
 * as _), "=kdb"
 * mode change, "P0" kdb prompt on CPU0, "M" pager, "K:S05" packet,
 * "A+"/"A-" ack, "R" boot banner (a reboot), "B" the banner's text in kdb.
 */
struct trace {
	char s[1024];
	int in_text;
};

static void put(struct trace *t, const char *fmt, ...)
{
	size_t n = strlen(t->s);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->s + n, sizeof(t->s) - n, fmt, ap);
	va_end(ap);
}

static void record(void *ctx, const struct mode_event *ev)
{
	struct trace *t = ctx;

	if (ev->type == MODE_EV_TEXT && ev->len == 0)
		return;
	if (ev->type != MODE_EV_TEXT || !t->in_text)
		put(t, "%s%s", t->s[0] ? " " : "",
		    ev->type == MODE_EV_TEXT ? "T:" : "");
	t->in_text = ev->type == MODE_EV_TEXT;
	switch (ev->type) {
	case MODE_EV_TEXT:
		for (size_t i = 0; i < ev->len; i++) {
			char c = (char)ev->data[i];

			put(t, "%c", c == '\r' || c == '\n' ? '~' : c == ' ' ? '_' : c);
		}
		break;
	case MODE_EV_KDB_PROMPT:
		put(t, "P%d", ev->cpu);
		break;
	case MODE_EV_MORE:
		put(t, "M");
		break;
	case MODE_EV_PACKET:
		put(t, "K:%.*s", (int)ev->len, ev->data);
		break;
	case MODE_EV_ACK:
		put(t, "A%c", ev->len ? '+' : '-');
		break;
	case MODE_EV_MODE:
		put(t, "=%s", mode_name(ev->mode));
		break;
	case MODE_EV_REBOOT:
		put(t, "R");
		break;
	case MODE_EV_BANNER:
		put(t, "B");
		break;
	}
}

static const struct mode_row {
	const char *name;
	const char *in;
	const char *events;
} cases[] = {
	{ "console line", "hello\r\n", "T:hello~ =console T:~" },
	{ "kdb prompt", "x\n[1]kdb> ", "T:x~ =console T:[1]kdb>_ =kdb P1" },
	{ "UP kdb prompt", "kdb> ", "T:kdb>_ =kdb P-1" },
	{ "not a prompt mid-line", "say [1]kdb> ", "T:say_[1]kdb>_" },
	{ "pager", "more> ", "T:more>_ M" },
	{ "stop reply", "$S05#b8", "=kgdb K:S05" },
	{ "shell dollar prompt is text", "$ ls\n", "T:$_ls~ =console" },
	{ "price is text", "a $3 b\n", "T:a_$3_b~ =console" },
	{ "bad checksum is text", "$OK#00\n", "T:$OK#00~ =console" },
	{ "kgdb acks", "$OK#9a+-", "=kgdb K:OK A+ A-" },
	{ "acks are text outside kgdb", "+-\n", "T:+-~ =console" },
	{ "go leaves kdb", "[0]kdb> go\r\nok\n",
	  "T:[0]kdb>_ =kdb P0 T:go~ =console T:~ok~" },
	/* A line kdb refuses is not `go`, however it ends. */
	{ "xgo stays in kdb", "[0]kdb> xgo\r\n",
	  "T:[0]kdb>_ =kdb P0 T:xgo~~" },
	{ "reboot banner", "hi\n[ 0.0] Booting Linux on CPU 0\n",
	  "T:hi~ =console T:[_0.0]_Booting_Linux_on_CPU_0~ R" },
	/* kdb's dmesg prints the boot log: a command's output, not a reboot. */
	{ "banner inside kdb output", "[0]kdb> dmesg\r\n[ 0.0] Booting Linux on CPU 0\r\n[0]kdb> ",
	  "T:[0]kdb>_ =kdb P0 T:dmesg~~[_0.0]_Booting_Linux_on_CPU_0~ B T:~[0]kdb>_ P0" },
	{ "packet then console text", "$OK#9a\nhello\n",
	  "=kgdb K:OK T:~hello~ =console" },
	/*
	 * kdb's `kgdb` banner quotes packets: the text before each is not
	 * part of the line a prompt is looked for in, nor is the ack after.
	 */
	{ "kdb prompt after the kgdb banner and a qC",
	  "use $D#44+ or $3#33\r\n+$QC01#f5+[0]kdb> ",
	  "T:use_ =kgdb K:D A+ T:_or_ K:3 T:~~ A+ K:QC01 A+ T:[0]kdb>_ =kdb P0" },
	/* Binary ('x') replies hold any byte; a '$' in console text ends at a line end. */
	{ "in kgdb, a binary reply may hold line ends", "$OK#9a$b\n\r#79",
	  "=kgdb K:OK K:b\n\r" },
	{ "outside kgdb, a line end ends a candidate", "$b\n\r#79",
	  "T:$b~ =console T:~#79" },
	{ "in kgdb, a garbled binary reply is dropped, not text", "$OK#9a$b\nX#00$OK#9a",
	  "=kgdb K:OK K:OK" },
	{ "in kgdb, a line end still ends a text candidate", "$OK#9a$T\nok\n",
	  "=kgdb K:OK T:$T~ =console T:ok~" },
	{ "pager prompt after a line", "a\nmore> ", "T:a~ =console T:more>_ M" },
	{ "pager text mid-line is text", "says more> here\n", "T:says_more>_here~ =console" },
};

static void run(const char *in, size_t cut, char *out, size_t cap)
{
	struct mode_tracker *t = malloc(sizeof(*t));
	struct trace tr;

	assert_non_null(t);
	mode_init(t);
	memset(&tr, 0, sizeof(tr));
	mode_feed(t, (const uint8_t *)in, cut, record, &tr);
	mode_feed(t, (const uint8_t *)in + cut, strlen(in) - cut, record, &tr);
	free(t);
	snprintf(out, cap, "%s", tr.s);
}

static void test_row(void **state)
{
	const struct mode_row *row = *state;

	rows_check_split(row->in, row->events, run);
}

/* A held '$' is released as text by a flush (an idle shell prompt). */
static void test_flush_releases_dollar(void **state)
{
	struct mode_tracker *t = malloc(sizeof(*t));
	struct trace tr;

	(void)state;
	memset(&tr, 0, sizeof(tr));
	mode_init(t);
	mode_feed(t, (const uint8_t *)"root$", 5, record, &tr);
	assert_string_equal(tr.s, "T:root");
	mode_flush(t, record, &tr);
	assert_string_equal(tr.s, "T:root$");
	free(t);
}

static void count_packets(void *ctx, const struct mode_event *ev)
{
	size_t *got = ctx;

	if (ev->type == MODE_EV_PACKET)
		*got = ev->len;
}

/*
 * A reply as long as the RSP decoder takes (a 'g' or 'x' reply of a
 * stub with a large PacketSize) is a packet, not text cut at 4 KiB.
 */
static void test_long_reply_is_a_packet(void **state)
{
	struct mode_tracker *t = malloc(sizeof(*t));
	size_t len = RSP_MAX_PAYLOAD, got = 0;
	uint8_t *wire = malloc(len + 5);	/* and snprintf's NUL */
	unsigned sum = 0;

	(void)state;
	assert_non_null(t);
	assert_non_null(wire);
	wire[0] = '$';
	for (size_t i = 0; i < len; i++) {
		wire[1 + i] = "0123456789abcdef"[i % 16];
		sum += wire[1 + i];
	}
	snprintf((char *)wire + 1 + len, 4, "#%02x", sum & 0xff);
	mode_init(t);
	mode_feed(t, wire, len + 4, count_packets, &got);
	assert_int_equal(got, len);
	free(wire);
	free(t);
}

int main(void)
{
	struct CMUnitTest tests[ROWS_MAX];
	size_t n = ROWS_ADD(tests, 0, test_row, cases);

	n = ROWS_CASE(tests, n, test_flush_releases_dollar);
	n = ROWS_CASE(tests, n, test_long_reply_is_a_packet);
	return ROWS_RUN("mode", tests, n);
}
