// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The fleet's pure half: a ports file parsed (each bad line named), every
 * board named and the list refused when two boards would share a line or
 * a name, the CPUs grouped by where they spin, and the summary: Markdown
 * whose cells cannot be broken by the board's text, JSON that the
 * project's validator accepts whatever the results hold.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "fleet.h"
#include "json.h"
#include "rows.h"

struct ports_row {
	const char *name;
	const char *text;
	const char *boards;	/* "port=name;..." after fleet_name_all(), or NULL */
	const char *err;	/* what err says, when it fails */
	size_t len;		/* text's bytes; 0: up to its NUL */
};

static const struct ports_row ports_rows[] = {
	{ "names given and derived",
	  "# the lab's row 3\n"
	  "rfc2217://lab:3001 rk3399-a\n"
	  "\n"
	  "   telnet:127.0.0.1:5555\t# QEMU\n"
	  "/dev/serial/by-id/usb-FTDI_A1-if00-port0,1500000\n"
	  "tcp:[::1]:7000 #no name\r\n",
	  "rfc2217://lab:3001=rk3399-a;telnet:127.0.0.1:5555=telnet-127.0.0.1-5555;"
	  "/dev/serial/by-id/usb-FTDI_A1-if00-port0,1500000=usb-FTDI_A1-if00-port0-1500000;"
	  "tcp:[::1]:7000=tcp-1-7000", NULL, 0 },
	{ "a derived name gives way to a given one",
	  "/dev/a/ttyS0\n/dev/b/ttyS0\n/dev/c/ttyUSB0 ttyS0\n/dev/d/ttyS0\n",
	  "/dev/a/ttyS0=ttyS0-2;/dev/b/ttyS0=ttyS0-3;/dev/c/ttyUSB0=ttyS0;/dev/d/ttyS0=ttyS0-4",
	  NULL, 0 },
	{ "'#' inside a field is the field's", "unix:/tmp/a#b x.y\n", "unix:/tmp/a#b=x.y", NULL, 0 },
	{ "the summary's name is not a board's", "summary\n", "summary=board", NULL, 0 },
	{ "no newline at the end", "tcp:h:1", "tcp:h:1=tcp-h-1", NULL, 0 },
	{ "three fields", "tcp:h:1\ntcp:h:2 b extra\n", NULL,
	  "line 2: 'extra' after the PORT and NAME", 0 },
	{ "a name with a slash", "tcp:h:1 ../etc\n", NULL, "line 1: '../etc' is not a board name", 0 },
	{ "a name that is the summary's", "tcp:h:1 summary\n", NULL, "line 1: 'summary' is not", 0 },
	{ "a name like an option", "tcp:h:1 -x\n", NULL, "line 1: '-x' is not a board name", 0 },
	{ "a port twice", "tcp:h:1 a\ntcp:h:2 b\ntcp:h:1 c\n", NULL,
	  "'tcp:h:1' is given twice (line 1 and line 3)", 0 },
	{ "a name twice", "tcp:h:1 a\ntcp:h:2 a\n", NULL, "the name 'a' is given twice (lines 1 and 2)", 0 },
	{ "a NUL byte", "tcp:h:1\ntcp:h\0:2\n", NULL, "line 2: a NUL byte",
	  sizeof("tcp:h:1\ntcp:h\0:2\n") - 1 },
};

static size_t row_len(const struct ports_row *r)
{
	return r->len ? r->len : strlen(r->text);
}

static void test_ports(void **state)
{
	const struct ports_row *r = *state;
	struct fleet f;
	char err[600] = "", got[2048] = "";
	size_t n = 0;
	int rc;

	fleet_init(&f, "triage");
	rc = fleet_parse_ports(&f, r->text, row_len(r), err, sizeof(err));
	if (!rc)
		rc = fleet_name_all(&f, err, sizeof(err));
	if (r->err) {
		assert_int_equal(rc, -1);
		if (!strstr(err, r->err))
			fail_msg("err '%s' lacks '%s'", err, r->err);
	} else {
		assert_int_equal(rc, 0);
		for (int i = 0; i < f.n; i++)
			n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s=%s", i ? ";" : "",
					      f.boards[i].port, f.boards[i].name);
		assert_string_equal(got, r->boards);
		for (int i = 0; i < f.n; i++)
			assert_true(fleet_name_ok(f.boards[i].name));
	}
	fleet_free(&f);
}

