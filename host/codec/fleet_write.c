// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The fleet's summary (fleet.h): one Markdown table for people, one
 * nmidbg-fleet JSON document for CI, from the boards' results.
 * Formatting only.
 */
#include <string.h>

#include "fleet.h"
#include "jsonw.h"

/* The CPUs in r whose where is the first's of group (CPU list "0-3, 5"). */
static size_t cpu_list(const struct fleet_result *r, int group, char *buf, size_t len)
{
	size_t n = 0;
	int first = -1, last = -1;

	buf[0] = '\0';
	for (int i = 0; i <= r->ncpus; i++) {
		int cpu = i < r->ncpus && !strcmp(r->cpus[i].where, r->cpus[group].where) ?
			  r->cpus[i].cpu : -1;

		if (cpu >= 0 && last >= 0 && cpu == last + 1) {
			last = cpu;
			continue;
		}
		if (last >= 0 && n < len)
			n += (size_t)(first == last ?
				      snprintf(buf + n, len - n, "%s%d", n ? ", " : "", first) :
				      snprintf(buf + n, len - n, "%s%d-%d", n ? ", " : "", first, last));
		first = last = cpu;
	}
	return n < len ? n : len - 1;
}

void fleet_where(const struct fleet_result *r, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < r->ncpus && n + 1 < len; i++) {
		char cpus[256];
		int seen = 0;

		for (int j = 0; j < i && !seen; j++)
			seen = !strcmp(r->cpus[j].where, r->cpus[i].where);
		if (seen)
			continue;
		cpu_list(r, i, cpus, sizeof(cpus));
		n += (size_t)snprintf(buf + n, len - n, "%s%s: %s", n ? "; " : "",
				      r->cpus[i].where[0] ? r->cpus[i].where : "(unknown)", cpus);
	}
}

/* Text in a table cell: no '|' that ends it (GFM), no line break. */
static void md_cell(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '|' || c == '\\')
			fputc('\\', out);
		fputc(c < 0x20 || c == 0x7f ? ' ' : c, out);
	}
}

static const char *const *verdicts(const struct fleet *f)
{
	static const char *const triage[] = { "triaged", "partial", "failed", "not run", NULL };
	static const char *const doctor[] = { "yes", "no", "failed", "not run", NULL };

	return strcmp(f->command, "doctor") ? triage : doctor;
}

static int count(const struct fleet *f, const char *verdict)
{
	int n = 0;

	for (int i = 0; i < f->n; i++)
		n += !strcmp(fleet_verdict(f, &f->boards[i]), verdict);
	return n;
}

/* What went wrong, for a board that has something to say. */
static const char *board_error(const struct fleet_board *b)
{
	return b->res && b->res->error[0] ? b->res->error : NULL;
}

static void md_row(FILE *out, const struct fleet *f, const struct fleet_board *b)
{
	const struct fleet_result *r = b->res;
	const char *v = fleet_verdict(f, b);
	int ran = r && r->filled;
	char where[2048] = "";

	fputs("| ", out);
	md_cell(out, b->name);
	fputs(" | ", out);
	md_cell(out, b->port);
	fprintf(out, " | %s | %s | ", v,
		!ran || r->partial < 0 || !r->reported ? "-" : r->partial ? "yes" : "no");
	if (ran && r->ncpus >= 0 && (r->ncpus || r->nstopped))
		fprintf(out, "%d/%d", r->nstopped, r->ncpus);
	else
		fputs("-", out);
	fputs(" | ", out);
	if (ran)
		fleet_where(r, where, sizeof(where));
	md_cell(out, where[0] ? where : "-");
	if (b->state == FLEET_DONE)
		fprintf(out, " | %ld.%01ld s | %d | ", b->ms / 1000, b->ms % 1000 / 100, b->exit);
	else
		fputs(" | - | - | ", out);
	if (ran && r->reported)
		for (const char *const *e = fleet_report_exts(f); *e; e++) {
			fputc('[', out);
			md_cell(out, b->name);
			fprintf(out, ".%s](%s.%s), ", *e, b->name, *e);
		}
	if (b->state == FLEET_DONE)
		fprintf(out, "[log](%s.log)", b->name);
	fputs(" |\n", out);
}

