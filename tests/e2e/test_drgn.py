# SPDX-License-Identifier: GPL-3.0-or-later
"""`nmidbg drgn` on a hung board: drgn's Program on the stopped kernel,
every CPU's registers from kgdb, memory read over the console line."""
import json
import os
import re
import subprocess
import tempfile

from board import NMI_APPEND, free_port, kernel_dir
from e2e.common import BoardTest
from e2e.test_nmidbg import NMIDBG

SCRIPT = r'''
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.sched import task_state_to_char
def frame(f):
    try:
        return f.name or hex(f.pc)
    except LookupError:     # drgn 0.0.22: a frame it could not unwind
        return "?"
from drgn.helpers.linux.cpumask import for_each_online_cpu
from drgn.helpers.linux.percpu import per_cpu
for cpu in for_each_online_cpu(prog):
    names = [f.name for f in prog.stack_trace(per_cpu(prog["runqueues"], cpu).curr)]
    print("CPU %d: %s" % (cpu, " ".join(str(n) for n in names)))
for t in for_each_task(prog):
    print("TASK %d %s" % (t.pid.value_(), t.comm.string_().decode()))
    if t.comm.string_() == b"nmidbg_test":
        names = [frame(f) for f in prog.stack_trace(t)]
        print("DSTATE %d %s: %s" % (t.pid.value_(), task_state_to_char(t),
                                     " ".join(str(n) for n in names)))
'''


class NmidbgDrgn(BoardTest):
    def setUp(self):
        super().setUp()
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()
        super().tearDown()

    def drgn(self, b, *args, timeout=400):
        return subprocess.run([NMIDBG, "drgn", b.port_spec(), "--vmlinux",
                               os.path.join(kernel_dir(), "vmlinux")] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=timeout, cwd=self.dir.name)

    def test_every_cpu_locked(self):
        """Each CPU's trace through drgn shows lkdtm_HARDLOCKUP; the task
        list has the pids kdb's ps has; the test module's task is in D
        state and drgn unwinds its stack from memory; the board runs
        again after."""
        b = self.boot(append=NMI_APPEND, smp=2, serial_tcp=free_port())
        self.assertIn("loaded /nmidbg_test.ko", b.sh("insmod /nmidbg_test.ko"))
        b.lock_all()
        b.disconnect()
        p = subprocess.run([NMIDBG, "kdb", b.port_spec(), "-c", "ps A", "--json"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        kdb_pids = {int(l.split()[1]) for l in json.loads(p.stdout)["commands"][0]["output"]
                    if re.match(r"0x[0-9a-f]+\s+\d+\s", l)}
        script = os.path.join(self.dir.name, "s.py")
        with open(script, "w") as f:
            f.write(SCRIPT)
        p = self.drgn(b, "-c", script)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        cpus = dict(re.findall(r"^CPU (\d+): (.*)$", p.stdout, re.M))
        self.assertEqual(set(cpus), {"0", "1"}, p.stdout + p.stderr[-2000:])
        for cpu, trace in cpus.items():
            self.assertIn("lkdtm_HARDLOCKUP", trace, (cpu, trace))
        pids = {int(x) for x in re.findall(r"^TASK (\d+) ", p.stdout, re.M)}
        self.assertIn(1, pids)
        # kdb's ps A lists each CPU's idle task as pid 0: drgn's tasks do not.
        self.assertEqual(pids, kdb_pids - {0})
        m = re.search(r"^DSTATE \d+ (\S): (.*)$", p.stdout, re.M)
        self.assertTrue(m, p.stdout)
        self.assertEqual(m.group(1), "D")
        # Unwound from memory through the module's frame to kthread; that
        # frame is a bare PC: drgn 0.0.22 reads modules as before 6.4.
        self.assertIn("__schedule", m.group(2).split())
        self.assertIn("kthread", m.group(2).split())
        self.assertIn("the board is running", p.stderr)
        # --json: one document, the script's output and each CPU's trace in it.
        p = self.drgn(b, "-c", script, "--json")
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        j = json.loads(p.stdout)
        self.assertEqual((j["schema"], j["schema_version"], j["ok"], j["exit"], j["after"]),
                         ("nmidbg-drgn", 1, True, 0, "running"))
        self.assertIs(j["vmlinux"]["running_kernel"], True)
        self.assertGreater(j["reads"]["requests"], 0)
        d = j["drgn"]
        self.assertIsNone(d["error"])
        self.assertIn("TASK 1 init", d["output"])
        self.assertEqual([c["cpu"] for c in d["cpus"]], [0, 1])
        for c in d["cpus"]:
            self.assertIn("lkdtm_HARDLOCKUP", c["trace"], c)
        # -e: the value; an exception is the document's error, exit 1.
        p = self.drgn(b, "-e", "prog['init_task'].comm.string_()", "--json")
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertEqual(json.loads(p.stdout)["drgn"]["value"], "b'swapper/0'")
        p = self.drgn(b, "-e", "prog['no_such_symbol_here']", "--json")
        self.assertEqual(p.returncode, 1, p.stderr[-3000:])
        j = json.loads(p.stdout)
        self.assertEqual((j["ok"], j["drgn_exit"], j["after"]), (False, 1, "running"))
        self.assertRegex(j["drgn"]["error"], r"^KeyError: .*no_such_symbol_here")
        # VMCOREINFO built from the vmlinux and the offset kdb found.
        p = self.drgn(b, "--vmcoreinfo", "vmlinux", "-e", "prog['init_task'].pid.value_()", "--json")
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertIn("built from the vmlinux", p.stderr)
        self.assertEqual(json.loads(p.stdout)["drgn"]["value"], "0")
        # Another kernel's vmlinux: refused before drgn starts, the board resumed.
        other = os.path.join(kernel_dir("lockdep"), "vmlinux")
        p = subprocess.run([NMIDBG, "drgn", b.port_spec(), "--vmlinux", other, "-e", "1",
                            "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=120)
        self.assertEqual(p.returncode, 8, p.stderr[-3000:])
        j = json.loads(p.stdout)
        self.assertEqual((j["vmlinux"]["running_kernel"], j["drgn"], j["after"]),
                         (False, None, "running"))
