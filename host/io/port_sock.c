// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Socket ports: unix:PATH and tcp:HOST:PORT carry raw bytes; telnet: and
 * rfc2217:// run the telnet codec over TCP.  TCP_NODELAY always: the
 * debugger protocols are all small round trips.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "port.h"

struct sock_priv {
	int rfc2217;
	uint8_t answered[2][256 / 8];	/* DO/WILL options answered once */
	uint8_t raw[4096];		/* a read's bytes off the wire */
	struct addrinfo *res, *next;	/* a TCP connect under way: next is tried */
	int err;			/* the last address's failure */
};

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/*
 * A Unix listener's full queue makes a blocking connect() wait for room
 * and a non-blocking one fail at once (EAGAIN): port_open_start()'s
 * callers try again later.
 */
static int unix_open(struct port *p, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path))
		return port_fail(p, PORT_EINVAL, "socket path too long");
	strcpy(sa.sun_path, path);
	p->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
		       (p->nonblock ? SOCK_NONBLOCK : 0), 0);
	if (p->fd < 0 || connect(p->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;

		if (p->fd >= 0)
			close(p->fd);
		p->fd = -1;
		if (err == EAGAIN)
			return port_fail(p, PORT_EBUSY, "its listener takes no connection now");
		return port_fail(p, port_errno_code(err), "%s", strerror(err));
	}
	set_nonblock(p->fd);
	return PORT_OK;
}

/* Connected at last: the addresses given back, small packets sent at once. */
static int tcp_connected(struct port *p)
{
	struct sock_priv *s = p->priv;
	int one = 1;

	freeaddrinfo(s->res);
	s->res = s->next = NULL;
	setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return PORT_OK;
}

/*
 * Connect to s->next, or the ones after it: never waiting, PORT_EAGAIN
 * while one is under way.  s->err: the last failure, socket()'s as well
 * as connect()'s.
 */
static int tcp_try(struct port *p)
{
	struct sock_priv *s = p->priv;

	for (; s->next; s->next = s->next->ai_next) {
		struct addrinfo *ai = s->next;

		p->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (p->fd < 0) {
			s->err = errno;
			continue;
		}
		if (connect(p->fd, ai->ai_addr, ai->ai_addrlen) == 0)
			return tcp_connected(p);
		if (errno == EINPROGRESS)
			return PORT_EAGAIN;
		s->err = errno;
		close(p->fd);
		p->fd = -1;
	}
	freeaddrinfo(s->res);
	s->res = NULL;
	return port_fail(p, port_errno_code(s->err), "%s", strerror(s->err));
}

/* p->fd was writable: connected, or on to the next address. */
static int tcp_more(struct port *p)
{
	struct sock_priv *s = p->priv;
	socklen_t len = sizeof(s->err);

	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &s->err, &len) < 0)
		s->err = errno;
	if (!s->err)
		return tcp_connected(p);
	close(p->fd);
	p->fd = -1;
	s->next = s->next->ai_next;
	return tcp_try(p);
}

/* "HOST:PORT", the port after the last colon ("[::1]:23" works too). */
static int tcp_connect(struct port *p, const char *addr)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	struct sock_priv *s = p->priv;
	char host[256];
	const char *colon = strrchr(addr, ':');
	size_t n;
	int rc;

	if (!colon || colon == addr || !colon[1])
		return port_fail(p, PORT_EINVAL, "want HOST:PORT");
	n = (size_t)(colon - addr);
	if (addr[0] == '[' && colon[-1] == ']')
		addr++, n -= 2;
	if (n >= sizeof(host))
		return port_fail(p, PORT_EINVAL, "host name too long");
	memcpy(host, addr, n);
	host[n] = '\0';
	rc = getaddrinfo(host, colon + 1, &hints, &s->res);
	if (rc)
		return port_fail(p, PORT_ENOENT, "%s", gai_strerror(rc));
	s->next = s->res;
	return tcp_try(p);
}

static ssize_t sock_read(struct port *p, uint8_t *buf, size_t len)
{
	ssize_t n = recv(p->fd, buf, len, 0);

	if (n > 0)
		return n;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	p->eof = 1;
	return port_fail(p, PORT_EIO, "connection closed%s%s", n < 0 ? ": " : "",
			 n < 0 ? strerror(errno) : " by the other end");
}

