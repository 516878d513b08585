# SPDX-License-Identifier: GPL-3.0-or-later
"""Every way nmidbg can end, against a fake board: a signal mid-command
(SIGTERM, SIGHUP, SIGPIPE, SIGINT), a reader that went away, a full disk
on stdout, a port that never came back, a file that cannot be written.
Whatever ends it, the board is left as asked (running unless --stay),
files are complete or gone, the terminal is given back, and the exit
code is the documented one (or death by the same signal, the
convention for all but SIGINT).  Plain and ASan/UBSan builds."""
import json
import os
import signal
import socket
import subprocess
import tempfile
import termios
import time
import unittest

from host.fake_board import FakeBoard

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("NMIDBG_BUILD", os.path.join(ROOT, "build"))


def wait_for(cond, secs=10):
    end = time.monotonic() + secs
    while not cond() and time.monotonic() < end:
        time.sleep(0.05)
    return cond()


class EndingMixin:
    def board(self, **kw):
        b = FakeBoard(**kw)
        self.addCleanup(b.close)
        return b

    def start(self, *args, **kw):
        p = subprocess.Popen([self.binary] + list(args), stderr=subprocess.PIPE, **kw)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        return p

    def signal_mid_command(self, sig, code):
        b = self.board()
        p = self.start("kdb", b.spec, "-c", "hang", "-c", "cpu", "--json",
                       "--timeout", "30", stdout=subprocess.PIPE)
        self.assertTrue(wait_for(lambda: "hang" in b.commands), "never ran hang")
        p.send_signal(sig)
        out, err = p.communicate(timeout=20)
        self.assertEqual(p.returncode, code, err)
        # The board is running again and the JSON says so, whole.
        self.assertTrue(wait_for(lambda: not b.in_kdb), b.received[-40:])
        j = json.loads(out)
        self.assertEqual((j["ok"], j["resumed"], j["after"]), (False, True, "running"))
        self.assertNotIn("cpu", b.commands)     # nothing after the signal
        return err

    def test_sigterm_mid_command_resumes_the_board(self):
        self.signal_mid_command(signal.SIGTERM, -signal.SIGTERM)

    def test_sighup_mid_command_resumes_the_board(self):
        self.signal_mid_command(signal.SIGHUP, -signal.SIGHUP)

    def test_ctrl_c_mid_command_resumes_the_board(self):
        err = self.signal_mid_command(signal.SIGINT, 4)
        self.assertIn(b"interrupted", err)

    def test_sigterm_twice_as_timeout_sends_it_still_resumes(self):
        # timeout(1) signals the child and then its process group: two
        # SIGTERMs at once.  The second gave up on the board (doctor, triage).
        b = self.board()
        p = self.start("kdb", b.spec, "-c", "hang", "--timeout", "30",
                       stdout=subprocess.DEVNULL)
        self.assertTrue(wait_for(lambda: "hang" in b.commands))
        p.send_signal(signal.SIGTERM)
        p.send_signal(signal.SIGTERM)
        p.communicate(timeout=30)
        self.assertEqual(p.returncode, -signal.SIGTERM)
        self.assertTrue(wait_for(lambda: not b.in_kdb))

    def test_stay_is_obeyed_after_a_signal(self):
        b = self.board()
        p = self.start("kdb", b.spec, "-c", "hang", "--stay", "--timeout", "30",
                       stdout=subprocess.DEVNULL)
        self.assertTrue(wait_for(lambda: "hang" in b.commands))
        p.send_signal(signal.SIGTERM)
        p.communicate(timeout=20)
        self.assertEqual(p.returncode, -signal.SIGTERM)
        time.sleep(0.5)
        self.assertTrue(b.in_kdb)
        self.assertFalse(bytes(b.received).endswith(b"go\r"))

    def test_reader_gone_sigpipe_resumes_the_board(self):
        # `nmidbg kdb PORT -c dmesg | head -1`: the output outgrows the pipe.
        log = [b"[%12.6f] %s" % (i / 1000, b"x" * 60) for i in range(3000)]
        b = self.board(log=log)
        p = self.start("kdb", b.spec, "-c", "dmesg", "-c", "dmesg", "-c", "dmesg",
                       stdout=subprocess.PIPE)
        p.stdout.readline()
        p.stdout.close()
        p.wait(timeout=60)
        self.assertEqual(p.returncode, -signal.SIGPIPE, p.stderr.read())
        self.assertTrue(wait_for(lambda: not b.in_kdb))
        self.assertLess(b.commands.count("dmesg"), 3)

    def test_signal_during_a_blocked_stdout_write_loses_nothing(self):
        # The reader is slow: nmidbg blocks writing the JSON when SIGTERM
        # comes; the write goes on (it lost a chunk on EINTR before).
        log = [b"[%12.6f] %s" % (i / 1000, b"y" * 60) for i in range(3000)]
        b = self.board(log=log)
        p = self.start("kdb", b.spec, "-c", "dmesg", "--json", stdout=subprocess.PIPE)

        def in_pipe_write():
            with open("/proc/%d/wchan" % p.pid) as f:
                return f.read() == "anon_pipe_write"
        # The 64 KiB pipe is full: nmidbg waits in write() for the reader.
        self.assertTrue(wait_for(in_pipe_write, 60), "nmidbg never blocked in write")
        p.send_signal(signal.SIGTERM)
        out = p.stdout.read()
        p.wait(timeout=30)
        j = json.loads(out)
        self.assertEqual(len(j["commands"][0]["output"]), 3000)
        self.assertNotIn(b"cannot write standard output", p.stderr.read())

    def test_reader_gone_before_the_output_is_sigpipe(self):
        # `nmidbg kdb PORT -c cpu | true`: the output goes at exit, to a
        # pipe nobody reads: death by SIGPIPE (it exited 0).
        b = self.board()
        r, w = os.pipe()
        os.close(r)
        p = self.start("kdb", b.spec, "-c", "cpu", stdout=w)
        os.close(w)
        p.communicate(timeout=30)
        self.assertEqual(p.returncode, -signal.SIGPIPE)
        self.assertTrue(wait_for(lambda: not b.in_kdb))

    def test_triage_cut_short_says_so(self):
        b = self.board()
        b.cmd_delay = 0.3
        d = tempfile.mkdtemp()
        p = subprocess.run([self.binary, "triage", b.spec, "-o", os.path.join(d, "r.md"),
                            "--deadline", "1.2"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(p.returncode, 16, p.stderr)
        with open(os.path.join(d, "r.json")) as f:
            j = json.load(f)
        self.assertTrue(j["partial"])
        self.assertIn("--deadline", j["partial_why"])
        self.assertEqual(j["after"], "running")
        self.assertEqual(p.stderr.count("the board is "), 2)     # one summary, one deadline
        self.assertNotIn("the board is in kdb", p.stderr)

    def test_full_stdout_is_an_output_error(self):
        b = self.board()
        with open("/dev/full", "w") as full:
            p = self.start("kdb", b.spec, "-c", "cpu", "--json", stdout=full)
            _, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 6, err)
        self.assertIn(b"cannot write standard output", err)
        self.assertTrue(wait_for(lambda: not b.in_kdb))

    def test_sigterm_during_break_in_leaves_no_report_behind(self):
        b = self.board(behaviour="silent")
        d = tempfile.mkdtemp()
        md = os.path.join(d, "r.md")
        p = self.start("triage", b.spec, "-o", md, "--timeout", "10",
                       stdout=subprocess.DEVNULL)
        time.sleep(0.7)
        p.send_signal(signal.SIGTERM)
        p.communicate(timeout=20)
        self.assertEqual(p.returncode, -signal.SIGTERM)
        self.assertEqual(os.listdir(d), [])

    def test_sigterm_mid_dump_leaves_kgdb_and_no_file(self):
        # SIGTERM while kgdb reads: the board leaves kgdb for kdb, then runs.
        b = self.board()
        d = tempfile.mkdtemp()
        out = os.path.join(d, "mem.bin")
        p = self.start("dump", b.spec, "0x1000", str(32 << 20), "-o", out,
                       stdout=subprocess.DEVNULL)
        self.assertTrue(wait_for(lambda: len(b.packets) > 20), "no reads")
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, -signal.SIGTERM, err)
        self.assertTrue(wait_for(lambda: not (b.in_kgdb or b.in_kdb)), b.packets[-3:])
        self.assertIn(b"3", b.packets)
        self.assertEqual(os.listdir(d), [])

    def test_sigterm_while_gdb_runs_ends_gdb_and_resumes(self):
        from host.test_kgdb_fake import tiny_vmlinux
        b = self.board()
        d = tempfile.mkdtemp()
        p = self.start("gdb", b.spec, "--vmlinux", tiny_vmlinux(d), "--batch", "--",
                       "-ex", "info threads", "-ex", "shell sleep 60",
                       stdout=subprocess.PIPE)
        self.assertTrue(wait_for(lambda: b"qfThreadInfo" in b.packets, 30), "gdb never came")
        time.sleep(0.5)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, -signal.SIGTERM, err)
        self.assertTrue(wait_for(lambda: not (b.in_kgdb or b.in_kdb)))
        self.assertIn(b"the board is running", err)
        # gdb went with it (its command line names this test's own vmlinux)
        gdbs = subprocess.run(["pgrep", "-f", "gdb.*" + d], stdout=subprocess.PIPE)
        self.assertEqual(gdbs.stdout, b"")

    def test_sigterm_mid_doctor_resumes_the_board(self):
        b = self.board()
        p = self.start("doctor", b.spec, "--json", stdout=subprocess.PIPE)
        self.assertTrue(wait_for(lambda: b.in_kdb and b.commands), "doctor never got in")
        p.send_signal(signal.SIGTERM)
        p.communicate(timeout=30)
        self.assertEqual(p.returncode, -signal.SIGTERM)
        self.assertTrue(wait_for(lambda: not b.in_kdb))

    def test_deadline_on_a_silent_board(self):
        b = self.board(behaviour="silent")
        t = time.monotonic()
        p = subprocess.run([self.binary, "kdb", b.spec, "-c", "cpu", "--timeout", "30",
                            "--deadline", "1.5"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertLess(time.monotonic() - t, 10)
        self.assertEqual(p.returncode, 16, p.stderr)
        self.assertIn("--deadline of 1500 ms passed", p.stderr)

    def test_deadline_mid_command_resumes_the_board(self):
        b = self.board()
        p = subprocess.run([self.binary, "kdb", b.spec, "-c", "hang", "-c", "cpu",
                            "--json", "--deadline", "1.2"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(p.returncode, 16, p.stderr)
        j = json.loads(p.stdout)
        self.assertEqual((j["ok"], j["after"]), (False, "running"))
        self.assertTrue(wait_for(lambda: not b.in_kdb))
        self.assertNotIn("cpu", b.commands)

    def test_a_board_that_stops_after_the_timeout_is_resumed(self):
        # The knock lands after --timeout (a hung SMP board's roundup): the
        # break-in failed, but the board stopped: it must not stay there.
        b = self.board()
        b.enter_delay = 1.3
        p = subprocess.run([self.binary, "kdb", b.spec, "-c", "cpu", "--timeout", "1",
                            "--method", "knock"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(p.returncode, 1, p.stderr)
        time.sleep(1)       # past the moment the board stopped
        self.assertTrue(b.knocked)
        self.assertFalse(b.in_kdb, b.received[-20:])

    def test_sigterm_while_a_slow_board_stops_resumes_it(self):
        b = self.board()
        b.enter_delay = 0.6
        p = self.start("doctor", b.spec, stdout=subprocess.DEVNULL)
        self.assertTrue(wait_for(lambda: b.knocked, 10))
        time.sleep(0.1)
        p.send_signal(signal.SIGTERM)
        p.communicate(timeout=30)
        self.assertEqual(p.returncode, -signal.SIGTERM)
        time.sleep(1)
        self.assertFalse(b.in_kdb)

    def test_sigterm_while_kdb_switches_to_kgdb(self):
        # kdb's kgdb line comes late: one reading of the tracker said
        # "still kdb", waited for a prompt that never came, left kgdb.
        b = self.board()
        b.kgdb_delay = 0.8
        d = tempfile.mkdtemp()
        p = self.start("dump", b.spec, "0x1000", "64", "-o", os.path.join(d, "m"),
                       stdout=subprocess.DEVNULL)
        self.assertTrue(wait_for(lambda: b.in_kgdb, 10))
        p.send_signal(signal.SIGTERM)
        p.communicate(timeout=30)
        self.assertEqual(p.returncode, -signal.SIGTERM)
        self.assertTrue(wait_for(lambda: not (b.in_kgdb or b.in_kdb), 10))

    def test_sigterm_after_gdb_continued_breaks_in_with_the_knock(self):
        # gdb let the kernel run: leaving kgdb needs a way in first (the
        # board's own knock), never kgdb's $3#33 typed into its console.
        from host.test_kgdb_fake import tiny_vmlinux
        b = self.board(knock=b"OPEN-SESAME")
        d = tempfile.mkdtemp()
        p = self.start("gdb", b.spec, "--knock", "OPEN-SESAME", "--vmlinux",
                       tiny_vmlinux(d), "--batch", "--", "-ex", "continue",
                       stdout=subprocess.DEVNULL)
        self.assertTrue(wait_for(lambda: b.running_after_c, 30), "gdb never continued")
        at_c = len(b.received)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, -signal.SIGTERM, err)
        self.assertTrue(wait_for(lambda: not (b.in_kgdb or b.in_kdb or b.running_after_c)))
        self.assertNotIn(b"$3#33", bytes(b.received[at_c:]).split(b"OPEN-SESAME")[0])

    def test_closed_stderr_is_not_the_port(self):
        # Started with fd 2 closed, the port's socket took it: nmidbg's
        # messages were typed into kdb.
        from host.test_doctor_fake import btc, log, memory
        b = self.board(log=log(), memory=memory(), btc=btc())
        p = subprocess.run([self.binary, "doctor", b.spec], stdout=subprocess.DEVNULL,
                           preexec_fn=lambda: os.close(2), timeout=60)
        self.assertEqual(p.returncode, 0)
        self.assertNotIn(b"nmidbg:", bytes(b.received))

    def test_proxy_address_in_use_has_its_own_code(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        self.addCleanup(s.close)
        b = self.board()
        p = subprocess.run([self.binary, "proxy", b.spec, "--console",
                            "127.0.0.1:%d" % s.getsockname()[1], "--gdb", "127.0.0.1:0"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(p.returncode, 13, p.stderr)
        self.assertIn(b"Address already in use", p.stderr)

    def test_attach_log_that_cannot_be_written(self):
        b = self.board()
        p = subprocess.run([self.binary, "attach", b.spec, "-l", "/nonexistent/dir/log"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(p.returncode, 6, p.stderr)
        self.assertIn(b"/nonexistent/dir/log", p.stderr)

    def test_attach_port_lost_for_good_is_exit_3(self):
        b = FakeBoard()
        p = self.start("attach", b.spec, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        time.sleep(1)
        b.listener.close()      # the board's server is gone, not just the link
        b.drop()
        self.addCleanup(b.close)
        time.sleep(1)
        p.stdin.close()
        p.wait(timeout=20)
        self.assertEqual(p.returncode, 3, p.stderr.read())

    def test_attach_gives_the_terminal_back_on_sighup(self):
        b = self.board()
        master, slave = os.openpty()
        self.addCleanup(os.close, master)
        self.addCleanup(os.close, slave)
        before = termios.tcgetattr(slave)
        p = self.start("attach", b.spec, stdin=slave, stdout=subprocess.DEVNULL)
        self.assertTrue(wait_for(lambda: termios.tcgetattr(slave) != before),
                        "attach never made the terminal raw")
        p.send_signal(signal.SIGHUP)
        p.communicate(timeout=20)
        self.assertEqual(p.returncode, -signal.SIGHUP)
        self.assertEqual(termios.tcgetattr(slave), before)


class TestEnding(EndingMixin, unittest.TestCase):
    binary = os.path.join(BUILD, "nmidbg")


class TestEndingAsan(EndingMixin, unittest.TestCase):
    binary = os.path.join(BUILD, "asan", "nmidbg")
