# SPDX-License-Identifier: GPL-3.0-or-later
"""`nmidbg drgn` on a hung board: drgn's Program on the stopped kernel,
every CPU's registers from kgdb, memory read over the console line."""
import os
import re
import subprocess
import tempfile

from board import NMI_APPEND, free_port, kernel_dir
from e2e.common import BoardTest
from e2e.test_nmidbg import NMIDBG

SCRIPT = r'''
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.cpumask import for_each_online_cpu
from drgn.helpers.linux.percpu import per_cpu
for cpu in for_each_online_cpu(prog):
    names = [f.name for f in prog.stack_trace(per_cpu(prog["runqueues"], cpu).curr)]
    print("CPU %d: %s" % (cpu, " ".join(str(n) for n in names)))
for t in for_each_task(prog):
    print("TASK %d %s" % (t.pid.value_(), t.comm.string_().decode()))
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
        list has the pids kdb's ps has; the board runs again after."""
        b = self.boot(append=NMI_APPEND, smp=2, serial_tcp=free_port())
        b.lock_all()
        b.disconnect()
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
        self.assertIn("the board is running", p.stderr)
