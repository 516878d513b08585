// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg: entry point, help and version.  main() is the only place that
 * exits; commands return an NMIDBG_EXIT_* code.  The table: commands.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "session.h"

/*
 * What the command wrote to stdout must have reached it: a full disk or
 * a closed pipe is an error, not a silent success (git's run_builtin
 * checks the same).  A reader that went away already said so by SIGPIPE.
 */
static int check_stdout(int rc)
{
	struct stat st;

	if (fstat(fileno(stdout), &st))
		return rc;	/* not there at all: nothing was meant to go there */
	if (fflush(stdout) == 0 && !ferror(stdout) && fclose(stdout) == 0)
		return rc;
	if (errno == EPIPE || session_signal == SIGPIPE)
		return rc;
	fprintf(stderr, "nmidbg: cannot write standard output: %s\n", strerror(errno));
	return rc == NMIDBG_EXIT_OK ? NMIDBG_EXIT_OUTPUT : rc;
}

/*
 * The command has left the board as asked; a signal other than Ctrl-C
 * (exit 4, documented) ends the process the conventional way, by that
 * signal, so a shell or `timeout` sees what happened.
 */
static int finish(int rc)
{
	int sig;

	rc = check_stdout(rc);	/* a reader gone shows here: SIGPIPE */
	sig = session_signal;
	if (sig && sig != SIGINT && sig != SIGALRM) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
	return rc;
}

/*
 * A descriptor 0-2 that was closed when we started would be the next
 * open()'s, the port's: our messages would be typed into kdb.
 */
static void hold_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		if (open("/dev/null", fd ? O_WRONLY : O_RDONLY) < 0)
			return;
	}
}

int main(int argc, char **argv)
{
	const struct cmd *c;

	hold_std_fds();

	if (argc < 2) {
		cmd_print_help(stderr, cmd_table, cmd_count);
		return NMIDBG_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return finish(cmd_help(1, argv));
	if (strcmp(argv[1], "--version") == 0)
		return finish(cmd_version(1, argv));
	c = cmd_find(cmd_table, cmd_count, argv[1]);
	if (!c) {
		fprintf(stderr,
			"nmidbg: '%s' is not an nmidbg command. See 'nmidbg --help'.\n",
			argv[1]);
		return NMIDBG_EXIT_USAGE;
	}
	if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0))
		return finish(cmd_help(2, (char *[]){ "help", argv[1], NULL }));
	return finish(cmd_frame_run(c, argc - 1, argv + 1));
}
