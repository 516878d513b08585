// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Many boards in one command (fleetrun.h): one child per board forked
 * from the frame, the parent's wait (signals passed on to the children),
 * and the summary's files.  The options and the list: fleetopt.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_common.h"
#include "fleetrun.h"
#include "outfile.h"

/* DIR made (the default: nmidbg-fleet-STAMP here, new), or there as a directory. */
static int make_dir(struct cmd_fleet *fl, time_t now)
{
	struct stat st;

	if (!fl->dir_given) {
		char stamp[32];

		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", gmtime(&now));
		snprintf(fl->dir, sizeof(fl->dir), "nmidbg-fleet-%s", stamp);
	}
	fl->f.dir = fl->dir;
	if (!mkdir(fl->dir, 0777))
		return 0;
	if (errno == EEXIST && fl->dir_given && !stat(fl->dir, &st) && S_ISDIR(st.st_mode))
		return 0;
	fprintf(stderr, "nmidbg: cannot make the directory %s: %s\n", fl->dir,
		errno == EEXIST && fl->dir_given ? "it is not a directory" : strerror(errno));
	return -1;
}

struct summary {
	char path[2][PATH_MAX + 16];	/* summary.md, summary.json */
	struct outfile out[2];
};

/* The summary's files, opened before any board is touched. */
static int open_summary(const struct cmd_fleet *fl, struct summary *s)
{
	for (int i = 0; i < 2; i++)
		snprintf(s->path[i], sizeof(s->path[i]), "%s/%s.%s", fl->dir, FLEET_SUMMARY,
			 i ? "json" : "md");
	return outfile_open_all(s->out, (const char *const[]){ s->path[0], s->path[1] }, 2);
}

static void write_one(FILE *out, int i, const void *f)
{
	if (i)
		fleet_write_json(out, f);
	else
		fleet_write_md(out, f);
}

static int write_summary(struct summary *s, const struct fleet *f)
{
	if (outfile_write_all(s->out, 2, write_one, f))
		return -1;
	printf("%s\n%s\n", s->path[0], s->path[1]);
	return 0;
}

static void noop(int sig)
{
	(void)sig;	/* SIGCHLD: only to end sigsuspend() */
}

/*
 * In the child, before the frame goes on: its own process group (a
 * Ctrl-C at the terminal reaches the parent alone, which passes it on
 * once: a second one would make the child give up leaving its board),
 * the parent's signal mask back, no input, its output in DIR/NAME.log.
 */
static int child_setup(struct cmd_fleet *fl, struct fleet_board *b, struct summary *s,
		       const sigset_t *old)
{
	char log[PATH_MAX + 16];
	int fd, in;

	setpgid(0, 0);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, old, NULL);
	fclose(s->out[0].f);	/* the parent's: neither written nor removed here */
	fclose(s->out[1].f);
	fleet_path(&fl->f, b, "log", log, sizeof(log));
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0666);
	in = open("/dev/null", O_RDONLY);
	if (fd < 0 || in < 0) {
		snprintf(b->res->error, sizeof(b->res->error), "cannot write %.300s: %.150s", log,
			 strerror(errno));
		fprintf(stderr, "nmidbg: %s: %s\n", b->name, b->res->error);
		if (fd >= 0)
			close(fd);
		if (in >= 0)
			close(in);
		return -1;
	}
	dup2(in, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	close(in);
	close(fd);
	for (int i = 0; fleet_report_exts(&fl->f)[i]; i++)
		fleet_path(&fl->f, b, fleet_report_exts(&fl->f)[i], fl->reports[i],
			   sizeof(fl->reports[i]));
	return 0;
}

/* The last line of a board's log, for a board that failed without saying why to us. */
static void log_tail(const struct cmd_fleet *fl, struct fleet_board *b)
{
	char path[PATH_MAX + 16], buf[1024], *line;
	int fd;
	ssize_t n;
	off_t size;

	if (fleet_path(&fl->f, b, "log", path, sizeof(path)))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	n = size < 0 ? -1 : pread(fd, buf, sizeof(buf) - 1, size > (off_t)sizeof(buf) - 1 ?
				  size - (off_t)sizeof(buf) + 1 : 0);
	close(fd);
	if (n <= 0)
		return;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	line = strrchr(buf, '\n');
	line = line ? line + 1 : buf;
	if (!strncmp(line, "nmidbg: ", 8))
		line += 8;
	snprintf(b->res->error, sizeof(b->res->error), "%.511s", line);
}

static void reaped(struct cmd_fleet *fl, struct fleet_board *b, int status, long now)
{
	const char *v;

	b->state = FLEET_DONE;
	b->ms = now - b->start_ms;
	b->exit = WIFEXITED(status) ? WEXITSTATUS(status) :
		  WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
	v = fleet_verdict(&fl->f, b);
	if (b->exit && !b->res->error[0] && !strcmp(v, "failed"))
		log_tail(fl, b);
	fprintf(stderr, "nmidbg: %s: %s (exit %d, %ld.%01ld s)%s%s\n", b->name, v, b->exit,
		b->ms / 1000, b->ms % 1000 / 100, b->res->error[0] ? ": " : "", b->res->error);
}

struct wait_state {
	long t0;
	int next, running, sigints, other;	/* signals passed on so far */
};

/* Each signal the parent caught goes to every child running, once. */
static void forward(struct cmd_fleet *fl, struct wait_state *st)
{
	int sig = 0;

	if (session_sigints > st->sigints) {
		st->sigints++;
		sig = SIGINT;
	} else if (session_signal && session_signal != SIGINT && !st->other) {
		st->other = 1;
		sig = session_signal == SIGHUP ? SIGHUP : SIGTERM;
	}
	if (!sig)
		return;
	for (int i = 0; i < fl->f.n; i++)
		if (fl->f.boards[i].state == FLEET_RUNNING)
			kill(fl->f.boards[i].pid, sig);
	forward(fl, st);	/* another Ctrl-C meanwhile */
}

