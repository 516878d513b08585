// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Run gdb-multiarch against the board: kdb to kgdb, a loopback socket for
 * gdb, the relay until gdb exits, then the board back in a known state.
 * Shared by `nmidbg gdb` (gdb on the terminal) and `nmidbg triage` (gdb's
 * output into the report).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd_common.h"
#include "gdbrun.h"
#include "loop.h"
#include "net.h"
#include "relay.h"
#include "spawn.h"

/*
 * gdb's argv at the most: its name and -q; -batch -iex X -ix batch.py;
 * two -iex for the safe path; -ex exec-file, then -ex symbol-file (KASLR)
 * or -x kaslr.py -ex nmidbg-kaslr (found there); -ex target; -x nmidbg.py; -ex
 * nmidbg-batch-status; the vmlinux; then what callers bring; and the
 * NULL that ends it.
 */
#define FIXED_ARGS	(2 + 5 + 4 + 6 + 2 + 2 + 2 + 1)
#define MAX_ARGS	(FIXED_ARGS + GDB_RUN_MAX_PRE + 2 * GDB_RUN_MAX_SCRIPTS + \
			 GDB_RUN_MAX_EXTRA + 1)
#define GDB_EXITED 1	/* the loop's stop when gdb is gone */

#ifndef NMIDBG_DATADIR
#define NMIDBG_DATADIR "/usr/local/share/nmidbg"
#endif

const char *gdbscript_path(const char *name, char *buf, size_t len)
{
	/*
	 * The source tree's (build/nmidbg, build/asan/nmidbg), then an
	 * installed tree's wherever it was put (PREFIX/bin beside
	 * PREFIX/share: a package unpacked anywhere finds its own).
	 */
	static const char *const rel[] = { "/../gdbscripts", "/../../gdbscripts",
					   "/../share/nmidbg/gdbscripts" };
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *env = getenv("NMIDBG_GDBSCRIPTS");

	if (env) {
		snprintf(buf, len, "%s/%s", env, name);
		return buf;
	}
	if (n > 0) {
		exe[n] = '\0';
		dirname(exe);
		for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			snprintf(buf, len, "%s%s/%s", exe, rel[i], name);
			if (!access(buf, R_OK))
				return buf;
		}
	}
	snprintf(buf, len, "%s/gdbscripts/%s", NMIDBG_DATADIR, name);
	return buf;
}

struct gdb_argv {
	const char *v[MAX_ARGS];
	int n;
	int over;	/* an argument did not fit: gdb must not run */
	int nomem;	/* an argument could not be made: nor then */
};

/* One more argument (NULL: none could be made); the last slot stays for the NULL. */
static void arg(struct gdb_argv *a, const char *s)
{
	if (!s)
		a->nomem = 1;
	else if (a->n < MAX_ARGS - 1)
		a->v[a->n++] = s;
	else
		a->over = 1;
}

/*
 * --batch with every failure counted (gdbscripts/batch.py): gdb's options
 * whose argument is a command or a script, in the forms that are made to
 * run it through nmidbg-batch-run.  The abbreviations gdb also takes pass
 * as they are, with gdb's own rule: the last command's status.
 */
static const struct {
	const char *name;	/* after "-" or "--" */
	const char *then;	/* the command that runs the argument */
} batch_opts[] = {
	{ "ex", "" }, { "eval-command", "" }, { "x", "source " }, { "command", "source " },
};

/* The arguments made for that, kept while gdb's argv points at them. */
static char *kept[GDB_RUN_MAX_SCRIPTS + GDB_RUN_MAX_EXTRA];
static int nkept;

/* opt "nmidbg-batch-run " then s, as one argument; NULL without memory. */
static const char *batch_run(const char *opt, const char *then, const char *s)
{
	char *w;

	if (nkept == (int)(sizeof(kept) / sizeof(kept[0])) ||
	    asprintf(&w, "%snmidbg-batch-run %s%s", opt, then, s) < 0)
		return NULL;
	kept[nkept++] = w;
	return w;
}

/* The user's argument extra[*i] (with its operand, if it takes one). */
static void batch_extra(struct gdb_argv *a, char **extra, int n, int *i)
{
	const char *s = extra[*i], *name = s + 1;

	if (s[0] == '-' && s[1] == '-')
		name++;
	for (size_t k = 0; s[0] == '-' && k < sizeof(batch_opts) / sizeof(batch_opts[0]); k++) {
		size_t l = strlen(batch_opts[k].name);

		if (strncmp(name, batch_opts[k].name, l))
			continue;
		if (!name[l] && *i + 1 < n) {
			arg(a, "-ex");
			arg(a, batch_run("", batch_opts[k].then, extra[++*i]));
			return;
		}
		if (name[l] == '=') {
			arg(a, batch_run("--eval-command=", batch_opts[k].then, name + l + 1));
			return;
		}
	}
	arg(a, s);
}

