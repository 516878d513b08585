# SPDX-License-Identifier: GPL-3.0-or-later
"""Nothing blocks the loop (issue 20): a client that stops reading, a
break-in that takes its time, a host that black-holes a reconnect.  The
consoles, the listeners and the terminal are served throughout; a stuck
client is buffered up to a bound and then dropped, never waited on.
Against a fake board, plain and ASan/UBSan builds."""
import os
import re
import socket
import subprocess
import threading
import time
import unittest

from board import free_port
from host.fake_board import FakeBoard
from host.test_inputs import Terminal, connect

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("NMIDBG_BUILD", os.path.join(ROOT, "build"))
HELLO = b"\xff\xfb\x01\xff\xfb\x03"     # the proxy's telnet WILL ECHO, WILL SGA


def wait_for(cond, secs=10):
    end = time.monotonic() + secs
    while not cond() and time.monotonic() < end:
        time.sleep(0.05)
    return cond()


def packet(payload):
    return b"$%s#%02x" % (payload, sum(payload) % 256)


class Reader(threading.Thread):
    """Everything a socket (or read(n)) gives, as it comes, until it
    gives nothing."""

    def __init__(self, src):
        super().__init__(daemon=True)
        if isinstance(src, socket.socket):
            src.settimeout(None)        # a quiet client is not a lost one
            self.sock, src = src, src.recv
        self.read, self.data, self.eof = src, bytearray(), False
        self.times = []         # when each read came
        self.start()

    def run(self):
        try:
            while True:
                got = self.read(65536)
                if not got:
                    break
                self.data.extend(got)
                self.times.append(time.monotonic())
        except OSError:
            pass
        self.eof = True


