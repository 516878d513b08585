// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg gdb PORT --vmlinux FILE [-x SCRIPT] [--batch] [--stay] [-- GDB-ARGS]
 *
 * Break in, switch kdb to kgdb, and run gdb-multiarch on the vmlinux with
 * the kernel's lx-* helpers, connected through the relay on a loopback
 * socket.  When gdb exits the board is put back in a known state.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_common.h"
#include "relay.h"

#define MAX_ARGS 64

struct gdb_opts {
	struct cmd_opts c;
	const char *vmlinux;
	const char *scripts[16];
	int nscripts;
	int batch;
	char **extra;		/* after "--" */
	int nextra;
};

static int parse(int argc, char **argv, struct gdb_opts *o, const char **port)
{
	static const struct option longopts[] = {
		{ "vmlinux", required_argument, NULL, 'v' },
		{ "batch", no_argument, NULL, 'b' },
		CMD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c;

	cmd_opts_init(&o->c);
	optind = 1;
	while ((c = getopt_long(argc, argv, "x:m:t:", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			o->vmlinux = optarg;
			break;
		case 'x':
			if (o->nscripts == 16)
				return -1;
			o->scripts[o->nscripts++] = optarg;
			break;
		case 'b':
			o->batch = 1;
			break;
		default:
			if (cmd_opts_parse(&o->c, c, optarg))
				return -1;
		}
	}
	if (optind >= argc || !o->vmlinux) {
		fprintf(stderr, "usage: nmidbg gdb PORT --vmlinux FILE [-x SCRIPT] [--batch] [--stay] [-- GDB-ARGS]\n");
		return -1;
	}
	*port = argv[optind++];
	o->extra = argv + optind;
	o->nextra = argc - optind;
	if (o->nextra > MAX_ARGS - 24) {
		fprintf(stderr, "nmidbg: too many gdb arguments\n");
		return -1;
	}
	return 0;
}

/* A listening socket on 127.0.0.1, any free port. */
static int listen_loopback(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1) ||
	    getsockname(fd, (struct sockaddr *)&a, &alen)) {
		close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static pid_t spawn_gdb(const struct gdb_opts *o, int tcp_port)
{
	static char safe1[PATH_MAX + 40], safe2[PATH_MAX + 40], target[64];
	char dir[PATH_MAX], helper[PATH_MAX + 20], real[PATH_MAX];
	const char *argv[MAX_ARGS];
	const char *gdb = getenv("NMIDBG_GDB");
	int n = 0;
	pid_t pid;

	/* The kernel's vmlinux-gdb.py sits beside vmlinux: let gdb load it. */
	snprintf(dir, sizeof(dir), "%s", o->vmlinux);
	snprintf(safe1, sizeof(safe1), "add-auto-load-safe-path %s", dirname(dir));
	snprintf(helper, sizeof(helper), "%s/vmlinux-gdb.py", dir);
	snprintf(safe2, sizeof(safe2), "add-auto-load-safe-path %s",
		 realpath(helper, real) ? dirname(real) : dir);
	snprintf(target, sizeof(target), "target remote tcp:127.0.0.1:%d", tcp_port);

	argv[n++] = gdb ? gdb : "gdb-multiarch";
	argv[n++] = "-q";
	if (o->batch) {
		argv[n++] = "-batch";
		argv[n++] = "-iex";
		argv[n++] = "set pagination off";
	}
	argv[n++] = "-iex";
	argv[n++] = safe1;
	argv[n++] = "-iex";
	argv[n++] = safe2;
	argv[n++] = "-ex";
	argv[n++] = target;
	for (int i = 0; i < o->nscripts; i++) {
		argv[n++] = "-x";
		argv[n++] = o->scripts[i];
	}
	for (int i = 0; i < o->nextra; i++)
		argv[n++] = o->extra[i];
	argv[n++] = o->vmlinux;
	argv[n] = NULL;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "nmidbg: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Relay until gdb exits; its wait status in *status. */
static int relay_loop(struct relay *r, int lfd, pid_t pid, int *status)
{
	struct session *s = r->s;
	uint8_t buf[4096];
	int rc = 0;

	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = s->port->fd, .events = POLLIN },
			{ .fd = r->gdb_fd >= 0 ? -1 : lfd, .events = POLLIN },
			{ .fd = r->gdb_fd, .events = POLLIN },
		};
		int n;

		if (waitpid(pid, status, WNOHANG) == pid)
			return rc;
		n = poll(pfd, 3, 100);
		if (n < 0 && errno != EINTR)
			return port_fail(s->port, PORT_EIO, "poll: %s", strerror(errno));
		if (n == 0)
			session_idle(s);
		if (n <= 0)
			continue;
		if (pfd[1].revents & POLLIN) {
			int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0)
				relay_set_gdb(r, fd);
		}
		if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t got = read(r->gdb_fd, buf, sizeof(buf));

			if (got <= 0) {
				close(r->gdb_fd);
				relay_set_gdb(r, -1);
			} else if (!rc) {
				rc = relay_from_gdb(r, buf, (size_t)got);
			}
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t got = port_read(s->port, buf, sizeof(buf));

			if (got < 0)
				rc = (int)got;
			else
				session_feed(s, buf, (size_t)got);
			session_mark(s);	/* text went to the console sink */
			if (s->reboots)
				rc = SESSION_REBOOT;
		}
		if (rc && r->gdb_fd >= 0) {
			/* gdb learns the link is gone; it exits in batch mode. */
			close(r->gdb_fd);
			relay_set_gdb(r, -1);
		}
	}
}

