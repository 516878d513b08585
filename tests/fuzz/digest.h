/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * FNV-1a digest of a parser's event stream, for the fuzz targets'
 * split-invariance checks: two streams compare equal by their digests.
 */
#ifndef NMIDBG_FUZZ_DIGEST_H
#define NMIDBG_FUZZ_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define DIGEST_INIT 0xcbf29ce484222325ULL

static inline void digest_mix(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 0x100000001b3ULL;
}

#endif
