// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg doctor's parsers: kdb's boot log lines, memory dumps and btc
 * into facts (doctor.h).  Pure: text in, facts out.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "doctor.h"
#include "kdbcpus.h"
#include "rsp.h"
#include "triage.h"

void doctor_facts_init(struct doctor_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->rx_budget = -1;
	f->entry_on = -1;
	f->rx_dropped = -1;
	f->tty_irq = -1;
	f->cpus_online = -1;
	f->cpus_unresponsive = -1;
}

static void keep(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Keep a line in dst unless dst has one already. */
static void first(char *dst, size_t cap, const char *line, size_t len)
{
	if (!dst[0])
		keep(dst, cap, line, len);
}

static int has(const char *line, size_t len, const char *what)
{
	return memmem(line, len, what, strlen(what)) != NULL;
}

static int same_name(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return 0;
	}
	return 1;
}

int doctor_param(const char *cmdline, const char *name, char *val, size_t len)
{
	size_t nlen = strlen(name);
	const char *p = cmdline;
	int found = 0;

	while (*p) {
		const char *start, *end;
		int quoted = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		start = p;
		while (*p && (quoted || (*p != ' ' && *p != '\t'))) {
			quoted ^= *p == '"';
			p++;
		}
		end = p;
		if ((size_t)(end - start) >= nlen && same_name(start, name, nlen) &&
		    (start + nlen == end || start[nlen] == '=')) {
			const char *v = start + nlen + (start + nlen < end);
			size_t n = (size_t)(end - v);

			if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
				v++;
				n -= 2;
			}
			if (len)
				keep(val, len, v, n);
			found = 1;
		}
	}
	return found;
}

/* ttyNMI's NMI line: irq and the knock it quotes. */
static void tty_nmi_line(struct doctor_facts *f, const char *line, size_t len)
{
	const char *irq = memmem(line, len, "irq ", 4);
	const char *q = memmem(line, len, "knock \"", 7), *end = NULL;

	if (irq)
		f->tty_irq = atoi(irq + 4);
	/* The knock may hold a quote: its end is the last `" and`. */
	for (const char *s = q; s && (s = memmem(s, (size_t)(line + len - s),
						 "\" and", 5)); s++)
		end = s;
	/*
	 * An empty quote is no evidence: a knock that looks like a gdb
	 * packet ("$3#33") is taken out of kdb's text by the mode tracker.
	 */
	if (q && end && end > q + 7) {
		keep(f->tty_knock, sizeof(f->tty_knock), q + 7, (size_t)(end - q - 7));
		f->tty_knock_known = 1;
	}
}

static void tty_line(struct doctor_facts *f, const char *line, size_t len)
{
	if (has(line, len, "is a pseudo-NMI")) {
		keep(f->tty, sizeof(f->tty), line, len);
		f->tty_mode = DOCTOR_TTY_NMI;
		tty_nmi_line(f, line, len);
	} else if (has(line, len, "no pseudo-NMI for irq")) {
		const char *irq = memmem(line, len, "for irq ", 8);

		keep(f->tty, sizeof(f->tty), line, len);
		f->tty_mode = DOCTOR_TTY_IRQ;
		f->tty_irq = irq ? atoi(irq + 8) : -1;
	} else if ((has(line, len, "not attached") || has(line, len, "cannot attach") ||
		    has(line, len, "cannot take receive") ||
		    has(line, len, "ttyNMI cannot serve")) && f->tty_mode == DOCTOR_TTY_NONE) {
		keep(f->tty, sizeof(f->tty), line, len);
		f->tty_mode = DOCTOR_TTY_REFUSED;
	}
}

static void log_line(struct doctor_facts *f, const char *line, size_t len,
		     const char *uart)
{
	static const char ver[] = "Linux version ";
	const char *v;

	if (has(line, len, "ttyNMI"))
		tty_line(f, line, len);
	if (has(line, len, "console [ttyNMI0] enabled"))
		first(f->tty_console, sizeof(f->tty_console), line, len);
	if (has(line, len, "Pseudo-NMIs enabled using "))
		first(f->pnmi, sizeof(f->pnmi), line, len);
	if (has(line, len, "Pseudo-NMI disabled") || has(line, len, "pNMI forbidden"))
		first(f->pnmi_off, sizeof(f->pnmi_off), line, len);
	if (has(line, len, "detected: IRQ priority masking"))
		first(f->prio, sizeof(f->prio), line, len);
	if (has(line, len, "GICD_CTRL.DS="))
		first(f->gic_ds, sizeof(f->gic_ds), line, len);
	else if (has(line, len, "GICv3: ") || has(line, len, "GICv4") ||
		 has(line, len, "GIC: ") || has(line, len, "GICv2"))
		first(f->gic, sizeof(f->gic), line, len);
	if (has(line, len, "Registered I/O driver kgdboc"))
		first(f->kgdboc, sizeof(f->kgdboc), line, len);
	else if (has(line, len, "kgdboc: "))
		first(f->kgdboc_err, sizeof(f->kgdboc_err), line, len);
	if (has(line, len, "Timed out waiting for secondary CPUs"))
		first(f->roundup_err, sizeof(f->roundup_err), line, len);
	v = memmem(line, len, ver, sizeof(ver) - 1);
	if (v && !f->version[0])
		keep(f->version, sizeof(f->version), v, (size_t)(line + len - v));
	if (uart[0] && has(line, len, uart) && has(line, len, " is a "))
		first(f->uart, sizeof(f->uart), line, len);
}

