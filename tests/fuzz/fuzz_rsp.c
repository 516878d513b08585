// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * libFuzzer target for the RSP codec.  The input, as a payload, must
 * survive rsp_encode() and decoding unchanged; as wire bytes, every packet
 * the decoder accepts must re-encode and decode to the same payload, and
 * read as a qSupported or an 'x' reply gives a sane answer or an error.
 */
#include <stdlib.h>
#include <string.h>

#include "rsp.h"

static struct rsp_decoder d, again;
static uint8_t wire[2 * RSP_MAX_PAYLOAD + 8];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const uint8_t *payload, size_t len)
{
	enum rsp_event ev = RSP_NONE;
	size_t n = rsp_encode(payload, len, wire, sizeof(wire));

	if (!n)
		abort();
	rsp_decoder_init(&again);
	for (size_t j = 0; j < n; j++)
		ev = rsp_decoder_byte(&again, wire[j]);
	if (ev != RSP_PACKET || rsp_payload_len(&again) != len ||
	    memcmp(rsp_payload(&again), payload, len))
		abort();
}

static void as_replies(const uint8_t *payload, size_t len)
{
	static uint8_t out[64];
	struct rsp_features f;
	long n;

	if (rsp_parse_supported(payload, len, &f) == 0) {
		if (f.packet_size && f.packet_size < 16)
			abort();
	} else if (f.packet_size || f.binary_upload) {
		abort();
	}
	n = rsp_binary_decode(payload, len, out, sizeof(out));
	if (n >= 0 && ((size_t)n != len - 1 || (size_t)n > sizeof(out) ||
		       memcmp(out, payload + 1, (size_t)n)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size <= RSP_MAX_PAYLOAD) {
		round_trip(data, size);
		as_replies(data, size);
	}
	rsp_decoder_init(&d);
	for (size_t i = 0; i < size; i++)
		if (rsp_decoder_byte(&d, data[i]) == RSP_PACKET)
			round_trip(rsp_payload(&d), rsp_payload_len(&d));
	return 0;
}