void fleet_write_md(FILE *out, const struct fleet *f)
{
	int errors = 0;

	fprintf(out, "# nmidbg %s: %d board%s\n\n", f->command, f->n, f->n == 1 ? "" : "s");
	fprintf(out, "Started %s, %d at once, %ld.%01ld s in all:", f->time, f->jobs,
		f->ms / 1000, f->ms % 1000 / 100);
	for (const char *const *v = verdicts(f); *v; v++)
		fprintf(out, "%s %d %s", v == verdicts(f) ? "" : ",", count(f, *v), *v);
	fprintf(out, ". Exit status %d.\n\n", f->exit);
	if (f->partial) {
		fputs("**Partial summary**: ", out);
		md_cell(out, f->partial_why);
		fputs("\n\n", out);
	}
	fputs("| board | port | verdict | partial | CPUs stopped | where | time | exit | reports |\n"
	      "|---|---|---|---|---|---|---|---|---|\n", out);
	for (int i = 0; i < f->n; i++)
		md_row(out, f, &f->boards[i]);
	for (int i = 0; i < f->n; i++) {
		const struct fleet_board *b = &f->boards[i];
		const char *why = board_error(b);

		if (!why && !(b->res && b->res->partial_why[0]))
			continue;
		if (!errors++)
			fputs("\n## What went wrong\n\n", out);
		fputs("- **", out);
		md_cell(out, b->name);
		fputs("**: ", out);
		md_cell(out, why ? why : b->res->partial_why);
		fputc('\n', out);
	}
}

static void json_board(struct json_writer *w, const struct fleet *f,
		       const struct fleet_board *b)
{
	const struct fleet_result *r = b->res;
	int ran = r && r->filled, done = b->state == FLEET_DONE;
	char path[4200];

	jw_space(w, "\n  ");
	jw_object(w);
	jw_kstr(w, "board", b->name);
	jw_kstr(w, "port", b->port);
	jw_kstr(w, "verdict", fleet_verdict(f, b));
	if (ran && r->partial >= 0 && r->reported)	/* a report's, triage's alone */
		jw_kbool(w, "partial", r->partial);
	else
		jw_kstr(w, "partial", NULL);
	jw_kstr(w, "partial_why", ran && r->partial_why[0] ? r->partial_why : NULL);
	jw_kint_or_null(w, "cpus", ran && r->ncpus >= 0, ran ? r->ncpus : 0);
	jw_kint_or_null(w, "cpus_stopped", ran && r->nstopped >= 0, ran ? r->nstopped : 0);
	jw_key(w, "where");
	jw_array(w);
	for (int i = 0; ran && r->partial >= 0 && i < r->ncpus; i++) {
		jw_object(w);
		jw_kint(w, "cpu", r->cpus[i].cpu);
		jw_kbool(w, "stopped", r->cpus[i].stopped);
		jw_kstr(w, "where", r->cpus[i].where);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_key(w, "doctor");
	if (ran && r->partial < 0 && r->yes >= 0) {
		jw_object(w);
		jw_kbool(w, "yes", r->yes);
		jw_kstr(w, "verdict", r->doctor_verdict);
		jw_object_end(w);
	} else {
		jw_null(w);
	}
	jw_kstr(w, "entry", ran && r->how[0] ? r->how : NULL);
	jw_kstr(w, "after", ran && r->after[0] ? r->after : done ? "unknown" : NULL);
	jw_kint_or_null(w, "started_ms", done, b->start_ms);
	jw_kint_or_null(w, "ms", done, b->ms);
	jw_kint_or_null(w, "exit", done, b->exit);
	jw_kstr(w, "error", board_error(b));
	jw_key(w, "reports");
	jw_object(w);
	for (const char *const *e = fleet_report_exts(f); *e; e++) {
		int have = ran && r->reported && !fleet_path(f, b, *e, path, sizeof(path));

		jw_kstr(w, *e, have ? path : NULL);
	}
	jw_kstr(w, "log", done && !fleet_path(f, b, "log", path, sizeof(path)) ? path : NULL);
	jw_object_end(w);
	jw_object_end(w);
}

void fleet_write_json(FILE *out, const struct fleet *f)
{
	struct json_writer w;

	jw_init(&w, out);
	jw_object(&w);
	jw_schema(&w, "nmidbg-fleet");
	jw_kstr(&w, "command", f->command);
	jw_kstr(&w, "time", f->time);
	jw_kstr(&w, "dir", f->dir);
	jw_kint(&w, "jobs", f->jobs);
	jw_kint(&w, "ms", f->ms);
	jw_kint(&w, "exit", f->exit);
	jw_kbool(&w, "partial", f->partial);
	jw_kstr(&w, "partial_why", f->partial ? f->partial_why : NULL);
	jw_key(&w, "counts");
	jw_object(&w);
	for (const char *const *v = verdicts(f); *v; v++)
		jw_kint(&w, *v, count(f, *v));
	jw_object_end(&w);
	jw_key(&w, "boards");
	jw_array(&w);
	for (int i = 0; i < f->n; i++)
		json_board(&w, f, &f->boards[i]);
	jw_space(&w, "\n");
	jw_array_end(&w);
	jw_object_end(&w);
	jw_finish(&w);
}
