// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The serial backend's BREAK against a libserialport that fails, and its
 * open against one that opens as 0.1.1 does: the sp_* calls below take
 * the place of the library's (the executable's definitions win over the
 * shared library's), so the port code runs as it is, on a line that
 * misbehaves on request.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <libserialport.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "port.h"
#include "rows.h"

static enum sp_return start_rc, end_rc;
static int starts, ends;

enum sp_return sp_start_break(struct sp_port *port)
{
	(void)port;
	starts++;
	return start_rc;
}

enum sp_return sp_end_break(struct sp_port *port)
{
	(void)port;
	ends++;
	return end_rc;
}

char *sp_last_error_message(void)
{
	static char msg[] = "Inappropriate ioctl for device";

	return msg;
}

/* ---- open: a plain file stands in for the device ---- */

static char dev_path[64];
static int dev_fd = -1;
static int dev_port;		/* what our struct sp_port * points at */

enum sp_return sp_get_port_by_name(const char *portname, struct sp_port **port_ptr)
{
	snprintf(dev_path, sizeof(dev_path), "%s", portname);
	*port_ptr = (struct sp_port *)&dev_port;
	return SP_OK;
}

/* As libserialport 0.1.1's sp_open(): no O_CLOEXEC. */
enum sp_return sp_open(struct sp_port *port, enum sp_mode flags)
{
	(void)port;
	(void)flags;
	dev_fd = open(dev_path, O_RDWR | O_NOCTTY | O_NONBLOCK);
	return dev_fd < 0 ? SP_ERR_FAIL : SP_OK;
}

enum sp_return sp_get_port_handle(const struct sp_port *port, void *result_ptr)
{
	(void)port;
	*(int *)result_ptr = dev_fd;
	return SP_OK;
}

enum sp_return sp_close(struct sp_port *port)
{
	(void)port;
	close(dev_fd);
	dev_fd = -1;
	return SP_OK;
}

void sp_free_port(struct sp_port *port)
{
	(void)port;
}

/* 8N1 at any baud rate, no flow control: every setting takes. */
#define SETTING_TAKES(fn, type)						\
	enum sp_return fn(struct sp_port *port, type value)		\
	{								\
		(void)port;						\
		(void)value;						\
		return SP_OK;						\
	}

SETTING_TAKES(sp_set_baudrate, int)
SETTING_TAKES(sp_set_bits, int)
SETTING_TAKES(sp_set_parity, enum sp_parity)
SETTING_TAKES(sp_set_stopbits, int)
SETTING_TAKES(sp_set_flowcontrol, enum sp_flowcontrol)

/* The line must not reach gdb or OpenOCD: close-on-exec once open. */
static void test_open_is_close_on_exec(void **state)
{
	char path[] = "/tmp/nmidbg-test-port-dev-XXXXXX", spec[64];
	int fd = mkstemp(path);
	struct port *p;
	char err[300];

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	snprintf(spec, sizeof(spec), "%s,115200", path);
	assert_int_equal(port_open(spec, &p, err, sizeof(err)), PORT_OK);
	assert_ptr_equal(p->ops, &port_serial_ops);
	assert_int_equal(p->fd, dev_fd);
	assert_true(fcntl(p->fd, F_GETFD) & FD_CLOEXEC);
	port_close(p);
	unlink(path);
}

static const struct break_row {
	const char *name;
	enum sp_return start, end;
	int rc;
	const char *err;	/* in port->err */
	int ends;		/* sp_end_break calls */
} rows[] = {
	{ "BREAK on and off", SP_OK, SP_OK, PORT_OK, "", 1 },
	{ "BREAK cannot start", SP_ERR_FAIL, SP_OK, PORT_EIO, "BREAK: Inappropriate", 0 },
	{ "BREAK cannot be ended", SP_OK, SP_ERR_FAIL, PORT_EIO,
	  "BREAK could not be ended: Inappropriate", 1 },
};

static void test_break_row(void **state)
{
	const struct break_row *row = *state;
	struct port p = { .ops = &port_serial_ops, .fd = -1 };

	start_rc = row->start;
	end_rc = row->end;
	starts = ends = 0;
	assert_int_equal(port_send_break(&p), row->rc);
	assert_int_equal(starts, 1);
	assert_int_equal(ends, row->ends);
	if (strncmp(p.err, row->err, strlen(row->err)))
		fail_msg("port->err '%s', want '%s...'", p.err, row->err);
}

int main(void)
{
	struct CMUnitTest tests[ROWS_MAX];
	size_t n = ROWS_ADD(tests, 0, test_break_row, rows);

	n = ROWS_CASE(tests, n, test_open_is_close_on_exec);

	return ROWS_RUN("port_dev", tests, n);
}
