// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The pure pieces of nmidbg drgn: kgdb's thread list and arm64 'g'
 * replies, the notes-only ELF core, and the memory channel with its
 * cache, through a fake board memory (like kgdbts.c's fake transport).
 */
#include <elf.h>
#include <stdio.h>

#include "elfcore.h"
#include "kgdbregs.h"
#include "memserve.h"
#include "rows.h"

struct threads_row {
	const char *name;
	const char *payload;
	int rc, done;
	const char *cpus;	/* "0,1,3" */
};

static const struct threads_row threads_rows[] = {
	{ "threads: two CPUs then a task", "mfffffffffffffffe,fffffffffffffffd,0000000000000001",
	  0, 1, "0,1" },
	{ "threads: CPUs only, more may follow", "mfffffffffffffffe,fffffffffffffffc", 0, 0, "0,2" },
	{ "threads: end of list", "l", 0, 1, "" },
	{ "threads: an error reply", "E01", -1, 0, "" },
	{ "threads: as kgdb sends them", "mfffffffe,fffffffd,01,02,0a", 0, 1, "0,1" },
	{ "threads: a too long id", "m0fffffffffffffffe", -1, 0, "" },
	{ "threads: not hex", "mfffffffffffffffg", -1, 0, "" },
	{ "threads: trailing comma", "mfffffffffffffffe,", -1, 0, "0" },
	{ "threads: empty", "", -1, 0, "" },
	{ "threads: a CPU after a task is not a CPU",
	  "m0000000000000001,fffffffffffffffe", 0, 1, "" },
};

static void test_threads(void **state)
{
	const struct threads_row *r = *state;
	int cpus[8], done = -1;
	size_t n = 0;
	char got[64] = "";
	int rc = kgdbregs_thread_cpus((const uint8_t *)r->payload, strlen(r->payload), cpus, 8,
				      &n, &done);

	assert_int_equal(rc, r->rc);
	if (!rc)
		assert_int_equal(done, r->done);
	for (size_t i = 0, at = 0; i < n; i++)
		at += (size_t)snprintf(got + at, sizeof(got) - at, "%s%d", i ? "," : "", cpus[i]);
	assert_string_equal(got, r->cpus);
}

/* A 'g' reply: register i holds 0x1000 + i, pstate 0x3c5, then FP registers. */
static size_t g_reply(char *out, size_t regs, int pstate, int fp)
{
	size_t at = 0;

	for (size_t i = 0; i < regs; i++)
		for (int b = 0; b < 8; b++)
			at += (size_t)sprintf(out + at, "%02x",
					      (unsigned)(((0x1000 + i) >> (8 * b)) & 0xff));
	if (pstate)
		at += (size_t)sprintf(out + at, "c5030000");
	for (int i = 0; i < fp; i++)
		at += (size_t)sprintf(out + at, "00");
	return at;
}

static void test_regs(void **state)
{
	static char buf[4096];
	struct kgdbregs_arm64 r;
	size_t n = g_reply(buf, 33, 1, 520);

	(void)state;
	assert_int_equal(kgdbregs_parse_arm64((uint8_t *)buf, n, &r), 0);
	assert_int_equal(r.x[0], 0x1000);
	assert_int_equal(r.x[29], 0x1000 + 29);
	assert_int_equal(r.x[30], 0x1000 + 30);
	assert_int_equal(r.sp, 0x1000 + 31);
	assert_int_equal(r.pc, 0x1000 + 32);
	assert_int_equal(r.pstate, 0x3c5);
	/* No pstate: zero. */
	n = g_reply(buf, 33, 0, 0);
	assert_int_equal(kgdbregs_parse_arm64((uint8_t *)buf, n, &r), 0);
	assert_int_equal(r.pstate, 0);
	/* Too few registers, an error, odd or bad text. */
	n = g_reply(buf, 32, 0, 0);
	assert_int_equal(kgdbregs_parse_arm64((uint8_t *)buf, n, &r), -1);
	assert_int_equal(kgdbregs_parse_arm64((const uint8_t *)"E22", 3, &r), -1);
	n = g_reply(buf, 33, 0, 0);
	assert_int_equal(kgdbregs_parse_arm64((uint8_t *)buf, n - 1, &r), -1);
	buf[5] = 'z';
	assert_int_equal(kgdbregs_parse_arm64((uint8_t *)buf, n, &r), -1);
}

static uint64_t le(const uint8_t *b, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i-- > 0;)
		v = v << 8 | b[i];
	return v;
}

