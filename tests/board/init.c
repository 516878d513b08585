// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * PID 1 of the nmidbg test board: a tiny command shell on the console.
 *
 * Tests drive the board through it: pin tasks to CPUs, route IRQs, write
 * to /proc and debugfs, and hard-lock chosen CPUs through LKDTM without
 * blocking the shell.  It is deliberately not busybox: every command is a
 * few syscalls, its output is fixed, and PID 1 can never be stranded on a
 * CPU it is about to lock.
 *
 * Cross-compiled static for arm64; runs as /init from the initramfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define PROMPT "nmidbg# "
#define READY "NMIDBG-INIT READY"
#define LKDTM_DIRECT "/sys/kernel/debug/provoke-crash/DIRECT"
#define MAX_ARGS 16
#define LINE_MAX_LEN 1024

static cpu_set_t locked;	/* CPUs we have hard-locked so far */

static void out(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	for (int off = 0; off < n;) {
		ssize_t w = write(1, buf + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += w;
	}
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0) {
		out("error: open %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = write(fd, text, strlen(text));
	if (n < 0)
		out("error: write %s: %s\n", path, strerror(errno));
	close(fd);
	return n < 0 ? -1 : 0;
}

static int online_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

static int parse_cpu(const char *s, int *cpu)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0 || v >= online_cpus()) {
		out("error: bad cpu '%s' (online: 0-%d)\n", s, online_cpus() - 1);
		return -1;
	}
	*cpu = (int)v;
	return 0;
}

