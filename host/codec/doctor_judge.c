// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg doctor's judgement: the facts (doctor.c) into one check per
 * question, each with its evidence and what to change, and the verdict:
 * can a board whose every CPU spins with interrupts masked be entered
 * through this transport?  Pure.
 */
#include <stdarg.h>
#include <string.h>

#include "doctor.h"

#define DEFAULT_KNOCK	"$3#33"

static struct doctor_check *check(struct doctor_report *r, const char *id,
				  const char *title, int blocks)
{
	struct doctor_check *c = &r->checks[r->nchecks++];

	memset(c, 0, sizeof(*c));
	c->id = id;
	c->title = title;
	c->blocks = blocks;
	c->status = DOCTOR_OK;
	return c;
}

__attribute__((format(printf, 3, 4)))
static void say(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
}

#define SUMMARY(c, st, ...)	((c)->status = (st), say((c)->summary, sizeof((c)->summary), __VA_ARGS__))
#define FIX(c, ...)		say((c)->fix, sizeof((c)->fix), __VA_ARGS__)

/* Evidence: a line of the board's, or our own words; "" adds nothing. */
__attribute__((format(printf, 2, 3)))
static void ev(struct doctor_check *c, const char *fmt, ...)
{
	va_list ap;

	if (c->nevidence == DOCTOR_MAX_EVIDENCE)
		return;
	va_start(ap, fmt);
	vsnprintf(c->evidence[c->nevidence], DOCTOR_LINE, fmt, ap);
	va_end(ap);
	if (c->evidence[c->nevidence][0])
		c->nevidence++;
}

static void not_reached(struct doctor_check *c)
{
	SUMMARY(c, DOCTOR_UNKNOWN, "unknown: kdb was not reached");
}

static int param_true(const struct doctor_facts *f, const char *name)
{
	char v[16];

	return doctor_param(f->cmdline, name, v, sizeof(v)) &&
	       (!strcmp(v, "1") || v[0] == 'y' || v[0] == 'Y' || !strcmp(v, "on"));
}

static void pseudo_nmi(const struct doctor_facts *f, struct doctor_report *r)
{
	struct doctor_check *c = check(r, "pseudo_nmi", "pseudo-NMI", 1);
	const char *sync = strstr(f->pnmi, "using ");

	if (!f->entered) {
		not_reached(c);
		return;
	}
	if (f->pnmi[0]) {
		SUMMARY(c, DOCTOR_OK, "enabled, %.*s synchronisation of ICC_PMR_EL1",
			sync ? (int)strcspn(sync + 6, " ") : 1, sync ? sync + 6 : "?");
	} else if (strstr(f->pnmi_off, "MediaTek")) {
		SUMMARY(c, DOCTOR_FAIL, "off: the firmware does not save and restore the GIC's priorities (mediatek,broken-save-restore-fw)");
		FIX(c, "firmware that saves GICR state, then drop the quirk from the device tree; until then this board cannot take pseudo-NMIs");
	} else if (f->pnmi_off[0]) {
		SUMMARY(c, DOCTOR_FAIL, "off: the GIC's integration forbids it (see the GICD_CTRL.DS/SCR_EL3.FIQ line)");
		FIX(c, "firmware that sets SCR_EL3.FIQ consistently with GICD_CTRL.DS; until then no pseudo-NMI");
	} else if (f->cmdline[0] && !param_true(f, "irqchip.gicv3_pseudo_nmi")) {
		SUMMARY(c, DOCTOR_FAIL, "off: the kernel command line lacks irqchip.gicv3_pseudo_nmi=1");
		FIX(c, "boot with irqchip.gicv3_pseudo_nmi=1 (and CONFIG_ARM64_PSEUDO_NMI=y)");
	} else if (f->gic[0] && !strstr(f->gic, "GICv3") && !strstr(f->gic, "GICv4")) {
		SUMMARY(c, DOCTOR_FAIL, "off: the interrupt controller is not a GICv3 (pseudo-NMI needs GICv3 or later)");
	} else if (f->cmdline[0] && !f->prio[0]) {
		SUMMARY(c, DOCTOR_FAIL, "off: irqchip.gicv3_pseudo_nmi=1 is given but IRQ priority masking was not enabled");
		FIX(c, "a kernel with CONFIG_ARM64_PSEUDO_NMI=y");
	} else if (f->cmdline[0]) {
		SUMMARY(c, DOCTOR_FAIL, "off: the GIC driver did not enable pseudo-NMIs");
	} else {
		SUMMARY(c, DOCTOR_UNKNOWN, "unknown: the boot log no longer holds the kernel command line or the GIC's lines");
	}
	ev(c, "%s", f->pnmi);
	ev(c, "%s", f->pnmi_off);
	ev(c, "%s", f->gic_ds);
	ev(c, "%s", f->pnmi[0] ? "" : f->gic);
	ev(c, "%s", f->prio);
	if (f->cmdline[0])
		ev(c, "Kernel command line: %s", f->cmdline);
}

