// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg attach PORT: the board's console.
 *
 * One poll() loop over the terminal and the port.  While the kernel runs,
 * bytes pass through raw.  The escape key (Ctrl-] by default) opens a menu.
 * When the mode tracker sees a kdb prompt, lines are edited locally with
 * readline (callback API, history per board, Tab-completion of the kdb
 * commands learnt from the board's own `help`); the board's echo of a sent
 * line is filtered out, and its `more>` pager gets the next key raw.  If
 * the port goes away, attach says so and reconnects when it returns.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <readline/history.h>
#include <readline/readline.h>

#include "cmd.h"
#include "kdb.h"
#include "session.h"

#define MAX_WORDS 128

static struct {
	const char *spec;
	struct port *port;
	struct mode_tracker mode;
	int tty;		/* stdin is a terminal */
	struct termios saved;
	int raw;		/* terminal in raw mode (console passthrough) */
	int rl;			/* readline handler installed (kdb mode) */
	int escape;		/* the escape key */
	int menu;		/* the next key is a menu choice */
	int more;		/* the pager waits: the next key goes raw */
	int hex;
	struct kdb_how how;	/* the menu's break in */
	FILE *log;
	const char *log_path;
	char logline[1024];
	size_t logline_len;
	char line[256];		/* the current output line, for the prompt */
	size_t line_len;
	char echo[512];		/* a sent kdb line whose echo to swallow */
	size_t echo_len, echo_pos;
	int learning;		/* `help` runs silently to learn the commands */
	char *learnt;
	size_t learnt_len;
	char *words[MAX_WORDS];
	int nwords;
	char history[512];
	int quit;
} A;

/* ---- terminal ---- */

static void term_raw(int on)
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

static void out(const void *buf, size_t len)
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

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out("\r\n[nmidbg] ", 11);
	out(buf, (size_t)(n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1));
	out("\r\n", 2);
}

/* ---- log: timestamped lines, mode changes marked ---- */

static void log_stamp(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(A.log, "[%s.%03ld] ", buf, ts.tv_nsec / 1000000);
}

static void log_bytes(const uint8_t *b, size_t n)
{
	if (!A.log)
		return;
	for (size_t i = 0; i < n; i++) {
		if (b[i] == '\r')
			continue;
		if (b[i] != '\n' && A.logline_len < sizeof(A.logline) - 1) {
			A.logline[A.logline_len++] = (char)b[i];
			continue;
		}
		if (b[i] == '\n') {
			log_stamp();
			fprintf(A.log, "%.*s\n", (int)A.logline_len, A.logline);
			fflush(A.log);
			A.logline_len = 0;
		}
	}
}

static void log_mark(const char *what)
{
	if (!A.log)
		return;
	log_stamp();
	fprintf(A.log, "--- %s ---\n", what);
	fflush(A.log);
}

static void toggle_log(void)
{
	if (A.log) {
		log_mark("log stopped");
		fclose(A.log);
		A.log = NULL;
		say("log stopped");
		return;
	}
	A.log = fopen(A.log_path ? A.log_path : "nmidbg.log", "a");
	if (!A.log) {
		say("cannot open log: %s", strerror(errno));
		return;
	}
	log_mark("log started");
	say("logging to %s", A.log_path ? A.log_path : "nmidbg.log");
}

/* ---- kdb line editing ---- */

static char *complete_word(const char *text, int state)
{
	static int i;
	size_t n = strlen(text);

	if (!state)
		i = 0;
	while (i < A.nwords)
		if (strncmp(A.words[i++], text, n) == 0)
			return strdup(A.words[i - 1]);
	return NULL;
}

static char **complete(const char *text, int start, int end)
{
	(void)end;
	rl_attempted_completion_over = 1;
	return start == 0 ? rl_completion_matches(text, complete_word) : NULL;
}

/* Commands from `help`: the first word of each line that has a usage. */
static void learn_words(void)
{
	char *save, *line;

	for (line = strtok_r(A.learnt, "\n", &save); line && A.nwords < MAX_WORDS;
	     line = strtok_r(NULL, "\n", &save)) {
		char word[32];

		if (sscanf(line, "%31s", word) != 1 || !isalpha((unsigned char)word[0]) ||
		    strchr(word, ':') || strcmp(word, "Command") == 0)
			continue;
		A.words[A.nwords++] = strdup(word);
	}
	free(A.learnt);
	A.learnt = NULL;
	A.learnt_len = 0;
}

static void send_line(char *line)
{
	if (!line) {		/* Ctrl-D at the kdb prompt: resume the kernel */
		line = strdup("go");
		if (!line)
			return;
	}
	if (*line) {
		add_history(line);
		if (A.history[0])
			append_history(1, A.history);
	}
	snprintf(A.echo, sizeof(A.echo), "%s", line);
	A.echo_len = strlen(A.echo);
	A.echo_pos = 0;
	port_write(A.port, line, strlen(line));
	port_write(A.port, "\r", 1);
	free(line);
	/* Until the board prompts again, what it prints is plain output. */
	rl_callback_handler_remove();
	A.rl = 0;
}

