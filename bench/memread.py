#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""kgdb memory-read benchmark on simulated serial lines (make bench).

A throttling relay of our own sits between the board's console socket and
the tool: each direction delivers at most BAUD/10 bytes a second, as a
UART would.  In one boot, at each line speed (115200 and Rockchip's
1,500,000 baud by default), a read of the kernel text by:
  - `nmidbg dump` with binary 'x' reads (kgdb offers them: patches 14-15);
  - `nmidbg dump` with hex 'm' reads (kgdb.qsupported=0: kgdb as before);
  - kdb's `md`, the text dump a user types (a smaller read: 4 characters
    a byte);
  - gdb 13's `dump binary memory` through kgdb ('m' of PacketSize / 2).
Prints bytes/s, each as a fraction of the line's byte rate (BAUD/10),
and nmidbg's 'x' against gdb.  Goal at 115200: 'x' >= 0.85 of the line
rate and >= 1.8x gdb's dump; the dumps must be identical.
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
from board import NMI_APPEND, Board, free_port, kernel_dir  # noqa: E402

NMIDBG = os.path.join(os.environ.get("NMIDBG_BUILD", os.path.join(ROOT, "build")), "nmidbg")


class Relay:
    """TCP relay that paces each direction at `rate` bytes a second."""
    CHUNK = 16      # bytes per step: latency of at most 1.4 ms at 115200
    IDLE = 0.005    # seconds behind schedule that mean the line went idle

    def __init__(self, upstream_port, rate):
        # rate may be changed between connections (one board, many speeds)
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
                    # A UART shifts a busy line at exactly its rate: a
                    # late wake-up (sleep overshoots) is made up, not
                    # lost (that cost 9% of the rate); only an idle line
                    # starts afresh.
                    now = time.monotonic()
                    if now - due > self.IDLE:
                        due = now
                    due += len(part) / self.rate
                    delay = due - now
                    if delay > 0:
                        time.sleep(delay)
                    dst.sendall(part)
        except OSError:
            pass
        done.set()


def to_kdb(sock, buf=b""):
    """The knock, then kdb's prompt.  After a gdb session kgdb stays in
    gdb mode and a knock enters it silently: the same bytes again are
    then the packet that goes back to kdb."""
    sock.sendall(b"$3#33")
    deadline = time.monotonic() + 3
    while not re.search(rb"\[\d+\]kdb> $", buf):
        if time.monotonic() > deadline:
            sock.sendall(b"$3#33")
            deadline += 20
        try:
            buf += sock.recv(4096)
        except socket.timeout:
            pass
    return buf


