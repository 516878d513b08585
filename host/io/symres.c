// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * kdb frames to file:line with libdwfl (elfutils), offline: each ELF is
 * reported on its own, the symbol found by name in its symbol table
 * (kallsyms' names are the ELF's; a same-named static is told apart by
 * the size kdb printed), and the line looked up at symbol + offset, one
 * byte earlier for a return address so it lands on the call.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symres.h"

#define SYMRES_MAX_MODULES 32

struct sym {
	const char *name;	/* in the ELF's string table, owned by dwfl */
	GElf_Addr addr;
	GElf_Xword size;
};

struct elfmod {
	char name[64];		/* "" for vmlinux */
	Dwfl *dwfl;
	Dwfl_Module *mod;
	struct sym *syms;	/* sorted by name */
	size_t nsyms;
};

struct symres {
	struct elfmod kernel;
	struct elfmod mods[SYMRES_MAX_MODULES];
	int nmods;
	char *moddir;
	char root[512];		/* the kernel tree's path in DW_AT_name, stripped */
};

static char *debuginfo_path;
static const Dwfl_Callbacks offline_callbacks = {
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static int elfmod_open(struct elfmod *m, const char *path, char *why, size_t whycap)
{
	Dwarf_Addr bias;
	int n;

	m->dwfl = dwfl_begin(&offline_callbacks);
	if (!m->dwfl)
		goto dwfl_error;
	dwfl_report_begin(m->dwfl);
	m->mod = dwfl_report_offline(m->dwfl, m->name[0] ? m->name : "vmlinux", path, -1);
	if (!m->mod || dwfl_report_end(m->dwfl, NULL, NULL))
		goto dwfl_error;
	if (!dwfl_module_getdwarf(m->mod, &bias)) {
		snprintf(why, whycap, "%s: no DWARF in it (built without CONFIG_DEBUG_INFO?)", path);
		return -1;
	}
	n = dwfl_module_getsymtab(m->mod);
	if (n <= 0) {
		snprintf(why, whycap, "%s: no symbol table", path);
		return -1;
	}
	m->syms = calloc((size_t)n, sizeof(*m->syms));
	if (!m->syms) {
		snprintf(why, whycap, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (int i = 1; i < n; i++) {
		GElf_Sym s;
		GElf_Addr addr;
		const char *name = dwfl_module_getsym_info(m->mod, i, &s, &addr, NULL, NULL, NULL);
		int type = GELF_ST_TYPE(s.st_info);

		if (!name || !name[0] || s.st_shndx == SHN_UNDEF ||
		    (type != STT_FUNC && type != STT_NOTYPE))
			continue;
		m->syms[m->nsyms++] = (struct sym){ name, addr, s.st_size };
	}
	qsort(m->syms, m->nsyms, sizeof(*m->syms), sym_cmp);
	return 0;
dwfl_error:
	snprintf(why, whycap, "%s: %s", path, dwfl_errmsg(-1));
	return -1;
}

static void elfmod_close(struct elfmod *m)
{
	free(m->syms);
	if (m->dwfl)
		dwfl_end(m->dwfl);
	memset(m, 0, sizeof(*m));
}

/* The symbol called name, of that size if several are (0: any). */
static const struct sym *elfmod_sym(const struct elfmod *m, const char *name,
				    unsigned long size)
{
	struct sym key = { .name = name };
	const struct sym *s = bsearch(&key, m->syms, m->nsyms, sizeof(*s), sym_cmp);
	const struct sym *first, *best;

	if (!s)
		return NULL;
	first = s;
	while (first > m->syms && !strcmp(first[-1].name, name))
		first--;
	best = first;
	for (s = first; s < m->syms + m->nsyms && !strcmp(s->name, name); s++)
		if (size && s->size == size) {
			best = s;
			break;
		}
	return best;
}

/* kbuild names modules with '_' where the file may have '-'. */
static int modname_eq(const char *file, const char *mod)
{
	for (; *file && *mod; file++, mod++)
		if (*file != *mod && !((*file == '-' || *file == '_') &&
				       (*mod == '-' || *mod == '_')))
			return 0;
	return !*mod && !strcmp(file, ".ko");
}

static int find_ko(const char *dir, const char *mod, char *out, size_t cap, int depth)
{
	DIR *d = depth < 6 ? opendir(dir) : NULL;
	struct dirent *e;
	int found = -1;

	if (!d)
		return -1;
	while (found && (e = readdir(d))) {
		char path[1024];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			found = find_ko(path, mod, out, cap, depth + 1);
		else if (modname_eq(e->d_name, mod)) {
			snprintf(out, cap, "%s", path);
			found = 0;
		}
	}
	closedir(d);
	return found;
}

static struct elfmod *module_for(struct symres *r, const char *name)
{
	char path[1024], why[256];
	struct elfmod *m;

	for (int i = 0; i < r->nmods; i++)
		if (!strcmp(r->mods[i].name, name))
			return r->mods[i].mod ? &r->mods[i] : NULL;
	if (r->nmods == SYMRES_MAX_MODULES)
		return NULL;
	m = &r->mods[r->nmods++];
	snprintf(m->name, sizeof(m->name), "%s", name);
	/* Not found or unreadable: remembered as such, asked once. */
	if (!r->moddir || find_ko(r->moddir, name, path, sizeof(path), 0) ||
	    elfmod_open(m, path, why, sizeof(why))) {
		elfmod_close(m);
		snprintf(m->name, sizeof(m->name), "%s", name);
		return NULL;
	}
	return m;
}

static const char *relative(const struct symres *r, const char *file)
{
	size_t n = strlen(r->root);

	return n && !strncmp(file, r->root, n) ? file + n : file;
}

/*
 * Inlined code at addr: the innermost inline's name and line (from the
 * line table) move to inlined/inl_*, and file:line become the call site
 * of the outermost inline, a line of func itself.
 */
static void inline_chain(const struct symres *r, Dwfl_Module *mod, Dwarf_Addr addr,
			 struct frame *f)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, &bias);
	Dwarf_Die *scopes = NULL, *outer = NULL;
	Dwarf_Files *files;
	Dwarf_Attribute a;
	Dwarf_Word idx, line;
	size_t nfiles;
	const char *name, *file;
	int n = cu ? dwarf_getscopes(cu, addr - bias, &scopes) : 0;

	if (n <= 0 || dwarf_tag(&scopes[0]) != DW_TAG_inlined_subroutine)
		goto out;
	for (int i = 0; i < n && dwarf_tag(&scopes[i]) == DW_TAG_inlined_subroutine; i++)
		outer = &scopes[i];
	name = dwarf_formstring(dwarf_attr_integrate(&scopes[0], DW_AT_name, &a));
	if (!name || dwarf_formudata(dwarf_attr(outer, DW_AT_call_file, &a), &idx) ||
	    dwarf_formudata(dwarf_attr(outer, DW_AT_call_line, &a), &line) ||
	    dwarf_getsrcfiles(cu, &files, &nfiles) || idx >= nfiles)
		goto out;
	file = dwarf_filesrc(files, idx, NULL, NULL);
	if (!file)
		goto out;
	snprintf(f->inlined, sizeof(f->inlined), "%s", name);
	snprintf(f->inl_file, sizeof(f->inl_file), "%s", f->file);
	f->inl_line = f->line;
	snprintf(f->file, sizeof(f->file), "%s", relative(r, file));
	f->line = (int)line;
out:
	free(scopes);
}

static int resolve(struct symres *r, const struct elfmod *m, struct frame *f)
{
	const struct sym *s = elfmod_sym(m, f->func, f->size);
	Dwarf_Addr addr;
	Dwfl_Line *l;
	const char *file;
	int line = 0;

	if (!s || (f->size && f->off >= f->size && s->size))
		return -1;
	addr = s->addr + f->off - (f->pc || !f->off ? 0 : 1);
	l = dwfl_module_getsrc(m->mod, addr);
	file = l ? dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL) : NULL;
	if (!file || line <= 0)
		return -1;
	snprintf(f->file, sizeof(f->file), "%s", relative(r, file));
	f->line = line;
	f->inlined[0] = '\0';
	inline_chain(r, m->mod, addr, f);
	return 0;
}

