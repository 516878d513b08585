// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * libFuzzer target for nmidbg drgn's pure pieces.  The input, as the
 * memory channel's byte stream, is served request by request through the
 * cache from a fake board whose pages fault by a rule: every reply must
 * have the header's length, OK replies the fake's bytes, FAULT replies
 * an address inside the request.  As kgdb replies, the thread list and
 * the 'g' reply parse or refuse without reading past them; the ELF core
 * written from the parsed registers is the size it says.
 */
#include <stdlib.h>
#include <string.h>

#include "elfcore.h"
#include "kgdbregs.h"
#include "memserve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[16 + MEMSERVE_MAX_READ];
static uint8_t core[8192];

static int unmapped(uint64_t addr)
{
	return (addr / MEMSERVE_PAGE) % 5 == 3;
}

static int fake_read(void *ctx, uint64_t addr, size_t len, uint8_t *buf)
{
	(void)ctx;
	if (addr / MEMSERVE_PAGE != (addr + len - 1) / MEMSERVE_PAGE)
		abort();	/* a read across a page */
	if (unmapped(addr))
		return MEMSERVE_FAULT;
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)((addr + i) * 13);
	return 0;
}

static uint64_t le(const uint8_t *b, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i-- > 0;)
		v = v << 8 | b[i];
	return v;
}

static void serve(const uint8_t *data, size_t size)
{
	struct memserve_ops ops = { .read = fake_read };
	struct memserve m;
	struct memserve_req q;
	size_t line = size ? (size_t)64 << (data[0] % 7) : 256;
	int n;

	if (memserve_init(&m, &ops, line, 1u << 16))
		abort();
	while ((n = memserve_parse(data, size, &q)) > 0) {
		long r;

		/* Small reads only: a fuzzer's megabyte reads are slow, not new. */
		if (q.len > 8192)
			q.len = 8192;
		r = memserve_serve(&m, &q, out);
		if (r < 16 && !(r == 8 + (long)q.len && q.len < 8))
			abort();
		if (le(out, 4) == MEMSERVE_OK) {
			if (le(out + 4, 4) != q.len || r != 8 + (long)q.len)
				abort();
			for (uint32_t i = 0; i < q.len; i++)
				if (out[8 + i] != (uint8_t)((q.addr + i) * 13))
					abort();
		} else {
			uint64_t at = le(out + 8, 8);

			if (le(out, 4) != MEMSERVE_FAULT || r != 16 || at < q.addr ||
			    at > q.addr + q.len - 1 || !unmapped(at))
				abort();
		}
		data += n;
		size -= (size_t)n;
	}
	memserve_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elfcore_cpu cpus[4] = { { .online = 1 } };
	int ids[KGDBREGS_CPU_MAX];
	size_t n = 0, len;
	int done;

	serve(data, size);
	if (kgdbregs_thread_cpus(data, size, ids, KGDBREGS_CPU_MAX, &n, &done) == 0)
		for (size_t i = 0; i < n; i++)
			if (ids[i] < 0 || ids[i] >= KGDBREGS_CPU_MAX)
				abort();
	kgdbregs_parse_arm64(data, size, &cpus[0].regs);
	len = elfcore_write(cpus, 4, (const char *)data, size < 1024 ? size : 1024, core,
			    sizeof(core));
	if (len > sizeof(core) || !len)
		abort();
	return 0;
}
