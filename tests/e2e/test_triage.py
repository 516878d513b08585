# SPDX-License-Identifier: GPL-3.0-or-later
"""`nmidbg triage` on a hung board: one command, a report in Markdown and
JSON, the board resumed (or left in kdb)."""
import glob
import json
import os
import re
import subprocess
import tempfile

from board import NMI_APPEND, free_port, kernel_dir
from e2e.common import BoardTest
from e2e.test_gdbscripts import triage as gdbscripts_triage
from e2e.test_nmidbg import NMIDBG


def locked_cpus_with_lines(report):
    """CPUs whose gdb frames show lkdtm_HARDLOCKUP with file:line."""
    return {c["cpu"] for c in report["cpus"]
            if any(f["function"] == "lkdtm_HARDLOCKUP" and f["line"] and
                   (f["file"] or "").endswith("drivers/misc/lkdtm/bugs.c")
                   for f in c["frames"])}


LKDTM_BUGS = "drivers/misc/lkdtm/bugs.c"


def dedup(names):
    """kdb's frame names, a line repeated right after itself once."""
    return [n for i, n in enumerate(names) if i == 0 or names[i - 1] != n]


def libdw_lines(report):
    """Per CPU: (file, line) of its lkdtm_HARDLOCKUP frame, from the
    report's own frames (libdw)."""
    out = {}
    for c in report["cpus"]:
        for f in c["frames"]:
            if f["function"] == "lkdtm_HARDLOCKUP" and f["line"]:
                out[c["cpu"]] = (f["file"], f["line"])
                break
    return out


