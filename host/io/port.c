// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Port front end: PORT string parsing, the wire trace (NMIDBG_DEBUG=1),
 * and the helpers the backends share.
 */
#define _GNU_SOURCE	/* strcasestr, vasprintf-free formatting */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "port.h"

static int trace_on = -1;

static int debug_on(void)
{
	if (trace_on < 0) {
		const char *v = getenv("NMIDBG_DEBUG");

		trace_on = v && *v && strcmp(v, "0") != 0;
	}
	return trace_on;
}

void port_debug(const char *fmt, ...)
{
	va_list ap;

	if (!debug_on())
		return;
	va_start(ap, fmt);
	fputs("nmidbg: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void trace(const char *dir, const uint8_t *buf, size_t len)
{
	if (!debug_on() || !len)
		return;
	fprintf(stderr, "nmidbg: %s %zu:", dir, len);
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, " %02x", buf[i]);
	fputc('\n', stderr);
}

int port_fail(struct port *p, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	return code;
}

int port_errno_code(int err)
{
	switch (err) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		return PORT_ENOENT;
	case EACCES:
	case EPERM:
		return PORT_EACCES;
	case EBUSY:
	case EWOULDBLOCK:
		return PORT_EBUSY;
	default:
		return PORT_EIO;
	}
}

void port_who_holds(const char *path, char *buf, size_t len)
{
	char real[PATH_MAX], link[PATH_MAX], fdpath[300], comm[64];
	struct dirent *pe, *fe;
	DIR *procs, *fds;
	pid_t self = getpid();

	buf[0] = '\0';
	if (!realpath(path, real) || !(procs = opendir("/proc")))
		return;
	while (!buf[0] && (pe = readdir(procs))) {
		pid_t pid = (pid_t)atoi(pe->d_name);

		if (pid <= 0 || pid == self)
			continue;
		snprintf(fdpath, sizeof(fdpath), "/proc/%d/fd", pid);
		if (!(fds = opendir(fdpath)))
			continue;
		while ((fe = readdir(fds))) {
			ssize_t n;

			snprintf(fdpath, sizeof(fdpath), "/proc/%d/fd/%s", pid,
				 fe->d_name);
			n = readlink(fdpath, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (strcmp(link, real) == 0) {
				FILE *f;

				snprintf(fdpath, sizeof(fdpath), "/proc/%d/comm", pid);
				comm[0] = '\0';
				if ((f = fopen(fdpath, "re"))) {
					if (fgets(comm, sizeof(comm), f))
						comm[strcspn(comm, "\n")] = '\0';
					fclose(f);
				}
				snprintf(buf, len, "pid %d (%s)", pid, comm);
				break;
			}
		}
		closedir(fds);
	}
	closedir(procs);
}

/* The backend a PORT string names, and the address part it gets. */
static const struct port_ops *pick(const char *spec, const char **addr)
{
	static const struct {
		const char *prefix;
		const struct port_ops *ops;
	} schemes[] = {
		{ "unix:", &port_unix_ops },
		{ "tcp:", &port_tcp_ops },
		{ "telnet:", &port_telnet_ops },
		{ "rfc2217://", &port_rfc2217_ops },
	};

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t n = strlen(schemes[i].prefix);

		if (strncmp(spec, schemes[i].prefix, n) == 0) {
			*addr = spec + n;
			return schemes[i].ops;
		}
	}
	*addr = spec;
	if (spec[0] != '/')
		return NULL;
	/* libserialport needs sysfs metadata that ptys lack. */
	if (strncmp(spec, "/dev/pts/", 9) == 0 || strncmp(spec, "/dev/pty", 8) == 0)
		return &port_tty_ops;
	return &port_serial_ops;
}

/*
 * A device path through links (/dev/serial/by-id/..., a lab's udev names)
 * to the device itself: libserialport 0.1.1 does not follow them, and the
 * backend is chosen by the device's own name.  spec is kept, ",BAUD" too.
 */
static const char *resolve_device(const char *spec, char *buf, size_t len)
{
	char path[PATH_MAX], real[PATH_MAX];
	const char *comma = strchr(spec, ',');
	size_t n = comma ? (size_t)(comma - spec) : strlen(spec);

	if (spec[0] != '/' || n >= sizeof(path))
		return spec;
	memcpy(path, spec, n);
	path[n] = '\0';
	if (!realpath(path, real) || !strcmp(real, path) ||
	    (size_t)snprintf(buf, len, "%s%s", real, comma ? comma : "") >= len)
		return spec;
	return buf;
}

int port_spec_known(const char *spec, char *err, size_t errlen)
{
	const char *addr;

	if (pick(spec, &addr))
		return 1;
	snprintf(err, errlen,
		 "'%s' is not a port: use a device path, unix:PATH, tcp:HOST:PORT, telnet:HOST:PORT or rfc2217://HOST:PORT",
		 spec);
	return 0;
}

/* An open that failed: its reason (named as the user spelt it), the port gone. */
static int open_failed(struct port **pp, int rc, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", (*pp)->spec, (*pp)->err);
	free(*pp);
	*pp = NULL;
	return rc;
}

