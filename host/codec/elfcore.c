// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The notes-only ELF core (elfcore.h): an ELF64 little-endian ET_CORE
 * header for EM_AARCH64, one PT_NOTE program header, then the notes.
 */
#include <elf.h>
#include <string.h>

#include "elfcore.h"

struct sink {
	uint8_t *out;
	size_t cap, at;
};

static void put(struct sink *s, const void *p, size_t n)
{
	if (n && s->at < s->cap)
		memcpy(s->out + s->at, p, s->at + n <= s->cap ? n : s->cap - s->at);
	s->at += n;
}

static void put_le(struct sink *s, uint64_t v, size_t n)
{
	uint8_t b[8];

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(s, b, n);
}

static void pad4(struct sink *s)
{
	static const uint8_t zero[4];

	put(s, zero, (4 - s->at % 4) % 4);
}

static size_t note_size(size_t namesz, size_t descsz)
{
	return 12 + ((namesz + 3) & ~(size_t)3) + ((descsz + 3) & ~(size_t)3);
}

static void note(struct sink *s, const char *name, uint32_t type, const void *desc,
		 size_t descsz)
{
	size_t namesz = strlen(name) + 1;

	put_le(s, namesz, 4);
	put_le(s, descsz, 4);
	put_le(s, type, 4);
	put(s, name, namesz);
	pad4(s);
	put(s, desc, descsz);
	pad4(s);
}

static void prstatus(const struct elfcore_cpu *c, uint8_t d[ELFCORE_PRSTATUS_SIZE])
{
	struct sink s = { .out = d, .cap = ELFCORE_PRSTATUS_SIZE };

	memset(d, 0, ELFCORE_PRSTATUS_SIZE);
	if (!c->online)
		return;
	s.at = 32;		/* pr_info, pr_cursig, pr_sigpend, pr_sighold */
	put_le(&s, c->pid, 4);
	s.at = 112;		/* past pr_ppid..pr_sid and the four timevals */
	for (int i = 0; i < 31; i++)
		put_le(&s, c->regs.x[i], 8);
	put_le(&s, c->regs.sp, 8);
	put_le(&s, c->regs.pc, 8);
	put_le(&s, c->regs.pstate, 8);
}

size_t elfcore_write(const struct elfcore_cpu *cpus, size_t ncpu, const char *vmcoreinfo,
		     size_t len, uint8_t *out, size_t cap)
{
	struct sink s = { .out = out, .cap = cap };
	size_t notes = note_size(sizeof("VMCOREINFO"), len);
	uint8_t ident[EI_NIDENT] = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
				     ELFDATA2LSB, EV_CURRENT, ELFOSABI_NONE };
	uint8_t d[ELFCORE_PRSTATUS_SIZE];

	if (ncpu > 1u << 20 || len > 0xffffffffu - 8)
		return 0;
	notes += ncpu * note_size(sizeof("CORE"), ELFCORE_PRSTATUS_SIZE);
	/* Elf64_Ehdr */
	put(&s, ident, sizeof(ident));
	put_le(&s, ET_CORE, 2);
	put_le(&s, EM_AARCH64, 2);
	put_le(&s, EV_CURRENT, 4);
	put_le(&s, 0, 8);			/* e_entry */
	put_le(&s, sizeof(Elf64_Ehdr), 8);	/* e_phoff */
	put_le(&s, 0, 8);			/* e_shoff */
	put_le(&s, 0, 4);			/* e_flags */
	put_le(&s, sizeof(Elf64_Ehdr), 2);
	put_le(&s, sizeof(Elf64_Phdr), 2);
	put_le(&s, 1, 2);			/* e_phnum */
	put_le(&s, sizeof(Elf64_Shdr), 2);
	put_le(&s, 0, 2);			/* e_shnum */
	put_le(&s, SHN_UNDEF, 2);		/* e_shstrndx */
	/* Elf64_Phdr: the notes */
	put_le(&s, PT_NOTE, 4);
	put_le(&s, 0, 4);			/* p_flags */
	put_le(&s, sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr), 8);	/* p_offset */
	put_le(&s, 0, 8);			/* p_vaddr */
	put_le(&s, 0, 8);			/* p_paddr */
	put_le(&s, notes, 8);			/* p_filesz */
	put_le(&s, 0, 8);			/* p_memsz */
	put_le(&s, 4, 8);			/* p_align */
	for (size_t i = 0; i < ncpu; i++) {
		prstatus(&cpus[i], d);
		note(&s, "CORE", NT_PRSTATUS, d, sizeof(d));
	}
	note(&s, "VMCOREINFO", 0, vmcoreinfo, len);
	return s.at;
}
