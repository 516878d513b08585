// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The kgdb layer (see kgdb.h).  While it talks, it owns the session's
 * packet hooks; it gives them back (NULL) when done.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kgdb.h"

#define READ_TRIES	3

void kgdb_init(struct kgdb *k, struct session *s, const struct kdb_how *how)
{
	memset(k, 0, sizeof(*k));
	k->s = s;
	k->how = *how;
}

static int attach_prompt(struct session *s)
{
	return s->text && strstr(s->text, "attach debugger");
}

static int qc_reply(struct session *s)
{
	return s->packets && s->packet_len >= 2 && s->packet[0] == 'Q' &&
	       s->packet[1] == 'C';
}

/*
 * The machine's one step: send what (a kdb command or a framed packet) and
 * wait for done, then next.  Nothing said before the send counts.
 */
static int ask(struct kgdb *k, const char *what, int (*done)(struct session *),
	       loop_then next)
{
	struct session *s = k->s;
	int rc;

	session_mark(s);
	rc = session_send(s, what);
	if (rc)
		return k->then(k->ctx, rc);
	loop_wait(k->l, k->how.timeout_ms, done, next, k);
	return 0;
}

/* For a step run to its end on a loop of its own (l). */
static void own_loop(struct kgdb *k, struct loop *l)
{
	loop_init(l, k->s);
	k->l = l;
	k->then = loop_finish;
	k->ctx = l;
}

/* qC's reply came: acked, its thread kept. */
static int entered(void *ctx, int rc)
{
	struct kgdb *k = ctx;
	struct session *s = k->s;

	if (!rc)
		rc = session_send(s, "+");
	if (!rc && rsp_parse_qc(s->packet, s->packet_len, k->thread, sizeof(k->thread)))
		k->thread[0] = '\0';
	return k->then(k->ctx, rc);
}

static int attached(void *ctx, int rc)
{
	struct kgdb *k = ctx;

	/* kdb's message quotes "$D#44" and "$3#33": not replies to us. */
	return rc ? k->then(k->ctx, rc) : ask(k, "$qC#b4", qc_reply, entered);
}

int kgdb_enter_start(struct kgdb *k, struct loop *l, loop_then then, void *ctx)
{
	k->l = l;
	k->then = then;
	k->ctx = ctx;
	k->s->in_flight = SESSION_FLIGHT_TO_KGDB;
	return ask(k, "kgdb\r", attach_prompt, attached);
}

int kgdb_enter(struct kgdb *k)
{
	struct loop l;

	loop_init(&l, k->s);
	return loop_sync(&l, kgdb_enter_start(k, &l, loop_finish, &l));
}

/*
 * ---- memory reads ----
 * As fast as the line allows: the largest read kgdb takes, and the ack of
 * each reply sent with the next request, so the line never waits on a
 * round trip it does not need.  kgdb handles one packet at a time:
 * nothing more can be in flight.
 */

struct reader {
	const struct kgdb *k;	/* k->feat.binary_upload: 'x' replies */
	uint8_t *out;		/* where the current reply's bytes go */
	size_t want;
	long got;		/* bytes decoded, or -1: an error reply */
	int empty;		/* the reply was empty: an unknown packet */
	int refused;		/* the reply was "Enn": kgdb could not read there */
	int replies;
};

static void on_reply(void *ctx, const uint8_t *payload, size_t len)
{
	struct reader *rd = ctx;

	rd->replies++;
	rd->empty = len == 0;
	rd->refused = len == 3 && payload[0] == 'E';
	if (rd->k->feat.binary_upload)
		rd->got = rsp_binary_decode(payload, len, rd->out, rd->want);
	else if (len == 3 && payload[0] == 'E')
		rd->got = -1;
	else
		rd->got = rsp_hex_decode(payload, len, rd->out, rd->want);
}

static int any_packet(struct session *s)
{
	return s->packets > 0;
}

/*
 * Bytes per read from k->feat: binary, (PacketSize - 1) / 2 (every byte
 * escaped still fits); hex, PacketSize / 2, or KGDB_READ_MAX without a
 * size.  Binary without a size is not worth guessing: hex then.
 */
static void size_reads(struct kgdb *k)
{
	size_t size = k->feat.packet_size;

	if (!size)
		k->feat.binary_upload = 0;
	if (k->feat.binary_upload)
		k->read_max = (size - 1) / 2;
	else
		k->read_max = size ? size / 2 : KGDB_READ_MAX;
	/* The decoder takes RSP_MAX_PAYLOAD: more would be an overflow. */
	if (k->read_max > RSP_MAX_PAYLOAD / 2)
		k->read_max = RSP_MAX_PAYLOAD / 2;
}

