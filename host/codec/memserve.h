/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Serving a stopped board's memory to a helper process (nmidbg drgn's
 * Python side) over a private channel, through a cache.
 *
 * The channel, little-endian, one request at a time:
 *   request  u32 op ('R': read), u32 len (1..MEMSERVE_MAX_READ), u64 addr
 *   reply    u32 status (MEMSERVE_OK, _FAULT, _ERROR), u32 len, then,
 *            for OK, len bytes; for FAULT, len is 8 and the u64 is the
 *            first address that could not be read
 * Anything else is a protocol error: the server stops.
 *
 * The cache: lines of line_size bytes (a power of two, 64..4096), each
 * read once while the board stays stopped, misses read together up to a
 * page (4 KiB: a fault marks every line of that page, as a mapping never
 * covers less).  Faults are cached too.  Pure: the reads go through ops.
 */
#ifndef NMIDBG_MEMSERVE_H
#define NMIDBG_MEMSERVE_H

#include <stddef.h>
#include <stdint.h>

#define MEMSERVE_REQ_SIZE	16
#define MEMSERVE_MAX_READ	(1u << 20)
#define MEMSERVE_PAGE		4096u
#define MEMSERVE_OP_READ	0x52	/* 'R' */

enum { MEMSERVE_OK = 0, MEMSERVE_FAULT = 1, MEMSERVE_ERROR = 2 };

struct memserve_req {
	uint32_t op, len;
	uint64_t addr;
};

/*
 * One request from the first n bytes of buf.  Returns MEMSERVE_REQ_SIZE
 * (consumed), 0 (more bytes needed) or -1 (not a request this server
 * takes: an unknown op, len 0 or over MEMSERVE_MAX_READ, or a read that
 * wraps past the top of the address space).
 */
int memserve_parse(const uint8_t *buf, size_t n, struct memserve_req *req);

/* The reads the cache makes (the kgdb layer, or a test's fake). */
struct memserve_ops {
	/*
	 * len bytes at addr (within one page) into buf: 0, MEMSERVE_FAULT
	 * (the board refused: not mapped), or another nonzero value: the
	 * line is lost, which ends the session (returned as is).
	 */
	int (*read)(void *ctx, uint64_t addr, size_t len, uint8_t *buf);
	void *ctx;
};

struct memserve_line;

struct memserve {
	struct memserve_ops ops;
	size_t line_size;
	size_t max_lines;	/* then the cache starts again, empty */
	struct memserve_line **slots;	/* open addressing, nslots a power of two */
	size_t nslots, nlines;
	/* what it did, for the benchmark and --json */
	uint64_t requests, bytes_asked, hits, misses, faults, board_reads, board_bytes;
	uint8_t page[MEMSERVE_PAGE];	/* a fill's bytes */
};

/*
 * line_size 0: 256.  max_bytes: the cache's bound (0: 64 MiB).  Returns 0,
 * or -1 for a line size that is not a power of two in 64..4096 or no memory.
 */
int memserve_init(struct memserve *m, const struct memserve_ops *ops, size_t line_size,
		  size_t max_bytes);
void memserve_free(struct memserve *m);

/*
 * Serve req: the reply (header and data) into out, which holds at least
 * 16 + req->len bytes.  Returns the reply's length, or the read's own
 * error (a lost line: no reply, the session ends), or -1 out of memory.
 */
long memserve_serve(struct memserve *m, const struct memserve_req *req, uint8_t *out);

#endif
