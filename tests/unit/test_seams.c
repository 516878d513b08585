// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The board-facing code (break-in chain, kdb commands, the kgdb layer, the
 * relay) driven through a scripted fake port, one cmocka case per row:
 * each row is a script of what nmidbg must send and what the board
 * answers, and a check of what nmidbg made of it.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kdb.h"
#include "kgdb.h"
#include "loop.h"
#include "relay.h"
#include "rows.h"
#include "script_port.h"

#define BANNER "\r\nEntering kdb (current=0x0, pid 1) on processor 1 due to " \
	       "NonMaskable Interrupt @ lkdtm_HARDLOCKUP\r\n[1]kdb> "
#define KGDB_IN \
	{ "kgdb\r", "kgdb\r\nEntering please attach debugger or use $D#44+ or $3#33\r\n" }, \
	{ "$qC#b4", "+$QC01#f5" }, \
	{ "+", "" }
/* kgdb without the qSupported patch: an empty reply. */
#define NO_FEATURES \
	{ "$qSupported#37", "+$#00" }, \
	{ "+", "" }
#define KGDB_OUT \
	{ "+$3#33", "+[0]kdb> " }, \
	{ "go\r", "" }

struct seam {
	const char *name;
	void (*check)(struct session *s, const struct seam *row);
	const char *knock;		/* for break-in rows: NULL = default */
	const char *want;		/* what the check compares, per row */
	struct script_row script[12];
};

static struct kdb_how how_for(const struct seam *row, int timeout_ms)
{
	struct kdb_how how;

	kdb_how_init(&how);
	how.timeout_ms = timeout_ms;
	if (row->knock)
		how.knock = row->knock;
	return how;
}

/* Break in: want is "how cpu". */
static void check_break_in(struct session *s, const struct seam *row)
{
	struct kdb_how how = how_for(row, 150);
	struct kdb_entry e;
	char got[64];

	assert_int_equal(kdb_break_in(s, &how, &e), SESSION_OK);
	snprintf(got, sizeof(got), "%s %d", e.how, e.cpu);
	assert_string_equal(got, row->want);
}

/* One kdb command (already in kdb): want is its output. */
static void check_kdb_run(struct session *s, const struct seam *row)
{
	char *out;

	assert_int_equal(kdb_run(s, "btc", 1000, &out), SESSION_OK);
	assert_string_equal(out, row->want);
	free(out);
}

/* Into kgdb and out by the one rule: want is "thread state". */
static void check_kgdb_in_out(struct session *s, const struct seam *row)
{
	struct kdb_how how = how_for(row, 1000);
	struct kgdb k;
	const char *state;
	char got[64];

	kgdb_init(&k, s, &how);
	assert_int_equal(kgdb_enter(&k), 0);
	assert_int_equal(kgdb_leave(&k, 0, 0, &state), 0);
	snprintf(got, sizeof(got), "%s %s", k.thread, state);
	assert_string_equal(got, row->want);
}

/* A memory read through kgdb of n bytes at 0x1000: want is the bytes. */
static void kgdb_read_n(struct session *s, const struct seam *row, size_t n)
{
	struct kdb_how how = how_for(row, 200);
	struct kgdb k;
	uint8_t buf[16];

	kgdb_init(&k, s, &how);
	assert_int_equal(kgdb_enter(&k), 0);
	assert_int_equal(kgdb_read(&k, 0x1000, n, buf), 0);
	assert_memory_equal(buf, row->want, n);
}

static void check_kgdb_read(struct session *s, const struct seam *row)
{
	kgdb_read_n(s, row, 4);
}

static void check_kgdb_read12(struct session *s, const struct seam *row)
{
	kgdb_read_n(s, row, 12);
}

/* What gdb reads after the relay took gdb's bytes from `want`. */
static void relay_round(struct session *s, const struct seam *row, char *got,
			size_t cap)
{
	struct kdb_how how = how_for(row, 1000);
	struct relay r;
	const char *state;
	int sv[2];
	ssize_t n;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	relay_init(&r, s, &how);
	assert_int_equal(relay_enter_kgdb(&r), 0);
	relay_set_gdb(&r, sv[0]);
	assert_int_equal(relay_from_gdb(&r, (const uint8_t *)row->knock,
					strlen(row->knock)), 0);
	/* Let the board's answers (if any) reach gdb. */
	session_wait(s, 200, NULL);
	n = recv(sv[1], got, cap - 1, MSG_DONTWAIT);
	got[n > 0 ? n : 0] = '\0';
	assert_int_equal(relay_finish(&r, 0, &state), 0);
	assert_string_equal(state, "running");
	close(sv[0]);
	close(sv[1]);
}

/* The relay, gdb's bytes in `knock`: want is what gdb reads back. */
static void check_relay(struct session *s, const struct seam *row)
{
	char got[256];

	relay_round(s, row, got, sizeof(got));
	assert_string_equal(got, row->want);
}

/* The loop streaming the console (as the gdb relay does): want is its rc
 * (SESSION_REBOOT). */
static void check_stream_reboot(struct session *s, const struct seam *row)
{
	struct loop l;
	char got[16];

	loop_init(&l, s);
	l.stream = 1;
	session_send(s, "\r");
	snprintf(got, sizeof(got), "%d", loop_run(&l, 1000, NULL));
	assert_string_equal(got, row->want);
}