static void kdb_prompt(void)
{
	char prompt[64];

	if (!A.tty)
		return;
	snprintf(prompt, sizeof(prompt), "%.*s", (int)A.line_len, A.line);
	A.line_len = 0;
	term_raw(0);
	/* The board's prompt is on screen already: readline redraws it. */
	out("\r", 1);
	rl_callback_handler_install(prompt, send_line);
	A.rl = 1;
}

/* ---- the board's output ---- */

static void show(const uint8_t *b, size_t n)
{
	if (!n)
		return;
	if (A.hex) {
		char buf[8];

		for (size_t i = 0; i < n; i++) {
			int k = snprintf(buf, sizeof(buf), "%02x%s", b[i],
					 b[i] == '\n' ? "\r\n" : " ");
			out(buf, (size_t)k);
		}
		return;
	}
	out(b, n);
}

static void on_text(const uint8_t *b, size_t n)
{
	size_t run = 0;		/* bytes b[run..i) still to show */

	log_bytes(b, n);
	if (A.learning) {
		char *t = realloc(A.learnt, A.learnt_len + n + 1);

		if (t) {
			memcpy(t + A.learnt_len, b, n);
			A.learnt = t;
			A.learnt_len += n;
			A.learnt[A.learnt_len] = '\0';
		}
		return;
	}
	for (size_t i = 0; i < n; i++) {
		/* Swallow the board's echo of the line readline already showed. */
		if (A.echo_len) {
			int skip = 1;

			if (A.echo_pos < A.echo_len && b[i] == (uint8_t)A.echo[A.echo_pos]) {
				A.echo_pos++;
			} else if (A.echo_pos == A.echo_len && (b[i] == '\r' || b[i] == '\n')) {
				if (b[i] == '\n')
					A.echo_len = 0;	/* the echo is over */
			} else {
				skip = 0;	/* not our echo after all */
				A.echo_len = 0;
			}
			if (skip) {
				show(b + run, i - run);
				run = i + 1;
				continue;
			}
		}
		/* Keep the current line: it may become readline's prompt. */
		if (b[i] == '\n' || b[i] == '\r')
			A.line_len = 0;
		else if (A.line_len < sizeof(A.line))
			A.line[A.line_len++] = (char)b[i];
		if (A.rl) {	/* a line before the prompt: keep readline tidy */
			run = i + 1;
			continue;
		}
	}
	show(b + run, n - run);
}

static void on_event(void *ctx, const struct mode_event *ev)
{
	(void)ctx;
	switch (ev->type) {
	case MODE_EV_TEXT:
		on_text(ev->data, ev->len);
		break;
	case MODE_EV_MODE:
		log_mark(mode_name(ev->mode));
		if (ev->mode != MODE_KDB && A.rl) {
			rl_callback_handler_remove();
			A.rl = 0;
		}
		if (ev->mode == MODE_CONSOLE)
			term_raw(1);
		break;
	case MODE_EV_KDB_PROMPT:
		if (!A.nwords && !A.learning && A.tty) {
			/* Learn the commands once, quietly, from `help`. */
			A.learning = 1;
			A.line_len = 0;
			port_write(A.port, "help\r", 5);
			break;
		}
		if (A.learning) {
			A.learning = 0;
			learn_words();
			A.line_len = 0;
			/* The prompt for the user, as kdb printed it before `help`. */
			snprintf(A.line, sizeof(A.line), "[%d]kdb> ", ev->cpu);
			A.line_len = strlen(A.line);
		}
		kdb_prompt();
		break;
	case MODE_EV_MORE:
		if (A.learning) {
			port_write(A.port, " ", 1);
			break;
		}
		A.more = 1;
		term_raw(1);
		break;
	case MODE_EV_PACKET:
		if (A.hex)
			show(ev->data, ev->len);
		break;
	case MODE_EV_REBOOT:
		log_mark("board rebooted");
		break;
	default:
		break;
	}
}

/* ---- the escape menu ---- */

static void menu_key(int c)
{
	struct kdb_entry e;
	struct session s;
	int rc;

	A.menu = 0;
	switch (c) {
	case 'b':
		say("breaking in...");
		session_init(&s, A.port);
		s.on_text = session_text_to_file;
		s.text_ctx = stdout;
		rc = kdb_break_in(&s, &A.how, &e);
		session_free(&s);
		if (rc)
			say("no kdb prompt: %s", session_strerror(&s, rc));
		else
			say("in kdb on cpu %d (%s, %ld ms): press Enter", e.cpu, e.how, e.ms);
		mode_init(&A.mode);
		break;
	case 'B':
		rc = port_send_break(A.port);
		say(rc ? "BREAK: %s" : "BREAK sent%s", rc ? A.port->err : "");
		break;
	case 'x':
		A.hex = !A.hex;
		say("hex view %s", A.hex ? "on" : "off");
		break;
	case 'l':
		toggle_log();
		break;
	case 'q':
		A.quit = 1;
		break;
	default:
		if (c == A.escape)	/* the escape key twice sends it */
			port_write(A.port, &(char){ (char)c }, 1);
		break;
	}
}

