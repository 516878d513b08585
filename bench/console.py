#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Console passthrough benchmark (make bench), side by side in one boot:

  throughput  the guest's `source N` read from the socket directly, then
              through `nmidbg attach` (its stdout a pipe): bytes/s, ratio
  latency     `echo` round trips, median, direct vs through attach
  idle        attach's wakeups per second while the board is quiet
              (voluntary context switches of the process; goal 0)
"""
import os
import re
import select
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "board"))
from board import Board, free_port  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NMIDBG = os.path.join(ROOT, "build", "nmidbg")
N = 1 << 20
ROUNDS = 30


def ctxt_switches(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"voluntary_ctxt_switches:\s+(\d+)", f.read()).group(1))


class Attached:
    """nmidbg attach with pipes for stdin and stdout."""

    def __init__(self, spec):
        self.p = subprocess.Popen([NMIDBG, "attach", spec], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.buf = bytearray()
        os.set_blocking(self.p.stdout.fileno(), False)

    def send(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def wait_for(self, pattern, start, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            m = re.compile(pattern).search(self.buf, start)
            if m:
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(pattern)
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if r:
                self.buf += self.p.stdout.read() or b""

    def close(self):
        self.p.kill()
        self.p.wait()


def main():
    with Board("bench-console", serial_tcp=free_port(), telnet=False) as b:
        b.wait_ready()
        # Direct: the harness reads the socket itself.
        t = time.monotonic()
        b.from_guest(N, 7)
        direct_bps = N / (time.monotonic() - t)
        direct_rtt = []
        for i in range(ROUNDS):
            t = time.monotonic()
            b.send("echo rt%d\r" % i)
            # The output line, not the tty's echo of "echo rtN".
            b.expect(re.compile(rb"(?<!echo )rt%d\r\n" % i), 10)
            direct_rtt.append(time.monotonic() - t)
            b.expect(b"nmidbg# ", 5)
        b.disconnect()

        a = Attached(b.port_spec())
        try:
            time.sleep(0.5)
            a.send(b"source %d 7\r" % N)
            m = a.wait_for(rb"SOURCE-BEGIN\r\n", 0)
            t = time.monotonic()
            a.wait_for(rb"SOURCE-END", m.end() + N - 1, 600)
            attach_bps = N / (time.monotonic() - t)
            a.wait_for(rb"nmidbg# ", 0)
            attach_rtt = []
            for i in range(ROUNDS):
                start = len(a.buf)
                t = time.monotonic()
                a.send(b"echo at%d\r" % i)
                m = a.wait_for(rb"(?<!echo )at%d\r\n" % i, start, 10)
                attach_rtt.append(time.monotonic() - t)
                a.wait_for(rb"nmidbg# ", m.end(), 5)
            time.sleep(1)
            before = ctxt_switches(a.p.pid)
            time.sleep(5)
            wakeups = (ctxt_switches(a.p.pid) - before) / 5
        finally:
            a.close()

    dm, am = statistics.median(direct_rtt) * 1000, statistics.median(attach_rtt) * 1000
    print("console passthrough, 1 MiB from the guest, %d echo round trips" % ROUNDS)
    print("  throughput  direct %8.1f KB/s   attach %8.1f KB/s   ratio %.2f"
          % (direct_bps / 1000, attach_bps / 1000, attach_bps / direct_bps))
    print("  round trip  direct %8.2f ms     attach %8.2f ms     added %.2f ms"
          % (dm, am, am - dm))
    print("  idle        attach %.1f wakeups/s (goal 0)" % wakeups)
    return 0


if __name__ == "__main__":
    sys.exit(main())
