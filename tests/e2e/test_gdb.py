# SPDX-License-Identifier: GPL-3.0-or-later
"""`nmidbg gdb` on the board: gdb-multiarch with the vmlinux over the console
line, the entry CPU's thread shown as itself (the S05 fix), ^C breaking in
again, and the board left in a known state however gdb ends."""
import os
import re
import subprocess
import time

from board import NMI_APPEND, free_port, kernel_dir
from e2e.common import BoardTest
from e2e.test_nmidbg import NMIDBG

LOCKUP_FRAME = re.compile(r"lkdtm_HARDLOCKUP \(\) at \S*drivers/misc/lkdtm/bugs\.c:\d+")


def gdb_values(out):
    """gdb's `print` results, in order."""
    return re.findall(r"^\$\d+ = (.*)$", out, re.M)


def select_thread(tid):
    """A gdb command that selects kgdb's thread tid (a pid, or -(cpu + 2)
    for a CPU's shadow thread; gdb holds the 32-bit id unsigned)."""
    return ("python next(t for t in gdb.selected_inferior().threads() "
            "if t.ptid[1] == %d).switch()" % (tid & 0xffffffff))


def threads(out):
    """gdb's `thread apply all bt`: {target id: backtrace text}."""
    found = {}
    for block in re.split(r"\n(?=Thread \d+ \()", "\n" + out):
        m = re.match(r"Thread \d+ \((Thread \S+ \(([^)]*)\))\):\n", block)
        if m:
            found[m.group(2)] = block[m.end():]
    return found