static ssize_t sock_write(struct port *p, const uint8_t *buf, size_t len)
{
	ssize_t n = send(p->fd, buf, len, MSG_NOSIGNAL);

	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	p->eof = 1;
	return port_fail(p, PORT_EIO, "send: %s", strerror(errno));
}

/* Send all of a control sequence as it is (no telnet escaping). */
static int send_all(struct port *p, const uint8_t *buf, size_t len)
{
	return port_write_all(p, sock_write, buf, len);
}

static void sock_close(struct port *p)
{
	struct sock_priv *s = p->priv;

	if (p->fd >= 0)
		close(p->fd);
	if (s && s->res)
		freeaddrinfo(s->res);
	free(s);
	p->priv = NULL;
}

/* ---- telnet and RFC 2217 ---- */

static int wanted(const struct sock_priv *s, uint8_t cmd, uint8_t opt)
{
	if (opt == TELNET_OPT_BINARY || opt == TELNET_OPT_SGA)
		return 1;
	if (cmd == TELNET_DO)	/* they ask us to do it */
		return opt == TELNET_OPT_COMPORT && s->rfc2217;
	return opt == TELNET_OPT_ECHO;	/* they offer to do it */
}

static void on_telnet(void *ctx, const struct telnet_event *ev)
{
	struct port *p = ctx;
	struct sock_priv *s = p->priv;
	uint8_t reply[3];
	int is_do;

	switch (ev->type) {
	case TELNET_EV_DO:
	case TELNET_EV_WILL:
		is_do = ev->type == TELNET_EV_DO;
		/* Answer each option once: no negotiation loops. */
		if (s->answered[is_do][ev->option / 8] & (1u << (ev->option % 8)))
			return;
		s->answered[is_do][ev->option / 8] |= 1u << (ev->option % 8);
		if (is_do)
			telnet_cmd(wanted(s, TELNET_DO, ev->option) ? TELNET_WILL :
				   TELNET_WONT, ev->option, reply);
		else
			telnet_cmd(wanted(s, TELNET_WILL, ev->option) ? TELNET_DO :
				   TELNET_DONT, ev->option, reply);
		send_all(p, reply, 3);
		return;
	case TELNET_EV_DESYNC:
		port_debug("telnet: %.*s", (int)ev->len, (const char *)ev->data);
		return;
	default:
		return;	/* WONT/DONT, BREAK from the far side, SB replies
			 * (data goes to the read buffer, not here) */
	}
}

static ssize_t telnet_read(struct port *p, uint8_t *buf, size_t len)
{
	struct sock_priv *s = p->priv;
	size_t room = telnet_read_room(&p->telnet, len);
	ssize_t n;

	/*
	 * A subnegotiation cut off gives back bytes that earlier reads held:
	 * take only as many raw bytes as decode into buf with those.  Above
	 * TELNET_SB_MAX that is at least one (a recv of 0 would read as EOF).
	 */
	if (len <= TELNET_SB_MAX)
		return port_fail(p, PORT_EINVAL,
				 "a telnet read needs more than %d bytes of buffer",
				 TELNET_SB_MAX);
	n = sock_read(p, s->raw, room < sizeof(s->raw) ? room : sizeof(s->raw));
	if (n <= 0)
		return n;
	return (ssize_t)telnet_decode(&p->telnet, s->raw, (size_t)n, buf, len,
				      on_telnet, p);
}

static ssize_t telnet_write(struct port *p, const uint8_t *buf, size_t len)
{
	uint8_t esc[2 * 512];
	size_t chunk = len < 512 ? len : 512;
	size_t n = telnet_escape(buf, chunk, esc);
	int rc = send_all(p, esc, n);

	return rc < 0 ? rc : (ssize_t)chunk;
}

static int telnet_break(struct port *p)
{
	uint8_t brk[3];

	return send_all(p, brk, telnet_cmd(TELNET_BRK, 0, brk));
}

