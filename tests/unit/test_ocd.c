// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * OpenOCD's text (ocd.c): the `targets` table, the error lines of its log
 * and --openocd ARGS split like a shell; and the CPU table from gdb's
 * triage text (gdbcpus.c).  One case per row.
 */
#include <string.h>

#include "gdbcpus.h"
#include "ocd.h"
#include "rows.h"

#define HEADER "    TargetName         Type       Endian TapName            State       \n" \
	       "--  ------------------ ---------- ------ ------------------ ------------\n"

static const struct targets_row {
	const char *name;
	const char *in;
	int n;
	struct { int index, current; const char *name, *type, *tap, *state; } t[3];
} targets[] = {
	{ "one mem_ap (OpenOCD 0.12)", HEADER
	  " 0* model.ap           mem_ap     little model.cpu          halted\n", 1,
	  { { 0, 1, "model.ap", "mem_ap", "model.cpu", "halted" } } },
	{ "rk3399: six cores, one current", HEADER
	  " 0  rk3399.a53.0       aarch64    little rk3399.cpu         running\n"
	  " 1* rk3399.a53.1       aarch64    little rk3399.cpu         halted\n"
	  " 2  rk3399.a72.0       aarch64    little rk3399.cpu         examine deferred\n", 3,
	  { { 0, 0, "rk3399.a53.0", "aarch64", "rk3399.cpu", "running" },
	    { 1, 1, "rk3399.a53.1", "aarch64", "rk3399.cpu", "halted" },
	    { 2, 0, "rk3399.a72.0", "aarch64", "rk3399.cpu", "examine deferred" } } },
	{ "no rule: no rows", " 0* model.ap mem_ap little model.cpu halted\n", 0, { { 0 } } },
	{ "CRLF and trailing blanks", HEADER " 0* a mem_ap little t running  \r\n", 1,
	  { { 0, 1, "a", "mem_ap", "t", "running" } } },
	{ "short row skipped", HEADER " 0* a mem_ap little\n 1 b mem_ap little t reset\n", 1,
	  { { 1, 0, "b", "mem_ap", "t", "reset" } } },
	{ "index with junk skipped", HEADER " 0x a b c d e\n", 0, { { 0 } } },
	{ "long name cut, not overrun", HEADER " 0 "
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  " t little tap halted", 1,
	  { { 0, 0, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "t", "tap", "halted" } } },
	{ "empty", "", 0, { { 0 } } },
};

static void test_targets_row(void **state)
{
	const struct targets_row *row = *state;
	struct ocd_target t[OCD_MAX_TARGETS];
	int n = ocd_parse_targets(row->in, t, OCD_MAX_TARGETS);

	assert_int_equal(n, row->n);
	for (int i = 0; i < n; i++) {
		assert_int_equal(t[i].index, row->t[i].index);
		assert_int_equal(t[i].current, row->t[i].current);
		assert_string_equal(t[i].name, row->t[i].name);
		assert_string_equal(t[i].type, row->t[i].type);
		assert_string_equal(t[i].tap, row->t[i].tap);
		assert_string_equal(t[i].state, row->t[i].state);
	}
}

static void test_linux_cores(void **state)
{
	/* i.MX 8M's config: four A53s, an M4 with its own firmware, the AHB. */
	struct ocd_target imx[6] = {
		{ .name = "imx8mq.a53.0", .type = "aarch64" },
		{ .name = "imx8mq.a53.1", .type = "aarch64" },
		{ .name = "imx8mq.a53.2", .type = "aarch64" },
		{ .name = "imx8mq.a53.3", .type = "aarch64" },
		{ .name = "imx8mq.m4", .type = "cortex_m" },
		{ .name = "imx8mq.ahb", .type = "mem_ap" },
	};
	struct ocd_target model[2] = {
		{ .name = "model.ap", .type = "mem_ap" },
		{ .name = "model.m4", .type = "cortex_m" },
	};
	unsigned char sel[6];

	(void)state;
	assert_int_equal(ocd_linux_cores(imx, 6, sel), 4);
	assert_memory_equal(sel, ((unsigned char[]){ 1, 1, 1, 1, 0, 0 }), 6);
	/* No core of a Linux type: every target is one to halt. */
	assert_int_equal(ocd_linux_cores(model, 2, sel), 2);
	assert_memory_equal(sel, ((unsigned char[]){ 1, 1 }), 2);
	assert_int_equal(ocd_linux_cores(model, 0, sel), 0);
}