static void test_elfcore(void **state)
{
	static uint8_t out[8192];
	struct elfcore_cpu cpus[2] = { { .online = 1, .pid = 7 }, { .online = 0 } };
	const char *vi = "OSRELEASE=6.12.0\nPAGESIZE=4096\nKERNELOFFSET=1230000\n";
	size_t n, off, at;

	(void)state;
	cpus[0].regs.pc = 0xffff800080001234ull;
	cpus[0].regs.sp = 0xffff800082003f00ull;
	cpus[0].regs.x[29] = 0xabcdef;
	n = elfcore_write(cpus, 2, vi, strlen(vi), out, sizeof(out));
	assert_true(n > 64 + 56);
	/* Asked with too small a buffer: the same size, nothing past cap. */
	assert_int_equal(elfcore_write(cpus, 2, vi, strlen(vi), out, 10), n);
	n = elfcore_write(cpus, 2, vi, strlen(vi), out, sizeof(out));
	assert_memory_equal(out, ELFMAG, SELFMAG);
	assert_int_equal(le(out + 16, 2), ET_CORE);
	assert_int_equal(le(out + 18, 2), EM_AARCH64);
	assert_int_equal(le(out + 56, 2), 1);		/* e_phnum */
	assert_int_equal(le(out + 64, 4), PT_NOTE);
	off = (size_t)le(out + 64 + 8, 8);
	assert_int_equal(off + le(out + 64 + 32, 8), n);	/* p_filesz: to the end */
	/* CPU 0's note: "CORE", NT_PRSTATUS, pid at 32, pc at 112 + 32 * 8. */
	assert_int_equal(le(out + off, 4), 5);
	assert_int_equal(le(out + off + 4, 4), ELFCORE_PRSTATUS_SIZE);
	assert_int_equal(le(out + off + 8, 4), NT_PRSTATUS);
	assert_string_equal((char *)out + off + 12, "CORE");
	at = off + 12 + 8;
	assert_int_equal(le(out + at + 32, 4), 7);
	assert_int_equal(le(out + at + 112 + 29 * 8, 8), 0xabcdef);
	assert_int_equal(le(out + at + 112 + 31 * 8, 8), cpus[0].regs.sp);
	assert_int_equal(le(out + at + 112 + 32 * 8, 8), cpus[0].regs.pc);
	/* CPU 1 (offline): zeroed. */
	at += ELFCORE_PRSTATUS_SIZE + 12 + 8;
	assert_int_equal(le(out + at + 112 + 32 * 8, 8), 0);
	/* Then VMCOREINFO, the text whole. */
	at += ELFCORE_PRSTATUS_SIZE;
	assert_int_equal(le(out + at, 4), 11);
	assert_int_equal(le(out + at + 4, 4), strlen(vi));
	assert_string_equal((char *)out + at + 12, "VMCOREINFO");
	assert_memory_equal(out + at + 12 + 12, vi, strlen(vi));
}

/* ---- the memory channel, through a fake board ---- */

#define FAKE_BASE	0xffff000000010000ull
#define FAKE_SIZE	(3 * MEMSERVE_PAGE)	/* the middle page is unmapped */

struct fake {
	int reads, lost;
	size_t largest;
};

static int fake_read(void *ctx, uint64_t addr, size_t len, uint8_t *buf)
{
	struct fake *f = ctx;

	f->reads++;
	if (len > f->largest)
		f->largest = len;
	if (f->lost)
		return -100;
	/* Never across a page. */
	assert_true(addr / MEMSERVE_PAGE == (addr + len - 1) / MEMSERVE_PAGE);
	if (addr < FAKE_BASE || addr + len > FAKE_BASE + FAKE_SIZE ||
	    (addr - FAKE_BASE) / MEMSERVE_PAGE == 1)
		return MEMSERVE_FAULT;
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)((addr + i) * 7);
	return 0;
}

static void request(uint8_t *b, uint32_t op, uint32_t len, uint64_t addr)
{
	for (int i = 0; i < 4; i++) {
		b[i] = (uint8_t)(op >> (8 * i));
		b[4 + i] = (uint8_t)(len >> (8 * i));
	}
	for (int i = 0; i < 8; i++)
		b[8 + i] = (uint8_t)(addr >> (8 * i));
}

