// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The JTAG route of nmidbg triage (triage_jtag.h): OpenOCD halts every
 * core, gdb-multiarch runs gdbscripts' triage, lx-ps and lx-dmesg on its
 * gdb port, the CPU table comes from gdb's frames, OpenOCD resumes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "gdbcpus.h"
#include "gdbrun.h"
#include "port.h"
#include "spawn.h"
#include "triage_jtag.h"
#include "vmlinux.h"

#define CONNECTED	"@@nmidbg connected"

void triage_jtag_serial(const struct cmd_run *r, int rc, struct triage *t)
{
	int secs = r->o.how.timeout_ms / 1000;

	t->via = "jtag";
	if (!r->port) {
		snprintf(t->serial, sizeof(t->serial), "no serial port given");
		return;
	}
	if (!r->opened) {
		snprintf(t->serial, sizeof(t->serial), "%s: cannot be opened", r->port);
		return;
	}
	if (rc != SESSION_TIMEOUT) {
		snprintf(t->serial, sizeof(t->serial), "%s: %s", r->port,
			 rc == SESSION_INTR ? "interrupted" : "lost during the break-in");
		return;
	}
	if (r->o.how.method != KDB_AUTO)
		snprintf(t->serial, sizeof(t->serial), "%s: no answer in %d s",
			 r->e.how ? r->e.how : "break-in", secs);
	else if (r->s.port && r->s.port->ops->send_break)
		snprintf(t->serial, sizeof(t->serial),
			 "knock: no answer in %d s; BREAK+g: no answer in %d s", secs, secs);
	else
		snprintf(t->serial, sizeof(t->serial),
			 "knock: no answer in %d s; BREAK+g: not possible on this transport", secs);
}

/* Run gdb to the end (or end it at the deadline, or on a signal). */
static int wait_gdb(pid_t pid, int timeout_ms)
{
	int status, rc = spawn_wait(pid, timeout_ms, &status);

	if (rc == SESSION_TIMEOUT)
		fprintf(stderr, "nmidbg: gdb took over %d s: stopped\n", timeout_ms / 1000);
	else if (rc == SESSION_INTR)
		fprintf(stderr, "nmidbg: interrupted: gdb was ended\n");
	return status;
}

static char *slurp(FILE *f)
{
	char *text = NULL;
	size_t cap = 0;

	rewind(f);
	if (getdelim(&text, &cap, '\0', f) < 0) {
		free(text);
		return strdup("");
	}
	return text;
}

/* What `target remote` said: gdb's first error line (not a warning). */
static void first_error(const char *err, char *why, size_t len)
{
	const char *p = err;

	why[0] = '\0';
	while (*p) {
		size_t n = strcspn(p, "\n");

		if (n && strncmp(p, "warning:", 8)) {
			snprintf(why, len, "%.*s", (int)n, p);
			return;
		}
		p += n + (p[n] ? 1 : 0);
	}
}

/*
 * Is the vmlinux the running kernel?  The banner gdb read from the board
 * against the file's: a wrong one gives wrong file:line without a word.
 */
static void check_vmlinux(const char *vmlinux, struct triage *t)
{
	char why[200];
	uint64_t addr;

	t->vmlinux = vmlinux;
	t->vmlinux_match = -1;
	if (gdbcpus_version(t->gdb_json, t->board_banner, sizeof(t->board_banner)) ||
	    vmlinux_string(vmlinux, "linux_banner", &addr, t->vmlinux_banner,
			   sizeof(t->vmlinux_banner), why, sizeof(why)))
		return;
	t->vmlinux_banner[strcspn(t->vmlinux_banner, "\n")] = '\0';
	t->vmlinux_match = !strcmp(t->board_banner, t->vmlinux_banner);
	if (!t->vmlinux_match)
		fprintf(stderr, "nmidbg: %s is not the running kernel\n  board:   %s\n  vmlinux: %s\n",
			vmlinux, t->board_banner, t->vmlinux_banner);
}

