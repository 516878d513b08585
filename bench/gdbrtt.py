#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""gdb round trip benchmark (make bench): what `nmidbg gdb` adds.

One boot, every CPU hard-locked.  gdb reads one word of memory N times
(one `m` packet each), first connected straight to the board's socket
(kdb's `kgdb` typed by hand), then through `nmidbg gdb` (the relay that
sorts console text from RSP); then `info threads` both ways.  Prints the
time per read and per listing side by side and the ratio.  Goal: nmidbg
within 1.2x of direct (an RSP relay must not add latency: before
TCP_NODELAY on gdb's socket it added ~45 ms a packet).
"""
import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from memread import NMIDBG, to_kgdb  # noqa: E402
from board import NMI_APPEND, Board, free_port, kernel_dir, own_gdb_symbols  # noqa: E402


def gdb_script(n):
    return ["-ex", "python import time; t0 = time.monotonic()",
            "-ex", "python a = int(gdb.parse_and_eval('&jiffies_64'))",
            "-ex", "python [gdb.execute('x/1gx %%d' %% a, to_string=True) for i in range(%d)]" % n,
            "-ex", "python print('READS %f' % (time.monotonic() - t0))",
            "-ex", "python t0 = time.monotonic()",
            "-ex", "info threads",
            "-ex", "python print('THREADS %f' % (time.monotonic() - t0))"]


def parse(out, what):
    m = re.search(r"READS ([\d.]+)[\s\S]*THREADS ([\d.]+)", out)
    if not m:
        raise SystemExit("%s: no timing in gdb's output:\n%s" % (what, out[-3000:]))
    return float(m.group(1)), float(m.group(2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=200)
    a = ap.parse_args()
    vmlinux = os.path.join(kernel_dir(), "vmlinux")
    with Board("bench-gdbrtt", smp=2, append=NMI_APPEND, serial_tcp=free_port(),
               telnet=False) as b:
        b.wait_ready()
        b.lock_all()
        b.disconnect()
        # nmidbg first: it leaves kdb as it found it.  (After gdb's own
        # session kgdb stays in gdb mode, and a knock enters it silently.)
        p = subprocess.run([NMIDBG, "gdb", "tcp:127.0.0.1:%d" % b.serial_tcp,
                            "--vmlinux", vmlinux, "--batch", "--"] + gdb_script(a.n),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=600)
        relayed = parse(p.stdout, "nmidbg gdb")
        # KASLR: gdb of its own loads the symbols where nmidbg found them.
        m = re.search(r"KASLR offset (0x[0-9a-f]+)", p.stderr)
        offset = int(m.group(1), 16) if m else 0
        to_kgdb(b.serial_tcp)
        g = subprocess.run(["gdb-multiarch", "-batch", "-nx", "-iex", "set pagination off",
                            "-iex", "set auto-load no"]
                           + own_gdb_symbols(vmlinux, offset)
                           + ["-ex", "target remote tcp:127.0.0.1:%d" % b.serial_tcp]
                           + gdb_script(a.n) + ["-ex", "detach"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=600)
        direct = parse(g.stdout, "direct")
    print("gdb over kgdb, every CPU hard-locked: %d one-word reads, then info threads" % a.n)
    print("%-22s %12s %14s" % ("", "per read", "info threads"))
    print("%-22s %9.2f ms %12.2f s" % ("gdb direct", direct[0] * 1000 / a.n, direct[1]))
    print("%-22s %9.2f ms %12.2f s" % ("through nmidbg gdb", relayed[0] * 1000 / a.n, relayed[1]))
    ratio = relayed[0] / direct[0]
    print("ratio nmidbg/direct %.2f (reads), %.2f (threads)   goal: <= 1.2"
          % (ratio, relayed[1] / direct[1]))
    return 0 if ratio <= 1.2 else 1


if __name__ == "__main__":
    sys.exit(main())
