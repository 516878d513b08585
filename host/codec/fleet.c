// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The fleet's list of boards and their results (fleet.h), pure: a ports
 * file parsed, names given and checked, a child's result filled in.  The
 * summary is fleet_write.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "fleet.h"

void fleet_init(struct fleet *f, const char *command)
{
	memset(f, 0, sizeof(*f));
	f->command = command;
	f->jobs = 32;
}

void fleet_free(struct fleet *f)
{
	for (int i = 0; i < f->n; i++)
		free(f->boards[i].port);
	free(f->boards);
	f->boards = NULL;
	f->n = f->cap = 0;
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

int fleet_name_ok(const char *name)
{
	size_t n = strlen(name);

	/* A file name of its own in --dir: no path, no hidden file, no option. */
	if (!n || n > FLEET_NAME_MAX || name[0] == '.' || name[0] == '-' ||
	    !strcmp(name, FLEET_SUMMARY))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!name_char(name[i]))
			return 0;
	return 1;
}

int fleet_add(struct fleet *f, const char *port, const char *name, int line,
	      char *err, size_t errlen)
{
	struct fleet_board *b;

	if (name && !fleet_name_ok(name)) {
		snprintf(err, errlen, "'%.80s' is not a board name: up to %d letters, digits, '.', '_' "
			 "and '-', not starting with '.' or '-', not '%s'",
			 name, FLEET_NAME_MAX, FLEET_SUMMARY);
		return -1;
	}
	if (!*port) {
		snprintf(err, errlen, "an empty PORT");
		return -1;
	}
	if (f->n == FLEET_MAX_BOARDS) {
		snprintf(err, errlen, "more than %d boards", FLEET_MAX_BOARDS);
		return -1;
	}
	if (f->n == f->cap) {
		int cap = f->cap ? f->cap * 2 : 16;
		struct fleet_board *more = realloc(f->boards, (size_t)cap * sizeof(*more));

		if (!more)
			goto oom;
		f->boards = more;
		f->cap = cap;
	}
	b = &f->boards[f->n];
	memset(b, 0, sizeof(*b));
	b->port = strdup(port);
	if (!b->port)
		goto oom;
	if (name)
		snprintf(b->name, sizeof(b->name), "%s", name);
	b->line = line;
	f->n++;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

/* One line (no newline): 0 fields, a PORT, or a PORT and a NAME. */
static int parse_line(struct fleet *f, const char *p, size_t len, int line,
		      char *err, size_t errlen)
{
	char field[3][1024];
	size_t i = 0;
	int n = 0;

	while (i < len) {
		size_t start, flen;

		while (i < len && blank(p[i]))
			i++;
		if (i == len || p[i] == '#')
			break;		/* the rest is a comment */
		start = i;
		while (i < len && !blank(p[i]))
			i++;
		flen = i - start;
		if (n == 3)
			break;
		if (flen >= sizeof(field[0])) {
			snprintf(err, errlen, "line %d: a field longer than %zu bytes", line,
				 sizeof(field[0]) - 1);
			return -1;
		}
		if (memchr(p + start, '\0', flen)) {
			snprintf(err, errlen, "line %d: a NUL byte", line);
			return -1;
		}
		memcpy(field[n], p + start, flen);
		field[n++][flen] = '\0';
	}
	if (n == 0)
		return 0;
	if (n == 3) {
		snprintf(err, errlen, "line %d: '%.80s' after the PORT and NAME: one PORT and an "
			 "optional NAME a line ('#' starts a comment)", line, field[2]);
		return -1;
	}
	if (fleet_add(f, field[0], n == 2 ? field[1] : NULL, line, err, errlen)) {
		char why[400];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "line %d: %s", line, why);
		return -1;
	}
	return 0;
}

int fleet_parse_ports(struct fleet *f, const char *text, size_t len, char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	int line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		line++;
		if (n && p[n - 1] == '\r')	/* a file written on Windows */
			n--;
		if (parse_line(f, p, n, line, err, errlen))
			return -1;
		p += (nl ? (size_t)(nl - p) + 1 : n);
		if (!nl)
			break;
	}
	return 0;
}

/* A name from the port: its last path part, or the spec, made a file name. */
static void derive(const char *port, char *name, size_t cap)
{
	const char *p = port, *slash = strrchr(port, '/');
	size_t n = 0, max = cap - 9;	/* room for a "-NNNNN" to make it unique */

	if (port[0] == '/' && slash && slash[1])
		p = slash + 1;
	for (; *p && n < max; p++) {
		char c = name_char(*p) ? *p : '-';

		if (c == '-' && (n == 0 || name[n - 1] == '-'))
			continue;	/* no leading or doubled '-' */
		if (c == '.' && n == 0)
			continue;
		name[n++] = c;
	}
	while (n && name[n - 1] == '-')
		n--;
	name[n] = '\0';
	if (!n || !strcmp(name, FLEET_SUMMARY))
		snprintf(name, cap, "board");
}