/*
 * Start gdb on target ("tcp:HOST:PORT" or any `target remote` operand).
 * Returns the pid, or -1 with why.
 */
pid_t gdb_spawn(const struct gdb_run *o, const char *target, char *why, size_t len)
{
	static char safe1[PATH_MAX + 40], safe2[PATH_MAX + 40], remote[300];
	static char symfile[PATH_MAX + 64], execfile[PATH_MAX + 16];
	static char ours[PATH_MAX + 32], batch[PATH_MAX + 32];
	static char kaslr[PATH_MAX + 32], find[PATH_MAX + 16];
	char dir[PATH_MAX], helper[PATH_MAX + 20], real[PATH_MAX];
	const char *vdir;
	int kernel_helpers = 0, every = 0, seek_kaslr = 0;
	struct gdb_argv a = { .n = 0 };
	const char *gdb = getenv("NMIDBG_GDB");
	struct spawn_opts so = { .out_fd = o->out_fd,
				 .err_fd = o->err_fd > 0 ? o->err_fd : -1 };
	int err;

	while (nkept)
		free(kept[--nkept]);
	arg(&a, gdb ? gdb : "gdb-multiarch");
	arg(&a, "-q");
	if (o->batch) {
		arg(&a, "-batch");
		arg(&a, "-iex");
		arg(&a, "set pagination off");
	}
	if (o->batch && o->every_failure) {
		gdbscript_path("batch.py", batch, sizeof(batch));
		every = !access(batch, R_OK);
		if (every) {
			arg(&a, "-ix");
			arg(&a, batch);
		} else {
			fprintf(stderr, "nmidbg: %s: %s: gdb's exit status is its last command's only\n",
				batch, strerror(errno));
		}
	}
	if (o->vmlinux) {
		/*
		 * The kernel's vmlinux-gdb.py sits beside vmlinux: let gdb load
		 * it.  dirname() cuts dir in place, or answers "." for a FILE
		 * without a slash and leaves dir whole: only its answer counts.
		 */
		snprintf(dir, sizeof(dir), "%s", o->vmlinux);
		vdir = dirname(dir);
		snprintf(safe1, sizeof(safe1), "add-auto-load-safe-path %s", vdir);
		snprintf(helper, sizeof(helper), "%s/vmlinux-gdb.py", vdir);
		kernel_helpers = !access(helper, R_OK);
		snprintf(safe2, sizeof(safe2), "add-auto-load-safe-path %s",
			 realpath(helper, real) ? dirname(real) : vdir);
		arg(&a, "-iex");
		arg(&a, safe1);
		arg(&a, "-iex");
		arg(&a, safe2);
	}
	/*
	 * KASLR: the symbols where the kernel runs.  Given as a file
	 * argument gdb would load them at the link address; exec-file alone
	 * gives gdb the architecture (kgdb describes no registers), and the
	 * symbols come once gdb is on the target: a stub's answer to gdb's
	 * qOffsets on connecting (OpenOCD's "Text=0;Data=0") would move them
	 * back to the link address.  Where the offset is to be found on the
	 * target, kaslr.py finds it and loads them.
	 */
	if (o->vmlinux && o->kaslr_auto && !o->kaslr_offset) {
		gdbscript_path("kaslr.py", kaslr, sizeof(kaslr));
		seek_kaslr = !access(kaslr, R_OK);
		if (!seek_kaslr)
			fprintf(stderr, "nmidbg: %s: %s: symbols loaded at link addresses\n",
				kaslr, strerror(errno));
	}
	if (o->vmlinux && (o->kaslr_offset || seek_kaslr)) {
		snprintf(execfile, sizeof(execfile), "exec-file %s", o->vmlinux);
		snprintf(symfile, sizeof(symfile), "symbol-file -o %s0x%llx %s",
			 o->kaslr_offset < 0 ? "-" : "",
			 (unsigned long long)(o->kaslr_offset < 0 ? -o->kaslr_offset : o->kaslr_offset),
			 o->vmlinux);
		arg(&a, "-ex");
		arg(&a, execfile);
	}
	for (int i = 0; i < o->npre; i++)
		arg(&a, o->pre[i]);
	snprintf(remote, sizeof(remote), "target remote %s", target);
	arg(&a, "-ex");
	arg(&a, remote);
	if (o->vmlinux && o->kaslr_offset) {
		arg(&a, "-ex");
		arg(&a, symfile);
	}
	if (seek_kaslr) {
		/* Before anything that needs the symbols; a failure counts. */
		snprintf(find, sizeof(find), "nmidbg-kaslr %s", o->vmlinux);
		arg(&a, "-x");
		arg(&a, kaslr);
		arg(&a, "-ex");
		arg(&a, every ? batch_run("", "", find) : find);
	}
	/*
	 * Ours need the kernel's (they import them, and mend $lx_current()
	 * over kgdb): without them, it would be an error at every start.
	 */
	if (o->helpers && kernel_helpers) {
		gdbscript_path("nmidbg.py", ours, sizeof(ours));
		if (access(ours, R_OK)) {
			fprintf(stderr, "nmidbg: %s: %s: gdb runs without nmidbg-* and $lx_current() over kgdb\n",
				ours, strerror(errno));
		} else {
			arg(&a, "-x");
			arg(&a, ours);
		}
	}
	for (int i = 0; i < o->nscripts; i++) {
		arg(&a, every ? "-ex" : "-x");
		arg(&a, every ? batch_run("", "source ", o->scripts[i]) : o->scripts[i]);
	}
	for (int i = 0; i < o->nextra; i++) {
		if (every)
			batch_extra(&a, o->extra, o->nextra, &i);
		else
			arg(&a, o->extra[i]);
	}
	if (every) {
		/* Last: gdb -batch exits with the status of its last command. */
		arg(&a, "-ex");
		arg(&a, "nmidbg-batch-status");
	}
	if (o->vmlinux && !o->kaslr_offset && !seek_kaslr)
		arg(&a, o->vmlinux);
	if (a.over) {
		/* The commands bound what they take: this is a caller's bug. */
		snprintf(why, len, "more than %d gdb arguments", MAX_ARGS - 1);
		return -1;
	}
	if (a.nomem) {
		snprintf(why, len, "gdb's arguments: out of memory");
		return -1;
	}
	a.v[a.n] = NULL;
	return spawn_run(a.v, &so, &err, why, len);
}

