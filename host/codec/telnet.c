// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Telnet decoder state machine and encoders.  Data between commands is
 * passed on in place, as runs, so a buffer without IAC costs one callback.
 * Every data byte out is one byte in, passed on once: in place, or held in
 * sb[] and given back once by a cut-off.
 */
#include <string.h>

#include "telnet.h"

enum { ST_DATA, ST_IAC, ST_OPT, ST_SB_OPT, ST_SB, ST_SB_IAC };

void telnet_init(struct telnet *t)
{
	memset(t, 0, sizeof(*t));
	t->state = ST_DATA;
}

static void emit(telnet_cb cb, void *ctx, enum telnet_event_type type,
		 uint8_t option, const uint8_t *data, size_t len)
{
	struct telnet_event ev = {
		.type = type, .option = option, .data = data, .len = len,
	};

	cb(ctx, &ev);
}

static void desync(telnet_cb cb, void *ctx, const char *why)
{
	emit(cb, ctx, TELNET_EV_DESYNC, 0, (const uint8_t *)why, strlen(why));
}

/*
 * A subnegotiation byte.  One that does not fit means IAC SE is not coming
 * (a peer out of step): give what was held back as data and go on as data,
 * so the console is never swallowed for good.  Returns 1 when cut off.
 */
static int sb_add(struct telnet *t, uint8_t b, telnet_cb cb, void *ctx)
{
	if (t->sb_len < sizeof(t->sb)) {
		t->sb[t->sb_len++] = b;
		return 0;
	}
	desync(cb, ctx, "subnegotiation longer than 64 bytes: cut off, taken as data");
	emit(cb, ctx, TELNET_EV_DATA, 0, t->sb, t->sb_len);
	t->sb_len = 0;
	t->state = ST_DATA;
	return 1;
}

/* IAC then b, outside a subnegotiation. */
static void command(struct telnet *t, const uint8_t *b, telnet_cb cb, void *ctx)
{
	t->state = ST_DATA;
	if (*b == TELNET_IAC || *b < TELNET_SE)
		/* IAC IAC is a data 255; IAC and a non-command: keep the byte */
		emit(cb, ctx, TELNET_EV_DATA, 0, b, 1);
	else if (*b == TELNET_BRK)
		emit(cb, ctx, TELNET_EV_BREAK, 0, NULL, 0);
	else if (*b >= TELNET_WILL)
		t->option = *b, t->state = ST_OPT;
	else if (*b == TELNET_SB)
		t->state = ST_SB_OPT;
	/* other commands (NOP, GA, ...) carry nothing for us */
}

void telnet_feed(struct telnet *t, const uint8_t *buf, size_t len,
		 telnet_cb cb, void *ctx)
{
	static const uint8_t iac = TELNET_IAC;
	size_t run = 0;		/* start of the pending data run */

	for (size_t i = 0; i < len; i++) {
		uint8_t b = buf[i];

		switch (t->state) {
		case ST_DATA:
			if (b != TELNET_IAC)
				continue;
			if (i > run)
				emit(cb, ctx, TELNET_EV_DATA, 0, buf + run, i - run);
			t->state = ST_IAC;
			break;
		case ST_IAC:
			command(t, buf + i, cb, ctx);
			break;
		case ST_OPT:
			emit(cb, ctx, t->option == TELNET_WILL ? TELNET_EV_WILL :
				      t->option == TELNET_WONT ? TELNET_EV_WONT :
				      t->option == TELNET_DO ? TELNET_EV_DO :
							       TELNET_EV_DONT,
			     b, NULL, 0);
			t->state = ST_DATA;
			break;
		case ST_SB_OPT:
			t->option = b;
			t->sb_len = 0;
			t->state = ST_SB;
			break;
		case ST_SB:
			if (b == TELNET_IAC)
				t->state = ST_SB_IAC;
			else if (sb_add(t, b, cb, ctx))
				continue;	/* b starts the data run */
			break;
		case ST_SB_IAC:
			if (b == TELNET_SE) {
				emit(cb, ctx, TELNET_EV_SB, t->option, t->sb,
				     t->sb_len);
				t->state = ST_DATA;
			} else if (b == TELNET_IAC) {
				t->state = ST_SB;
				if (sb_add(t, iac, cb, ctx)) {
					emit(cb, ctx, TELNET_EV_DATA, 0, &iac, 1);
					break;
				}
			} else {
				/*
				 * IAC and not SE: the subnegotiation is broken.
				 * Drop it and take the byte as what follows IAC.
				 */
				desync(cb, ctx, "subnegotiation ended by IAC without SE: dropped");
				command(t, buf + i, cb, ctx);
			}
			break;
		}
		run = i + 1;
	}
	if (t->state == ST_DATA && len > run)
		emit(cb, ctx, TELNET_EV_DATA, 0, buf + run, len - run);
}

size_t telnet_read_room(const struct telnet *t, size_t cap)
{
	/* Between IAC SB and IAC SE, sb[] is what a cut-off would give back. */
	size_t held = t->state == ST_SB || t->state == ST_SB_IAC ? t->sb_len : 0;

	return cap > held ? cap - held : 0;
}

/* telnet_decode's callback state: data into the read buffer, never past it. */
struct sink {
	uint8_t *out;
	size_t len, cap;
	size_t dropped;		/* data bytes that did not fit */
	telnet_cb cb;
	void *ctx;
};

static void to_sink(void *ctx, const struct telnet_event *ev)
{
	struct sink *k = ctx;
	size_t n;

	if (ev->type != TELNET_EV_DATA) {
		k->cb(k->ctx, ev);
		return;
	}
	n = ev->len < k->cap - k->len ? ev->len : k->cap - k->len;
	if (n)
		memcpy(k->out + k->len, ev->data, n);
	k->len += n;
	k->dropped += ev->len - n;
}

size_t telnet_decode(struct telnet *t, const uint8_t *in, size_t len,
		     uint8_t *out, size_t cap, telnet_cb cb, void *ctx)
{
	struct sink k = { .out = out, .cap = cap, .cb = cb, .ctx = ctx };

	telnet_feed(t, in, len, to_sink, &k);
	if (k.dropped)
		desync(cb, ctx, "decoded data longer than the read buffer: the rest dropped");
	return k.len;
}

size_t telnet_nvt_enter(int *after_cr, const uint8_t *in, size_t len,
			uint8_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int drop = *after_cr && (in[i] == '\n' || in[i] == '\0');

		*after_cr = in[i] == '\r';
		if (!drop)
			out[n++] = in[i];
	}
	return n;
}

size_t telnet_escape(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		out[n++] = in[i];
		if (in[i] == TELNET_IAC)
			out[n++] = TELNET_IAC;
	}
	return n;
}

size_t telnet_cmd(uint8_t cmd, uint8_t option, uint8_t *out)
{
	out[0] = TELNET_IAC;
	out[1] = cmd;
	out[2] = option;
	return cmd == TELNET_BRK ? 2 : 3;
}

size_t telnet_subneg(uint8_t option, const uint8_t *data, size_t len,
		     uint8_t *out)
{
	size_t n = 0;

	out[n++] = TELNET_IAC;
	out[n++] = TELNET_SB;
	out[n++] = option;
	n += telnet_escape(data, len, out + n);
	out[n++] = TELNET_IAC;
	out[n++] = TELNET_SE;
	return n;
}