/* The knock in force and where that comes from. */
static const char *knock_in_force(const struct doctor_facts *f, const char **from)
{
	static char param[DOCTOR_KNOCK_MAX + 1];

	*from = "read from memory";
	if (f->knock_known)
		return f->knock;
	*from = "ttyNMI's boot line";
	if (f->tty_knock_known)
		return f->tty_knock;
	*from = "the kernel command line";
	if (doctor_param(f->cmdline, "nmi_tty.knock", param, sizeof(param)))
		return param;
	*from = "the default";
	return DEFAULT_KNOCK;
}

static void ttynmi(const struct doctor_facts *f, struct doctor_report *r)
{
	struct doctor_check *c = check(r, "ttynmi", "ttyNMI", 1);
	char port[64] = "?", console[64] = "";
	const char *from, *knock = knock_in_force(f, &from);

	if (!f->entered) {
		not_reached(c);
		return;
	}
	if (doctor_param(f->cmdline, "kgdboc", port, sizeof(port)))
		port[strcspn(port, ",")] = '\0';
	doctor_param(f->cmdline, "console", console, sizeof(console));
	if (f->tty_mode == DOCTOR_TTY_NMI) {
		SUMMARY(c, DOCTOR_OK, "attached to %s (irq %d), receive on a pseudo-NMI; knock \"%s\" (%s), rx_budget %ld, rx_dropped %ld",
			port, f->tty_irq, knock, from, f->rx_budget, f->rx_dropped);
		if (f->entry_on == 0) {
			c->status = DOCTOR_FAIL;
			FIX(c, "the knock and BREAK+g are off (nmi_tty.entry=N): echo Y > /sys/module/nmi_tty/parameters/entry");
		} else if (!knock[0]) {
			c->status = DOCTOR_WARN;
			FIX(c, "the knock is off (nmi_tty.knock= empty): only BREAK+g enters; boot without nmi_tty.knock= for \"%s\"",
			    DEFAULT_KNOCK);
		} else if (f->knock_sent && strcmp(knock, f->knock_sent)) {
			c->status = DOCTOR_WARN;
			FIX(c, "the knock is \"%s\", not \"%s\": give nmidbg --knock '%s'", knock,
			    f->knock_sent, knock);
		} else if (f->rx_dropped > 0) {
			c->status = DOCTOR_WARN;
			FIX(c, "received bytes were dropped: the reader of ttyNMI0 was slower than the line");
		}
	} else if (f->tty_mode == DOCTOR_TTY_IRQ) {
		SUMMARY(c, DOCTOR_FAIL, "attached to %s (irq %d) but receives on an ordinary interrupt: no pseudo-NMI; knock \"%s\" (%s)",
			port, f->tty_irq, knock, from);
		FIX(c, "boot with irqchip.gicv3_pseudo_nmi=1 (see pseudo-NMI)");
	} else if (f->tty_mode == DOCTOR_TTY_REFUSED) {
		SUMMARY(c, DOCTOR_FAIL, "not attached: %s", f->tty);
		FIX(c, "a UART driver that ttyNMI serves (PL011, the 8250 family), its interrupt not taken by another user");
	} else if (!f->cmdline[0]) {
		SUMMARY(c, DOCTOR_UNKNOWN, "unknown: no ttyNMI line in the boot log, and no command line to tell why");
	} else if (!strstr(f->cmdline, "console=ttyNMI0")) {
		SUMMARY(c, DOCTOR_FAIL, "not in use: the console is %s, not ttyNMI0; serial receive is an ordinary interrupt",
			console[0] ? console : "not set");
		FIX(c, "boot the ttyNMI kernel with console=ttyNMI0 kgdboc=%s,115200 irqchip.gicv3_pseudo_nmi=1",
		    strcmp(port, "?") ? port : "PORT");
	} else {
		SUMMARY(c, DOCTOR_FAIL, "console=ttyNMI0 is given but ttyNMI never attached");
		FIX(c, "a kernel with the ttyNMI series and CONFIG_SERIAL_NMI_TTY=y, and kgdboc=PORT,BAUD");
	}
	if (f->tty_mode != DOCTOR_TTY_NONE && knock[0] && f->knock_sent &&
	    strcmp(knock, f->knock_sent))
		ev(c, "the knock in force is \"%s\", not nmidbg's \"%s\": give --knock '%s'",
		   knock, f->knock_sent, knock);
	ev(c, "%s", f->tty_console);
	ev(c, "%s", f->tty);
	ev(c, "%s", f->kgdboc_err);
	if (f->knock_known)
		ev(c, "knock read from memory: \"%s\"", f->knock);
	if (f->rx_budget >= 0)
		ev(c, "rx_budget read from memory: %ld", f->rx_budget);
	if (f->rx_dropped >= 0)
		ev(c, "rx_dropped read from memory: %ld", f->rx_dropped);
	if (f->entry_on >= 0)
		ev(c, "entry read from memory: %s", f->entry_on ? "Y" : "N");
}

