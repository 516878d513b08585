// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * ELF64 little-endian: symbols and PT_LOAD segments, bounds-checked
 * (see elf.h).  Fields are read byte by byte: any host, any alignment.
 */
#include <string.h>

#include "elf.h"

#define SHT_SYMTAB	2
#define SHT_DYNSYM	11
#define PT_LOAD		1
#define SYM_SIZE	24

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* The n-byte field at off, or 0 when it lies outside the image. */
static uint64_t field(const uint8_t *img, size_t len, uint64_t off, int n)
{
	return off <= len && (uint64_t)n <= len - off ? le(img + off, n) : 0;
}

/* Whether [off, off + size) lies inside the image. */
static int inside(size_t len, uint64_t off, uint64_t size)
{
	return off <= len && size <= len - off;
}

int elf_is64le(const uint8_t *img, size_t len)
{
	return len >= 64 && !memcmp(img, "\177ELF", 4) && img[4] == 2 && img[5] == 1;
}

/* The name at off in the string table [str, str + size): equal to name? */
static int name_is(const uint8_t *img, uint64_t str, uint64_t size, uint64_t off,
		   const char *name)
{
	size_t n = strlen(name);

	return off < size && n + 1 <= size - off &&
	       !memcmp(img + str + off, name, n) && img[str + off + n] == '\0';
}

static int in_table(const uint8_t *img, size_t len, uint64_t sh, const char *name,
		    uint64_t *value)
{
	uint64_t shoff = field(img, len, 0x28, 8), shnum = field(img, len, 0x3c, 2);
	uint64_t off = field(img, len, sh + 0x18, 8), size = field(img, len, sh + 0x20, 8);
	uint64_t link = field(img, len, sh + 0x28, 4), strsh = shoff + link * 64;
	uint64_t str, strsize;

	if (link >= shnum || !inside(len, strsh, 64) || !inside(len, off, size))
		return -1;
	str = field(img, len, strsh + 0x18, 8);
	strsize = field(img, len, strsh + 0x20, 8);
	if (!inside(len, str, strsize))
		return -1;
	for (uint64_t s = off; s + SYM_SIZE <= off + size; s += SYM_SIZE) {
		if (name_is(img, str, strsize, le(img + s, 4), name)) {
			*value = le(img + s + 8, 8);
			return 0;
		}
	}
	return -1;
}

int elf_symbol(const uint8_t *img, size_t len, const char *name, uint64_t *value)
{
	static const unsigned types[] = { SHT_SYMTAB, SHT_DYNSYM };
	uint64_t shoff, shnum;

	if (!elf_is64le(img, len))
		return -1;
	shoff = field(img, len, 0x28, 8);
	shnum = field(img, len, 0x3c, 2);
	if (field(img, len, 0x3a, 2) != 64 || !inside(len, shoff, shnum * 64))
		return -1;
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		for (uint64_t i = 0; i < shnum; i++) {
			uint64_t sh = shoff + i * 64;

			if (field(img, len, sh + 4, 4) == types[t] &&
			    !in_table(img, len, sh, name, value))
				return 0;
		}
	return -1;
}

const uint8_t *elf_at(const uint8_t *img, size_t len, uint64_t addr, size_t *avail)
{
	uint64_t phoff, phnum;

	if (!elf_is64le(img, len))
		return NULL;
	phoff = field(img, len, 0x20, 8);
	phnum = field(img, len, 0x38, 2);
	if (field(img, len, 0x36, 2) != 56 || !inside(len, phoff, phnum * 56))
		return NULL;
	for (uint64_t i = 0; i < phnum; i++) {
		uint64_t ph = phoff + i * 56;
		uint64_t off = le(img + ph + 8, 8), vaddr = le(img + ph + 16, 8);
		uint64_t filesz = le(img + ph + 32, 8);

		if (le(img + ph, 4) != PT_LOAD || addr < vaddr || addr - vaddr >= filesz ||
		    !inside(len, off, filesz))
			continue;
		*avail = (size_t)(filesz - (addr - vaddr));
		return img + off + (addr - vaddr);
	}
	return NULL;
}
