// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The serial backend's BREAK against a libserialport that fails: the
 * sp_* calls below take the place of the library's (the executable's
 * definitions win over the shared library's), so the port code runs as
 * it is, on a line that misbehaves on request.
 */
#include <libserialport.h>
#include <string.h>

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
	assert_int_equal(p.ops->send_break(&p), row->rc);
	assert_int_equal(starts, 1);
	assert_int_equal(ends, row->ends);
	if (strncmp(p.err, row->err, strlen(row->err)))
		fail_msg("port->err '%s', want '%s...'", p.err, row->err);
}

int main(void)
{
	struct CMUnitTest tests[ROWS_MAX];
	size_t n = ROWS_ADD(tests, 0, test_break_row, rows);

	return ROWS_RUN("port_dev", tests, n);
}
