// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * OpenOCD: launched or attached, its Tcl RPC, halting and resuming every
 * target (see openocd.h).  Its log goes to a file whose error lines say
 * why it ended (ocd_classify_log).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "openocd.h"
#include "spawn.h"

#define TCL_END		'\x1a'
#define INIT_FLOOR_MS	10000
#define REPLY_MAX	(4 << 20)

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static void nap(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void openocd_init(struct openocd *o)
{
	memset(o, 0, sizeof(*o));
	o->tcl = -1;
	snprintf(o->host, sizeof(o->host), "127.0.0.1");
}

/* A free loopback port (0 and why if none), or check that want is free. */
static int pick_port(int want, char *why, size_t len)
{
	char spec[32];
	int port = 0, fd;

	snprintf(spec, sizeof(spec), "127.0.0.1:%d", want);
	fd = net_listen(spec, 0, &port, why, len);
	if (fd < 0)
		return 0;
	close(fd);
	return port;
}

/* The whole log, malloc'd ("" if it cannot be read). */
static char *read_log(const struct openocd *o)
{
	FILE *f = o->log[0] ? fopen(o->log, "re") : NULL;
	char *text = NULL;
	size_t cap = 0;

	if (!f || getdelim(&text, &cap, '\0', f) < 0) {
		free(text);
		text = strdup("");
	}
	if (f)
		fclose(f);
	return text;
}

/* Why OpenOCD ended (or failed its init), from its log. */
static int log_failure(const struct openocd *o, char *why, size_t len)
{
	char *text = read_log(o), line[240];
	enum ocd_log k = ocd_classify_log(text ? text : "", line, sizeof(line));
	static const int code[] = {
		[OCD_LOG_NONE] = OPENOCD_E_FAIL, [OCD_LOG_OTHER] = OPENOCD_E_FAIL,
		[OCD_LOG_CONFIG] = OPENOCD_E_FAIL, [OCD_LOG_ADAPTER] = OPENOCD_E_ADAPTER,
		[OCD_LOG_NO_PROBE] = OPENOCD_E_NO_PROBE, [OCD_LOG_NO_CHAIN] = OPENOCD_E_NO_PROBE,
		[OCD_LOG_IN_USE] = OPENOCD_E_IN_USE,
	};
	static const char *const what[] = {
		[OCD_LOG_NONE] = "OpenOCD ended without an error line",
		[OCD_LOG_OTHER] = "OpenOCD failed",
		[OCD_LOG_CONFIG] = "OpenOCD cannot find a config file",
		[OCD_LOG_ADAPTER] = "this OpenOCD was built without that adapter",
		[OCD_LOG_NO_PROBE] = "no probe found",
		[OCD_LOG_NO_CHAIN] = "the probe sees nothing on its JTAG chain",
		[OCD_LOG_IN_USE] = "a port OpenOCD needs is in use",
	};

	snprintf(why, len, "%s%s%s (log: %s)", what[k], line[0] ? ": " : "", line,
		 o->log);
	free(text);
	return code[k];
}

/* Its gdb port, from the log: "Listening on port N for gdb connections". */
static int gdb_port_from_log(const struct openocd *o)
{
	char *text = read_log(o);
	const char *p = text;
	int port = 0;

	while (p && (p = strstr(p, "Listening on port ")) != NULL) {
		int n, used = 0;

		if (sscanf(p, "Listening on port %d for gdb connections%n", &n, &used) == 1 &&
		    used) {
			port = n;
			break;
		}
		p++;
	}
	free(text);
	return port;
}

/* Whether something listens on the loopback TCP port (/proc/net/tcp). */
static int listening(int port)
{
	static const char *const tables[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	int found = 0;

	for (size_t i = 0; i < 2 && !found; i++) {
		FILE *f = fopen(tables[i], "re");
		char line[512];

		if (!f)
			continue;
		while (!found && fgets(line, sizeof(line), f)) {
			unsigned lport, state;

			if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x",
				   &lport, &state) == 2 && (int)lport == port && state == 0x0A)
				found = 1;
		}
		fclose(f);
	}
	return found;
}

static int exited(struct openocd *o)
{
	if (o->pid > 0 && waitpid(o->pid, NULL, WNOHANG) == o->pid) {
		o->pid = 0;
		return 1;
	}
	return 0;
}