/* Each line of text, without CR, LF and the "<N>" level prefix. */
static void each_line(const char *text, void (*fn)(struct doctor_facts *, const char *,
						  size_t, const char *),
		      struct doctor_facts *f, const char *arg)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *line = p;

		while (len && line[len - 1] == '\r')
			len--;
		if (len >= 3 && line[0] == '<' && line[2] == '>') {
			line += 3;
			len -= 3;
		}
		fn(f, line, len, arg);
		p = nl ? nl + 1 : p + strlen(p);
	}
}

static void cmdline_line(struct doctor_facts *f, const char *line, size_t len,
			 const char *unused)
{
	static const char tag[] = "Kernel command line: ";
	const char *c = memmem(line, len, tag, sizeof(tag) - 1);

	(void)unused;
	if (c && !f->cmdline[0]) {
		c += sizeof(tag) - 1;
		keep(f->cmdline, sizeof(f->cmdline), c, (size_t)(line + len - c));
	}
}

void doctor_parse_log(struct doctor_facts *f, const char *text)
{
	char port[64] = "", uart[72] = "";

	each_line(text, cmdline_line, f, NULL);
	if (doctor_param(f->cmdline, "kgdboc", port, sizeof(port)) && port[0]) {
		port[strcspn(port, ",")] = '\0';
		snprintf(uart, sizeof(uart), "%s at ", port);
	}
	each_line(text, log_line, f, uart);
}

/* A hex digit's value, or -1. */
static int hexval(char c)
{
	return rsp_hex_value((uint8_t)c);
}

int doctor_parse_mdr(const char *text, uint8_t *buf, size_t len)
{
	const char *p = text;
	size_t n = 0;

	while (*p == ' ' || *p == '\n' || *p == '\r')
		p++;
	while (n < len && hexval(p[0]) >= 0 && hexval(p[1]) >= 0) {
		buf[n++] = (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
		p += 2;
	}
	if (!n || (n < len && *p && *p != '\n' && *p != '\r'))
		return -1;	/* not hex, or hex that stops in a word */
	return (int)n;
}

/* A hex number of at most 16 digits at *p, advanced past it. */
static int hex64(const char **p, uint64_t *v)
{
	int digits = 0;

	*v = 0;
	while (hexval(**p) >= 0 && digits < 17) {
		*v = *v << 4 | (uint64_t)hexval(**p);
		(*p)++;
		digits++;
	}
	return digits && digits <= 16 ? 0 : -1;
}

int doctor_parse_md(const char *text, uint64_t *addr, uint64_t *word)
{
	const char *p = text;

	while (*p == ' ' || *p == '\n' || *p == '\r')
		p++;
	if (p[0] != '0' || p[1] != 'x')
		return -1;
	p += 2;
	if (hex64(&p, addr) || *p != ' ')
		return -1;
	while (*p == ' ')
		p++;
	return hex64(&p, word);
}

int doctor_denied(const char *text)
{
	return strstr(text, "Permission denied") != NULL;
}

/* "Available cpus: 0-1, 2(D), 3-7(F)": online and unresponsive counts. */
static void cpu_status(struct doctor_facts *f, const char *line)
{
	static unsigned char state[DOCTOR_MAX_CPUS];
	int n = kdbcpus_parse_status(line, state, DOCTOR_MAX_CPUS);

	if (n < 0)
		return;
	f->cpus_online = 0;
	f->cpus_unresponsive = 0;
	for (int i = 0; i < n; i++) {
		f->cpus_online += state[i] == KDBCPU_STOPPED || state[i] == KDBCPU_UNRESPONSIVE;
		f->cpus_unresponsive += state[i] == KDBCPU_UNRESPONSIVE;
	}
}

void doctor_parse_btc(struct doctor_facts *f, const char *text)
{
	static struct triage_cpu cpus[TRIAGE_MAX_CPUS];
	const char *s = strstr(text, "Available cpus: ");
	int n = triage_parse_btc(text, cpus, TRIAGE_MAX_CPUS);
	size_t at = 0;

	if (s) {
		keep(f->cpu_status, sizeof(f->cpu_status), s, strcspn(s, "\r\n"));
		cpu_status(f, f->cpu_status);
	}
	f->cpus_answered = 0;
	f->cpus_list[0] = '\0';
	for (int i = 0; i < n; i++) {
		int dup = 0;

		for (int j = 0; j < i; j++)
			dup |= cpus[j].cpu == cpus[i].cpu;
		if (dup)
			continue;
		f->cpus_answered++;
		if (at < sizeof(f->cpus_list) - 12)
			at += (size_t)snprintf(f->cpus_list + at, sizeof(f->cpus_list) - at,
					       "%s%d", at ? " " : "", cpus[i].cpu);
	}
}
