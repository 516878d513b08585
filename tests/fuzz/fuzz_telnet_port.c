// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * libFuzzer target: a telnet port's reads (issue 20), as port_sock.c's
 * telnet_read does them: telnet_read_room() raw bytes at most, decoded by
 * telnet_decode() into a small buffer of exactly cap bytes (ASan sees a
 * write past it).  The peer's writes are split where the input says.
 * Checks: no read gives more than cap, the data so far is never more than
 * the raw bytes so far, and the data and the other events are those of
 * the whole stream decoded at once.  Then the same writes read carelessly
 * (cap raw bytes at a time, more than the room): still nothing past cap.
 *
 * Input: a cap byte, a count byte, that many write sizes, the stream.
 */
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "telnet.h"

#define SPLITS_MAX	8

struct decoded {
	uint64_t events;	/* digest of everything but data */
	uint8_t *data;		/* all the data, in order */
	size_t len, cap;
};

static void add_data(struct decoded *d, const uint8_t *p, size_t n)
{
	if (n > d->cap - d->len)	/* more data than raw bytes */
		abort();
	memcpy(d->data + d->len, p, n);
	d->len += n;
}

static void record(void *ctx, const struct telnet_event *ev)
{
	struct decoded *d = ctx;
	uint8_t tag = (uint8_t)ev->type;

	if (ev->type == TELNET_EV_DATA) {
		add_data(d, ev->data, ev->len);
		return;
	}
	digest_mix(&d->events, &tag, 1);
	digest_mix(&d->events, &ev->option, 1);
	digest_mix(&d->events, ev->data, ev->len);
}

/* telnet_decode keeps the data to its buffer: cb sees the rest only. */
static void no_data(void *ctx, const struct telnet_event *ev)
{
	if (ev->type == TELNET_EV_DATA)
		abort();
	if (ctx)
		record(ctx, ev);
}

/* A telnet port's reader, and what its reads gave so far. */
struct reader {
	struct telnet t;
	uint8_t *out;		/* the read buffer: exactly cap bytes */
	size_t cap;
	int careless;		/* take cap raw bytes, not the room */
	struct decoded *d;	/* careful: the data and events, to compare */
	size_t fed, got;	/* raw bytes and data bytes so far */
};

/* Every read of one of the peer's writes, len bytes at in. */
static void read_write(struct reader *r, const uint8_t *in, size_t len)
{
	while (len) {
		size_t room = telnet_read_room(&r->t, r->cap);
		size_t take = r->careless ? r->cap : room, n;

		if (!room)	/* cap > TELNET_SB_MAX: there is always room */
			abort();
		if (take > len)
			take = len;
		n = telnet_decode(&r->t, in, take, r->out, r->cap, no_data, r->d);
		r->fed += take;
		r->got += n;
		/*
		 * Never past cap, nor more than held (cap - room) and taken;
		 * summed over reads, never more than the raw bytes.
		 */
		if (n > r->cap || n > r->cap - room + take || r->got > r->fed)
			abort();
		if (r->d)
			add_data(r->d, r->out, n);
		in += take;
		len -= take;
	}
}

/* The peer's writes: sizes from the input, cycled, the last cut short. */
static void read_all(struct reader *r, const uint8_t *sizes, size_t nsizes,
		     const uint8_t *data, size_t size)
{
	telnet_init(&r->t);
	r->fed = r->got = 0;
	for (size_t at = 0, i = 0, n; at < size; at += n, i++) {
		n = nsizes ? 1 + (size_t)sizes[i % nsizes] : size;
		if (n > size - at)
			n = size - at;
		read_write(r, data + at, n);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct decoded whole = { DIGEST_INIT, NULL, 0, 0 }, split = whole;
	struct reader r = { .d = &split };
	const uint8_t *sizes;
	size_t nsizes;
	struct telnet t;

	if (size < 2)
		return 0;
	r.cap = TELNET_SB_MAX + 1 + data[0] % 64;
	nsizes = data[1] % (SPLITS_MAX + 1);
	if (size < 2 + nsizes)
		return 0;
	sizes = data + 2;
	data += 2 + nsizes;
	size -= 2 + nsizes;

	r.out = malloc(r.cap);
	whole.data = malloc(size + 1);
	split.data = malloc(size + 1);
	if (!r.out || !whole.data || !split.data)
		abort();
	whole.cap = split.cap = size;

	telnet_init(&t);
	telnet_feed(&t, data, size, record, &whole);
	read_all(&r, sizes, nsizes, data, size);
	if (split.len != whole.len || memcmp(split.data, whole.data, whole.len) ||
	    split.events != whole.events)
		abort();

	r.careless = 1;
	r.d = NULL;
	read_all(&r, sizes, nsizes, data, size);

	free(r.out);
	free(whole.data);
	free(split.data);
	return 0;
}
