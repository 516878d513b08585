// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * A string at a symbol of a vmlinux (see vmlinux.h), through libelf: the
 * ELF layout is elfutils' to get right, bounds included; the one read of
 * the bytes is ours.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmlinux.h"

static int find_symbol(Elf *e, const char *name, GElf_Addr *value)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || !sh.sh_entsize ||
		    (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *n;

			if (!gelf_getsym(d, (int)i, &sym))
				break;
			n = elf_strptr(e, sh.sh_link, sym.st_name);
			if (n && !strcmp(n, name)) {
				*value = sym.st_value;
				return 0;
			}
		}
	}
	return -1;
}

/* Where in the file addr's bytes are, and how many its segment has. */
static int file_offset(Elf *e, GElf_Addr addr, off_t *off, size_t *avail)
{
	size_t n;

	if (elf_getphdrnum(e, &n))
		return -1;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD ||
		    addr < ph.p_vaddr || addr - ph.p_vaddr >= ph.p_filesz)
			continue;
		*off = (off_t)(ph.p_offset + (addr - ph.p_vaddr));
		*avail = (size_t)(ph.p_filesz - (addr - ph.p_vaddr));
		return 0;
	}
	return -1;
}

enum vmlinux_result vmlinux_string(const char *path, const char *name,
				   uint64_t *addr, char *buf, size_t cap,
				   char *why, size_t whycap)
{
	enum vmlinux_result rc = VMLINUX_NOT_KERNEL;
	GElf_Addr value;
	Elf *e = NULL;
	size_t avail;
	ssize_t got;
	off_t off;
	int fd;

	buf[0] = '\0';
	if (elf_version(EV_CURRENT) == EV_NONE) {
		snprintf(why, whycap, "libelf: %s", elf_errmsg(-1));
		return VMLINUX_UNREADABLE;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whycap, "%s", strerror(errno));
		return VMLINUX_UNREADABLE;
	}
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		snprintf(why, whycap, "not an ELF file");
		goto out;
	}
	if (find_symbol(e, name, &value)) {
		snprintf(why, whycap, "no %s symbol (a stripped or non-kernel ELF)", name);
		goto out;
	}
	if (file_offset(e, value, &off, &avail)) {
		snprintf(why, whycap, "%s has no bytes in the file", name);
		goto out;
	}
	got = pread(fd, buf, avail < cap - 1 ? avail : cap - 1, off);
	if (got < 0) {
		snprintf(why, whycap, "%s", strerror(errno));
		rc = VMLINUX_UNREADABLE;
		goto out;
	}
	buf[got] = '\0';
	*addr = value;
	rc = VMLINUX_OK;
out:
	elf_end(e);
	close(fd);
	return rc;
}

enum vmlinux_result vmlinux_symbol(const char *path, const char *name, uint64_t *addr)
{
	enum vmlinux_result rc = VMLINUX_NOT_KERNEL;
	GElf_Addr value;
	Elf *e = NULL;
	int fd;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return VMLINUX_UNREADABLE;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return VMLINUX_UNREADABLE;
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (e && elf_kind(e) == ELF_K_ELF && !find_symbol(e, name, &value)) {
		*addr = value;
		rc = VMLINUX_OK;
	}
	elf_end(e);
	close(fd);
	return rc;
}
