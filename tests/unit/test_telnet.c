// SPDX-License-Identifier: GPL-3.0-or-later
/* Table-driven tests of the telnet/RFC 2217 codec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rows.h"
#include "telnet.h"

/*
 * Events rendered as text, adjacent data runs merged (how the decoder
 * splits data is not observable): "D:abc" data, "B" break, "W3" will 3,
 * "N" wont, "O" do, "X" dont, "S44:0506" subnegotiation, "!" desync.
 */
struct trace {
	char s[512];
	int in_data;
};

static void record(void *ctx, const struct telnet_event *ev)
{
	struct trace *t = ctx;
	size_t n = strlen(t->s);
	static const char *const tag[] = { "D:", "B", "W", "N", "O", "X", "S", "!" };

	if (ev->type != TELNET_EV_DATA || !t->in_data)
		n += snprintf(t->s + n, sizeof(t->s) - n, "%s%s", n ? " " : "",
			      tag[ev->type]);
	t->in_data = ev->type == TELNET_EV_DATA;
	if (ev->type >= TELNET_EV_WILL && ev->type <= TELNET_EV_SB)
		n += snprintf(t->s + n, sizeof(t->s) - n, "%u", ev->option);
	if (ev->type == TELNET_EV_SB)
		n += snprintf(t->s + n, sizeof(t->s) - n, ":");
	if (ev->type == TELNET_EV_DESYNC) {
		/* The reason is for people; a test only sees that it came. */
		assert_true(ev->len > 0);
		return;
	}
	for (size_t i = 0; i < ev->len; i++) {
		uint8_t b = ev->data[i];

		if (ev->type == TELNET_EV_DATA && b >= 0x20 && b < 0x7f)
			n += snprintf(t->s + n, sizeof(t->s) - n, "%c", b);
		else
			n += snprintf(t->s + n, sizeof(t->s) - n, "%02x", b);
	}
}

static const struct decode_row {
	const char *name;
	const char *in;
	size_t len;
	const char *events;
} cases[] = {
#define C(name, in, ev) { name, in, sizeof(in) - 1, ev }
	C("plain data", "hello", "D:hello"),
	C("IAC IAC is one 255", "a\xff\xff" "b", "D:affb"),
	C("break", "x\xff\xf3y", "D:x B D:y"),
	C("negotiation", "\xff\xfb\x01\xff\xfb\x03\xff\xfd\x00", "W1 W3 O0"),
	C("wont and dont", "\xff\xfc\x01\xff\xfe\x2c", "N1 X44"),
	C("rfc2217 set-control reply", "\xff\xfa\x2c\x69\x05\xff\xf0", "S44:6905"),
	C("IAC IAC inside subneg", "\xff\xfa\x2c\x01\xff\xff\xff\xf0", "S44:01ff"),
	C("NOP is dropped", "a\xff\xf1" "b", "D:ab"),
	C("nothing", "", ""),
	C("IAC and a non-command keeps the byte", "a\xff" "b", "D:ab"),
	/* A peer out of step must not swallow the console for good. */
	C("subneg ended by IAC not-SE is dropped, data goes on",
	  "L3\r\n\xff\xfa\x2c\x01\x02\xff" "L4\r\nL5", "D:L30d0a ! D:L40d0aL5"),
	C("subneg ended by IAC BRK: the BRK still counts",
	  "\xff\xfa\x2c\x01\xff\xf3z", "! B D:z"),
	C("subneg never ended: cut off after 64 bytes, taken as data",
	  "\xff\xfa\x2c"
	  "0123456789012345678901234567890123456789012345678901234567890123"
	  "line4\r\n",
	  "! D:0123456789012345678901234567890123456789012345678901234567890123"
	  "line40d0a"),
	C("subneg of exactly 64 bytes is kept",
	  "\xff\xfa\x2c"
	  "0123456789012345678901234567890123456789012345678901234567890123"
	  "\xff\xf0z",
	  "S44:3031323334353637383930313233343536373839303132333435363738393031"
	  "3233343536373839303132333435363738393031323334353637383930313233 D:z"),
#undef C
};

static void test_decode_row(void **state)
{
	const struct decode_row *row = *state;
	struct telnet t;
	struct trace tr = { "", 0 };

	telnet_init(&t);
	telnet_feed(&t, (const uint8_t *)row->in, row->len, record, &tr);
	if (strcmp(tr.s, row->events))
		fail_msg("%s: got '%s', want '%s'", row->name, tr.s, row->events);
}

