// SPDX-License-Identifier: GPL-3.0-or-later
/* The triage parsers on real kdb output (trimmed from the test board). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"
#include "triage.h"

/* The entry CPU (knock, NMI) and a CPU the roundup IPI stopped, its lines
 * printed twice as kdb does for another CPU. */
static const char btc[] =
	"btc: cpu status: Currently on cpu 0\n"
	"Stack traceback for pid 36\n"
	"0xffff000000935b00       36        1  1    0   R  0xffff0000009362c0 *init\n"
	"CPU: 0 UID: 0 PID: 36 Comm: init Not tainted 6.12.117+ #6\n"
	"Call trace:\n"
	" dump_backtrace+0xa0/0xdc\n"
	" kdb_bt+0x26c/0x358\n"
	" kgdb_nmicallin+0x80/0x90\n"
	" nmi_tty_interrupt+0x1d8/0x25c\n"
	" el1_interrupt+0x78/0x8c\n"
	" el1h_64_irq_handler+0x14/0x1c\n"
	" el1h_64_irq+0x6c/0x70\n"
	" lkdtm_HARDLOCKUP+0x8/0x14\n"
	" lkdtm_do_action+0x1c/0x34\n"
	"Stack traceback for pid 35\n"
	"0xffff000000934e00       35        1  1    1   R  0xffff0000009355c0  sh\n"
	"CPU: 1 UID: 0 PID: 35 Comm: sh Not tainted 6.12.117+ #6\n"
	"CPU: 1 UID: 0 PID: 35 Comm: sh Not tainted 6.12.117+ #6\n"
	"Call trace:\n"
	"Call trace:\n"
	" dump_backtrace+0xa0/0xdc\n"
	" kgdb_cpu_enter+0x318/0x6ac\n"
	" el1h_64_irq+0x6c/0x70\n"
	" el1h_64_irq+0x6c/0x70\n"
	" cpu_do_idle+0x8/0xc\n"
	" cpu_do_idle+0x8/0xc\n"
	"Stack traceback for pid 40\n"
	"0xffff000000934e00       40        1  1    2   R  0xffff0000009355c0  w\n"
	"CPU: 2 UID: 0 PID: 40 Comm: w Not tainted 6.12.117+ #6\n"
	"Call trace:\n"
	" dump_backtrace+0xa0/0xdc\n"
	" kgdb_breakpoint+0x8/0xc\n"
	" sysrq_handle_dbg+0x3c/0x70\n"
	" __handle_sysrq+0x9c/0x1b0\n";

static void test_btc(void **state)
{
	struct triage_cpu c[8];

	(void)state;
	assert_int_equal(triage_parse_btc(btc, c, 8), 3);
	assert_int_equal(c[0].cpu, 0);
	assert_int_equal(c[0].pid, 36);
	assert_string_equal(c[0].comm, "init");
	assert_string_equal(c[0].where, "lkdtm_HARDLOCKUP");
	assert_int_equal(c[1].cpu, 1);
	assert_string_equal(c[1].comm, "sh");
	assert_string_equal(c[1].where, "cpu_do_idle");
	/* No interrupt: the first frame that is not the debugger's. */
	assert_string_equal(c[2].where, "sysrq_handle_dbg");
	/* Bounded by the caller's array; nothing from text without blocks. */
	assert_int_equal(triage_parse_btc(btc, c, 1), 1);
	assert_int_equal(triage_parse_btc("Stack traceback for pid \n", c, 8), 0);
	assert_int_equal(triage_parse_btc("", c, 8), 0);
}

static void test_ps(void **state)
{
	static const char ps[] =
		"Task Addr               Pid   Parent [*] cpu State Thread             Command\n"
		"0xffff000000935b00       36        1  1    0   R  0xffff0000009362c0 *init\n"
		"\n"
		"0xffff000000996800       35        1  0    0   D  0xffff000000996fc0  init\n"
		"0xffff000000996800       41        2  0    1   D  0xffff000000996fc0  kworker/1:2\n"
		"0xffff000000996800       35        1  0    0   D  0xffff000000996fc0  init\n"
		"0xffff000000996800       50        1  0    0   S  0xffff000000996fc0  sh\n"
		"0xffff000000996800 garbage\n";
	struct triage_task t[8];

	(void)state;
	assert_int_equal(triage_parse_ps(ps, t, 8), 2);
	assert_int_equal(t[0].pid, 35);
	assert_string_equal(t[0].comm, "init");
	assert_int_equal(t[1].pid, 41);
	assert_string_equal(t[1].comm, "kworker/1:2");
	assert_int_equal(triage_parse_ps(ps, t, 1), 1);
}