static void on_stdin(void)
{
	uint8_t buf[256];
	ssize_t n;

	if (A.rl && !A.more && !A.menu) {
		rl_callback_read_char();
		return;
	}
	n = read(0, buf, A.menu || A.more ? 1 : sizeof(buf));
	if (n <= 0) {
		A.quit = A.tty ? 1 : 2;	/* 2: stdin ended, drain then quit */
		return;
	}
	if (A.menu) {
		menu_key(buf[0]);
		return;
	}
	if (A.more) {
		A.more = 0;
		port_write(A.port, buf, 1);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (A.tty && buf[i] == A.escape) {
			port_write(A.port, buf, (size_t)i);
			A.menu = 1;
			say("menu: b break in, B send BREAK, x hex view, l log, q quit");
			if (i + 1 < n)
				menu_key(buf[i + 1]);
			return;
		}
	}
	port_write(A.port, buf, (size_t)n);
}

/* ---- the loop ---- */

static int reconnect(void)
{
	char err[300];

	say("lost %s: %s; waiting for it to come back (Ctrl-] q quits)", A.spec,
	    A.port->err);
	log_mark("port lost");
	port_close(A.port);
	A.port = NULL;
	while (!A.quit) {
		struct pollfd pfd = { .fd = 0, .events = POLLIN };

		if (port_open(A.spec, &A.port, err, sizeof(err)) == 0) {
			say("%s is back", A.spec);
			log_mark("port back");
			mode_init(&A.mode);
			return 0;
		}
		if (poll(&pfd, A.quit == 2 ? 0 : 1, 500) > 0) {
			uint8_t c;

			if (read(0, &c, 1) <= 0)
				return -1;
			if (A.menu) {
				A.menu = 0;
				A.quit = c == 'q';
			} else if (c == A.escape) {
				A.menu = 1;
			}
		}
	}
	return -1;
}

static void loop(void)
{
	uint8_t buf[4096];
	int idle = 0;

	while (!A.quit || A.quit == 2) {
		struct pollfd pfd[2] = {
			{ .fd = A.quit == 2 ? -1 : 0, .events = POLLIN },
			{ .fd = A.port->fd, .events = POLLIN },
		};
		/*
		 * Sleep until something happens: a timer only while a held '$'
		 * may need flushing as text, or while draining after stdin EOF.
		 * An idle board costs no wakeups.
		 */
		int rc = poll(pfd, 2, A.mode.held_len || A.quit == 2 ? 100 : -1);

		if (rc < 0 && errno != EINTR)
			break;
		if (rc == 0) {
			mode_flush(&A.mode, on_event, NULL);
			if (A.quit == 2 && ++idle >= 10)	/* 1 s quiet after EOF */
				break;
			continue;
		}
		idle = 0;
		if (pfd[1].revents) {
			ssize_t n = port_read(A.port, buf, sizeof(buf));

			if (n < 0) {
				if (reconnect())
					break;
				continue;
			}
			mode_feed(&A.mode, buf, (size_t)n, on_event, NULL);
		}
		if (pfd[0].revents & (POLLIN | POLLHUP))
			on_stdin();
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
	char err[300];
	int c;

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
	if (port_open(A.spec, &A.port, err, sizeof(err))) {
		fprintf(stderr, "nmidbg: %s\n", err);
		return NMIDBG_EXIT_PORT;
	}
	if (A.log_path) {
		A.log = fopen(A.log_path, "a");
		if (!A.log) {
			fprintf(stderr, "nmidbg: %s: %s\n", A.log_path, strerror(errno));
			port_close(A.port);
			return NMIDBG_EXIT_USAGE;
		}
		log_mark("attached");
	}
	A.tty = isatty(0);
	if (A.tty) {
		const char *home = getenv("HOME");
		char safe[200];
		size_t j = 0;

		tcgetattr(0, &A.saved);
		for (const char *p = A.spec; *p && j < sizeof(safe) - 1; p++)
			safe[j++] = isalnum((unsigned char)*p) ? *p : '_';
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
		rl_attempted_completion_function = complete;
		term_raw(1);
		fprintf(stderr, "[nmidbg] attached to %s; Ctrl-] opens the menu\r\n", A.spec);
	}
	mode_init(&A.mode);
	loop();
	if (A.rl)
		rl_callback_handler_remove();
	term_raw(0);
	if (A.tty)
		fputs("\n", stderr);
	if (A.log) {
		log_mark("detached");
		fclose(A.log);
	}
	for (int i = 0; i < A.nwords; i++)
		free(A.words[i]);
	free(A.learnt);
	port_close(A.port);
	return NMIDBG_EXIT_OK;
}
