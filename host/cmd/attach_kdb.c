// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg attach: what the board prints, as the user sees it.  Every byte
 * the session's mode tracker passes on comes here, whoever asked for it
 * (the console, or the menu's break-in): into the log (-l), through the
 * hex view and the echo filter.  At a kdb prompt, lines are edited with
 * readline (callback API, history per board, Tab-completion of the kdb
 * commands learnt from the board's own `help`); the board's echo of a
 * sent line is filtered out, and its `more>` pager gets the next key raw.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <readline/history.h>
#include <readline/readline.h>

#include "attach.h"

/* ---- the log: timestamped lines, mode changes marked ---- */

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

void attach_log_mark(const char *what)
{
	if (!A.log)
		return;
	log_stamp();
	fprintf(A.log, "--- %s ---\n", what);
	fflush(A.log);
}

void attach_toggle_log(void)
{
	if (A.log) {
		attach_log_mark("log stopped");
		fclose(A.log);
		A.log = NULL;
		attach_say("log stopped");
		return;
	}
	A.log = fopen(A.log_path ? A.log_path : "nmidbg.log", "ae");
	if (!A.log) {
		attach_say("cannot open log: %s", strerror(errno));
		return;
	}
	attach_log_mark("log started");
	attach_say("logging to %s", A.log_path ? A.log_path : "nmidbg.log");
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

char **attach_complete(const char *text, int start, int end)
{
	(void)end;
	rl_attempted_completion_over = 1;
	return start == 0 ? rl_completion_matches(text, complete_word) : NULL;
}

/*
 * Commands from `help`: the first word of each line that has a usage.
 * Not from kdb's echo of the `help` sent, nor from the prompt after the
 * table: on a uniprocessor kernel it is "kdb> ", and "kdb>" no command.
 */
static void learn_words(void)
{
	char *save, *line, *last = A.learnt ? strrchr(A.learnt, '\n') : NULL;

	if (!last)
		goto out;
	last[1] = '\0';
	for (line = strtok_r(A.learnt, "\n", &save); line && A.nwords < ATTACH_MAX_WORDS;
	     line = strtok_r(NULL, "\n", &save)) {
		char word[32];

		line[strcspn(line, "\r")] = '\0';
		if (sscanf(line, "%31s", word) != 1 || !isalpha((unsigned char)word[0]) ||
		    strchr(word, ':') || strcmp(word, "Command") == 0 ||
		    strcmp(line, "help") == 0)
			continue;
		A.words[A.nwords++] = strdup(word);
	}
out:
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
	attach_send(line, strlen(line));
	attach_send("\r", 1);
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
	attach_term_raw(0);
	/* The board's prompt is on screen already: readline redraws it. */
	attach_out("\r", 1);
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
			attach_out(buf, (size_t)k);
		}
		return;
	}
	attach_out(b, n);
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

void attach_on_event(void *ctx, const struct mode_event *ev)
{
	(void)ctx;
	switch (ev->type) {
	case MODE_EV_TEXT:
		on_text(ev->data, ev->len);
		break;
	case MODE_EV_MODE:
		attach_log_mark(mode_name(ev->mode));
		if (ev->mode != MODE_KDB && A.rl) {
			rl_callback_handler_remove();
			A.rl = 0;
		}
		if (ev->mode == MODE_CONSOLE)
			attach_term_raw(1);
		break;
	case MODE_EV_KDB_PROMPT:
		if (!A.asked && A.tty) {
			/*
			 * Learn the commands once, quietly, from `help`; once
			 * even if it taught none (each prompt would ask again).
			 */
			A.asked = 1;
			A.learning = 1;
			A.line_len = 0;
			attach_send("help\r", 5);
			break;
		}
		if (A.learning) {
			A.learning = 0;
			learn_words();
			A.line_len = 0;
			/* The prompt for the user, as kdb printed it before `help`. */
			if (ev->cpu < 0)	/* a uniprocessor kernel */
				snprintf(A.line, sizeof(A.line), "kdb> ");
			else
				snprintf(A.line, sizeof(A.line), "[%d]kdb> ", ev->cpu);
			A.line_len = strlen(A.line);
		}
		kdb_prompt();
		break;
	case MODE_EV_MORE:
		if (A.learning) {
			attach_send(" ", 1);
			break;
		}
		A.more = 1;
		attach_term_raw(1);
		break;
	case MODE_EV_PACKET:
		if (A.hex)
			show(ev->data, ev->len);
		break;
	case MODE_EV_REBOOT:
		attach_log_mark("board rebooted");
		break;
	default:
		break;
	}
}


void attach_forget_words(void)
{
	for (int i = 0; i < A.nwords; i++)
		free(A.words[i]);
	A.nwords = 0;
	free(A.learnt);
	A.learnt = NULL;
}
