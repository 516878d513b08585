#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Triage benchmark on a simulated serial line (make bench).

One boot: a task put in D state, then every CPU hard-locked.  Through
memread.py's throttling relay (each direction at BAUD/10 bytes a second,
as a UART delivers), at each line speed:
  - `nmidbg triage --vmlinux`: the command to the written report, every
    CPU's and the D task's frames with file:line (kdb + libdw);
  - the gdb route over the same line: `nmidbg gdb --batch` running
    `thread apply all bt` and `lx-dmesg` (what a user types for the same
    evidence).
Prints both times and the ratio side by side.  Goal (115200): triage
<= 5 s, >= 10x faster than the gdb route.
"""
import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from memread import NMIDBG, Relay  # noqa: E402
from board import NMI_APPEND, Board, free_port, kernel_dir  # noqa: E402


def timed(cmd, timeout):
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    return time.monotonic() - t0, p


def triage(spec, vmlinux, dpid, tmp):
    md = os.path.join(tmp, "t.md")
    secs, p = timed([NMIDBG, "triage", spec, "--vmlinux", vmlinux, "-o", md], 300)
    if p.returncode:
        raise SystemExit("nmidbg triage failed (%d):\n%s" % (p.returncode, p.stderr))
    with open(os.path.join(tmp, "t.json")) as f:
        j = json.load(f)
    cpus = {c["cpu"] for c in j["cpus"]
            if any(f["function"] == "lkdtm_HARDLOCKUP" and f["line"] for f in c["frames"])}
    task = [t for t in j["blocked"] if t["pid"] == dpid]
    if len(cpus) != len(j["cpus"]) or not task or \
            not any(f["line"] for f in task[0]["frames"]):
        raise SystemExit("the report lacks file:line for a CPU or the D task")
    return secs, len(cpus)


def gdb_route(spec, vmlinux):
    secs, p = timed([NMIDBG, "gdb", spec, "--vmlinux", vmlinux, "--batch", "--",
                     "-ex", "thread apply all bt", "-ex", "lx-dmesg"], 3600)
    if p.returncode or "lkdtm_HARDLOCKUP" not in p.stdout:
        raise SystemExit("the gdb route failed (%d):\n%s" % (p.returncode, p.stderr[-3000:]))
    return secs


@contextlib.contextmanager
def hung_board(name, smp):
    """A booted board with a task in D state and every CPU hard-locked:
    (board, the D task's pid), stopped at the end."""
    with Board(name, smp=smp, append=NMI_APPEND, serial_tcp=free_port(),
               telnet=False) as b:
        b.wait_ready()
        dpid = int(re.search(r"pid (\d+) in D state", b.sh("dstate")).group(1))
        b.lock_all()
        b.disconnect()
        yield b, dpid


def args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bauds", default="115200,1500000")
    ap.add_argument("--smp", type=int, default=2)
    return ap.parse_args()


def main():
    a = args()
    vmlinux = os.path.join(kernel_dir(), "vmlinux")
    rows = []
    with tempfile.TemporaryDirectory() as tmp, hung_board("bench-triage", a.smp) as (b, dpid):
        for baud in [int(x) for x in a.bauds.split(",")]:
            relay = Relay(b.serial_tcp, baud / 10)
            spec = "tcp:127.0.0.1:%d" % relay.port
            t, ncpus = triage(spec, vmlinux, dpid, tmp)
            g = gdb_route(spec, vmlinux)
            rows.append((baud, t, g, ncpus))
    print("triage of a board with every CPU hard-locked (-smp %d) and a task in D state,"
          % a.smp)
    print("over a simulated line (both directions paced at baud/10 B/s)")
    print("%9s  %22s  %30s  %7s" % ("baud", "nmidbg triage --vmlinux",
                                     "gdb: thread apply all bt+lx-dmesg", "ratio"))
    for baud, t, g, n in rows:
        print("%9d  %20.1f s  %28.1f s  %6.1fx" % (baud, t, g, g / t))
    print("goal: <= 5 s and >= 10x at 115200; every CPU (%d) and the D task "
          "with file:line" % rows[0][3])
    ok = rows[0][1] <= 5 and rows[0][2] / rows[0][1] >= 10
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