static const struct seam seams[] = {
	{ "break-in: the knock, verified by the prompt", check_break_in, NULL,
	  "knock 1", {
		{ "\r", "\r\n# " },
		{ "$3#33", BANNER },
	} },
	{ "break-in: no answer to the knock, then BREAK and g", check_break_in, NULL,
	  "break 0", {
		{ "\r", "" },
		{ "$3#33", "" },
		{ SCRIPT_BREAK, "" },
		{ "g", "\r\n[0]kdb> " },
	} },
	{ "break-in: already in kdb, nothing sent but Enter", check_break_in, NULL,
	  "already 2", {
		{ "\r", "\r\n[2]kdb> " },
	} },
	{ "break-in: the knock given with --knock", check_break_in, "OPEN SESAME",
	  "knock 1", {
		{ "\r", "" },
		{ "OPEN SESAME", BANNER },
	} },
	{ "kdb command: echo and prompt removed, pager answered", check_kdb_run, NULL,
	  "line 1\nsays more> inside\nline 2\n", {
		{ "btc\r", "btc\r\nline 1\r\nsays more> inside\r\nmore> " },
		{ " ", "\rline 2\r\n[0]kdb> " },
	} },
	{ "kgdb: entered from kdb, left by $3#33 and go", check_kgdb_in_out, NULL,
	  "01 running", {
		KGDB_IN,
		KGDB_OUT,
	} },
	{ "kgdb read: a garbled reply is NAKed and sent again", check_kgdb_read, NULL,
	  "\x00\x01\x02\x03", {
		KGDB_IN,
		NO_FEATURES,
		{ "+$m1000,4#8e", "$00010203#00" },
		{ "-", "$00010203#86" },
		{ "+", "" },
	} },
	{ "kgdb read: 'x' when qSupported offers binary-upload, escapes undone",
	  check_kgdb_read, NULL, "#$}*", {
		KGDB_IN,
		{ "$qSupported#37", "+$PacketSize=7fe;binary-upload+#cf" },
		{ "+", "" },
		{ "+$x1000,4#99", "$b}\x03}\x04}]}\x0a#c4" },
		{ "+", "" },
	} },
	{ "kgdb read: binary replies that never come whole: 'm' instead",
	  check_kgdb_read, NULL, "\x01\x02\x03\x04", {
		KGDB_IN,
		{ "$qSupported#37", "+$PacketSize=10;binary-upload+#2e" },
		{ "+", "" },
		{ "+$x1000,4#99", "$b\x01\x02\x03\x04#00" },
		{ "-", "$b\x01\x02\x03\x04#00" },
		{ "$x1000,4#99", "$b\x01\x02\x03\x04#00" },
		{ "+$m1000,4#8e", "$01020304#8a" },
		{ "+", "" },
	} },
	{ "kgdb read: 'x' answered as an unknown packet: 'm' instead",
	  check_kgdb_read, NULL, "\x01\x02\x03\x04", {
		KGDB_IN,
		{ "$qSupported#37", "+$PacketSize=10;binary-upload+#2e" },
		{ "+", "" },
		{ "+$x1000,4#99", "$#00" },
		{ "+$m1000,4#8e", "$01020304#8a" },
		{ "+", "" },
	} },
	{ "kgdb read: 'x' reads of (PacketSize - 1) / 2 bytes", check_kgdb_read12,
	  NULL, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c", {
		KGDB_IN,
		{ "$qSupported#37", "+$PacketSize=10;binary-upload+#2e" },
		{ "+", "" },
		{ "+$x1000,7#9c", "$b\x01\x02\x03\x04\x05\x06\x07#7e" },
		{ "+$x1007,5#a1", "$b\x08\x09\x0a\x0b\x0c#94" },
		{ "+", "" },
	} },
	{ "kgdb read: 'm' of PacketSize / 2 bytes without binary-upload",
	  check_kgdb_read12, NULL,
	  "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c", {
		KGDB_IN,
		{ "$qSupported#37", "+$PacketSize=10#91" },
		{ "+", "" },
		{ "+$m1000,8#92", "$0102030405060708#24" },
		{ "+$m1008,4#96", "$090a0b0c#1f" },
		{ "+", "" },
	} },
	{ "relay: gdb's D and k answered here, never sent", check_relay,
	  "$D#44$k#6b", "+$OK#9a+", {
		KGDB_IN,
		KGDB_OUT,
	} },
	{ "loop: a reboot while the console is streamed stops it",
	  check_stream_reboot, NULL, "-102", {
		{ "\r", "\r\n[    0.000000] Booting Linux on physical CPU 0x0\r\n" },
	} },
	{ "relay: the bare stop reply names qC's thread", check_relay,
	  "$?#3f", "+$T05thread:01;#07", {
		KGDB_IN,
		{ "$?#3f", "+$S05#b8" },
		KGDB_OUT,
	} },
};

static void test_seam(void **state)
{
	const struct seam *row = *state;
	struct port *p = script_port_open(row->script);
	struct session s;

	assert_non_null(p);
	session_init(&s, p);
	row->check(&s, row);
	session_free(&s);
	script_port_done(p);
}

int main(void)
{
	struct CMUnitTest tests[ROWS_MAX];
	size_t n = ROWS_ADD(tests, 0, test_seam, seams);

	return ROWS_RUN("seams", tests, n);
}
