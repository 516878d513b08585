// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg doctor's parsers on real kdb output (from the test board), its
 * judgement on the kinds of board the e2e tests boot, and its JSON.  The
 * vmlinux reader (libelf) is test_vmlinux's.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "doctor.h"
#include "json.h"

/* What `dmesg | grep ...` printed on the ttyNMI board, CRs and all. */
static const char nmi_log[] =
	"<5>[    0.000000] Linux version 6.12.117+ (root@vm) #8 SMP Tue Dec  1 02:30:26 UTC 2026\r\n"
	"<6>[    0.000000] CPU features: detected: IRQ priority masking\r\n"
	"<5>[    0.000000] Kernel command line: console=ttyNMI0 kgdboc=ttyAMA0,115200 irqchip.gicv3_pseudo_nmi=1 nokaslr\r\n"
	"<6>[    0.000000] GICv3: 224 SPIs implemented\r\n"
	"<6>[    0.000000] GICv3: GICD_CTRL.DS=1, SCR_EL3.FIQ=0\r\n"
	"<6>[    0.000000] GICv3: Pseudo-NMIs enabled using forced ICC_PMR_EL1 synchronisation\r\n"
	"<6>[    0.568918] 9000000.pl011: ttyAMA0 at MMIO 0x9000000 (irq = 13, base_baud = 0) is a PL011 rev1\r\n"
	"<6>[    0.701905] printk: legacy console [ttyNMI0] enabled\r\n"
	"<6>[    0.749000] ttyNMI: receive on irq 13 is a pseudo-NMI: knock \"a\" and b\" and BREAK+g enter the debugger\r\n"
	"<6>[    0.750108] KGDB: Registered I/O driver kgdboc\r\n";

static const char btc_text[] =
	"btc: cpu status: Currently on cpu 0\n"
	"Available cpus: 0, 1(-), 2-3(D), 4-7(F)\n"
	"Stack traceback for pid 14\n"
	"CPU: 0 UID: 0 PID: 14 Comm: rcu_sched Not tainted 6.12.117+ #8\n"
	"Call trace:\n dump_backtrace+0xa0/0xdc\n"
	"Stack traceback for pid 1\n"
	"CPU: 1 UID: 0 PID: 1 Comm: init Not tainted 6.12.117+ #8\n"
	"CPU: 1 UID: 0 PID: 1 Comm: init Not tainted 6.12.117+ #8\n"
	"Call trace:\n cpu_do_idle+0x8/0xc\n"
	"WARNING: no task for cpu 2\n";

/* Fresh facts from one boot log text. */
static void from_log(struct doctor_facts *f, const char *text)
{
	doctor_facts_init(f);
	doctor_parse_log(f, text);
}

/* A healthy ttyNMI board, as cmd_doctor.c would have gathered it. */
static void healthy(struct doctor_facts *f)
{
	from_log(f, nmi_log);
	f->port = "telnet:127.0.0.1:5555";
	f->entered = 1;
	f->entry_how = "knock";
	f->entry_ms = 12;
	f->knock_sent = "$3#33";
	f->knock_known = 1;
	strcpy(f->knock, "$3#33");
	f->rx_budget = 1024;
	f->rx_dropped = 0;
	doctor_parse_btc(f, "Available cpus: 0-1\nStack traceback for pid 1\nCPU: 0 x\n"
			 "Stack traceback for pid 2\nCPU: 1 x\n");
	f->knock_try = (struct doctor_method){ DOCTOR_WORKS, 12, "$3#33" };
	f->break_try = (struct doctor_method){ DOCTOR_WORKS, 9, "BREAK g" };
}

static const struct doctor_check *find(const struct doctor_report *r, const char *id)
{
	for (int i = 0; i < r->nchecks; i++)
		if (!strcmp(r->checks[i].id, id))
			return &r->checks[i];
	fail_msg("no check %s", id);
	return NULL;
}

