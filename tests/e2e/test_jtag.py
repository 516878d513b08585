# SPDX-License-Identifier: GPL-3.0-or-later
"""`nmidbg triage --jtag` on a hung board, through a JTAG-style gdb
endpoint: QEMU's gdbstub shows every vCPU as a thread, as OpenOCD's SMP
aarch64 target with `-rtos hwthread` does, and halts them all on connect.
Every CPU hard-locked: the JTAG route must find the same CPUs in
lkdtm_HARDLOCKUP with file:line as the kgdb route, plus lx-ps and
lx-dmesg; and a board whose serial line gives no way in (no kgdboc) is
reported through JTAG in one command, with the serial steps that failed.
With KASLR on, the same report with --kaslr-offset, given or found on the
halted CPUs (auto), against the offset kdb shows."""
import json
import os
import re
import subprocess
import tempfile

from board import NMI_APPEND, free_port, kernel_dir
from e2e.common import BoardTest
from e2e.test_nmidbg import NMIDBG
from e2e.test_triage import libdw_lines, locked_cpus_with_lines

VMLINUX = os.path.join(kernel_dir(), "vmlinux")
# No kgdboc: the kernel has kgdb, but nothing on the serial line reaches it.
NO_KGDB_APPEND = "console=ttyAMA0 irqchip.gicv3_pseudo_nmi=1"


