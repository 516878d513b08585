# SPDX-License-Identifier: GPL-3.0-or-later
"""nmidbg break / kdb against a fake board (no QEMU): every transport that
needs no hardware, the pager, JSON, and the board misbehaving.  Run against
the plain and the ASan/UBSan build."""
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from host.fake_board import FakeBoard

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("NMIDBG_BUILD", os.path.join(ROOT, "build"))


class FakeMixin:
    def nmidbg(self, *args, timeout=30):
        return subprocess.run([self.binary] + list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=timeout)

    def board(self, **kw):
        b = FakeBoard(**kw)
        self.addCleanup(b.close)
        return b

    def test_break_by_knock(self):
        b = self.board()
        p = self.nmidbg("break", b.spec, "--method", "knock")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"^in kdb on cpu 0: knock in \d+ ms")
        self.assertIn(b"$3#33", bytes(b.received))

    def test_break_over_telnet_sends_iac_brk(self):
        b = self.board(telnet=True)
        p = self.nmidbg("break", b.spec, "--method", "break")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("break in", p.stdout)
        self.assertEqual(b.breaks, 1)

    def test_auto_falls_back_to_break(self):
        b = self.board(telnet=True, behaviour="noknock")
        p = self.nmidbg("break", b.spec, "--timeout", "1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(": break in", p.stdout)
        self.assertIn(b"$3#33", bytes(b.received))
        self.assertEqual(b.breaks, 1)

    def test_break_on_a_port_without_break_is_a_clear_error(self):
        b = self.board()
        p = self.nmidbg("break", b.spec, "--method", "break")
        self.assertEqual(p.returncode, 3)
        self.assertIn("cannot send BREAK", p.stderr)

    def test_kdb_json_answers_the_pager_and_resumes(self):
        b = self.board()
        p = self.nmidbg("kdb", b.spec, "-c", "btc", "-c", "cpu", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        j = json.loads(p.stdout)
        self.assertEqual((j["entry"]["how"], j["cpu"], j["resumed"], j["ok"]),
                         ("knock", 0, True, True))
        btc, cpu = j["commands"]
        self.assertEqual(btc["command"], "btc")
        self.assertEqual(sum("lkdtm_HARDLOCKUP" in l for l in btc["output"]), 30)
        self.assertFalse(any("more>" in l or "kdb>" in l for l in btc["output"]))
        self.assertEqual(cpu["output"], ["Currently on cpu 0", "Available cpus: 0-1"])
        time.sleep(0.5)
        self.assertTrue(bytes(b.received).endswith(b"go\r"))
        self.assertFalse(b.in_kdb)

    def test_kdb_stay_leaves_it_in_kdb(self):
        b = self.board()
        p = self.nmidbg("kdb", b.spec, "-c", "cpu", "--stay")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "Currently on cpu 0\nAvailable cpus: 0-1\n")
        self.assertTrue(b.in_kdb)
        # And a second run finds it there without knocking again.
        p = self.nmidbg("break", b.spec)
        self.assertIn("already there", p.stdout)

    def test_pty_through_termios(self):
        b = self.board(transport="pty")
        p = self.nmidbg("kdb", b.spec, "-c", "cpu")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Available cpus: 0-1", p.stdout)
        p = self.nmidbg("break", b.spec, "--method", "break")
        self.assertEqual(p.returncode, 3)
        self.assertIn("cannot send BREAK", p.stderr)

    def test_a_link_to_the_device_is_followed(self):
        # /dev/serial/by-id/... names are links: libserialport 0.1.1 does not
        # follow them, and the backend is picked by the device's own name.
        b = self.board(transport="pty")
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        link = os.path.join(d, "usb-FTDI_FT232R_USB_UART_A1B2C3-if00-port0")
        os.symlink(b.spec, link)
        p = self.nmidbg("kdb", link, "-c", "cpu")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Currently on cpu 0", p.stdout)

    def test_silent_board_times_out_with_what_it_saw(self):
        b = self.board(behaviour="silent")
        t = time.monotonic()
        p = self.nmidbg("break", b.spec, "--method", "knock", "--timeout", "1")
        self.assertEqual(p.returncode, 1)
        self.assertLess(time.monotonic() - t, 10)
        self.assertIn("no answer from the board; last seen: nothing", p.stderr)

    def test_garbage_before_the_prompt(self):
        b = self.board(behaviour="garbage")
        p = self.nmidbg("kdb", b.spec, "-c", "cpu")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Available cpus", p.stdout)

    def test_disconnect_mid_command(self):
        b = self.board(behaviour="disconnect")
        p = self.nmidbg("kdb", b.spec, "-c", "btc")
        self.assertEqual(p.returncode, 3)
        self.assertIn("connection closed", p.stderr)

    def test_reboot_mid_command(self):
        # The banner inside kdb's text is a reboot only when no prompt follows.
        b = self.board(behaviour="reboot")
        p = self.nmidbg("kdb", b.spec, "-c", "btc", "--timeout", "1")
        self.assertEqual(p.returncode, 5)
        self.assertIn("rebooted", p.stderr)

    def test_whole_dmesg_with_the_boot_banner(self):
        # kdb's dmesg prints the boot log, banner and all: a command's
        # output, never a reboot (it was read as one: exit 5, left at more>).
        log = [b"[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]"]
        log += [b"[    0.%06d] line %d" % (i, i) for i in range(1, 70)]
        b = self.board(log=log)
        p = self.nmidbg("kdb", b.spec, "-c", "dmesg")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.splitlines(), [l.decode() for l in log])
        time.sleep(0.5)
        self.assertFalse(b.in_kdb)
        self.assertIsNone(b.pager)

    def board_at_the_pager(self):
        """A board where a client's btc stopped at "more> " and the client left."""
        b = self.board()
        c = socket.create_connection(("127.0.0.1", int(b.spec.rsplit(":", 1)[1])))
        c.sendall(b"$3#33")
        self._read_until(c, b"kdb> ")
        c.sendall(b"btc\r")
        self._read_until(c, b"more> ")
        c.close()
        time.sleep(0.2)
        self.assertIsNotNone(b.pager)
        return b

    def test_board_left_at_the_pager_is_taken_from_there(self):
        # Someone's dmesg stopped at "more> " (a killed client): the next
        # command ends that one with 'q' and runs its own.
        b = self.board_at_the_pager()
        p = self.nmidbg("kdb", b.spec, "-c", "cpu", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        j = json.loads(p.stdout)
        self.assertEqual(j["entry"]["how"], "already")
        self.assertEqual(j["commands"][0]["output"],
                         ["Currently on cpu 0", "Available cpus: 0-1"])
        time.sleep(0.5)
        self.assertFalse(b.in_kdb)

    def test_board_left_in_kgdb_is_taken_from_there(self):
        b = self.board()
        b.in_kgdb = True        # as a gdb that was killed leaves it
        p = self.nmidbg("kdb", b.spec, "-c", "cpu")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Currently on cpu 0", p.stdout)
        time.sleep(0.5)
        self.assertFalse(b.in_kdb or b.in_kgdb)

    def test_resume_lets_a_stopped_board_go(self):
        b = self.board()
        p = self.nmidbg("break", b.spec)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(b.in_kdb)
        p = self.nmidbg("resume", b.spec)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "resumed: the board was in kdb, `go` sent\n")
        time.sleep(0.3)
        self.assertFalse(b.in_kdb)
        self.assertTrue(bytes(b.received).endswith(b"\rgo\r"), bytes(b.received)[-20:])

    def test_resume_ends_a_command_left_at_the_pager(self):
        b = self.board_at_the_pager()
        p = self.nmidbg("resume", b.spec)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("resumed", p.stdout)
        time.sleep(0.3)
        self.assertFalse(b.in_kdb)
        self.assertIsNone(b.pager)

    def test_resume_leaves_a_running_board_alone(self):
        # Never the knock: a running board gets one empty line, nothing else.
        b = self.board()
        p = self.nmidbg("resume", b.spec, "--timeout", "1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "not stopped in kdb: no kdb prompt in 1000 ms; left as it is\n")
        self.assertEqual(bytes(b.received), b"\r")
        self.assertFalse(b.knocked or b.in_kdb)
        p = self.nmidbg("resume", "tcp:127.0.0.1:1")
        self.assertEqual(p.returncode, 3, p.stderr)
        p = self.nmidbg("resume", b.spec, "--stay")
        self.assertEqual(p.returncode, 2)
        self.assertIn("usage: nmidbg resume PORT", p.stderr)

    @staticmethod
    def _read_until(sock, what, secs=10):
        got, end = b"", time.monotonic() + secs
        sock.settimeout(secs)
        while what not in got and time.monotonic() < end:
            got += sock.recv(4096)
        return got

    def test_unknown_and_refused_ports(self):
        p = self.nmidbg("break", "/dev/nonexistent-tty")
        self.assertEqual(p.returncode, 3)
        self.assertIn("No such file", p.stderr)
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        p = self.nmidbg("break", "tcp:127.0.0.1:%d" % port)
        self.assertEqual(p.returncode, 3)
        self.assertIn("refused", p.stderr)
        p = self.nmidbg("break", "bogus")
        self.assertEqual(p.returncode, 3)
        self.assertIn("is not a port", p.stderr)

    def test_busy_port_names_the_holder(self):
        b = self.board(transport="pty")
        fd = os.open(b.spec, os.O_RDWR | os.O_NOCTTY)
        self.addCleanup(os.close, fd)
        fcntl.flock(fd, fcntl.LOCK_EX)   # as another nmidbg or picocom would
        p = self.nmidbg("break", b.spec)
        self.assertEqual(p.returncode, 3)
        self.assertIn("port busy: held by pid %d (" % os.getpid(), p.stderr)

    def test_sysrq_method_types_into_the_shell(self):
        b = self.board()
        p = self.nmidbg("break", b.spec, "--method", "sysrq")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(": sysrq in", p.stdout)
        self.assertIn(b"echo g > /proc/sysrq-trigger\r", bytes(b.received))

    def test_unix_socket_port(self):
        b = self.board(transport="unix")
        p = self.nmidbg("kdb", b.spec, "-c", "cpu", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        j = json.loads(p.stdout)
        self.assertEqual(j["port"], b.spec)
        self.assertEqual(j["commands"][0]["output"][0], "Currently on cpu 0")

    def test_ctrl_c_ends_a_wait_cleanly(self):
        b = self.board(behaviour="silent")
        p = subprocess.Popen([self.binary, "break", b.spec, "--method", "knock",
                              "--timeout", "30"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        time.sleep(1)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=10)
        self.assertEqual(p.returncode, 4)
        self.assertIn("interrupted", err)

    def test_debug_traces_the_wire(self):
        b = self.board()
        p = subprocess.run([self.binary, "break", b.spec, "--method", "knock"],
                           env=dict(os.environ, NMIDBG_DEBUG="1"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("nmidbg: > 5: 24 33 23 33 33", p.stderr)   # $3#33
        self.assertRegex(p.stderr, r"nmidbg: < \d+: .*5b 30 5d 6b 64 62 3e 20")

    def test_usage_errors(self):
        for args in (["kdb", "tcp:127.0.0.1:1"], ["break"],
                     ["break", "x", "--method", "telepathy"]):
            p = self.nmidbg(*args)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn("nmidbg", p.stderr)


class TestFake(FakeMixin, unittest.TestCase):
    binary = os.path.join(BUILD, "nmidbg")


class TestFakeAsan(FakeMixin, unittest.TestCase):
    binary = os.path.join(BUILD, "asan", "nmidbg")


class AttachPipe(unittest.TestCase):
    """attach with a script on standard input (no terminal)."""

    def test_reconnects_when_the_port_returns(self):
        b = FakeBoard()
        self.addCleanup(b.close)
        p = subprocess.Popen([os.path.join(BUILD, "asan", "nmidbg"), "attach", b.spec],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        self.addCleanup(p.kill)
        time.sleep(1)
        b.drop()
        time.sleep(2)
        p.stdin.write(b"echo after-reconnect\n")
        p.stdin.flush()
        time.sleep(1)
        p.stdin.close()         # attach drains a second, then exits
        out = p.stdout.read()
        err = p.stderr.read()
        self.assertEqual(p.wait(timeout=15), 0, err)
        self.assertIn(b"[nmidbg] lost " + b.spec.encode(), out)
        self.assertIn(b"[nmidbg] " + b.spec.encode() + b" is back", out)
        self.assertIn(b"echo after-reconnect\n", bytes(b.received))

    def test_piped_input_reaches_the_board_and_attach_exits(self):
        b = FakeBoard()
        self.addCleanup(b.close)
        t = time.monotonic()
        p = subprocess.run([os.path.join(BUILD, "asan", "nmidbg"), "attach", b.spec],
                           input="echo from-a-script\n", stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertLess(time.monotonic() - t, 10)
        self.assertIn("Linux console", p.stdout)
        self.assertIn("echo from-a-script", p.stdout)   # the board echoed it
        self.assertIn(b"echo from-a-script\n", bytes(b.received))