/* The same stream split at every point decodes to the same events. */
static void test_split_anywhere(void **state)
{
	static const char in[] = "ab\xff\xff\xff\xf3\xff\xfb\x01\xff\xfa\x2c\x05\x05\xff\xf0z";
	const size_t len = sizeof(in) - 1;
	struct trace whole = { "", 0 };
	struct telnet t;

	(void)state;
	telnet_init(&t);
	telnet_feed(&t, (const uint8_t *)in, len, record, &whole);
	assert_string_equal(whole.s, "D:abff B W1 S44:0505 D:z");
	for (size_t cut = 0; cut <= len; cut++) {
		struct trace tr = { "", 0 };

		telnet_init(&t);
		telnet_feed(&t, (const uint8_t *)in, cut, record, &tr);
		telnet_feed(&t, (const uint8_t *)in + cut, len - cut, record, &tr);
		if (strcmp(tr.s, whole.s))
			fail_msg("cut at %zu: '%s', want '%s'", cut, tr.s, whole.s);
	}
}

/*
 * Port reads (issue 20): the peer's writes, '|' between them, read as
 * port_sock.c reads a telnet: port, each read into a buffer of cap bytes.
 * A subnegotiation cut off gives back bytes that earlier reads held: no
 * read may decode past its buffer, and all the data comes, in order.
 */
#define B10 "0123456789"
#define B60 B10 B10 B10 B10 B10 B10
#define B64 B60 "0123"

static const struct read_row {
	const char *name;
	const char *in;
	size_t len;
	size_t cap;
	const char *out;
	size_t out_len;
} reads[] = {
#define R(name, in, cap, out) { name, in, sizeof(in) - 1, cap, out, sizeof(out) - 1 }
	R("cut-off gives back 60 held bytes in a full read",
	  "\xff\xfa\x2c" B60 "|" B60 "abcdefghijklmnopqrst", 80,
	  B60 B60 "abcdefghijklmnopqrst"),
	R("the issue: a line, IAC SB, 10-byte writes, no IAC SE",
	  "line\r\n|\xff\xfa\x2c|" B10 "|" B10 "|" B10 "|" B10 "|" B10 "|" B10 "|"
	  B10 "|" B10 "|" B10 "|" B10 "|line2\r\n", 100,
	  "line\r\n" B60 B10 B10 B10 B10 "line2\r\n"),
	R("cut off by IAC IAC: 64 held bytes and the 255 come out",
	  "\xff\xfa\x2c" B64 "|\xff\xffz", 66, B64 "\xffz"),
	R("a subnegotiation ended across reads gives no data",
	  "\xff\xfa\x2c\x69|\x05\xff|\xf0" "ab", 65, "ab"),
#undef R
};

/* A read: raw bytes taken, data bytes decoded, the size of their buffer. */
struct read_result {
	size_t took, n, into;
};

static void no_data(void *ctx, const struct telnet_event *ev)
{
	(void)ctx;
	assert_int_not_equal(ev->type, TELNET_EV_DATA);
}

/*
 * One read as port_sock.c's telnet_read does it: the raw bytes that fit
 * (telnet_read_room()) of the avail ones, decoded into out.
 */
static struct read_result port_like_read(struct telnet *t, const uint8_t *in,
					 size_t avail, uint8_t *out, size_t cap)
{
	size_t room = telnet_read_room(t, cap);
	size_t take = avail < room ? avail : room;

	return (struct read_result){
		take, telnet_decode(t, in, take, out, cap, no_data, NULL), cap,
	};
}

static void test_read_row(void **state)
{
	const struct read_row *row = *state;
	const uint8_t *in = (const uint8_t *)row->in;
	uint8_t *buf = malloc(row->cap);	/* exactly cap: ASan sees past it */
	uint8_t got[512];
	size_t got_len = 0, start = 0, nread = 0;
	struct telnet t;

	assert_non_null(buf);
	telnet_init(&t);
	for (size_t i = 0; i <= row->len; i++) {
		if (i < row->len && in[i] != '|')
			continue;
		/* The peer wrote in[start, i): read until all of it is taken. */
		while (start < i) {
			struct read_result r = port_like_read(&t, in + start, i - start,
							      buf, row->cap);

			nread++;
			if (!r.took || r.n > r.into || r.n > sizeof(got) - got_len) {
				free(buf);
				fail_msg("%s: read %zu of %zu raw bytes decoded %zu data bytes into a %zu-byte buffer",
					 row->name, nread, r.took, r.n, r.into);
			}
			memcpy(got + got_len, buf, r.n);
			got_len += r.n;
			start += r.took;
		}
		start = i + 1;
	}
	free(buf);
	assert_int_equal(got_len, row->out_len);
	assert_memory_equal(got, row->out, got_len);
}

