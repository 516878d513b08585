// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg proxy PORT [--console ADDR] [--gdb ADDR] [--any-address] [--stay]
 *
 * The agent-proxy split: telnet console clients and one gdb client on the
 * board's one line.  Console clients get the board's text only, never
 * gdb's packets; a gdb client that connects breaks in and gets kgdb
 * through the relay; when it leaves, the board resumes (or stays in kdb).
 * Listens on loopback unless --any-address says otherwise: whoever can
 * connect can stop the board.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_common.h"
#include "loop.h"
#include "net.h"
#include "outq.h"
#include "relay.h"
#include "telnet.h"

#define PROXY_MAX_CONSOLES 8

struct proxy;

struct console {
	struct proxy *px;
	int fd;
	struct outq out;	/* what it has not read yet, up to OUTQ_BOUND */
	struct telnet tn;
	int after_cr;		/* NVT Enter: a CR whose LF or NUL may follow */
};

struct proxy {
	struct session *s;
	struct relay r;
	int gdb_on;		/* a gdb client is relayed */
	int busy;		/* gdb's break-in, or leaving kgdb, runs on the loop */
	int gdb_new;		/* the client whose break-in runs, or -1 */
	struct kdb_breakin bi;
	struct kdb_entry e;	/* how that break-in went */
	const char *state;	/* where leaving kgdb left the board */
	int ending;		/* a signal came: the proxy ends once !busy */
	struct console con[PROXY_MAX_CONSOLES];
	int ncon;
	int rc;			/* a port error seen in a callback */
	int cfd, gfd;		/* the listeners */
	const struct cmd_opts *o;
	struct loop *loop;
	uint8_t text[4096];	/* for the consoles, since the last flush */
	size_t text_len;
};

/*
 * The board's text to every console, gathered over one read of the port
 * (the mode tracker gives it in pieces, down to a byte): one send each,
 * not one per piece.  A console that falls too far behind is lost here
 * and dropped by the next round's sync_sources(), never waited on.
 */
static void consoles_flush(struct proxy *px)
{
	uint8_t wire[2 * sizeof(px->text)];
	size_t w = telnet_escape(px->text, px->text_len, wire);

	for (int i = 0; i < px->ncon && w; i++)
		outq_put(&px->con[i].out, wire, w);
	px->text_len = 0;
}

static void board_text(void *ctx, const uint8_t *data, size_t len)
{
	struct proxy *px = ctx;

	while (len) {
		size_t n = sizeof(px->text) - px->text_len;

		n = len < n ? len : n;
		memcpy(px->text + px->text_len, data, n);
		px->text_len += n;
		data += n;
		len -= n;
		if (px->text_len == sizeof(px->text))
			consoles_flush(px);
	}
}

static void console_event(void *ctx, const struct telnet_event *ev)
{
	struct console *con = ctx;
	struct proxy *px = con->px;
	uint8_t line[4096];
	int rc = 0;

	/*
	 * While gdb holds the stopped board, typing would corrupt kgdb's
	 * stream; while a break-in runs, it would be taken for the answer.
	 */
	if (px->busy || px->r.breaking || (px->gdb_on && !px->r.running))
		return;
	if (ev->type == TELNET_EV_DATA) {
		/* One Enter is one line: kdb repeats its last command on a stray LF. */
		for (size_t off = 0; off < ev->len && !rc; off += sizeof(line)) {
			size_t n = ev->len - off < sizeof(line) ? ev->len - off : sizeof(line);

			n = telnet_nvt_enter(&con->after_cr, ev->data + off, n, line);
			rc = port_write(px->s->port, line, n);
		}
	}
	else if (ev->type == TELNET_EV_BREAK)
		rc = port_send_break(px->s->port);
	if (rc && rc != PORT_ENOTSUP)
		px->rc = rc;
}

static void add_console(struct proxy *px, int fd)
{
	struct console *con;
	uint8_t hello[6];

	if (px->ncon == PROXY_MAX_CONSOLES) {
		close(fd);
		return;
	}
	con = &px->con[px->ncon++];
	*con = (struct console){ .fd = fd, .px = px };
	outq_init(&con->out, fd);
	telnet_init(&con->tn);
	/* Character mode: we echo (the board does), no go-ahead. */
	telnet_cmd(TELNET_WILL, TELNET_OPT_ECHO, hello);
	telnet_cmd(TELNET_WILL, TELNET_OPT_SGA, hello + 3);
	outq_put(&con->out, hello, sizeof(hello));
}

/* The last console takes slot i (its loop source is slot-bound too). */
static void drop_console(struct proxy *px, int i)
{
	close(px->con[i].fd);
	outq_free(&px->con[i].out);
	px->con[i] = px->con[--px->ncon];
}

/* A relay for the next gdb, its ^C's break-in on the proxy's loop. */
static void relay_reset(struct proxy *px)
{
	relay_init(&px->r, px->s, &px->o->how);
	px->r.l = px->loop;
}

/*
 * ---- gdb coming and going: machines on the loop (loop.h), so the
 * consoles and the console listener are served while the board is
 * broken into, switched to kgdb, or resumed.  One at a time: while one
 * runs (px->busy) the gdb listener is not polled.
 */

