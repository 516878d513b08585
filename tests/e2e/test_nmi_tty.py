# SPDX-License-Identifier: GPL-3.0-or-later
"""ttyNMI on the booted board: the debugger is reachable from the serial
line while every CPU spins with interrupts masked, and ttyNMI0 is an
ordinary console and tty otherwise."""
import os
import re
import time
import zlib

from board import NMI_APPEND, KDB_PROMPT, SHELL_PROMPT, BoardError, xorshift_stream
from e2e.common import BoardTest
from e2e.test_board import uart_cpu_locked_break_in

KNOCK = b"$3#33"
# The noise is checked byte-exact, and receive is never masked: what the
# guest cannot take into ttyNMI's 32 KiB ring is lost, as on a real board.
# The line has flow control (board_io.Line), so a guest stalled by the host
# only slows the sender; but every byte is an NMI under TCG, and a CI run on
# a slower host once lost bytes at 32 KB/s when the shell reading them fell
# behind.  So half that: 16 KB/s (1.4 x a 115200 line), 512 KiB, about half
# a minute (some 8 chances for each knock prefix and 2000 '$').
# NMIDBG_NOISE_KIB=262144 for a soak.
NOISE_BYTES = int(os.environ.get("NMIDBG_NOISE_KIB", "512")) << 10
NOISE_RATE = 16000


# A kernel report that must never appear: lockdep's, a WARN or a BUG.
REPORT = re.compile(r"BUG:|WARNING:|DEBUG_LOCKS_WARN_ON|possible recursive locking"
                    r"|inconsistent lock state|possible circular locking"
                    r"|locking correctness validator|bad unlock balance")


def assert_clean_log(test, log):
    m = REPORT.search(log)
    if m:
        test.fail("kernel report in the log: ..." + log[max(0, m.start() - 200):
                                                       m.end() + 1500])


def enter_from_line(test, b, method, timeout=5):
    """Enter kdb from the serial line: the knock, or BREAK then 'g'."""
    if method == "knock":
        b.send(KNOCK)
    else:
        b.send_break()
        b.send("g")
    return test.expect_kdb(b, timeout, method)


def cpus_in_lockup(btc):
    """CPUs whose kdb backtrace shows the LKDTM hard lockup."""
    found = set()
    for block in btc.split("Stack traceback for pid")[1:]:
        m = re.search(r"CPU: (\d+) ", block)
        if m and "lkdtm_HARDLOCKUP" in block:
            found.add(int(m.group(1)))
    return found


class AllCpusLocked(BoardTest):
    """Every CPU hard-locked: break in, see every CPU, resume, repeat."""
    variant = None

    def break_in_repeatedly(self, smp, method, rounds=3):
        b = self.boot(append=NMI_APPEND, smp=smp, variant=self.variant)
        b.lock_all()
        for _ in range(rounds):
            start = len(b.buf)
            enter_from_line(self, b, method)
            # kdb names the way in: the NMI, and the PC it interrupted.
            self.assertRegex(b.buf[start:].decode(errors="replace"),
                             r"due to NonMaskable Interrupt @ 0x[0-9a-f]+")
            btc = b.kdb("btc")
            self.assertEqual(cpus_in_lockup(btc), set(range(smp)), btc)
            b.send("go\r")
            time.sleep(b.GO_SETTLE)
        # Every CPU is still locked: read the kernel log through kdb.
        b.send(KNOCK)
        self.expect_kdb(b, 5, method)
        assert_clean_log(self, b.kdb("dmesg", timeout=60))
        b.send("go\r")
        return b

    def test_knock_smp2(self):
        self.break_in_repeatedly(2, "knock")

    def test_knock_smp4(self):
        self.break_in_repeatedly(4, "knock")

    def test_break_g_smp2(self):
        self.break_in_repeatedly(2, "break")

    def test_break_g_smp4(self):
        self.break_in_repeatedly(4, "break")