/* Names made unique past any clash, however many boards share one. */
static void test_many_alike(void **state)
{
	struct fleet f;
	char err[300], port[32];

	(void)state;
	fleet_init(&f, "triage");
	for (int i = 0; i < 300; i++) {
		snprintf(port, sizeof(port), "/dev/x%d/ttyS0", i);
		assert_int_equal(fleet_add(&f, port, NULL, 0, err, sizeof(err)), 0);
	}
	assert_int_equal(fleet_name_all(&f, err, sizeof(err)), 0);
	assert_string_equal(f.boards[299].name, "ttyS0-300");
	for (int i = 0; i < f.n; i++)
		for (int j = 0; j < i; j++)
			assert_string_not_equal(f.boards[i].name, f.boards[j].name);
	fleet_free(&f);
}

static void cpu(struct fleet_result *r, int n, int stopped, const char *where)
{
	struct fleet_cpu *c = &r->cpus[r->ncpus++];

	c->cpu = n;
	c->stopped = stopped;
	snprintf(c->where, sizeof(c->where), "%s", where);
	r->nstopped += stopped;
}

static void test_where_groups_cpus(void **state)
{
	struct fleet_result r = { .ncpus = 0 };
	char buf[256];

	(void)state;
	cpu(&r, 0, 1, "lkdtm_HARDLOCKUP");
	cpu(&r, 1, 1, "lkdtm_HARDLOCKUP");
	cpu(&r, 2, 1, "cpu_do_idle");
	cpu(&r, 3, 1, "lkdtm_HARDLOCKUP");
	cpu(&r, 4, 0, "(did not stop: no answer to the debugger's roundup)");
	cpu(&r, 5, 1, "lkdtm_HARDLOCKUP");
	cpu(&r, 6, 1, "lkdtm_HARDLOCKUP");
	cpu(&r, 7, 1, "");
	fleet_where(&r, buf, sizeof(buf));
	assert_string_equal(buf, "lkdtm_HARDLOCKUP: 0-1, 3, 5-6; cpu_do_idle: 2; "
			    "(did not stop: no answer to the debugger's roundup): 4; (unknown): 7");
	fleet_where(&r, buf, 20);	/* cut, not overrun */
	assert_int_equal(strlen(buf), 19);
}

/* A fleet of four: triaged, partial, one that never answered, one not run. */
static struct fleet_result res[4];