/* kgdb entered (or not): the gdb that connected is relayed from now on. */
static int gdb_entered(void *ctx, int rc)
{
	struct proxy *px = ctx;
	int fd = px->gdb_new;

	px->busy = 0;
	px->gdb_new = -1;
	if (rc) {
		cmd_complain(px->s, "gdb connected: break-in", rc);
		close(fd);
		return rc == SESSION_TIMEOUT ? 0 : rc;
	}
	fprintf(stderr, "nmidbg: gdb connected: %s on cpu %d, thread %s\n", px->e.how,
		px->e.cpu, px->r.k.thread[0] ? px->r.k.thread : "?");
	relay_set_gdb(&px->r, fd);
	px->gdb_on = 1;
	return 0;
}

static int gdb_stopped(void *ctx, int rc)
{
	struct proxy *px = ctx;

	return rc ? gdb_entered(px, rc) :
		    relay_enter_kgdb_start(&px->r, px->loop, gdb_entered, px);
}

/* A gdb client connected (fd): break in, then kgdb; its input waits till then. */
static int gdb_connect(struct proxy *px, int fd)
{
	px->busy = 1;
	px->gdb_new = fd;
	return kdb_break_in_start(&px->bi, px->loop, &px->o->how, &px->e, gdb_stopped, px);
}

static int gdb_left(void *ctx, int rc)
{
	struct proxy *px = ctx;

	px->busy = 0;
	fprintf(stderr, "nmidbg: gdb left; the board is %s\n", rc ? "unknown" : px->state);
	relay_reset(px);
	return rc == SESSION_TIMEOUT ? 0 : rc;
}

/* gdb left or was dropped: the board stopped if it runs, then resumed (--stay: kdb). */
static int gdb_gone(struct proxy *px)
{
	close(px->r.gdb_fd);
	px->gdb_on = 0;
	px->busy = 1;
	return relay_finish_start(&px->r, px->loop, px->o->stay, &px->state, gdb_left, px);
}

/* The loop's sources: fixed slots, their fds set from the state each round. */
enum { SRC_CON_LISTEN, SRC_GDB_LISTEN, SRC_GDB, SRC_CON };

static int sync_sources(void *ctx)
{
	struct proxy *px = ctx;
	struct loop *l = px->loop;

	if (px->ending && !px->busy)
		return SESSION_INTR;
	consoles_flush(px);	/* what an idle line released */
	for (int i = px->ncon - 1; i >= 0; i--) {
		if (!px->con[i].out.lost)
			continue;
		fprintf(stderr, "nmidbg: console client dropped: %s\n",
			outq_why(&px->con[i].out));
		drop_console(px, i);
	}
	/* Not in the middle of its ^C's break-in: the loop has one wait. */
	if (px->gdb_on && px->r.out.lost && !px->r.breaking) {
		int rc;

		fprintf(stderr, "nmidbg: gdb dropped: %s\n", outq_why(&px->r.out));
		if ((rc = gdb_gone(px)))
			return rc;
	}
	l->src[SRC_CON_LISTEN].fd = px->cfd;
	l->src[SRC_GDB_LISTEN].fd = px->gdb_on || px->busy ? -1 : px->gfd;
	l->src[SRC_GDB].fd = px->gdb_on ? px->r.gdb_fd : -1;
	l->src[SRC_GDB].hold = px->r.breaking;
	for (int i = 0; i < PROXY_MAX_CONSOLES; i++)
		l->src[SRC_CON + i].fd = i < px->ncon ? px->con[i].fd : -1;
	return px->rc;
}

static int after_read(void *ctx)
{
	struct proxy *px = ctx;

	consoles_flush(px);
	if (px->s->reboots && px->gdb_on) {
		/* kgdb went with the old kernel: gdb must reconnect. */
		fprintf(stderr, "nmidbg: the board rebooted: gdb disconnected\n");
		close(px->r.gdb_fd);
		relay_set_gdb(&px->r, -1);
		px->gdb_on = 0;
		relay_reset(px);
	}
	return 0;
}

static int on_console(void *ctx, int fd)
{
	struct console *con = ctx;
	struct proxy *px = con->px;
	int i = (int)(con - px->con);
	uint8_t buf[4096];
	ssize_t got;

	/* A drop this round moved another console into this slot: next round. */
	if (i >= px->ncon || con->fd != fd)
		return 0;
	got = read(fd, buf, sizeof(buf));
	if (got <= 0)
		drop_console(px, i);
	else
		telnet_feed(&con->tn, buf, (size_t)got, console_event, con);
	return px->rc;
}

static int on_console_listen(void *ctx, int fd)
{
	int c = net_accept(fd);

	if (c >= 0)
		add_console(ctx, c);
	return 0;
}

static int on_gdb_listen(void *ctx, int fd)
{
	struct proxy *px = ctx;
	int g = net_accept(fd);

	return g >= 0 ? gdb_connect(px, g) : 0;
}

