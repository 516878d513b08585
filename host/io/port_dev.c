// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Device ports: serial devices through libserialport (baud, 8N1, no flow
 * control, BREAK), and other ttys -- ptys, which libserialport refuses --
 * through plain termios.  Both take an exclusive flock() so two nmidbg
 * (or picocom, which does the same) never share a line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libserialport.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "port.h"

/* "PATH[,BAUD]" */
static int parse_dev(struct port *p, const char *addr, char *path, size_t len)
{
	int rc;

	if (!p->baud)
		p->baud = 115200;	/* a device has no speed of its own to keep */
	rc = port_split_baud(p, addr, path, len);
	return rc == PORT_EINVAL && !path[0] ? port_fail(p, rc, "bad device path") : rc;
}

static int lock_fd(struct port *p, const char *path)
{
	char who[128];

	if (flock(p->fd, LOCK_EX | LOCK_NB) == 0)
		return PORT_OK;
	port_who_holds(path, who, sizeof(who));
	return port_fail(p, PORT_EBUSY, "port busy%s%s", who[0] ? ": held by " : "",
			 who);
}

static ssize_t fd_read(struct port *p, uint8_t *buf, size_t len)
{
	ssize_t n = read(p->fd, buf, len);

	if (n > 0)
		return n;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	p->eof = 1;
	/* EIO on a tty: the device is gone (USB unplug, pty closed). */
	return port_fail(p, PORT_EIO, "port closed%s%s", n < 0 ? ": " : "",
			 n < 0 ? strerror(errno) : "");
}

static ssize_t fd_write(struct port *p, const uint8_t *buf, size_t len)
{
	ssize_t n = write(p->fd, buf, len);

	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	p->eof = 1;
	return port_fail(p, PORT_EIO, "write: %s", strerror(errno));
}

/* ---- libserialport ---- */

static int serial_open(struct port *p, const char *addr)
{
	char path[PATH_MAX];
	struct sp_port *sp = NULL;
	struct stat st;
	int rc;

	rc = parse_dev(p, addr, path, sizeof(path));
	if (rc)
		return rc;
	if (stat(path, &st) < 0)
		return port_fail(p, port_errno_code(errno), "%s", strerror(errno));
	if (sp_get_port_by_name(path, &sp) != SP_OK)
		return port_fail(p, PORT_ENOENT, "not a serial port (%s)",
				 sp_last_error_message());
	if (sp_open(sp, SP_MODE_READ_WRITE) != SP_OK) {
		int err = errno;

		rc = port_fail(p, port_errno_code(err), "%s%s", strerror(err),
			       err == EACCES ? " (join the dialout group?)" : "");
		goto fail;
	}
	if (sp_set_baudrate(sp, p->baud) != SP_OK || sp_set_bits(sp, 8) != SP_OK ||
	    sp_set_parity(sp, SP_PARITY_NONE) != SP_OK ||
	    sp_set_stopbits(sp, 1) != SP_OK ||
	    sp_set_flowcontrol(sp, SP_FLOWCONTROL_NONE) != SP_OK) {
		rc = port_fail(p, PORT_EIO, "cannot set %d 8N1: %s", p->baud,
			       sp_last_error_message());
		goto fail_close;
	}
	if (sp_get_port_handle(sp, &p->fd) != SP_OK) {
		rc = port_fail(p, PORT_EIO, "no file descriptor");
		goto fail_close;
	}
	/* libserialport 0.1.1 opens without O_CLOEXEC: the line would reach gdb. */
	if (fcntl(p->fd, F_SETFD, FD_CLOEXEC)) {
		rc = port_fail(p, PORT_EIO, "close-on-exec: %s", strerror(errno));
		goto fail_close;
	}
	fcntl(p->fd, F_SETFL, fcntl(p->fd, F_GETFL) | O_NONBLOCK);
	rc = lock_fd(p, path);
	if (rc)
		goto fail_close;
	p->priv = sp;
	return PORT_OK;

fail_close:
	sp_close(sp);
fail:
	sp_free_port(sp);
	p->fd = -1;
	return rc;
}

/* Held PORT_BREAK_MS by port.c (or its caller's loop), then ended. */
static int serial_break(struct port *p)
{
	if (sp_start_break(p->priv) != SP_OK)
		return port_fail(p, PORT_EIO, "BREAK: %s", sp_last_error_message());
	return PORT_OK;
}

static int serial_break_end(struct port *p)
{
	/* A line left in BREAK is a line that sends nothing: say so. */
	if (sp_end_break(p->priv) != SP_OK)
		return port_fail(p, PORT_EIO, "BREAK could not be ended: %s",
				 sp_last_error_message());
	return PORT_OK;
}

static void serial_close(struct port *p)
{
	sp_close(p->priv);
	sp_free_port(p->priv);
}

const struct port_ops port_serial_ops = {
	.name = "serial", .open = serial_open, .read = fd_read,
	.write = fd_write, .send_break = serial_break, .end_break = serial_break_end,
	.close = serial_close,
};

/* ---- termios (ptys and other ttys) ---- */

static int tty_open(struct port *p, const char *addr)
{
	char path[PATH_MAX];
	struct termios tio;
	int rc = parse_dev(p, addr, path, sizeof(path));

	if (rc)
		return rc;
	p->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (p->fd < 0)
		return port_fail(p, port_errno_code(errno), "%s", strerror(errno));
	if (tcgetattr(p->fd, &tio) < 0) {
		rc = port_fail(p, PORT_EINVAL, "not a tty");
		goto fail;
	}
	cfmakeraw(&tio);
	tio.c_cflag |= CLOCAL | CREAD;
	cfsetspeed(&tio, B115200);
	tcsetattr(p->fd, TCSANOW, &tio);
	rc = lock_fd(p, path);
	if (rc)
		goto fail;
	return PORT_OK;
fail:
	close(p->fd);
	p->fd = -1;
	return rc;
}

static void tty_close(struct port *p)
{
	close(p->fd);
}

/* No send_break: a BREAK cannot cross a pty. */
const struct port_ops port_tty_ops = {
	.name = "pty", .open = tty_open, .read = fd_read, .write = fd_write,
	.close = tty_close,
};
