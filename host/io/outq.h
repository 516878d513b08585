/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A client's output queue (the proxy's consoles, a gdb client): what a
 * socket cannot take now waits here, up to a bound, and goes out when the
 * loop says the socket is writable.  A client that falls further behind
 * is lost, never waited on: one that stops reading must not stop the rest.
 */
#ifndef NMIDBG_OUTQ_H
#define NMIDBG_OUTQ_H

#include <stddef.h>
#include <stdint.h>

#define OUTQ_BOUND	(256 * 1024)

struct outq {
	int fd;			/* -1: no client; output is dropped */
	uint8_t *buf;
	size_t off, len, cap;	/* the queued bytes are buf[off, off + len) */
	/* 0, ENOBUFS (the bound was passed) or the send()'s errno */
	int lost;
};

/* An empty queue for fd (-1: none yet). */
void outq_init(struct outq *q, int fd);
void outq_free(struct outq *q);
/*
 * Send what fd takes now, queue the rest.  0, or -1 once the client is
 * lost (q->lost says why; everything after that is dropped).
 */
int outq_put(struct outq *q, const void *data, size_t len);
/* The bytes waiting (0 once lost: nothing more will go). */
size_t outq_queued(const struct outq *q);
/* fd is writable (the loop polled it): send more of what waits. */
void outq_flush(struct outq *q);
/* Why the client was lost, for the message that drops it. */
const char *outq_why(const struct outq *q);

#endif
