// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg dump PORT ADDR LEN -o FILE [--stay]
 *
 * Read kernel memory through kgdb (kgdb_read(): binary 'x' reads where
 * kgdb offers them, else hex 'm'; the largest reads kgdb takes, each
 * reply's ack sent with the next request) into FILE, opened before the
 * board is touched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_common.h"
#include "num.h"
#include "outfile.h"
#include "kgdb.h"

#define DUMP_MAX	(64u << 20)

static struct {		/* one command per process */
	uint64_t addr;
	size_t len;
	uint8_t *buf;
	struct outfile of;
	long ms;
	const char *state;
	char how[48];		/* "'x' reads of 1022 bytes" */
} D = { .state = "in kdb" };

static int dump_prepare(int argc, char **argv, struct cmd_run *r)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		CMD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	uint64_t len64;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:m:t:", longopts, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (cmd_opts_parse(&r->o, "dump", c, optarg))
			return NMIDBG_EXIT_USAGE;
	}
	if (optind + 3 > argc)
		return cmd_usage_error("dump", "want PORT ADDR LEN");
	if (optind + 3 < argc)
		return cmd_usage_error("dump", "'%s': only PORT ADDR LEN", argv[optind + 3]);
	if (!out)
		return cmd_usage_error("dump", "no -o FILE");
	if (num_u64(argv[optind + 1], &D.addr))
		return cmd_usage_error("dump", "ADDR: not a number: %s", argv[optind + 1]);
	if (num_u64(argv[optind + 2], &len64) || !len64 || len64 > DUMP_MAX)
		return cmd_usage_error("dump", "LEN: 1 to 64 MiB, not %s", argv[optind + 2]);
	if (D.addr + len64 - 1 < D.addr)
		return cmd_usage_error("dump", "ADDR + LEN goes past the end of memory");
	D.len = (size_t)len64;
	r->port = argv[optind];
	/* The file before the board: a path that cannot be written costs nothing. */
	if (outfile_open(&D.of, out))
		return NMIDBG_EXIT_OUTPUT;
	D.buf = malloc(D.len);
	if (!D.buf) {
		fprintf(stderr, "nmidbg: out of memory\n");
		outfile_abandon(&D.of);
		return NMIDBG_EXIT_FAIL;
	}
	return 0;
}

static int dump_body(struct cmd_run *r)
{
	struct kgdb k;
	int rc;

	kgdb_init(&k, &r->s, &r->o.how);
	rc = kgdb_enter(&k);
	if (rc) {
		cmd_complain(&r->s, "switching kdb to kgdb", rc);
		return rc;
	}
	D.ms = session_now_ms();
	rc = kgdb_read(&k, D.addr, D.len, D.buf);
	D.ms = session_now_ms() - D.ms;
	snprintf(D.how, sizeof(D.how), "'%c' reads of %zu bytes",
		 k.feat.binary_upload ? 'x' : 'm', k.read_max);
	if (rc)
		cmd_complain(&r->s, "reading memory", rc);
	if (rc == KGDB_EFAULT)
		rc = SESSION_TIMEOUT;	/* said: the range is not all mapped */
	if (!rc || rc == SESSION_TIMEOUT) {
		/* Leave kgdb whatever happened to the read. */
		int rc2 = kgdb_leave(&k, 0, r->o.stay, &D.state);

		rc = rc ? rc : rc2;
	}
	return rc;
}

static int dump_finish(struct cmd_run *r, int rc)
{
	int ret = cmd_exit_code(rc);
	FILE *f = rc ? NULL : outfile_begin(&D.of);

	if (f) {
		fwrite(D.buf, 1, D.len, f);
		if (outfile_close(&D.of))
			ret = NMIDBG_EXIT_OUTPUT;
		else
			fprintf(stderr, "nmidbg: read %zu bytes in %ld ms (%.0f B/s, %s); "
				"the board is %s\n", D.len, D.ms,
				D.ms ? D.len * 1000.0 / (double)D.ms : 0.0, D.how, r->after);
	} else {
		outfile_abandon(&D.of);
		if (!rc)
			ret = NMIDBG_EXIT_OUTPUT;
	}
	free(D.buf);
	return ret;
}

const struct cmd_frame cmd_dump_frame = {
	.prepare = dump_prepare, .body = dump_body, .finish = dump_finish,
};