static const struct log_row {
	const char *name;
	const char *in;
	enum ocd_log kind;
	const char *why;
} logs[] = {
	{ "clean", "Info : Listening on port 4444 for tcl connections\n", OCD_LOG_NONE, "" },
	{ "adapter not built in",
	  "Error: The specified debug interface was not found (bcm2835gpio)\n"
	  "The following debug adapters are available:\n1: parport\n",
	  OCD_LOG_ADAPTER, "The specified debug interface was not found (bcm2835gpio)" },
	{ "no J-Link", "Warn : An adapter speed is not selected\nError: No J-Link device found\n",
	  OCD_LOG_NO_PROBE, "No J-Link device found" },
	{ "no CMSIS-DAP", "Error: unable to find a matching CMSIS-DAP device\n",
	  OCD_LOG_NO_PROBE, "unable to find a matching CMSIS-DAP device" },
	{ "remote_bitbang refused",
	  "Info : Connecting to 127.0.0.1:1\nError: Error on socket 'Failed to connect': errno==9\n",
	  OCD_LOG_NO_PROBE, "Error on socket 'Failed to connect': errno==9" },
	{ "empty chain",
	  "Error: JTAG scan chain interrogation failed: all ones\nError: Check JTAG interface\n",
	  OCD_LOG_NO_CHAIN, "JTAG scan chain interrogation failed: all ones" },
	{ "port taken",
	  "Error: couldn't bind tcl to socket on port 6666: Address already in use\n",
	  OCD_LOG_IN_USE, "couldn't bind tcl to socket on port 6666: Address already in use" },
	{ "config missing beats probe words",
	  "Error: Can't find interface/nosuch.cfg\n", OCD_LOG_CONFIG, "Can't find interface/nosuch.cfg" },
	{ "a known failure after another error",
	  "Error: something odd\nError: No J-Link device found\n", OCD_LOG_NO_PROBE,
	  "No J-Link device found" },
	{ "unknown error kept", "Error: something odd\r\n", OCD_LOG_OTHER, "something odd" },
	{ "Error inside a line is not an error line", "Info : no Error: here\n", OCD_LOG_NONE, "" },
};

static void test_log_row(void **state)
{
	const struct log_row *row = *state;
	char why[240];

	assert_int_equal(ocd_classify_log(row->in, why, sizeof(why)), row->kind);
	assert_string_equal(why, row->why);
}

static const struct split_row {
	const char *name;
	const char *in;
	int n;
	const char *out[4];
} splits[] = {
	{ "words", "-f interface/jlink.cfg -f target/rk3399.cfg", 4,
	  { "-f", "interface/jlink.cfg", "-f", "target/rk3399.cfg" } },
	{ "single quotes keep blanks", "-c 'adapter speed 1000'", 2, { "-c", "adapter speed 1000" } },
	{ "double quotes and escapes", "-c \"set x \\\"a b\\\"\" z\\ y", 3,
	  { "-c", "set x \"a b\"", "z y" } },
	{ "Tcl brackets are just text", "-c 'echo [gdb_port]'", 2, { "-c", "echo [gdb_port]" } },
	{ "empty quoted word", "'' x", 2, { "", "x" } },
	{ "blank only", "  \t ", 0, { NULL } },
	{ "unbalanced", "-c 'x", -1, { NULL } },
	{ "trailing backslash", "x\\", -1, { NULL } },
};

static void test_split_row(void **state)
{
	const struct split_row *row = *state;
	char buf[128], *argv[OCD_MAX_ARGS];
	int n = ocd_split_args(row->in, buf, sizeof(buf), argv, OCD_MAX_ARGS);

	assert_int_equal(n, row->n);
	for (int i = 0; i < n; i++)
		assert_string_equal(argv[i], row->out[i]);
}

static void test_split_limits(void **state)
{
	char buf[8], *argv[2];

	(void)state;
	assert_int_equal(ocd_split_args("a b c", buf, sizeof(buf), argv, 2), -1);
	assert_int_equal(ocd_split_args("abcdefgh", buf, sizeof(buf), argv, 2), -1);
	assert_int_equal(ocd_split_args("abc defg", buf, sizeof(buf), argv, 2), -1);
	assert_int_equal(ocd_split_args("abc def", buf, sizeof(buf), argv, 2), 2);
}

