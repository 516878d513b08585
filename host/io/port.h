/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Ports: one transport interface (an ops struct, like the kernel's
 * struct kgdb_io), several backends chosen by the PORT string:
 *
 *   /dev/ttyUSB0[,BAUD]    a serial device, through libserialport
 *   /dev/pts/N[,BAUD]      any other tty (ptys: libserialport refuses them)
 *   unix:PATH              a Unix stream socket, raw
 *   tcp:HOST:PORT          a TCP socket, raw
 *   telnet:HOST:PORT       telnet (QEMU's telnet socket; BREAK is IAC BRK)
 *   rfc2217://HOST:PORT[,BAUD]  ser2net's network serial (BREAK by
 *                          SET-CONTROL); the server's speed unless BAUD
 *
 * Every call returns 0 or a positive count, or a negative PORT_E* code
 * with a message in port->err.
 */
#ifndef NMIDBG_PORT_H
#define NMIDBG_PORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "telnet.h"

enum {
	PORT_OK = 0,
	PORT_EINVAL = -1,	/* bad PORT string */
	PORT_ENOENT = -2,	/* no such port */
	PORT_EBUSY = -3,	/* held by another process */
	PORT_EACCES = -4,	/* permission denied */
	PORT_EIO = -5,		/* I/O error, connection refused or lost */
	PORT_ENOTSUP = -6,	/* the transport cannot do that */
	PORT_EINTR = -7,	/* a signal ended a wait to write (Ctrl-C, SIGTERM) */
	PORT_EAGAIN = -8,	/* port_open_start(): a socket still connects */
};

struct port;

struct port_ops {
	const char *name;
	/* PORT_EAGAIN (p->nonblock only): connecting; open_more() when p->fd is writable. */
	int (*open)(struct port *p, const char *addr);
	int (*open_more)(struct port *p);
	/* Data bytes only: transport framing is removed.  0: nothing now. */
	ssize_t (*read)(struct port *p, uint8_t *buf, size_t len);
	ssize_t (*write)(struct port *p, const uint8_t *buf, size_t len);
	/* BREAK: sent whole (telnet), or started here and ended by end_break. */
	int (*send_break)(struct port *p);
	int (*end_break)(struct port *p);
	void (*close)(struct port *p);
};

struct port {
	const struct port_ops *ops;
	int fd;			/* poll() it for input */
	int baud;		/* bits/s; 0: what the other end has set */
	int eof;		/* the other end went away */
	int nonblock;		/* port_open_start(): not even a Unix connect() waits */
	int in_break;		/* the line is held in BREAK (port_break_start) */
	const char *spec;	/* as opened, for the errors of port_open_more() */
	void *priv;		/* backend state */
	struct telnet telnet;	/* telnet and rfc2217 */
	char err[256];
};

/*
 * Whether spec names a port nmidbg knows (a device path or one of the
 * schemes above): 1, or 0 with the reason in err.  Nothing is opened.
 */
int port_spec_known(const char *spec, char *err, size_t errlen);
/* Open PORT; on failure *out is NULL and err holds the reason. */
int port_open(const char *spec, struct port **out, char *err, size_t errlen);
/*
 * The same without waiting on a socket's connect() (a host that
 * black-holes makes it wait minutes): PORT_OK, open; PORT_EAGAIN, *out
 * connecting: poll (*out)->fd for POLLOUT, then port_open_more(); or an
 * error, *out NULL.  A Unix socket whose listener's queue is full is
 * PORT_EBUSY: try again later.
 */
int port_open_start(const char *spec, struct port **out, char *err, size_t errlen);
/*
 * *pp's connect ended (its fd was writable, or failed): PORT_OK, open;
 * PORT_EAGAIN, the next address connects (its own fd); or an error,
 * *pp closed and NULL.
 */
int port_open_more(struct port **pp, char *err, size_t errlen);
/*
 * Up to len data bytes into buf; 0: nothing now.  telnet: and rfc2217://
 * need len > TELNET_SB_MAX (else PORT_EINVAL).
 */
ssize_t port_read(struct port *p, uint8_t *buf, size_t len);
/* Write all of buf (waits for the transport as needed). */
int port_write(struct port *p, const void *buf, size_t len);
/* BREAK, held PORT_BREAK_MS where the line has a duration (waiting on the port). */
int port_send_break(struct port *p);
/*
 * The same for a caller that waits on its loop: PORT_OK when the BREAK
 * went whole, PORT_BREAK_HELD when the line is in BREAK until
 * port_break_end() (PORT_BREAK_MS later; a write or a close ends it
 * first: a line left in BREAK sends nothing), or an error.
 */
#define PORT_BREAK_MS	250
#define PORT_BREAK_HELD	1
int port_break_start(struct port *p);
int port_break_end(struct port *p);
void port_close(struct port *p);

/*
 * For backends: write all of buf with write_fn (a backend's raw write),
 * waiting up to 5 s at a time for the transport to take more.
 */
int port_write_all(struct port *p,
		   ssize_t (*write_fn)(struct port *, const uint8_t *, size_t),
		   const uint8_t *buf, size_t len);
/*
 * For backends: split "ADDR[,BAUD]" into head (len bytes at most, ADDR)
 * and p->baud (BAUD: 1 to 10^7; without one p->baud is left as it is).
 * PORT_EINVAL with the reason for an empty ADDR, one that does not fit,
 * or a BAUD that is not a number in range.
 */
int port_split_baud(struct port *p, const char *addr, char *head, size_t len);
/* For backends: set p->err and return code. */
int port_fail(struct port *p, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A line on stderr under NMIDBG_DEBUG=1 (the wire trace's switch). */
void port_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Map errno to a PORT_E* code. */
int port_errno_code(int err);
/* Who has a device open (for "busy" errors): "pid 123 (picocom)" or "". */
void port_who_holds(const char *path, char *buf, size_t len);

extern const struct port_ops port_serial_ops, port_tty_ops, port_unix_ops,
	port_tcp_ops, port_telnet_ops, port_rfc2217_ops;

#endif
