# SPDX-License-Identifier: GPL-3.0-or-later
"""nmidbg doctor against the fake board (seconds, no QEMU): the boot log
lines, memory reads and btc of each kind of board, as the test board's
kernel prints them, judged into the checklist, the verdict and the exit
code; a vmlinux that matches, one that does not, one that is no kernel."""
import json
import os
import struct
import subprocess
import tempfile
import unittest

from host.fake_board import FakeBoard

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("NMIDBG_BUILD", os.path.join(ROOT, "build"))
NMIDBG = os.path.join(BUILD, "asan", "nmidbg")

NMI_CMDLINE = b"console=ttyNMI0 kgdboc=ttyAMA0,115200 irqchip.gicv3_pseudo_nmi=1"
BANNER = (b"Linux version 6.12.117+ (root@vm) (aarch64-linux-gnu-gcc (Debian 12.2.0-14) "
          b"12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #8 SMP Tue Dec  1 02:30:26 UTC 2026")
BANNER_ADDR = 0xffff8000802eb900


def log(cmdline=NMI_CMDLINE, pnmi=True, tty="nmi", knock=b"$3#33"):
    """The boot log lines doctor looks for, as kdb's dmesg prints them."""
    lines = [b"<5>[    0.000000] " + BANNER,
             b"<6>[    0.000000] CPU features: detected: GIC system register CPU interface"]
    if pnmi:
        lines.append(b"<6>[    0.000000] CPU features: detected: IRQ priority masking")
    lines += [b"<5>[    0.000000] Kernel command line: " + cmdline + b" nokaslr rdinit=/init",
              b"<6>[    0.000000] GICv3: 224 SPIs implemented",
              b"<6>[    0.000000] GICv3: GICD_CTRL.DS=1, SCR_EL3.FIQ=0"]
    if pnmi:
        lines.append(b"<6>[    0.000000] GICv3: Pseudo-NMIs enabled using relaxed "
                     b"ICC_PMR_EL1 synchronisation")
    lines.append(b"<6>[    0.568918] 9000000.pl011: ttyAMA0 at MMIO 0x9000000 "
                 b"(irq = 13, base_baud = 0) is a PL011 rev1")
    if tty:
        lines.append(b"<6>[    0.701905] printk: legacy console [ttyNMI0] enabled")
    if tty == "nmi":
        lines.append(b'<6>[    0.749000] ttyNMI: receive on irq 13 is a pseudo-NMI: knock "'
                     + knock + b'" and BREAK+g enter the debugger')
    elif tty == "irq":
        lines.append(b"<4>[    0.639950] ttyNMI: no pseudo-NMI for irq 13 (boot with "
                     b"irqchip.gicv3_pseudo_nmi=1): ordinary interrupt, the debugger is out "
                     b"of reach while its CPU masks interrupts")
    lines.append(b"<6>[    0.750108] KGDB: Registered I/O driver kgdboc")
    return lines


def memory(knock=b"$3#33", dropped=0, entry=True):
    hexknock = (knock + b"\0" * (17 - len(knock))).hex().encode()
    raw = (BANNER + b"\n\0").hex().encode()
    return {"mdr knock 17": hexknock + b"\n",
            "md1c1 nmi_tty_entry": b"0xffff8000804cbbf8 %02x" % entry + b" " * 46 + b".\n",
            "md4c1 rx_budget": b"0xffff8000804cbbe0 00000400                              ....\n",
            "md8c1 rx_dropped": b"0xffff80008052d1e0 %016x                    ........\n" % dropped,
            "mdr linux_banner 319": raw + b"\n",
            "md1c1 linux_banner": b"0x%x 4c                                                L\n"
                                  % BANNER_ADDR}


def btc(cpus=2, status=b"0-1"):
    out = b"btc: cpu status: Currently on cpu 0\nAvailable cpus: " + status + b"\n"
    for c in range(cpus):
        out += (b"Stack traceback for pid %d\n0xffff0000008a8000  %d  0  1  %d  R  0x0  init\n"
                b"CPU: %d UID: 0 PID: %d Comm: init Not tainted 6.12.117+ #8\nCall trace:\n"
                b" dump_backtrace+0xa0/0xdc\n cpu_do_idle+0x8/0xc\n" % (c + 1, c + 1, c, c, c + 1))
    return out


def elf(banner, addr=BANNER_ADDR, symbol=b"linux_banner"):
    """A minimal ELF64 LE file: one PT_LOAD segment holding banner at addr,
    and a .symtab (with its .strtab) naming it."""
    data = banner + b"\n\0"
    strtab = b"\0" + symbol + b"\0"
    symtab = b"\0" * 24 + struct.pack("<IBBHQQ", 1, 0x11, 0, 1, addr, len(data))
    off_data = 64 + 56
    off_str = off_data + len(data)
    off_sym = off_str + len(strtab)
    off_sh = off_sym + len(symtab)
    ehdr = (b"\x7fELF\x02\x01\x01" + b"\0" * 9 +
            struct.pack("<HHIQQQIHHHHHH", 2, 183, 1, addr, 64, off_sh, 0, 64, 56, 1, 64, 3, 0))
    phdr = struct.pack("<IIQQQQQQ", 1, 5, off_data, addr, addr, len(data), len(data), 0x1000)
    sh = (b"\0" * 64 +
          struct.pack("<IIQQQQIIQQ", 0, 2, 0, 0, off_sym, len(symtab), 2, 1, 8, 24) +
          struct.pack("<IIQQQQIIQQ", 0, 3, 0, 0, off_str, len(strtab), 0, 0, 1, 0))
    return ehdr + phdr + data + strtab + symtab + sh


