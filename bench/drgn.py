#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""drgn against gdb's lx-* helpers on a simulated serial line (make bench).

One boot: a task put in D state, then every CPU hard-locked.  Through
memread.py's throttling relay (each direction at BAUD/10 bytes a second),
at each line speed, side by side:
  - the task list, names and states: `nmidbg drgn` (for_each_task) and
    `nmidbg gdb --batch -ex lx-ps`;
  - the D task's stack: drgn's stack_trace(pid) and gdb's `lx-ps` then
    nothing more (gdb's kgdb threads are the running tasks only; a
    sleeping task's stack needs its saved registers, which lx-* does not
    unwind), so drgn's row stands alone;
  - the kernel log: drgn's get_dmesg() and gdb's `lx-dmesg`.
Each row: seconds (the command, break-in and resume included), bytes on
the line (both directions, counted by the relay), and for drgn its reads'
cache hit rate.  Goal (#21): drgn's task list at least as fast as lx-ps.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from memread import NMIDBG, Relay  # noqa: E402
from board import kernel_dir  # noqa: E402
from triage import args, hung_board  # noqa: E402

SCRIPTS = {
    "tasks": "from drgn.helpers.linux.pid import for_each_task\n"
             "from drgn.helpers.linux.sched import task_state_to_char\n"
             "for t in for_each_task(prog):\n"
             "    print(t.pid.value_(), t.comm.string_().decode(), task_state_to_char(t))\n",
    "dstack": "from drgn.helpers.linux.pid import find_task\n"
              "for f in prog.stack_trace(find_task(prog, %(dpid)d)):\n"
              "    try:\n"
              "        print(f.name or hex(f.pc))\n"
              "    except LookupError:\n"
              "        print('?')\n",
    "dmesg": "from drgn.helpers.linux.printk import get_dmesg\n"
             "print(get_dmesg(prog).decode(errors='replace'))\n",
}
GDB = {"tasks": "lx-ps", "dmesg": "lx-dmesg"}


class Counted:
    """A socket whose received bytes go to relay.bytes."""
    def __init__(self, sock, relay):
        self.sock, self.relay = sock, relay

    def recv(self, n):
        data = self.sock.recv(n)
        self.relay.bytes += len(data)
        return data

    def __getattr__(self, name):
        return getattr(self.sock, name)


class CountingRelay(Relay):
    bytes = 0

    def pump(self, src, dst, done):
        return super().pump(Counted(src, self), dst, done)


def timed(relay, cmd, timeout):
    relay.bytes = 0
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    return time.monotonic() - t0, relay.bytes, p


def drgn_row(relay, spec, vmlinux, what, dpid, tmp):
    script = os.path.join(tmp, what + ".py")
    with open(script, "w") as f:
        f.write(SCRIPTS[what] % {"dpid": dpid})
    secs, nbytes, p = timed(relay, [NMIDBG, "drgn", spec, "--vmlinux", vmlinux,
                                    "-c", script, "--json"], 1800)
    j = json.loads(p.stdout)
    if p.returncode or j["drgn"]["error"]:
        raise SystemExit("nmidbg drgn %s failed (%d):\n%s" % (what, p.returncode,
                                                              p.stderr[-3000:]))
    out = j["drgn"]["output"]
    r = j["reads"]
    hits = r["cache_hits"] / max(1, r["cache_hits"] + r["cache_misses"])
    return secs, nbytes, hits, out


def gdb_row(relay, spec, vmlinux, what):
    secs, nbytes, p = timed(relay, [NMIDBG, "gdb", spec, "--vmlinux", vmlinux, "--batch",
                                    "--", "-ex", GDB[what]], 3600)
    if p.returncode:
        raise SystemExit("nmidbg gdb %s failed (%d):\n%s" % (GDB[what], p.returncode,
                                                             p.stderr[-3000:]))
    return secs, nbytes, p.stdout.splitlines()


def main():
    a = args()
    vmlinux = os.path.join(kernel_dir(), "vmlinux")
    rows = []
    with tempfile.TemporaryDirectory() as tmp, hung_board("bench-drgn", a.smp) as (b, dpid):
        for baud in [int(x) for x in a.bauds.split(",")]:
            relay = CountingRelay(b.serial_tcp, baud / 10)
            spec = "tcp:127.0.0.1:%d" % relay.port
            for what in ("tasks", "dstack", "dmesg"):
                d = drgn_row(relay, spec, vmlinux, what, dpid, tmp)
                g = gdb_row(relay, spec, vmlinux, what) if what in GDB else None
                rows.append((baud, what, d, g))
    print("drgn and gdb's lx-* on a board with every CPU hard-locked (-smp %d) and a task"
          " in D state," % a.smp)
    print("over a simulated line (both directions paced at baud/10 B/s); each command"
          " breaks in, switches to kgdb, resumes")
    print("%8s  %-7s  %9s %9s %6s %5s  %9s %9s %5s  %6s" % (
        "baud", "what", "drgn s", "bytes", "hits", "lines", "gdb s", "bytes", "lines",
        "gdb/drgn"))
    for baud, what, (ds, db, dh, dout), g in rows:
        gcols = ("%9.1f %9d %5d  %5.1fx" % (g[0], g[1], len(g[2]), g[0] / ds)
                 if g else "%9s %9s %5s  %6s" % ("-", "-", "-", "-"))
        print("%8d  %-7s  %9.1f %9d %5.0f%% %5d  %s" % (baud, what, ds, db, 100 * dh,
                                                       len(dout), gcols))
    tasks = [r for r in rows if r[0] == rows[0][0] and r[1] == "tasks"][0]
    ok = tasks[2][0] <= tasks[3][0]
    print("goal: drgn's task list at least as fast as lx-ps at %d: %s"
          % (rows[0][0], "met" if ok else "not met"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