static int name_taken(const struct fleet *f, const char *name, int except)
{
	if (!strcmp(name, FLEET_SUMMARY))
		return 1;
	for (int i = 0; i < f->n; i++)
		if (i != except && !strcmp(f->boards[i].name, name))
			return 1;
	return 0;
}

static void where_given(const struct fleet_board *b, char *buf, size_t len)
{
	if (b->line)
		snprintf(buf, len, "line %d", b->line);
	else
		snprintf(buf, len, "the command line");
}

int fleet_name_all(struct fleet *f, char *err, size_t errlen)
{
	char a[32], b[32];

	for (int i = 0; i < f->n; i++)
		for (int j = 0; j < i; j++) {
			if (strcmp(f->boards[i].port, f->boards[j].port))
				continue;
			where_given(&f->boards[j], a, sizeof(a));
			where_given(&f->boards[i], b, sizeof(b));
			if (!f->boards[i].line && !f->boards[j].line)
				snprintf(b, sizeof(b), "again");
			snprintf(err, errlen, "'%.200s' is given twice (%s and %s): one command a "
				 "line", f->boards[i].port, a, b);
			return -1;
		}
	/* The names given first: a derived name gives way to them. */
	for (int i = 0; i < f->n; i++)
		for (int j = 0; j < i && f->boards[i].name[0]; j++)
			if (!strcmp(f->boards[i].name, f->boards[j].name)) {
				snprintf(err, errlen, "the name '%s' is given twice (lines %d and %d)",
					 f->boards[i].name, f->boards[j].line, f->boards[i].line);
				return -1;
			}
	for (int i = 0; i < f->n; i++) {
		struct fleet_board *bd = &f->boards[i];
		char base[FLEET_NAME_MAX + 1];

		if (bd->name[0])
			continue;
		derive(bd->port, base, sizeof(base));
		snprintf(bd->name, sizeof(bd->name), "%s", base);
		/* At most FLEET_MAX_BOARDS tries: five digits, within derive()'s room. */
		for (unsigned short k = 2; name_taken(f, bd->name, i); k++)
			snprintf(bd->name, sizeof(bd->name), "%.56s-%hu", base, k);
	}
	return 0;
}

void fleet_result_triage(struct fleet_result *r, const struct triage *t, int reported)
{
	r->filled = 1;
	r->reported = reported;
	r->partial = t->partial;
	snprintf(r->partial_why, sizeof(r->partial_why), "%s", t->partial ? t->partial_why : "");
	r->yes = -1;
	snprintf(r->how, sizeof(r->how), "%s", t->how ? t->how : "");
	snprintf(r->after, sizeof(r->after), "%s", t->how && t->after ? t->after : "");
	r->ncpus = r->nstopped = 0;
	for (int i = 0; i < t->ncpus && i < FLEET_MAX_CPUS; i++) {
		struct fleet_cpu *c = &r->cpus[r->ncpus++];

		c->cpu = t->cpus[i].cpu;
		c->stopped = t->cpus[i].stopped;
		snprintf(c->where, sizeof(c->where), "%s", t->cpus[i].where);
		r->nstopped += c->stopped != 0;
	}
}

void fleet_result_doctor(struct fleet_result *r, const struct doctor_facts *df,
			 const struct doctor_report *dr, int reported)
{
	r->filled = 1;
	r->reported = reported;
	r->partial = -1;
	r->partial_why[0] = '\0';
	r->yes = dr ? dr->yes != 0 : -1;
	snprintf(r->doctor_verdict, sizeof(r->doctor_verdict), "%s", dr ? dr->verdict : "");
	snprintf(r->how, sizeof(r->how), "%s", df->entered && df->entry_how ? df->entry_how : "");
	r->ncpus = df->cpus_online;
	r->nstopped = df->cpus_answered;
}

const char *fleet_verdict(const struct fleet *f, const struct fleet_board *b)
{
	const struct fleet_result *r = b->res;

	if (b->state != FLEET_DONE)
		return "not run";
	if (!r || !r->filled)
		return "failed";
	if (!strcmp(f->command, "doctor"))
		return r->yes < 0 ? "failed" : r->yes ? "yes" : "no";
	if (!r->reported)
		return "failed";
	return r->partial > 0 ? "partial" : "triaged";
}

const char *const *fleet_report_exts(const struct fleet *f)
{
	static const char *const triage[] = { "md", "json", NULL };
	static const char *const doctor_text[] = { "txt", NULL };
	static const char *const doctor_json[] = { "json", NULL };

	if (!strcmp(f->command, "doctor"))
		return f->json_reports ? doctor_json : doctor_text;
	return triage;
}

int fleet_path(const struct fleet *f, const struct fleet_board *b, const char *ext,
	       char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "%s/%s.%s", f->dir, b->name, ext);

	return n >= len ? -1 : 0;
}
