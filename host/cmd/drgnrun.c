// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The I/O around drgn (drgnrun.h): kgdb transactions for the CPUs and
 * their registers, VMCOREINFO, the core file, the child and its channel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd_common.h"
#include "drgnrun.h"
#include "elfcore.h"
#include "gdbrun.h"
#include "kgdbregs.h"
#include "spawn.h"
#include "vmlinux.h"

#define VMCOREINFO_MAX	4096
#define DRGN_DOC_MAX	(64 << 20)	/* --json: drgn's document, at most */

static const char *python(void)
{
	const char *p = getenv("NMIDBG_PYTHON");

	return p && *p ? p : "/usr/bin/python3";
}

int drgn_check_python(void)
{
	const char *argv[] = { python(), "-c", "import drgn", NULL };
	struct spawn_opts so = { .out_fd = -1, .err_fd = -1, .null_stdin = 1 };
	char why[300];
	int err, status;
	pid_t pid = spawn_run(argv, &so, &err, why, sizeof(why));

	if (pid < 0) {
		fprintf(stderr, "nmidbg: drgn: %s\n", why);
		return -1;
	}
	if (spawn_wait(pid, 30000, &status) || status) {
		fprintf(stderr, "nmidbg: drgn: %s cannot import drgn: install python3-drgn "
			"(apt-get install python3-drgn), or set NMIDBG_PYTHON\n", python());
		return -1;
	}
	return 0;
}

/* Online CPUs: kgdb's shadow threads, listed before every task. */
static int list_cpus(struct kgdb *k, int *cpus, size_t *n)
{
	static uint8_t reply[4096];
	const char *req = "qfThreadInfo";
	size_t len;
	int done = 0, rc;

	*n = 0;
	while (!done) {
		rc = kgdb_request(k, req, reply, sizeof(reply), &len);
		if (rc)
			return rc;
		if (kgdbregs_thread_cpus(reply, len, cpus, KGDBREGS_CPU_MAX, n, &done)) {
			fprintf(stderr, "nmidbg: kgdb's thread list '%.*s' is malformed\n",
				(int)(len < 60 ? len : 60), (const char *)reply);
			return SESSION_TIMEOUT;
		}
		req = "qsThreadInfo";
	}
	return 0;
}

static int cpu_regs(struct kgdb *k, int cpu, struct kgdbregs_arm64 *regs)
{
	static uint8_t reply[4096];
	char req[40];
	size_t len;
	int rc;

	/* kgdb_hex2long() takes a sign: "Hg-2" is CPU 0's shadow thread. */
	snprintf(req, sizeof(req), "Hg-%x", cpu + 2);
	rc = kgdb_request(k, req, reply, sizeof(reply), &len);
	if (!rc && !(len == 2 && !memcmp(reply, "OK", 2))) {
		fprintf(stderr, "nmidbg: kgdb refused thread %s\n", req + 2);
		return SESSION_TIMEOUT;
	}
	if (!rc)
		rc = kgdb_request(k, "g", reply, sizeof(reply), &len);
	if (!rc && kgdbregs_parse_arm64(reply, len, regs)) {
		fprintf(stderr, "nmidbg: CPU %d: kgdb's registers '%.*s' are malformed\n", cpu,
			(int)(len < 40 ? len : 40), (const char *)reply);
		return SESSION_TIMEOUT;
	}
	return rc;
}

static int read_u64(struct kgdb *k, uint64_t addr, uint64_t *v)
{
	uint8_t b[8];
	int rc = kgdb_read(k, addr, 8, b);

	*v = 0;
	for (int i = 7; !rc && i >= 0; i--)
		*v = *v << 8 | b[i];
	return rc;
}

/* A symbol's run address: the vmlinux's link address plus the offset. */
static int symbol(const struct drgn_args *a, const char *name, uint64_t *addr)
{
	if (vmlinux_symbol(a->vmlinux, name, addr))
		return -1;
	*addr += a->kaslr_offset;
	return 0;
}