static int on_gdb(void *ctx, int fd)
{
	struct proxy *px = ctx;
	uint8_t buf[4096];
	ssize_t got = read(fd, buf, sizeof(buf));

	return got <= 0 ? gdb_gone(px) : relay_from_gdb(&px->r, buf, (size_t)got);
}

static int serve(struct proxy *px)
{
	struct loop l;
	int rc;

	loop_init(&l, px->s);
	l.on_reboot = 0;	/* a proxy outlives the kernel */
	l.stream = 1;		/* the text went to the consoles */
	l.tick = sync_sources;
	l.after_read = after_read;
	l.ctx = px;
	px->loop = &l;
	px->r.l = &l;
	loop_add(&l, -1, on_console_listen, px);
	loop_add(&l, -1, on_gdb_listen, px);
	l.src[loop_add(&l, -1, on_gdb, px)].out = &px->r.out;
	for (int i = 0; i < PROXY_MAX_CONSOLES; i++) {
		px->con[i].px = px;
		l.src[loop_add(&l, -1, on_console, &px->con[i])].out = &px->con[i].out;
	}
	rc = loop_run(&l, -1, NULL);
	if (rc == SESSION_INTR && px->busy) {
		/*
		 * A signal while gdb comes or goes: that ends first, as it did
		 * when it was one call (the board left as asked); a second
		 * signal gives up on it.
		 */
		int held = session_hold_signal();

		px->ending = 1;
		rc = loop_run(&l, -1, NULL);
		session_release_signal(held);
	}
	px->loop = px->r.l = NULL;
	return rc;
}

static struct proxy *P;	/* one command per process */

static int proxy_prepare(int argc, char **argv, struct cmd_run *r)
{
	static const struct option longopts[] = {
		{ "console", required_argument, NULL, 'c' },
		{ "gdb", required_argument, NULL, 'g' },
		{ "any-address", no_argument, NULL, 'A' },
		CMD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *con_addr = "tcp:127.0.0.1:5550", *gdb_addr = "tcp:127.0.0.1:5551";
	char why[300];
	int c, any = 0, cfd = -1, gfd = -1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "m:t:", longopts, NULL)) != -1) {
		if (c == 'c')
			con_addr = optarg;
		else if (c == 'g')
			gdb_addr = optarg;
		else if (c == 'A')
			any = 1;
		else if (cmd_opts_parse(&r->o, "proxy", c, optarg))
			return NMIDBG_EXIT_USAGE;
	}
	if (optind >= argc)
		return cmd_usage_error("proxy", "no PORT");
	if (optind < argc - 1)
		return cmd_usage_error("proxy", "'%s': one PORT only", argv[optind + 1]);
	/* The listeners before the board: an address in use costs nothing. */
	cfd = net_listen(con_addr, any, NULL, why, sizeof(why));
	if (cfd >= 0)
		gfd = net_listen(gdb_addr, any, NULL, why, sizeof(why));
	if (gfd < 0) {
		int in_use = errno == EADDRINUSE;

		fprintf(stderr, "nmidbg: cannot listen: %s\n", why);
		if (cfd >= 0)
			close(cfd);
		return in_use ? NMIDBG_EXIT_IN_USE : NMIDBG_EXIT_USAGE;
	}
	P = calloc(1, sizeof(*P));
	if (!P) {
		fprintf(stderr, "nmidbg: out of memory\n");
		close(cfd);
		close(gfd);
		return NMIDBG_EXIT_FAIL;
	}
	P->cfd = cfd;
	P->gfd = gfd;
	P->gdb_new = -1;
	r->port = argv[optind];
	fprintf(stderr, "nmidbg: proxy for %s: console on %s, gdb on %s\n", r->port,
		con_addr, gdb_addr);
	return 0;
}

static int proxy_body(struct cmd_run *r)
{
	struct proxy *px = P;
	int rc;

	px->s = &r->s;
	px->o = &r->o;
	relay_init(&px->r, &r->s, &r->o.how);
	r->s.on_text = board_text;
	r->s.text_ctx = px;
	rc = serve(px);
	if (rc != SESSION_INTR)
		cmd_complain(&r->s, "proxy", rc);
	else if (session_signal == SIGINT || session_signal == SIGTERM)
		session_signal = 0;	/* Ctrl-C or SIGTERM is how a proxy ends: exit 0 */
	if (rc == SESSION_INTR && !session_signal)
		rc = SESSION_OK;
	if (px->gdb_on) {
		/* Leave the board as after any gdb session, not in kgdb. */
		session_interrupted = 0;
		close(px->r.gdb_fd);
		px->gdb_on = 0;
		gdb_left(px, relay_finish(&px->r, r->o.stay, &px->state));
	}
	return rc;
}

static int proxy_finish(struct cmd_run *r, int rc)
{
	(void)r;
	if (P->gdb_new >= 0)	/* its break-in was cut short */
		close(P->gdb_new);
	while (P->ncon)
		drop_console(P, P->ncon - 1);
	close(P->cfd);
	close(P->gfd);
	free(P);
	return cmd_exit_code(rc);
}

const struct cmd_frame cmd_proxy_frame = {
	.prepare = proxy_prepare, .body = proxy_body, .finish = proxy_finish,
};
