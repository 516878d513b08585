// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * libFuzzer target: the telnet/RFC 2217 decoder on arbitrary bytes, whole
 * and split (same events), and escape-then-decode of the input as data
 * (must give back exactly the input).
 */
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "telnet.h"

struct digest {
	uint64_t h;
	uint8_t *data;
	size_t len;
};

static void mix(struct digest *d, const void *p, size_t n)
{
	digest_mix(&d->h, p, n);
}

static void record(void *ctx, const struct telnet_event *ev)
{
	struct digest *d = ctx;
	uint8_t tag = (uint8_t)ev->type;

	if (ev->type == TELNET_EV_DATA) {
		mix(d, ev->data, ev->len);
		if (d->data) {
			memcpy(d->data + d->len, ev->data, ev->len);
			d->len += ev->len;
		}
		return;
	}
	mix(d, &tag, 1);
	mix(d, &ev->option, 1);
	mix(d, ev->data, ev->len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digest whole = { DIGEST_INIT, NULL, 0 }, split = whole;
	struct digest back = { 0, NULL, 0 };
	struct telnet t;
	uint8_t *wire;
	size_t cut = size ? data[0] % (size + 1) : 0, n;

	telnet_init(&t);
	telnet_feed(&t, data, size, record, &whole);
	telnet_init(&t);
	telnet_feed(&t, data, cut, record, &split);
	telnet_feed(&t, data + cut, size - cut, record, &split);
	if (whole.h != split.h)
		abort();

	wire = malloc(2 * size + 1);
	back.data = malloc(size + 1);
	if (!wire || !back.data)
		abort();
	n = telnet_escape(data, size, wire);
	telnet_init(&t);
	telnet_feed(&t, wire, n, record, &back);
	if (back.len != size || memcmp(back.data, data, size))
		abort();
	free(wire);
	free(back.data);
	return 0;
}
