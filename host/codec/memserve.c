// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The memory channel's parser and its cache (memserve.h).
 */
#include <stdlib.h>
#include <string.h>

#include "memserve.h"

struct memserve_line {
	uint64_t addr;		/* line-aligned */
	int fault;		/* the board refused it */
	uint8_t data[];		/* line_size bytes */
};

static uint64_t get_le(const uint8_t *b, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i-- > 0;)
		v = v << 8 | b[i];
	return v;
}

static void put_le(uint8_t *b, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

int memserve_parse(const uint8_t *buf, size_t n, struct memserve_req *req)
{
	if (n < MEMSERVE_REQ_SIZE)
		return 0;
	req->op = (uint32_t)get_le(buf, 4);
	req->len = (uint32_t)get_le(buf + 4, 4);
	req->addr = get_le(buf + 8, 8);
	if (req->op != MEMSERVE_OP_READ || !req->len || req->len > MEMSERVE_MAX_READ ||
	    req->addr + req->len - 1 < req->addr)
		return -1;
	return MEMSERVE_REQ_SIZE;
}

static size_t slot_of(const struct memserve *m, uint64_t addr)
{
	uint64_t h = addr / m->line_size * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 20) & (m->nslots - 1);
}

static void drop_all(struct memserve *m)
{
	for (size_t i = 0; i < m->nslots; i++) {
		free(m->slots[i]);
		m->slots[i] = NULL;
	}
	m->nlines = 0;
}

int memserve_init(struct memserve *m, const struct memserve_ops *ops, size_t line_size,
		  size_t max_bytes)
{
	memset(m, 0, sizeof(*m));
	if (!line_size)
		line_size = 256;
	if (line_size < 64 || line_size > MEMSERVE_PAGE || (line_size & (line_size - 1)))
		return -1;
	m->ops = *ops;
	m->line_size = line_size;
	m->max_lines = (max_bytes ? max_bytes : 64u << 20) / line_size;
	if (!m->max_lines)
		m->max_lines = 1;
	/* Half full at most: probes stay short. */
	for (m->nslots = 16; m->nslots < 2 * m->max_lines; m->nslots *= 2)
		;
	m->slots = calloc(m->nslots, sizeof(*m->slots));
	return m->slots ? 0 : -1;
}

void memserve_free(struct memserve *m)
{
	if (m->slots)
		drop_all(m);
	free(m->slots);
	m->slots = NULL;
}

static struct memserve_line *find(const struct memserve *m, uint64_t addr)
{
	for (size_t i = slot_of(m, addr);; i = (i + 1) & (m->nslots - 1)) {
		if (!m->slots[i] || m->slots[i]->addr == addr)
			return m->slots[i];
	}
}

static int add(struct memserve *m, uint64_t addr, int fault, const uint8_t *data)
{
	struct memserve_line *l = malloc(sizeof(*l) + m->line_size);
	size_t i;

	if (!l)
		return -1;
	l->addr = addr;
	l->fault = fault;
	if (fault)
		memset(l->data, 0, m->line_size);
	else
		memcpy(l->data, data, m->line_size);
	for (i = slot_of(m, addr); m->slots[i]; i = (i + 1) & (m->nslots - 1))
		;
	m->slots[i] = l;
	m->nlines++;
	return 0;
}

/*
 * The lines from first up to the end of its page that are not cached,
 * stopping at one that is or at last: read together, then cached.
 */
static int fill(struct memserve *m, uint64_t first, uint64_t last, uint8_t *buf)
{
	uint64_t page_end = (first | (MEMSERVE_PAGE - 1));
	uint64_t a = first;
	size_t n = 0;
	int rc;

	while (a <= last && a <= page_end && !find(m, a)) {
		n++;
		if (a + m->line_size < a)
			break;
		a += m->line_size;
	}
	if (m->nlines + n > m->max_lines)
		drop_all(m);
	m->misses += n;
	m->board_reads++;
	m->board_bytes += n * m->line_size;
	rc = m->ops.read(m->ops.ctx, first, n * m->line_size, buf);
	if (rc && rc != MEMSERVE_FAULT)
		return rc;
	if (rc)
		m->faults++;
	for (size_t i = 0; i < n; i++)
		if (add(m, first + i * m->line_size, rc == MEMSERVE_FAULT,
			buf + i * m->line_size))
			return -1;
	return 0;
}

long memserve_serve(struct memserve *m, const struct memserve_req *req, uint8_t *out)
{
	uint64_t mask = m->line_size - 1;
	uint64_t end = req->addr + req->len - 1;	/* memserve_parse(): no wrap */
	uint64_t line = req->addr & ~mask, last = end & ~mask;
	uint64_t misses = m->misses, touched = 0;
	size_t at = 0;
	long rc = 0;

	m->requests++;
	m->bytes_asked += req->len;
	for (;;) {
		struct memserve_line *l = find(m, line);
		uint64_t from, to;

		touched++;
		if (!l) {
			rc = fill(m, line, last, m->page);
			l = rc ? NULL : find(m, line);
			if (!l) {
				rc = rc ? rc : -1;
				break;
			}
		}
		from = line > req->addr ? line : req->addr;
		if (l->fault) {
			put_le(out, MEMSERVE_FAULT, 4);
			put_le(out + 4, 8, 4);
			put_le(out + 8, from, 8);
			rc = 16;
			break;
		}
		to = line + mask < end ? line + mask : end;
		memcpy(out + 8 + at, l->data + (from - line), (size_t)(to - from + 1));
		at += (size_t)(to - from + 1);
		if (line == last)
			break;
		line += m->line_size;
	}
	/* A line filled by this request is a miss, not a hit after it. */
	misses = m->misses - misses;
	m->hits += touched > misses ? touched - misses : 0;
	if (rc)
		return rc;
	put_le(out, MEMSERVE_OK, 4);
	put_le(out + 4, at, 4);
	return (long)(8 + at);
}
