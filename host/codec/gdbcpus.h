/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The CPU table of a report from gdb alone (the JTAG route, where there
 * is no kdb btc): gdbscripts' nmidbg-triage text, parsed.  Pure.
 */
#ifndef NMIDBG_GDBCPUS_H
#define NMIDBG_GDBCPUS_H

#include <stddef.h>

#include "triage.h"

/*
 * "CPU3: pid 42 (comm)" followed by "  #0  0xPC function [at file:line]"
 * frame lines, as nmidbg-cpus and nmidbg-triage print them.  Each CPU
 * becomes a stopped triage_cpu whose trace points at its frame lines in
 * text, and whose where is the first frame that is not a spin-wait
 * helper.  Returns the count (at most max).
 */
int gdbcpus_parse(const char *text, struct triage_cpu *cpus, int max);

/*
 * The "version" string of nmidbg-triage's JSON line (the running kernel's
 * linux_banner, read through gdb), its first line, unescaped, into buf.
 * 0, or -1 if there is none.
 */
int gdbcpus_version(const char *json, char *buf, size_t cap);

#endif
