#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""kgdb memory-read benchmark on a simulated 115200-baud line (make bench).

A throttling relay of our own sits between the board's console socket and
the tool: each direction delivers at most BAUD/10 bytes a second, as a
UART would.  In one boot, a 64 KiB read of the kernel text through
`nmidbg dump`, then through gdb's `dump binary memory` over the same
relay.  Prints bytes/s for both, each as a fraction of the hex-encoded
line rate (BAUD/20 B/s: kgdb sends two hex digits a byte) and the ratio.
Goal: >= 0.9 of line rate and >= 1.0x gdb.
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "board"))
from board import NMI_APPEND, Board, free_port, kernel_dir, kernel_symbol  # noqa: E402

NMIDBG = os.path.join(os.environ.get("NMIDBG_BUILD", os.path.join(ROOT, "build")), "nmidbg")


class Relay:
    """TCP relay that paces each direction at `rate` bytes a second."""
    CHUNK = 16      # bytes per step: latency of at most 1.4 ms at 115200

    def __init__(self, upstream_port, rate):
        self.upstream_port, self.rate = upstream_port, rate
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(1)
        self.port = self.lsock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            client, _ = self.lsock.accept()
            board = socket.create_connection(("127.0.0.1", self.upstream_port))
            for s in (client, board):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            done = threading.Event()
            pumps = [threading.Thread(target=self.pump, args=(src, dst, done),
                                      daemon=True)
                     for src, dst in ((client, board), (board, client))]
            for t in pumps:
                t.start()
            done.wait()
            # Wake the other pump before the fds are closed and reused.
            for s in (client, board):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            for t in pumps:
                t.join()
            client.close()
            board.close()

    def pump(self, src, dst, done):
        due = time.monotonic()
        try:
            while not done.is_set():
                data = src.recv(4096)
                if not data:
                    break
                for i in range(0, len(data), self.CHUNK):
                    part = data[i:i + self.CHUNK]
                    due = max(due, time.monotonic()) + len(part) / self.rate
                    delay = due - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    dst.sendall(part)
        except OSError:
            pass
        done.set()


def to_kgdb(port):
    """Through the relay: knock into kdb, then hand the line to kgdb."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(20)
    buf = b""
    for send, want in ((b"$3#33", rb"\[\d+\]kdb> $"), (b"kgdb\r", rb"attach debugger")):
        s.sendall(send)
        while not re.search(want, buf):
            buf += s.recv(4096)
        buf = b""
    s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--baud", type=int, default=115200)
    ap.add_argument("--size", type=int, default=64 << 10)
    a = ap.parse_args()
    rate = a.baud / 10
    hex_rate = a.baud / 20
    addr = kernel_symbol("_stext")
    vmlinux = os.path.join(kernel_dir(), "vmlinux")
    tmp = tempfile.mkdtemp(prefix="nmidbg-bench-")
    mine, gdbs = os.path.join(tmp, "nmidbg.bin"), os.path.join(tmp, "gdb.bin")
    with Board("bench-memread", smp=2, append=NMI_APPEND, serial_tcp=free_port(),
               telnet=False) as b:
        b.wait_ready()
        b.disconnect()
        relay = Relay(b.serial_tcp, rate)
        spec = "tcp:127.0.0.1:%d" % relay.port

        p = subprocess.run([NMIDBG, "dump", spec, hex(addr), str(a.size), "-o", mine,
                            "--method", "knock"],
                           stderr=subprocess.PIPE, text=True, timeout=600)
        m = re.search(r"read (\d+) bytes in (\d+) ms", p.stderr)
        if p.returncode or not m:
            raise SystemExit("nmidbg dump failed:\n" + p.stderr)
        nmidbg_bps = a.size * 1000 / int(m.group(2))

        to_kgdb(relay.port)
        g = subprocess.run(
            ["gdb-multiarch", "-batch", "-nx", "-iex", "set pagination off",
             "-iex", "set auto-load no", vmlinux,
             "-ex", "target remote tcp:127.0.0.1:%d" % relay.port,
             "-ex", "python import time; t0 = time.monotonic()",
             "-ex", "dump binary memory %s 0x%x 0x%x" % (gdbs, addr, addr + a.size),
             "-ex", "python print('DUMP-SECONDS %f' % (time.monotonic() - t0))",
             "-ex", "detach"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
        m = re.search(r"DUMP-SECONDS ([\d.]+)", g.stdout)
        if not m:
            raise SystemExit("gdb dump failed:\n" + g.stdout + g.stderr)
        gdb_bps = a.size / float(m.group(1))

    with open(mine, "rb") as f1, open(gdbs, "rb") as f2:
        same = f1.read() == f2.read()
    print("kgdb memory read: %d bytes at _stext over a simulated %d-baud line"
          % (a.size, a.baud))
    print("(hex-encoded line rate %.0f B/s; both directions paced by the relay)"
          % hex_rate)
    print("%-16s %7.0f B/s  %.3f of line rate" % ("nmidbg dump", nmidbg_bps,
                                                  nmidbg_bps / hex_rate))
    print("%-16s %7.0f B/s  %.3f of line rate" % ("gdb dump memory", gdb_bps,
                                                  gdb_bps / hex_rate))
    print("ratio nmidbg/gdb %.2f   goal: >= 0.9 of line rate, >= 1.0x gdb"
          % (nmidbg_bps / gdb_bps))
    print("the two dumps are %s" % ("identical" if same else "DIFFERENT"))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