static void test_parse(void **state)
{
	uint8_t b[MEMSERVE_REQ_SIZE];
	struct memserve_req q;

	(void)state;
	request(b, MEMSERVE_OP_READ, 16, FAKE_BASE);
	assert_int_equal(memserve_parse(b, sizeof(b) - 1, &q), 0);
	assert_int_equal(memserve_parse(b, sizeof(b), &q), MEMSERVE_REQ_SIZE);
	assert_int_equal(q.len, 16);
	assert_true(q.addr == FAKE_BASE);
	request(b, 'W', 16, FAKE_BASE);
	assert_int_equal(memserve_parse(b, sizeof(b), &q), -1);
	request(b, MEMSERVE_OP_READ, 0, FAKE_BASE);
	assert_int_equal(memserve_parse(b, sizeof(b), &q), -1);
	request(b, MEMSERVE_OP_READ, MEMSERVE_MAX_READ + 1, FAKE_BASE);
	assert_int_equal(memserve_parse(b, sizeof(b), &q), -1);
	request(b, MEMSERVE_OP_READ, 2, UINT64_MAX);
	assert_int_equal(memserve_parse(b, sizeof(b), &q), -1);
	request(b, MEMSERVE_OP_READ, 1, UINT64_MAX);
	assert_int_equal(memserve_parse(b, sizeof(b), &q), MEMSERVE_REQ_SIZE);
}

static void test_serve(void **state)
{
	static uint8_t out[16 + 2 * MEMSERVE_PAGE];
	struct fake f = { 0 };
	struct memserve_ops ops = { .read = fake_read, .ctx = &f };
	struct memserve m;
	struct memserve_req q = { .op = MEMSERVE_OP_READ };
	long n;

	(void)state;
	assert_int_equal(memserve_init(&m, &ops, 100, 0), -1);	/* not a power of two */
	assert_int_equal(memserve_init(&m, &ops, 256, 0), 0);
	/* 10 bytes across two lines: one board read of both, no more. */
	q.addr = FAKE_BASE + 250;
	q.len = 10;
	n = memserve_serve(&m, &q, out);
	assert_int_equal(n, 8 + 10);
	assert_int_equal(le(out, 4), MEMSERVE_OK);
	assert_int_equal(le(out + 4, 4), 10);
	for (int i = 0; i < 10; i++)
		assert_int_equal(out[8 + i], (uint8_t)((q.addr + i) * 7));
	assert_int_equal(f.reads, 1);
	assert_int_equal(f.largest, 512);
	/* Again, and within those lines: from the cache. */
	n = memserve_serve(&m, &q, out);
	q.addr = FAKE_BASE + 400;
	n = memserve_serve(&m, &q, out);
	assert_int_equal(n, 18);
	assert_int_equal(out[8], (uint8_t)(q.addr * 7));
	assert_int_equal(f.reads, 1);
	assert_int_equal(m.hits, 3);
	/* Into the unmapped page: the first byte there is the fault. */
	q.addr = FAKE_BASE + MEMSERVE_PAGE - 4;
	q.len = 8;
	n = memserve_serve(&m, &q, out);
	assert_int_equal(n, 16);
	assert_int_equal(le(out, 4), MEMSERVE_FAULT);
	assert_true(le(out + 8, 8) == FAKE_BASE + MEMSERVE_PAGE);
	assert_int_equal(f.reads, 3);	/* the mapped line, then the page's */
	/* The fault is cached too. */
	memserve_serve(&m, &q, out);
	assert_int_equal(f.reads, 3);
	assert_int_equal(m.faults, 1);
	/* A line lost: the read's error, no reply. */
	f.lost = 1;
	q.addr = FAKE_BASE + 2 * MEMSERVE_PAGE;
	assert_int_equal(memserve_serve(&m, &q, out), -100);
	memserve_free(&m);
}

static void test_cache_bound(void **state)
{
	static uint8_t out[16 + 64];
	struct fake f = { 0 };
	struct memserve_ops ops = { .read = fake_read, .ctx = &f };
	struct memserve m;
	struct memserve_req q = { .op = MEMSERVE_OP_READ, .len = 8 };

	(void)state;
	/* Room for 2 lines of 64: a third starts the cache again. */
	assert_int_equal(memserve_init(&m, &ops, 64, 128), 0);
	for (int i = 0; i < 3; i++) {
		q.addr = FAKE_BASE + 64 * (uint64_t)i;
		assert_int_equal(memserve_serve(&m, &q, out), 16);
		assert_true(m.nlines <= 2);
	}
	q.addr = FAKE_BASE;	/* dropped with the rest: read again */
	assert_int_equal(memserve_serve(&m, &q, out), 16);
	assert_int_equal(le(out, 4), MEMSERVE_OK);
	assert_int_equal(out[8], (uint8_t)(FAKE_BASE * 7));
	assert_int_equal(f.reads, 4);
	memserve_free(&m);
}

int main(void)
{
	struct CMUnitTest tests[ROWS_MAX];
	size_t n = ROWS_ADD(tests, 0, test_threads, threads_rows);

	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_regs);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_elfcore);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_parse);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_serve);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_cache_bound);
	return _cmocka_run_group_tests("drgncore", tests, n, NULL, NULL);
}