/* The board's own vmcoreinfo_data (CONFIG_VMCORE_INFO): *len 0 if none. */
static int board_vmcoreinfo(struct kgdb *k, const struct drgn_args *a, char *buf,
			    size_t *len)
{
	uint64_t data_at, size_at, data, size;
	int rc;

	*len = 0;
	if (symbol(a, "vmcoreinfo_data", &data_at) || symbol(a, "vmcoreinfo_size", &size_at))
		return 0;
	rc = read_u64(k, data_at, &data);
	if (!rc)
		rc = read_u64(k, size_at, &size);
	if (rc == KGDB_EFAULT || (!rc && (!data || !size || size >= VMCOREINFO_MAX)))
		return 0;
	if (!rc)
		rc = kgdb_read(k, data, (size_t)size, (uint8_t *)buf);
	if (rc == KGDB_EFAULT)
		return 0;
	if (!rc)
		*len = (size_t)size;
	return rc;
}

/* Built from the vmlinux: what drgn 0.0.22 needs to open a kernel core. */
static size_t built_vmcoreinfo(const struct drgn_args *a, char *buf, size_t cap)
{
	const char *v = strstr(a->banner, "Linux version ");
	char release[65] = "";
	uint64_t swapper;

	if (v)
		sscanf(v + 14, "%64s", release);
	if (symbol(a, "swapper_pg_dir", &swapper))
		swapper = 0;
	/* VA_BITS 48: arm64's usual; only page-table walks use it. */
	return (size_t)snprintf(buf, cap, "OSRELEASE=%s\nPAGESIZE=4096\nNUMBER(VA_BITS)=48\n"
				"SYMBOL(swapper_pg_dir)=%" PRIx64 "\nKERNELOFFSET=%" PRIx64 "\n",
				release, swapper, a->kaslr_offset);
}

static int write_core(struct kgdb *k, const struct drgn_args *a, const char *path)
{
	static int ids[KGDBREGS_CPU_MAX];
	static struct elfcore_cpu cpus[KGDBREGS_CPU_MAX];
	static char vi[VMCOREINFO_MAX + 1];
	size_t n, ncpu = 0, vilen = 0, size;
	uint8_t *core = NULL;
	FILE *f;
	int rc = list_cpus(k, ids, &n);

	memset(cpus, 0, sizeof(cpus));
	for (size_t i = 0; i < n && !rc; i++) {
		rc = cpu_regs(k, ids[i], &cpus[ids[i]].regs);
		cpus[ids[i]].online = 1;
		if ((size_t)ids[i] + 1 > ncpu)
			ncpu = (size_t)ids[i] + 1;
	}
	if (!rc && !a->from_vmlinux)
		rc = board_vmcoreinfo(k, a, vi, &vilen);
	if (rc)
		return rc;
	if (!vilen) {
		fprintf(stderr, "nmidbg: %s: built from the vmlinux\n", a->from_vmlinux ?
			"--vmcoreinfo vmlinux" : "no vmcoreinfo_data on the board");
		vilen = built_vmcoreinfo(a, vi, sizeof(vi) - 1);
	}
	if (vilen && vi[vilen - 1] != '\n')
		vi[vilen++] = '\n';	/* drgn ignores a last line without one */
	fprintf(stderr, "nmidbg: %zu CPUs' registers; VMCOREINFO %zu bytes\n", n, vilen);
	size = elfcore_write(cpus, ncpu, vi, vilen, NULL, 0);
	core = size ? malloc(size) : NULL;
	f = core ? fopen(path, "wbe") : NULL;
	if (!f || elfcore_write(cpus, ncpu, vi, vilen, core, size) != size ||
	    fwrite(core, 1, size, f) != size || fclose(f)) {
		fprintf(stderr, "nmidbg: drgn: cannot write %s: %s\n", path, strerror(errno));
		free(core);
		return CMD_ENOTRUN;
	}
	free(core);
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Requests until drgn closes its end or exits. */
static int serve(int fd, pid_t pid, struct memserve *m, int *status)
{
	static uint8_t in[4096], out[16 + MEMSERVE_MAX_READ];
	size_t have = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct memserve_req q;
		int n;
		ssize_t got;

		if (session_interrupted)
			return SESSION_INTR;
		if (poll(&p, 1, 200) <= 0) {
			if (waitpid(pid, status, WNOHANG) == pid)
				return 0;
			continue;
		}
		got = read(fd, in + have, sizeof(in) - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return spawn_wait(pid, -1, status);
		have += (size_t)got;
		while ((n = memserve_parse(in, have, &q)) > 0) {
			long r = memserve_serve(m, &q, out);

			if (r < 0)
				return (int)r;
			if (write_all(fd, out, (size_t)r))
				break;	/* drgn went away: its exit tells */
			have -= (size_t)n;
			memmove(in, in + n, have);
		}
		if (n < 0) {
			fprintf(stderr, "nmidbg: drgn: a malformed request on the channel\n");
			kill(pid, SIGTERM);
			spawn_wait(pid, 3000, status);
			return CMD_ENOTRUN;
		}
	}
}

/*
 * drgn's document, when it wrote one: all of it, or NULL.  drgn has
 * exited, so the file is whole: its size is what there is to read.
 */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf = NULL;

	if (!f)
		return NULL;
	if (fstat(fileno(f), &st)) {
		fprintf(stderr, "nmidbg: drgn: its document: %s\n", strerror(errno));
		goto out;
	}
	if (st.st_size > DRGN_DOC_MAX) {
		fprintf(stderr, "nmidbg: drgn: its document is over %d MiB\n", DRGN_DOC_MAX >> 20);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		fprintf(stderr, "nmidbg: drgn: no memory for its document\n");
		goto out;
	}
	*len = fread(buf, 1, (size_t)st.st_size, f);
out:
	fclose(f);
	return buf;
}