/* qSupported's reply came: acked, the reads sized by it. */
static int features(void *ctx, int rc)
{
	struct kgdb *k = ctx;
	struct session *s = k->s;

	if (!rc)
		rc = session_send(s, "+");
	if (rc)
		return k->then(k->ctx, rc);
	k->asked = 1;
	if (rsp_parse_supported(s->packet, s->packet_len, &k->feat))
		fprintf(stderr, "nmidbg: kgdb's qSupported reply '%.*s' is malformed: "
			"reading with 'm'\n", (int)s->packet_len, (const char *)s->packet);
	size_reads(k);
	return k->then(k->ctx, 0);
}

/*
 * Ask qSupported once and size the reads by the answer.  A kgdb without
 * the qSupported patch answers with an empty packet: 'm' as always.
 */
static int ask_features(struct kgdb *k)
{
	struct loop l;

	own_loop(k, &l);
	return loop_sync(&l, ask(k, "$qSupported#37", any_packet, features));
}

static int replied(struct session *s)
{
	return ((struct reader *)s->hook_ctx)->replies > 0;
}

/*
 * wire ('+' and the w-byte packet) sent, then a wait for done.  Silence:
 * first NAK, in case the reply came garbled (kgdb sends it again), then
 * ask again, in case the request was lost.
 */
static int send_retried(struct kgdb *k, const uint8_t *wire, size_t w, int *replies,
			int (*done)(struct session *))
{
	struct session *s = k->s;
	int rc = SESSION_TIMEOUT;

	for (int t = 0; t < READ_TRIES && rc == SESSION_TIMEOUT; t++) {
		*replies = 0;
		if (t == 1)
			rc = port_write(s->port, "-", 1);
		else
			rc = port_write(s->port, wire + t / 2, w + 1 - t / 2);
		if (!rc)
			rc = session_wait(s, k->how.timeout_ms, done);
	}
	return rc;
}

/* One read, the previous reply's ack in front; retried on silence. */
static int read_chunk(struct kgdb *k, struct reader *rd, uint64_t addr, size_t n)
{
	char req[64];
	uint8_t wire[80];
	size_t w;
	int rc;

	snprintf(req, sizeof(req), "%c%" PRIx64 ",%zx", k->feat.binary_upload ? 'x' : 'm',
		 addr, n);
	wire[0] = '+';
	w = rsp_encode((const uint8_t *)req, strlen(req), wire + 1, sizeof(wire) - 1);
	rc = send_retried(k, wire, w, &rd->replies, replied);
	if (!rc && rd->refused && k->quiet_faults)
		return KGDB_EFAULT;
	if (!rc && rd->got != (long)n) {
		if (rd->refused)
			rc = KGDB_EFAULT;
		if (!(k->feat.binary_upload && rd->empty))	/* kgdb_read() says what next */
			fprintf(stderr, "nmidbg: reading %zu bytes at 0x%" PRIx64 ": %s\n",
				n, addr, rd->got < 0 ? "kgdb refused (not mapped?)" :
				"short reply");
		if (!rc)
			rc = SESSION_TIMEOUT;
	}
	return rc;
}

int kgdb_read(struct kgdb *k, uint64_t addr, size_t len, uint8_t *buf)
{
	struct session *s = k->s;
	struct reader rd = { .k = k };
	int rc = k->asked ? 0 : ask_features(k);

	if (rc)
		return rc;
	s->on_packet = on_reply;
	s->on_ack = NULL;
	s->hook_ctx = &rd;
	for (size_t off = 0; off < len && !rc;) {
		size_t n = len - off < k->read_max ? len - off : k->read_max;

		rd.out = buf + off;
		rd.want = n;
		rc = read_chunk(k, &rd, addr + off, n);
		/*
		 * No binary reply came whole: a line that changes bytes
		 * (software flow control eats 0x11 and 0x13, a telnet server
		 * may not double 0xff).  Or 'x' got the empty reply of an
		 * unknown packet.  Hex crosses any line; a board that is gone
		 * stays silent to it too.
		 */
		if (rc == SESSION_TIMEOUT && k->feat.binary_upload &&
		    (!rd.replies || rd.empty)) {
			fprintf(stderr, "nmidbg: %s: reading with 'm'\n", rd.empty ?
				"kgdb does not answer 'x'" :
				"no binary reply came through whole");
			k->feat.binary_upload = 0;
			size_reads(k);
			rc = 0;
			continue;
		}
		off += n;
	}
	if (!rc || rc == KGDB_EFAULT) {
		int w = port_write(s->port, "+", 1);

		rc = w ? w : rc;
	}
	s->on_packet = NULL;
	return rc;
}

