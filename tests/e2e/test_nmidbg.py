# SPDX-License-Identifier: GPL-3.0-or-later
"""nmidbg against the booted board: the harness sets the board up (locks
CPUs), steps off the console socket, and nmidbg takes over the line."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

from board import NMI_APPEND, free_port
from e2e.common import BoardTest
from host import ser2net

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NMIDBG = os.path.join(os.environ.get("NMIDBG_BUILD", os.path.join(ROOT, "build")),
                      "asan", "nmidbg")


def lockup_cpus(lines):
    """CPUs whose backtrace in kdb's btc output shows lkdtm_HARDLOCKUP."""
    cpus, cpu = set(), None
    for line in lines:
        m = re.match(r"CPU: (\d+) ", line)
        if m:
            cpu = int(m.group(1))
        elif "lkdtm_HARDLOCKUP" in line and cpu is not None:
            cpus.add(cpu)
    return cpus


class NmidbgOnBoard(BoardTest):
    def boot_tcp(self, **kw):
        return self.boot(serial_tcp=free_port(), **kw)

    def nmidbg(self, *args, timeout=60):
        p = subprocess.run([NMIDBG] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=timeout)
        return p

    def kdb_until_wire(self, b, args, seen, secs=60):
        """nmidbg kdb running args, traced (NMIDBG_DEBUG), once a line of
        its wire trace holds seen (or secs passed)."""
        p = subprocess.Popen([NMIDBG, "kdb", b.port_spec()] + args,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, NMIDBG_DEBUG="1"))
        self.addCleanup(lambda: p.poll() is None and p.kill())
        deadline = time.monotonic() + secs
        for line in p.stderr:
            if seen in line or time.monotonic() > deadline:
                break
        return p

    def test_break_by_break_over_telnet_on_stock_console(self):
        b = self.boot_tcp()
        b.disconnect()
        p = self.nmidbg("break", b.port_spec(), "--method", "break")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"in kdb on cpu \d+: break in \d+ ms")
        # The board really is in kdb: the next command finds it there.
        p = self.nmidbg("kdb", b.port_spec(), "-c", "cpu")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"^Currently on cpu \d+\nAvailable cpus: 0")

    def test_kdb_btc_json_lists_the_locked_cpu(self):
        b = self.boot_tcp()
        b.sh("affine %d 0" % b.uart_irq())
        b.sh("lock 1")
        b.disconnect()
        p = self.nmidbg("kdb", b.port_spec(), "-c", "btc", "--json",
                        "--method", "break")
        self.assertEqual(p.returncode, 0, p.stderr)
        j = json.loads(p.stdout)
        self.assertTrue(j["ok"] and j["resumed"])
        self.assertEqual(j["entry"]["how"], "break")
        self.assertEqual(lockup_cpus(j["commands"][0]["output"]), {1})
        # Resumed: the shell answers again.
        b.reconnect()
        b.probe_shell()

    def every_cpu_locked_btc(self, method, smp):
        """ttyNMI, every CPU locked: `nmidbg kdb -c btc` by `method` sees
        each CPU in the lockup."""
        b = self.boot_tcp(append=NMI_APPEND, smp=smp)
        b.lock_all()
        b.disconnect()
        p = self.nmidbg("kdb", b.port_spec(), "-c", "btc", "--json",
                        "--method", method)
        self.assertEqual(p.returncode, 0, p.stderr)
        j = json.loads(p.stdout)
        self.assertEqual(j["entry"]["how"], method)
        self.assertEqual(lockup_cpus(j["commands"][0]["output"]), set(range(smp)))

    def test_knock_on_every_cpu_locked_ttynmi(self):
        self.every_cpu_locked_btc("knock", 4)

    def test_knock_other_over_raw_tcp(self):
        """nmi_tty.knock=OTHER on a line that cannot carry BREAK (raw tcp:),
        every CPU locked: only --knock gets in (issue 9)."""
        b = self.boot(serial_tcp=free_port(), telnet=False,
                      append=NMI_APPEND + " nmi_tty.knock=OPEN-SESAME")
        b.lock_all()
        b.disconnect()
        p = self.nmidbg("break", b.port_spec(), "--timeout", "2")
        self.assertEqual(p.returncode, 1, p.stderr)    # $3#33 is not the knock
        p = self.nmidbg("kdb", b.port_spec(), "--knock", "OPEN-SESAME", "-c", "cpu")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"Available cpus: 0")

    def test_dmesg_line_with_the_pager_text_survives(self):
        """A kernel log line with `more> ` inside comes back whole; only
        kdb's own pager prompt is removed (issue 9)."""
        b = self.boot_tcp(append=NMI_APPEND)
        b.sh("write /dev/kmsg nmidbg-issue9 says more> in the middle")
        b.disconnect()
        p = self.nmidbg("kdb", b.port_spec(), "-c", "dmesg 5", "--method", "knock")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("nmidbg-issue9 says more> in the middle", p.stdout)

    def test_whole_dmesg_is_output_not_a_reboot(self):
        """kdb's dmesg prints the boot log, "Booting Linux" and all: it
        was read as a reboot (exit 5, the board left at "more> ").  Every
        CPU runs; the board is resumed and its shell answers after."""
        b = self.boot_tcp(append=NMI_APPEND)
        b.disconnect()
        p = self.nmidbg("kdb", b.port_spec(), "-c", "dmesg", "--json", timeout=180)
        self.assertEqual(p.returncode, 0, p.stderr)
        j = json.loads(p.stdout)
        out = j["commands"][0]["output"]
        self.assertTrue(any("Booting Linux" in l for l in out), out[:5])
        self.assertGreater(len(out), 100)
        self.assertFalse(any("more>" in l for l in out))
        self.assertEqual((j["resumed"], j["after"]), (True, "running"))
        b.reconnect()
        b.probe_shell()

    def test_sigterm_mid_command_leaves_the_board_running(self):
        """`timeout` (SIGTERM) lands while kdb pages a long dmesg: nmidbg
        ends that command with the pager's 'q', resumes the board and dies
        by SIGTERM; the shell answers after."""
        b = self.boot_tcp(append=NMI_APPEND)
        b.disconnect()
        # The wire trace: SIGTERM once nmidbg answered kdb's pager with a
        # space ("> 1: 20"): mid-command.
        p = self.kdb_until_wire(b, ["-c", "dmesg", "-c", "dmesg"], "nmidbg: > 1: 20")
        p.send_signal(15)
        p.stderr.read()
        self.assertEqual(p.wait(timeout=60), -15)
        b.reconnect()
        b.probe_shell()

    def test_board_left_at_the_pager_is_taken_from_there(self):
        """A client SIGKILLed while kdb pages (nothing can clean up) leaves
        kdb at "more> ": every later command failed ("no answer from the
        board; last seen: ... more>").  The next one ends that command with
        'q' and finds the board in kdb."""
        b = self.boot_tcp(append=NMI_APPEND)
        b.disconnect()
        # The pager asked (its prompt came in) and was not answered yet.
        p = self.kdb_until_wire(b, ["-c", "dmesg"], "6d 6f 72 65 3e 20")
        p.kill()
        p.wait(timeout=10)
        k = self.nmidbg("kdb", b.port_spec(), "-c", "cpu", "--json")
        self.assertEqual(k.returncode, 0, k.stderr)
        j = json.loads(k.stdout)
        self.assertEqual(j["entry"]["how"], "already")
        self.assertRegex(j["commands"][0]["output"][0], r"^Currently on cpu \d+")
        self.assertEqual(j["after"], "running")
        b.reconnect()
        b.probe_shell()

    def test_kdb_through_ser2net_rfc2217(self):
        """A CI lab's path: the board's serial device behind ser2net's
        rfc2217 accepter on 127.0.0.1, every CPU locked (ttyNMI kernel)."""
        b = self.boot(serial_pty=True, append=NMI_APPEND)
        b.lock_all()
        b.disconnect()
        port = ser2net.start(self, b.port_spec())
        p = self.nmidbg("kdb", "rfc2217://127.0.0.1:%d" % port, "-c", "btc",
                        "--json", "--method", "knock")
        self.assertEqual(p.returncode, 0, p.stderr)
        j = json.loads(p.stdout)
        self.assertEqual(lockup_cpus(j["commands"][0]["output"]), {0, 1})

    def test_attach_in_a_terminal(self):
        """attach driven through a real terminal: console, the escape menu,
        break-in, kdb line editing with Tab-completion, go, quit, the log."""
        b = self.boot_tcp(append=NMI_APPEND)
        b.sh("lock 1")
        b.disconnect()
        log = os.path.join(tempfile.mkdtemp(prefix="nmidbg-attach-"), "board.log")
        self.addCleanup(shutil.rmtree, os.path.dirname(log), True)
        session = "nmidbg-test-%d" % os.getpid()

        def tmux(*args):
            return subprocess.run(["tmux"] + list(args), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True).stdout

        def screen_shows(pattern, timeout=10):
            deadline = time.monotonic() + timeout
            while True:
                text = tmux("capture-pane", "-p", "-S", "-200", "-t", session)
                if re.search(pattern, text):
                    return text
                if time.monotonic() > deadline:
                    self.fail("terminal never showed %r; it shows:\n%s" % (pattern, text))
                time.sleep(0.2)

        tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "50",
             "%s attach %s -l %s" % (NMIDBG, b.port_spec(), log))
        self.addCleanup(tmux, "kill-session", "-t", session)
        screen_shows(r"attached to telnet:.*Ctrl-\] opens the menu")
        tmux("send-keys", "-t", session, "echo hello-console", "Enter")
        screen_shows(r"\nhello-console\n")
        tmux("send-keys", "-t", session, "C-]")
        screen_shows(r"menu: b break in")
        tmux("send-keys", "-t", session, "b")
        screen_shows(r"in kdb on cpu 0 \(knock, \d+ ms\)")
        tmux("send-keys", "-t", session, "Enter")
        time.sleep(2)  # attach learns the commands from `help`
        tmux("send-keys", "-t", session, "summ", "Tab")
        screen_shows(r"\[0\]kdb> summary")
        tmux("send-keys", "-t", session, "Enter")
        text = screen_shows(r"sysname\s+Linux")
        self.assertNotIn("summarysummary", text)   # the board's echo is hidden
        tmux("send-keys", "-t", session, "go", "Enter")
        time.sleep(1)
        tmux("send-keys", "-t", session, "echo back-in-console", "Enter")
        screen_shows(r"\nback-in-console\n")
        tmux("send-keys", "-t", session, "C-]")
        tmux("send-keys", "-t", session, "q")
        deadline = time.monotonic() + 10
        while subprocess.run(["tmux", "has-session", "-t", session],
                             stderr=subprocess.DEVNULL).returncode == 0:
            self.assertLess(time.monotonic(), deadline, "attach did not quit")
            time.sleep(0.2)
        with open(log) as f:
            logged = f.read()
        for mark in ("--- attached ---", "--- kdb ---", "--- console ---",
                     "--- detached ---", "hello-console", "sysname"):
            self.assertIn(mark, logged)
        self.assertRegex(logged, r"(?m)^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] ")