static int spawn_openocd(struct openocd *o, const struct openocd_launch *l,
			 char *why, size_t len)
{
	char port_cmd[3][48];
	const char *argv[OCD_MAX_ARGS + 16];
	const char *prog = getenv("NMIDBG_OPENOCD");
	const char *tmp = getenv("TMPDIR");
	struct spawn_opts so = { .null_stdin = 1, .new_session = l->detach };
	int n = 0, fd, err;

	snprintf(o->log, sizeof(o->log), "%s/nmidbg-openocd-XXXXXX", tmp ? tmp : "/tmp");
	fd = mkostemp(o->log, O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "%s: %s", o->log, strerror(errno));
		o->log[0] = '\0';
		return OPENOCD_E_FAIL;
	}
	so.out_fd = so.err_fd = fd;
	snprintf(port_cmd[0], sizeof(port_cmd[0]), "gdb_port %d", o->gdb_port);
	snprintf(port_cmd[1], sizeof(port_cmd[1]), "tcl_port %d", o->tcl_port);
	snprintf(port_cmd[2], sizeof(port_cmd[2]), "telnet_port %d", o->telnet_port);
	argv[n++] = prog ? prog : "openocd";
	/* Before the user's configs: a config that runs init has them. */
	argv[n++] = "-c";
	argv[n++] = "bindto 127.0.0.1";
	for (int i = 0; i < 3; i++) {
		argv[n++] = "-c";
		argv[n++] = port_cmd[i];
	}
	for (int i = 0; i < l->nargs && i < OCD_MAX_ARGS; i++)
		argv[n++] = l->args[i];
	argv[n] = NULL;
	o->pid = spawn_run(argv, &so, &err, why, len);
	close(fd);
	if (o->pid < 0) {
		o->pid = 0;
		unlink(o->log);
		o->log[0] = '\0';
		if (err == ENOENT) {
			snprintf(why, len, "OpenOCD is not installed: no '%s' on PATH (Debian: apt install openocd)",
				 argv[0]);
			return OPENOCD_E_MISSING;
		}
		return OPENOCD_E_FAIL;
	}
	return OPENOCD_OK;
}

int openocd_launch(struct openocd *o, const struct openocd_launch *l, char *why, size_t len)
{
	int *ports[3] = { &o->gdb_port, &o->tcl_port, &o->telnet_port };
	const int want[3] = { l->gdb_port, l->tcl_port, l->telnet_port };
	int budget = l->timeout_ms > INIT_FLOOR_MS ? l->timeout_ms : INIT_FLOOR_MS;
	long deadline;
	char *reply = NULL;
	int rc;

	for (int i = 0; i < 3; i++) {
		char err[200];

		*ports[i] = pick_port(want[i], err, sizeof(err));
		if (!*ports[i] && !want[i]) {
			snprintf(why, len, "no free port on 127.0.0.1: %s", err);
			return OPENOCD_E_FAIL;
		}
		if (!*ports[i]) {
			snprintf(why, len, "port %d on 127.0.0.1 is in use: %s", want[i], err);
			return OPENOCD_E_IN_USE;
		}
	}
	/* Two picks of port 0 can meet only if the first was let go: differ. */
	if (o->tcl_port == o->gdb_port || o->telnet_port == o->gdb_port ||
	    o->telnet_port == o->tcl_port) {
		snprintf(why, len, "the gdb, Tcl and telnet ports must differ");
		return OPENOCD_E_IN_USE;
	}
	rc = spawn_openocd(o, l, why, len);
	if (rc)
		return rc;
	deadline = now_ms() + budget;
	/* The Tcl server listens before init; it answers after it. */
	while (o->tcl < 0) {
		char spec[96], err[200];

		if (exited(o))
			return log_failure(o, why, len);
		snprintf(spec, sizeof(spec), "%s:%d", o->host, o->tcl_port);
		o->tcl = net_connect(spec, 200, err, sizeof(err));
		if (o->tcl >= 0)
			break;
		if (now_ms() > deadline) {
			snprintf(why, len, "OpenOCD's Tcl port %d did not open in time (log: %s)",
				 o->tcl_port, o->log);
			return OPENOCD_E_FAIL;
		}
		nap(50);
	}
	rc = openocd_eval(o, "target names", (int)(deadline - now_ms()), &reply);
	free(reply);
	if (rc == OPENOCD_E_FAIL) {
		/* Its init failed: wait for it to go, then say why. */
		for (int i = 0; i < 40 && !exited(o); i++)
			nap(50);
		if (o->pid) {
			snprintf(why, len, "OpenOCD's init did not finish in %d s (log: %s)",
				 budget / 1000, o->log);
			return OPENOCD_E_FAIL;
		}
		return log_failure(o, why, len);
	}
	/* Every target's gdb server starts in init: there by now, or never. */
	o->gdb_port = gdb_port_from_log(o);
	while (o->gdb_port && !listening(o->gdb_port) && now_ms() < deadline)
		nap(50);
	if (o->gdb_port && !listening(o->gdb_port))
		o->gdb_port = 0;
	return OPENOCD_OK;
}