/* The CPUs' frames that came with file:line (" at FILE:LINE"). */
static int count_lines(const struct triage *t)
{
	int n = 0;

	for (int i = 0; i < t->ncpus; i++) {
		const char *p = t->cpus[i].trace, *end = p ? p + t->cpus[i].trace_len : NULL;

		while (p && p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *e = nl ? nl : end, *colon = e;

			while (colon > p && colon[-1] >= '0' && colon[-1] <= '9')
				colon--;
			n += colon < e && colon > p && colon[-1] == ':' &&
			     memmem(p, (size_t)(colon - p), " at ", 4) != NULL;
			p = e + 1;
		}
	}
	return n;
}

/*
 * gdb on target: the sections into t.  NMIDBG_EXIT_* code.  openocd:
 * gdb reads registers with `g` (a mem_ap target answers no `p`).
 */
static int run_gdb(const char *target, const struct jtag_opts *j, const char *vmlinux,
		   int timeout_ms, int openocd, struct triage *t)
{
	static char *pre[] = { "-iex", "set tcp connect-timeout 5",
			       "-iex", "set remote fetch-register-packet off" };
	static char *extra[] = {
		"-ex", "python print('" CONNECTED "' if gdb.selected_inferior().pid else '@@nmidbg no connection')",
		"-ex", "echo @@nmidbg triage\\n", "-ex", "nmidbg-triage json+text",
		"-ex", "echo @@nmidbg lx-ps\\n", "-ex", "lx-ps",
		"-ex", "echo @@nmidbg lx-dmesg\\n", "-ex", "lx-dmesg",
		"-ex", "echo @@nmidbg end\\n",
	};
	struct gdb_run g = { .vmlinux = vmlinux, .batch = 1, .extra = extra,
			     .nextra = sizeof(extra) / sizeof(extra[0]),
			     .pre = pre, .npre = openocd ? 4 : 2 };
	char script[PATH_MAX + 32], why[300];
	FILE *out = spawn_tmpfile(), *err = spawn_tmpfile();
	char *text = NULL, *etext = NULL;
	int ret = NMIDBG_EXIT_OK;
	pid_t pid;

	if (!out || !err) {
		fprintf(stderr, "nmidbg: tmpfile: %s\n", strerror(errno));
		ret = NMIDBG_EXIT_FAIL;
		goto out;
	}
	jtag_opts_kaslr(j, &g);
	g.scripts[g.nscripts++] = gdbscript_path("nmidbg.py", script, sizeof(script));
	g.out_fd = fileno(out);
	g.err_fd = fileno(err);
	pid = gdb_spawn(&g, target, why, sizeof(why));
	if (pid < 0) {
		fprintf(stderr, "nmidbg: gdb did not run: %s\n", why);
		ret = NMIDBG_EXIT_FAIL;
		goto out;
	}
	wait_gdb(pid, timeout_ms);
	text = slurp(out);
	etext = slurp(err);
	if (!strstr(text, CONNECTED "\n")) {
		first_error(etext, why, sizeof(why));
		fprintf(stderr, "nmidbg: gdb cannot connect to %s: %s\n", target,
			why[0] ? why : "no reason given");
		ret = NMIDBG_EXIT_GDB_CONNECT;
		goto out;
	}
	triage_parse_gdb(text, t);
	if (g.kaslr_offset) {
		t->have_offset = 1;
		t->kaslr_offset = g.kaslr_offset;
	} else if (g.kaslr_auto && t->have_offset) {
		fprintf(stderr, "nmidbg: KASLR offset 0x%llx (found on the halted CPUs): symbols loaded there\n",
			(unsigned long long)t->kaslr_offset);
	} else if (g.kaslr_auto) {
		/* kaslr.py's error says why (gdb's stderr, a line of its own). */
		const char *k = strstr(etext, "nmidbg-kaslr: ");

		if (k)
			k += strlen("nmidbg-kaslr: ");
		fprintf(stderr, "nmidbg: --kaslr-offset auto: %.*s\n", k ? (int)strcspn(k, "\n") : 60,
			k ? k : "the offset was not found: symbols loaded at link addresses");
	}
	check_vmlinux(vmlinux, t);
	if (t->gdb_text)
		t->ncpus = gdbcpus_parse(t->gdb_text, t->cpus, TRIAGE_MAX_CPUS);
	t->lines = count_lines(t);
	if (!t->ncpus) {
		first_error(etext, why, sizeof(why));
		fprintf(stderr, "nmidbg: gdb's triage found no CPU%s%s\n",
			why[0] ? ": " : "", why);
		ret = NMIDBG_EXIT_FAIL;
	}
out:
	free(text);
	free(etext);
	if (out)
		fclose(out);
	if (err)
		fclose(err);
	return ret;
}