int cmd_gdb(int argc, char **argv)
{
	struct gdb_opts o = { 0 };
	struct session s;
	struct relay r;
	struct kdb_entry e;
	const char *port, *state = "unknown";
	int rc, lfd = -1, tcp_port, status = 0, ret;
	pid_t pid;

	if (parse(argc, argv, &o, &port))
		return NMIDBG_EXIT_USAGE;
	if (access(o.vmlinux, R_OK)) {
		fprintf(stderr, "nmidbg: %s: %s\n", o.vmlinux, strerror(errno));
		return NMIDBG_EXIT_USAGE;
	}
	if (cmd_open_session(port, &s))
		return NMIDBG_EXIT_PORT;
	rc = cmd_enter(&s, &o.c, &e);
	if (rc)
		goto out;
	relay_init(&r, &s, o.c.method, o.c.timeout_ms, o.c.sysrq_cmd);
	rc = relay_enter_kgdb(&r);
	if (rc) {
		cmd_complain(&s, "switching kdb to kgdb", rc);
		goto out;
	}
	lfd = listen_loopback(&tcp_port);
	if (lfd < 0) {
		fprintf(stderr, "nmidbg: cannot listen on 127.0.0.1: %s\n", strerror(errno));
		rc = SESSION_TIMEOUT;
		goto leave;
	}
	fprintf(stderr, "nmidbg: kgdb on cpu %d (thread %s); gdb on 127.0.0.1:%d\n",
		e.cpu, r.thread[0] ? r.thread : "?", tcp_port);
	s.echo = stdout;	/* the console while gdb lets the kernel run */
	/* ^C belongs to gdb (it sends it to us as 0x03). */
	signal(SIGINT, SIG_IGN);
	pid = spawn_gdb(&o, tcp_port);
	if (pid < 0) {
		fprintf(stderr, "nmidbg: fork: %s\n", strerror(errno));
		rc = SESSION_TIMEOUT;
		goto leave;
	}
	rc = relay_loop(&r, lfd, pid, &status);
	session_catch_sigint();
	s.echo = NULL;
	if (rc) {
		cmd_complain(&s, "gdb session", rc);
		waitpid(pid, &status, 0);
		goto out;
	}
leave:
	rc = relay_finish(&r, o.c.stay, &state);
	if (rc)
		cmd_complain(&s, "leaving kgdb", rc);
out:
	if (lfd >= 0)
		close(lfd);
	ret = cmd_exit_code(rc);
	if (!rc && WIFSIGNALED(status))
		fprintf(stderr, "nmidbg: gdb was killed (signal %d); the board is %s\n",
			WTERMSIG(status), state);
	else if (!rc)
		fprintf(stderr, "nmidbg: gdb exited (%d); the board is %s\n",
			WIFEXITED(status) ? WEXITSTATUS(status) : -1, state);
	if (!rc && status)
		ret = NMIDBG_EXIT_FAIL;
	cmd_close_session(&s);
	return ret;
}
