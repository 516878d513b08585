// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The mode tracker's state machine.  Text is passed on as runs of the
 * caller's buffer; events are emitted at the byte that completes them, so
 * a prompt event always follows the text that ends with the prompt.
 */
#define _GNU_SOURCE	/* memmem */
#include <string.h>

#include "mode.h"

static const char *const names[] = {
	[MODE_UNKNOWN] = "unknown", [MODE_CONSOLE] = "console",
	[MODE_KDB] = "kdb", [MODE_KGDB] = "kgdb",
};

const char *mode_name(enum mode m)
{
	return m <= MODE_KGDB ? names[m] : "?";
}

void mode_init(struct mode_tracker *t)
{
	memset(t, 0, sizeof(*t));
	t->mode = MODE_UNKNOWN;
	t->cpu = -1;
	rsp_decoder_init(&t->rsp);
}

static void emit(mode_cb cb, void *ctx, enum mode_event_type type,
		 const uint8_t *data, size_t len, int cpu, enum mode m)
{
	struct mode_event ev = {
		.type = type, .data = data, .len = len, .cpu = cpu, .mode = m,
	};

	cb(ctx, &ev);
}

static void set_mode(struct mode_tracker *t, enum mode m, mode_cb cb, void *ctx)
{
	if (t->mode == m)
		return;
	t->mode = m;
	emit(cb, ctx, MODE_EV_MODE, NULL, 0, t->cpu, m);
}

/* "[N]kdb> " (SMP) or "kdb> " (UP): returns the CPU, -1 for UP, -2: no. */
static int kdb_prompt(const char *line, size_t len)
{
	int cpu = 0;
	size_t i = 1;

	if (len == 5 && memcmp(line, "kdb> ", 5) == 0)
		return -1;
	if (len < 8 || line[0] != '[' || memcmp(line + len - 6, "]kdb> ", 6))
		return -2;
	for (; i < len - 6; i++) {
		if (line[i] < '0' || line[i] > '9' || i > 5)
			return -2;
		cpu = cpu * 10 + (line[i] - '0');
	}
	return i > 1 ? cpu : -2;
}

/* A text byte: track the line, report prompts and line-level changes. */
static void text_byte(struct mode_tracker *t, uint8_t b, mode_cb cb, void *ctx)
{
	if (b == '\n' || b == '\r') {
		size_t n = t->line_len;
		const char *l = t->line;

		/* kdb echoed `go` at its prompt ("xgo" is refused: still kdb). */
		if (t->mode == MODE_KDB && n >= 7 && memcmp(l + n - 7, "kdb> go", 7) == 0) {
			set_mode(t, MODE_CONSOLE, cb, ctx);
		} else if (memmem(l, n, "Booting Linux", 13) && t->mode == MODE_KDB) {
			emit(cb, ctx, MODE_EV_BANNER, NULL, 0, t->cpu, t->mode);
		} else if (memmem(l, n, "Booting Linux", 13)) {
			emit(cb, ctx, MODE_EV_REBOOT, NULL, 0, t->cpu, t->mode);
			set_mode(t, MODE_CONSOLE, cb, ctx);
		} else if (n && (t->mode == MODE_UNKNOWN || t->mode == MODE_KGDB)) {
			set_mode(t, MODE_CONSOLE, cb, ctx);
		}
		t->line_len = 0;
		return;
	}
	if (t->line_len < sizeof(t->line))
		t->line[t->line_len++] = (char)b;
	if (b != ' ')
		return;
	if (t->line_len == 6 && memcmp(t->line, "more> ", 6) == 0) {
		emit(cb, ctx, MODE_EV_MORE, NULL, 0, t->cpu, t->mode);
		return;
	}
	int cpu = kdb_prompt(t->line, t->line_len);

	if (cpu > -2) {
		t->cpu = cpu;
		set_mode(t, MODE_KDB, cb, ctx);
		emit(cb, ctx, MODE_EV_KDB_PROMPT, NULL, 0, cpu, t->mode);
	}
}