int drgn_run(struct kgdb *k, const struct drgn_args *a, struct memserve *m, int *status,
	     char **doc, size_t *doc_len)
{
	char dir[] = "/tmp/nmidbg-drgn-XXXXXX", core[64], json[64], script[PATH_MAX], fdarg[16];
	const char *argv[18];
	struct spawn_opts so = { .out_fd = -1, .err_fd = -1 };
	int sv[2] = { -1, -1 }, err, rc, n = 0;
	char why[300];
	pid_t pid;

	*status = 0;
	*doc = NULL;
	*doc_len = 0;
	if (!mkdtemp(dir)) {
		fprintf(stderr, "nmidbg: drgn: %s: %s\n", dir, strerror(errno));
		return CMD_ENOTRUN;
	}
	snprintf(core, sizeof(core), "%s/core", dir);
	snprintf(json, sizeof(json), "%s/drgn.json", dir);
	rc = write_core(k, a, core);
	if (rc)
		goto out;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		fprintf(stderr, "nmidbg: drgn: socketpair: %s\n", strerror(errno));
		rc = CMD_ENOTRUN;
		goto out;
	}
	fcntl(sv[0], F_SETFD, FD_CLOEXEC);	/* ours; sv[1] is drgn's */
	snprintf(fdarg, sizeof(fdarg), "%d", sv[1]);
	argv[n++] = python();
	argv[n++] = gdbscript_path("nmidbg_drgn.py", script, sizeof(script));
	argv[n++] = "--core";
	argv[n++] = core;
	argv[n++] = "--fd";
	argv[n++] = fdarg;
	argv[n++] = "--vmlinux";
	argv[n++] = a->vmlinux;
	if (a->modules) {
		argv[n++] = "--modules";
		argv[n++] = a->modules;
	}
	if (a->script || a->expr) {
		argv[n++] = a->script ? "-c" : "-e";
		argv[n++] = a->script ? a->script : a->expr;
	}
	if (a->json) {
		argv[n++] = "--json";
		argv[n++] = json;
	}
	argv[n] = NULL;
	/* ^C belongs to drgn's console while it runs. */
	signal(SIGINT, SIG_IGN);
	pid = spawn_run(argv, &so, &err, why, sizeof(why));
	close(sv[1]);
	if (pid < 0) {
		session_catch_sigint();
		fprintf(stderr, "nmidbg: drgn did not run: %s\n", why);
		rc = CMD_ENOTRUN;
		goto out;
	}
	rc = serve(sv[0], pid, m, status);
	session_catch_sigint();
	if (rc) {
		kill(pid, SIGTERM);
		spawn_wait(pid, 3000, status);
	}
	if (a->json)
		*doc = slurp(json, doc_len);
out:
	if (sv[0] >= 0)
		close(sv[0]);
	unlink(core);
	unlink(json);
	rmdir(dir);
	return rc;
}
