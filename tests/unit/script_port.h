/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A scripted fake port for unit tests, in the spirit of the kernel's
 * kgdbts.c: rows of "expect these bytes from nmidbg / answer these bytes
 * as the board".  The session, kdb, kgdb and relay code run unchanged on
 * it: the answers arrive through a real socket that the session polls.
 */
#ifndef NMIDBG_TEST_SCRIPT_PORT_H
#define NMIDBG_TEST_SCRIPT_PORT_H

#include <stddef.h>

#include "port.h"

#define SCRIPT_BREAK	"\x01BREAK"	/* expect: a BREAK, not bytes */

struct script_row {
	const char *expect;	/* NULL ends the script */
	const char *answer;	/* "" for none */
};

/* A port that plays rows (they must outlive it); NULL on failure. */
struct port *script_port_open(const struct script_row *rows);
/*
 * Fails the test unless every row was played and nothing unexpected was
 * written; then closes the port.
 */
void script_port_done(struct port *p);

#endif