static void kgdboc(const struct doctor_facts *f, struct doctor_report *r)
{
	struct doctor_check *c = check(r, "kgdboc", "kgdboc", 1);
	char val[64] = "";
	int given = doctor_param(f->cmdline, "kgdboc", val, sizeof(val));
	const char *baud = strchr(val, ',');

	if (!f->entered) {
		not_reached(c);
		return;
	}
	if (!given && f->cmdline[0] && !f->kgdboc[0]) {
		SUMMARY(c, DOCTOR_FAIL, "not set: no kgdboc= on the kernel command line");
		FIX(c, "boot with kgdboc=PORT,BAUD");
	} else if (given && !baud) {
		SUMMARY(c, DOCTOR_WARN, "on %s, no baud given: kgdboc leaves the line as it finds it", val);
		FIX(c, "give the baud (kgdboc=%s,115200): on PL011 that also turns the receive FIFO on", val);
	} else if (given) {
		SUMMARY(c, DOCTOR_OK, "on %.*s at %s baud", (int)(baud - val), val, baud + 1);
	} else {
		SUMMARY(c, DOCTOR_OK, "the debugger answers on this line (its port is not in the boot log)");
	}
	ev(c, "%s", f->kgdboc);
	ev(c, "%s", f->kgdboc_err);
	ev(c, "%s", f->uart);
}