static int pin_self(const cpu_set_t *set)
{
	if (sched_setaffinity(0, sizeof(*set), set) < 0) {
		out("error: sched_setaffinity: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* pin CPU...: move PID 1 (and children it forks later) onto these CPUs. */
static int cmd_pin(int argc, char **argv)
{
	cpu_set_t set;
	int cpu;

	CPU_ZERO(&set);
	for (int i = 1; i < argc; i++) {
		if (parse_cpu(argv[i], &cpu))
			return -1;
		CPU_SET(cpu, &set);
	}
	if (argc < 2) {
		out("usage: pin CPU...\n");
		return -1;
	}
	return pin_self(&set);
}

/*
 * Fork a child that pins itself to @cpu and enters LKDTM's @type there.
 * The child tells us through a pipe just before it writes to DIRECT, so
 * "cpu N locked" is printed only once the lockup is really under way.
 */
static int lock_cpu(int cpu, const char *type)
{
	int pfd[2];
	char c;
	pid_t pid;

	if (pipe(pfd) < 0) {
		out("error: pipe: %s\n", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		out("error: fork: %s\n", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		close(pfd[0]);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			_exit(1);
		if (write(pfd[1], "x", 1) != 1)
			_exit(1);
		close(pfd[1]);
		write_file(LKDTM_DIRECT, type);
		_exit(0);	/* only reached for crash types that return */
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1) {
		close(pfd[0]);
		out("error: lock child for cpu %d died\n", cpu);
		return -1;
	}
	close(pfd[0]);
	/* Let the child get from the pipe write into the spin loop. */
	usleep(200 * 1000);
	CPU_SET(cpu, &locked);
	out("cpu %d locked (%s)\n", cpu, type);
	return 0;
}

/* lock CPU [TYPE]: hard-lock one CPU, moving PID 1 off it first. */
static int cmd_lock(int argc, char **argv)
{
	const char *type = argc > 2 ? argv[2] : "HARDLOCKUP";
	cpu_set_t mine;
	int cpu;

	if (argc < 2) {
		out("usage: lock CPU [TYPE]\n");
		return -1;
	}
	if (parse_cpu(argv[1], &cpu))
		return -1;
	if (sched_getaffinity(0, sizeof(mine), &mine) < 0)
		return -1;
	CPU_CLR(cpu, &mine);
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &locked))
			CPU_CLR(i, &mine);
	if (CPU_COUNT(&mine) == 0) {
		out("error: locking cpu %d would strand PID 1 (use lockall)\n", cpu);
		return -1;
	}
	if (pin_self(&mine))
		return -1;
	return lock_cpu(cpu, type);
}

/*
 * lockall [TYPE]: hard-lock every online CPU.  PID 1 stays on CPU0 and is
 * never scheduled again: nothing comes back on this shell after it.
 */
static int cmd_lockall(int argc, char **argv)
{
	const char *type = argc > 1 ? argv[1] : "HARDLOCKUP";
	int n = online_cpus();
	cpu_set_t cpu0;

	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (pin_self(&cpu0))
		return -1;
	for (int cpu = 1; cpu < n; cpu++)
		if (!CPU_ISSET(cpu, &locked) && lock_cpu(cpu, type))
			return -1;
	out("locking cpu 0 (%s): all %d cpus locked, this shell is gone\n",
	    type, n);
	return lock_cpu(0, type);
}

/* irq NAME: print the number of the first IRQ whose /proc/interrupts line names NAME. */
static int cmd_irq(int argc, char **argv)
{
	char line[512];
	FILE *f;
	int found = -1;

	if (argc != 2) {
		out("usage: irq NAME\n");
		return -1;
	}
	f = fopen("/proc/interrupts", "r");
	if (!f) {
		out("error: /proc/interrupts: %s\n", strerror(errno));
		return -1;
	}
	while (found < 0 && fgets(line, sizeof(line), f)) {
		int nr;

		if (strstr(line, argv[1]) && sscanf(line, " %d:", &nr) == 1)
			found = nr;
	}
	fclose(f);
	if (found < 0) {
		out("error: no irq named %s\n", argv[1]);
		return -1;
	}
	out("irq %d\n", found);
	return 0;
}

/* affine IRQ CPULIST: route an IRQ to CPUs. */
static int cmd_affine(int argc, char **argv)
{
	char path[64];

	if (argc != 3) {
		out("usage: affine IRQ CPULIST\n");
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/irq/%s/smp_affinity_list", argv[1]);
	return write_file(path, argv[2]);
}

/* write FILE TEXT...: like echo TEXT > FILE. */
static int cmd_write(int argc, char **argv)
{
	char text[LINE_MAX_LEN] = "";

	if (argc < 2) {
		out("usage: write FILE [TEXT...]\n");
		return -1;
	}
	if (argc == 2)	/* an empty line: a parameter set to "" */
		strcpy(text, "\n");
	for (int i = 2; i < argc; i++) {
		strncat(text, argv[i], sizeof(text) - strlen(text) - 2);
		strncat(text, i + 1 < argc ? " " : "\n",
			sizeof(text) - strlen(text) - 1);
	}
	return write_file(argv[1], text);
}

static int cmd_cat(int argc, char **argv)
{
	char buf[4096];
	ssize_t n;
	int fd;

	if (argc != 2) {
		out("usage: cat FILE\n");
		return -1;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		out("error: open %s: %s\n", argv[1], strerror(errno));
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, n) != n)
			break;
	close(fd);
	return n < 0 ? -1 : 0;
}

static int cmd_dmesg(int argc, char **argv)
{
	static char buf[1 << 17];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf));

	(void)argc;
	(void)argv;
	if (n < 0) {
		out("error: klogctl: %s\n", strerror(errno));
		return -1;
	}
	return write(1, buf, n) == n ? 0 : -1;
}

static int cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		out("%s%s", argv[i], i + 1 < argc ? " " : "");
	out("\n");
	return 0;
}

static int cmd_cpus(int argc, char **argv)
{
	cpu_set_t mine;

	(void)argc;
	(void)argv;
	sched_getaffinity(0, sizeof(mine), &mine);
	out("online %d pid1-cpus", online_cpus());
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &mine))
			out(" %d", i);
	out("\n");
	return 0;
}

