#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Many boards at once (make bench): `nmidbg triage --ports FILE` on N
fake boards (tests/host/fake_board.py) on ptys behind one real ser2net
(RFC 2217 on loopback), against one board alone.

Three runs: one board alone, N-1 boards that answer, and all N with the
silent one.  Prints per run: wall time; the CPU time nmidbg used (the
parent and every child, from RUSAGE_CHILDREN), ser2net's and the fake
boards' (a process of their own); nmidbg's peak RSS and PSS (libraries'
pages shared out) summed over the parent and its children, and the
largest process's RSS (sampled every 10 ms from /proc).  No goal: figures for docs/benchmarks.md.
"""
import argparse
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "board"))
from host import ser2net  # noqa: E402
from host.test_fleet import fake_fleet  # noqa: E402

NMIDBG = os.path.join(os.environ.get("NMIDBG_BUILD", os.path.join(ROOT, "build")), "nmidbg")
TICK = os.sysconf("SC_CLK_TCK")


def mem_kib(pid):
    """(RSS, PSS) of pid in KiB: PSS shares the libraries' pages out."""
    rss = pss = 0
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def tree_mem(root):
    """(RSS, PSS) of root and of each of its children (the boards' nmidbg)."""
    try:
        kids = open("/proc/%d/task/%d/children" % (root, root)).read().split()
    except OSError:
        kids = []
    return [mem_kib(root)] + [mem_kib(int(k)) for k in kids]


def cpu_of(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def serve_boards(n, silent, conn):
    """The fake boards, in a process of their own (its CPU time is theirs)."""
    boards = fake_fleet(n, transport="pty")
    boards[silent].behaviour = "silent"
    conn.send([b.spec for b in boards])
    conn.recv()         # until told to stop
    for b in boards:
        b.close()


def run(args, watch):
    """One nmidbg run: exit, stderr, wall s, nmidbg CPU s, the CPU s of
    each watched process (ser2net, the boards), peak summed RSS KiB, the
    largest process's peak RSS KiB, peak summed PSS KiB."""
    peak = [0, 0, 0]
    before_kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    before = [cpu_of(pid) for pid in watch]
    t0 = time.monotonic()
    p = subprocess.Popen([NMIDBG] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample():
        while not done.is_set():
            mem = tree_mem(p.pid)
            peak[0] = max(peak[0], sum(r for r, _ in mem))
            peak[1] = max([peak[1]] + [r for r, _ in mem])
            peak[2] = max(peak[2], sum(q for _, q in mem))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = p.communicate(timeout=600)
    wall = time.monotonic() - t0
    done.set()
    sampler.join()
    after_kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after_kids.ru_utime - before_kids.ru_utime) + (after_kids.ru_stime - before_kids.ru_stime)
    return (p.returncode, err, wall, cpu, [cpu_of(pid) - b for pid, b in zip(watch, before)],
            peak[0], peak[1], peak[2])


class Holder(unittest.TestCase):
    """ser2net.start_many() cleans up through a TestCase."""
    def runTest(self):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--boards", type=int, default=32)
    ap.add_argument("--timeout", default="2")
    a = ap.parse_args()
    holder = Holder()
    silent = a.boards // 2
    ctx = multiprocessing.get_context("fork")
    conn, child_conn = ctx.Pipe()
    server = ctx.Process(target=serve_boards, args=(a.boards, silent, child_conn))
    server.start()
    devices = conn.recv()
    time.sleep(2)       # the boards' process settles (its first second costs CPU)
    ports = ser2net.start_many(holder, devices)
    s2n = int(subprocess.check_output(["pgrep", "-n", "-x", "ser2net"]).split()[0])
    watch = [s2n, server.pid]
    specs = ["rfc2217://127.0.0.1:%d" % p for p in ports]
    tmp = tempfile.mkdtemp(prefix="nmidbg-bench-fleet-")
    lists = {}
    for name, skip in (("all", None), ("answering", silent)):
        lists[name] = os.path.join(tmp, "ports-" + name)
        with open(lists[name], "w") as f:
            f.writelines("%s b%02d\n" % (s, i) for i, s in enumerate(specs) if i != skip)
    tmo = ["--timeout", a.timeout]
    try:
        rows = [("1 board", run(["triage", specs[0], "-o", os.path.join(tmp, "one.md")] + tmo,
                                watch), 0),
                ("%d boards" % (a.boards - 1),
                 run(["triage", "--ports", lists["answering"], "--dir",
                      os.path.join(tmp, "answering")] + tmo, watch), 0),
                ("%d boards, 1 of them silent" % a.boards,
                 run(["triage", "--ports", lists["all"], "--dir", os.path.join(tmp, "all")] + tmo,
                     watch), 17)]
    finally:
        conn.send("stop")
        server.join()
        holder.doCleanups()
    for name, r, want in rows:
        if r[0] != want:
            raise SystemExit("%s: exit %d, not %d\n%s" % (name, r[0], want,
                                                          r[1].decode(errors="replace")))
    print("| run | wall | nmidbg CPU (all processes) | ser2net CPU | fake boards CPU | "
          "peak RSS, nmidbg summed | peak PSS, nmidbg summed | peak RSS, largest process |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r, _ in rows:
        print("| %s | %.2f s | %.2f s | %.2f s | %.2f s | %.1f MiB | %.1f MiB | %.1f MiB |"
              % (name, r[2], r[3], r[4][0], r[4][1], r[5] / 1024, r[7] / 1024, r[6] / 1024))
    print("\n%d boards: %.1fx one board's wall time; with a silent one (the knock, then "
          "BREAK+g, --timeout %s s each, then up to 2 s for a late answer): %.1f s"
          % (a.boards - 1, rows[1][1][2] / rows[0][1][2], a.timeout, rows[2][1][2]))


if __name__ == "__main__":
    main()
