// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg attach PORT: the board's console.
 *
 * The terminal and the port in the one event loop (loop.c), on a session
 * like every other command: what the board prints goes through
 * attach_kdb.c (log, hex view, echo filter, kdb line editing), the menu's
 * break-in included.  While the kernel runs, bytes pass through raw.  The
 * escape key (Ctrl-] by default) opens a menu.  If the port goes away,
 * attach says so and reconnects when it returns.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <readline/history.h>
#include <readline/readline.h>

#include "attach.h"
#include "cmd.h"
#include "loop.h"

struct attach A;

/* ---- terminal ---- */

void attach_term_raw(int on)
{
	struct termios t;

	if (!A.tty || A.raw == on)
		return;
	if (on) {
		t = A.saved;
		cfmakeraw(&t);
		tcsetattr(0, TCSANOW, &t);
	} else {
		tcsetattr(0, TCSANOW, &A.saved);
	}
	A.raw = on;
}

void attach_out(const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(1, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

void attach_say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	attach_out("\r\n[nmidbg] ", 11);
	attach_out(buf, (size_t)(n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1));
	attach_out("\r\n", 2);
}

/* ---- the escape menu ---- */

static void open_menu(void)
{
	A.menu = 1;
	attach_say("menu: b break in, B send BREAK, x hex view, l log, q quit");
}

/* The menu's break-in ended. */
static int broke_in(void *ctx, int rc)
{
	struct kdb_entry *e = ctx;

	A.breaking = 0;
	if (rc)
		attach_say("no kdb prompt: %s", session_strerror(&A.s, rc));
	else if (e->cpu < 0)	/* a uniprocessor kernel: "kdb> " */
		attach_say("in kdb (%s, %ld ms)", e->how, e->ms);
	else
		attach_say("in kdb on cpu %d (%s, %ld ms)", e->cpu, e->how, e->ms);
	return 0;
}

static void menu_key(int c)
{
	int rc;

	A.menu = 0;
	switch (c) {
	case 'b':
		/*
		 * On the session, so the board's answer is shown, logged,
		 * filtered; on the loop, so the menu (q) is served meanwhile.
		 */
		if (A.breaking) {
			attach_say("a break-in runs already");
			break;
		}
		attach_say("breaking in...");
		A.breaking = 1;
		kdb_break_in_start(&A.bi, A.l, &A.how, &A.be, broke_in, &A.be);
		break;
	case 'B':
		rc = port_send_break(A.s.port);
		attach_say(rc ? "BREAK: %s" : "BREAK sent%s", rc ? A.s.port->err : "");
		break;
	case 'x':
		A.hex = !A.hex;
		attach_say("hex view %s", A.hex ? "on" : "off");
		break;
	case 'l':
		attach_toggle_log();
		break;
	case 'q':
		A.quit = 1;
		break;
	default:
		if (c == A.escape)	/* the escape key twice sends it */
			attach_send(&(char){ (char)c }, 1);
		break;
	}
	/* The menu wrote over readline's line: draw it again. */
	if (A.rl && !A.quit)
		rl_forced_update_display();
}

/*
 * At a kdb prompt readline gets the user's keys, one at a time through
 * here, after on_stdin() has seen each: left to read the terminal
 * itself, readline would take the escape key (Ctrl-] is its
 * character-search) and the menu could never open.
 */
static int rl_key = -1;

static int rl_key_getc(FILE *f)
{
	int c = rl_key;

	if (c < 0)	/* readline wants more of one key (a UTF-8 sequence) */
		return rl_getc(f);
	rl_key = -1;
	return c;
}

static void on_stdin(void)
{
	uint8_t buf[256];
	ssize_t n;

	/*
	 * One byte at a time to readline and the menu and the pager: what
	 * follows stays in the terminal for readline's own look-ahead (an
	 * Escape alone or an arrow key's sequence).
	 */
	n = read(0, buf, A.menu || A.more || A.rl || A.breaking ? 1 : sizeof(buf));
	if (n <= 0) {
		A.quit = A.tty ? 1 : 2;	/* 2: stdin ended, drain then quit */
		return;
	}
	/* Keys while the menu's break-in runs would be taken for its answer. */
	if (A.breaking && !A.menu) {
		if (buf[0] == A.escape)
			open_menu();
		return;
	}
	if (A.rl && !A.more && !A.menu) {
		if (buf[0] == A.escape) {
			open_menu();
			return;
		}
		rl_key = buf[0];
		rl_callback_read_char();
		return;
	}
	if (A.menu) {
		menu_key(buf[0]);
		return;
	}
	if (A.more) {
		A.more = 0;
		attach_send(buf, 1);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (A.tty && buf[i] == A.escape) {
			attach_send(buf, (size_t)i);
			open_menu();
			if (i + 1 < n)
				menu_key(buf[i + 1]);
			return;
		}
	}
	attach_send(buf, (size_t)n);
}

/* ---- the loop ---- */

int attach_send(const void *buf, size_t len)
{
	return port_write(A.s.port, buf, len);
}

/* The session on a (new) port: attach sees every event first. */
static void attach_session(struct port *p)
{
	session_free(&A.s);
	session_init(&A.s, p);
	A.s.on_event = attach_on_event;
}

#define ATTACH_STOP 1	/* the loop's stop: quit, or drained after EOF */

/*
 * ---- the port lost: reconnecting, on the loop ----
 * Every RETRY_MS a connect, never waited on: a host that black-holes
 * holds one for minutes, and the terminal (raw: Ctrl-C is no way out) is
 * served meanwhile.  One still under way after CONNECT_MS is given up
 * and tried again.
 */
#define RETRY_MS	500
#define CONNECT_MS	5000

struct back {
	struct loop *l;
	int src;		/* the connecting socket's source */
	struct port *p;		/* a connect under way, or NULL */
	long next, deadline;	/* the next try; the connect given up */
};

static int port_back(struct back *b)
{
	attach_say("%s is back", A.spec);
	attach_log_mark("port back");
	attach_session(b->p);
	b->p = NULL;
	return LOOP_DONE;
}

static int back_tick(void *ctx)
{
	struct back *b = ctx;
	long now = session_now_ms();
	char err[300];
	int rc;

	if (A.quit || session_interrupted)
		return ATTACH_STOP;
	if (b->p && now >= b->deadline) {
		port_close(b->p);
		b->p = NULL;
	}
	if (!b->p && now >= b->next) {
		b->next = now + RETRY_MS;
		b->deadline = now + CONNECT_MS;
		rc = port_open_start(A.spec, &b->p, err, sizeof(err));
		if (rc == PORT_OK)
			return port_back(b);
	}
	b->l->src[b->src].fd = b->p ? b->p->fd : -1;
	return 0;
}

static int back_connected(void *ctx, int fd)
{
	struct back *b = ctx;
	char err[300];
	int rc = port_open_more(&b->p, err, sizeof(err));

	(void)fd;
	if (rc == PORT_OK)
		return port_back(b);
	/* PORT_EAGAIN: the next address is under way (the tick polls its fd). */
	b->l->src[b->src].fd = b->p ? b->p->fd : -1;
	return 0;
}

/* The menu, and nothing else, while there is no port to send keys to. */
static int back_stdin(void *ctx, int fd)
{
	uint8_t c;

	(void)ctx;
	if (read(fd, &c, 1) <= 0)
		return ATTACH_STOP;
	if (A.menu) {
		A.menu = 0;
		A.quit = c == 'q';
	} else if (c == A.escape) {
		A.menu = 1;
	}
	return A.quit ? ATTACH_STOP : 0;
}

static int reconnect(void)
{
	struct back b = { .p = NULL };
	struct loop l;
	int rc;

	attach_say("lost %s: %s; waiting for it to come back (Ctrl-] q quits)", A.spec,
		   A.s.port->err);
	attach_log_mark("port lost");
	port_close(A.s.port);
	A.s.port = NULL;
	if (A.quit)
		return -1;
	loop_init(&l, &A.s);
	l.on_reboot = 0;
	l.on_intr = 0;		/* the tick ends it: a signal, or the menu's q */
	l.tick = back_tick;
	l.ctx = &b;
	b.l = &l;
	loop_add(&l, 0, back_stdin, &b);
	b.src = loop_add(&l, -1, NULL, &b);
	l.src[b.src].hold = 1;
	l.src[b.src].writable = back_connected;
	rc = loop_run(&l, -1, NULL);
	port_close(b.p);
	return rc == LOOP_DONE ? 0 : -1;
}

static int on_stdin_ready(void *ctx, int fd)
{
	struct loop *l = ctx;

	(void)fd;
	on_stdin();
	if (A.quit == 2) {
		/* stdin ended: no more to read; drain the board a second. */
		l->src[0].fd = -1;
		l->lazy = 0;
		A.quiet_since = session_now_ms();
	}
	return A.quit == 1 ? ATTACH_STOP : 0;
}

static int drained(void *ctx)
{
	(void)ctx;
	/* Quit, or a signal (SIGTERM, SIGHUP: the terminal is given back first). */
	if (A.quit == 1 || session_interrupted)
		return ATTACH_STOP;
	return A.quit == 2 && session_now_ms() - A.quiet_since >= 1000 ? ATTACH_STOP : 0;
}

static int board_spoke(void *ctx)
{
	(void)ctx;
	A.quiet_since = session_now_ms();
	return 0;
}

/* 0, or NMIDBG_EXIT_PORT: the port was lost and never came back. */
static int loop(void)
{
	struct loop l;

	for (;;) {
		int rc;

		loop_init(&l, &A.s);
		l.on_reboot = 0;	/* the console goes on across a reboot */
		l.on_intr = 0;		/* Ctrl-C is the board's (raw terminal) */
		l.stream = 1;		/* shown and logged as it comes */
		l.lazy = A.quit != 2;	/* an idle board costs no wakeups */
		l.tick = drained;
		l.after_read = board_spoke;
		loop_add(&l, A.quit == 2 ? -1 : 0, on_stdin_ready, &l);
		A.l = &l;
		rc = loop_run(&l, -1, NULL);
		A.l = NULL;
		A.breaking = 0;	/* a break-in the port's loss cut short */
		if (rc == ATTACH_STOP || rc >= 0)
			return 0;
		if (reconnect())
			return session_interrupted ? 0 : NMIDBG_EXIT_PORT;
	}
}

int cmd_attach(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "log", required_argument, NULL, 'l' },
		{ "escape", required_argument, NULL, 'e' },
		{ "knock", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct port *p;
	char err[300];
	int c, ret;

	memset(&A, 0, sizeof(A));
	A.escape = 0x1d;	/* Ctrl-] */
	kdb_how_init(&A.how);
	optind = 1;
	while ((c = getopt_long(argc, argv, "l:e:", longopts, NULL)) != -1) {
		if (c == 'l') {
			A.log_path = optarg;
		} else if (c == 'k' && *optarg) {
			A.how.knock = optarg;
		} else if (c == 'e' && optarg[0] == '^' && optarg[1]) {
			A.escape = toupper((unsigned char)optarg[1]) ^ 0x40;
		} else {
			return cmd_usage_error("attach", c == 'e' ?
					       "-e wants ^X (a control key), not '%s'" :
					       c == 'k' ? "--knock wants the bytes to send%s" :
					       NULL, c == 'k' ? "" : optarg);
		}
	}
	if (optind >= argc)
		return cmd_usage_error("attach", "no PORT");
	if (optind < argc - 1)
		return cmd_usage_error("attach", "'%s': one PORT only", argv[optind + 1]);
	A.spec = argv[optind];
	if (port_open(A.spec, &p, err, sizeof(err))) {
		fprintf(stderr, "nmidbg: %s\n", err);
		return NMIDBG_EXIT_PORT;
	}
	attach_session(p);
	if (A.log_path) {
		A.log = fopen(A.log_path, "ae");
		if (!A.log) {
			fprintf(stderr, "nmidbg: %s: %s\n", A.log_path, strerror(errno));
			port_close(A.s.port);
			session_free(&A.s);
			return NMIDBG_EXIT_OUTPUT;
		}
		attach_log_mark("attached");
	}
	A.tty = isatty(0);
	if (A.tty) {
		const char *home = getenv("HOME");
		char safe[200];
		size_t j = 0;

		tcgetattr(0, &A.saved);
		for (const char *q = A.spec; *q && j < sizeof(safe) - 1; q++)
			safe[j++] = isalnum((unsigned char)*q) ? *q : '_';
		safe[j] = '\0';
		if (home) {
			snprintf(A.history, sizeof(A.history), "%s/.local", home);
			mkdir(A.history, 0755);
			snprintf(A.history, sizeof(A.history), "%s/.local/share", home);
			mkdir(A.history, 0755);
			snprintf(A.history, sizeof(A.history), "%s/.local/share/nmidbg", home);
			mkdir(A.history, 0755);
			snprintf(A.history, sizeof(A.history),
				 "%s/.local/share/nmidbg/history-%s", home, safe);
			read_history(A.history);
			if (access(A.history, F_OK))
				write_history(A.history);
		}
		rl_attempted_completion_function = attach_complete;
		rl_getc_function = rl_key_getc;
		attach_term_raw(1);
		fprintf(stderr, "[nmidbg] attached to %s; Ctrl-] opens the menu\r\n", A.spec);
	}
	session_catch_signals();
	ret = loop();
	if (A.rl)
		rl_callback_handler_remove();
	attach_term_raw(0);
	if (A.tty)
		fputs("\n", stderr);
	if (A.s.port && (A.s.mode.mode == MODE_KDB || A.s.mode.mode == MODE_KGDB))
		fprintf(stderr, "nmidbg: the board is left in %s\n", mode_name(A.s.mode.mode));
	if (A.log) {
		attach_log_mark("detached");
		fclose(A.log);
	}
	attach_forget_words();
	port_close(A.s.port);
	session_free(&A.s);
	return session_signal == SIGINT ? NMIDBG_EXIT_INTR : ret;
}
