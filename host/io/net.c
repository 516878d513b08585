// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Listening sockets for the commands that serve clients: the proxy's
 * console and gdb ports, and the loopback port gdb connects to.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"

int net_listen(const char *spec, int any, int *bound, char *why, size_t len)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *ai;
	struct sockaddr_storage a;
	socklen_t alen = sizeof(a);
	char host[256] = "127.0.0.1";
	const char *port, *colon;
	int fd, on = 1, err;

	if (strncmp(spec, "tcp:", 4) == 0)
		spec += 4;
	colon = strrchr(spec, ':');
	port = colon ? colon + 1 : spec;
	if (colon && (size_t)(colon - spec) < sizeof(host))
		snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
	if (host[0] == '[') {	/* [::1]:5551 */
		memmove(host, host + 1, strlen(host));
		host[strcspn(host, "]")] = '\0';
	}
	err = getaddrinfo(host, port, &hints, &ai);
	if (err) {
		snprintf(why, len, "%s: %s", spec, gai_strerror(err));
		errno = EINVAL;
		return -1;
	}
	if (!any && !((ai->ai_family == AF_INET &&
		       (ntohl(((struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr) >> 24) == 127) ||
		      (ai->ai_family == AF_INET6 &&
		       IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr)))) {
		snprintf(why, len, "%s is not a loopback address: whoever reaches it can stop the board (--any-address to allow)",
			 host);
		freeaddrinfo(ai);
		errno = EINVAL;
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 4) ||
	    getsockname(fd, (struct sockaddr *)&a, &alen)) {
		err = errno;
		snprintf(why, len, "%s: %s", spec, strerror(err));
		if (fd >= 0)
			close(fd);
		fd = -1;
		errno = err;	/* for the caller: EADDRINUSE is its own exit code */
	}
	freeaddrinfo(ai);
	if (fd >= 0 && bound)
		*bound = ntohs(a.ss_family == AF_INET ?
			       ((struct sockaddr_in *)&a)->sin_port :
			       ((struct sockaddr_in6 *)&a)->sin6_port);
	return fd;
}

/* Wait for a non-blocking connect(): 0, or -1 with errno. */
static int connect_wait(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int err = 0, n;
	socklen_t elen = sizeof(err);

	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen))
		return -1;
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

int net_connect(const char *spec, int timeout_ms, char *why, size_t len)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *ai;
	char host[256];
	const char *colon;
	int fd, err, flags;

	if (strncmp(spec, "tcp:", 4) == 0)
		spec += 4;
	colon = strrchr(spec, ':');
	if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof(host) || !colon[1]) {
		snprintf(why, len, "'%s' is not HOST:PORT", spec);
		errno = EINVAL;
		return -1;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		host[strcspn(host, "]")] = '\0';
	}
	err = getaddrinfo(host, colon + 1, &hints, &ai);
	if (err) {
		snprintf(why, len, "%s: %s", spec, gai_strerror(err));
		errno = EINVAL;
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) &&
	    (errno != EINPROGRESS || connect_wait(fd, timeout_ms))) {
		err = errno;
		close(fd);
		fd = -1;
		errno = err;
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		err = errno;
		snprintf(why, len, "%s: %s", spec, strerror(err));
		errno = err;
		return -1;
	}
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	return fd;
}

int net_accept(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC), one = 1;

	/* Not TCP (a test's socketpair): nothing to set. */
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}
