// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Output queues (see outq.h).  A send goes straight out when nothing is
 * queued, so a client that keeps up costs no copy and no extra round.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "outq.h"

void outq_init(struct outq *q, int fd)
{
	memset(q, 0, sizeof(*q));
	q->fd = fd;
}

void outq_free(struct outq *q)
{
	free(q->buf);
	outq_init(q, -1);
}

/* Send from p; how much went, or -1 with q->lost set. */
static ssize_t send_some(struct outq *q, const uint8_t *p, size_t len)
{
	ssize_t n = send(q->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	q->lost = errno;
	return -1;
}

int outq_put(struct outq *q, const void *data, size_t len)
{
	const uint8_t *p = data;
	ssize_t n = 0;

	if (q->lost || q->fd < 0)
		return q->lost ? -1 : 0;
	if (!q->len && (n = send_some(q, p, len)) < 0)
		return -1;
	p += n;
	len -= (size_t)n;
	if (!len)
		return 0;
	if (q->len + len > OUTQ_BOUND) {
		q->lost = ENOBUFS;
		return -1;
	}
	if (q->off + q->len + len > q->cap) {
		if (q->off)
			memmove(q->buf, q->buf + q->off, q->len);
		q->off = 0;
	}
	if (q->len + len > q->cap) {
		size_t cap = 2 * (q->len + len) < OUTQ_BOUND ? 2 * (q->len + len) : OUTQ_BOUND;
		uint8_t *b = realloc(q->buf, cap);

		if (!b) {
			q->lost = ENOMEM;
			return -1;
		}
		q->buf = b;
		q->cap = cap;
	}
	memcpy(q->buf + q->off + q->len, p, len);
	q->len += len;
	return 0;
}

size_t outq_queued(const struct outq *q)
{
	return q->lost ? 0 : q->len;
}

void outq_flush(struct outq *q)
{
	ssize_t n;

	if (q->lost || !q->len || (n = send_some(q, q->buf + q->off, q->len)) <= 0)
		return;
	q->off += (size_t)n;
	q->len -= (size_t)n;
	if (!q->len)
		q->off = 0;
}

const char *outq_why(const struct outq *q)
{
	return q->lost == ENOBUFS ? "it does not read" : strerror(q->lost);
}