class NmidbgGdb(BoardTest):
    def boot_locked(self, **kw):
        """CPU 0 hard-locked; kdb entered by SysRq-g on CPU 1."""
        b = self.boot(serial_tcp=free_port(), smp=2, **kw)
        b.sh("affine %d 1" % b.uart_irq())
        b.sh("lock 0")
        b.sh("pin 1")
        b.send("write /proc/sysrq-trigger g\r")
        self.assertEqual(b.wait_kdb(10), 1)
        b.disconnect()
        return b

    def pids_on_cpus(self, b):
        """{cpu: pid} of the task each CPU runs, from kdb's btc (the board
        in kdb, the console left free again)."""
        b.reconnect()
        out = b.kdb("btc")
        b.disconnect()
        return {int(c): int(p) for c, p in
                re.findall(r"^CPU: (\d+) (?:UID: \d+ )?PID: (\d+) ", out, re.M)}

    def gdb(self, b, *args, timeout=180):
        vmlinux = os.path.join(kernel_dir(), "vmlinux")
        return subprocess.run(
            [NMIDBG, "gdb", b.port_spec(), "--vmlinux", vmlinux] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            timeout=timeout)

    def test_threads_and_backtraces_entry_on_another_cpu(self):
        b = self.boot_locked()
        # The innermost frames of every thread: where each one is, which
        # is what a user reads first (a full `bt` of every task doubles
        # the packets for frames nobody looks at here).
        p = self.gdb(b, "--batch", "--", "-ex", "info threads",
                     "-ex", "thread apply all bt 6")
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        t = threads(p.stdout)
        # The locked CPU, with file:line from the vmlinux.
        self.assertRegex(t.get("shadowCPU0", ""), LOCKUP_FRAME, p.stdout[-4000:])
        # The entry CPU's task is the current thread, with its own stack:
        # the SysRq-g write, not the locked CPU's registers.
        current = re.search(r"^\* +\d+ +Thread \S+ \(([^)]*)\)", p.stdout, re.M)
        self.assertEqual(current and current.group(1), "init", p.stdout[:3000])
        self.assertIn("sysrq_handle_dbg", t["init"])
        self.assertNotIn("lkdtm_HARDLOCKUP", t["init"])
        self.assertIn("the board is running", p.stderr)
        b.reconnect()
        b.probe_shell()

    def test_lx_current_and_per_cpu_over_kgdb(self):
        # Issue 20: arm64's $lx_current() reads SP_EL0, which kgdb does not
        # send; the current CPU is the selected thread's.
        b = self.boot_locked()
        on = self.pids_on_cpus(b)
        self.assertEqual(on.get(1), 1, on)     # PID 1 wrote SysRq-g on CPU 1
        locker = on[0]                         # the child spinning on CPU 0
        here = ("-ex", "p $lx_current().pid", "-ex", "p $lx_per_cpu(runqueues).cpu")
        p = self.gdb(b, "--batch", "--", *here,         # the entry thread: PID 1
                     "-ex", "p $lx_current(0).pid", "-ex", "p $lx_current(1).pid",
                     "-ex", select_thread(-2), *here,   # shadowCPU0
                     "-ex", select_thread(locker), *here,
                     # kthreadd sleeps: on no CPU, so the CPU kgdb runs on.
                     "-ex", select_thread(2), *here)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertIn("KASLR offset 0x", p.stderr)
        self.assertEqual(gdb_values(p.stdout),
                         ["1", "1", str(locker), "1", str(locker), "0",
                          str(locker), "0", "1", "1"],
                         p.stdout[-3000:] + p.stderr[-3000:])
        self.assertIn("the board is running", p.stderr)
        b.reconnect()
        b.probe_shell()

    def test_batch_exit_is_1_if_any_command_failed(self):
        # Not only the last one, as gdb -batch has it: a Python exception
        # in a convenience function here, then a command that works.
        b = self.boot_locked()
        p = self.gdb(b, "--batch", "--",
                     "-ex", 'p $container_of(0, "struct no_such_type", "x")',
                     "-ex", "p 6 * 7")
        self.assertEqual(p.returncode, 1, p.stderr[-3000:])
        self.assertIn("No struct type named no_such_type.", p.stderr)
        self.assertEqual(gdb_values(p.stdout), ["42"], p.stdout[-3000:])
        self.assertIn("gdb exited (1); the board is running", p.stderr)
        b.reconnect()
        b.probe_shell()

    def test_stay_leaves_the_board_in_kdb(self):
        b = self.boot_locked()
        p = self.gdb(b, "--batch", "--stay", "--", "-ex", "lx-version")
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertIn("Linux version 6.12", p.stdout)
        self.assertIn("the board is in kdb", p.stderr)
        b.reconnect()
        b.send("\r")
        b.wait_kdb(5)
        b.kdb_go()

    def test_gdb_killed_mid_session(self):
        b = self.boot_locked()
        p = self.gdb(b, "--batch", "--", "-ex", "info threads",
                     "-ex", "shell kill -9 $PPID", "-ex", "info threads")
        self.assertEqual(p.returncode, 1, p.stderr[-3000:])
        self.assertIn("gdb was killed (signal 9); the board is running", p.stderr)
        b.reconnect()
        b.probe_shell()

    def test_interrupt_breaks_in_again(self):
        # ttyNMI: the relay's knock stops a kernel whose CPUs all spin.
        b = self.boot(serial_tcp=free_port(), smp=2, append=NMI_APPEND)
        b.send("\x1b")  # settle the line
        b.send("$3#33")
        b.wait_kdb(5)
        b.disconnect()
        # Ctrl-C, as a terminal would send it, while `continue` waits.
        p = self.gdb(b, "--batch", "--",
                     "-ex", "shell (sleep 2; kill -INT $PPID) &",
                     "-ex", "continue", "-ex", "info threads")
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        # Stopped again by the knock: the NMI handler's CPU is current.
        self.assertIn("received signal SIGTRAP", p.stdout)
        self.assertRegex(p.stdout, r"\* +\d+ +Thread ")
        self.assertIn("the board is running", p.stderr)
        b.reconnect()
        b.probe_shell()

    def reset_mid_session(self, reboot):
        b = self.boot_locked(reboot=reboot)
        vmlinux = os.path.join(kernel_dir(), "vmlinux")
        p = subprocess.Popen(
            [NMIDBG, "gdb", b.port_spec(), "--vmlinux", vmlinux, "--batch", "--",
             "-ex", "continue"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(8)   # gdb connected, the kernel running again
        b.qmp("system_reset")
        out, err = p.communicate(timeout=120)
        self.assertIn("Remote connection closed", err)   # gdb was told
        return p.returncode, out, err

    def test_board_reboots_mid_session(self):
        rc, out, err = self.reset_mid_session(reboot=True)
        self.assertEqual(rc, 5, err[-3000:])
        self.assertIn("gdb session: the board rebooted", err)
        self.assertIn("Booting Linux", out)     # on the console, not to gdb

    def test_board_vanishes_mid_session(self):
        # QEMU exits on the reset: the line is gone.
        rc, out, err = self.reset_mid_session(reboot=False)
        self.assertEqual(rc, 3, err[-3000:])
        self.assertIn("gdb session: connection closed by the other end", err)

    def test_stepi_after_knock_with_every_cpu_locked(self):
        # A step set up in a debugger entered from an NMI: it must run one
        # instruction of the stopped code and come back, not kill the board.
        b = self.boot(serial_tcp=free_port(), smp=2, append=NMI_APPEND)
        b.lock_all()
        b.send("$3#33")
        b.wait_kdb(5)
        b.disconnect()
        p = self.gdb(b, "--batch", "--", "-ex", "p/x $pc", "-ex", "stepi",
                     "-ex", "p/x $pc", "-ex", "stepi", "-ex", "p/x $pc")
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        pcs = re.findall(r"^\$\d+ = (0x[0-9a-f]+)$", p.stdout, re.M)
        self.assertEqual(len(pcs), 3, p.stdout[-3000:])
        # One instruction on: the locked CPU spins in a loop of at least
        # two (cpu_relax() and the branch back).
        self.assertNotEqual(pcs[0], pcs[1], pcs)
        self.assertIn("the board is running", p.stderr)
        b.reconnect()
        b.send("$3#33")
        b.wait_kdb(5)
        self.assertEqual(b.kdb("btc").count("lkdtm_HARDLOCKUP+"), 2)
