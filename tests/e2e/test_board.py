# SPDX-License-Identifier: GPL-3.0-or-later
"""The test board itself and the stock kdb paths (foundation tests).

These prove the ground the rest of nmidbg stands on: the board boots with
pseudo-NMI on, kdb rounds up a hard-locked CPU through the NMI IPI, a
serial BREAK reaches kdb while the UART's CPU is alive -- and nothing on the
serial line reaches kdb once the UART's CPU is hard-locked."""
import time

from board import STOCK_APPEND, BoardError
from e2e.common import BoardTest, BreakInFailed, expected_failure_of_stock_path


class TestBoard(BoardTest):
    def test_boots_with_pseudo_nmi(self):
        b = self.boot()
        dmesg = b.sh("dmesg")
        self.assertRegex(dmesg, r"GICv3: Pseudo-NMIs enabled")
        self.assertIn("online 2", b.sh("cpus"))
        self.assertIn("KGDB: Registered I/O driver kgdboc", dmesg)

    def test_sysrq_g_rounds_up_hardlocked_cpu(self):
        b = self.boot()
        b.sh("pin 0")
        self.assertIn("cpu 1 locked", b.sh("lock 1"))
        b.send("write /proc/sysrq-trigger g\r")
        cpu = b.wait_kdb(10)
        self.assertEqual(cpu, 0, "sysrq-trigger ran on CPU0 (PID 1 is pinned)")
        btc = b.kdb("btc")
        # CPU1 spins with IRQs masked: only the NMI roundup can show its stack.
        self.assertRegex(btc, r"(?s)Stack traceback for pid \d+.*lkdtm_HARDLOCKUP")
        self.assertRegex(btc, r"(?s)CPU: 1 .*lkdtm_HARDLOCKUP")
        self.assertEqual(b.kdb_go(), "alive-after-go")

    def test_serial_break_g_enters_kdb(self):
        b = self.boot()
        irq = b.uart_irq()
        b.sh("affine %d 0" % irq)
        b.sh("lock 1")
        b.send_break()
        b.send("g")
        self.expect_kdb(b, 10, "BREAK+g with the UART on a live CPU")
        self.assertIn("lkdtm_HARDLOCKUP", b.kdb("btc"))
        self.assertEqual(b.kdb_go(), "alive-after-go")

    @expected_failure_of_stock_path(
        "the UART IRQ sits on a hard-locked CPU; the stock path needs it")
    def test_uart_cpu_locked_serial_break_in(self):
        uart_cpu_locked_break_in(self, STOCK_APPEND)


def uart_cpu_locked_break_in(test, append):
    """Hard-lock the CPU that takes the UART's interrupt, then try every
    way in the serial line offers: BREAK+g, and the gdb knock."""
    b = test.boot(append=append)
    irq = b.uart_irq()
    try:
        b.sh("affine %d 1" % irq)
    except BoardError:
        pass  # ttyNMI's NMI is not movable: lock whichever CPU takes it
    cpu = b.irq_cpu(irq)
    test.assertIn("cpu %d locked" % cpu, b.sh("lock %d" % cpu))
    missed = []
    for how, knock in (("BREAK+g", lambda: (b.send_break(), b.send("g"))),
                       ("the gdb knock $3#33", lambda: b.send("$3#33"))):
        knock()
        try:
            test.expect_kdb(b, 5, how)
            test.assertIn("lkdtm_HARDLOCKUP", b.kdb("btc"))
            # Resume.  The shell cannot prove it: ordinary input is handed
            # to the tty on the locked CPU.  The next way in proves it.
            b.send("go\r")
            time.sleep(b.GO_SETTLE)
        except BreakInFailed:
            missed.append(how)
    if missed:
        raise BreakInFailed("CPU%d (UART IRQ %d) locked: kdb not reached by %s"
                            % (cpu, irq, " nor ".join(missed)))
