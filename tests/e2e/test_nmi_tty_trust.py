# SPDX-License-Identifier: GPL-3.0-or-later
"""ttyNMI after the break-in: the ordinary debugger actions (stepping,
reconfiguring kgdboc, mixing entries, reading kdb's output, a slow reader,
BREAK and SysRq, kgdbwait, CPU hotplug) leave a board that can still be
debugged.  Each test here failed on the series before the fixes it covers."""
import os
import re
import time
import zlib

from board import (NMI_APPEND, KDB_PROMPT, READY, SHELL_PROMPT,
                   Board, Timeout)
from e2e.common import BoardTest
from e2e.test_nmi_tty import KNOCK, assert_clean_log, enter_from_line

KGDBOC = "/sys/module/kgdboc/parameters/kgdboc"
NO_PSEUDO_NMI = NMI_APPEND.replace(" irqchip.gicv3_pseudo_nmi=1", "")


def knock_free(data):
    """data without the knock and without a BREAK+g (a 'g' after a cut)."""
    while KNOCK in data:
        data = data.replace(KNOCK, b"$3#3x")
    return data


class SingleStep(BoardTest):
    """kdb's ss after an NMI entry: the step must not fire inside the
    debugger (the NMI handler runs with debug exceptions unmasked)."""
    variant = None

    def step_after(self, how):
        b = self.boot(append=NMI_APPEND, variant=self.variant)
        enter_from_line(self, b, how)
        for _ in range(3):
            out = b.kdb("ss", timeout=10)
            self.assertRegex(out, r"due to SS trap @ 0x[0-9a-f]+")
        b.kdb_go()
        assert_clean_log(self, b.sh("dmesg"))

    def test_ss_after_knock(self):
        self.step_after("knock")

    def test_ss_after_break_g(self):
        self.step_after("BREAK+g")


class LockdepSingleStep(SingleStep):
    variant = "lockdep"
    test_ss_after_break_g = None


class MixedEntries(BoardTest):
    """SysRq-g (task context) and the knock (NMI) in one boot: kgdb's own
    locks used in both contexts must not trip lockdep."""

    def test_sysrq_then_knock_then_break_on_lockdep(self):
        b = self.boot(append=NMI_APPEND, variant="lockdep")
        b.send("write /proc/sysrq-trigger g\r")
        self.expect_kdb(b, 10, "sysrq-trigger g")
        b.kdb_go()
        b.send(KNOCK)
        self.expect_kdb(b, 10, "knock")
        b.kdb_go()
        b.send_break()
        b.send("g")
        self.expect_kdb(b, 10, "BREAK+g")
        b.kdb_go()
        log = b.sh("dmesg")
        self.assertIn("Lock dependency validator", log)
        assert_clean_log(self, log)
        self.assertNotIn("turning off the locking correctness validator", log)


class ReconfigureKgdboc(BoardTest):
    """While ttyNMI0 is open, kgdboc cannot let its port go: the write is
    refused and the debugger keeps its I/O."""

    def test_refused_while_open_and_still_debuggable(self):
        b = self.boot(append=NMI_APPEND)
        for text in ("ttyAMA0,115200", ""):
            b.send(("write %s %s" % (KGDBOC, text)).rstrip() + "\r")
            b.expect(re.compile(rb"error: write %s: Device or resource busy"
                                % KGDBOC.encode()), 5)
            b.expect(SHELL_PROMPT, 5)
        self.assertIn("Cannot reconfigure while the console on ttyAMA0,115200 is open",
                      b.sh("dmesg"))
        self.assertEqual(b.sh("cat " + KGDBOC).strip(), "ttyAMA0,115200")
        b.send(KNOCK)
        self.expect_kdb(b, 5, "knock after the refused reconfiguration")
        b.kdb_go()
        b.send("write /proc/sysrq-trigger g\r")
        self.expect_kdb(b, 5, "sysrq-trigger g")
        b.kdb_go()


class AttachFails(BoardTest):
    """ttyNMI selected but unable to take the port (its interrupt is the
    shell's console's): kgdboc still serves the port."""

    def test_kgdboc_works_without_ttynmi(self):
        # /dev/console is the last console=: PID 1 holds ttyAMA0 open.
        b = self.boot(append="console=ttyNMI0 console=ttyAMA0 "
                             "irqchip.gicv3_pseudo_nmi=1")
        b.sh("write %s ttyAMA0,115200" % KGDBOC)
        log = b.sh("dmesg")
        self.assertRegex(log, r"ttyNMI cannot serve ttyAMA0 \(-\d+\): "
                              r"kgdboc works without it")
        self.assertIn("Registered I/O driver kgdboc", log)
        b.send("write /proc/sysrq-trigger g\r")
        self.expect_kdb(b, 5, "sysrq-trigger g through plain kgdboc")
        b.kdb_go()