/* gdb's whole triage walk: QEMU's stub on TCG takes tens of seconds. */
static int gdb_timeout(int timeout_ms)
{
	return timeout_ms * 24 > 300000 ? timeout_ms * 24 : 300000;
}

/* Through OpenOCD: halt, gdb, then resume or halt again (stay). */
static int via_openocd(const struct jtag_opts *j, const char *vmlinux, int stay,
		       struct triage *t)
{
	struct ocd_target tg[OCD_MAX_TARGETS];
	struct openocd o;
	char why[400], target[96];
	struct timespec t0, t1;
	int n, rc, ret;

	rc = jtag_open(j, &o, 0);
	if (rc)
		return jtag_exit_code(rc);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = openocd_halt_all(&o, j->timeout_ms, tg, &n, why, sizeof(why));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	t->entry_ms = (t1.tv_sec - t0.tv_sec) * 1000L + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	if (rc) {
		fprintf(stderr, "nmidbg: JTAG: %s%s\n",
			rc == OPENOCD_E_NO_HALT ? "a core did not halt: " : "", why);
		ret = jtag_exit_code(rc);
		goto out;
	}
	fprintf(stderr, "nmidbg: JTAG: %d target%s halted\n", n, n == 1 ? "" : "s");
	if (!o.gdb_port) {
		fprintf(stderr, "nmidbg: gdb cannot connect: OpenOCD has no gdb port (no target with a gdb server)\n");
		ret = NMIDBG_EXIT_GDB_CONNECT;
		goto out;
	}
	snprintf(target, sizeof(target), "%s:%d", o.host, o.gdb_port);
	ret = run_gdb(target, j, vmlinux, gdb_timeout(j->timeout_ms), 1, t);
out:
	/* gdb's detach may have let them run: as asked, whatever happened. */
	rc = stay ? openocd_halt_all(&o, j->timeout_ms, tg, &n, why, sizeof(why)) :
		    openocd_resume_all(&o, j->timeout_ms, tg, &n, why, sizeof(why));
	t->after = rc ? "unknown" : stay ? "halted" : "running";
	if (rc)
		fprintf(stderr, "nmidbg: JTAG: %s the cores: %s\n", stay ? "halting" : "resuming", why);
	openocd_end(&o);
	return ret;
}

int triage_jtag(const struct jtag_opts *jo, const char *vmlinux, const struct cmd_opts *c,
		struct triage *t)
{
	struct jtag_opts jc = *jo;
	const struct jtag_opts *j = &jc;
	int stay = c->stay, ret;

	jc.timeout_ms = c->how.timeout_ms;

	t->how = "jtag";
	t->kdb_cpu = -1;
	t->after = "unknown";
	fprintf(stderr, "nmidbg: serial: %s; through JTAG\n", t->serial);
	if (!j->gdb) {
		ret = via_openocd(j, vmlinux, stay, t);
	} else {
		/* A plain stub (QEMU's) halts on connect and resumes when gdb leaves. */
		if (stay)
			fprintf(stderr, "nmidbg: --stay: a plain gdb stub lets the board run when gdb leaves\n");
		ret = run_gdb(j->gdb, j, vmlinux, gdb_timeout(j->timeout_ms), 0, t);
		t->after = "running";
	}
	if (!t->ncpus) {
		t->how = NULL;	/* nothing came: no report */
		return ret ? ret : NMIDBG_EXIT_FAIL;
	}
	fprintf(stderr, "nmidbg: JTAG: %d CPUs; the board is %s\n", t->ncpus, t->after);
	return ret;
}

int triage_jtag_parse(int argc, char **argv, const struct jtag_opts *j,
		      const char *vmlinux, const char **port)
{
	if (jtag_opts_check(j, "triage", 1))
		return -1;
	if (!vmlinux)
		return cmd_usage_error("triage", "--jtag needs --vmlinux FILE (gdb reads the kernel's state with it)");
	if (optind < argc - 1)
		return cmd_usage_error("triage", "'%s': one PORT only", argv[optind + 1]);
	*port = optind < argc ? argv[optind] : NULL;
	return 0;
}
