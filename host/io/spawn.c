// SPDX-License-Identifier: GPL-3.0-or-later
/* fork + exec with the exec's failure reported to the parent (spawn.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "session.h"
#include "spawn.h"

/*
 * In the child: its descriptors and session, then exec.  One that stays
 * in nmidbg's session gets SIGTERM when nmidbg dies, however it dies: no
 * OpenOCD or gdb is left behind.  Never returns.
 */
static void child(const char *const argv[], const struct spawn_opts *o, int report,
		  pid_t parent)
{
	int e;

	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (o->new_session)
		setsid();
	else if (prctl(PR_SET_PDEATHSIG, SIGTERM) == 0 && getppid() != parent)
		_exit(127);	/* nmidbg is gone already: no orphan */
	if (o->null_stdin) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd >= 0 && fd != STDIN_FILENO) {
			dup2(fd, STDIN_FILENO);
			close(fd);
		}
	}
	if (o->out_fd >= 0)
		dup2(o->out_fd, STDOUT_FILENO);
	if (o->err_fd >= 0)
		dup2(o->err_fd, STDERR_FILENO);
	execvp(argv[0], (char *const *)argv);
	e = errno;
	if (write(report, &e, sizeof(e)) < 0)
		_exit(126);
	_exit(127);
}

pid_t spawn_run(const char *const argv[], const struct spawn_opts *o, int *err,
		char *why, size_t len)
{
	int fds[2], e = 0;
	ssize_t got;
	pid_t pid, parent;

	*err = 0;
	fflush(NULL);
	if (pipe2(fds, O_CLOEXEC)) {
		*err = errno;
		snprintf(why, len, "pipe: %s", strerror(errno));
		return -1;
	}
	parent = getpid();
	pid = fork();
	if (pid == 0)
		child(argv, o, fds[1], parent);
	close(fds[1]);
	if (pid < 0) {
		*err = errno;
		snprintf(why, len, "fork: %s", strerror(errno));
		close(fds[0]);
		return -1;
	}
	/* Nothing comes (EOF) when exec worked: the pipe closed with it. */
	do
		got = read(fds[0], &e, sizeof(e));
	while (got < 0 && errno == EINTR);
	close(fds[0]);
	if (got == (ssize_t)sizeof(e) && e) {
		waitpid(pid, NULL, 0);
		*err = e;
		snprintf(why, len, "%s: %s", argv[0], strerror(e));
		return -1;
	}
	return pid;
}

FILE *spawn_tmpfile(void)
{
	FILE *f = tmpfile();
	int e;

	/* Not atomic, but nmidbg has one thread: no child starts between. */
	if (f && fcntl(fileno(f), F_SETFD, FD_CLOEXEC)) {
		e = errno;
		fclose(f);
		errno = e;
		return NULL;
	}
	return f;
}

int spawn_wait(pid_t pid, int timeout_ms, int *status)
{
	struct timespec nap = { 0, 50 * 1000000L };
	long start = session_now_ms(), term = 0;
	int rc = 0;

	*status = 0;
	while (waitpid(pid, status, WNOHANG) != pid) {
		long now = session_now_ms();

		if (session_interrupted && !term) {
			kill(pid, SIGTERM);
			term = now;
			rc = SESSION_INTR;
		} else if ((term && now - term > 3000) ||
			   (!term && timeout_ms >= 0 && now - start > timeout_ms)) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			return term ? SESSION_INTR : SESSION_TIMEOUT;
		}
		nanosleep(&nap, NULL);
	}
	return rc;
}
