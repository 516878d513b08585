# SPDX-License-Identifier: GPL-3.0-or-later
#
# nmidbg-kaslr VMLINUX: where a KASLR kernel runs, found on a halted target
# with no kdb to ask (nmidbg's JTAG route, --kaslr-offset auto); then
# VMLINUX's symbols loaded there.  gdb must be on the target with VMLINUX
# as its exec-file only (nmidbg starts it so).
#
# How: a halted CPU's PC is in the kernel's text, and the instructions
# around it, read from the target, are in the vmlinux's executable
# sections at PC minus the offset.  KASLR moves the kernel by whole pages,
# so only places with PC's offset in its page count.  Every small window
# around every CPU's PC votes for the offsets it is found at: the few
# instructions patched at boot (alternatives, static keys) cost a vote,
# not the answer.  The offset with the most votes must then show the
# vmlinux's linux_banner where it puts it, or none is taken.

import struct
from collections import Counter

import gdb

PAGE = 4096
WINDOW = 16             # bytes: four arm64 instructions
AROUND = 6              # windows before and after each PC
MAX_HITS = 256          # a window found more often says nothing
SHT_PROGBITS, SHT_SYMTAB = 1, 2
SHF_ALLOC, SHF_EXECINSTR = 0x2, 0x4


class Vmlinux:
    """The sections of a 64-bit little-endian ELF file, read as needed."""

    def __init__(self, path):
        self.f = open(path, "rb")
        ident = self.f.read(64)
        if len(ident) < 64 or ident[:4] != b"\x7fELF" or ident[4:6] != b"\x02\x01":
            raise LookupError("not a 64-bit little-endian ELF file")
        shoff, = struct.unpack_from("<Q", ident, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", ident, 0x3a)
        self.f.seek(shoff)
        table = self.f.read(shentsize * shnum)
        # (type, flags, addr, offset, size, link) of each section
        self.sections = [struct.unpack_from("<IIQQQQI", table, i * shentsize)[1:]
                         for i in range(len(table) // shentsize)]

    def read(self, offset, size):
        self.f.seek(offset)
        return self.f.read(size)

    def text(self):
        """(link address, bytes) of each executable section."""
        return [(addr, self.read(off, size))
                for typ, flags, addr, off, size, _ in self.sections
                if typ == SHT_PROGBITS and flags & SHF_ALLOC and flags & SHF_EXECINSTR]

    def at(self, addr, size):
        """The file's bytes at link address addr, or None."""
        for typ, flags, start, off, length, _ in self.sections:
            if typ == SHT_PROGBITS and flags & SHF_ALLOC and start <= addr < start + length:
                return self.read(off + addr - start, min(size, start + length - addr))
        return None

    def symbol(self, name):
        """The link address of a symbol of .symtab, or None."""
        want = b"\0" + name.encode() + b"\0"
        for typ, _, _, off, size, link in self.sections:
            if typ != SHT_SYMTAB or link >= len(self.sections):
                continue
            strtab = self.read(self.sections[link][3], self.sections[link][4])
            at = strtab.find(want)
            if at < 0:
                continue
            for st_name, _, _, _, value, _ in struct.iter_unpack("<IBBHQQ", self.read(off, size)):
                if st_name == at + 1 and value:
                    return value
        return None


def read(addr, size):
    try:
        return bytes(gdb.selected_inferior().read_memory(addr, size))
    except (gdb.MemoryError, gdb.error, OverflowError):
        return None


def pcs():
    """Each thread's (number, PC)."""
    out = []
    here = gdb.selected_thread()
    for t in sorted(gdb.selected_inferior().threads(), key=lambda t: t.num):
        try:
            t.switch()
            out.append((t.num, int(gdb.parse_and_eval("$pc")) & (2 ** 64 - 1)))
        except gdb.error:
            continue
    if here is not None:
        here.switch()
    return out


def votes(text, threads):
    """Offset -> (votes, the first thread that voted for it)."""
    count, first = Counter(), {}
    for num, pc in threads:
        base = (pc & ~3) - AROUND * WINDOW
        for w in range(2 * AROUND):
            at = base + w * WINDOW
            needle = read(at, WINDOW) if at >= 0 else None
            if not needle or needle == bytes(WINDOW):
                continue
            hits, seen = [], 0
            for start, data in text:
                i = data.find(needle)
                while i >= 0 and seen <= MAX_HITS:
                    seen += 1
                    if (at - (start + i)) % PAGE == 0:
                        hits.append(at - (start + i))
                    i = data.find(needle, i + 1)
            if seen > MAX_HITS:
                continue
            for off in set(hits):
                count[off] += 1
                first.setdefault(off, (num, pc))
    return count, first


def banner_agrees(vm, off):
    """Whether linux_banner reads on the target, at its address moved by
    off, as in the vmlinux."""
    addr = vm.symbol("linux_banner")
    want = vm.at(addr, 64) if addr else None
    return bool(want) and read(addr + off, len(want)) == want


class NmidbgKaslr(gdb.Command):
    """Find the KASLR offset from the halted CPUs' code, load VMLINUX's symbols there.

Usage: nmidbg-kaslr VMLINUX

For a target halted without kdb (JTAG, a gdb stub), with VMLINUX as gdb's
exec-file.  Prints "nmidbg-kaslr: KASLR offset 0x..." and sets
$nmidbg_kaslr_offset; when no offset is found, loads the symbols at their
link addresses and says so (an error)."""

    def __init__(self):
        super().__init__("nmidbg-kaslr", gdb.COMMAND_DATA, gdb.COMPLETE_FILENAME)

    def invoke(self, arg, from_tty):
        path = arg.strip()
        if not path:
            raise gdb.GdbError("usage: nmidbg-kaslr VMLINUX")
        try:
            off, num, pc = self.find(path)
        except (LookupError, OSError) as e:
            # The symbols are loaded whatever happens: as linked, then.
            self.load(path, 0)
            raise gdb.GdbError("nmidbg-kaslr: the KASLR offset was not found (%s): symbols "
                               "loaded at link addresses; give it as --kaslr-offset HEX" % e)
        self.load(path, off)
        gdb.set_convenience_variable("nmidbg_kaslr_offset", off)
        gdb.write("nmidbg-kaslr: KASLR offset %s0x%x (thread %d's code at 0x%x, "
                  "linux_banner agrees); symbols loaded there\n"
                  % ("-" if off < 0 else "", abs(off), num, pc))

    @staticmethod
    def find(path):
        """(offset, thread, its PC), or LookupError saying why not."""
        vm = Vmlinux(path)
        threads = pcs()
        if not threads:
            raise LookupError("no thread's PC")
        count, first = votes(vm.text(), threads)
        if not count:
            raise LookupError("the code at no thread's PC is in its text")
        for off, _ in count.most_common(3):
            if banner_agrees(vm, off):
                return (off,) + first[off]
        raise LookupError("linux_banner is not where the code puts it")

    @staticmethod
    def load(path, off):
        confirm = gdb.parameter("confirm")
        gdb.execute("set confirm off")
        try:
            gdb.execute("symbol-file %s%s" % ("-o %d " % off if off else "", path))
        finally:
            gdb.execute("set confirm %s" % ("on" if confirm else "off"))


NmidbgKaslr()