static int open_common(const char *spec, struct port **out, char *err, size_t errlen,
		       int nonblock)
{
	const struct port_ops *ops;
	struct port *p;
	const char *addr, *name = spec;
	char resolved[PATH_MAX + 32];
	int rc;

	*out = NULL;
	spec = resolve_device(spec, resolved, sizeof(resolved));
	ops = pick(spec, &addr);
	if (!ops) {
		port_spec_known(spec, err, errlen);
		return PORT_EINVAL;
	}
	p = calloc(1, sizeof(*p) + strlen(name) + 1);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return PORT_EIO;
	}
	p->ops = ops;
	p->fd = -1;
	p->baud = 0;	/* each backend: its default, or the other end's */
	p->nonblock = nonblock;
	p->spec = strcpy((char *)(p + 1), name);
	telnet_init(&p->telnet);
	*out = p;
	rc = ops->open(p, addr);
	if (rc < 0 && rc != PORT_EAGAIN)
		return open_failed(out, rc, err, errlen);
	return rc;
}

int port_open_start(const char *spec, struct port **out, char *err, size_t errlen)
{
	return open_common(spec, out, err, errlen, 1);
}

int port_open_more(struct port **pp, char *err, size_t errlen)
{
	int rc = (*pp)->ops->open_more(*pp);

	if (rc < 0 && rc != PORT_EAGAIN)
		return open_failed(pp, rc, err, errlen);
	return rc;
}

int port_open(const char *spec, struct port **out, char *err, size_t errlen)
{
	int rc = open_common(spec, out, err, errlen, 0);

	/*
	 * A socket's connect(), waited for as a blocking one was: as long as
	 * it takes; a signal nmidbg catches ends it.
	 */
	while (rc == PORT_EAGAIN) {
		struct pollfd pfd = { .fd = (*out)->fd, .events = POLLOUT };

		if (poll(&pfd, 1, -1) < 0 && errno == EINTR) {
			port_fail(*out, PORT_EIO, "%s", strerror(EINTR));
			(*out)->ops->close(*out);
			return open_failed(out, PORT_EIO, err, errlen);
		}
		rc = port_open_more(out, err, errlen);
	}
	return rc;
}

ssize_t port_read(struct port *p, uint8_t *buf, size_t len)
{
	ssize_t n = p->ops->read(p, buf, len);

	if (n > 0)
		trace("<", buf, (size_t)n);
	return n;
}

int port_split_baud(struct port *p, const char *addr, char *head, size_t len)
{
	const char *comma = strchr(addr, ',');
	size_t n = comma ? (size_t)(comma - addr) : strlen(addr);

	head[0] = '\0';
	if (n == 0 || n >= len)
		return port_fail(p, PORT_EINVAL, "bad address");
	memcpy(head, addr, n);
	head[n] = '\0';
	if (comma) {
		char *end;
		long baud = strtol(comma + 1, &end, 10);

		if (end == comma + 1 || *end || baud <= 0 || baud > 10000000)
			return port_fail(p, PORT_EINVAL, "bad baud rate '%s'", comma + 1);
		p->baud = (int)baud;
	}
	return PORT_OK;
}

int port_write_all(struct port *p,
		   ssize_t (*write_fn)(struct port *, const uint8_t *, size_t),
		   const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write_fn(p, buf, len);

		if (n < 0)
			return (int)n;
		if (n == 0) {
			struct pollfd pfd = { .fd = p->fd, .events = POLLOUT };
			int ready = poll(&pfd, 1, 5000);

			/* Only the signals nmidbg catches interrupt it: they end the command. */
			if (ready < 0 && errno == EINTR)
				return port_fail(p, PORT_EINTR, "interrupted");
			if (ready <= 0)
				return port_fail(p, PORT_EIO, "write timed out");
			continue;
		}
		buf += n;
		len -= (size_t)n;
	}
	return PORT_OK;
}

int port_write(struct port *p, const void *buf, size_t len)
{
	int rc = p->in_break ? port_break_end(p) : PORT_OK;

	if (rc)
		return rc;
	trace(">", buf, len);
	return port_write_all(p, p->ops->write, buf, len);
}

int port_break_start(struct port *p)
{
	int rc;

	if (!p->ops->send_break)
		return port_fail(p, PORT_ENOTSUP,
				 "a %s port cannot send BREAK (use telnet:, rfc2217:// or a serial device)",
				 p->ops->name);
	trace(">", (const uint8_t *)"[BREAK]", 7);
	rc = p->ops->send_break(p);
	if (rc || !p->ops->end_break)
		return rc;
	p->in_break = 1;
	return PORT_BREAK_HELD;
}

int port_break_end(struct port *p)
{
	p->in_break = 0;
	return p->ops->end_break(p);
}

int port_send_break(struct port *p)
{
	struct pollfd pfd = { .fd = p->fd, .events = 0 };
	int rc = port_break_start(p);

	if (rc != PORT_BREAK_HELD)
		return rc;
	/*
	 * Held on the port itself: only its failing or a signal nmidbg
	 * catches cuts it short (the BREAK is ended all the same).  The
	 * line carries nothing else meanwhile: a caller on a loop that must
	 * go on uses port_break_start() and a wait of its own.
	 */
	poll(&pfd, 1, PORT_BREAK_MS);
	return port_break_end(p);
}

void port_close(struct port *p)
{
	if (!p)
		return;
	if (p->in_break)
		port_break_end(p);
	p->ops->close(p);
	free(p);
}
