/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * nmidbg attach: the state its two files share.  attach.c has the
 * terminal, the menu, and the loop; attach_kdb.c what the board prints
 * (log, hex view, echo filter) and the kdb line editing.
 */
#ifndef NMIDBG_ATTACH_H
#define NMIDBG_ATTACH_H

#include <stdio.h>
#include <termios.h>

#include "kdb.h"
#include "session.h"

#define ATTACH_MAX_WORDS 128

struct attach {
	const char *spec;
	struct session s;	/* the port, and the mode tracker over it */
	int tty;		/* stdin is a terminal */
	struct termios saved;
	int raw;		/* terminal in raw mode (console passthrough) */
	int rl;			/* readline handler installed (kdb mode) */
	int escape;		/* the escape key */
	int menu;		/* the next key is a menu choice */
	int more;		/* the pager waits: the next key goes raw */
	int hex;
	struct kdb_how how;	/* the menu's break in */
	struct loop *l;		/* the console's loop: that break-in runs on it */
	int breaking;		/* it runs: keys other than the menu's wait */
	struct kdb_breakin bi;
	struct kdb_entry be;
	long quiet_since;	/* stdin ended at, or the board last spoke */
	FILE *log;
	const char *log_path;
	char logline[1024];
	size_t logline_len;
	char line[256];		/* the current output line, for the prompt */
	size_t line_len;
	char echo[512];		/* a sent kdb line whose echo to swallow */
	size_t echo_len, echo_pos;
	int learning;		/* `help` runs silently to learn the commands */
	int asked;		/* it ran: what it taught, if anything, stays */
	char *learnt;
	size_t learnt_len;
	char *words[ATTACH_MAX_WORDS];
	int nwords;
	char history[512];
	int quit;
};

extern struct attach A;

/* attach.c */
void attach_out(const void *buf, size_t len);
void attach_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void attach_term_raw(int on);
int attach_send(const void *buf, size_t len);

/* attach_kdb.c */
void attach_log_mark(const char *what);
void attach_toggle_log(void);
/* Every event of the session's mode tracker: what the user sees. */
void attach_on_event(void *ctx, const struct mode_event *ev);
char **attach_complete(const char *text, int start, int end);
void attach_forget_words(void);

#endif