int symres_frame(struct symres *r, struct frame *f)
{
	const struct elfmod *m = f->module[0] ? module_for(r, f->module) : &r->kernel;

	f->line = 0;
	return m ? resolve(r, m, f) : -1;
}

int symres_frames(struct symres *r, struct frame *f, int n)
{
	int ok = 0;

	for (int i = 0; i < n; i++)
		ok += !symres_frame(r, &f[i]);
	return ok;
}

/* Where the tree was when built: start_kernel is in init/main.c. */
static void find_root(struct symres *r)
{
	struct frame f = { .func = "start_kernel", .pc = 1 };
	static const char tail[] = "init/main.c";
	size_t n;

	if (resolve(r, &r->kernel, &f))
		return;
	n = strlen(f.file);
	if (n > sizeof(tail) - 1 && !strcmp(f.file + n - (sizeof(tail) - 1), tail))
		snprintf(r->root, sizeof(r->root), "%.*s", (int)(n - (sizeof(tail) - 1)), f.file);
}

int symres_open(const char *vmlinux, const char *moddir, struct symres **out,
		char *why, size_t whycap)
{
	struct symres *r = calloc(1, sizeof(*r));

	if (!r) {
		snprintf(why, whycap, "%s", strerror(errno));
		return -1;
	}
	if (elfmod_open(&r->kernel, vmlinux, why, whycap))
		goto fail;
	if (moddir && !(r->moddir = strdup(moddir))) {
		snprintf(why, whycap, "%s", strerror(errno));
		goto fail;
	}
	find_root(r);
	*out = r;
	return 0;
fail:
	symres_close(r);
	return -1;
}

void symres_close(struct symres *r)
{
	if (!r)
		return;
	elfmod_close(&r->kernel);
	for (int i = 0; i < r->nmods; i++)
		elfmod_close(&r->mods[i]);
	free(r->moddir);
	free(r);
}
