// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * kdb backtrace lines to frames (one case per row): names, offsets,
 * modules, which addresses are exact PCs, and the report line.
 */
#include <stdio.h>

#include "rows.h"

#include "frames.h"

/* want: "func+off/size[module]p" per frame, p = 'P' exact PC, 'r' return */
static const struct parse_row {
	const char *name, *in, *want;
} parse_rows[] = {
	{ "first is a PC, then return addresses",
	  "Call trace:\n dump_backtrace+0xa0/0xdc\n kdb_bt+0x26c/0x358\n",
	  "dump_backtrace+a0/dc[]P kdb_bt+26c/358[]r" },
	{ "the frame an exception interrupted is a PC",
	  " el1_interrupt+0x78/0x8c\n el1h_64_irq+0x6c/0x70\n lkdtm_HARDLOCKUP+0x8/0x14\n"
	  " lkdtm_do_action+0x1c/0x34\n",
	  "el1_interrupt+78/8c[]P el1h_64_irq+6c/70[]r lkdtm_HARDLOCKUP+8/14[]P lkdtm_do_action+1c/34[]r" },
	{ "a sync exception from user space too",
	  " a+0x1/0x2\n el0t_64_sync+0x190/0x194\n b+0x4/0x8\n",
	  "a+1/2[]P el0t_64_sync+190/194[]r b+4/8[]P" },
	{ "a handler is not the entry",
	  " a+0x1/0x2\n el1h_64_irq_handler+0x14/0x1c\n b+0x4/0x8\n",
	  "a+1/2[]P el1h_64_irq_handler+14/1c[]r b+4/8[]r" },
	{ "a line echoed right after itself counts once",
	  " a+0x1/0x2\n a+0x1/0x2\n b+0x4/0x8\n b+0x4/0x8\n a+0x1/0x2\n",
	  "a+1/2[]P b+4/8[]r a+1/2[]r" },
	{ "module and build id",
	  " fn+0x10/0x20 [lkdtm]\n g+0x1/0x2 [nmidbg_test 0123abcd]\n",
	  "fn+10/20[lkdtm]P g+1/2[nmidbg_test]r" },
	{ "CR LF line ends", " a+0x1/0x2\r\n b+0x3/0x4\r\n", "a+1/2[]P b+3/4[]r" },
	{ "no leading space is not a frame", "a+0x1/0x2\nCPU: 0 PID: 1\n", "" },
	{ "no offset", " a+/0x2\n a\n a+0x1\n a+0x1/\n a+0x/0x1\n", "" },
	{ "upper-case hex is not kdb's", " a+0xA/0x2\n", "" },
	{ "prose between frames is skipped",
	  " a+0x1/0x2\nStack traceback for pid 3\n b+0x3/0x4\n", "a+1/2[]P b+3/4[]r" },
	{ "a name longer than the record is skipped", " aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa+0x1/0x2\n", "" },
	{ "empty", "", "" },
};

static void test_parse_row(void **state)
{
	const struct parse_row *r = *state;
	struct frame f[8];
	char got[1024] = "", one[200];
	int n = frames_parse(r->in, strlen(r->in), f, 8);

	for (int i = 0; i < n; i++) {
		snprintf(one, sizeof(one), "%s%.79s+%lx/%lx[%.63s]%c", i ? " " : "", f[i].func,
			 f[i].off, f[i].size, f[i].module, f[i].pc ? 'P' : 'r');
		strncat(got, one, sizeof(got) - strlen(got) - 1);
	}
	assert_string_equal(got, r->want);
}

static void test_parse_stops_at_max(void **state)
{
	static const char in[] = " a+0x1/0x2\n b+0x1/0x2\n c+0x1/0x2\n";
	struct frame f[2];

	(void)state;
	assert_int_equal(frames_parse(in, sizeof(in) - 1, f, 2), 2);
	assert_string_equal(f[1].func, "b");
	/* len, not the NUL, ends the text */
	assert_int_equal(frames_parse(in, 11, f, 2), 1);
}

static void test_format(void **state)
{
	struct frame f = { .func = "lkdtm_HARDLOCKUP", .off = 8, .size = 0x14, .pc = 1 };
	char buf[300];

	(void)state;
	frames_format(&f, buf, sizeof(buf));
	assert_string_equal(buf, "lkdtm_HARDLOCKUP+0x8/0x14");
	snprintf(f.file, sizeof(f.file), "drivers/misc/lkdtm/bugs.c");
	f.line = 286;
	frames_format(&f, buf, sizeof(buf));
	assert_string_equal(buf, "lkdtm_HARDLOCKUP+0x8/0x14                    drivers/misc/lkdtm/bugs.c:286");
	snprintf(f.inlined, sizeof(f.inlined), "cpu_relax");
	snprintf(f.inl_file, sizeof(f.inl_file), "arch/arm64/include/asm/vdso/processor.h");
	f.inl_line = 12;
	snprintf(f.module, sizeof(f.module), "lkdtm");
	frames_format(&f, buf, sizeof(buf));
	assert_string_equal(buf, "lkdtm_HARDLOCKUP+0x8/0x14 [lkdtm]            drivers/misc/lkdtm/bugs.c:286"
			    " (inlined cpu_relax at arch/arm64/include/asm/vdso/processor.h:12)");
	/* A short buffer is cut, NUL-terminated. */
	frames_format(&f, buf, 10);
	assert_string_equal(buf, "lkdtm_HAR");
}

int main(void)
{
	struct CMUnitTest tests[ROWS_MAX];
	size_t n = ROWS_ADD(tests, 0, test_parse_row, parse_rows);

	n = ROWS_CASE(tests, n, test_parse_stops_at_max);
	n = ROWS_CASE(tests, n, test_format);
	return ROWS_RUN("frames", tests, n);
}
