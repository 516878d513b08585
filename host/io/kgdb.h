/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The kgdb layer: everything nmidbg itself says to the kernel's gdb stub,
 * for gdb, proxy, dump and triage alike.
 *
 *   kgdb_enter()  from kdb: `kgdb`, then qC for the thread that stopped
 *   kgdb_read()   memory, as request/reply transactions: binary 'x'
 *                 reads where qSupported offers them, else hex 'm'; each
 *                 reply's ack sent with the next request, a NAK then a
 *                 resend on silence
 *   kgdb_leave()  the one rule for the state the board is left in:
 *                 stopped again if it runs, back to kdb ($3#33), then
 *                 `go` unless told to stay
 */
#ifndef NMIDBG_KGDB_H
#define NMIDBG_KGDB_H

#include <stdint.h>

#include "kdb.h"
#include "rsp.h"

/*
 * The largest 'm' read when qSupported gives no PacketSize: arm64 kgdb's
 * BUFMAX is 2048 (arch/arm64/include/asm/kgdb.h) and the hex reply and
 * its NUL must fit in it.
 */
#define KGDB_READ_MAX	1023

/* kgdb_read(): kgdb answered "Enn", it could not read there (not mapped). */
#define KGDB_EFAULT	(-110)

struct kgdb {
	struct session *s;
	struct kdb_how how;	/* to stop a running kernel again */
	char thread[24];	/* qC's answer ("" if none) */
	int asked;		/* qSupported sent (once, by the first read) */
	struct rsp_features feat;	/* its answer */
	size_t read_max;	/* bytes per read request, from feat */
	int quiet_faults;	/* kgdb_read(): a refused read is not said */
	/* A machine's state (kgdb_enter_start(), kgdb_leave_start()): */
	struct loop *l;
	loop_then then;
	void *ctx;
	struct kdb_breakin bi;	/* leaving a kernel that runs: stop it first */
	struct kdb_entry e;
	int stay;
	const char **state;
};

void kgdb_init(struct kgdb *k, struct session *s, const struct kdb_how *how);
/* From kdb: into kgdb; k->thread names the thread that stopped. */
int kgdb_enter(struct kgdb *k);
/* The same as a machine on l (loop.h): then(ctx, rc) at its end. */
int kgdb_enter_start(struct kgdb *k, struct loop *l, loop_then then, void *ctx);
/*
 * len bytes at addr into buf, the last reply acked.  The first call asks
 * qSupported: with binary-upload offered, 'x' reads of (PacketSize - 1)
 * / 2 bytes (every byte escaped still fits), else 'm' reads of
 * PacketSize / 2 or KGDB_READ_MAX.  KGDB_EFAULT if kgdb refuses (not
 * mapped), SESSION_TIMEOUT if it falls silent three times or answers
 * short; either said on stderr.
 */
int kgdb_read(struct kgdb *k, uint64_t addr, size_t len, uint8_t *buf);
/*
 * One packet's transaction: req ("Hg-3", "g") sent with the last reply's
 * ack, its reply's payload into reply (at most cap bytes, *len its
 * length; longer is SESSION_TIMEOUT) and acked; NAK then resend on
 * silence, as kgdb_read().  For requests whose repeat does no harm.
 */
int kgdb_request(struct kgdb *k, const char *req, uint8_t *reply, size_t cap, size_t *len);
/*
 * Leave kgdb: break in first if running (gdb let the kernel go), then
 * back to kdb, then `go` unless stay.  *state: "in kdb" or "running".
 */
int kgdb_leave(struct kgdb *k, int running, int stay, const char **state);
/* The same as a machine on l: then(ctx, rc) at its end, *state set. */
int kgdb_leave_start(struct kgdb *k, struct loop *l, int running, int stay,
		     const char **state, loop_then then, void *ctx);

#endif