static void test_log(void **state)
{
	struct doctor_facts f;

	(void)state;
	from_log(&f, nmi_log);
	assert_string_equal(f.cmdline, "console=ttyNMI0 kgdboc=ttyAMA0,115200 irqchip.gicv3_pseudo_nmi=1 nokaslr");
	assert_true(strstr(f.pnmi, "forced ICC_PMR_EL1") != NULL);
	assert_int_equal(f.pnmi[0], '[');	/* the level prefix dropped */
	assert_true(strstr(f.gic, "224 SPIs") != NULL);
	assert_true(strstr(f.gic_ds, "GICD_CTRL.DS=1") != NULL);
	assert_int_equal(f.tty_mode, DOCTOR_TTY_NMI);
	assert_int_equal(f.tty_irq, 13);
	assert_true(f.tty_knock_known);
	assert_string_equal(f.tty_knock, "a\" and b");	/* up to the last quote */
	assert_true(strstr(f.uart, "is a PL011 rev1") != NULL);
	assert_true(strstr(f.kgdboc, "kgdboc") != NULL);
	assert_true(strstr(f.version, "Linux version 6.12.117+") == f.version);
	assert_string_equal(f.tty_console + strlen(f.tty_console) - 25, "console [ttyNMI0] enabled");

	/* The fallback and refusals; an empty quote (eaten by the mode tracker) is no knock. */
	from_log(&f, "ttyNMI: no pseudo-NMI for irq 27 (boot with ...)\n");
	assert_int_equal(f.tty_mode, DOCTOR_TTY_IRQ);
	assert_int_equal(f.tty_irq, 27);
	from_log(&f, "ttyNMI: receive on irq 5 is a pseudo-NMI: knock \"\" and BREAK+g\n"
			 "kgdboc: ttyNMI cannot serve ttyS0 (-16): kgdboc works without it\n");
	assert_int_equal(f.tty_mode, DOCTOR_TTY_NMI);
	assert_false(f.tty_knock_known);
	assert_true(strstr(f.kgdboc_err, "cannot serve") != NULL);
	from_log(&f, "ttyNMI: irq 9 of ttyS0 cannot be re-triggered: not attached");
	assert_int_equal(f.tty_mode, DOCTOR_TTY_REFUSED);
	from_log(&f, "<3>[    0.7] ttyNMI: cannot take receive from ttyS0: its driver does not declare an NMI-safe polled receive\n");
	assert_int_equal(f.tty_mode, DOCTOR_TTY_REFUSED);
	doctor_parse_log(&f, "");
	doctor_parse_log(&f, "\n\n<6>\n<");
}

static void test_param(void **state)
{
	static const char cl[] = "a=1 nmi-tty.knock=X \"q\" kgdboc=ttyS2,1500000 x=\"a b\" nmi_tty.knock= flag";
	char v[32];

	(void)state;
	assert_true(doctor_param(cl, "kgdboc", v, sizeof(v)));
	assert_string_equal(v, "ttyS2,1500000");
	assert_true(doctor_param(cl, "nmi_tty.knock", v, sizeof(v)));
	assert_string_equal(v, "");		/* the last one counts */
	assert_true(doctor_param(cl, "x", v, sizeof(v)));
	assert_string_equal(v, "a b");
	assert_true(doctor_param(cl, "flag", v, sizeof(v)));
	assert_string_equal(v, "");
	assert_false(doctor_param(cl, "kgdb", v, sizeof(v)));
	assert_false(doctor_param(cl, "irqchip.gicv3_pseudo_nmi", v, sizeof(v)));
	assert_true(doctor_param(cl, "a", v, 2));
	assert_string_equal(v, "1");
	assert_false(doctor_param("", "a", v, sizeof(v)));
}

static void test_md_mdr(void **state)
{
	uint8_t b[17];
	uint64_t addr, word;

	(void)state;
	assert_int_equal(doctor_parse_mdr("5859235a000000000000000000000000\n", b, sizeof(b)), 16);
	assert_memory_equal(b, "XY#Z\0", 5);
	assert_int_equal(doctor_parse_mdr("4c69\n", b, 1), 1);
	assert_int_equal(doctor_parse_mdr("diag: -19: Invalid address\n", b, sizeof(b)), -1);
	assert_int_equal(doctor_parse_mdr("4c6\n", b, sizeof(b)), -1);	/* half a byte */
	assert_int_equal(doctor_parse_mdr("", b, sizeof(b)), -1);
	assert_int_equal(doctor_parse_md("0xffff8000804cbbe0 00000400                ....\n", &addr, &word), 0);
	assert_true(addr == 0xffff8000804cbbe0ULL && word == 0x400);
	assert_int_equal(doctor_parse_md("0xffff80008052d1e0 0000000000000007   ...\n", &addr, &word), 0);
	assert_true(word == 7);
	assert_int_equal(doctor_parse_md("kdb_getarea: Bad address 0x0\n", &addr, &word), -1);
	assert_int_equal(doctor_parse_md("0x12345678901234567 00\n", &addr, &word), -1);
	assert_true(doctor_denied("diag: -1: Permission denied\n"));
	assert_false(doctor_denied("0x0 00\n"));
}

static void test_btc(void **state)
{
	struct doctor_facts f;

	(void)state;
	doctor_facts_init(&f);
	doctor_parse_btc(&f, btc_text);
	assert_string_equal(f.cpu_status, "Available cpus: 0, 1(-), 2-3(D), 4-7(F)");
	assert_int_equal(f.cpus_online, 4);
	assert_int_equal(f.cpus_unresponsive, 2);
	assert_int_equal(f.cpus_answered, 2);	/* CPU 1's doubled lines count once */
	assert_string_equal(f.cpus_list, "0 1");
}

static void test_judge_healthy(void **state)
{
	struct doctor_facts f;
	struct doctor_report r;

	(void)state;
	healthy(&f);
	doctor_judge(&f, &r);
	assert_true(r.yes);
	assert_string_equal(r.verdict, "a hard-locked board with every CPU masked can be entered: yes");
	for (int i = 0; i < r.nchecks; i++)
		assert_int_equal(r.checks[i].status,
				 strcmp(r.checks[i].id, "vmlinux") ? DOCTOR_OK : DOCTOR_SKIP);
	assert_true(strstr(find(&r, "pseudo_nmi")->summary, "forced") != NULL);
	assert_true(strstr(find(&r, "kgdboc")->summary, "ttyAMA0 at 115200 baud") != NULL);
	assert_true(strstr(find(&r, "roundup")->summary, "2 of 2") != NULL);
}

