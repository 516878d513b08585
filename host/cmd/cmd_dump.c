// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg dump PORT ADDR LEN -o FILE [--stay]
 *
 * Read kernel memory through kgdb (kgdb_read(): the largest reads kgdb
 * takes, each reply's ack sent with the next request) into FILE, opened
 * before the board is touched.
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

int cmd_dump(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		CMD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *state = "in kdb";
	struct cmd_opts o;
	struct session s;
	struct kdb_entry e;
	struct kgdb k;
	uint64_t addr, len64;
	size_t len;
	uint8_t *buf;
	long ms = 0;
	struct outfile of;
	FILE *f;
	int c, rc, ret;

	cmd_opts_init(&o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:m:t:", longopts, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (cmd_opts_parse(&o, "dump", c, optarg))
			return NMIDBG_EXIT_USAGE;
	}
	if (optind + 3 > argc)
		return cmd_usage_error("dump", "want PORT ADDR LEN");
	if (optind + 3 < argc)
		return cmd_usage_error("dump", "'%s': only PORT ADDR LEN", argv[optind + 3]);
	if (!out)
		return cmd_usage_error("dump", "no -o FILE");
	if (num_u64(argv[optind + 1], &addr))
		return cmd_usage_error("dump", "ADDR: not a number: %s", argv[optind + 1]);
	if (num_u64(argv[optind + 2], &len64) || !len64 || len64 > DUMP_MAX)
		return cmd_usage_error("dump", "LEN: 1 to 64 MiB, not %s", argv[optind + 2]);
	len = (size_t)len64;
	if (addr + len64 - 1 < addr)
		return cmd_usage_error("dump", "ADDR + LEN goes past the end of memory");
	if (outfile_open(&of, out))
		return NMIDBG_EXIT_OUTPUT;
	buf = malloc(len);
	if (!buf || cmd_open_session(argv[optind], &s)) {
		outfile_abandon(&of);
		free(buf);
		return buf ? NMIDBG_EXIT_PORT : NMIDBG_EXIT_FAIL;
	}
	rc = cmd_enter(&s, &o, &e);
	if (rc)
		goto out;
	kgdb_init(&k, &s, &o.how);
	rc = kgdb_enter(&k);
	if (rc) {
		cmd_complain(&s, "switching kdb to kgdb", rc);
		goto out;
	}
	ms = session_now_ms();
	rc = kgdb_read(&k, addr, len, buf);
	ms = session_now_ms() - ms;
	if (rc)
		cmd_complain(&s, "reading memory", rc);
	if (!rc || rc == SESSION_TIMEOUT) {
		/* Leave kgdb whatever happened to the read. */
		int rc2 = kgdb_leave(&k, 0, o.stay, &state);

		rc = rc ? rc : rc2;
	}
out:
	ret = cmd_exit_code(rc);
	f = rc ? NULL : outfile_begin(&of);
	if (f) {
		fwrite(buf, 1, len, f);
		if (outfile_close(&of))
			ret = NMIDBG_EXIT_OUTPUT;
		else
			fprintf(stderr, "nmidbg: read %zu bytes in %ld ms (%.0f B/s); the board is %s\n",
				len, ms, ms ? len * 1000.0 / (double)ms : 0.0, state);
	} else {
		outfile_abandon(&of);
		if (!rc)
			ret = NMIDBG_EXIT_OUTPUT;
	}
	free(buf);
	cmd_close_session(&s);
	return ret;
}