def to_kgdb(port):
    """Through the relay: knock into kdb, then hand the line to kgdb."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(1)
    to_kdb(s)
    s.settimeout(20)
    s.sendall(b"kgdb\r")
    buf = b""
    while b"attach debugger" not in buf:
        buf += s.recv(4096)
    s.close()


def nmidbg_dump(spec, addr, size, out):
    p = subprocess.run([NMIDBG, "dump", spec, hex(addr), str(size), "-o", out,
                        "--method", "knock"],
                       stderr=subprocess.PIPE, text=True, timeout=600)
    m = re.search(r"read (\d+) bytes in (\d+) ms \(\d+ B/s, (.*?)\)", p.stderr)
    if p.returncode or not m:
        raise SystemExit("nmidbg dump failed:\n" + p.stderr)
    return size * 1000 / int(m.group(2)), m.group(3)


def gdb_dump(port, vmlinux, addr, size, out):
    to_kgdb(port)
    g = subprocess.run(
        ["gdb-multiarch", "-batch", "-nx", "-iex", "set pagination off",
         "-iex", "set auto-load no", vmlinux,
         "-ex", "target remote tcp:127.0.0.1:%d" % port,
         "-ex", "python import time; t0 = time.monotonic()",
         "-ex", "dump binary memory %s 0x%x 0x%x" % (out, addr, addr + size),
         "-ex", "python print('DUMP-SECONDS %f' % (time.monotonic() - t0))",
         "-ex", "detach"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
    m = re.search(r"DUMP-SECONDS ([\d.]+)", g.stdout)
    if not m:
        raise SystemExit("gdb dump failed:\n" + g.stdout + g.stderr)
    return size / float(m.group(1))


def kdb_md(port, addr, lines):
    """kdb's md of `lines` lines from addr: bytes shown a second, and the
    bytes (its hex words, in memory order)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(1)
    to_kdb(s)
    s.settimeout(60)
    t0 = time.monotonic()
    s.sendall(b"md 0x%x %d\r" % (addr, lines))
    buf = b""
    while not re.search(rb"\[\d+\]kdb> $", buf):
        buf += s.recv(4096)
        if buf.endswith(b"more> "):
            s.sendall(b" ")         # kdb's pager, answered as a user does
    secs = time.monotonic() - t0
    s.sendall(b"go\r")
    s.close()
    # Lines of words, "A-B zero suppressed" for runs of zero lines, and
    # the pager's prompt erased by a CR before the next line.
    data = b""
    text = buf.replace(b"more> \r", b"")
    for m in re.finditer(rb"^0x([0-9a-f]{16})(?:-0x([0-9a-f]{16}) zero suppressed"
                         rb"|((?: [0-9a-f]{16})+))", text, re.M):
        if m.group(2):
            data += bytes(int(m.group(2), 16) + 1 - int(m.group(1), 16))
        else:
            for word in m.group(3).split():
                data += int(word, 16).to_bytes(8, "little")
    return len(data) / secs, data, buf


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bauds", default="115200,1500000")
    ap.add_argument("--size", type=int, default=64 << 10)
    ap.add_argument("--md-lines", type=int, default=256)
    a = ap.parse_args()
    bauds = [int(x) for x in a.bauds.split(",")]
    vmlinux = os.path.join(kernel_dir(), "vmlinux")
    tmp = tempfile.mkdtemp(prefix="nmidbg-bench-")
    rows, dumps, mds, ok = [], [], [], True
    with Board("bench-memread", smp=2, append=NMI_APPEND, serial_tcp=free_port(),
               telnet=False) as b:
        b.wait_ready()
        addr, = b.kallsyms("_stext")    # KASLR: where the text runs
        b.disconnect()
        relay = Relay(b.serial_tcp, bauds[0] / 10)
        spec = "tcp:127.0.0.1:%d" % relay.port
        for baud in bauds:
            relay.rate = baud / 10
            for qs in ("1", "0"):
                b.reconnect()
                b.sh("write /sys/module/kgdb/parameters/qsupported " + qs)
                b.disconnect()
                out = os.path.join(tmp, "nmidbg-%d-%s.bin" % (baud, qs))
                bps, how = nmidbg_dump(spec, addr, a.size, out)
                rows.append((baud, "nmidbg dump, " + how, bps))
                dumps.append(out)
            bps, data, text = kdb_md(relay.port, addr, a.md_lines)
            with open(os.path.join(tmp, "md-%d.txt" % baud), "wb") as f:
                f.write(text)
            rows.append((baud, "kdb md (%d bytes)" % len(data), bps))
            md_out = os.path.join(tmp, "md-%d.bin" % baud)   # md's bytes
            with open(md_out, "wb") as f:
                f.write(data)
            mds.append(md_out)
        # gdb last: after it kgdb stays in gdb mode (to_kdb copes).
        for baud in bauds:
            relay.rate = baud / 10
            out = os.path.join(tmp, "gdb-%d.bin" % baud)
            rows.append((baud, "gdb 13 dump memory ('m')", gdb_dump(relay.port, vmlinux,
                                                                   addr, a.size, out)))
            dumps.append(out)
    contents = {}
    for path in dumps + mds:
        with open(path, "rb") as f:
            contents[os.path.basename(path)] = f.read()
    ref = contents[os.path.basename(dumps[0])]
    differ = [name for name, data in contents.items()
              if not (ref.startswith(data) if name.startswith("md-") else data == ref)]
    same = not differ
    print("kgdb memory read: %d bytes at _stext over simulated serial lines"
          % a.size)
    print("(both directions paced by the relay at BAUD/10 bytes a second)")
    print("%9s  %-36s %9s  %s" % ("baud", "reader", "B/s", "of line rate"))
    for baud, name, bps in rows:
        print("%9d  %-36s %9.0f  %.3f" % (baud, name, bps, bps / (baud / 10)))
    first = bauds[0]
    x = [bps for baud, name, bps in rows if baud == first and "'x'" in name]
    g = [bps for baud, name, bps in rows if baud == first and name.startswith("gdb")]
    if x and g:
        frac, ratio = x[0] / (first / 10), x[0] / g[0]
        print("at %d: 'x' is %.3f of the line rate, %.2fx gdb's dump"
              "   goal: >= 0.85, >= 1.8x" % (first, frac, ratio))
        ok = frac >= 0.85 and ratio >= 1.8
    print("the dumps are %s" % ("identical" if same else
                                "DIFFERENT: %s (kept in %s)" % (", ".join(differ), tmp)))
    return 0 if same and ok else 1


if __name__ == "__main__":
    sys.exit(main())