class DoctorFake(unittest.TestCase):
    def board(self, **kw):
        kw.setdefault("telnet", True)
        kw.setdefault("log", log())
        kw.setdefault("memory", memory())
        kw.setdefault("btc", btc())
        b = FakeBoard(**kw)
        self.addCleanup(b.close)
        return b

    def doctor(self, b, *args, timeout=60):
        return subprocess.run([NMIDBG, "doctor", b.spec] + list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=timeout)

    def doctor_json(self, b, *args, rc=0):
        p = self.doctor(b, "--json", *args)
        self.assertEqual(p.returncode, rc, p.stderr + p.stdout)
        j = json.loads(p.stdout)
        return j, {c["id"]: c for c in j["checks"]}

    def file(self, data):
        f = tempfile.NamedTemporaryFile(delete=False)
        self.addCleanup(os.unlink, f.name)
        f.write(data)
        f.close()
        return f.name

    def test_ttynmi_board_all_green_and_resumed(self):
        b = self.board()
        p = self.doctor(b)
        self.assertEqual(p.returncode, 0, p.stderr + p.stdout)
        self.assertTrue(p.stdout.rstrip().endswith(
            "a hard-locked board with every CPU masked can be entered: yes"), p.stdout)
        self.assertNotIn("[FAIL]", p.stdout)
        self.assertIn("[ ok ] pseudo-NMI: enabled, relaxed", p.stdout)
        self.assertRegex(p.stdout, r"knock works, kdb in \d+ ms; BREAK\+g works, kdb in \d+ ms")
        self.assertFalse(b.in_kdb)
        self.assertEqual(b.breaks, 1)   # the knock got in first; BREAK+g tested after

    def test_json_has_every_check_with_evidence(self):
        j, checks = self.doctor_json(self.board())
        self.assertTrue(j["yes"])
        self.assertEqual(list(checks), ["pseudo_nmi", "ttynmi", "kgdboc", "kdb",
                                        "roundup", "transport", "vmlinux"])
        for cid, c in checks.items():
            self.assertEqual(c["status"], "skip" if cid == "vmlinux" else "ok", c)
            if cid != "vmlinux":
                self.assertTrue(c["evidence"], cid)
        self.assertIn("GICv3: Pseudo-NMIs enabled using relaxed ICC_PMR_EL1 synchronisation",
                      checks["pseudo_nmi"]["evidence"][0])
        f = j["facts"]
        self.assertEqual((f["knock"], f["rx_budget"], f["rx_dropped"], f["irq"]),
                         ("$3#33", 1024, 0, 13))
        self.assertEqual((f["cpus_online"], f["cpus_answered"]), (2, 2))
        self.assertIs(f["knock_and_break_g_on"], True)
        self.assertEqual(f["knock_test"]["result"], "works")
        self.assertEqual(f["break_test"]["result"], "works")

    def test_no_pseudo_nmi_names_the_parameter(self):
        b = self.board(log=log(cmdline=b"console=ttyNMI0 kgdboc=ttyAMA0,115200",
                               pnmi=False, tty="irq"))
        j, checks = self.doctor_json(b, rc=1)
        self.assertFalse(j["yes"])
        self.assertIn("lacks irqchip.gicv3_pseudo_nmi=1", j["verdict"])
        self.assertEqual(checks["pseudo_nmi"]["status"], "fail")
        self.assertIn("irqchip.gicv3_pseudo_nmi=1", checks["pseudo_nmi"]["fix"])
        self.assertEqual(checks["ttynmi"]["status"], "fail")
        self.assertIn("ordinary interrupt", checks["ttynmi"]["summary"])

    def test_stock_console_no_for_all_cpus_but_break_in_works(self):
        b = self.board(behaviour="noknock", log=log(cmdline=b"console=ttyAMA0 kgdboc=ttyAMA0 "
                                                    b"irqchip.gicv3_pseudo_nmi=1", tty=None))
        j, checks = self.doctor_json(b, "--timeout", "0.5", rc=1)
        self.assertRegex(j["verdict"], r"no, because ttyNMI: not in use: the console is ttyAMA0")
        self.assertEqual(checks["transport"]["status"], "warn")
        self.assertEqual(j["facts"]["break_test"]["result"], "works")
        self.assertEqual(j["facts"]["knock_test"]["result"], "no answer")
        self.assertEqual(checks["kgdboc"]["status"], "warn")    # no baud
        # No ttyNMI: its parameters are not read.
        self.assertFalse([c for c in b.commands if "knock" in c])

    def test_changed_knock_is_reported_and_tested(self):
        b = self.board(knock=b"XY#Z", log=log(knock=b"XY#Z"), memory=memory(knock=b"XY#Z"))
        j, checks = self.doctor_json(b, "--timeout", "0.5")
        self.assertEqual(checks["ttynmi"]["status"], "warn")
        self.assertIn("give nmidbg --knock 'XY#Z'", checks["ttynmi"]["fix"])
        self.assertEqual(j["facts"]["knock_test"], {"result": "works", "ms": j["facts"]["knock_test"]["ms"],
                                                    "sent": "XY#Z"})
        self.assertIn(b"XY#Z", bytes(b.received))

    def test_empty_knock_without_break_is_no(self):
        b = self.board(telnet=False, behaviour="noknock",
                       log=log(knock=b""), memory=memory(knock=b""))
        j, checks = self.doctor_json(b, "--timeout", "0.5", rc=1)
        self.assertFalse(j["facts"]["entered"])
        self.assertEqual(checks["transport"]["status"], "fail")
        self.assertIn("this transport has no BREAK", j["verdict"])
        self.assertIn("knock no answer", j["verdict"])

    def test_empty_knock_reported_when_break_gets_in(self):
        b = self.board(behaviour="noknock", log=log(knock=b""), memory=memory(knock=b""))
        j, checks = self.doctor_json(b, "--timeout", "0.5")
        self.assertEqual(checks["ttynmi"]["status"], "warn")
        self.assertIn("knock is off", checks["ttynmi"]["fix"])
        self.assertIn("knock off on the board", checks["transport"]["summary"])

    def test_entry_switched_off_is_a_no(self):
        # nmi_tty.entry=N: the knock and BREAK+g are ordinary input.
        b = self.board(memory=memory(entry=False))
        j, checks = self.doctor_json(b, "--timeout", "0.5", rc=1)
        self.assertIs(j["facts"]["knock_and_break_g_on"], False)
        self.assertEqual(checks["ttynmi"]["status"], "fail")
        self.assertIn("/sys/module/nmi_tty/parameters/entry", checks["ttynmi"]["fix"])
        self.assertIn("entry read from memory: N", checks["ttynmi"]["evidence"])
        self.assertFalse(j["yes"])

    def test_a_series_without_the_entry_switch(self):
        m = memory()
        del m["md1c1 nmi_tty_entry"]
        j, checks = self.doctor_json(self.board(memory=m))
        self.assertIsNone(j["facts"]["knock_and_break_g_on"])
        self.assertTrue(j["yes"])

    def test_a_cpu_that_misses_the_roundup(self):
        b = self.board(btc=btc(cpus=1, status=b"0, 1(D)"))
        j, checks = self.doctor_json(b, rc=1)
        self.assertEqual(checks["roundup"]["status"], "fail")
        self.assertIn("1 of 2 CPUs answered", j["verdict"])

    def test_vmlinux_that_matches_gives_the_kaslr_offset(self):
        path = self.file(elf(BANNER, addr=BANNER_ADDR - 0x200000))
        j, checks = self.doctor_json(self.board(), "--vmlinux", path)
        self.assertEqual(checks["vmlinux"]["status"], "ok")
        self.assertEqual(j["facts"]["kaslr_offset"], 0x200000)
        self.assertIn("KASLR offset 0x200000", checks["vmlinux"]["summary"])

    def test_vmlinux_of_another_build(self):
        path = self.file(elf(BANNER.replace(b"#8 SMP", b"#9 SMP")))
        j, checks = self.doctor_json(self.board(), "--vmlinux", path)
        self.assertTrue(j["yes"])       # symbols do not decide the verdict
        self.assertEqual(checks["vmlinux"]["status"], "fail")
        self.assertIn("is not the running kernel", checks["vmlinux"]["summary"])
        ev = checks["vmlinux"]["evidence"]
        self.assertIn("#9 SMP", ev[0])
        self.assertTrue(ev[1].startswith("running: Linux version") and "#8 SMP" in ev[1], ev)

    def test_vmlinux_that_is_not_a_kernel(self):
        for data, why in ((elf(BANNER, symbol=b"not_banner"), "no linux_banner symbol"),
                          (b"#!/bin/sh\n", "not an ELF file")):
            with self.subTest(why=why):
                j, checks = self.doctor_json(self.board(), "--vmlinux", self.file(data))
                self.assertEqual(checks["vmlinux"]["status"], "fail")
                self.assertIn(why, checks["vmlinux"]["summary"])

    def test_usage_errors(self):
        p = subprocess.run([NMIDBG, "doctor"], stderr=subprocess.PIPE, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("usage: nmidbg doctor PORT", p.stderr)
        p = subprocess.run([NMIDBG, "doctor", "tcp:127.0.0.1:1", "--vmlinux", "/nonexistent"],
                           stderr=subprocess.PIPE, text=True)
        self.assertEqual(p.returncode, 2)


if __name__ == "__main__":
    unittest.main()