class Console(BoardTest):
    variant = None
    bulk = 1 << 20      # bytes each way

    def test_boot_log_shell_and_bytes_both_ways(self):
        b = self.boot(append=NMI_APPEND, telnet=False, variant=self.variant)
        log = b.text()
        self.assertIn("Booting Linux on physical CPU", log)
        self.assertIn("ttyNMI: receive on irq", log)
        self.assertIn("online 2", b.sh("cpus"))
        self.assertEqual(b.sh("cat /sys/module/nmi_tty/parameters/knock")
                         .strip(), KNOCK.decode())
        to_guest = os.urandom(self.bulk).replace(KNOCK, b"$3#3x")
        self.assertEqual(b.to_guest(to_guest),
                         (len(to_guest), zlib.crc32(to_guest)))
        data, n, crc = b.from_guest(self.bulk, 0x2545F491)
        self.assertEqual((n, crc), (self.bulk, zlib.crc32(data)))
        self.assertEqual(data, xorshift_stream(self.bulk, 0x2545F491))
        self.assertEqual(b.sh("echo still-here").strip(), "still-here")
        assert_clean_log(self, b.sh("dmesg"))


class SlowReader(BoardTest):
    """The tty layer buffers 640 KiB for a reader that pauses; past that
    ttyNMI drops input (receive is never masked: see test_nmi_tty_trust)."""

    def test_late_reader_loses_nothing(self):
        b = self.boot(append=NMI_APPEND, telnet=False)
        data = os.urandom(1 << 20).replace(KNOCK, b"$3#3x")
        # 4 s of pause: 128 KiB at the harness's 32 KB/s, all buffered.
        self.assertEqual(b.to_guest(data, pause_ms=4000),
                         (len(data), zlib.crc32(data)))
        log = b.sh("dmesg")
        self.assertNotIn("ttyNMI: dropped", log)
        assert_clean_log(self, log)
        self.assertEqual(b.sh("cat /sys/module/nmi_tty/parameters/rx_dropped")
                         .strip(), "0")

    def test_knock_reachable_when_reader_never_returns(self):
        b = self.boot(append=NMI_APPEND, telnet=False)
        data = os.urandom(2 << 20).replace(KNOCK, b"$3#3x")
        b.send("sink %d 600000\r" % len(data))
        b.expect(b"SINK-READY", 10)
        b.send(data)    # the sender is held back, then input is dropped
        b.send(KNOCK)
        self.expect_kdb(b, 30, "knock behind a stalled reader")
        self.assertIn("ttyNMI: dropped", b.kdb("dmesg", timeout=60))
        b.send("go\r")


class LockdepAllCpusLocked(AllCpusLocked):
    """Test 1 on a kernel with PROVE_LOCKING, DEBUG_ATOMIC_SLEEP and
    DEBUG_SPINLOCK: the NMI path takes no lock it must not."""
    variant = "lockdep"

    test_break_g_smp2 = test_break_g_smp4 = None


class LockdepConsole(Console):
    """Test 3 on the lockdep kernel: the same paths under lockdep's eye;
    256 KiB each way crosses the tty buffers many times over."""
    variant = "lockdep"
    bulk = 256 << 10


class Noise(BoardTest):
    noise_bytes = NOISE_BYTES

    def test_random_bytes_never_stop_the_board(self):
        b = self.boot(append=NMI_APPEND, telnet=False)
        noise = os.urandom(self.noise_bytes)
        while KNOCK in noise:
            noise = noise.replace(KNOCK, os.urandom(len(KNOCK)))
        start = b.pos
        self.assertEqual(b.to_guest(noise, timeout=60, rate=NOISE_RATE),
                         (len(noise), zlib.crc32(noise)))
        self.assertIsNone(KDB_PROMPT.search(b.buf, start))
        self.assertEqual(b.sh("echo still-here").strip(), "still-here")


class PortLeftHoldingBytes(BoardTest):
    """Polling clears the PL011's receive interrupt (pl011_quiesce_irqs),
    and QEMU's PL011 raises it again only when its FIFO goes from empty to
    not empty: bytes left in the FIFO must make ttyNMI re-trigger its
    interrupt, or receive stops for good."""

    def test_handler_out_of_budget(self):
        # One byte per NMI: every interrupt leaves the FIFO's rest behind.
        b = self.boot(append=NMI_APPEND + " nmi_tty.rx_budget=1",
                      telnet=False)
        data = os.urandom(256 << 10).replace(KNOCK, b"$3#3x")
        # At 115200 baud's pace: an NMI a byte, each re-triggering the
        # next from NMI context, leaves the CPU little time for the
        # irq_work that empties the ring; faster, the ring overflows.
        self.assertEqual(b.to_guest(data, timeout=30, rate=11520),
                         (len(data), zlib.crc32(data)))
        b.send(KNOCK)
        self.expect_kdb(b, 5, "knock at one byte per NMI")
        b.kdb_go()

    def test_input_typed_as_the_debugger_resumes(self):
        # kdb entered by SysRq-g, not by ttyNMI's own handler: kdb polls
        # the port, and the bytes after "go" stay in the FIFO.
        b = self.boot(append=NMI_APPEND, telnet=False)
        b.send("write /proc/sysrq-trigger g\r")
        self.expect_kdb(b, 5, "sysrq-trigger g")
        b.send("go\recho typed-after-go\r")
        # The output line, not the tty's echo of the command.
        b.expect(re.compile(rb"(?<!echo )typed-after-go\r\n"), 10)
        b.probe_shell()


