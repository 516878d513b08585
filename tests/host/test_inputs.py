# SPDX-License-Identifier: GPL-3.0-or-later
"""Inputs seen in the field that must not break nmidbg (issue 9): each
case runs the real binary (plain and ASan/UBSan) against a fake peer."""
import glob
import json
import os
import pty
import select
import socket
import subprocess
import threading
import time
import tempfile
import unittest

from board import free_port
from host.fake_board import DMESG, FakeBoard

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("NMIDBG_BUILD", os.path.join(ROOT, "build"))

LINES = [b"console line %d\r\n" % i for i in range(1, 13)]


def lines_server(stream, writes=(), gap=0.0):
    """A one-shot TCP server that sends stream once a client connects, then
    each of writes gap seconds apart (one segment each: no Nagle), and
    keeps the connection open until the client goes.  Returns its port."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)

    def serve():
        conn, _ = ls.accept()
        ls.close()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            conn.sendall(stream)
            for w in writes:
                time.sleep(gap)
                conn.sendall(w)
            while conn.recv(4096):
                pass
        except OSError:
            pass
        conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return ls.getsockname()[1]


def connect(port, timeout=10):
    """A client socket to a listener that may still be starting."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), 1)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Terminal:
    """nmidbg attach on a pty, typed at as a user types: one write a key."""

    def __init__(self, binary, spec, args=(), env=None, timeout=15):
        self.master, slave = pty.openpty()
        self.p = subprocess.Popen([binary, "attach", spec] + list(args), stdin=slave,
                                  stdout=slave, stderr=slave, close_fds=True,
                                  env=dict(os.environ, **(env or {})))
        os.close(slave)
        self.out = bytearray()
        self.deadline = time.monotonic() + timeout
        self.read_for(1)

    def read_for(self, secs):
        end = min(time.monotonic() + secs, self.deadline)
        while time.monotonic() < end:
            r, _, _ = select.select([self.master], [], [], 0.1)
            if r:
                try:
                    self.out.extend(os.read(self.master, 4096))
                except OSError:
                    return

    def type(self, *keys):
        for k in keys:
            os.write(self.master, k)
            self.read_for(0.3)

    def wait_for(self, text, after=b""):
        """Whether the screen shows text (after the first after) in time."""
        def shown():
            at = self.out.find(after)
            return at >= 0 and text in self.out[at + len(after):]
        while not shown() and time.monotonic() < self.deadline:
            self.read_for(0.2)
        return shown()

    def quit(self, keys=b"\x1dq", timeout=10):
        """Type keys; attach's exit code, or None if it still runs."""
        self.type(*[bytes([k]) for k in keys])
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self.read_for(0.2)
        return rc

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        os.close(self.master)


def attach_on_a_terminal(binary, spec, args, keys, until, leave=b"", timeout=15):
    """nmidbg attach on a pty: type keys (one write each), read until the
    screen shows `until`, type `leave`, then Ctrl-] q.  Returns what it
    showed."""
    t = Terminal(binary, spec, args, timeout=timeout)
    try:
        t.type(*keys)
        t.wait_for(until)
        if leave:
            os.write(t.master, leave)
            t.read_for(1)
        os.write(t.master, b"\x1dq")
        t.p.wait(timeout=10)
        t.read_for(0.2)
    finally:
        t.close()
    return bytes(t.out)


