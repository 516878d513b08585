// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg doctor's checklist, written: text for a person (one line a
 * check, its evidence indented, what to change), JSON for a lab's CI.
 * Only formats what doctor_judge() made.
 */
#include <string.h>

#include "doctor.h"
#include "json.h"

void doctor_write_text(FILE *out, const struct doctor_facts *f,
		       const struct doctor_report *r)
{
	static const char *const tags[] = { " ok ", "warn", "FAIL", " ?? ", " -- " };

	fprintf(out, "nmidbg doctor %s\n", f->port ? f->port : "");
	for (int i = 0; i < r->nchecks; i++) {
		const struct doctor_check *c = &r->checks[i];

		fprintf(out, "[%s] %s: %s\n", tags[c->status], c->title, c->summary);
		for (int j = 0; j < c->nevidence; j++)
			fprintf(out, "         %s\n", c->evidence[j]);
		if (c->fix[0])
			fprintf(out, "       fix: %s\n", c->fix);
	}
	fprintf(out, "%s\n", r->verdict);
}

static void str(FILE *out, const char *s)
{
	if (s)
		json_string(out, s, strlen(s));
	else
		fputs("null", out);
}

static void num(FILE *out, long v)
{
	if (v < 0)
		fputs("null", out);
	else
		fprintf(out, "%ld", v);
}

static void method(FILE *out, const char *name, const struct doctor_method *m)
{
	static const char *const results[] = { "untried", "works", "no answer", "cannot" };

	fprintf(out, "\"%s\": {\"result\": \"%s\", \"ms\": ", name, results[m->result]);
	num(out, m->result == DOCTOR_WORKS ? m->ms : -1);
	fputs(", \"sent\": ", out);
	str(out, m->sent[0] ? m->sent : NULL);
	fputc('}', out);
}

/* The numbers a lab may want to track, beside the checks' words. */
static void facts(FILE *out, const struct doctor_facts *f)
{
	const struct { const char *key; long v; } nums[] = {
		{ "entry_ms", f->entered ? f->entry_ms : -1 },
		{ "irq", f->tty_irq },
		{ "rx_budget", f->rx_budget },
		{ "rx_dropped", f->rx_dropped },
		{ "cpus_online", f->cpus_online },
		{ "cpus_answered", f->cpus_answered },
	};

	fprintf(out, "\"facts\": {\"entered\": %s, \"transport_has_break\": %s, \"entry\": ",
		f->entered ? "true" : "false", f->port_can_break ? "true" : "false");
	str(out, f->entry_how);
	fputs(", \"knock\": ", out);
	str(out, f->knock_known ? f->knock : f->tty_knock_known ? f->tty_knock : NULL);
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		fprintf(out, ", \"%s\": ", nums[i].key);
		num(out, nums[i].v);
	}
	fputs(", ", out);
	method(out, "knock_test", &f->knock_try);
	fputs(", ", out);
	method(out, "break_test", &f->break_try);
	fputs(", \"kaslr_offset\": ", out);
	if (f->have_offset && f->vm == DOCTOR_VM_MATCH)
		fprintf(out, "%lld", (long long)(int64_t)(f->run_addr - f->vm_addr));
	else
		fputs("null", out);
	fputc('}', out);
}

void doctor_write_json(FILE *out, const struct doctor_facts *f,
		       const struct doctor_report *r)
{
	fputs("{\"port\": ", out);
	str(out, f->port);
	fprintf(out, ", \"yes\": %s, \"verdict\": ", r->yes ? "true" : "false");
	str(out, r->verdict);
	fputs(", \"checks\": [", out);
	for (int i = 0; i < r->nchecks; i++) {
		const struct doctor_check *c = &r->checks[i];

		fprintf(out, "%s{\"id\": \"%s\", \"title\": ", i ? ", " : "", c->id);
		str(out, c->title);
		fprintf(out, ", \"status\": \"%s\", \"blocks\": %s, \"summary\": ",
			doctor_status_name(c->status), c->blocks ? "true" : "false");
		str(out, c->summary);
		fputs(", \"fix\": ", out);
		str(out, c->fix[0] ? c->fix : NULL);
		fputs(", \"evidence\": [", out);
		for (int j = 0; j < c->nevidence; j++) {
			fputs(j ? ", " : "", out);
			str(out, c->evidence[j]);
		}
		fputs("]}", out);
	}
	fputs("], ", out);
	facts(out, f);
	fputs("}\n", out);
}
