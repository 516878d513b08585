// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * RSP decoder: one byte at a time, so it can sit inside the mode tracker
 * and see packets split across reads.  The checksum covers the payload as
 * sent (escapes and run-length markers included); the stored payload is
 * unescaped and expanded.
 */
#include <stdio.h>
#include <string.h>

#include "rsp.h"

enum { ST_IDLE, ST_BODY, ST_SUM };

void rsp_decoder_init(struct rsp_decoder *d)
{
	d->state = ST_IDLE;
	d->len = 0;
}

int rsp_decoder_busy(const struct rsp_decoder *d)
{
	return d->state != ST_IDLE;
}

int rsp_hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void put(struct rsp_decoder *d, uint8_t b)
{
	if (d->len < sizeof(d->buf))
		d->buf[d->len++] = b;
	else
		d->overflow = 1;
}

static void start(struct rsp_decoder *d)
{
	d->state = ST_BODY;
	d->sum = 0;
	d->len = 0;
	d->escaped = 0;
	d->run_pending = 0;
	d->overflow = 0;
}

static void body_byte(struct rsp_decoder *d, uint8_t b)
{
	d->sum += b;
	if (d->run_pending) {
		/* "c*n": repeat the previous byte n - 29 more times */
		int n = b - 29;

		d->run_pending = 0;
		if (d->len == 0 || n < 0) {
			d->overflow = 1;
			return;
		}
		while (n-- > 0)
			put(d, d->buf[d->len - 1]);
	} else if (d->escaped) {
		d->escaped = 0;
		put(d, b ^ 0x20);
	} else if (b == '}') {
		d->escaped = 1;
	} else if (b == '*') {
		d->run_pending = 1;
	} else {
		put(d, b);
	}
}

enum rsp_event rsp_decoder_byte(struct rsp_decoder *d, uint8_t b)
{
	switch (d->state) {
	case ST_IDLE:
		switch (b) {
		case '$':
			start(d);
			return RSP_NONE;
		case '+':
			return RSP_ACK;
		case '-':
			return RSP_NACK;
		case 0x03:
			return RSP_INTERRUPT;
		default:
			return RSP_OTHER;
		}
	case ST_BODY:
		if (b == '$') {		/* a new packet abandons this one */
			start(d);
			return RSP_BAD;
		}
		if (b == '#' && !d->escaped && !d->run_pending) {
			d->state = ST_SUM;
			d->ndigits = 0;
			d->wire_sum = 0;
			return RSP_NONE;
		}
		body_byte(d, b);
		return RSP_NONE;
	case ST_SUM: {
		int v = rsp_hex_value(b);

		if (v < 0) {
			d->state = ST_IDLE;
			return RSP_BAD;
		}
		d->wire_sum = (uint8_t)(d->wire_sum << 4 | v);
		if (++d->ndigits < 2)
			return RSP_NONE;
		d->state = ST_IDLE;
		if (d->wire_sum != d->sum || d->overflow)
			return RSP_BAD;
		return RSP_PACKET;
	}
	}
	return RSP_NONE;
}

uint8_t rsp_checksum(const uint8_t *buf, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *buf++;
	return sum;
}

size_t rsp_encode(const uint8_t *payload, size_t len, uint8_t *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	uint8_t sum = 0;

	if (cap < 4)
		return 0;
	out[n++] = '$';
	for (size_t i = 0; i < len; i++) {
		uint8_t b = payload[i];
		int esc = b == '#' || b == '$' || b == '}' || b == '*';

		if (n + 2 + 3 > cap)
			return 0;
		if (esc) {
			out[n++] = '}';
			sum += '}';
			b ^= 0x20;
		}
		out[n++] = b;
		sum += b;
	}
	if (n + 3 > cap)
		return 0;
	out[n++] = '#';
	out[n++] = hex[sum >> 4];
	out[n++] = hex[sum & 15];
	return n;
}

long rsp_hex_decode(const uint8_t *hex, size_t len, uint8_t *out, size_t cap)
{
	if (len % 2 || len / 2 > cap)
		return -1;
	for (size_t i = 0; i < len; i += 2) {
		int hi = rsp_hex_value(hex[i]), lo = rsp_hex_value(hex[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(len / 2);
}

int rsp_parse_qc(const uint8_t *payload, size_t len, char *id, size_t cap)
{
	size_t i = 2;

	if (len < 3 || payload[0] != 'Q' || payload[1] != 'C' || len - 2 >= cap)
		return -1;
	if (payload[i] == '-')
		i++;
	if (i == len)
		return -1;
	for (; i < len; i++)
		if (rsp_hex_value(payload[i]) < 0)
			return -1;
	memcpy(id, payload + 2, len - 2);
	id[len - 2] = '\0';
	return 0;
}

size_t rsp_fix_stop_reply(const uint8_t *payload, size_t len, const char *id,
			  uint8_t *out, size_t cap)
{
	int n;

	if (!id || !*id || len != 3 || payload[0] != 'S' ||
	    rsp_hex_value(payload[1]) < 0 || rsp_hex_value(payload[2]) < 0)
		return 0;
	n = snprintf((char *)out, cap, "T%c%cthread:%s;", payload[1], payload[2], id);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* strlen(name) if payload[at..end) starts with name, else 0. */
static size_t feature(const uint8_t *payload, size_t at, size_t end,
		      const char *name)
{
	size_t n = strlen(name);

	if (end - at < n || memcmp(payload + at, name, n))
		return 0;
	return n;
}

int rsp_parse_supported(const uint8_t *payload, size_t len, struct rsp_features *f)
{
	memset(f, 0, sizeof(*f));
	for (size_t at = 0; at < len;) {
		size_t end = at, n;

		while (end < len && payload[end] != ';')
			end++;
		n = feature(payload, at, end, "binary-upload+");
		if (n && n == end - at) {
			f->binary_upload = 1;
		} else if ((n = feature(payload, at, end, "PacketSize="))) {
			size_t size = 0;

			if (end - at == n || end - at - n > 8)
				goto bad;
			for (size_t i = at + n; i < end; i++) {
				int v = rsp_hex_value(payload[i]);

				if (v < 0)
					goto bad;
				size = size << 4 | (size_t)v;
			}
			if (size < 16)
				goto bad;
			f->packet_size = size;
		}
		at = end + 1;
	}
	return 0;
bad:
	memset(f, 0, sizeof(*f));
	return -1;
}

long rsp_binary_decode(const uint8_t *payload, size_t len, uint8_t *out, size_t cap)
{
	if (!len || payload[0] != 'b' || len - 1 > cap)
		return -1;
	memcpy(out, payload + 1, len - 1);
	return (long)(len - 1);
}