class NmidbgTriageJtag(BoardTest):
    def setUp(self):
        super().setUp()
        self.dir = tempfile.TemporaryDirectory(prefix="nmidbg-jtag-")
        self.addCleanup(self.dir.cleanup)

    def nmidbg(self, *args, timeout=300):
        return subprocess.run([NMIDBG] + list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True,
                              timeout=timeout, cwd=self.dir.name)

    def report(self, md):
        with open(md[:-3] + ".json") as f:
            j = json.load(f)
        with open(md) as f:
            return j, f.read()

    def check_jtag_report(self, j, text, smp):
        self.assertEqual(j["via"], "jtag")
        self.assertEqual(j["entry"]["how"], "jtag")
        # The CPU table, from gdb's frames: every CPU where the lockup is.
        self.assertEqual({c["cpu"]: c["where"] for c in j["cpus"]},
                         {cpu: "lkdtm_HARDLOCKUP" for cpu in range(smp)})
        self.assertTrue(all(c["stopped"] and c["trace"] for c in j["cpus"]))
        self.assertEqual(locked_cpus_with_lines(j["gdb"]), set(range(smp)))
        self.assertTrue(any(re.search(r"\b1\s+init$", l) for l in j["lx_ps"]))
        self.assertTrue(any("HARDLOCKUP" in l for l in j["lx_dmesg"]))
        for cpu in range(smp):
            self.assertRegex(text, r"\| %d \| \d+ \| \S+ \| lkdtm_HARDLOCKUP \|" % cpu)
        self.assertIn("- via: jtag (serial: ", text)
        self.assertIs(j["vmlinux"]["running_kernel"], True)
        self.assertEqual(j["vmlinux"]["lines_route"], "gdb")
        self.assertGreaterEqual(j["vmlinux"]["lines"], smp)
        self.assertIn("through JTAG", text)

    def test_jtag_route_matches_the_kgdb_route(self):
        b = self.boot(append=NMI_APPEND, smp=2, serial_tcp=free_port(),
                      gdbstub=True)
        b.lock_all()
        b.disconnect()
        md = os.path.join(self.dir.name, "jtag.md")
        p = self.nmidbg("triage", "--jtag", "--jtag-gdb", "127.0.0.1:%d" % b.gdb_port,
                        "--vmlinux", VMLINUX, "-o", md)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertIn("serial: no serial port given; through JTAG", p.stderr)
        j, text = self.report(md)
        self.assertEqual(j["serial_failed"], "no serial port given")
        self.assertEqual(j["after"], "running")
        self.check_jtag_report(j, text, 2)
        # The board runs on (the stub resumed it): the serial route on the
        # same hung board (kdb, file:line from the vmlinux DWARF) sees the
        # same CPUs, at the same file:line.
        kmd = os.path.join(self.dir.name, "kgdb.md")
        p = self.nmidbg("triage", b.port_spec(), "--vmlinux", VMLINUX, "-o", kmd)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        k, _ = self.report(kmd)
        self.assertEqual(k["via"], "serial")
        self.assertIsNone(k["serial_failed"])
        self.assertEqual({c["cpu"]: c["where"] for c in k["cpus"]},
                         {c["cpu"]: c["where"] for c in j["cpus"]})
        serial_lines = libdw_lines(k)
        self.assertEqual(set(serial_lines), locked_cpus_with_lines(j["gdb"]))
        for c in j["gdb"]["cpus"]:
            f, line = [(f["file"], f["line"]) for f in c["frames"]
                       if f["function"] == "lkdtm_HARDLOCKUP"][0]
            self.assertTrue(f.endswith("/" + serial_lines[c["cpu"]][0]), (f, serial_lines))
            self.assertEqual(line, serial_lines[c["cpu"]][1])

    def test_kaslr_offset_given_and_found(self):
        """A board at a random offset: as linked, gdb's symbols miss the
        running kernel; --kaslr-offset HEX (kdb's own figure) and
        --kaslr-offset auto (from the halted CPUs' code) give the same
        report as on a board without KASLR, and the offset in it."""
        b = self.boot(append=NMI_APPEND, smp=2, serial_tcp=free_port(),
                      gdbstub=True, kaslr=True)
        offset = b.kaslr_offset()
        self.assertNotEqual(offset, 0)
        self.assertEqual(offset % 4096, 0)
        b.lock_all()
        b.disconnect()
        jtag = ["triage", "--jtag", "--jtag-gdb", "127.0.0.1:%d" % b.gdb_port,
                "--vmlinux", VMLINUX]
        # As linked: the symbols are not where the kernel runs.
        md = os.path.join(self.dir.name, "linked.md")
        p = self.nmidbg(*jtag, "-o", md)
        self.assertNotEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertIn("Cannot access memory at address", p.stderr)
        self.assertFalse(os.path.exists(md))
        for given, said in (("0x%x" % offset, "(--kaslr-offset)"),
                            ("auto", "(found on the halted CPUs)")):
            md = os.path.join(self.dir.name, "kaslr-%s.md" % given)
            p = self.nmidbg(*jtag, "--kaslr-offset", given, "-o", md)
            self.assertEqual(p.returncode, 0, (given, p.stderr[-3000:]))
            self.assertIn("nmidbg: KASLR offset 0x%x %s: symbols loaded there"
                          % (offset, said), p.stderr)
            j, text = self.report(md)
            self.assertEqual(j["vmlinux"]["kaslr_offset"], offset, given)
            self.check_jtag_report(j, text, 2)
        # gdb --jtag: the kernel's helpers (loaded with the symbols kaslr.py
        # put in place) read the running kernel.
        p = self.nmidbg("gdb", "--jtag", "--jtag-gdb", "127.0.0.1:%d" % b.gdb_port,
                        "--vmlinux", VMLINUX, "--kaslr-offset", "auto", "--batch",
                        "--", "-ex", "lx-version")
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertIn("nmidbg-kaslr: KASLR offset 0x%x (thread " % offset, p.stdout)
        self.assertIn(j["vmlinux"]["board"], p.stdout)

    def test_chain_serial_fails_then_jtag(self):
        """No kgdboc: the knock and BREAK+g go unanswered; the same command
        goes on through JTAG and writes the report."""
        b = self.boot(append=NO_KGDB_APPEND, smp=2, serial_tcp=free_port(),
                      gdbstub=True)
        b.lock_all()
        b.disconnect()
        md = os.path.join(self.dir.name, "chain.md")
        p = self.nmidbg("triage", b.port_spec(), "--timeout", "2", "--jtag",
                        "--jtag-gdb", "127.0.0.1:%d" % b.gdb_port,
                        "--vmlinux", VMLINUX, "-o", md)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertIn("break-in (knock, then BREAK+g)", p.stderr)
        j, text = self.report(md)
        self.assertEqual(j["port"], b.port_spec())
        self.assertEqual(j["serial_failed"],
                         "knock: no answer in 2 s; BREAK+g: no answer in 2 s")
        self.check_jtag_report(j, text, 2)
