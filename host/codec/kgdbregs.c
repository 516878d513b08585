// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * kgdb's thread list and arm64 register replies (kgdbregs.h).
 */
#include <string.h>

#include "kgdbregs.h"
#include "rsp.h"

/*
 * A thread id as kgdb sends it: hex without leading zeros, a negative one
 * as its 32-bit two's complement ("fffffffe": -2); 16 digits as 64-bit.
 */
static int thread_id(const uint8_t *p, size_t len, int64_t *id)
{
	uint64_t v = 0;

	if (!len || len > 16)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int h = rsp_hex_value(p[i]);

		if (h < 0)
			return -1;
		v = v << 4 | (uint64_t)h;
	}
	if (len <= 8 && (v & 0x80000000u))
		*id = (int64_t)(int32_t)(uint32_t)v;
	else
		*id = (int64_t)v;
	return 0;
}

int kgdbregs_thread_cpus(const uint8_t *payload, size_t len, int *cpus, size_t cap,
			 size_t *n, int *done)
{
	size_t i = 1;

	*done = 0;
	if (len == 1 && payload[0] == 'l') {
		*done = 1;
		return 0;
	}
	if (len < 2 || payload[0] != 'm')
		return -1;
	while (i < len) {
		size_t j = i;
		int64_t id;

		while (j < len && payload[j] != ',')
			j++;
		if (thread_id(payload + i, j - i, &id))
			return -1;
		if (id >= -1) {
			*done = 1;	/* a task: past the shadow threads */
		} else if (!*done && id >= -(int64_t)KGDBREGS_CPU_MAX - 1) {
			if (*n < cap)
				cpus[(*n)++] = (int)(-id - 2);
		}
		if (j == len)
			break;
		i = j + 1;
		if (i == len)
			return -1;	/* a trailing comma */
	}
	return 0;
}

static uint64_t le64(const uint8_t *b, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i-- > 0;)
		v = v << 8 | b[i];
	return v;
}

int kgdbregs_parse_arm64(const uint8_t *payload, size_t len, struct kgdbregs_arm64 *r)
{
	uint8_t raw[33 * 8 + 4];
	size_t want = 2 * sizeof(raw), take = len < want ? len : want;
	long got;

	memset(r, 0, sizeof(*r));
	if (len == 3 && payload[0] == 'E')
		return -1;
	if (take % 2)
		return -1;
	got = rsp_hex_decode(payload, take, raw, sizeof(raw));
	if (got < 33 * 8)
		return -1;
	for (int i = 0; i < 31; i++)
		r->x[i] = le64(raw + 8 * i, 8);
	r->sp = le64(raw + 8 * 31, 8);
	r->pc = le64(raw + 8 * 32, 8);
	if (got >= 33 * 8 + 4)
		r->pstate = le64(raw + 8 * 33, 4);
	return 0;
}
