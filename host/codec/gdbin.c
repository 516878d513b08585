// SPDX-License-Identifier: GPL-3.0-or-later
/* gdb's byte stream toward the board, sorted (see gdbin.h). */
#include <string.h>

#include "gdbin.h"

void gdbin_init(struct gdbin *g)
{
	rsp_decoder_init(&g->dec);
	g->raw_len = 0;
	g->spilled = 0;
}

int gdbin_is_local(const uint8_t *p, size_t len)
{
	return len && (p[0] == 'D' || (p[0] == 'k' && len == 1) ||
		       (len >= 5 && memcmp(p, "vKill", 5) == 0));
}

static int resumes(const uint8_t *p, size_t len)
{
	return len && (p[0] == 'c' || p[0] == 's' || p[0] == 'C' || p[0] == 'S' ||
		       (len > 6 && memcmp(p, "vCont;", 6) == 0));
}

static int emit(gdbin_cb cb, void *ctx, enum gdbin_kind kind,
		const uint8_t *data, size_t len, int resume)
{
	struct gdbin_event ev = {
		.kind = kind, .data = data, .len = len, .resumes = resume,
	};

	return cb(ctx, &ev);
}

/* A packet ended: whole (good) or not (bad checksum, or a '$' restarted it). */
static int packet_end(struct gdbin *g, enum rsp_event ev, gdbin_cb cb, void *ctx)
{
	const uint8_t *p = rsp_payload(&g->dec);
	size_t len = rsp_payload_len(&g->dec);
	int rc;

	if (ev == RSP_PACKET) {
		/* Part of a spilled packet is on the wire: the rest follows it. */
		rc = gdbin_is_local(p, len) && !g->spilled ?
		     emit(cb, ctx, GDBIN_LOCAL, p, len, 0) :
		     emit(cb, ctx, GDBIN_PASS, g->raw, g->raw_len, resumes(p, len));
		g->raw_len = 0;
		g->spilled = 0;
		return rc;
	}
	/* Bad: on to the board (it NAKs); a '$' that restarted it is kept. */
	g->spilled = 0;
	if (rsp_decoder_busy(&g->dec)) {
		rc = emit(cb, ctx, GDBIN_PASS, g->raw, g->raw_len - 1, 0);
		g->raw[0] = '$';
		g->raw_len = 1;
	} else {
		rc = emit(cb, ctx, GDBIN_PASS, g->raw, g->raw_len, 0);
		g->raw_len = 0;
	}
	return rc;
}

int gdbin_feed(struct gdbin *g, const uint8_t *buf, size_t len, gdbin_cb cb,
	       void *ctx)
{
	int rc = 0;

	for (size_t i = 0; i < len && !rc; i++) {
		uint8_t b = buf[i];
		int in_packet = rsp_decoder_busy(&g->dec) || b == '$';
		enum rsp_event ev = rsp_decoder_byte(&g->dec, b);

		if (in_packet) {
			/*
			 * Longer than any packet kgdb takes: pass on what is
			 * held and go on, so no byte is lost or reordered.
			 */
			if (g->raw_len == sizeof(g->raw)) {
				rc = emit(cb, ctx, GDBIN_PASS, g->raw, g->raw_len, 0);
				g->raw_len = 0;
				g->spilled = 1;
			}
			g->raw[g->raw_len++] = b;
			if (ev == RSP_PACKET || ev == RSP_BAD)
				rc = packet_end(g, ev, cb, ctx);
			continue;
		}
		if (ev == RSP_ACK || ev == RSP_NACK)
			rc = emit(cb, ctx, GDBIN_PASS, buf + i, 1, 0);
		else if (ev == RSP_INTERRUPT)
			rc = emit(cb, ctx, GDBIN_INTERRUPT, NULL, 0, 0);
		/* anything else outside a packet means nothing to kgdb */
	}
	return rc;
}
