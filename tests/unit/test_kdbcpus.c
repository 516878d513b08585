// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Every CPU accounted for: kdb's `cpu` list parsed (one case per row),
 * and a triage whose btc lacks a CPU that did not stop.
 */
#include <stdio.h>

#include "rows.h"

#include "kdbcpus.h"

/* want: a state letter per CPU ('s' stopped, 'D', 'F', '.' unlisted) */
static const struct status_row {
	const char *name, *in;
	int n;
	const char *want;
} status_rows[] = {
	{ "one cpu", "Currently on cpu 0\nAvailable cpus: 0\n", 1, "s" },
	{ "idle and unresponsive", "Available cpus: 0(-), 1(D)\n", 2, "sD" },
	{ "ranges", "Currently on cpu 2\nAvailable cpus: 0-1, 2(D), 3-7(F)\n", 8, "ssDFFFFF" },
	{ "gap ends the list", "Available cpus: 0, 1(D), 3\n", 4, "sD.s" },
	{ "CR LF line end", "Available cpus: 0-1(D)\r\n", 2, "DD" },
	{ "clipped to max", "Available cpus: 0-99\n", 8, "ssssssss" },
	{ "unknown state letter", "Available cpus: 0(X)\n", -1, "" },
	{ "range backwards", "Available cpus: 3-1\n", -1, "" },
	{ "not a number", "Available cpus: zero\n", -1, "" },
	{ "no list", "kdb> cpu\nInvalid cpu number\n", -1, "" },
	{ "empty list", "Available cpus: \n", -1, "" },
	{ "trailing garbage", "Available cpus: 0, 1;\n", -1, "" },
	/* Numbers no CPU has: refused, not overflowed or clipped. */
	{ "huge cpu", "Available cpus: 99999999999999999999\n", -1, "" },
	{ "huge range end", "Available cpus: 0-99999999999999999999(D)\n", -1, "" },
	{ "cpu beyond int", "Available cpus: 0, 4294967296\n", -1, "" },
};

static void test_status_row(void **state)
{
	const struct status_row *r = *state;
	unsigned char st[8];
	char got[9] = "";
	int n = kdbcpus_parse_status(r->in, st, 8);

	assert_int_equal(n, r->n);
	for (int i = 0; i < n; i++)
		got[i] = ".sDF"[st[i]];
	got[n > 0 ? n : 0] = '\0';
	assert_string_equal(got, r->want);
}

/* The test board without pseudo-NMI, CPU 1 hard-locked (trimmed). */
static const char btc_cpu0[] =
	"Stack traceback for pid 0\n"
	"0xffff800081a3b0c0        0        0  1    0   R  0xffff800081a3bb80 *swapper/0\n"
	"CPU: 0 UID: 0 PID: 0 Comm: swapper/0 Not tainted 6.12.117+ #7\n"
	"Call trace:\n"
	" dump_backtrace+0xa0/0xdc\n"
	" kgdb_breakpoint+0x8/0xc\n"
	" cpu_do_idle+0x8/0xc\n"
	"WARNING: no task for cpu 1\n";
static const char ps_running[] =
	"0xffff800081a3b0c0        0        0  1    0   R  0xffff800081a3bb80 *swapper/0\n"
	"0xffff000000937000       41       36  1    1   R  0xffff0000009377c0  lkdtm-lock\n"
	"  Error: no saved data for this cpu\n"
	"0xffff000000934e00       36        1  0    0   R  0xffff0000009355c0  init\n";

/* A report writer's output, malloc'd. */
static char *render(void (*write)(FILE *, const struct triage *),
		    const struct triage *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	write(f, t);
	fclose(f);
	return buf;
}

static void test_cpu_that_did_not_stop(void **state)
{
	static struct triage t;
	unsigned char st[TRIAGE_MAX_CPUS];
	char *buf;

	(void)state;
	t.port = "tcp:x";
	t.how = "knock";
	t.after = "running";
	t.ncpus = triage_parse_btc(btc_cpu0, t.cpus, TRIAGE_MAX_CPUS);
	assert_int_equal(t.ncpus, 1);
	assert_int_equal(kdbcpus_parse_status("Available cpus: 0, 1(D)\n", st,
					      TRIAGE_MAX_CPUS), 2);
	kdbcpus_account(&t, st, 2, ps_running);
	assert_int_equal(t.ncpus, 2);
	assert_true(t.partial);
	assert_string_equal(t.partial_why, "CPU 1 did not stop");
	assert_int_equal(t.cpus[1].cpu, 1);
	assert_false(t.cpus[1].stopped);
	assert_int_equal(t.cpus[1].pid, 41);
	assert_string_equal(t.cpus[1].comm, "lkdtm-lock");
	assert_true(t.cpus[0].stopped);

	buf = render(triage_write_json, &t);
	assert_non_null(strstr(buf, "\"partial\": true, \"partial_why\": \"CPU 1 did not stop\""));
	assert_non_null(strstr(buf, "{\"cpu\": 1, \"stopped\": false, \"pid\": 41, \"comm\": \"lkdtm-lock\""));
	free(buf);
	buf = render(triage_write_md, &t);
	assert_non_null(strstr(buf, "**Partial report: CPU 1 did not stop.**"));
	assert_non_null(strstr(buf, "| 1 | 41 | lkdtm-lock | (did not stop: "));
	free(buf);
}

/* Every CPU answered, or kdb's list was not there: nothing is invented. */
static void test_complete_and_unknown(void **state)
{
	static struct triage t;
	unsigned char st[TRIAGE_MAX_CPUS];

	(void)state;
	t.ncpus = triage_parse_btc(btc_cpu0, t.cpus, TRIAGE_MAX_CPUS);
	kdbcpus_parse_status("Available cpus: 0, 1(F)\n", st, TRIAGE_MAX_CPUS);
	kdbcpus_account(&t, st, 2, NULL);
	assert_int_equal(t.ncpus, 1);
	assert_false(t.partial);
	/* A stopped CPU that btc left out: listed, without a task. */
	kdbcpus_parse_status("Available cpus: 0-1\n", st, TRIAGE_MAX_CPUS);
	kdbcpus_account(&t, st, 2, NULL);
	assert_int_equal(t.ncpus, 2);
	assert_int_equal(t.cpus[1].pid, -1);
	assert_string_equal(t.partial_why, "CPU 1 has no stack");
}

int main(void)
{
	struct CMUnitTest tests[ROWS_MAX];
	size_t n = ROWS_ADD(tests, 0, test_status_row, status_rows);

	n = ROWS_CASE(tests, n, test_cpu_that_did_not_stop);
	n = ROWS_CASE(tests, n, test_complete_and_unknown);
	return ROWS_RUN("kdbcpus", tests, n);
}
