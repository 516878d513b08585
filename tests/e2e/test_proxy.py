# SPDX-License-Identifier: GPL-3.0-or-later
"""`nmidbg proxy`: a telnet console client and a gdb-multiarch client on the
board's one line, gdb's packets never on the console."""
import json
import os
import re
import select
import socket
import subprocess
import threading
import time

from board import NMI_APPEND, TelnetDecoder, free_port, kernel_dir, own_gdb_symbols
from e2e.common import BoardTest
from e2e.test_nmidbg import NMIDBG

PACKET = re.compile(rb"\$[^$#\r\n]{0,400}#[0-9a-fA-F]{2}")


class TelnetClient:
    def __init__(self, port, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), 1)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.decoder = TelnetDecoder()
        self.buf = bytearray()
        self.pos = 0

    def send(self, data):
        self.sock.sendall(data)

    def expect(self, pattern, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            m = pattern.search(self.buf, self.pos)
            if m:
                self.pos = m.end()
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("console: no %r; last seen: %r"
                                     % (pattern.pattern, bytes(self.buf[-300:])))
            if select.select([self.sock], [], [], left)[0]:
                data = self.sock.recv(65536)
                if not data:
                    raise AssertionError("console: proxy closed the connection")
                self.buf += self.decoder.feed(data)

    def close(self):
        self.sock.close()


class NmidbgProxy(BoardTest):
    def start_proxy(self, b):
        cport, gport = free_port(), free_port()
        proxy = subprocess.Popen(
            [NMIDBG, "proxy", b.port_spec(), "--console", "127.0.0.1:%d" % cport,
             "--gdb", "tcp:127.0.0.1:%d" % gport],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        return proxy, cport, gport

    def test_console_and_gdb_together(self):
        b = self.boot(append=NMI_APPEND, smp=2, serial_tcp=free_port())
        b.disconnect()
        # KASLR: a gdb of one's own loads the vmlinux at the offset that
        # doctor reports, as nmidbg(1) says.
        vmlinux = os.path.join(kernel_dir(), "vmlinux")
        p = subprocess.run([NMIDBG, "doctor", b.port_spec(), "--vmlinux", vmlinux,
                            "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=120)
        offset = json.loads(p.stdout)["facts"]["kaslr_offset"]
        self.assertNotEqual(offset, 0, "the board runs without KASLR")
        b.reconnect()
        b.probe_shell()
        b.sh("lock 1")
        b.disconnect()
        proxy, cport, gport = self.start_proxy(b)
        try:
            con = TelnetClient(cport)
            con.send(b"echo via-proxy\r")
            con.expect(re.compile(rb"(?<!echo )via-proxy\r\n"))
            g = subprocess.run(
                ["gdb-multiarch", "-batch", "-nx", "-iex", "set pagination off",
                 "-iex", "add-auto-load-safe-path /"]
                + own_gdb_symbols(vmlinux, offset)
                + ["-ex", "target remote tcp:127.0.0.1:%d" % gport,
                   "-ex", "lx-version", "-ex", "thread 2", "-ex", "bt"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                timeout=180)
            self.assertIn("Linux version 6.12", g.stdout, g.stderr[-2000:])
            # CPU 1 is the locked one.
            self.assertRegex(g.stdout, r"lkdtm_HARDLOCKUP \(\) at \S*lkdtm/bugs\.c:\d+")
            # gdb gone: the board runs again and the console works.
            con.expect(re.compile(rb"kdb> go"), 20)
            time.sleep(1)
            con.send(b"echo after-gdb\r")
            con.expect(re.compile(rb"(?<!echo )after-gdb\r\n"))
            self.assertIn(b"Entering kdb", con.buf)   # the console saw kdb
            self.assertIsNone(PACKET.search(con.buf), bytes(con.buf[-2000:]))
            # Only loopback unless asked.
            p = subprocess.run([NMIDBG, "proxy", b.port_spec(), "--console",
                                "0.0.0.0:%d" % free_port()],
                               stderr=subprocess.PIPE, text=True, timeout=10)
            self.assertEqual(p.returncode, 2)
            self.assertIn("not a loopback address", p.stderr)
            con.close()
        finally:
            proxy.terminate()
            _, err = proxy.communicate(timeout=10)
        self.assertEqual(proxy.returncode, 0, err)     # SIGTERM ends it cleanly
        self.assertIn("gdb connected: knock", err)
        self.assertIn("gdb left; the board is running", err)

    def test_stopped_with_gdb_attached_resumes_the_board(self):
        b = self.boot(append=NMI_APPEND, smp=2, serial_tcp=free_port())
        b.disconnect()
        proxy, cport, gport = self.start_proxy(b)
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(proxy.stderr), daemon=True)
        reader.start()
        try:
            gdb = TelnetClient(gport)           # a gdb that connects, then waits
            deadline = time.monotonic() + 30
            while not any("gdb connected" in l for l in lines):
                self.assertLess(time.monotonic(), deadline, "".join(lines))
                time.sleep(0.1)
            proxy.terminate()
            proxy.wait(timeout=30)
            reader.join(10)
            gdb.close()
        finally:
            if proxy.poll() is None:
                proxy.kill()
        err = "".join(lines)
        self.assertEqual(proxy.returncode, 0, err)
        self.assertIn("gdb connected: knock", err)
        self.assertIn("gdb left; the board is running", err)
        b.reconnect()
        b.probe_shell()