class NmidbgTriage(BoardTest):
    def setUp(self):
        super().setUp()
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()
        super().tearDown()

    def triage(self, b, *args, timeout=400):
        return subprocess.run([NMIDBG, "triage", b.port_spec()] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=timeout, cwd=self.dir.name)

    def locked_board(self, **kw):
        b = self.boot(append=NMI_APPEND, smp=2, serial_tcp=free_port(), **kw)
        dpid = int(re.search(r"pid (\d+) in D state", b.sh("dstate")).group(1))
        b.lock_all()
        b.disconnect()
        return b, dpid

    def report(self, md):
        with open(md[:-3] + ".json") as f:
            j = json.load(f)
        with open(md) as f:
            return j, f.read()

    def assert_kdb_part(self, j, dpid):
        """Through kdb: every CPU where the lockup holds it, the D task,
        the log."""
        self.assertEqual({c["cpu"]: c["where"] for c in j["cpus"]},
                         {0: "lkdtm_HARDLOCKUP", 1: "lkdtm_HARDLOCKUP"})
        self.assertFalse(j["partial"])
        self.assertTrue(all(c["stopped"] for c in j["cpus"]))
        self.assertIn(dpid, [t["pid"] for t in j["blocked"]])
        self.assertTrue(any("lkdtm: Performing direct entry HARDLOCKUP" in l
                            for l in j["dmesg"]), j["dmesg"][-10:])

    def test_every_cpu_locked_with_vmlinux(self):
        """--vmlinux: kdb's frames get file:line on the host (libdw), the
        board resumed before; no gdb."""
        b, dpid = self.locked_board()
        md = os.path.join(self.dir.name, "hung.md")
        p = self.triage(b, "--vmlinux", os.path.join(kernel_dir(), "vmlinux"),
                        "-o", md, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertIn("the board is running", p.stderr)
        j, text = self.report(md)
        self.assert_kdb_part(j, dpid)
        lines = libdw_lines(j)
        self.assertEqual({cpu: fl[0] for cpu, fl in lines.items()},
                         {0: LKDTM_BUGS, 1: LKDTM_BUGS})
        self.assertEqual(lines[0][1], lines[1][1])
        # Each frame is the one kdb printed, in kdb's order.
        for c in j["cpus"]:
            kdb = [re.match(r"\s*([^+\s]+)\+", l).group(1) for l in c["trace"]
                   if re.match(r"\s+\S+\+0x", l)]
            self.assertEqual([f["function"] for f in c["frames"]], dedup(kdb))
        # The D task's stack has lines too: it sleeps in the scheduler.
        task = [t for t in j["blocked"] if t["pid"] == dpid][0]
        self.assertTrue(any(f["function"] == "__schedule" and f["line"]
                            for f in task["frames"]), task["frames"])
        self.assertGreater(j["vmlinux"]["lines"], 10)
        self.assertIsNone(j["gdb"])
        self.assertIsNone(j["lx_ps"])
        self.assertRegex(text, r"\| 0 \| \d+ \| \S+ \| lkdtm_HARDLOCKUP \| "
                         r"drivers/misc/lkdtm/bugs\.c:\d+ \|")
        self.assertRegex(text, r"\| 1 \| \d+ \| \S+ \| lkdtm_HARDLOCKUP \| "
                         r"drivers/misc/lkdtm/bugs\.c:\d+ \|")
        self.assertRegex(text, r"(?m)^lkdtm_HARDLOCKUP\+0x[0-9a-f]+/0x[0-9a-f]+ +"
                         r"drivers/misc/lkdtm/bugs\.c:\d+")
        self.assertIn("`--gdb` runs them", text)
        self.assertNotIn('{"', text)

    def test_gdb_views_agree_with_libdw(self):
        """--gdb: gdb's views too (lx-ps, lx-dmesg, every thread), and
        gdb's file:line for the locked frames is libdw's; QEMU's gdbstub
        (the JTAG stand-in) sees the same CPUs."""
        b, dpid = self.locked_board(gdbstub=True)
        md = os.path.join(self.dir.name, "hung.md")
        p = self.triage(b, "--vmlinux", os.path.join(kernel_dir(), "vmlinux"),
                        "--gdb", "-o", md)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertIn("the board is running", p.stderr)
        j, text = self.report(md)
        self.assert_kdb_part(j, dpid)
        self.assertEqual(locked_cpus_with_lines(j["gdb"]), {0, 1})
        gdb_lines = {c["cpu"]: [(f["file"], f["line"]) for f in c["frames"]
                                if f["function"] == "lkdtm_HARDLOCKUP"][0]
                     for c in j["gdb"]["cpus"]}
        lines = libdw_lines(j)
        self.assertEqual(sorted(lines), [0, 1])
        for cpu, (f, l) in gdb_lines.items():
            self.assertTrue(f.endswith("/" + lines[cpu][0]), (f, lines[cpu]))
            self.assertEqual(l, lines[cpu][1])
        self.assertTrue(any(re.search(r"\b1\s+init$", l) for l in j["lx_ps"]))
        self.assertTrue(any("HARDLOCKUP" in l for l in j["lx_dmesg"]))
        # gdb's part reads as frames with file:line, not as raw JSON.
        gdb_part = text[text.index("## gdb with the vmlinux"):]
        self.assertEqual(len(re.findall(r"(?m)^  #\d+\s+0x[0-9a-f]+ lkdtm_HARDLOCKUP "
                                        r"at \S*drivers/misc/lkdtm/bugs\.c:\d+$",
                                        gdb_part)), 2, gdb_part[:3000])
        self.assertNotIn('{"', gdb_part.split("### lx-ps")[0])
        jtag = gdbscripts_triage(":%d" % b.gdb_port)
        self.assertEqual(locked_cpus_with_lines(jtag), locked_cpus_with_lines(j["gdb"]))

    def test_frame_in_a_module(self):
        """A task in D state in the test module's code: its frame names
        the module, and resolves from the .ko beside the vmlinux (the
        default --modules) to the module's source line; with --modules
        pointing elsewhere it stays unresolved, the rest of the report as
        before."""
        b = self.boot(append=NMI_APPEND, smp=2, serial_tcp=free_port())
        self.assertIn("loaded /nmidbg_test.ko", b.sh("insmod /nmidbg_test.ko"))
        b.lock_all()
        b.disconnect()
        src = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__)))), "tests", "board", "module", "nmidbg_test.c")
        with open(src) as f:
            want = [i for i, l in enumerate(f, 1) if "nmidbg-test: the D-state frame" in l][0]
        vmlinux = os.path.join(kernel_dir(), "vmlinux")
        frames = {}
        for name, extra in (("default", []), ("elsewhere", ["--modules", self.dir.name])):
            md = os.path.join(self.dir.name, name + ".md")
            p = self.triage(b, "--vmlinux", vmlinux, "-o", md, *extra, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr[-3000:])
            j, text = self.report(md)
            task = [t for t in j["blocked"] if t["comm"] == "nmidbg_test"]
            self.assertEqual(len(task), 1, [t["comm"] for t in j["blocked"]])
            frames[name] = [f for f in task[0]["frames"]
                            if f["function"] == "nmidbg_test_sleeper"]
            self.assertEqual(len(frames[name]), 1, task[0]["frames"])
            self.assertEqual(frames[name][0]["module"], "nmidbg_test")
            # The kernel's own frames resolve either way.
            self.assertTrue(any(f["function"] == "__schedule" and f["line"]
                                for f in task[0]["frames"]), task[0]["frames"])
        f = frames["default"][0]
        self.assertTrue(f["file"].endswith("nmidbg_test.c"), f)
        self.assertEqual(f["line"], want)
        self.assertIsNone(frames["elsewhere"][0]["line"])

    def test_kdb_only_report_and_stay(self):
        b = self.boot(append=NMI_APPEND, smp=2, serial_tcp=free_port())
        b.sh("lock 1")
        b.disconnect()
        p = self.triage(b, "--stay", timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertIn("the board is in kdb", p.stderr)
        # Timestamped names by default, printed on stdout.
        files = sorted(glob.glob(os.path.join(self.dir.name, "nmidbg-triage-*")))
        self.assertEqual([os.path.basename(f) for f in p.stdout.split()],
                         [os.path.basename(f) for f in files][::-1])
        j = json.load(open([f for f in files if f.endswith(".json")][0]))
        where = {c["cpu"]: c["where"] for c in j["cpus"]}
        self.assertEqual(where[1], "lkdtm_HARDLOCKUP")
        self.assertIsNone(j["gdb"])
        self.assertEqual(j["after"], "in kdb")
        b.reconnect()
        b.send("\r")
        b.wait_kdb(5)
        b.kdb_go()

    def test_cpu_that_did_not_stop_is_in_the_report(self):
        """Without pseudo-NMI the roundup is an ordinary IPI, which a CPU
        spinning masked never takes: the report still lists that CPU, says
        it is partial and why, and the exit code tells CI (7)."""
        b = self.boot(append=NMI_APPEND.replace(" irqchip.gicv3_pseudo_nmi=1", ""),
                      smp=2, serial_tcp=free_port())
        b.sh("affine %d 0" % b.uart_irq())
        b.sh("lock 1")
        b.disconnect()
        md = os.path.join(self.dir.name, "partial.md")
        p = self.triage(b, "-o", md, timeout=120)
        self.assertEqual(p.returncode, 7, p.stderr[-3000:])
        self.assertIn("nmidbg: partial report: CPU 1 did not stop", p.stderr)
        with open(md[:-3] + ".json") as f:
            j = json.load(f)
        self.assertTrue(j["partial"])
        self.assertEqual(j["partial_why"], "CPU 1 did not stop")
        cpus = {c["cpu"]: c for c in j["cpus"]}
        self.assertEqual(sorted(cpus), [0, 1])
        self.assertTrue(cpus[0]["stopped"])
        self.assertFalse(cpus[1]["stopped"])
        # What kdb still knows: the task that runs there, LKDTM's.
        self.assertIsInstance(cpus[1]["pid"], int)
        self.assertEqual(cpus[1]["trace"], [])
        with open(md) as f:
            text = f.read()
        self.assertIn("**Partial report: CPU 1 did not stop.**", text)
        self.assertRegex(text, r"\| 1 \| %d \| \S+ \| \(did not stop: " % cpus[1]["pid"])

    def test_wrong_vmlinux_is_refused(self):
        """Another build's vmlinux (the lockdep kernel's: same source, a
        different linux_banner) would give wrong file:line without a word:
        triage keeps the kdb evidence, runs no gdb, names both versions and
        exits 8; `nmidbg gdb` does not start gdb.  The board runs on."""
        b = self.boot(append=NMI_APPEND, smp=2, serial_tcp=free_port())
        b.disconnect()
        wrong = os.path.join(kernel_dir("lockdep"), "vmlinux")
        md = os.path.join(self.dir.name, "wrong.md")
        p = self.triage(b, "--vmlinux", wrong, "-o", md, timeout=120)
        self.assertEqual(p.returncode, 8, p.stderr[-3000:])
        m = re.search(r"is not the running kernel\n  board:   (Linux version .*)\n"
                      r"  vmlinux: (Linux version .*)\n", p.stderr)
        self.assertIsNotNone(m, p.stderr)
        self.assertNotEqual(m.group(1), m.group(2))
        with open(md[:-3] + ".json") as f:
            j = json.load(f)
        self.assertIs(j["vmlinux"]["running_kernel"], False)
        self.assertIsNone(j["gdb"])
        self.assertEqual(sorted(c["cpu"] for c in j["cpus"]), [0, 1])
        with open(md) as f:
            self.assertIn("Not used: %s is not the running kernel" % wrong, f.read())
        p = subprocess.run([NMIDBG, "gdb", b.port_spec(), "--vmlinux", wrong],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=120)
        self.assertEqual(p.returncode, 8, p.stderr[-3000:])
        self.assertIn("gdb not started; the board is running", p.stderr)
        b.reconnect()
        b.probe_shell()
