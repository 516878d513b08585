// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg dump PORT ADDR LEN -o FILE [--stay]
 *
 * Read kernel memory through kgdb, as fast as the line allows: the
 * largest read kgdb takes (its 2048-byte buffer holds 1023 bytes in hex)
 * and the ack of each reply sent with the next request, so the line never
 * waits on a round trip it does not need.  kgdb handles one packet at a
 * time; nothing more can be in flight.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_common.h"
#include "num.h"
#include "outfile.h"
#include "relay.h"

#define DUMP_CHUNK	1023	/* (BUFMAX 2048 - 1) / 2 on arm64 and x86 */
#define DUMP_TRIES	3
#define DUMP_MAX	(64u << 20)

struct reader {
	uint8_t *out;		/* where the current reply's bytes go */
	size_t want;
	long got;		/* bytes decoded, or -1: an error reply */
	int replies;
};

static void on_reply(void *ctx, const uint8_t *payload, size_t len)
{
	struct reader *rd = ctx;

	rd->replies++;
	if (len == 3 && payload[0] == 'E')
		rd->got = -1;
	else
		rd->got = rsp_hex_decode(payload, len, rd->out, rd->want);
}

static int replied(struct session *s)
{
	return ((struct reader *)s->hook_ctx)->replies > 0;
}

/* One m packet, the previous reply's ack in front; retried on silence. */
static int read_chunk(struct session *s, struct reader *rd, uint64_t addr,
		      size_t n, int timeout_ms)
{
	char req[64];
	uint8_t wire[80];
	size_t w;
	int rc = SESSION_TIMEOUT;

	snprintf(req, sizeof(req), "m%" PRIx64 ",%zx", addr, n);
	wire[0] = '+';
	w = rsp_encode((const uint8_t *)req, strlen(req), wire + 1, sizeof(wire) - 1);
	/*
	 * Silence: first NAK, in case the reply came garbled (kgdb sends it
	 * again), then ask again, in case the request was lost.
	 */
	for (int t = 0; t < DUMP_TRIES && rc == SESSION_TIMEOUT; t++) {
		rd->replies = 0;
		if (t == 1)
			rc = port_write(s->port, "-", 1);
		else
			rc = port_write(s->port, wire + t / 2, w + 1 - t / 2);
		if (!rc)
			rc = session_wait(s, timeout_ms, replied);
	}
	if (!rc && rd->got != (long)n) {
		fprintf(stderr, "nmidbg: reading %zu bytes at 0x%" PRIx64 ": %s\n", n,
			addr, rd->got < 0 ? "kgdb refused (not mapped?)" : "short reply");
		rc = SESSION_TIMEOUT;
	}
	return rc;
}

static int dump(struct session *s, uint64_t addr, size_t len, uint8_t *buf,
		int timeout_ms, long *ms)
{
	struct reader rd = { 0 };
	long t0 = session_now_ms();
	int rc = 0;

	s->on_packet = on_reply;
	s->on_ack = NULL;
	s->hook_ctx = &rd;
	for (size_t off = 0; off < len && !rc; off += DUMP_CHUNK) {
		size_t n = len - off < DUMP_CHUNK ? len - off : DUMP_CHUNK;

		rd.out = buf + off;
		rd.want = n;
		rc = read_chunk(s, &rd, addr + off, n, timeout_ms);
	}
	if (!rc)
		rc = port_write(s->port, "+", 1);
	*ms = session_now_ms() - t0;
	s->on_packet = NULL;
	return rc;
}

int cmd_dump(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		CMD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *state = "in kdb";
	struct cmd_opts o;
	struct session s;
	struct kdb_entry e;
	struct relay r;
	uint64_t addr, len64;
	size_t len;
	uint8_t *buf;
	long ms = 0;
	struct outfile of;
	FILE *f;
	int c, rc, ret;

	cmd_opts_init(&o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:m:t:", longopts, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (cmd_opts_parse(&o, "dump", c, optarg))
			return NMIDBG_EXIT_USAGE;
	}
	if (optind + 3 > argc)
		return cmd_usage_error("dump", "want PORT ADDR LEN");
	if (optind + 3 < argc)
		return cmd_usage_error("dump", "'%s': only PORT ADDR LEN", argv[optind + 3]);
	if (!out)
		return cmd_usage_error("dump", "no -o FILE");
	if (num_u64(argv[optind + 1], &addr))
		return cmd_usage_error("dump", "ADDR: not a number: %s", argv[optind + 1]);
	if (num_u64(argv[optind + 2], &len64) || !len64 || len64 > DUMP_MAX)
		return cmd_usage_error("dump", "LEN: 1 to 64 MiB, not %s", argv[optind + 2]);
	len = (size_t)len64;
	if (addr + len64 - 1 < addr)
		return cmd_usage_error("dump", "ADDR + LEN goes past the end of memory");
	if (outfile_open(&of, out))
		return NMIDBG_EXIT_OUTPUT;
	buf = malloc(len);
	if (!buf || cmd_open_session(argv[optind], &s)) {
		outfile_abandon(&of);
		free(buf);
		return buf ? NMIDBG_EXIT_PORT : NMIDBG_EXIT_FAIL;
	}
	rc = cmd_enter(&s, &o, &e);
	if (rc)
		goto out;
	relay_init(&r, &s, &o.how);
	rc = relay_enter_kgdb(&r);
	if (rc) {
		cmd_complain(&s, "switching kdb to kgdb", rc);
		goto out;
	}
	rc = dump(&s, addr, len, buf, o.how.timeout_ms, &ms);
	if (rc)
		cmd_complain(&s, "reading memory", rc);
	if (!rc || rc == SESSION_TIMEOUT) {
		/* Leave kgdb whatever happened to the read. */
		int rc2 = relay_finish(&r, o.stay, &state);

		rc = rc ? rc : rc2;
	}
out:
	ret = cmd_exit_code(rc);
	f = rc ? NULL : outfile_begin(&of);
	if (f) {
		fwrite(buf, 1, len, f);
		if (outfile_close(&of))
			ret = NMIDBG_EXIT_OUTPUT;
		else
			fprintf(stderr, "nmidbg: read %zu bytes in %ld ms (%.0f B/s); the board is %s\n",
				len, ms, ms ? len * 1000.0 / (double)ms : 0.0, state);
	} else {
		outfile_abandon(&of);
		if (!rc)
			ret = NMIDBG_EXIT_OUTPUT;
	}
	free(buf);
	cmd_close_session(&s);
	return ret;
}
