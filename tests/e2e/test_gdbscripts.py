# SPDX-License-Identifier: GPL-3.0-or-later
"""gdbscripts/ on a hung board, over both ways in: QEMU's gdbstub (the JTAG
probe's stand-in) and kgdb on the serial line.  Every CPU hard-locked, one
task left in D state; the triage report must show the same CPUs in
lkdtm_HARDLOCKUP with file:line, the D-state task, and the kernel log."""
import json
import os
import re
import subprocess

from board import NMI_APPEND, free_port, kernel_dir, own_gdb_symbols
from e2e.common import BoardTest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "gdbscripts", "nmidbg.py")


def own_gdb(target, commands, offset=0, timeout=120):
    """gdb of our own on target with the kernel's helpers and nmidbg.py,
    then commands; offset: KASLR's, loaded as nmidbg(1) tells a user with
    a gdb of their own (exec-file, then symbol-file -o).  Its stdout and
    stderr."""
    kdir = kernel_dir()
    ex = [a for c in commands for a in ("-ex", c)]
    p = subprocess.run(
        ["gdb-multiarch", "-batch", "-nx", "-iex", "set pagination off",
         "-iex", "add-auto-load-safe-path " + os.path.dirname(kdir),
         "-iex", "add-auto-load-safe-path " + os.path.realpath(
             os.path.join(kdir, "vmlinux-gdb.py")).rsplit("/scripts/", 1)[0]]
        + own_gdb_symbols(os.path.join(kdir, "vmlinux"), offset)
        + ["-ex", "target remote " + target, "-x", SCRIPT] + ex,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    return p.stdout, p.stderr


def triage(target, offset=0, timeout=120):
    """gdb's own triage, as JSON."""
    out, err = own_gdb(target, ["nmidbg-triage json"], offset, timeout)
    lines = [l for l in out.splitlines() if l.startswith("{")]
    if not lines:
        raise AssertionError("no triage JSON from gdb:\n%s\n%s"
                             % (out[-3000:], err[-3000:]))
    return json.loads(lines[-1])


class GdbScripts(BoardTest):
    def setup_board(self, b):
        self.assertIn("loaded", b.sh("insmod /nmidbg_test.ko"))
        out = b.sh("dstate")
        pid = int(re.search(r"pid (\d+) in D state", out).group(1))
        b.lock_all()
        return pid

    def check(self, report, smp, dstate_pid):
        locked = {c["cpu"] for c in report["cpus"]
                  if any(f["function"] == "lkdtm_HARDLOCKUP" and
                         f["file"] and f["file"].endswith("drivers/misc/lkdtm/bugs.c") and
                         f["line"] for f in c["frames"])}
        self.assertEqual(locked, set(range(smp)), json.dumps(report["cpus"])[:3000])
        # Each CPU's task, one of PID 1's lock children (issue 20: none
        # over kgdb, which does not send SP_EL0).
        pids = [c["pid"] for c in report["cpus"]]
        self.assertTrue(all(pids) and len(set(pids)) == smp, pids)
        self.assertEqual({c["comm"] for c in report["cpus"]}, {"init"}, report["cpus"])
        blocked = {t["pid"]: t for t in report["blocked"]}
        self.assertIn(dstate_pid, blocked)
        # A vfork parent: waits in clone for the child's completion.
        self.assertTrue(blocked[dstate_pid]["where"].startswith("wait_for_completion"),
                        blocked[dstate_pid])
        self.assertIn("__do_sys_clone", blocked[dstate_pid]["stack"])
        self.assertFalse(any(t["comm"].startswith("kworker") for t in report["blocked"]),
                         "idle kworkers are not D state")
        self.assertTrue(any("lkdtm: Performing direct entry HARDLOCKUP" in l
                            for l in report["dmesg_tail"]))
        self.assertTrue(report["version"].startswith("Linux version 6.12"))
        # The test module, where it was loaded.
        self.assertEqual([m["name"] for m in report["modules"]], ["nmidbg_test"])
        self.assertTrue(all(m["base"] and m["size"] for m in report["modules"]),
                        report["modules"])

    def test_over_qemu_gdbstub(self):
        b = self.boot(append=NMI_APPEND, gdbstub=True)
        pid = self.setup_board(b)
        self.check(triage(":%d" % b.gdb_port), 2, pid)

    def test_over_kgdb_on_the_serial_line(self):
        b = self.boot(append=NMI_APPEND, serial_tcp=free_port(), telnet=False)
        offset = b.kaslr_offset()
        self.assertNotEqual(offset, 0, "the board runs without KASLR")
        pid = self.setup_board(b)
        b.send("$3#33")
        self.expect_kdb(b, 5, "knock")
        b.send("kgdb\r")           # kdb hands the line to the gdb protocol
        b.expect(b"attach debugger", 5)
        b.disconnect()
        self.check(triage("tcp:127.0.0.1:%d" % b.serial_tcp, offset), 2, pid)

    def test_lx_current_over_qemu_gdbstub(self):
        # Where SP_EL0 is real (QEMU's gdbstub, a JTAG probe) $lx_current()
        # is the kernel's own answer; $lx_current(CPU) is that CPU's task
        # (arm64's read the selected thread's SP_EL0 whatever CPU was asked).
        b = self.boot(append=NMI_APPEND, gdbstub=True)
        b.lock_all()
        here = ["p $lx_current().pid", "p ((struct task_struct *)$SP_EL0)->pid",
                "p $lx_per_cpu(runqueues).cpu"]
        out, err = own_gdb(":%d" % b.gdb_port,
                           ["thread 1"] + here + ["p $lx_current(1).pid", "thread 2"]
                           + here + ["p $lx_current(0).pid"])
        values = re.findall(r"^\$\d+ = (.*)$", out, re.M)
        self.assertEqual(len(values), 8, out[-3000:] + err[-3000:])
        cpu0, cpu1 = values[0], values[4]
        self.assertNotEqual(cpu0, cpu1)
        self.assertEqual(values, [cpu0, cpu0, "0", cpu1, cpu1, cpu1, "1", cpu0],
                         out[-3000:] + err[-3000:])