class InputsMixin:
    def attach_output(self, spec, env=None):
        """attach with an empty script on stdin: what it showed, stderr."""
        p = subprocess.run([self.binary, "attach", spec], input=b"",
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=dict(os.environ, **(env or {})), timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout, p.stderr.decode(errors="replace")

    def check_console_flows(self, bad):
        stream = b"".join(LINES[:3]) + bad + b"".join(LINES[3:])
        port = lines_server(stream)
        out, err = self.attach_output("rfc2217://127.0.0.1:%d" % port,
                                      {"NMIDBG_DEBUG": "1"})
        for line in LINES[3:]:
            self.assertIn(line.rstrip(), out)
        self.assertIn("telnet: subnegotiation", err)
        return out

    def test_subnegotiation_ended_without_se(self):
        """IAC SB COM-PORT, bytes, IAC and not SE: lines 4 to 12 still come."""
        self.check_console_flows(b"\xff\xfa\x2c\x6b\x05\xff")

    def test_subnegotiation_never_ended(self):
        """IAC SB COM-PORT and no IAC SE ever: cut off, nothing lost."""
        out = self.check_console_flows(b"\xff\xfa\x2c")
        self.assertIn(b"".join(LINES[3:]), out.replace(b"\x00", b""))

    def test_subnegotiation_never_ended_across_reads(self):
        """Issue 20: a raw TCP peer behind telnet: (0xff not doubled, as in
        a binary dump) sends a line, IAC SB COM-PORT, then 200 bytes in
        10-byte writes 50 ms apart and no IAC SE.  The cut-off gives back
        bytes that earlier reads held: no read may write past its buffer
        (the ASan build says so), and all of it comes, as data."""
        body = b"0123456789abcdefghij" * 10
        port = lines_server(LINES[0] + b"\xff\xfa\x2c",
                            [body[i:i + 10] for i in range(0, len(body), 10)] + [LINES[1]],
                            gap=0.05)
        out, err = self.attach_output("telnet:127.0.0.1:%d" % port)
        self.assertNotIn("Sanitizer", err)
        self.assertNotIn("runtime error", err)
        self.assertIn(LINES[0] + body + LINES[1], out)


    def board(self, **kw):
        b = FakeBoard(**kw)
        self.addCleanup(b.close)
        return b

    def nmidbg(self, *args):
        return subprocess.run([self.binary] + list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=60)

    def test_kdb_json_keeps_bytes_that_are_not_utf8(self):
        """Every byte >= 0x80 is escaped: valid JSON, bytes back by Latin-1."""
        b = self.board()
        p = self.nmidbg("kdb", b.spec, "-c", "dmesg 5", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        p.stdout.decode("ascii")            # all escaped: plain ASCII
        out = json.loads(p.stdout)["commands"][0]["output"]
        self.assertEqual([l.encode("latin-1") for l in out], DMESG)

    def test_dmesg_line_with_the_pager_text_survives(self):
        """Only kdb's real pager prompt is removed, not "more> " in a line."""
        b = self.board()
        p = self.nmidbg("kdb", b.spec, "-c", "dmesg 5")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"[    2.000000] says more> in the middle\n", p.stdout)

    def test_knock_other_over_raw_tcp(self):
        """nmi_tty.knock=OTHER on a transport without BREAK: --knock."""
        b = self.board(knock=b"open sesame")
        p = self.nmidbg("break", b.spec, "--timeout", "0.5")
        self.assertEqual(p.returncode, 1, p.stderr)    # the default knock
        for cmd in (["break"], ["kdb", "-c", "cpu"]):
            p = self.nmidbg(*(cmd[:1] + [b.spec, "--knock", "open sesame"] + cmd[1:]))
            self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"Available cpus", p.stdout)

    def test_attach_menu_uses_the_knock(self):
        """The menu's break-in (Ctrl-] b) sends the --knock given, on the
        session: kdb's banner reaches the log, and the kdb prompt is
        attach's own (readline; Ctrl-D resumes)."""
        b = self.board(knock=b"KNOCK")
        log = os.path.join(tempfile.mkdtemp(prefix="nmidbg-attach-"), "board.log")
        out = attach_on_a_terminal(self.binary, b.spec, ["--knock", "KNOCK", "-l", log],
                                   [b"\x1d", b"b"], b"in kdb on cpu 0 (knock",
                                   leave=b"\x04")
        self.assertIn(b"in kdb on cpu 0 (knock", out)
        self.assertIn(b"KNOCK", bytes(b.received))
        with open(log, "rb") as f:
            text = f.read()
        self.assertIn(b"Entering kdb (current=0x0, pid 1) on processor 0", text)
        self.assertIn(b"--- kdb ---", text)
        self.assertTrue(bytes(b.received).endswith(b"go\r"))   # Ctrl-D

    def terminal(self, b):
        """attach on a pty to board b, with a history of its own."""
        home = tempfile.mkdtemp(prefix="nmidbg-home-")
        t = Terminal(self.binary, b.spec, env={"HOME": home})
        self.addCleanup(t.close)
        return t

    def test_escape_key_opens_the_menu_at_a_kdb_prompt(self):
        """In kdb, where readline edits the line (and would take Ctrl-]
        as its character-search), the escape key still opens the menu:
        q quits (exit 0) and leaves the board in kdb."""
        b = self.board()
        t = self.terminal(b)
        t.type(b"\x1d", b"b")
        self.assertTrue(t.wait_for(b"in kdb on cpu 0"), t.out)
        self.assertTrue(t.wait_for(b"[0]kdb> ", after=b"in kdb on cpu 0"), t.out)
        t.read_for(0.5)                 # readline has the prompt
        self.assertEqual(t.quit(), 0, t.out)
        self.assertTrue(t.wait_for(b"menu: b break in", after=b"in kdb on cpu 0"), t.out)
        self.assertTrue(b.in_kdb)
        self.assertFalse(bytes(b.received).endswith(b"go\r"))

    def test_attach_on_a_uniprocessor_kernel(self):
        """kdb on UP prompts "kdb> " (no CPU): attach's line editor shows
        that, not "[-1]kdb> ", learns no "kdb>" command from the prompt
        (Tab completes nothing), and runs `help` once even when it learns
        no command from it."""
        b = self.board(up=True, help=b"")
        t = self.terminal(b)
        t.type(b"\x1d", b"b")
        self.assertTrue(t.wait_for(b"in kdb (knock"), t.out)
        self.assertTrue(t.wait_for(b"kdb> ", after=b"in kdb (knock"), t.out)
        t.read_for(0.5)
        t.type(b"cpu\r")
        self.assertTrue(t.wait_for(b"kdb> ", after=b"Available cpus: 0-1"), t.out)
        t.read_for(0.5)
        t.type(b"k", b"\t", b"\r")
        self.assertTrue(t.wait_for(b"kdb> ", after=b"Unknown kdb command: 'k"), t.out)
        t.read_for(0.5)
        t.type(b"\x04")                 # Ctrl-D: go
        self.assertEqual(t.quit(), 0, t.out)
        self.assertEqual(b.commands, ["help", "cpu", "k"])
        self.assertNotIn(b"[-1]", bytes(t.out))
        self.assertNotIn(b"cpu -1", bytes(t.out))
        self.assertTrue(bytes(b.received).endswith(b"go\r"))

    def test_proxy_console_enter_is_one_line(self):
        """A telnet client's CR LF or CR NUL reaches the board as one CR."""
        b = self.board()
        cport, gport = free_port(), free_port()
        p = subprocess.Popen([self.binary, "proxy", b.spec, "--console", str(cport),
                              "--gdb", str(gport)], stderr=subprocess.PIPE)
        self.addCleanup(p.wait, 10)
        self.addCleanup(p.terminate)
        c = connect(cport)
        self.addCleanup(c.close)
        c.sendall(b"echo one\r\n")
        c.sendall(b"echo two\r")
        time.sleep(0.2)
        c.sendall(b"\0echo three\r\n")
        deadline = time.monotonic() + 10
        while b"three" not in b.received and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        self.assertEqual(bytes(b.received), b"echo one\recho two\recho three\r")

    def test_unwritable_output_is_exit_6_before_the_board_is_touched(self):
        b = self.board()
        for args in (["dump", b.spec, "0x10", "16", "-o", "/nonexistent/mem.bin"],
                     ["triage", b.spec, "-o", "/nonexistent/r.md"],
                     ["triage", b.spec, "--json", "/nonexistent/r.json"]):
            p = self.nmidbg(*args)
            self.assertEqual(p.returncode, 6, (args, p.stderr))
            self.assertIn(b"cannot write /nonexistent/", p.stderr)
        self.assertEqual(bytes(b.received), b"")
        # The default report name it opened first is not left behind.
        self.assertEqual(glob.glob("nmidbg-triage-*"), [])

    def test_report_that_cannot_be_written_at_the_end_is_exit_6(self):
        """A full disk: the error names the file (not 'no answer')."""
        b = self.board()
        p = self.nmidbg("triage", b.spec, "-o", "/dev/full", "--json", "/dev/full")
        self.assertEqual(p.returncode, 6, p.stderr)
        self.assertIn(b"cannot write /dev/full: No space left on device", p.stderr)
        self.assertFalse(b.in_kdb)      # resumed all the same

    def test_triage_json_keeps_bytes_that_are_not_utf8(self):
        b = self.board()
        d = tempfile.mkdtemp(prefix="nmidbg-triage-")
        p = self.nmidbg("triage", b.spec, "-o", os.path.join(d, "r.md"))
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(d, "r.json"), "rb") as f:
            report = json.loads(f.read().decode("ascii"))
        self.assertEqual([l.encode("latin-1") for l in report["dmesg"]], DMESG)


class TestInputs(InputsMixin, unittest.TestCase):
    binary = os.path.join(BUILD, "nmidbg")


class TestInputsAsan(InputsMixin, unittest.TestCase):
    binary = os.path.join(BUILD, "asan", "nmidbg")
