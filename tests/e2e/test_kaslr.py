# SPDX-License-Identifier: GPL-3.0-or-later
"""KASLR on (QEMU's virt machine passes a seed): the kernel runs away
from its link address, and nmidbg's symbols must follow it.  `nmidbg gdb`
finds the offset in kdb and loads the vmlinux there; `nmidbg triage`
needs none (kdb names frames through kallsyms, libdw looks the names up)
and reports the offset."""
import json
import os
import re
import subprocess
import tempfile

from board import NMI_APPEND, free_port, kernel_dir, kernel_symbol
from e2e.common import BoardTest
from e2e.test_nmidbg import NMIDBG
from e2e.test_triage import LKDTM_BUGS, libdw_lines

LOCKUP_FRAME = re.compile(r"lkdtm_HARDLOCKUP \(\) at \S*drivers/misc/lkdtm/bugs\.c:(\d+)")


class Kaslr(BoardTest):
    def test_gdb_and_triage_follow_the_offset(self):
        b = self.boot(append=NMI_APPEND, smp=2, serial_tcp=free_port(), kaslr=True)
        self.assertNotIn("nokaslr", b.append)
        b.lock_all()
        b.send("$3#33")
        b.wait_kdb(5)
        # Where linux_banner runs, by kdb (kallsyms): KASLR really moved it.
        offset = b.kdb_address("linux_banner") - kernel_symbol("linux_banner")
        self.assertNotEqual(offset, 0, "the kernel runs at its link address: no KASLR")
        b.disconnect()

        vmlinux = os.path.join(kernel_dir(), "vmlinux")
        p = subprocess.run(
            [NMIDBG, "gdb", b.port_spec(), "--vmlinux", vmlinux, "--batch", "--",
             "-ex", "lx-version", "-ex", "p/x &jiffies_64", "-ex", "bt"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=180)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertIn("nmidbg: KASLR offset 0x%x: symbols loaded there" % offset, p.stderr)
        # lx-version reads linux_banner by its symbol: only right at the offset.
        self.assertIn("Linux version 6.12", p.stdout)
        m = re.search(r"^\$1 = (0x[0-9a-f]+)$", p.stdout, re.M)
        self.assertEqual(int(m.group(1), 16), kernel_symbol("jiffies_64") + offset, p.stdout)
        # The stopped CPU's registers resolve to the lockup, with file:line.
        gdb_line = LOCKUP_FRAME.search(p.stdout)
        self.assertTrue(gdb_line, p.stdout[-3000:])
        self.assertIn("the board is running", p.stderr)

        with tempfile.TemporaryDirectory() as d:
            md = os.path.join(d, "kaslr.md")
            p = subprocess.run([NMIDBG, "triage", b.port_spec(), "--vmlinux", vmlinux,
                                "-o", md], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr[-3000:])
            with open(os.path.join(d, "kaslr.json")) as f:
                j = json.load(f)
        self.assertEqual(j["vmlinux"]["kaslr_offset"], offset)
        self.assertTrue(j["vmlinux"]["running_kernel"])
        # kdb's backtrace, resolved on the host: the same line gdb gave.
        self.assertEqual(libdw_lines(j), {0: (LKDTM_BUGS, int(gdb_line.group(1))),
                                          1: (LKDTM_BUGS, int(gdb_line.group(1)))})