struct relay_run {
	struct relay *r;
	int lfd;		/* the listener, polled while no gdb is connected */
	int gdb_src;		/* gdb's source in the loop */
	struct loop *l;
	pid_t pid;
	int *status;
	long term_ms;		/* when gdb was told to end (a signal came), or 0 */
};

/* gdb's grace to quit after SIGTERM, the relay still answering it. */
#define GDB_TERM_MS	3000

static void set_gdb(struct relay_run *rr, int fd)
{
	relay_set_gdb(rr->r, fd);
	rr->l->src[rr->gdb_src].fd = fd;
	rr->l->src[0].fd = fd >= 0 ? -1 : rr->lfd;
}

static int gdb_exited(void *ctx)
{
	struct relay_run *rr = ctx;

	if (waitpid(rr->pid, rr->status, WNOHANG) == rr->pid)
		return rr->term_ms ? SESSION_INTR : GDB_EXITED;
	/* Its input waits while its ^C's break-in runs on the loop. */
	rr->l->src[rr->gdb_src].hold = rr->r->breaking;
	if (rr->r->gdb_fd >= 0 && rr->r->out.lost && !rr->r->breaking) {
		/* Our gdb stopped reading: it learns the link is gone. */
		fprintf(stderr, "nmidbg: gdb dropped: %s\n", outq_why(&rr->r->out));
		close(rr->r->gdb_fd);
		set_gdb(rr, -1);
	}
	/*
	 * Ctrl-C is gdb's (ignored here); SIGTERM, SIGHUP and SIGPIPE end it
	 * all: gdb gets SIGTERM and the relay serves it while it quits (its
	 * detach is answered here), SIGKILL if it will not.
	 */
	if (session_interrupted && !rr->term_ms) {
		rr->term_ms = session_now_ms();
		kill(rr->pid, SIGTERM);
	} else if (rr->term_ms && session_now_ms() - rr->term_ms > GDB_TERM_MS) {
		kill(rr->pid, SIGKILL);
	}
	return 0;
}

static int on_accept(void *ctx, int fd)
{
	int gdb = net_accept(fd);

	if (gdb >= 0)
		set_gdb(ctx, gdb);
	return 0;
}

static int on_gdb(void *ctx, int fd)
{
	struct relay_run *rr = ctx;
	uint8_t buf[4096];
	ssize_t got = read(fd, buf, sizeof(buf));

	if (got > 0)
		return relay_from_gdb(rr->r, buf, (size_t)got);
	close(fd);
	set_gdb(rr, -1);
	return 0;
}

