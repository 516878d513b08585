/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Mode tracker: what the board is doing, read from the bytes it sends.
 *
 *   console  the kernel runs; bytes are its console
 *   kdb      a "[N]kdb> " prompt was seen (and the pager's "more> ")
 *   kgdb     an RSP packet ($...#xx with a good checksum) was seen
 *   unknown  nothing conclusive yet
 *
 * Pure: bytes in, events out.  RSP packets come out as packets, never as
 * text; bytes that may start one are held until it completes or fails,
 * or until the caller flushes them (mode_flush(), on an idle line).
 */
#ifndef NMIDBG_MODE_H
#define NMIDBG_MODE_H

#include <stddef.h>
#include <stdint.h>

#include "rsp.h"

enum mode { MODE_UNKNOWN, MODE_CONSOLE, MODE_KDB, MODE_KGDB };

enum mode_event_type {
	MODE_EV_TEXT,		/* data, len: text for the user */
	MODE_EV_KDB_PROMPT,	/* a kdb prompt just ended the text; cpu (-1 on UP) */
	MODE_EV_MORE,		/* the kdb pager waits */
	MODE_EV_PACKET,		/* data, len: a good RSP packet's payload */
	MODE_EV_ACK,		/* '+' (len 1) or '-' (len 0) in kgdb mode */
	MODE_EV_MODE,		/* mode changed to mode */
	MODE_EV_REBOOT,		/* the kernel's boot banner, on the console */
	/*
	 * The banner's text inside kdb: a command's output (`dmesg` prints
	 * the boot log), not a reboot.  Only a board that then never prompts
	 * again rebooted; the session decides that at its deadline.
	 */
	MODE_EV_BANNER,
};

struct mode_event {
	enum mode_event_type type;
	const uint8_t *data;
	size_t len;
	int cpu;
	enum mode mode;
};

typedef void (*mode_cb)(void *ctx, const struct mode_event *ev);

#define MODE_LINE_MAX	96
/* The raw bytes of the longest packet the RSP decoder takes: $, #xx. */
#define MODE_HOLD_MAX	(RSP_MAX_PAYLOAD + 4)

struct mode_tracker {
	enum mode mode;
	int cpu;			/* CPU of the last kdb prompt */
	struct rsp_decoder rsp;
	size_t held_len;		/* raw bytes of a packet candidate */
	uint8_t held[MODE_HOLD_MAX];
	size_t line_len;		/* the current line, clipped */
	char line[MODE_LINE_MAX];
};

void mode_init(struct mode_tracker *t);
void mode_feed(struct mode_tracker *t, const uint8_t *buf, size_t len,
	       mode_cb cb, void *ctx);
/* Release a held packet candidate as text (the line went idle). */
void mode_flush(struct mode_tracker *t, mode_cb cb, void *ctx);
const char *mode_name(enum mode m);

#endif
