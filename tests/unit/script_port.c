// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The scripted fake port (see script_port.h).  nmidbg's writes are
 * matched byte by byte against the current row's expect; when it is
 * complete, the row's answer is written into the other end of a socket
 * pair, where the session's poll() and read() find it.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "script_port.h"

struct script {
	const struct script_row *row;
	size_t matched;		/* bytes of row->expect seen */
	int board;		/* the board's end of the socket pair */
	char bad[256];		/* the first mismatch */
};

static void advance(struct script *sc)
{
	const char *a = sc->row->answer;

	if (*a && write(sc->board, a, strlen(a)) != (ssize_t)strlen(a))
		snprintf(sc->bad, sizeof(sc->bad), "answer not written");
	sc->row++;
	sc->matched = 0;
}

static void mismatch(struct script *sc, const char *got, size_t len)
{
	if (sc->bad[0])
		return;
	snprintf(sc->bad, sizeof(sc->bad), "row '%s': got '%.*s' at byte %zu",
		 sc->row->expect ? sc->row->expect : "(end)", (int)len, got,
		 sc->matched);
}

static ssize_t script_write(struct port *p, const uint8_t *buf, size_t len)
{
	struct script *sc = p->priv;

	for (size_t i = 0; i < len; i++) {
		const char *e = sc->row->expect;

		if (!e || strcmp(e, SCRIPT_BREAK) == 0 || e[sc->matched] != (char)buf[i]) {
			mismatch(sc, (const char *)buf + i, len - i);
			return (ssize_t)len;
		}
		if (!e[++sc->matched])
			advance(sc);
	}
	return (ssize_t)len;
}

static ssize_t script_read(struct port *p, uint8_t *buf, size_t len)
{
	ssize_t n = read(p->fd, buf, len);

	return n > 0 ? n : port_fail(p, PORT_EIO, "script: board end closed");
}

static int script_break(struct port *p)
{
	struct script *sc = p->priv;

	if (!sc->row->expect || strcmp(sc->row->expect, SCRIPT_BREAK)) {
		mismatch(sc, "[BREAK]", 7);
		return PORT_OK;
	}
	advance(sc);
	return PORT_OK;
}

static void script_close(struct port *p)
{
	struct script *sc = p->priv;

	close(p->fd);
	close(sc->board);
	free(sc);
}

static const struct port_ops script_ops = {
	.name = "script", .read = script_read, .write = script_write,
	.send_break = script_break, .close = script_close,
};

struct port *script_port_open(const struct script_row *rows)
{
	struct port *p = calloc(1, sizeof(*p));
	struct script *sc = calloc(1, sizeof(*sc));
	int sv[2];

	if (!p || !sc || socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		free(p);
		free(sc);
		return NULL;
	}
	sc->row = rows;
	sc->board = sv[1];
	p->ops = &script_ops;
	p->fd = sv[0];
	p->priv = sc;
	return p;
}

void script_port_done(struct port *p)
{
	struct script *sc = p->priv;
	char bad[sizeof(sc->bad) + 64];

	if (!sc->bad[0] && sc->row->expect)
		snprintf(sc->bad, sizeof(sc->bad), "row '%s' never came",
			 sc->row->expect);
	snprintf(bad, sizeof(bad), "%s", sc->bad);
	port_close(p);
	if (bad[0])
		fail_msg("script: %s", bad);
}