/* Each way a board falls short, and the reason the verdict gives. */
static void test_judge_no(void **state)
{
	struct doctor_facts f;
	struct doctor_report r;

	(void)state;
	healthy(&f);
	f.pnmi[0] = f.prio[0] = '\0';
	strcpy(f.cmdline, "console=ttyNMI0 kgdboc=ttyAMA0,115200");
	doctor_judge(&f, &r);
	assert_false(r.yes);
	assert_true(strstr(r.verdict, "no, because pseudo-NMI: off: the kernel command line lacks irqchip.gicv3_pseudo_nmi=1") != NULL);

	healthy(&f);
	f.pnmi[0] = '\0';
	strcpy(f.pnmi_off, "Pseudo-NMI disabled due to MediaTek Chromebook GICR save problem");
	doctor_judge(&f, &r);
	assert_true(strstr(find(&r, "pseudo_nmi")->summary, "broken-save-restore-fw") != NULL);

	healthy(&f);
	f.tty_mode = DOCTOR_TTY_NONE;
	strcpy(f.cmdline, "console=ttyAMA0 kgdboc=ttyAMA0 irqchip.gicv3_pseudo_nmi=1");
	doctor_judge(&f, &r);
	assert_true(strstr(r.verdict, "ttyNMI: not in use: the console is ttyAMA0") != NULL);
	assert_int_equal(find(&r, "kgdboc")->status, DOCTOR_WARN);

	healthy(&f);
	f.cpus_answered = 1;
	doctor_judge(&f, &r);
	assert_true(strstr(r.verdict, "NMI roundup: 1 of 2 CPUs answered") != NULL);

	/* Neither way in: only the transport is named; the rest is unknown. */
	healthy(&f);
	f.entered = 0;
	f.knock_try.result = DOCTOR_NO_ANSWER;
	f.break_try.result = DOCTOR_CANNOT;
	doctor_judge(&f, &r);
	assert_false(r.yes);
	assert_int_equal(find(&r, "ttynmi")->status, DOCTOR_UNKNOWN);
	assert_true(strstr(r.verdict, "because this transport:") != NULL);
	assert_null(strstr(r.verdict, "ttyNMI"));
}

static void test_judge_warnings(void **state)
{
	struct doctor_facts f;
	struct doctor_report r;

	(void)state;
	healthy(&f);
	f.knock[0] = '\0';
	f.knock_try.result = DOCTOR_NO_ANSWER;
	doctor_judge(&f, &r);
	assert_true(r.yes);	/* BREAK+g still enters from NMI */
	assert_int_equal(find(&r, "ttynmi")->status, DOCTOR_WARN);
	assert_true(strstr(find(&r, "transport")->summary, "knock off on the board") != NULL);

	healthy(&f);
	strcpy(f.knock, "XY#Z");
	doctor_judge(&f, &r);
	assert_true(strstr(find(&r, "ttynmi")->fix, "--knock 'XY#Z'") != NULL);

	healthy(&f);
	f.rx_dropped = 12;
	f.mem_denied = 1;
	doctor_judge(&f, &r);
	assert_true(r.yes);
	assert_int_equal(find(&r, "ttynmi")->status, DOCTOR_WARN);
	assert_int_equal(find(&r, "kdb")->status, DOCTOR_WARN);
}

/* Whatever the board printed, the JSON is valid and the text is written. */
static void test_json_valid(void **state)
{
	struct doctor_facts f;
	struct doctor_report r;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	healthy(&f);
	strcpy(f.tty, "ttyNMI: \"quoted\" \\ \x01\xff bytes");
	f.vm = DOCTOR_VM_MISMATCH;
	f.vmlinux = "v\"m";
	strcpy(f.vm_banner, "Linux version other");
	strcpy(f.run_banner, "Linux version \x80");
	doctor_judge(&f, &r);
	out = open_memstream(&buf, &len);
	doctor_write_json(out, &f, &r);
	fclose(out);
	assert_true(json_valid(buf, len));
	assert_non_null(strstr(buf, "\"id\": \"vmlinux\", \"title\": \"symbols\", \"status\": \"fail\""));
	free(buf);
	out = open_memstream(&buf, &len);
	doctor_write_text(out, &f, &r);
	fclose(out);
	assert_non_null(strstr(buf, "[FAIL] symbols: v\"m is not the running kernel"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log),
		cmocka_unit_test(test_param),
		cmocka_unit_test(test_md_mdr),
		cmocka_unit_test(test_btc),
		cmocka_unit_test(test_judge_healthy),
		cmocka_unit_test(test_judge_no),
		cmocka_unit_test(test_judge_warnings),
		cmocka_unit_test(test_json_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
