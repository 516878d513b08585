#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Break-in benchmark on the ttyNMI board (make bench).

In one boot: the latency of the /proc/sysrq-trigger path (the kernel's own
way into kdb, shell alive) over N trials; then every CPU hard-locked, and
the gdb knock's success rate and latency (knock sent -> `kdb>` seen) over
N trials.  Prints both and the ratio knock/sysrq.  Goal: N/N, ratio <= 1.2.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "board"))
from board import NMI_APPEND, Board, Timeout  # noqa: E402


def trial(board, send):
    t0 = time.monotonic()
    send()
    board.wait_kdb(5)
    return time.monotonic() - t0


def summary(name, times, n):
    ms = [t * 1000 for t in times]
    med = statistics.median(ms) if ms else float("nan")
    print("%-22s %2d/%d  median %7.2f ms  min %7.2f  max %7.2f"
          % (name, len(ms), n, med, min(ms, default=0), max(ms, default=0)))
    return med


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--smp", type=int, default=2)
    a = ap.parse_args()
    sysrq, knock = [], []
    with Board("bench-breakin", smp=a.smp, append=NMI_APPEND) as b:
        b.wait_ready()
        b.sh("pin 0")
        for _ in range(a.n):
            try:
                sysrq.append(trial(b, lambda: b.send(
                    "write /proc/sysrq-trigger g\r")))
            except Timeout:
                pass
            b.kdb_go()
        b.lock_all()
        for _ in range(a.n):
            try:
                knock.append(trial(b, lambda: b.send("$3#33")))
            except Timeout:
                continue
            b.send("go\r")
            time.sleep(b.GO_SETTLE)
    print("break-in on -smp %d (%d trials each)" % (a.smp, a.n))
    s = summary("sysrq-trigger (alive)", sysrq, a.n)
    k = summary("knock (all CPUs locked)", knock, a.n)
    print("ratio knock/sysrq: %.2f (goal <= 1.2); knock success %d/%d (goal %d/%d)"
          % (k / s, len(knock), a.n, a.n, a.n))
    return 0 if len(knock) == a.n else 1


if __name__ == "__main__":
    sys.exit(main())