static void four(struct fleet *f)
{
	char err[300];
	static const char *const ports[] = { "tcp:h:1", "tcp:h:2|x", "tcp:h:3", "tcp:h:4" };

	fleet_init(f, "triage");
	f->dir = "out";
	snprintf(f->time, sizeof(f->time), "2026-12-07T10:00:00Z");
	f->jobs = 3;
	f->ms = 4321;
	f->exit = 17;
	for (int i = 0; i < 4; i++)
		assert_int_equal(fleet_add(f, ports[i], NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(fleet_name_all(f, err, sizeof(err)), 0);
	memset(res, 0, sizeof(res));
	for (int i = 0; i < 3; i++) {
		f->boards[i].state = FLEET_DONE;
		f->boards[i].res = &res[i];
		res[i].filled = 1;
		res[i].yes = -1;
		f->boards[i].ms = 1000 + i;
	}
	res[0].reported = 1;
	snprintf(res[0].how, sizeof(res[0].how), "knock");
	snprintf(res[0].after, sizeof(res[0].after), "running");
	cpu(&res[0], 0, 1, "lkdtm_HARDLOCKUP");
	cpu(&res[0], 1, 1, "lkdtm_HARDLOCKUP");
	res[1].reported = 1;
	res[1].partial = 1;
	snprintf(res[1].partial_why, sizeof(res[1].partial_why), "CPU 1 did not stop");
	cpu(&res[1], 0, 1, "a|b\nc");	/* the board's text: no table broken */
	cpu(&res[1], 1, 0, "(did not stop: no answer to the debugger's roundup)");
	f->boards[1].exit = 7;
	snprintf(res[2].error, sizeof(res[2].error), "break-in: no answer \xff \"quoted\"");
	f->boards[2].exit = 1;
}

/* noinline: inlined, gcc takes the result for a pointer to the local it was read into. */
__attribute__((noinline))
static char *written(void (*fn)(FILE *, const struct fleet *), const struct fleet *f,
		     size_t *len)
{
	char *buf = NULL;
	FILE *out = open_memstream(&buf, len);

	assert_non_null(out);
	fn(out, f);
	fclose(out);
	return buf;
}

static void test_verdicts(void **state)
{
	struct fleet f;

	(void)state;
	four(&f);
	assert_string_equal(fleet_verdict(&f, &f.boards[0]), "triaged");
	assert_string_equal(fleet_verdict(&f, &f.boards[1]), "partial");
	assert_string_equal(fleet_verdict(&f, &f.boards[2]), "failed");
	assert_string_equal(fleet_verdict(&f, &f.boards[3]), "not run");
	f.command = "doctor";
	res[0].yes = 1;
	res[1].yes = 0;
	assert_string_equal(fleet_verdict(&f, &f.boards[0]), "yes");
	assert_string_equal(fleet_verdict(&f, &f.boards[1]), "no");
	assert_string_equal(fleet_verdict(&f, &f.boards[2]), "failed");
	fleet_free(&f);
}

static void test_markdown(void **state)
{
	struct fleet f;
	size_t len;
	char *md;

	(void)state;
	four(&f);
	f.partial = 1;
	snprintf(f.partial_why, sizeof(f.partial_why), "cut short by SIGTERM");
	md = written(fleet_write_md, &f, &len);
	assert_non_null(strstr(md, "# nmidbg triage: 4 boards\n"));
	assert_non_null(strstr(md, ": 1 triaged, 1 partial, 1 failed, 1 not run. Exit status 17."));
	assert_non_null(strstr(md, "**Partial summary**: cut short by SIGTERM\n"));
	assert_non_null(strstr(md, "| tcp-h-1 | tcp:h:1 | triaged | no | 2/2 | lkdtm_HARDLOCKUP: 0-1 "
			       "| 1.0 s | 0 | [tcp-h-1.md](tcp-h-1.md), [tcp-h-1.json](tcp-h-1.json), "
			       "[log](tcp-h-1.log) |\n"));
	assert_non_null(strstr(md, "| tcp-h-2-x | tcp:h:2\\|x | partial | yes | 1/2 | a\\|b c: 0; "));
	assert_non_null(strstr(md, "| tcp-h-3 | tcp:h:3 | failed | - | - | - | 1.0 s | 1 | "
			       "[log](tcp-h-3.log) |\n"));
	assert_non_null(strstr(md, "| tcp-h-4 | tcp:h:4 | not run | - | - | - | - | - |  |\n"));
	assert_non_null(strstr(md, "- **tcp-h-2-x**: CPU 1 did not stop\n"));
	/* Every row of the table has the header's nine columns. */
	for (char *p = strstr(md, "| board"); p && *p == '|'; p = strchr(p, '\n') + 1) {
		int bars = 0;

		for (char *q = p; *q != '\n'; q++)
			bars += *q == '|' && q[-1] != '\\';
		assert_int_equal(bars, 10);
	}
	free(md);
	fleet_free(&f);
}

static void test_json(void **state)
{
	struct fleet f;
	size_t len;
	char *js;

	(void)state;
	four(&f);
	js = written(fleet_write_json, &f, &len);
	assert_true(json_valid(js, len));
	assert_non_null(strstr(js, "{\"schema\": \"nmidbg-fleet\", \"schema_version\": 1, "
			       "\"command\": \"triage\", \"time\": \"2026-12-07T10:00:00Z\", "
			       "\"dir\": \"out\", \"jobs\": 3, \"ms\": 4321, \"exit\": 17, "
			       "\"partial\": false, \"partial_why\": null, \"counts\": {\"triaged\": 1, "
			       "\"partial\": 1, \"failed\": 1, \"not run\": 1}, \"boards\": ["));
	assert_non_null(strstr(js, "\n  {\"board\": \"tcp-h-1\", \"port\": \"tcp:h:1\", "
			       "\"verdict\": \"triaged\", \"partial\": false, \"partial_why\": null, "
			       "\"cpus\": 2, \"cpus_stopped\": 2, \"where\": [{\"cpu\": 0, \"stopped\": "
			       "true, \"where\": \"lkdtm_HARDLOCKUP\"}, {\"cpu\": 1, \"stopped\": true, "
			       "\"where\": \"lkdtm_HARDLOCKUP\"}], \"doctor\": null, \"entry\": \"knock\", "
			       "\"after\": \"running\", \"started_ms\": 0, \"ms\": 1000, \"exit\": 0, "
			       "\"error\": null, \"reports\": {\"md\": \"out/tcp-h-1.md\", \"json\": "
			       "\"out/tcp-h-1.json\", \"log\": \"out/tcp-h-1.log\"}}"));
	assert_non_null(strstr(js, "\"verdict\": \"failed\", \"partial\": null, "));
	assert_non_null(strstr(js, "\"error\": \"break-in: no answer \\u00ff \\\"quoted\\\"\", "
			       "\"reports\": {\"md\": null, \"json\": null, \"log\": \"out/tcp-h-3.log\"}}"));
	assert_non_null(strstr(js, "{\"board\": \"tcp-h-4\", \"port\": \"tcp:h:4\", \"verdict\": "
			       "\"not run\", \"partial\": null, \"partial_why\": null, \"cpus\": null, "
			       "\"cpus_stopped\": null, \"where\": [], \"doctor\": null, \"entry\": null, "
			       "\"after\": null, \"started_ms\": null, \"ms\": null, \"exit\": null, "
			       "\"error\": null, \"reports\": {\"md\": null, \"json\": null, \"log\": null}}"));
	free(js);
	fleet_free(&f);
}

/* Whatever a child left in its slot (any bytes, strings full), the JSON stays valid. */
static void test_json_any_result(void **state)
{
	struct fleet f;
	size_t len;
	char *js;

	(void)state;
	four(&f);
	for (int i = 0; i < 3; i++) {
		memset(res[i].error, 0x80 + i, sizeof(res[i].error) - 1);
		memset(res[i].partial_why, '"', sizeof(res[i].partial_why) - 1);
		res[i].ncpus = FLEET_MAX_CPUS;
		for (int c = 0; c < FLEET_MAX_CPUS; c++)
			memset(res[i].cpus[c].where, '\\', sizeof(res[i].cpus[c].where) - 1);
	}
	f.command = "doctor";
	f.json_reports = 1;
	res[0].yes = 1;
	memset(res[0].doctor_verdict, '\n', sizeof(res[0].doctor_verdict) - 1);
	js = written(fleet_write_json, &f, &len);
	assert_true(json_valid(js, len));
	assert_non_null(strstr(js, "\"reports\": {\"json\": \"out/tcp-h-1.json\", \"log\": "));
	free(js);
	js = written(fleet_write_md, &f, &len);
	assert_null(memchr(js, '\0', len));
	free(js);
	fleet_free(&f);
}

int main(void)
{
	struct CMUnitTest tests[ROWS_MAX];
	size_t n = ROWS_ADD(tests, 0, test_ports, ports_rows);
	const struct CMUnitTest more[] = {
		cmocka_unit_test(test_many_alike),
		cmocka_unit_test(test_where_groups_cpus),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_any_result),
	};

	for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		tests[n++] = more[i];
	return _cmocka_run_group_tests("fleet", tests, n, NULL, NULL);
}
