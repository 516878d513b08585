/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What gdb sends toward the board, sorted for the relay.  Pure: bytes in,
 * events out.  gdb's packets are held until complete, so that the ones
 * the relay answers itself (detach and kill: the board must not resume
 * behind nmidbg's back) are never passed on; everything else goes on as
 * gdb wrote it, a packet with a bad checksum too (the board NAKs it and
 * gdb sends it again).
 */
#ifndef NMIDBG_GDBIN_H
#define NMIDBG_GDBIN_H

#include "rsp.h"

enum gdbin_kind {
	GDBIN_PASS,		/* data, len: for the board, as they are */
	GDBIN_LOCAL,		/* data, len: D, k or vKill's payload; answer it */
	GDBIN_INTERRUPT,	/* ^C outside a packet */
};

struct gdbin_event {
	enum gdbin_kind kind;
	const uint8_t *data;
	size_t len;
	int resumes;		/* PASS of a packet that lets the kernel run */
};

/* Returns 0 to go on, anything else to stop gdbin_feed() with it. */
typedef int (*gdbin_cb)(void *ctx, const struct gdbin_event *ev);

struct gdbin {
	struct rsp_decoder dec;
	size_t raw_len;		/* bytes of the packet in progress */
	int spilled;		/* too long to hold: passed on as it comes */
	uint8_t raw[2 * RSP_MAX_PAYLOAD + 8];
};

void gdbin_init(struct gdbin *g);
/* Sort len bytes from gdb; returns the first non-zero cb result, or 0. */
int gdbin_feed(struct gdbin *g, const uint8_t *buf, size_t len, gdbin_cb cb,
	       void *ctx);
/* Whether a packet's payload is one the relay answers itself. */
int gdbin_is_local(const uint8_t *p, size_t len);

#endif
