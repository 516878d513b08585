// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nmidbg doctor's checklist, written: text for a person (one line a
 * check, its evidence indented, what to change), JSON for a lab's CI.
 * Only formats what doctor_judge() made.
 */
#include <string.h>

#include "doctor.h"
#include "jsonw.h"

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

static void method(struct json_writer *w, const char *name, const struct doctor_method *m)
{
	static const char *const results[] = { "untried", "works", "no answer", "cannot" };

	jw_key(w, name);
	jw_object(w);
	jw_kstr(w, "result", results[m->result]);
	jw_kint_or_null(w, "ms", m->result == DOCTOR_WORKS && m->ms >= 0, m->ms);
	jw_kstr(w, "sent", m->sent[0] ? m->sent : NULL);
	jw_object_end(w);
}

/* The numbers a lab may want to track, beside the checks' words. */
static void facts(struct json_writer *w, const struct doctor_facts *f)
{
	const struct { const char *key; long v; } nums[] = {
		{ "entry_ms", f->entered ? f->entry_ms : -1 },
		{ "irq", f->tty_irq },
		{ "rx_budget", f->rx_budget },
		{ "rx_dropped", f->rx_dropped },
		{ "cpus_online", f->cpus_online },
		{ "cpus_answered", f->cpus_answered },
	};

	jw_key(w, "facts");
	jw_object(w);
	jw_kbool(w, "entered", f->entered);
	jw_kbool(w, "transport_has_break", f->port_can_break);
	jw_kstr(w, "entry", f->entry_how);
	jw_kstr(w, "knock", f->knock_known ? f->knock : f->tty_knock_known ? f->tty_knock : NULL);
	jw_key(w, "knock_and_break_g_on");	/* nmi_tty.entry; null: not read */
	if (f->entry_on < 0)
		jw_null(w);
	else
		jw_bool(w, f->entry_on);
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)	/* -1: unknown */
		jw_kint_or_null(w, nums[i].key, nums[i].v >= 0, nums[i].v);
	method(w, "knock_test", &f->knock_try);
	method(w, "break_test", &f->break_try);
	jw_kint_or_null(w, "kaslr_offset", f->have_offset && f->vm == DOCTOR_VM_MATCH,
			(long long)(int64_t)(f->run_addr - f->vm_addr));
	jw_object_end(w);
}

void doctor_write_json(FILE *out, const struct doctor_facts *f,
		       const struct doctor_report *r)
{
	struct json_writer w;

	jw_init(&w, out);
	jw_object(&w);
	jw_schema(&w, "nmidbg-doctor");
	jw_kstr(&w, "port", f->port);
	jw_kbool(&w, "yes", r->yes);
	jw_kstr(&w, "verdict", r->verdict);
	jw_key(&w, "checks");
	jw_array(&w);
	for (int i = 0; i < r->nchecks; i++) {
		const struct doctor_check *c = &r->checks[i];

		jw_object(&w);
		jw_kstr(&w, "id", c->id);
		jw_kstr(&w, "title", c->title);
		jw_kstr(&w, "status", doctor_status_name(c->status));
		jw_kbool(&w, "blocks", c->blocks);
		jw_kstr(&w, "summary", c->summary);
		jw_kstr(&w, "fix", c->fix[0] ? c->fix : NULL);
		jw_key(&w, "evidence");
		jw_array(&w);
		for (int j = 0; j < c->nevidence; j++)
			jw_str(&w, c->evidence[j]);
		jw_array_end(&w);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	facts(&w, f);
	jw_object_end(&w);
	jw_finish(&w);
}
