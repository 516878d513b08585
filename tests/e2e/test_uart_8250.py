# SPDX-License-Identifier: GPL-3.0-or-later
"""The mission through an 8250: QEMU's 16550A on the PCI bus (pci-serial,
ttyS0 through 8250_pci, its INTx a GIC SPI) instead of the PL011, with
`console=ttyNMI0 kgdboc=ttyS0,115200`.  The cases are the PL011's own,
subclassed with uart = "8250" (the board maps ttyAMA0 to ttyS0 in the
command line); what only this UART can show is tested here too.

The modules are imported, not their classes: a TestCase class in this
module's namespace would be collected and run a second time."""
import re

import e2e.test_gdb as test_gdb
import e2e.test_nmi_tty as test_nmi_tty
import e2e.test_nmidbg as test_nmidbg
import e2e.test_triage as test_triage
from board import KDB_PROMPT, NMI_APPEND
from e2e.common import BoardTest


class AllCpusLocked8250(test_nmi_tty.AllCpusLocked):
    """Every CPU hard-locked: the knock on 2 CPUs, BREAK+g on 4 (the
    PL011 runs all four pairs; the UART is what this adds)."""
    uart = "8250"

    test_knock_smp4 = test_break_g_smp2 = None


class Console8250(test_nmi_tty.Console):
    """Boot log, shell, 1 MiB each way byte-exact."""
    uart = "8250"


class Noise8250(test_nmi_tty.Noise):
    """Half the PL011's noise: the matcher is the same code; what this
    adds is the 8250's receive path under a flood."""
    uart = "8250"
    noise_bytes = test_nmi_tty.NOISE_BYTES // 2


class NoPseudoNmi8250(test_nmi_tty.NoPseudoNmi):
    uart = "8250"


class Step8250(test_gdb.NmidbgGdb):
    """Single-step after an entry from the 16550A's NMI."""
    uart = "8250"

    test_threads_and_backtraces_entry_on_another_cpu = None
    test_stay_leaves_the_board_in_kdb = None
    test_lx_current_and_per_cpu_over_kgdb = None
    test_batch_exit_is_1_if_any_command_failed = None
    test_gdb_killed_mid_session = None
    test_interrupt_breaks_in_again = None
    test_board_reboots_mid_session = None
    test_board_vanishes_mid_session = None


class Nmidbg8250(test_nmidbg.NmidbgOnBoard):
    """nmidbg's break-in and kdb through the 16550A, every CPU locked."""
    uart = "8250"

    def test_break_by_break_on_every_cpu_locked_ttynmi(self):
        self.every_cpu_locked_btc("break", 2)

    # Only the ttyNMI cases: the stock console on ttyS0 is not the point.
    test_break_by_break_over_telnet_on_stock_console = None
    test_kdb_btc_json_lists_the_locked_cpu = None
    test_knock_other_over_raw_tcp = None
    test_dmesg_line_with_the_pager_text_survives = None
    test_kdb_through_ser2net_rfc2217 = None
    test_attach_in_a_terminal = None


class Triage8250(test_triage.NmidbgTriage):
    """The kdb route, with file:line from the vmlinux: gdb over this line
    is Step8250's.  Only the cases named here (the others test the tool,
    not the UART)."""
    uart = "8250"


for _name in dir(test_triage.NmidbgTriage):
    if _name.startswith("test_") and _name not in (
            "test_kdb_only_report_and_stay", "test_every_cpu_locked_with_vmlinux"):
        setattr(Triage8250, _name, None)


class PortIsTheSixteen550(BoardTest):
    """The board really runs ttyNMI on the 8250, not on the PL011."""
    uart = "8250"

    def test_ttynmi_serves_ttys0_on_a_gic_spi(self):
        b = self.boot(append=NMI_APPEND)
        self.assertIn("kgdboc=ttyS0,115200", b.sh("cat /proc/cmdline"))
        self.assertRegex(b.text(), r"ttyS0 at I/O 0x\w+ \(irq = \d+, "
                                   r"base_baud = \d+\) is a 16550A")
        irq = b.uart_irq()
        # Receive is an NMI: /proc/interrupts names the GIC's SPI (32 and
        # up) and ttyNMI as its only user.
        line = re.search(r"(?m)^\s*%d:.*$" % irq,
                         b.sh("cat /proc/interrupts")).group(0)
        self.assertRegex(line, r"GICv3\s+\d+ Level\s+ttyNMI$")
        self.assertGreaterEqual(int(re.search(r"GICv3\s+(\d+)", line).group(1)), 32)
        # Input reached the shell through that interrupt.
        before = sum(b.irq_counts(irq))
        self.assertEqual(b.sh("echo via-the-16550").strip(), "via-the-16550")
        self.assertGreater(sum(b.irq_counts(irq)), before)
        self.assertIsNone(KDB_PROMPT.search(b.buf))