/* Relay until gdb exits; its wait status in *status. */
static int relay_loop(struct relay *r, int lfd, pid_t pid, int *status)
{
	struct loop l;
	struct relay_run rr = { .r = r, .lfd = lfd, .l = &l, .pid = pid,
				.status = status };
	int rc;

	loop_init(&l, r->s);
	l.on_intr = 0;		/* ^C belongs to gdb */
	l.stream = 1;		/* text went to the console sink */
	l.tick = gdb_exited;
	l.ctx = &rr;
	loop_add(&l, lfd, on_accept, &rr);
	rr.gdb_src = loop_add(&l, -1, on_gdb, &rr);
	l.src[rr.gdb_src].out = &r->out;
	r->l = &l;
	rc = loop_run(&l, -1, NULL);
	r->l = NULL;
	if (rc == GDB_EXITED)
		return 0;
	if (r->gdb_fd >= 0) {
		/* gdb learns the link is gone; it exits in batch mode. */
		close(r->gdb_fd);
		relay_set_gdb(r, -1);
	}
	return rc;
}

/*
 * The board is gone, and with it gdb's link: gdb says so and, in batch
 * mode, ends by itself.  SIGTERM only after its grace (a signal would cut
 * its own word short), SIGKILL after another.
 */
static void end_gdb(pid_t pid, int *status)
{
	static const int sigs[] = { 0, SIGTERM, SIGKILL };
	struct timespec nap = { 0, 20000000L };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigs[i])
			kill(pid, sigs[i]);
		for (long t = 0; t < GDB_TERM_MS; t += 20) {
			if (waitpid(pid, status, WNOHANG) == pid)
				return;
			nanosleep(&nap, NULL);
		}
	}
	waitpid(pid, status, 0);
}

/* The board as after any gdb session; then rc (gdb may never have run). */
static int leave_kgdb(struct relay *r, int stay, const char **state, int rc)
{
	int err = relay_finish(r, stay, state);

	if (err)
		cmd_complain(r->s, "leaving kgdb", err);
	return err ? err : rc;
}

int gdb_run(struct session *s, const struct cmd_opts *c, const struct gdb_run *g,
	    int *status, const char **state)
{
	struct relay r;
	char why[300], target[64];
	int rc, lfd, tcp_port;
	pid_t pid;

	*status = 0;
	*state = "in kdb";
	relay_init(&r, s, &c->how);
	rc = relay_enter_kgdb(&r);
	if (rc) {
		cmd_complain(s, "switching kdb to kgdb", rc);
		return rc;
	}
	lfd = net_listen("127.0.0.1:0", 0, &tcp_port, why, sizeof(why));
	if (lfd < 0) {
		fprintf(stderr, "nmidbg: gdb did not run: cannot listen: %s\n", why);
		goto leave;
	}
	fprintf(stderr, "nmidbg: kgdb (thread %s); gdb on 127.0.0.1:%d\n",
		r.k.thread[0] ? r.k.thread : "?", tcp_port);
	/* The console while gdb lets the kernel run. */
	s->on_text = session_text_to_file;
	s->text_ctx = stdout;
	/* ^C belongs to gdb (it sends it to us as 0x03). */
	signal(SIGINT, SIG_IGN);
	snprintf(target, sizeof(target), "tcp:127.0.0.1:%d", tcp_port);
	pid = gdb_spawn(g, target, why, sizeof(why));
	if (pid < 0) {
		fprintf(stderr, "nmidbg: gdb did not run: %s\n", why);
		session_catch_sigint();
		s->on_text = NULL;
		close(lfd);
		goto leave;
	}
	rc = relay_loop(&r, lfd, pid, status);
	session_catch_sigint();
	s->on_text = NULL;
	close(lfd);
	if (rc == SESSION_INTR) {
		/*
		 * A signal ended it and gdb is gone (reaped by the tick): the
		 * relay still knows whether gdb had let the kernel run, which
		 * no reading of the tracker tells.  Leave kgdb the usual way.
		 */
		int held = session_hold_signal();

		cmd_complain(s, "gdb session", rc);
		leave_kgdb(&r, c->stay, state, 0);
		session_release_signal(held);
		return rc;
	}
	if (rc) {
		cmd_complain(s, "gdb session", rc);
		end_gdb(pid, status);	/* a lost line: gdb ends by itself, or is ended */
		*state = "unknown";
		return rc;
	}
	return leave_kgdb(&r, c->stay, state, 0);
leave:
	return leave_kgdb(&r, c->stay, state, CMD_ENOTRUN);
}