int openocd_attach(struct openocd *o, const char *hostport, int timeout_ms,
		   char *why, size_t len)
{
	const char *colon = strrchr(hostport, ':');
	char err[200];

	if (!strncmp(hostport, "tcp:", 4))
		hostport += 4;
	o->tcl = net_connect(hostport, timeout_ms, err, sizeof(err));
	if (o->tcl < 0) {
		int e = errno;

		if (e == ECONNREFUSED || e == ETIMEDOUT || e == EHOSTUNREACH) {
			snprintf(why, len, "nothing listening on %s (no OpenOCD Tcl server there): %s",
				 hostport, strerror(e));
			return OPENOCD_E_NO_TCL;
		}
		snprintf(why, len, "%s", err);
		return OPENOCD_E_FAIL;
	}
	snprintf(o->host, sizeof(o->host), "%.*s", (int)(colon - hostport), hostport);
	o->tcl_port = atoi(colon + 1);
	return OPENOCD_OK;
}

/* Send cmd and 0x1a, read to the 0x1a that ends the reply. */
static int tcl_raw(struct openocd *o, const char *cmd, int timeout_ms, char **reply)
{
	size_t n = strlen(cmd), got = 0, cap = 256;
	char *buf = malloc(cap);
	long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 1);
	char *msg;

	*reply = NULL;
	msg = malloc(n + 1);
	if (!buf || !msg || o->tcl < 0)
		goto fail;
	memcpy(msg, cmd, n);
	msg[n] = TCL_END;
	if (send(o->tcl, msg, n + 1, MSG_NOSIGNAL) != (ssize_t)(n + 1))
		goto fail;
	for (;;) {
		struct pollfd p = { .fd = o->tcl, .events = POLLIN };
		long left = deadline - now_ms();
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			if (left > 0 && errno == EINTR)
				continue;
			goto fail;
		}
		if (got + 4096 > cap) {
			char *bigger = cap < REPLY_MAX ? realloc(buf, cap * 2 + 4096) : NULL;

			if (!bigger)
				goto fail;
			buf = bigger;
			cap = cap * 2 + 4096;
		}
		r = recv(o->tcl, buf + got, cap - got - 1, 0);
		if (r <= 0)
			goto fail;
		got += (size_t)r;
		if (buf[got - 1] == TCL_END)
			break;
	}
	buf[got - 1] = '\0';
	free(msg);
	*reply = buf;
	return OPENOCD_OK;
fail:
	free(msg);
	free(buf);
	if (o->tcl >= 0) {	/* out of step with it now: let it go */
		close(o->tcl);
		o->tcl = -1;
	}
	return OPENOCD_E_FAIL;
}

int openocd_eval(struct openocd *o, const char *cmd, int timeout_ms, char **reply)
{
	/* The RPC does not say whether a command failed: catch says. */
	size_t n = strlen(cmd) + 64;
	char *wrapped = malloc(n), *status = NULL;
	int rc;

	*reply = NULL;
	if (!wrapped)
		return OPENOCD_E_FAIL;
	snprintf(wrapped, n, "set _nmidbg_rc [catch {%s} _nmidbg_out]", cmd);
	rc = tcl_raw(o, wrapped, timeout_ms, &status);
	free(wrapped);
	if (!rc)
		rc = tcl_raw(o, "set _nmidbg_out", timeout_ms, reply);
	if (!rc && strcmp(status, "0"))
		rc = OPENOCD_E_TCL;
	free(status);
	return rc;
}

int openocd_targets(struct openocd *o, struct ocd_target *t, int max, int timeout_ms)
{
	char *text = NULL;
	int rc = openocd_eval(o, "targets", timeout_ms, &text);

	if (!rc)
		rc = ocd_parse_targets(text, t, max);
	else if (rc == OPENOCD_E_TCL)
		rc = OPENOCD_E_FAIL;
	free(text);
	return rc;
}

/*
 * Halt (unless its state then is state) or resume (if it is) each of the
 * cores Linux runs on (ocd_linux_cores), its state read in Tcl just
 * before: an SMP group's other cores follow the first's.  A halt first
 * examines a core the config deferred (a non-boot core: up by now).  The
 * first failure into why.
 */