/* What nmidbg-triage json+text prints after its JSON line. */
static const char gdb_text[] =
	"Linux version 6.12.0 (x@y) #1 SMP\n"
	"\n"
	"CPU0: pid 61 (sh)\n"
	"  #0  0xffff800080a1c2d4 cpu_relax at ./arch/arm64/include/asm/vdso/processor.h:11\n"
	"  #1  0xffff800080a1c2d4 lkdtm_HARDLOCKUP at drivers/misc/lkdtm/bugs.c:314\n"
	"  #2  0xffff800080a1b000 lkdtm_do_action at drivers/misc/lkdtm/core.c:184\n"
	"CPU1: pid None (None)\n"
	"  #0  0xffff800080010000 cpu_relax\n"
	"CPU2: pid 0 (swapper/2)\n"
	"  #0  0xffff800080a0c000 default_idle_call at kernel/sched/idle.c:117\n"
	"\n"
	"D-state tasks: 0\n"
	"CPU9: pid 9 (unterminated";

static void test_gdbcpus(void **state)
{
	struct triage_cpu c[TRIAGE_MAX_CPUS];
	int n = gdbcpus_parse(gdb_text, c, TRIAGE_MAX_CPUS);

	(void)state;
	assert_int_equal(n, 3);
	assert_int_equal(c[0].cpu, 0);
	assert_int_equal(c[0].pid, 61);
	assert_string_equal(c[0].comm, "sh");
	assert_true(c[0].stopped);
	/* The spin helper inlined into the lockup is not the news. */
	assert_string_equal(c[0].where, "lkdtm_HARDLOCKUP");
	assert_true(c[0].trace == strstr(gdb_text, "  #0  0xffff800080a1c2d4 cpu_relax"));
	assert_int_equal(c[0].trace_len, strstr(gdb_text, "CPU1:") - c[0].trace);
	/* Only a spin helper: that is where it is. */
	assert_int_equal(c[1].pid, -1);
	assert_string_equal(c[1].comm, "");
	assert_string_equal(c[1].where, "cpu_relax");
	assert_string_equal(c[2].comm, "swapper/2");
	assert_string_equal(c[2].where, "default_idle_call");
	assert_int_equal(c[2].trace + c[2].trace_len - gdb_text,
			 strstr(gdb_text, "\nD-state") + 1 - gdb_text - 1);
	assert_int_equal(gdbcpus_parse(gdb_text, c, 2), 2);
	assert_int_equal(gdbcpus_parse("", c, 2), 0);
}

static const struct version_row {
	const char *name;
	const char *in;
	const char *out;	/* NULL: none */
} versions[] = {
	{ "lx-version's banner", "{\"version\": \"Linux version 6.12.0 (a@b) #1 SMP\\n\", \"cpus\": []}",
	  "Linux version 6.12.0 (a@b) #1 SMP" },
	{ "escapes", "{\"version\": \"a \\\"q\\\" \\\\ \\u00e9 b\"}", "a \"q\" \\ ? b" },
	{ "trailing blanks dropped", "{\"version\": \"v1  \"}", "v1" },
	{ "a raw line end ends it (found by fuzz_ocd)", "{\"version\": \"v1\nv2\"}", "v1" },
	{ "no version", "{\"cpus\": []}", NULL },
	{ "cut off", "{\"version\": \"Linux", NULL },
	{ "cut off in an escape", "{\"version\": \"Linux\\", NULL },
};

static void test_version_row(void **state)
{
	const struct version_row *row = *state;
	char buf[64];

	assert_int_equal(gdbcpus_version(row->in, buf, sizeof(buf)), row->out ? 0 : -1);
	if (row->out)
		assert_string_equal(buf, row->out);
}

int main(void)
{
	struct CMUnitTest tests[ROWS_MAX];
	size_t n = ROWS_ADD(tests, 0, test_targets_row, targets);

	n = ROWS_ADD(tests, n, test_log_row, logs);
	n = ROWS_ADD(tests, n, test_split_row, splits);
	n = ROWS_ADD(tests, n, test_version_row, versions);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_split_limits);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_linux_cores);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_gdbcpus);
	return ROWS_RUN("ocd", tests, n);
}