class OutputOnce(BoardTest):
    def test_btc_prints_each_line_once(self):
        smp = 2
        b = self.boot(append=NMI_APPEND, smp=smp)
        b.lock_all()
        b.send(KNOCK)
        self.expect_kdb(b, 5, "knock")
        btc = b.kdb("btc")
        blocks = btc.split("Stack traceback for pid")[1:]
        self.assertEqual(len(blocks), smp, btc)
        for block in blocks:
            self.assertEqual(block.count("Call trace:"), 1, block)
            self.assertEqual(block.count("lkdtm_HARDLOCKUP+"), 1, block)
        b.send("go\r")

    def test_message_of_the_debugger_cpu_is_printed(self):
        # Without NMIs the roundup IPI does not reach a hard-locked CPU:
        # kgdb says so with pr_crit() on the CPU that runs the debugger.
        b = self.boot(append=NO_PSEUDO_NMI)
        b.sh("lock 1")
        time.sleep(0.5)
        start = b.pos
        b.send("write /proc/sysrq-trigger g\r")
        self.expect_kdb(b, 10, "sysrq-trigger g")
        self.assertIn(b"Timed out waiting for secondary CPUs", b.buf[start:])
        # kdb asks for a second `go` when a CPU never joined.
        b.send("go\r")
        b.expect(b"type go a second time", 5)
        b.kdb_go()


class KnockBudget(BoardTest):
    """One byte per NMI, every CPU locked (irq_work never runs): the
    handler must re-trigger itself, or the knock behind a burst is lost."""

    def test_knock_after_burst_with_every_cpu_locked(self):
        b = self.boot(append=NMI_APPEND + " nmi_tty.rx_budget=1")
        b.lock_all()
        b.send(knock_free(os.urandom(4096)))
        b.send(KNOCK)
        self.expect_kdb(b, 20, "knock after 4 KiB, one byte per NMI")
        btc = b.kdb("btc")
        self.assertEqual(btc.count("lkdtm_HARDLOCKUP+"), 2, btc)
        b.send("go\r")


class NeverMasked(BoardTest):
    """A reader that stops reading: receive stays open, the board keeps
    taking bytes at line rate, the excess is dropped and counted."""

    def test_board_takes_input_while_reader_stalls(self):
        b = self.boot(append=NMI_APPEND, telnet=False)
        total = 1536 << 10
        b.send("sink %d 600000\r" % (total + 4096))
        b.expect(b"SINK-READY", 10)
        data = knock_free(os.urandom(total))
        worst = 0.0
        for off in range(0, total, 8192):
            t0 = time.monotonic()
            b.send(data[off:off + 8192], timeout=30)
            worst = max(worst, time.monotonic() - t0)
        # 8 KiB is 80 ms of QEMU's PL011; masking receive held the sender
        # for seconds once the tty was full.
        self.assertLess(worst, 2.0, "the board stopped taking input")
        b.send(KNOCK)
        self.expect_kdb(b, 10, "knock behind a stalled reader")
        self.assertIn("ttyNMI: dropped", b.kdb("dmesg", timeout=60))
        b.send("go\r")


class KnockStateReset(BoardTest):
    def test_partial_knock_does_not_survive_the_debugger(self):
        b = self.boot(append=NMI_APPEND)
        b.send(KNOCK[:-1])
        time.sleep(0.3)
        b.send_break()
        b.send("g")
        self.expect_kdb(b, 5, "BREAK+g")
        b.send("go\r")
        time.sleep(b.GO_SETTLE)
        start = b.pos
        b.send(KNOCK[-1:])
        time.sleep(2)
        self.assertIsNone(KDB_PROMPT.search(b.buf, start))
        # The held-back bytes were the user's: they reach the shell.
        b.send("\r")
        b.expect(b"unknown command '$3#33'", 5)
        b.probe_shell()


