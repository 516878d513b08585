// SPDX-License-Identifier: GPL-3.0-or-later
/* Table-driven tests of the GDB remote protocol codec (like kgdbts.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rsp.h"

/* Decode a byte string; render the events: "P:payload", "BAD", "+", "-", "^C", "." */
static void decode(const char *in, size_t len, char *out, size_t cap)
{
	static struct rsp_decoder d;
	size_t n = 0;

	out[0] = 0;
	rsp_decoder_init(&d);
	for (size_t i = 0; i < len; i++) {
		enum rsp_event ev = rsp_decoder_byte(&d, (uint8_t)in[i]);
		const char *tag = NULL;

		switch (ev) {
		case RSP_NONE:
			continue;
		case RSP_PACKET:
			n += snprintf(out + n, cap - n, "%sP:%.*s", n ? " " : "",
				      (int)rsp_payload_len(&d), rsp_payload(&d));
			continue;
		case RSP_BAD:
			tag = "BAD";
			break;
		case RSP_ACK:
			tag = "+";
			break;
		case RSP_NACK:
			tag = "-";
			break;
		case RSP_INTERRUPT:
			tag = "^C";
			break;
		case RSP_OTHER:
			tag = ".";
			break;
		}
		n += snprintf(out + n, cap - n, "%s%s", n ? " " : "", tag);
	}
}

static const struct {
	const char *name;
	const char *in;
	const char *events;
} cases[] = {
	{ "ok reply", "$OK#9a", "P:OK" },
	{ "stop reply", "$S05#b8", "P:S05" },
	{ "empty packet", "$#00", "P:" },
	{ "bad checksum", "$OK#00", "BAD" },
	{ "bad checksum digit", "$OK#9z", "BAD" },
	{ "acks and interrupt", "+-\x03", "+ - ^C" },
	{ "noise outside packets", "ab", ". ." },
	{ "escaped hash", "$}\x03#80", "P:#" },
	{ "escaped dollar and brace", "$}\x04}]#5b", "P:$}" },
	{ "run length: 0 and 3 more", "$0* #7a", "P:0000" },
	{ "run length: a and 5 more", "$a*\"#ad", "P:aaaaaa" },
	{ "a new $ abandons a packet", "$ab$OK#9a", "BAD P:OK" },
	{ "ack then packet then ack", "+$OK#9a+", "+ P:OK +" },
	{ "run length with nothing before", "$* #4a", "BAD" },
};

static void test_decode_table(void **state)
{
	char got[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		decode(cases[i].in, strlen(cases[i].in), got, sizeof(got));
		if (strcmp(got, cases[i].events))
			fail_msg("%s: got '%s', want '%s'", cases[i].name, got,
				 cases[i].events);
	}
}

static void test_overflow_is_bad(void **state)
{
	static char in[RSP_MAX_PAYLOAD + 16];
	char got[64];
	size_t n = 0;
	uint8_t sum = 0;

	(void)state;
	in[n++] = '$';
	for (int i = 0; i < RSP_MAX_PAYLOAD + 1; i++, n++) {
		in[n] = 'x';
		sum += 'x';
	}
	n += (size_t)snprintf(in + n, sizeof(in) - n, "#%02x", sum);
	decode(in, n, got, sizeof(got));
	assert_string_equal(got, "BAD");
}

/* Every byte value survives encode then decode, and the checksum is right. */
static void test_encode_round_trip(void **state)
{
	uint8_t payload[512], wire[1100];
	struct rsp_decoder *d = malloc(sizeof(*d));
	enum rsp_event ev = RSP_NONE;
	size_t n;

	(void)state;
	assert_non_null(d);
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	n = rsp_encode(payload, sizeof(payload), wire, sizeof(wire));
	assert_true(n > sizeof(payload));
	assert_int_equal(wire[0], '$');
	assert_int_equal(wire[n - 3], '#');
	rsp_decoder_init(d);
	for (size_t i = 0; i < n; i++)
		ev = rsp_decoder_byte(d, wire[i]);
	assert_int_equal(ev, RSP_PACKET);
	assert_int_equal(rsp_payload_len(d), sizeof(payload));
	assert_memory_equal(rsp_payload(d), payload, sizeof(payload));
	/* Too small a buffer is refused, not overrun. */
	assert_int_equal(rsp_encode(payload, sizeof(payload), wire, 100), 0);
	free(d);
}

static void test_hex(void **state)
{
	uint8_t out[4];

	(void)state;
	assert_int_equal(rsp_hex_decode((const uint8_t *)"00ff7Aa5", 8, out, 4), 4);
	assert_memory_equal(out, "\x00\xff\x7a\xa5", 4);
	assert_int_equal(rsp_hex_decode((const uint8_t *)"0g", 2, out, 4), -1);
	assert_int_equal(rsp_hex_decode((const uint8_t *)"abc", 3, out, 4), -1);
	assert_int_equal(rsp_hex_decode((const uint8_t *)"0011223344", 10, out, 4), -1);
	assert_int_equal(rsp_checksum((const uint8_t *)"OK", 2), 0x9a);
}

/* The S05 fix: which replies are rewritten, and to what. */
static const struct {
	const char *qc, *reply, *want;	/* want "": left as it is */
} stop_cases[] = {
	{ "QC1", "S05", "T05thread:1;" },
	{ "QC-3", "S05", "T05thread:-3;" },		/* CPU 1's idle task */
	{ "QCfffffffffffffffd", "S0b", "T0bthread:fffffffffffffffd;" },
	{ "QC1", "T05thread:2;", "" },			/* has a thread already */
	{ "QC1", "S5", "" },
	{ "QC1", "S0x", "" },
	{ "QC1", "OK", "" },
	{ "", "S05", "" },				/* no qC answer */
	{ "QC", "S05", "" },				/* malformed qC */
	{ "QC-", "S05", "" },
	{ "QCxyz", "S05", "" },
	{ "qC", "S05", "" },
};

static void test_fix_stop_reply(void **state)
{
	char id[24];
	uint8_t out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(stop_cases) / sizeof(stop_cases[0]); i++) {
		const char *qc = stop_cases[i].qc, *r = stop_cases[i].reply;
		size_t n;

		if (rsp_parse_qc((const uint8_t *)qc, strlen(qc), id, sizeof(id)))
			id[0] = '\0';
		n = rsp_fix_stop_reply((const uint8_t *)r, strlen(r), id, out,
				       sizeof(out));
		if (n != strlen(stop_cases[i].want) ||
		    memcmp(out, stop_cases[i].want, n))
			fail_msg("%s, %s: got '%.*s', want '%s'", qc, r, (int)n,
				 out, stop_cases[i].want);
	}
	/* An id too long for the caller's buffer is refused. */
	assert_int_equal(rsp_parse_qc((const uint8_t *)"QC123456", 8, id, 6), -1);
	assert_int_equal(rsp_fix_stop_reply((const uint8_t *)"S05", 3, "1", out, 8), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_table),
		cmocka_unit_test(test_overflow_is_bad),
		cmocka_unit_test(test_encode_round_trip),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_fix_stop_reply),
	};

	return cmocka_run_group_tests_name("rsp", tests, NULL, NULL);
}