def stuck_client(port):
    """A client that will never read: a small receive window, so what
    it is sent backs up at the sender at once."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    return s


def gaps(data):
    """Flood line numbers missing between the first and the last line."""
    nums = [int(n) for n in re.findall(rb"flood (\d{8})\r\n", bytes(data))]
    return [(a, b) for a, b in zip(nums, nums[1:]) if b != a + 1]


class NoBlockMixin:
    def board(self, **kw):
        b = FakeBoard(**kw)
        self.addCleanup(b.close)
        return b

    def proxy(self, spec, *args):
        self.cport, self.gport = free_port(), free_port()
        p = subprocess.Popen([self.binary, "proxy", spec, "--console", str(self.cport),
                              "--gdb", str(self.gport), "--timeout", "10"] + list(args),
                             stderr=subprocess.PIPE)
        # Killed if it hangs: a stuck proxy need not take SIGTERM.
        self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait()))
        self.err = Reader(lambda n: os.read(p.stderr.fileno(), n))
        return p

    def flooding(self, args=(), spec=None, **kw):
        """A chatty board (flood=), its proxy (args; the board's spec
        as spec(b.spec) has it), and a console that reads."""
        b = self.board(flood=True, **kw)
        p = self.proxy(spec(b.spec) if spec else b.spec, *args)
        reader = Reader(connect(self.cport))
        self.assertTrue(wait_for(lambda: b.flooded > 10000))
        return b, p, reader

    def gdb_sends(self, gdb, payload):
        """A gdb client (a socket to the gdb port) sends one packet."""
        self.addCleanup(gdb.close)
        gdb.sendall(packet(payload))
        return gdb

    def stop(self, p):
        p.terminate()
        p.wait(timeout=20)
        self.err.join(5)
        return bytes(self.err.data).decode(errors="replace")

    def test_console_that_does_not_read_is_dropped(self):
        """One console never reads, another does: the reader gets every
        line, the stuck one is dropped with a word on stderr."""
        b = self.board(flood=True)
        p = self.proxy(b.spec)
        reader = Reader(connect(self.cport))
        stuck = stuck_client(self.cport)
        self.addCleanup(stuck.close)
        # However much the kernel buffers for it, it falls behind at last.
        self.assertTrue(wait_for(lambda: b"console client dropped" in self.err.data, 60),
                        "the reader got %d bytes, the stuck one was never dropped"
                        % len(reader.data))
        self.assertFalse(reader.eof)
        # The stuck client's stream ends: the proxy hung up on it.
        stuck_got = Reader(stuck)
        stuck_got.join(10)
        self.assertTrue(stuck_got.eof, "the console that does not read was not dropped")
        # What it did get came whole, as the reader's did.
        self.assertEqual(gaps(stuck_got.data), [])
        mark = len(reader.data)
        self.assertTrue(wait_for(lambda: len(reader.data) > mark + (1 << 20), 30))
        self.assertEqual(gaps(reader.data), [])
        err = self.stop(p)
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual(err.count("console client dropped: it does not read"), 1, err)

    def test_gdb_that_does_not_read_is_dropped(self):
        """A gdb client that lets the kernel run and never reads what
        kgdb's console then sends it is dropped like a gdb that left: the
        board is stopped and resumed, the consoles flow again."""
        b, p, reader = self.flooding(flood_bps=512 << 10)
        self.gdb_sends(stuck_client(self.gport), b"c")
        self.assertTrue(wait_for(lambda: b"gdb dropped" in self.err.data, 60),
                        bytes(self.err.data))
        self.assertTrue(wait_for(lambda: b"gdb left" in self.err.data, 30),
                        bytes(self.err.data))
        mark = len(reader.data)
        self.assertTrue(wait_for(lambda: len(reader.data) > mark + (1 << 20), 30),
                        "the consoles did not flow again")
        self.assertFalse(b.in_kdb or b.in_kgdb)
        err = self.stop(p)
        self.assertEqual(p.returncode, 0, err)
        self.assertIn("gdb dropped: it does not read", err)
        self.assertIn("gdb left; the board is running", err)
        self.assertEqual(gaps(reader.data[mark:]), [])

    def test_consoles_are_served_while_gdb_breaks_in(self):
        """The knock lands late: while the break-in waits for it, the
        console listener takes a new client and the consoles read on."""
        b, p, reader = self.flooding(knock_delay=4)
        gdb = self.gdb_sends(connect(self.gport), b"?")
        self.assertTrue(wait_for(lambda: b"$3#33" in b.received, 5))
        before = len(reader.data)
        late = Reader(connect(self.cport))
        self.assertTrue(wait_for(lambda: late.data.startswith(HELLO) and
                                 b"flood" in late.data, 2.5),
                        "a console that connected during the break-in was not served")
        self.assertFalse(b.in_kdb, "the knock landed before the test could look")
        self.assertGreater(len(reader.data), before)
        # Then gdb gets its answer, through the relay, as ever.
        answer = Reader(gdb)
        self.assertTrue(wait_for(lambda: re.search(rb"\$[ST]05", answer.data), 20),
                        (bytes(answer.data), bytes(self.err.data)))
        gdb.shutdown(socket.SHUT_RDWR)  # a close() would wait for the reader's recv
        self.assertTrue(wait_for(lambda: b"gdb left" in self.err.data, 20))
        self.assertTrue(wait_for(lambda: not (b.in_kdb or b.in_kgdb), 20))
        err = self.stop(p)
        self.assertEqual(p.returncode, 0, err)
        self.assertIn("gdb connected: knock", err)
        self.assertIn("gdb left; the board is running", err)
        self.assertEqual(gaps(reader.data), [])

    def test_break_is_held_on_the_loop(self):
        """BREAK+g on an rfc2217:// line (ser2net's): gdb's break-in
        holds the BREAK its 250 ms as a wait on the loop, and the
        consoles are fed meanwhile."""
        b, p, reader = self.flooding(("--method", "break"), telnet=True,
                                     spec=lambda s: s.replace("telnet:", "rfc2217://"))
        gdb = self.gdb_sends(connect(self.gport), b"?")
        self.assertTrue(wait_for(lambda: b.break_held, 10), b.received[-40:])
        on, off = b.break_held[0]
        self.assertTrue(0.2 < off - on < 1.0, off - on)    # held as long as before
        # The reads around the BREAK: none waits as long as it was held.
        times = [t for t in reader.times if on - 0.5 < t < off + 0.5]
        gap = max(b - a for a, b in zip(times, times[1:]))
        self.assertLess(gap, 0.18, "the consoles got nothing for %.3f s" % gap)
        self.assertTrue(wait_for(lambda: b"gdb connected: break" in self.err.data, 10),
                        bytes(self.err.data))
        gdb.shutdown(socket.SHUT_RDWR)
        self.assertTrue(wait_for(lambda: b"gdb left" in self.err.data, 20))
        err = self.stop(p)
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual(b.breaks, 1)

    def test_attach_menu_is_served_while_its_break_in_waits(self):
        """Ctrl-] b on a board whose knock lands late: while the break-in
        waits, Ctrl-] q quits at once; left alone, it lands in kdb."""
        b = self.board(knock_delay=5)
        t = Terminal(self.binary, b.spec)
        self.addCleanup(t.close)
        t.type(b"\x1d", b"b")
        self.assertTrue(wait_for(lambda: b"$3#33" in b.received, 5), t.out)
        start = time.monotonic()
        rc = t.quit(timeout=5)
        self.assertIsNotNone(rc, "Ctrl-] q did not quit while the break-in waited")
        self.assertLess(time.monotonic() - start, 2.5)
        self.assertEqual(rc, 0, t.out)
        self.assertNotIn(b"in kdb", bytes(t.out))
        b = self.board(knock_delay=2)
        t = Terminal(self.binary, b.spec)
        self.addCleanup(t.close)
        t.type(b"\x1d", b"b", b"x")    # a key meanwhile is not the board's
        self.assertTrue(t.wait_for(b"in kdb on cpu 0 (knock"), t.out)
        self.assertEqual(t.quit(), 0, t.out)
        self.assertNotIn(b"x", bytes(b.received))

    def lost_to_a_full_queue(self):
        """attach on a terminal to a port that is then lost, its host
        taking no new connection: a listener whose queue is full drops
        the SYN, so connect() hangs as for a host that black-holes.
        Returns the terminal and the listener."""
        ls = socket.socket()
        self.addCleanup(ls.close)
        ls.bind(("127.0.0.1", 0))
        ls.listen(0)
        accepted = []

        def serve_once():
            conn, _ = ls.accept()
            accepted.append(conn)
            conn.sendall(b"Linux console\r\n# ")
        threading.Thread(target=serve_once, daemon=True).start()
        t = Terminal(self.binary, "tcp:127.0.0.1:%d" % ls.getsockname()[1])
        self.addCleanup(t.close)
        self.assertTrue(t.wait_for(b"Linux console"), t.out)
        for _ in range(2):      # not accepted: the queue stays full
            f = socket.socket()
            self.addCleanup(f.close)
            f.setblocking(False)
            f.connect_ex(ls.getsockname())
        accepted[0].shutdown(socket.SHUT_RDWR)
        self.assertTrue(t.wait_for(b"waiting for it to come back"), t.out)
        t.read_for(1)           # a connect is under way, going nowhere
        return t, ls

    def test_attach_quits_while_a_reconnect_hangs(self):
        """Ctrl-] q quits at once while the connect hangs."""
        t, _ = self.lost_to_a_full_queue()
        start = time.monotonic()
        rc = t.quit(timeout=5)
        self.assertIsNotNone(rc, "Ctrl-] q did not quit while the reconnect hung")
        self.assertLess(time.monotonic() - start, 3)
        self.assertEqual(rc, 3, t.out)      # the port was lost and never came back

    def test_attach_comes_back_after_a_connect_that_hung(self):
        """The host takes connections again: the hung connect is given
        up (or its SYN's retry lands) and attach is back."""
        t, ls = self.lost_to_a_full_queue()
        conns = []

        def accept_all():
            try:
                while True:
                    conns.append(ls.accept()[0])
            except OSError:
                pass
        threading.Thread(target=accept_all, daemon=True).start()
        self.assertTrue(t.wait_for(b" is back"), t.out)
        self.assertEqual(t.quit(), 0, t.out)

class TestNoBlock(NoBlockMixin, unittest.TestCase):
    binary = os.path.join(BUILD, "nmidbg")


class TestNoBlockAsan(NoBlockMixin, unittest.TestCase):
    binary = os.path.join(BUILD, "asan", "nmidbg")