/* Start board i: 1 in the child, 0 in the parent. */
static int start(struct cmd_fleet *fl, struct wait_state *st)
{
	struct fleet_board *b = &fl->f.boards[st->next];
	pid_t pid;

	b->res = &fl->shared[st->next++];
	b->start_ms = session_now_ms() - st->t0;
	fflush(NULL);	/* nothing buffered is written twice */
	pid = fork();
	if (pid == 0)
		return 1;
	if (pid < 0) {
		snprintf(b->res->error, sizeof(b->res->error), "cannot fork: %s", strerror(errno));
		reaped(fl, b, 1 << 8, b->start_ms);	/* as if it exited 1 */
		return 0;
	}
	setpgid(pid, pid);	/* the child does too: whichever runs first */
	b->pid = pid;
	b->state = FLEET_RUNNING;
	st->running++;
	return 0;
}

/* Every child that has ended: how many. */
static int reap(struct cmd_fleet *fl, struct wait_state *st)
{
	pid_t pid;
	int status, n = 0;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (int i = 0; i < fl->f.n; i++)
			if (fl->f.boards[i].state == FLEET_RUNNING && fl->f.boards[i].pid == pid) {
				reaped(fl, &fl->f.boards[i], status, session_now_ms() - st->t0);
				st->running--;
				n++;
			}
	return n;
}

/* Run every board; 1 in a child (its board is r's now), 0 in the parent at the end. */
static int run_all(struct cmd_fleet *fl, struct cmd_run *r, struct summary *s)
{
	struct wait_state st = { .t0 = session_now_ms() };
	struct sigaction sa = { .sa_handler = noop, .sa_flags = SA_NOCLDSTOP };
	sigset_t block, old;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	for (;;) {
		forward(fl, &st);
		while (!session_signal && st.running < fl->f.jobs && st.next < fl->f.n)
			if (start(fl, &st)) {
				struct fleet_board *b = &fl->f.boards[st.next - 1];

				r->port = b->port;
				r->result = b->res;
				return child_setup(fl, b, s, &old) ? -1 : 1;
			}
		if (reap(fl, &st))
			continue;	/* room for the next ones */
		if (!st.running && (st.next == fl->f.n || session_signal))
			break;
		sigsuspend(&old);	/* a child ended, or a signal to pass on */
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGCHLD, SIG_DFL);
	fl->f.ms = session_now_ms() - st.t0;
	if (session_signal) {
		int sig = session_signal;

		fl->f.partial = 1;
		snprintf(fl->f.partial_why, sizeof(fl->f.partial_why),
			 "cut short by %s: every board running was told; %d not run",
			 sig == SIGINT ? "Ctrl-C (SIGINT)" : sig == SIGHUP ? "SIGHUP" :
			 sig == SIGPIPE ? "SIGPIPE" : "SIGTERM", fl->f.n - st.next);
	}
	return 0;
}

static int overall(const struct fleet *f)
{
	if (session_signal)
		return session_signal == SIGINT ? NMIDBG_EXIT_INTR : 128 + session_signal;
	for (int i = 0; i < f->n; i++)
		if (f->boards[i].exit)
			return NMIDBG_EXIT_FLEET;
	return NMIDBG_EXIT_OK;
}

int fleet_run(const struct cmd *c, struct cmd_run *r)
{
	struct cmd_fleet *fl = r->fleet;
	struct summary s;
	time_t now = time(NULL);
	void *mem;
	int rc;

	if (fleet_check_list(fl, c->name))
		return NMIDBG_EXIT_USAGE;
	if (fl->f.jobs > fl->f.n)
		fl->f.jobs = fl->f.n;
	strftime(fl->f.time, sizeof(fl->f.time), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	if (make_dir(fl, now) || open_summary(fl, &s))
		return NMIDBG_EXIT_OUTPUT;
	fl->shared_len = (size_t)fl->f.n * sizeof(*fl->shared);
	mem = mmap(NULL, fl->shared_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		fprintf(stderr, "nmidbg: cannot map the boards' results: %s\n", strerror(errno));
		outfile_abandon(&s.out[0]);
		outfile_abandon(&s.out[1]);
		return NMIDBG_EXIT_OUTPUT;
	}
	fl->shared = mem;
	fprintf(stderr, "nmidbg: %s on %d board%s, %d at once, into %s/\n", c->name, fl->f.n,
		fl->f.n == 1 ? "" : "s", fl->f.jobs, fl->dir);
	rc = run_all(fl, r, &s);
	if (rc > 0)
		return FLEET_CHILD;
	if (rc < 0)
		return NMIDBG_EXIT_OUTPUT;	/* a child without its log */
	fl->f.exit = overall(&fl->f);
	if (write_summary(&s, &fl->f))
		return NMIDBG_EXIT_OUTPUT;
	return fl->f.exit > 128 ? NMIDBG_EXIT_INTR : fl->f.exit;	/* main() raises the signal */
}

void fleet_end(struct cmd_run *r)
{
	struct cmd_fleet *fl = r->fleet;

	if (!fl)
		return;
	if (r->result) {
		if (!r->result->error[0])
			snprintf(r->result->error, sizeof(r->result->error), "%s", cmd_last_error());
		if (!r->result->after[0] && r->after)
			snprintf(r->result->after, sizeof(r->result->after), "%s", r->after);
	}
	if (fl->shared)
		munmap(fl->shared, fl->shared_len);
	fleet_free(&fl->f);
	free(fl);
	r->fleet = NULL;
	r->result = NULL;
}
