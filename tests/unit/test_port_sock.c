// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The socket ports when socket() itself fails (no descriptor left, a
 * policy that forbids the family): the socket() below takes the place of
 * the C library's (the executable's definition wins), so port_sock.c and
 * net.c run as they are and must report the real errno, never "Success".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>

#include "net.h"
#include "port.h"
#include "rows.h"

static int socket_errno;	/* what every socket() fails with */
static int sockets;		/* socket() calls */

int socket(int domain, int type, int protocol)
{
	(void)domain;
	(void)type;
	(void)protocol;
	sockets++;
	errno = socket_errno;
	return -1;
}

static const struct sock_row {
	const char *name;
	const char *spec;
	int err;		/* socket()'s errno */
	int rc;
	const char *want;	/* the whole message */
} rows[] = {
	{ "tcp: no descriptor left", "tcp:127.0.0.1:1", EMFILE, PORT_EIO,
	  "tcp:127.0.0.1:1: Too many open files" },
	{ "tcp: family forbidden", "tcp:127.0.0.1:1", EACCES, PORT_EACCES,
	  "tcp:127.0.0.1:1: Permission denied" },
	{ "telnet: no descriptor left", "telnet:127.0.0.1:1", EMFILE, PORT_EIO,
	  "telnet:127.0.0.1:1: Too many open files" },
	{ "unix: no descriptor left", "unix:/nonexistent", EMFILE, PORT_EIO,
	  "unix:/nonexistent: Too many open files" },
};

static void test_sock_row(void **state)
{
	const struct sock_row *row = *state;
	struct port *p;
	char err[300];

	socket_errno = row->err;
	sockets = 0;
	assert_int_equal(port_open(row->spec, &p, err, sizeof(err)), row->rc);
	assert_null(p);
	assert_true(sockets >= 1);
	assert_string_equal(err, row->want);
}

/* The loopback client (gdb's side of nmidbg's tests, the proxy's). */
static void test_net_connect_says_why(void **state)
{
	char why[300];

	(void)state;
	socket_errno = EMFILE;
	assert_int_equal(net_connect("tcp:127.0.0.1:1", 1000, why, sizeof(why)), -1);
	assert_int_equal(errno, EMFILE);
	assert_string_equal(why, "127.0.0.1:1: Too many open files");
}

int main(void)
{
	struct CMUnitTest tests[ROWS_MAX];
	size_t n = ROWS_ADD(tests, 0, test_sock_row, rows);

	n = ROWS_CASE(tests, n, test_net_connect_says_why);
	return ROWS_RUN("port_sock", tests, n);
}
