/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Listening sockets (see net.c). */
#ifndef NMIDBG_NET_H
#define NMIDBG_NET_H

#include <stddef.h>

/*
 * Listen on "tcp:HOST:PORT", "HOST:PORT" or "PORT" (HOST defaults to
 * 127.0.0.1; PORT 0: any free one, *bound says which).  A HOST that is not
 * loopback is refused unless any: whoever reaches the socket can stop the
 * board.  Returns the fd, or -1 with the reason in why and errno set
 * (EADDRINUSE: taken; EINVAL: not an address, or not loopback).
 */
int net_listen(const char *spec, int any, int *bound, char *why, size_t len);

/*
 * Connect to "tcp:HOST:PORT" or "HOST:PORT" within timeout_ms.  Returns
 * the fd (blocking, close-on-exec), or -1 with errno set (ECONNREFUSED:
 * nothing listens; ETIMEDOUT) and the reason in why.
 */
int net_connect(const char *spec, int timeout_ms, char *why, size_t len);

/*
 * A client of a listening socket, close-on-exec, with TCP_NODELAY: RSP is
 * small packets answered at once ("+" then the reply), which Nagle's
 * algorithm with the peer's delayed ACK holds back by up to 40 ms each
 * (measured: 53 ms a memory read through nmidbg gdb, 8.5 ms direct).
 * Returns the fd, or -1 with errno.
 */
int net_accept(int lfd);

#endif
