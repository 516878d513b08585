// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * libFuzzer target: the relay's gdb-to-board direction (gdbin.c) on
 * arbitrary bytes from gdb, fed whole and split at a point the input
 * chooses.  Both must give the same events; what is passed to the board
 * is a subsequence of the input; and no detach or kill packet is ever in
 * it (the board must never resume behind nmidbg's back).
 */
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "gdbin.h"

struct out {
	uint64_t h;
	uint8_t *pass;		/* everything passed on, in order */
	size_t pass_len;
};

static int record(void *ctx, const struct gdbin_event *ev)
{
	struct out *o = ctx;
	uint8_t tag = (uint8_t)ev->kind;

	if (ev->kind == GDBIN_PASS) {
		digest_mix(&o->h, ev->data, ev->len);
		memcpy(o->pass + o->pass_len, ev->data, ev->len);
		o->pass_len += ev->len;
		return 0;
	}
	digest_mix(&o->h, &tag, 1);
	digest_mix(&o->h, ev->data, ev->len);
	return 0;
}

static int subsequence(const uint8_t *sub, size_t n, const uint8_t *of, size_t m)
{
	size_t j = 0;

	for (size_t i = 0; i < m && j < n; i++)
		if (of[i] == sub[j])
			j++;
	return j == n;
}

static struct gdbin a, b;
static struct rsp_decoder board;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct out whole = { DIGEST_INIT, NULL, 0 }, split = whole;
	size_t cut;

	if (size < 1)
		return 0;
	cut = data[0] % size;
	data++, size--;
	whole.pass = malloc(size + 1);
	split.pass = malloc(size + 1);
	if (!whole.pass || !split.pass)
		abort();
	gdbin_init(&a);
	gdbin_feed(&a, data, size, record, &whole);
	gdbin_init(&b);
	gdbin_feed(&b, data, cut, record, &split);
	gdbin_feed(&b, data + cut, size - cut, record, &split);
	if (whole.h != split.h || whole.pass_len != split.pass_len ||
	    memcmp(whole.pass, split.pass, whole.pass_len))
		abort();
	if (!subsequence(whole.pass, whole.pass_len, data, size))
		abort();
	/* The board's view: no packet it accepts may be a detach or kill. */
	rsp_decoder_init(&board);
	for (size_t i = 0; i < whole.pass_len; i++)
		if (rsp_decoder_byte(&board, whole.pass[i]) == RSP_PACKET &&
		    gdbin_is_local(rsp_payload(&board), rsp_payload_len(&board)))
			abort();
	free(whole.pass);
	free(split.pass);
	return 0;
}