static void test_gdb_sections(void **state)
{
	struct triage t = { 0 };

	(void)state;
	triage_parse_gdb("noise\n@@nmidbg triage\nwarning: x\n{\"cpus\": []}\n"
			 "CPU0: pid 1 (init)\n  #0  0x8 f at a.c:3\n"
			 "@@nmidbg lx-ps\n  1 init\n@@nmidbg lx-dmesg\n[0.1] hi\n"
			 "@@nmidbg end\n", &t);
	assert_string_equal(t.gdb_json, "{\"cpus\": []}");
	/* json+text: the text after the JSON line is the readable twin. */
	assert_string_equal(t.gdb_text, "CPU0: pid 1 (init)\n  #0  0x8 f at a.c:3\n");
	assert_string_equal(t.lx_ps, "  1 init\n");
	assert_string_equal(t.lx_dmesg, "[0.1] hi\n");
	triage_free(&t);
	memset(&t, 0, sizeof(t));
	/* gdb died early: what is missing stays NULL. */
	triage_parse_gdb("@@nmidbg triage\nRemote connection closed\n", &t);
	assert_null(t.gdb_json);
	assert_null(t.gdb_text);
	assert_null(t.lx_ps);
	assert_false(t.have_offset);
	triage_free(&t);
}

/* kaslr.py's line, first on gdb's output: the offset for the report. */
static void test_gdb_kaslr_line(void **state)
{
	static const struct {
		const char *out;
		int have;
		long long offset;
	} rows[] = {
		{ "nmidbg-kaslr: KASLR offset 0x2a00000 (thread 1's code); symbols loaded there\n"
		  "@@nmidbg connected\n", 1, 0x2a00000 },
		{ "warning: x\nnmidbg-kaslr: KASLR offset 0x0 (thread 2's code)\n", 1, 0 },
		{ "nmidbg-kaslr: KASLR offset -0x10000\n", 1, -0x10000 },
		{ "nmidbg-kaslr: KASLR offset 0x7fffffffffffffff\n", 0, 0 },	/* 16 digits: no */
		{ "nmidbg-kaslr: KASLR offset 0x\n", 0, 0 },
		{ "nmidbg-kaslr: KASLR offset 0x12g\n", 0, 0 },
		{ "nmidbg-kaslr: KASLR offset 1000\n", 0, 0 },
		{ "echo nmidbg-kaslr: KASLR offset 0x1000\n", 0, 0 },	/* not a line's start */
		{ "nmidbg-kaslr: the KASLR offset was not found\n", 0, 0 },
		{ "nmidbg-kaslr: KASLR offset ", 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct triage t = { 0 };

		triage_parse_gdb(rows[i].out, &t);
		assert_int_equal(t.have_offset, rows[i].have);
		if (rows[i].have)
			assert_true(t.kaslr_offset == rows[i].offset);
		triage_free(&t);
	}
}

/* Whatever kdb and gdb printed, the JSON report is valid JSON. */
static void test_json_report_stays_valid(void **state)
{
	/* Valid alone, 64 deep; in the report, where it goes in one deep, 65. */
	static char deep[6 + 63 + 63 + 2] = "{\"a\": ";
	static const char *const gdb_lines[] = {
		"{\"cpus\": [{\"cpu\": 0}]}",		/* fine: kept as it is */
		"{\"cpus\": [{\"cpu\": 0, \"where\": \"lkd",	/* cut off */
		"{\"comm\": \"\xff\xfe\"}",			/* raw bytes */
		deep,
	};
	struct triage t = { 0 };
	char dmesg[] = "[1.0] \xff\xc3( not UTF-8\n[1.1] \"quoted\" \\ \x01\n";

	(void)state;
	memset(deep + 6, '[', 63);
	memset(deep + 6 + 63, ']', 63);
	deep[6 + 63 + 63] = '}';
	assert_true(json_valid(deep, strlen(deep)));
	t.port = "tcp:\xe9";
	t.how = "knock";
	t.after = "running";
	t.dmesg = dmesg;
	for (size_t i = 0; i < sizeof(gdb_lines) / sizeof(gdb_lines[0]); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		assert_non_null(f);
		t.gdb_json = (char *)gdb_lines[i];
		triage_write_json(f, &t);
		fclose(f);
		if (!json_valid(buf, len))
			fail_msg("gdb line %zu: invalid JSON: %s", i, buf);
		/* The first is embedded as an object, the others as strings. */
		assert_non_null(strstr(buf, i ? "\"gdb\": \"{" : "\"gdb\": {\"cpus"));
		free(buf);
	}
}

/* A report writer's output, malloc'd. */
static char *render(void (*write)(FILE *, const struct triage *),
		    const struct triage *t, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	assert_non_null(f);
	write(f, t);
	fclose(f);
	return buf;
}

/* A report's frame: what every report has, and the vmlinux given. */
static void report_init(struct triage *t, const char *vmlinux, int match)
{
	memset(t, 0, sizeof(*t));
	t->port = "tcp:x";
	t->how = "knock";
	t->after = "running";
	t->vmlinux = vmlinux;
	t->vmlinux_match = match;
}

/* A vmlinux that is not the running kernel: not used, both banners. */
static void test_wrong_vmlinux(void **state)
{
	static struct triage t;
	size_t len;
	char *buf;

	(void)state;
	report_init(&t, "old/vmlinux", 0);
	strcpy(t.board_banner, "Linux version 6.12.117+ #8 \xff");
	strcpy(t.vmlinux_banner, "Linux version 6.12.117+ #7");
	buf = render(triage_write_json, &t, &len);
	assert_true(json_valid(buf, len));
	assert_non_null(strstr(buf, "\"vmlinux\": {\"path\": \"old/vmlinux\", \"running_kernel\": false, "
				    "\"board\": \"Linux version 6.12.117+ #8 \\u00ff\", "
				    "\"file\": \"Linux version 6.12.117+ #7\", \"kaslr_offset\": null, \"lines\": 0, "
				    "\"lines_route\": \"libdw\", \"lines_why\": null}"));
	free(buf);
	buf = render(triage_write_md, &t, &len);
	assert_non_null(strstr(buf, "Not used: old/vmlinux is not the running kernel"));
	assert_non_null(strstr(buf, "- vmlinux: Linux version 6.12.117+ #7\n"));
	free(buf);
}

/* Frames a resolver gave file:line: readable lines, data in JSON. */
static void test_frames_in_report(void **state)
{
	static struct triage t;
	size_t len;
	char *buf;

	(void)state;
	report_init(&t, "vmlinux", 1);
	t.btc = strdup(btc);
	t.ncpus = triage_parse_btc(t.btc, t.cpus, TRIAGE_MAX_CPUS);
	assert_int_equal(triage_parse_frames(&t), 0);
	assert_int_equal(t.cpus[0].nframes, 9);
	assert_string_equal(t.cpus[0].frames[7].func, "lkdtm_HARDLOCKUP");
	assert_true(t.cpus[0].frames[7].pc);
	snprintf(t.cpus[0].frames[7].file, sizeof(t.cpus[0].frames[7].file), "drivers/misc/lkdtm/bugs.c");
	t.cpus[0].frames[7].line = 286;
	snprintf(t.cpus[0].frames[7].inlined, sizeof(t.cpus[0].frames[7].inlined), "cpu_relax");
	snprintf(t.cpus[0].frames[7].inl_file, sizeof(t.cpus[0].frames[7].inl_file), "p\"h");
	t.cpus[0].frames[7].inl_line = 12;
	t.lines = 1;
	buf = render(triage_write_md, &t, &len);
	assert_non_null(strstr(buf, "| 0 | 36 | init | lkdtm_HARDLOCKUP | drivers/misc/lkdtm/bugs.c:286 |\n"));
	assert_non_null(strstr(buf, "\nlkdtm_HARDLOCKUP+0x8/0x14                    drivers/misc/lkdtm/bugs.c:286"
				    " (inlined cpu_relax at p\"h:12)\nlkdtm_do_action+0x1c/0x34\n"));
	assert_non_null(strstr(buf, "- file:line: 1 frames, from vmlinux's DWARF on the host (libdw)\n"));
	free(buf);
	buf = render(triage_write_json, &t, &len);
	assert_true(json_valid(buf, len));
	assert_non_null(strstr(buf, "{\"function\": \"lkdtm_HARDLOCKUP\", \"offset\": 8, \"size\": 20, "
				    "\"pc\": true, \"module\": null, \"file\": \"drivers/misc/lkdtm/bugs.c\", "
				    "\"line\": 286, \"inlined\": {\"function\": \"cpu_relax\", \"file\": "
				    "\"p\\\"h\", \"line\": 12}}, {\"function\": \"lkdtm_do_action\", "
				    "\"offset\": 28, \"size\": 52, \"pc\": false, \"module\": null, "
				    "\"file\": null, \"line\": null, \"inlined\": null}]"));
	free(buf);
	triage_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrong_vmlinux),
		cmocka_unit_test(test_frames_in_report),
		cmocka_unit_test(test_btc),
		cmocka_unit_test(test_ps),
		cmocka_unit_test(test_gdb_sections),
		cmocka_unit_test(test_gdb_kaslr_line),
		cmocka_unit_test(test_json_report_stays_valid),
	};

	return cmocka_run_group_tests_name("triage", tests, NULL, NULL);
}