struct request {
	uint8_t *reply;
	size_t cap, len;
	int replies, over;
};

static void on_answer(void *ctx, const uint8_t *payload, size_t len)
{
	struct request *q = ctx;

	q->replies++;
	q->over = len > q->cap;
	q->len = q->over ? 0 : len;
	if (!q->over)
		memcpy(q->reply, payload, len);
}

static int answered(struct session *s)
{
	return ((struct request *)s->hook_ctx)->replies > 0;
}

int kgdb_request(struct kgdb *k, const char *req, uint8_t *reply, size_t cap, size_t *len)
{
	struct session *s = k->s;
	struct request q = { .reply = reply, .cap = cap };
	uint8_t wire[96];
	size_t w;
	int rc;

	wire[0] = '+';
	w = rsp_encode((const uint8_t *)req, strlen(req), wire + 1, sizeof(wire) - 1);
	if (!w)
		return SESSION_TIMEOUT;
	s->on_packet = on_answer;
	s->on_ack = NULL;
	s->hook_ctx = &q;
	rc = send_retried(k, wire, w, &q.replies, answered);
	if (!rc && q.over) {
		fprintf(stderr, "nmidbg: kgdb's reply to '%s' is over %zu bytes\n", req, cap);
		rc = SESSION_TIMEOUT;
	}
	if (!rc)
		rc = port_write(s->port, "+", 1);
	s->on_packet = NULL;
	*len = q.len;
	return rc;
}

/* ---- leaving ---- */

static void ack_all(void *ctx, const uint8_t *payload, size_t len)
{
	struct kgdb *k = ctx;

	(void)payload;
	(void)len;
	session_send(k->s, "+");
}

/* The end of leaving, however it went: the hooks given back. */
static int left(struct kgdb *k, int rc)
{
	k->s->on_packet = NULL;
	return k->then(k->ctx, rc);
}

static int gone(void *ctx, int rc)
{
	struct kgdb *k = ctx;

	if (rc == SESSION_TIMEOUT)	/* kdb's moment to leave passed */
		rc = SESSION_OK;
	if (!rc)
		*k->state = "running";
	return left(k, rc);
}

static int in_kdb(void *ctx, int rc)
{
	struct kgdb *k = ctx;

	if (rc)
		return left(k, rc);
	*k->state = "in kdb";
	if (k->stay)
		return left(k, 0);
	rc = kdb_go_send(k->s);
	if (rc)
		return left(k, rc);
	loop_wait(k->l, KDB_GO_MS, kdb_go_done, gone, k);
	return 0;
}

/* The kernel is stopped (again): out of kgdb, to kdb. */
static int stopped(void *ctx, int rc)
{
	struct kgdb *k = ctx;
	struct session *s = k->s;

	if (rc)
		return left(k, rc);
	/*
	 * The '+' first: the stub may wait for the ack of its last reply, and
	 * a '$' there would only make it give that reply up.
	 */
	session_mark(s);
	s->in_flight = SESSION_FLIGHT_TO_KDB;
	rc = session_send(s, "+" RSP_KGDB_TO_KDB);
	if (rc)
		return left(k, rc);
	loop_wait(k->l, k->how.timeout_ms, kdb_prompted, in_kdb, k);
	return 0;
}

int kgdb_leave_start(struct kgdb *k, struct loop *l, int running, int stay,
		     const char **state, loop_then then, void *ctx)
{
	struct session *s = k->s;

	k->l = l;
	k->then = then;
	k->ctx = ctx;
	k->stay = stay;
	k->state = state;
	*state = "unknown";
	/* Whatever the stub still says (a stop reply) is acked, not relayed. */
	s->on_packet = ack_all;
	s->on_ack = NULL;
	s->hook_ctx = k;
	if (running)
		return kdb_break_in_start(&k->bi, l, &k->how, &k->e, stopped, k);
	return stopped(k, 0);
}

int kgdb_leave(struct kgdb *k, int running, int stay, const char **state)
{
	struct loop l;
	int rc;

	loop_init(&l, k->s);
	rc = loop_sync(&l, kgdb_leave_start(k, &l, running, stay, state, loop_finish, &l));
	k->s->on_packet = NULL;	/* also when a signal ended the machine */
	return rc;
}