static void release_held(struct mode_tracker *t, size_t n, mode_cb cb, void *ctx)
{
	if (!n)
		return;
	emit(cb, ctx, MODE_EV_TEXT, t->held, n, t->cpu, t->mode);
	for (size_t i = 0; i < n; i++)
		text_byte(t, t->held[i], cb, ctx);
	memmove(t->held, t->held + n, t->held_len - n);
	t->held_len -= n;
}

/*
 * The open candidate is a reply with binary data (an 'x' reply, "$b..."),
 * while kgdb talks: it may hold any byte, line ends included.  If it fails
 * it is a garbled reply, never text for the user: its line ends would end
 * kgdb mode, and the resent reply would be cut at its first one.
 */
static int held_binary(const struct mode_tracker *t)
{
	return t->mode == MODE_KGDB && t->held_len >= 2 && t->held[1] == 'b';
}

/* Give up the first n held bytes of a failed candidate: text, or dropped. */
static void give_up_held(struct mode_tracker *t, size_t n, mode_cb cb, void *ctx)
{
	if (!held_binary(t)) {
		release_held(t, n, cb, ctx);
		return;
	}
	memmove(t->held, t->held + n, t->held_len - n);
	t->held_len -= n;
}

void mode_flush(struct mode_tracker *t, mode_cb cb, void *ctx)
{
	rsp_decoder_init(&t->rsp);
	give_up_held(t, t->held_len, cb, ctx);
}

/* A byte while a packet candidate is open. */
static void packet_byte(struct mode_tracker *t, uint8_t b, mode_cb cb, void *ctx)
{
	int binary = held_binary(t);
	enum rsp_event ev;

	/* Not a packet after all: kgdb sends raw line ends in binary data only. */
	if (((b == '\n' || b == '\r') && !binary) || t->held_len == sizeof(t->held)) {
		mode_flush(t, cb, ctx);
		if (!binary) {
			emit(cb, ctx, MODE_EV_TEXT, &b, 1, t->cpu, t->mode);
			text_byte(t, b, cb, ctx);
		}
		return;
	}
	t->held[t->held_len++] = b;
	ev = rsp_decoder_byte(&t->rsp, b);
	if (ev == RSP_PACKET) {
		t->held_len = 0;
		/* Text before a packet is not the start of a prompt line. */
		t->line_len = 0;
		set_mode(t, MODE_KGDB, cb, ctx);
		emit(cb, ctx, MODE_EV_PACKET, rsp_payload(&t->rsp),
		     rsp_payload_len(&t->rsp), t->cpu, t->mode);
	} else if (ev == RSP_BAD) {
		/* A '$' restarts a candidate: keep it, give up what came before. */
		size_t keep = rsp_decoder_busy(&t->rsp) ? 1 : 0;

		give_up_held(t, t->held_len - keep, cb, ctx);
	}
}

void mode_feed(struct mode_tracker *t, const uint8_t *buf, size_t len,
	       mode_cb cb, void *ctx)
{
	size_t run = 0;		/* start of the pending text run */

	for (size_t i = 0; i < len; i++) {
		uint8_t b = buf[i];
		int is_text = !rsp_decoder_busy(&t->rsp) && b != '$' &&
			      !(t->mode == MODE_KGDB && (b == '+' || b == '-'));

		if (is_text) {
			/* Events must follow the text that led to them. */
			if (b == ' ' || b == '\n' || b == '\r') {
				emit(cb, ctx, MODE_EV_TEXT, buf + run, i + 1 - run,
				     t->cpu, t->mode);
				run = i + 1;
			}
			text_byte(t, b, cb, ctx);
			continue;
		}
		if (i > run)
			emit(cb, ctx, MODE_EV_TEXT, buf + run, i - run, t->cpu,
			     t->mode);
		run = i + 1;
		if (!rsp_decoder_busy(&t->rsp) && b != '$') {
			emit(cb, ctx, MODE_EV_ACK, NULL, b == '+', t->cpu, t->mode);
			continue;
		}
		packet_byte(t, b, cb, ctx);
	}
	if (len > run)
		emit(cb, ctx, MODE_EV_TEXT, buf + run, len - run, t->cpu, t->mode);
}