static void kdb(const struct doctor_facts *f, struct doctor_report *r)
{
	struct doctor_check *c = check(r, "kdb", "kdb", 1);
	char en[32];

	if (!f->entered) {
		SUMMARY(c, DOCTOR_FAIL, "no kdb prompt on this line");
		return;
	}
	SUMMARY(c, DOCTOR_OK, "enabled: the prompt answers (kdb.cmd_enable %s)",
		doctor_param(f->cmdline, "kdb.cmd_enable", en, sizeof(en)) ? en : "as built");
	if (f->mem_denied) {
		c->status = DOCTOR_WARN;
		FIX(c, "kdb refuses memory reads (kdb.cmd_enable or kernel lockdown): backtraces work, md and symbols do not");
	}
	ev(c, "entered by %s in %ld ms", f->entry_how ? f->entry_how : "?", f->entry_ms);
	if (doctor_param(f->cmdline, "lockdown", en, sizeof(en)))
		ev(c, "lockdown=%s on the kernel command line: kdb drops what lockdown forbids", en);
}

static void roundup(const struct doctor_facts *f, struct doctor_report *r)
{
	struct doctor_check *c = check(r, "roundup", "NMI roundup", 1);

	if (!f->entered) {
		not_reached(c);
		return;
	}
	if (f->cpus_online < 0 && !f->cpus_answered) {
		SUMMARY(c, DOCTOR_UNKNOWN, "unknown: btc printed no CPU");
	} else if (f->cpus_unresponsive > 0 || f->roundup_err[0] ||
		   (f->cpus_online >= 0 && f->cpus_answered < f->cpus_online)) {
		SUMMARY(c, DOCTOR_FAIL, "%d of %d CPUs answered (%s)", f->cpus_answered,
			f->cpus_online, f->cpus_list);
		FIX(c, "a CPU did not take kgdb's roundup: see its state in the status line");
	} else {
		SUMMARY(c, DOCTOR_OK, "every CPU answers in btc: %d of %d (CPUs %s), by %s",
			f->cpus_answered, f->cpus_online < 0 ? f->cpus_answered : f->cpus_online,
			f->cpus_list, f->pnmi[0] ? "pseudo-NMI" : "an ordinary IPI (a CPU with interrupts masked would not answer)");
	}
	ev(c, "%s", f->cpu_status);
	ev(c, "%s", f->roundup_err);
}

static const char *method_words(const struct doctor_method *m, char *buf, size_t cap)
{
	switch (m->result) {
	case DOCTOR_WORKS:
		say(buf, cap, "works, kdb in %ld ms", m->ms);
		break;
	case DOCTOR_NO_ANSWER:
		say(buf, cap, "no answer");
		break;
	case DOCTOR_CANNOT:
		say(buf, cap, "not sent: this transport has no BREAK");
		break;
	default:
		say(buf, cap, "not tried");
		break;
	}
	return buf;
}

static void transport(const struct doctor_facts *f, struct doctor_report *r)
{
	struct doctor_check *c = check(r, "transport", "this transport", 1);
	const struct doctor_method *k = &f->knock_try, *b = &f->break_try;
	char kw[64], bw[64];
	const char *from, *knock = knock_in_force(f, &from);
	int works = k->result == DOCTOR_WORKS || b->result == DOCTOR_WORKS;
	int both = k->result == DOCTOR_WORKS && b->result == DOCTOR_WORKS;

	method_words(k, kw, sizeof(kw));
	if (f->entered && k->result != DOCTOR_WORKS && !knock[0])
		say(kw, sizeof(kw), "off on the board (nmi_tty.knock= empty)");
	SUMMARY(c, both ? DOCTOR_OK : works ? DOCTOR_WARN : DOCTOR_FAIL,
		"%s: knock %s; BREAK+g %s", f->port ? f->port : "?", kw,
		method_words(b, bw, sizeof(bw)));
	if (!works && !f->entered)
		FIX(c, "no way in: if the board was booted with another nmi_tty.knock, give --knock; for BREAK use a transport that carries it (telnet:, rfc2217://, a serial device)");
	else if (b->result == DOCTOR_CANNOT || b->result == DOCTOR_NO_ANSWER)
		FIX(c, "BREAK does not get through: use a transport that carries it (telnet:, rfc2217://, a serial device), or rely on the knock");
	if (k->sent[0])
		ev(c, "knock \"%s\": %s", k->sent, kw);
	if (b->result != DOCTOR_UNTRIED)
		ev(c, "BREAK then g: %s", bw);
}