static int each_target(struct openocd *o, const struct ocd_target *t, int n,
		       const char *what, const char *state, int timeout_ms,
		       char *why, size_t len)
{
	unsigned char sel[OCD_MAX_TARGETS];
	int bad = 0;

	ocd_linux_cores(t, n, sel);
	for (int i = 0; i < n; i++) {
		char cmd[640], *reply = NULL;
		const char *name = t[i].name;
		int rc;

		if (!sel[i])
			continue;
		if (!strcmp(what, "halt"))
			snprintf(cmd, sizeof(cmd),
				 "if {![%s was_examined]} {%s arp_examine}; "
				 "if {[%s curstate] ne {%s}} {%s arp_halt}; %s arp_waitstate halted %d",
				 name, name, name, state, name, name, timeout_ms);
		else
			snprintf(cmd, sizeof(cmd),
				 "if {[%s curstate] eq {%s}} {targets %s; resume}",
				 name, state, name);
		rc = openocd_eval(o, cmd, timeout_ms + 2000, &reply);
		if (rc && !bad) {
			snprintf(why, len, "%s: %s", name,
				 reply && *reply ? reply : "no answer from OpenOCD");
			bad = rc == OPENOCD_E_TCL ? 1 : rc;
		}
		free(reply);
		if (rc == OPENOCD_E_FAIL)
			return rc;
	}
	return bad;
}

int openocd_halt_all(struct openocd *o, int timeout_ms, struct ocd_target *t, int *n,
		     char *why, size_t len)
{
	unsigned char sel[OCD_MAX_TARGETS];
	int rc;

	*n = openocd_targets(o, t, OCD_MAX_TARGETS, timeout_ms);
	if (*n < 0)
		return *n;
	if (!*n) {
		snprintf(why, len, "OpenOCD has no targets (its config creates none)");
		return OPENOCD_E_FAIL;
	}
	rc = each_target(o, t, *n, "halt", "halted", timeout_ms, why, len);
	if (rc == OPENOCD_E_FAIL)
		return rc;
	*n = openocd_targets(o, t, OCD_MAX_TARGETS, timeout_ms);
	if (*n < 0)
		return *n;
	ocd_linux_cores(t, *n, sel);
	for (int i = 0; i < *n; i++)
		if (sel[i] && strcmp(t[i].state, "halted")) {
			if (!rc)
				snprintf(why, len, "%s is %s", t[i].name, t[i].state);
			return OPENOCD_E_NO_HALT;
		}
	return OPENOCD_OK;
}

int openocd_resume_all(struct openocd *o, int timeout_ms, struct ocd_target *t, int *n,
		       char *why, size_t len)
{
	const char *cur = NULL;
	int rc;

	*n = openocd_targets(o, t, OCD_MAX_TARGETS, timeout_ms);
	if (*n < 0)
		return *n;
	for (int i = 0; i < *n; i++)
		if (t[i].current)
			cur = t[i].name;
	/* resume works on the current target (and its SMP group). */
	rc = each_target(o, t, *n, "resume", "halted", timeout_ms, why, len);
	if (cur) {
		char cmd[96], *reply = NULL;

		snprintf(cmd, sizeof(cmd), "targets %s", cur);
		openocd_eval(o, cmd, timeout_ms, &reply);
		free(reply);
	}
	if (rc)
		return rc < 0 ? rc : OPENOCD_E_TCL;
	*n = openocd_targets(o, t, OCD_MAX_TARGETS, timeout_ms);
	return *n < 0 ? *n : OPENOCD_OK;
}

int openocd_shutdown(struct openocd *o, int timeout_ms)
{
	char *reply = NULL;
	long deadline = now_ms() + timeout_ms;
	int gone = 0;

	if (o->tcl < 0)
		return OPENOCD_E_FAIL;
	/* No reply to wait for: it closes the socket as it goes. */
	tcl_raw(o, "shutdown", timeout_ms, &reply);
	free(reply);
	if (o->tcl >= 0) {
		close(o->tcl);
		o->tcl = -1;
	}
	while (o->pid > 0 && !(gone = exited(o)) && now_ms() < deadline)
		nap(20);
	return o->pid > 0 && !gone ? OPENOCD_E_FAIL : OPENOCD_OK;
}

void openocd_end(struct openocd *o)
{
	static const int sig[] = { SIGTERM, SIGKILL };

	if (o->pid > 0 && o->tcl >= 0)
		openocd_shutdown(o, 3000);
	if (o->tcl >= 0) {
		close(o->tcl);
		o->tcl = -1;
	}
	for (int i = 0; i < 2 && o->pid > 0; i++) {
		kill(o->pid, sig[i]);
		for (int k = 0; k < 50 && !exited(o); k++)
			nap(20);
	}
	if (o->pid > 0) {
		waitpid(o->pid, NULL, 0);
		o->pid = 0;
	}
	if (o->log[0] && !o->keep_log)
		unlink(o->log);
}