static int rfc2217_control(struct port *p, uint8_t cmd, const uint8_t *val,
			   size_t len)
{
	uint8_t data[8], wire[2 * 8 + 5];

	data[0] = cmd;
	memcpy(data + 1, val, len);
	return send_all(p, wire, telnet_subneg(TELNET_OPT_COMPORT, data, len + 1,
					       wire));
}

/* COM-PORT-OPTION, binary both ways; SET-BAUDRATE if the PORT named one. */
static int rfc2217_hello(struct port *p)
{
	struct sock_priv *s = p->priv;
	uint8_t hello[9], baud[4];
	int rc;

	telnet_cmd(TELNET_WILL, TELNET_OPT_COMPORT, hello);
	telnet_cmd(TELNET_WILL, TELNET_OPT_BINARY, hello + 3);
	telnet_cmd(TELNET_DO, TELNET_OPT_BINARY, hello + 6);
	s->answered[1][TELNET_OPT_COMPORT / 8] |= 1u << (TELNET_OPT_COMPORT % 8);
	baud[0] = (uint8_t)(p->baud >> 24);
	baud[1] = (uint8_t)(p->baud >> 16);
	baud[2] = (uint8_t)(p->baud >> 8);
	baud[3] = (uint8_t)p->baud;
	rc = send_all(p, hello, sizeof(hello));
	if (!rc && p->baud)
		rc = rfc2217_control(p, RFC2217_SET_BAUDRATE, baud, 4);
	return rc;
}

/*
 * A TCP port's open, and a connect's end, end here: connected, an
 * rfc2217:// port says hello; failed, nothing of the socket is left.
 */
static int sock_opened(struct port *p, int rc)
{
	struct sock_priv *s = p->priv;

	if (rc == PORT_OK && s->rfc2217)
		rc = rfc2217_hello(p);
	if (rc < 0 && rc != PORT_EAGAIN)
		sock_close(p);
	return rc;
}

static int sock_open(struct port *p, const char *addr, int rfc2217)
{
	struct sock_priv *s = calloc(1, sizeof(*s));

	if (!s)
		return port_fail(p, PORT_EIO, "out of memory");
	s->rfc2217 = rfc2217;
	p->priv = s;
	return sock_opened(p, tcp_connect(p, addr));
}

static int sock_open_more(struct port *p)
{
	return sock_opened(p, tcp_more(p));
}

/* tcp: and telnet: are the same socket; the codec over it differs. */
static int tcp_open(struct port *p, const char *addr)
{
	return sock_open(p, addr, 0);
}

/*
 * The line's speed is the server's (a lab's ser2net set it for its board)
 * unless the PORT names one: ",BAUD" sends SET-BAUDRATE.
 */
static int rfc2217_open(struct port *p, const char *addr)
{
	char host[300];
	int rc = port_split_baud(p, addr, host, sizeof(host));

	return rc ? rc : sock_open(p, host, 1);
}

/* The far end's line held in BREAK PORT_BREAK_MS (by port.c or its caller's loop). */
static int rfc2217_break(struct port *p)
{
	static const uint8_t on = RFC2217_BREAK_ON;

	return rfc2217_control(p, RFC2217_SET_CONTROL, &on, 1);
}

static int rfc2217_break_end(struct port *p)
{
	static const uint8_t off = RFC2217_BREAK_OFF;

	return rfc2217_control(p, RFC2217_SET_CONTROL, &off, 1);
}

static void raw_close(struct port *p)
{
	close(p->fd);
}

const struct port_ops port_unix_ops = {
	.name = "unix", .open = unix_open, .read = sock_read,
	.write = sock_write, .close = raw_close,
};

const struct port_ops port_tcp_ops = {
	.name = "tcp", .open = tcp_open, .open_more = sock_open_more, .read = sock_read,
	.write = sock_write, .close = sock_close,
};

const struct port_ops port_telnet_ops = {
	.name = "telnet", .open = tcp_open, .open_more = sock_open_more, .read = telnet_read,
	.write = telnet_write, .send_break = telnet_break, .close = sock_close,
};

const struct port_ops port_rfc2217_ops = {
	.name = "rfc2217", .open = rfc2217_open, .open_more = sock_open_more,
	.read = telnet_read, .write = telnet_write, .send_break = rfc2217_break,
	.end_break = rfc2217_break_end, .close = sock_close,
};