static void vmlinux(const struct doctor_facts *f, struct doctor_report *r)
{
	struct doctor_check *c = check(r, "vmlinux", "symbols", 0);
	int64_t off = (int64_t)(f->run_addr - f->vm_addr);

	switch (f->vm) {
	case DOCTOR_VM_NONE:
		SUMMARY(c, DOCTOR_SKIP, "not checked (no --vmlinux)");
		return;
	case DOCTOR_VM_MATCH:
		if (f->have_offset)
			SUMMARY(c, DOCTOR_OK, "%s is the running kernel; KASLR offset %s0x%llx%s",
				f->vmlinux, off < 0 ? "-" : "",
				(unsigned long long)(off < 0 ? -off : off),
				off ? "" : " (KASLR off)");
		else
			SUMMARY(c, DOCTOR_OK, "%s is the running kernel (KASLR offset unknown)", f->vmlinux);
		break;
	case DOCTOR_VM_MISMATCH:
		SUMMARY(c, DOCTOR_FAIL, "%s is not the running kernel: its linux_banner differs", f->vmlinux);
		FIX(c, "give the vmlinux of the build that runs: gdb would show wrong symbols with this one");
		break;
	case DOCTOR_VM_NOT_KERNEL:
		SUMMARY(c, DOCTOR_FAIL, "%s is not a kernel with symbols: %s", f->vmlinux, f->vm_why);
		break;
	case DOCTOR_VM_UNREADABLE:
		SUMMARY(c, DOCTOR_FAIL, "%s: %s", f->vmlinux, f->vm_why);
		break;
	default:
		SUMMARY(c, DOCTOR_UNKNOWN, "unknown: %s", f->vm_why[0] ? f->vm_why : "the running kernel's banner was not read");
		break;
	}
	if (f->vm_banner[0])
		ev(c, "in %s: %s", f->vmlinux, f->vm_banner);
	if (f->run_banner[0])
		ev(c, "running: %s", f->run_banner);
	if (f->have_offset)
		ev(c, "linux_banner at 0x%llx, linked at 0x%llx",
		   (unsigned long long)f->run_addr, (unsigned long long)f->vm_addr);
}

void doctor_judge(const struct doctor_facts *f, struct doctor_report *r)
{
	size_t at;

	memset(r, 0, sizeof(*r));
	pseudo_nmi(f, r);
	ttynmi(f, r);
	kgdboc(f, r);
	kdb(f, r);
	roundup(f, r);
	transport(f, r);
	vmlinux(f, r);
	r->yes = 1;
	for (int i = 0; i < r->nchecks; i++)
		if (r->checks[i].blocks && r->checks[i].status != DOCTOR_OK &&
		    r->checks[i].status != DOCTOR_WARN)
			r->yes = 0;
	at = (size_t)snprintf(r->verdict, sizeof(r->verdict),
			      "a hard-locked board with every CPU masked can be entered: %s",
			      r->yes ? "yes" : "no, because");
	for (int i = 0, n = 0; !r->yes && i < r->nchecks && at < sizeof(r->verdict); i++) {
		const struct doctor_check *c = &r->checks[i];

		/* Not reached: the transport says why, the rest is unknown. */
		if (!c->blocks || c->status == DOCTOR_OK || c->status == DOCTOR_WARN ||
		    (!f->entered && strcmp(c->id, "transport")))
			continue;
		at += (size_t)snprintf(r->verdict + at, sizeof(r->verdict) - at, "%s %s: %s",
				       n++ ? ";" : "", c->title, c->summary);
	}
}

const char *doctor_status_name(enum doctor_status s)
{
	static const char *const names[] = { "ok", "warn", "fail", "unknown", "skip" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}
