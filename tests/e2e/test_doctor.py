# SPDX-License-Identifier: GPL-3.0-or-later
"""`nmidbg doctor` on the test board: the ttyNMI board is all green; the
same kernel without pseudo-NMI, the stock console, a changed or empty
knock and a transport without BREAK each get the verdict and the reason
they deserve; a vmlinux of another build, or no kernel at all, is
reported.  Four boots, several runs on each; after every run the board
runs and its shell answers.  A yes and a no are then proven: every CPU
locked, the knock gets in, or nothing does."""
import json
import os
import re
import subprocess
import tempfile

from board import BUILD, NMI_APPEND, STOCK_APPEND, UARTS, free_port, kernel_dir
from e2e.common import BoardTest
from e2e.test_nmidbg import NMIDBG

YES = "a hard-locked board with every CPU masked can be entered: yes"
NO = "a hard-locked board with every CPU masked can be entered: no, because "
CHECKS = ["pseudo_nmi", "ttynmi", "kgdboc", "kdb", "roundup", "transport", "vmlinux"]


class NmidbgDoctor(BoardTest):
    def board(self, append):
        b = self.boot(append=append, smp=2, serial_tcp=free_port())
        b.disconnect()
        return b

    def doctor(self, b, *args, spec=None, rc=0):
        """Run doctor; check its exit code and that the board still runs."""
        p = subprocess.run([NMIDBG, "doctor", spec or b.port_spec()] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=120)
        self.assertEqual(p.returncode, rc, p.stdout + p.stderr[-3000:])
        b.reconnect()
        b.probe_shell()
        b.disconnect()
        return p

    def lock_all_then_break(self, b, *args):
        """The verdict's proof: lock every CPU, then try to break in."""
        b.reconnect()
        b.lock_all()
        b.disconnect()
        return subprocess.run([NMIDBG, "break", b.port_spec()] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=60)

    def doctor_json(self, b, *args, **kw):
        p = self.doctor(b, "--json", *args, **kw)
        j = json.loads(p.stdout)
        self.assertEqual([c["id"] for c in j["checks"]], CHECKS)
        return j, {c["id"]: c for c in j["checks"]}

    def test_ttynmi_board_green_and_vmlinux_checked(self):
        b = self.board(NMI_APPEND)
        vmlinux = os.path.join(kernel_dir(), "vmlinux")
        j, checks = self.doctor_json(b, "--vmlinux", vmlinux)
        self.assertTrue(j["yes"])
        self.assertEqual(j["verdict"], YES)
        for c in j["checks"]:
            self.assertEqual(c["status"], "ok", c)
            self.assertTrue(c["evidence"], c["id"])
        self.assertRegex(checks["pseudo_nmi"]["evidence"][0],
                         r"Pseudo-NMIs enabled using (relaxed|forced) ICC_PMR_EL1 synchronisation")
        f = j["facts"]
        self.assertEqual((f["knock"], f["rx_budget"], f["rx_dropped"]), ("$3#33", 1024, 0))
        self.assertEqual((f["cpus_online"], f["cpus_answered"]), (2, 2))
        self.assertEqual((f["knock_test"]["result"], f["break_test"]["result"]), ("works", "works"))
        self.assertLess(f["knock_test"]["ms"], 2000)
        # KASLR is on: the offset is where kdb's kallsyms has the banner.
        self.assertNotEqual(f["kaslr_offset"], 0)
        b.reconnect()
        self.assertEqual(f["kaslr_offset"], b.kaslr_offset())
        b.disconnect()
        running = [e for e in checks["vmlinux"]["evidence"] if e.startswith("running: ")][0]
        banner = running[len("running: "):].encode()

        # The text form: every line green.
        p = self.doctor(b)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[-1], YES)
        self.assertEqual([l[:6] for l in lines if l.startswith("[")],
                         ["[ ok ]"] * 6 + ["[ -- ]"])

        # Another build of the same kernel: its banner differs.
        with tempfile.TemporaryDirectory() as d:
            other = os.path.join(d, "vmlinux")
            with open(vmlinux, "rb") as f:
                data = f.read()
            self.assertIn(banner, data)
            with open(other, "wb") as f:
                f.write(data.replace(banner, banner.replace(b" SMP ", b" SMQ ")))
            del data
            j, checks = self.doctor_json(b, "--vmlinux", other)
        self.assertTrue(j["yes"])   # symbols do not decide whether it can be entered
        self.assertEqual(checks["vmlinux"]["status"], "fail")
        self.assertIn("is not the running kernel", checks["vmlinux"]["summary"])
        self.assertIsNone(j["facts"]["kaslr_offset"])
        # An ELF that is no kernel (the board's own PID 1).
        j, checks = self.doctor_json(b, "--vmlinux", os.path.join(BUILD, "board", "init"))
        self.assertIn("no linux_banner symbol", checks["vmlinux"]["summary"])
        # Yes means yes: with every CPU locked, the knock gets in.
        p = self.lock_all_then_break(b, "--method", "knock")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_no_pseudo_nmi_and_a_changed_knock(self):
        b = self.board("console=ttyNMI0 kgdboc=ttyAMA0,115200 nmi_tty.knock=XY#Z")
        j, checks = self.doctor_json(b, rc=1)
        self.assertFalse(j["yes"])
        self.assertTrue(j["verdict"].startswith(
            NO + "pseudo-NMI: off: the kernel command line lacks irqchip.gicv3_pseudo_nmi=1"),
            j["verdict"])
        self.assertIn("ordinary interrupt", checks["ttynmi"]["summary"])
        self.assertIn("no pseudo-NMI for irq", "\n".join(checks["ttynmi"]["evidence"]))
        # The changed knock: reported, and tested as the kernel has it.
        self.assertEqual(j["facts"]["knock"], "XY#Z")
        self.assertIn("give --knock 'XY#Z'", "\n".join(checks["ttynmi"]["evidence"]))
        self.assertEqual(j["facts"]["knock_test"]["sent"], "XY#Z")
        self.assertEqual(j["facts"]["knock_test"]["result"], "works")
        # No means no: with every CPU locked, neither way gets in.
        p = self.lock_all_then_break(b, "--knock", "XY#Z", "--timeout", "2")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)

    def test_stock_console(self):
        b = self.board(STOCK_APPEND)
        p = self.doctor(b, rc=1)
        self.assertIn(NO + "ttyNMI: not in use: the console is " + UARTS[b.uart][1], p.stdout)
        self.assertRegex(p.stdout, r"BREAK\+g works, kdb in \d+ ms")  # idle-board break-in
        self.assertIn("fix: boot the ttyNMI kernel with console=ttyNMI0", p.stdout)

    def test_empty_knock_then_a_transport_without_break(self):
        b = self.board(NMI_APPEND + " nmi_tty.knock=")
        j, checks = self.doctor_json(b)
        self.assertTrue(j["yes"])       # BREAK+g enters from NMI
        self.assertEqual(j["facts"]["knock"], "")
        self.assertEqual(checks["ttynmi"]["status"], "warn")
        self.assertIn("the knock is off", checks["ttynmi"]["fix"])
        self.assertIn("knock off on the board", checks["transport"]["summary"])
        # The same line as raw TCP: no BREAK, and no knock.
        raw = re.sub(r"^telnet:", "tcp:", b.port_spec())
        j, checks = self.doctor_json(b, "--timeout", "2", spec=raw, rc=1)
        self.assertFalse(j["facts"]["entered"])
        self.assertIn(NO + "this transport: " + raw, j["verdict"])
        self.assertIn("this transport has no BREAK", j["verdict"])
