# SPDX-License-Identifier: GPL-3.0-or-later
"""ttyNMI on the Linux 6.1 board (kernel-patches/linux-6.1/, built by
`make board-6.1` in build/kernel/6.1-lean, no DWARF: kdb only).

Only what the 6.1 series adds is tested here: on 6.1 the NMI roundup of
the other CPUs is the series' own (GICv3 SGIs as pseudo-NMIs, an arm64
kgdb roundup IPI), and the driver is the 6.12 one adapted to 6.1's tty
and console APIs.  The rest is the 6.12 series and is tested there."""
import e2e.test_nmi_tty as nmi_tty

LINUX_61 = "6.1-lean"


class Linux61AllCpusLocked(nmi_tty.AllCpusLocked):
    """Every CPU hard-locked on 6.1: the knock enters kdb from NMI and btc
    shows every CPU in lkdtm_HARDLOCKUP, which only an NMI roundup can
    give.  Without patches 8-10 (6.1's own roundup, an ordinary IPI) kdb
    is entered but the other CPU never stops: "Available cpus: 0, 1(D)",
    and btc shows CPU 0 only (checked once by hand)."""
    variant = LINUX_61

    test_knock_smp4 = test_break_g_smp2 = test_break_g_smp4 = None


class Linux61Console(nmi_tty.Console):
    """ttyNMI0 on 6.1: boot log, shell, 256 KiB byte-exact each way through
    the adapted tty write (the 6.12 board moves 1 MiB)."""
    variant = LINUX_61
    bulk = 256 << 10


class Linux61AllCpusLocked8250(nmi_tty.AllCpusLocked):
    """The same through the 16550A on PCI (8250_pci): the 8250 patches as
    ported to 6.1 (their own locking) serve the mission there too."""
    variant = LINUX_61
    uart = "8250"

    test_knock_smp4 = test_break_g_smp2 = test_break_g_smp4 = None