class BreakSysRq(BoardTest):
    """BREAK then a key other than g follows kernel.sysrq like the stock
    serial console: a SysRq when it allows one, else an ordinary byte."""

    def test_break_follows_kernel_sysrq(self):
        b = self.boot(append=NMI_APPEND)
        b.sh("write /proc/sys/kernel/sysrq 0")
        start = b.pos
        b.send_break()
        b.send("echo after-break\r")
        b.expect(re.compile(rb"\nafter-break\r?\n"), 5)
        b.expect(SHELL_PROMPT, 5)
        self.assertNotIn(b"sysrq:", b.buf[start:])
        b.sh("write /proc/sys/kernel/sysrq 1")
        b.send_break()
        b.send("h")
        b.expect(b"sysrq: HELP", 5)
        b.probe_shell()

    def test_noise_with_breaks_runs_no_sysrq(self):
        b = self.boot(append=NMI_APPEND)
        b.sh("write /proc/sys/kernel/sysrq 0")
        chunks = []
        # 256 KiB at a 115200 line's real rate (23 s): the point is what a
        # BREAK and the noise after it do, not the rate (see Noise).
        for _ in range(16):
            c = knock_free(os.urandom(16384))
            if c[:1] == b"g":
                c = b"G" + c[1:]
            chunks.append(c)
        data = b"".join(chunks)
        start = b.pos
        b.send("sink %d 0\r" % len(data))
        b.expect(b"SINK-READY", 10)
        for c in chunks:
            b.send_break()      # the bytes after it are noise too
            b.send(c, timeout=60, rate=11520)
        m = b.expect(re.compile(rb"SINK-END n=(\d+) crc=([0-9a-f]{8})"), 60)
        self.assertEqual((int(m.group(1)), int(m.group(2), 16)),
                         (len(data), zlib.crc32(data)))
        b.expect(SHELL_PROMPT, 10)
        self.assertIsNone(KDB_PROMPT.search(b.buf, start))
        self.assertNotIn("sysrq:", b.sh("dmesg"))
        b.probe_shell()


class KgdbWait(BoardTest):
    """kgdbwait stops the boot in the debugger: the boot log up to there
    must be on the line first, as on the stock console."""

    def boot_to_wait(self, append, expected):
        b = Board(".".join(self.id().split(".")[-2:]), append=append)
        self.transcripts.append(b.log_path)
        self.addCleanup(b.stop)
        b.start()
        self.expect_kdb(b, 60, "kgdbwait")
        before = b.buf[:KDB_PROMPT.search(b.buf).start()]
        for line in expected:
            self.assertIn(line, before)
        b.send("go\r")
        b.expect(READY, 60)
        b.expect(SHELL_PROMPT, 10)
        b.probe_shell()
        b.send(KNOCK)
        self.expect_kdb(b, 5, "knock after kgdbwait")
        b.kdb_go()

    def test_boot_log_before_the_wait(self):
        self.boot_to_wait(NMI_APPEND + " kgdbwait",
                          (b"Booting Linux on physical CPU",
                           b"ttyNMI: receive on irq",
                           b"KGDB: Waiting for connection from remote gdb"))

    def test_boot_log_before_the_wait_with_kgdboc_earlycon(self):
        # The debugger waits long before ttyNMI exists; earlycon prints.
        self.boot_to_wait(NMI_APPEND + " earlycon=pl011,0x9000000 "
                          "kgdboc_earlycon kgdbwait",
                          (b"Booting Linux on physical CPU",
                           b"KGDB: Waiting for connection from remote gdb"))


class CpuHotplug(BoardTest):
    """The NMI's CPU goes offline: the line moves to an online CPU."""

    def test_offline_cpu0_keeps_input_and_knock(self):
        b = self.boot(append=NMI_APPEND)
        irq = b.uart_irq()
        self.assertEqual(b.irq_cpu(irq), 0)
        b.sh("write /sys/devices/system/cpu/cpu0/online 0")
        try:
            self.assertEqual(b.sh("echo deaf-not", timeout=5).strip(),
                             "deaf-not")
        except Timeout:
            self.fail("no input after CPU0 went offline")
        self.assertIn("online 1", b.sh("cpus"))
        self.assertEqual(b.irq_cpu(irq), 1)
        b.send(KNOCK)
        self.expect_kdb(b, 5, "knock with CPU0 offline")
        b.kdb_go()
        b.sh("write /sys/devices/system/cpu/cpu0/online 1")
        self.assertIn("online 2", b.sh("cpus"))
        b.send(KNOCK)
        self.expect_kdb(b, 5, "knock with CPU0 back")
        b.kdb_go()