static int cmd_sleep(int argc, char **argv)
{
	long ms = argc == 2 ? strtol(argv[1], NULL, 10) : -1;
	struct timespec ts;

	if (ms < 0) {
		out("usage: sleep MS\n");
		return -1;
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return 0;
}

static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
	}
	return ~crc;
}

/* The byte stream `source` sends; tests/board/board.py regenerates it. */
static unsigned char xorshift_byte(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return (unsigned char)*x;
}

static int parse_count(const char *s, unsigned long *n)
{
	char *end;

	*n = strtoul(s, &end, 0);
	if (*s == '\0' || *end != '\0') {
		out("error: bad number '%s'\n", s);
		return -1;
	}
	return 0;
}

/*
 * sink N [PAUSE_MS]: read N raw bytes from the console (after a pause, if
 * given), print their count and CRC32.
 * The tty is raw meanwhile: no echo, no translation, no signals.
 */
static int cmd_sink(int argc, char **argv)
{
	static unsigned char buf[65536];
	struct termios old, raw;
	unsigned long want, got = 0;
	uint32_t crc = 0;

	unsigned long pause_ms = 0;

	if (argc < 2 || argc > 3) {
		out("usage: sink N [PAUSE_MS]\n");
		return -1;
	}
	if (parse_count(argv[1], &want) ||
	    (argc == 3 && parse_count(argv[2], &pause_ms)))
		return -1;
	if (tcgetattr(0, &old) < 0) {
		out("error: tcgetattr: %s\n", strerror(errno));
		return -1;
	}
	raw = old;
	cfmakeraw(&raw);
	tcsetattr(0, TCSANOW, &raw);
	out("SINK-READY\r\n");
	if (pause_ms) {
		/* A reader that is late: the sender must be held back, not lost. */
		struct timespec ts = { pause_ms / 1000, (pause_ms % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	while (got < want) {
		size_t chunk = want - got < sizeof(buf) ? want - got : sizeof(buf);
		ssize_t n = read(0, buf, chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		crc = crc32_update(crc, buf, n);
		got += n;
	}
	tcsetattr(0, TCSANOW, &old);
	out("SINK-END n=%lu crc=%08x\n", got, crc);
	return 0;
}

/* source N SEED: write N raw bytes of the xorshift32 stream from SEED. */
static int cmd_source(int argc, char **argv)
{
	static unsigned char buf[4096];
	struct termios old, raw;
	unsigned long want, seed, sent = 0;
	uint32_t x, crc = 0;

	if (argc != 3 || parse_count(argv[1], &want) ||
	    parse_count(argv[2], &seed) || seed == 0) {
		out("usage: source N SEED (SEED != 0)\n");
		return -1;
	}
	x = (uint32_t)seed;
	if (tcgetattr(1, &old) < 0) {
		out("error: tcgetattr: %s\n", strerror(errno));
		return -1;
	}
	raw = old;
	cfmakeraw(&raw);
	out("SOURCE-BEGIN\n");
	tcdrain(1);
	tcsetattr(1, TCSANOW, &raw);
	while (sent < want) {
		size_t n = want - sent < sizeof(buf) ? want - sent : sizeof(buf);

		for (size_t i = 0; i < n; i++)
			buf[i] = xorshift_byte(&x);
		crc = crc32_update(crc, buf, n);
		for (size_t off = 0; off < n;) {
			ssize_t w = write(1, buf + off, n - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				goto out;
			off += w;
		}
		sent += n;
	}
out:
	tcdrain(1);
	tcsetattr(1, TCSANOW, &old);
	out("SOURCE-END n=%lu crc=%08x\n", sent, crc);
	return 0;
}

/*
 * dstate: leave a task in D state for good.  A child vforks; the vfork
 * child never execs or exits, so its parent waits in the kernel,
 * uninterruptibly (TASK_KILLABLE), where ps shows D.
 */
static int cmd_dstate(int argc, char **argv)
{
	pid_t pid;

	(void)argc;
	(void)argv;
	pid = fork();
	if (pid < 0) {
		out("error: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (vfork() == 0)
			for (;;)
				pause();
		_exit(0);
	}
	usleep(100 * 1000);
	out("pid %d in D state\n", pid);
	return 0;
}

/* insmod FILE: load a module (finit_module; no parameters). */
static int cmd_insmod(int argc, char **argv)
{
	int fd;

	if (argc != 2) {
		out("usage: insmod FILE\n");
		return -1;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || syscall(SYS_finit_module, fd, "", 0)) {
		out("error: insmod %s: %s\n", argv[1], strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	out("loaded %s\n", argv[1]);
	return 0;
}

static int cmd_help(int argc, char **argv);

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "affine", cmd_affine, "affine IRQ CPULIST   route an IRQ" },
	{ "cat", cmd_cat, "cat FILE             print a file" },
	{ "cpus", cmd_cpus, "cpus                 online CPUs, PID 1's CPUs" },
	{ "dmesg", cmd_dmesg, "dmesg                print the kernel log" },
	{ "dstate", cmd_dstate, "dstate               leave a task in D state" },
	{ "echo", cmd_echo, "echo WORDS...        print words" },
	{ "help", cmd_help, "help                 this list" },
	{ "insmod", cmd_insmod, "insmod FILE          load a kernel module" },
	{ "irq", cmd_irq, "irq NAME             number of the IRQ named NAME" },
	{ "lock", cmd_lock, "lock CPU [TYPE]      hard-lock CPU (LKDTM TYPE)" },
	{ "lockall", cmd_lockall, "lockall [TYPE]       hard-lock every CPU" },
	{ "pin", cmd_pin, "pin CPU...           move PID 1 to CPUs" },
	{ "sink", cmd_sink, "sink N [PAUSE_MS]    read N raw bytes, print CRC32" },
	{ "sleep", cmd_sleep, "sleep MS             sleep" },
	{ "source", cmd_source, "source N SEED        write N raw xorshift32 bytes" },
	{ "write", cmd_write, "write FILE [TEXT...] echo TEXT > FILE" },
};

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		out("  %s\n", commands[i].help);
	return 0;
}

static void run_line(char *line)
{
	char *argv[MAX_ARGS + 1];
	int argc = 0;

	for (char *tok = strtok(line, " \t\r\n"); tok && argc < MAX_ARGS;
	     tok = strtok(NULL, " \t\r\n"))
		argv[argc++] = tok;
	argv[argc] = NULL;
	if (argc == 0)
		return;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[0], commands[i].name) == 0) {
			commands[i].fn(argc, argv);
			return;
		}
	}
	out("error: unknown command '%s' (try help)\n", argv[0]);
}

static void setup(void)
{
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mkdir("/dev", 0755);
	mkdir("/tmp", 01777);
	if (mount("proc", "/proc", "proc", 0, NULL))
		out("warning: mount /proc: %s\n", strerror(errno));
	if (mount("sysfs", "/sys", "sysfs", 0, NULL))
		out("warning: mount /sys: %s\n", strerror(errno));
	if (mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL))
		out("warning: mount debugfs: %s\n", strerror(errno));
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL))
		out("warning: mount /dev: %s\n", strerror(errno));
	/* Lock children never exit; other children are reaped by the kernel. */
	signal(SIGCHLD, SIG_IGN);
}

int main(void)
{
	char line[LINE_MAX_LEN];
	size_t len = 0;

	setup();
	out("\n" READY " cpus=%d\n" PROMPT, online_cpus());
	for (;;) {
		char c;
		ssize_t n = read(0, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* PID 1 must never exit: wait for the console to return. */
			sleep(1);
			continue;
		}
		if (c != '\n' && c != '\r') {
			if (len < sizeof(line) - 1)
				line[len++] = c;
			continue;
		}
		line[len] = '\0';
		len = 0;
		run_line(line);
		out(PROMPT);
	}
}