/* A caller that takes more raw bytes than the room: still nothing past cap. */
static void test_decode_never_past_cap(void **state)
{
	static const char in[] = "\xff\xfa\x2c" B64 "0123456789";
	const uint8_t *raw = (const uint8_t *)in;
	uint8_t *out = malloc(66);	/* exactly cap: ASan sees past it */
	struct trace tr = { "", 0 };
	struct telnet t;

	(void)state;
	assert_non_null(out);
	telnet_init(&t);
	assert_int_equal(telnet_read_room(&t, 66), 66);
	assert_int_equal(telnet_decode(&t, raw, 3 + 64, out, 66, record, &tr), 0);
	assert_int_equal(telnet_read_room(&t, 66), 2);
	assert_int_equal(telnet_read_room(&t, 64), 0);
	/* 10 raw bytes where 2 fit: 74 data bytes, the first 66 kept */
	assert_int_equal(telnet_decode(&t, raw + 67, 10, out, 66, record, &tr), 66);
	assert_memory_equal(out, B64 "01", 66);
	assert_string_equal(tr.s, "! !");	/* the cut-off, the drop */
	assert_int_equal(telnet_read_room(&t, 66), 66);
	free(out);
}

static const struct enter_row {
	const char *name;
	const char *in;		/* '|' splits it into two calls */
	size_t len;
	const char *out;
	size_t out_len;
} enters[] = {
#define E(name, in, out) { name, in, sizeof(in) - 1, out, sizeof(out) - 1 }
	E("CR LF is one CR", "ls\r\n", "ls\r"),
	E("CR NUL is one CR", "ls\r\0", "ls\r"),
	E("split between CR and LF", "ls\r|\ngo\r|\0", "ls\rgo\r"),
	E("a lone LF stays", "a\nb", "a\nb"),
	E("a lone NUL stays", "a\0b", "a\0b"),
	E("LF CR stays", "\n\r", "\n\r"),
	E("two Enters", "\r\n\r\n", "\r\r"),
	E("CR CR LF", "\r\r\n", "\r\r"),
#undef E
};

static void test_enter_row(void **state)
{
	const struct enter_row *row = *state;
	const uint8_t *in = (const uint8_t *)row->in;
	uint8_t out[64];
	size_t n = 0, start = 0;
	int after_cr = 0;

	for (size_t i = 0; i <= row->len; i++) {
		if (i == row->len || in[i] == '|') {
			n += telnet_nvt_enter(&after_cr, in + start, i - start, out + n);
			start = i + 1;
		}
	}
	assert_int_equal(n, row->out_len);
	assert_memory_equal(out, row->out, n);
}

static void test_encoders(void **state)
{
	uint8_t out[64];
	static const uint8_t data[] = { 'a', 0xff, 'b' };
	static const uint8_t brk_on[] = { RFC2217_SET_CONTROL, RFC2217_BREAK_ON };
	size_t n;

	(void)state;
	n = telnet_escape(data, sizeof(data), out);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "a\xff\xff" "b", 4);
	n = telnet_cmd(TELNET_BRK, 0, out);
	assert_int_equal(n, 2);
	assert_memory_equal(out, "\xff\xf3", 2);
	n = telnet_cmd(TELNET_WILL, TELNET_OPT_COMPORT, out);
	assert_memory_equal(out, "\xff\xfb\x2c", n);
	n = telnet_subneg(TELNET_OPT_COMPORT, brk_on, sizeof(brk_on), out);
	assert_int_equal(n, 7);
	assert_memory_equal(out, "\xff\xfa\x2c\x05\x05\xff\xf0", 7);
}

int main(void)
{
	struct CMUnitTest tests[ROWS_MAX];
	size_t n = ROWS_ADD(tests, 0, test_decode_row, cases);

	n = ROWS_ADD(tests, n, test_enter_row, enters);
	n = ROWS_ADD(tests, n, test_read_row, reads);

	n = ROWS_CASE(tests, n, test_split_anywhere);
	n = ROWS_CASE(tests, n, test_decode_never_past_cap);
	n = ROWS_CASE(tests, n, test_encoders);
	return ROWS_RUN("telnet", tests, n);
}
