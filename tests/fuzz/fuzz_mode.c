// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * libFuzzer target: the mode tracker on arbitrary bytes, fed whole and
 * split at a point the input chooses.  Both must give the same events
 * (text compared as one stream: read boundaries may split text runs).
 */
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "mode.h"

struct digest {
	uint64_t h;
	size_t text;
};

static void mix(struct digest *d, const void *p, size_t n)
{
	digest_mix(&d->h, p, n);
}

static void record(void *ctx, const struct mode_event *ev)
{
	struct digest *d = ctx;
	uint8_t tag = (uint8_t)ev->type;

	if (ev->type == MODE_EV_TEXT) {
		mix(d, ev->data, ev->len);
		d->text += ev->len;
		return;
	}
	mix(d, &tag, 1);
	mix(d, &ev->cpu, sizeof(ev->cpu));
	mix(d, &ev->mode, sizeof(ev->mode));
	if (ev->type == MODE_EV_PACKET)
		mix(d, ev->data, ev->len);
	if (ev->type == MODE_EV_ACK)
		mix(d, &ev->len, sizeof(ev->len));
}

static struct mode_tracker a, b;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digest whole = { DIGEST_INIT, 0 };
	struct digest split = whole;
	size_t cut;

	if (size < 1)
		return 0;
	cut = data[0] % size;
	data++, size--;
	if (cut > size)
		cut = size;
	mode_init(&a);
	mode_feed(&a, data, size, record, &whole);
	mode_flush(&a, record, &whole);
	mode_init(&b);
	mode_feed(&b, data, cut, record, &split);
	mode_feed(&b, data + cut, size - cut, record, &split);
	mode_flush(&b, record, &split);
	if (whole.h != split.h || whole.text != split.text || whole.text > size)
		abort();
	return 0;
}