class KnockOff(BoardTest):
    def test_empty_knock_disables_it(self):
        b = self.boot(append=NMI_APPEND + " nmi_tty.knock=")
        b.send(KNOCK + b"\r")
        # The knock is now just text for the shell.
        b.expect(b"unknown command '$3#33'", 5)
        self.assertIsNone(KDB_PROMPT.search(b.buf))
        # The board is still reachable, by BREAK+g.
        b.send_break()
        b.send("g")
        self.expect_kdb(b, 5, "BREAK+g")
        b.kdb_go()


    def test_entry_switch_at_run_time(self):
        """kernel.sysrq does not gate the knock and BREAK+g (a
        distribution's default would turn them off); nmi_tty.entry does, at
        run time: off, a pasted "$3#33" is text for the shell and BREAK+g
        is SysRq-g under kernel.sysrq (0 here: nothing); on again, the
        knock enters kdb."""
        b = self.boot(append=NMI_APPEND)
        b.sh("write /proc/sys/kernel/sysrq 0")
        b.sh("write /sys/module/nmi_tty/parameters/entry 0")
        self.assertEqual(b.sh("cat /sys/module/nmi_tty/parameters/entry").strip(), "N")
        b.send(KNOCK + b"\r")
        b.expect(b"unknown command '$3#33'", 5)
        b.expect(SHELL_PROMPT, 5)
        b.send_break()
        b.send("g\r")
        b.expect(b"unknown command 'g'", 5)
        b.expect(SHELL_PROMPT, 5)
        self.assertIsNone(KDB_PROMPT.search(b.buf))
        b.sh("write /sys/module/nmi_tty/parameters/entry 1")
        b.send(KNOCK)
        self.expect_kdb(b, 5, "knock, entry on again")
        b.kdb_go()


class NoPseudoNmi(BoardTest):
    def test_falls_back_to_an_ordinary_interrupt(self):
        b = self.boot(append=NMI_APPEND.replace(" irqchip.gicv3_pseudo_nmi=1", ""))
        self.assertIn("ttyNMI: no pseudo-NMI for irq", b.text())
        self.assertEqual(b.sh("echo console-works").strip(), "console-works")
        # While the CPU that takes the interrupt is alive, the knock works.
        b.send(KNOCK)
        self.expect_kdb(b, 5, "knock without pseudo-NMI")
        # Without NMIs ttyNMI enters as SysRq-g does, not as a fake NMI.
        self.assertIn("due to Keyboard Entry", b.text())
        b.kdb_go()
        # kgdboc's own SysRq-g is untouched.
        b.send("write /proc/sysrq-trigger g\r")
        self.expect_kdb(b, 5, "sysrq-trigger g")
        b.kdb_go()


class Affinity(BoardTest):
    def test_affinity_of_the_nmi_line_is_refused_clearly(self):
        """genirq never balances an NMI (request_nmi() wants
        IRQF_NO_BALANCING): /proc/irq/N/smp_affinity_list refuses with
        EPERM, as docs/ttyNMI.md says, the line stays where it was, and
        the knock still gets in."""
        b = self.boot(append=NMI_APPEND)
        irq = b.uart_irq()
        cpu = b.irq_cpu(irq)
        with self.assertRaisesRegex(BoardError, "Operation not permitted"):
            b.sh("affine %d %d" % (irq, 1 - cpu))
        self.assertEqual(b.irq_cpu(irq), cpu)
        b.send(KNOCK)
        self.expect_kdb(b, 5, "knock")
        b.kdb_go()


class UartCpuLocked(BoardTest):
    def test_uart_cpu_locked_serial_break_in(self):
        """The stock path's expected failure (test_board), fixed by ttyNMI."""
        uart_cpu_locked_break_in(self, NMI_APPEND)
