// SPDX-License-Identifier: GPL-3.0-or-later
/* Table-driven tests of the GDB remote protocol codec (like kgdbts.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rows.h"
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

static const struct decode_row {
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

static void test_decode_row(void **state)
{
	const struct decode_row *row = *state;
	char got[256];

	decode(row->in, strlen(row->in), got, sizeof(got));
	if (strcmp(got, row->events))
		fail_msg("got '%s', want '%s'", got, row->events);
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
static const struct stop_row {
	const char *name;
	const char *qc, *reply, *want;	/* want "": left as it is */
} stop_cases[] = {
	{ "S05 gets qC's thread", "QC1", "S05", "T05thread:1;" },
	{ "a CPU's idle task (negative id)", "QC-3", "S05", "T05thread:-3;" },
	{ "a long id, another signal", "QCfffffffffffffffd", "S0b",
	  "T0bthread:fffffffffffffffd;" },
	{ "has a thread already", "QC1", "T05thread:2;", "" },
	{ "one signal digit", "QC1", "S5", "" },
	{ "a signal digit that is not hex", "QC1", "S0x", "" },
	{ "not a stop reply", "QC1", "OK", "" },
	{ "no qC answer", "", "S05", "" },
	{ "qC answer without an id", "QC", "S05", "" },
	{ "qC answer with a bare minus", "QC-", "S05", "" },
	{ "qC answer that is not hex", "QCxyz", "S05", "" },
	{ "lower-case qC is not an answer", "qC", "S05", "" },
};

static void test_stop_row(void **state)
{
	const struct stop_row *row = *state;
	char id[24];
	uint8_t out[64];
	size_t n;

	if (rsp_parse_qc((const uint8_t *)row->qc, strlen(row->qc), id, sizeof(id)))
		id[0] = '\0';
	n = rsp_fix_stop_reply((const uint8_t *)row->reply, strlen(row->reply), id,
			       out, sizeof(out));
	if (n != strlen(row->want) || memcmp(out, row->want, n))
		fail_msg("got '%.*s', want '%s'", (int)n, out, row->want);
}

static void test_fix_stop_reply_bounds(void **state)
{
	char id[24];
	uint8_t out[64];

	(void)state;
	/* An id too long for the caller's buffer is refused. */
	assert_int_equal(rsp_parse_qc((const uint8_t *)"QC123456", 8, id, 6), -1);
	assert_int_equal(rsp_fix_stop_reply((const uint8_t *)"S05", 3, "1", out, 8), 0);
}

/* qSupported replies: want is "packet_size binary_upload rc". */
static const struct supported_row {
	const char *name;
	const char *reply;
	const char *want;
} supported_cases[] = {
	{ "kgdb with the series", "PacketSize=7fe;binary-upload+", "2046 1 0" },
	{ "kgdb without it: an empty reply", "", "0 0 0" },
	{ "order and unknown features do not matter",
	  "qXfer:features:read+;binary-upload+;swbreak+;PacketSize=4000", "16384 1 0" },
	{ "binary-upload- is not an offer", "PacketSize=7fe;binary-upload-", "2046 0 0" },
	{ "a feature that only begins like it", "binary-upload+x;PacketSize=7fe", "2046 0 0" },
	{ "empty items", ";;PacketSize=100;", "256 0 0" },
	{ "a size that is not hex", "PacketSize=zz;binary-upload+", "0 0 -1" },
	{ "an empty size", "PacketSize=;binary-upload+", "0 0 -1" },
	{ "a size too small to read with", "PacketSize=f", "0 0 -1" },
	{ "a size of more than 8 digits", "PacketSize=100000000", "0 0 -1" },
};

static void test_supported_row(void **state)
{
	const struct supported_row *row = *state;
	struct rsp_features f;
	char got[64];
	int rc;

	rc = rsp_parse_supported((const uint8_t *)row->reply, strlen(row->reply), &f);
	snprintf(got, sizeof(got), "%zu %d %d", f.packet_size, f.binary_upload, rc);
	assert_string_equal(got, row->want);
}

static void test_binary_decode(void **state)
{
	uint8_t out[4];

	(void)state;
	assert_int_equal(rsp_binary_decode((const uint8_t *)"b\0#*", 4, out, 4), 3);
	assert_memory_equal(out, "\0#*", 3);
	assert_int_equal(rsp_binary_decode((const uint8_t *)"b", 1, out, 4), 0);
	/* An error reply, nothing, or more than the caller asked for. */
	assert_int_equal(rsp_binary_decode((const uint8_t *)"E0e", 3, out, 4), -1);
	assert_int_equal(rsp_binary_decode((const uint8_t *)"", 0, out, 4), -1);
	assert_int_equal(rsp_binary_decode((const uint8_t *)"b12345", 6, out, 4), -1);
}

int main(void)
{
	struct CMUnitTest tests[ROWS_MAX];
	size_t n = ROWS_ADD(tests, 0, test_decode_row, cases);

	n = ROWS_ADD(tests, n, test_stop_row, stop_cases);
	n = ROWS_ADD(tests, n, test_supported_row, supported_cases);
	n = ROWS_CASE(tests, n, test_binary_decode);
	n = ROWS_CASE(tests, n, test_overflow_is_bad);
	n = ROWS_CASE(tests, n, test_encode_round_trip);
	n = ROWS_CASE(tests, n, test_hex);
	n = ROWS_CASE(tests, n, test_fix_stop_reply_bounds);
	return ROWS_RUN("rsp", tests, n);
}
