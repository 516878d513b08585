# SPDX-License-Identifier: GPL-3.0-or-later
"""Many boards in one command: `nmidbg triage --ports FILE` (and doctor)
against fake boards.  The scale test puts 32 fake boards on ptys behind
one real ser2net (RFC 2217 on loopback, as a lab serves its boards), one
of them never answering: the run takes about one board's time, not 32
times it, every board's report says what that board was told to show,
and the silent one fails on its own timeout.  The rest: the list's
errors, signals passed on to every child, --jobs, doctor."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from host import ser2net
from host.fake_board import FakeBoard
from host.test_doctor_fake import btc as doctor_btc, log as doctor_log, memory as doctor_memory

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("NMIDBG_BUILD", os.path.join(ROOT, "build"))
PLAIN = os.path.join(BUILD, "nmidbg")
ASAN = os.path.join(BUILD, "asan", "nmidbg")


def spin(board, cpu):
    """The function a fake board's CPU spins in: its own on every board."""
    return "fleet_b%02d_cpu%d" % (board, cpu)


def btc(board, ncpus):
    """kdb's btc for board: CPU c stopped in spin(board, c) by the NMI."""
    return b"".join(b"Stack traceback for pid %d\n"
                    b"CPU: %d UID: 0 PID: %d Comm: spin%d\n"
                    b"Call trace:\n"
                    b" dump_backtrace+0xa0/0xdc\n"
                    b" kgdb_nmicallin+0x80/0x90\n"
                    b" el1h_64_irq+0x6c/0x70\n"
                    b" %s+0x8/0x24\n"
                    b" kthread+0x10c/0x110\n" % (100 + c, c, 100 + c, c,
                                                 spin(board, c).encode())
                    for c in range(ncpus))


def fake_fleet(n, **kw):
    """n boards, board i with 1 + i % 4 CPUs, each in its own functions,
    and a kernel log line of its own."""
    boards = []
    for i in range(n):
        ncpus = 1 + i % 4
        cpus = b"0" if ncpus == 1 else b"0-%d" % (ncpus - 1)
        boards.append(FakeBoard(btc=btc(i, ncpus), cpus=cpus,
                                log=[b"[    1.000000] this is board %02d" % i], **kw))
    return boards


class FleetMixin:
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="nmidbg-fleet-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def board(self, **kw):
        b = FakeBoard(**kw)
        self.addCleanup(b.close)
        return b

    def ports_file(self, rows):
        path = tempfile.mktemp(prefix="ports-", dir=self.dir)
        with open(path, "w") as f:
            f.write("# a lab's boards\n" + "".join("%s %s\n" % row for row in rows))
        return path

    def nmidbg(self, *args, binary=None, timeout=120):
        t0 = time.monotonic()
        p = subprocess.run([binary or self.binary] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=timeout)
        return p, time.monotonic() - t0

    def summary(self, out):
        with open(os.path.join(out, "summary.json")) as f:
            j = json.load(f)
        self.assertEqual((j["schema"], j["schema_version"]), ("nmidbg-fleet", 1))
        return j, {b["board"]: b for b in j["boards"]}


class FleetScale(FleetMixin, unittest.TestCase):
    """32 boards behind ser2net, through the plain build (timing)."""
    binary = PLAIN
    N = 32
    SILENT = 13         # the board that never answers
    PARTIAL = 22        # the board whose last CPU never stops
    TIMEOUT = 2.0

    def test_32_boards_behind_ser2net_in_about_one_boards_time(self):
        boards = fake_fleet(self.N, transport="pty")
        for b in boards:
            self.addCleanup(b.close)
        boards[self.SILENT].behaviour = "silent"
        # Board PARTIAL has 3 CPUs: kdb lists a fourth that never stopped.
        self.assertEqual(boards[self.PARTIAL].cpus, b"0-2")
        boards[self.PARTIAL].cpus = b"0-2, 3(D)"
        ports = ser2net.start_many(self, [b.spec for b in boards])
        specs = ["rfc2217://127.0.0.1:%d" % p for p in ports]
        tmo = ["--timeout", str(self.TIMEOUT)]

        # One board alone, the same way: the yardstick.
        one = os.path.join(self.dir, "one")
        p, single = self.nmidbg("triage", specs[0], "-o", one + ".md", *tmo)
        self.assertEqual(p.returncode, 0, p.stderr)

        out = os.path.join(self.dir, "out")
        ports_file = self.ports_file((s, "b%02d" % i) for i, s in enumerate(specs))
        p, wall = self.nmidbg("triage", "--ports", ports_file, "--dir", out, *tmo)
        self.assertEqual(p.returncode, 17, p.stderr)     # not every board exited 0
        self.assertEqual(p.stdout, "%s/summary.md\n%s/summary.json\n" % (out, out))
        j, by_name = self.summary(out)
        self.assertEqual(len(j["boards"]), self.N)
        self.assertEqual(j["counts"], {"triaged": self.N - 2, "partial": 1, "failed": 1,
                                       "not run": 0})
        self.assertEqual((j["exit"], j["partial"], j["jobs"]), (17, False, 32))

        for i, b in enumerate(boards):
            s = by_name["b%02d" % i]
            self.assertEqual(s["port"], specs[i])
            if i == self.SILENT:
                continue
            ncpus = 1 + i % 4
            expect = [{"cpu": c, "stopped": True, "where": spin(i, c)} for c in range(ncpus)]
            if i == self.PARTIAL:
                expect.append({"cpu": 3, "stopped": False, "where":
                               "(did not stop: no answer to the debugger's roundup)"})
            self.assertEqual(s["where"], expect, s)
            self.assertEqual((s["verdict"], s["partial"], s["exit"], s["entry"], s["after"]),
                             ("partial", True, 7, "knock", "running") if i == self.PARTIAL
                             else ("triaged", False, 0, "knock", "running"), s)
            self.assertEqual((s["cpus"], s["cpus_stopped"]), (len(expect), ncpus))
            # The board's own report, whole, says what that board showed.
            with open(s["reports"]["json"]) as f:
                report = json.load(f)
            self.assertEqual(report["port"], specs[i])
            self.assertEqual([(c["cpu"], c["where"]) for c in report["cpus"]],
                             [(c["cpu"], c["where"]) for c in expect])
            self.assertEqual(report["dmesg"], ["[    1.000000] this is board %02d" % i])
            self.assertEqual(s["reports"]["md"], os.path.join(out, "b%02d.md" % i))
            with open(s["reports"]["md"]) as f:
                self.assertIn(spin(i, ncpus - 1), f.read())
            self.assertFalse(b.in_kdb, "board %d left in kdb" % i)

        silent = by_name["b%02d" % self.SILENT]
        self.assertEqual((silent["verdict"], silent["exit"], silent["reports"]["md"]),
                         ("failed", 1, None))
        self.assertIn("no answer from the board", silent["error"])
        # Its own timeout: the knock, then BREAK+g (RFC 2217 sends BREAK),
        # then up to 2 s for a late answer; the crowd adds little.
        self.assertGreaterEqual(silent["ms"], 2 * self.TIMEOUT * 1000)
        self.assertLess(silent["ms"], (2 * self.TIMEOUT + 2 + 3 * single) * 1000)
        self.assertFalse(os.path.exists(os.path.join(out, "b%02d.json" % self.SILENT)))
        with open(os.path.join(out, "summary.md")) as f:
            md = f.read()
        self.assertEqual(len(re.findall(r"\n\| b\d\d \| ", md)), self.N)
        self.assertIn("| b%02d | %s | failed |" % (self.SILENT, specs[self.SILENT]), md)

        # About one board's time: the slowest board (the silent one's
        # timeouts) plus a few single runs, nowhere near 32 of them.
        slowest = max(s["ms"] for s in j["boards"]) / 1000
        self.assertLess(wall, slowest + 6 * single,
                        "32 boards: %.1f s; one board %.1f s, the slowest %.1f s"
                        % (wall, single, slowest))
        normal = [s["ms"] / 1000 for s in j["boards"] if s["board"] != "b%02d" % self.SILENT]
        self.assertLess(max(normal), 6 * single, (normal, single))


class FleetCommand(FleetMixin, unittest.TestCase):
    """The command's rules, through the ASan/UBSan build."""
    binary = ASAN

    def test_bad_lists_are_usage_errors_that_touch_nothing(self):
        b = self.board()
        ok = b.spec
        cases = [
            (("triage", "a", "b"), "'a' is not a port"),
            (("triage", "--ports", "/nonexistent"), "--ports /nonexistent: No such file"),
            (("triage", "--ports", self.ports_file([(ok, "a"), ("tcp:h:2 b", "c")])),
             "line 3: 'c' after the PORT and NAME"),
            (("triage", "--ports", self.ports_file([(ok, "x/y")])),
             "line 2: 'x/y' is not a board name"),
            (("triage", "--ports", self.ports_file([(ok, "a"), ("nowhere", "b")])),
             ": line 3: 'nowhere' is not a port"),
            (("triage", ok, ok), "'%s' is given twice (the command line and again)" % ok),
            (("triage", ok, "tcp:127.0.0.1:1", "-o", "r.md"), "-o names one board's report"),
            (("triage", ok, "tcp:127.0.0.1:1", "--jtag", "--tcl", "127.0.0.1:1"),
             "--jtag is one probe"),
            (("triage", ok, "--jobs", "0"), "--jobs: '0' is not a number of boards"),
            (("triage", "--ports", self.ports_file([])), "no PORT in"),
            (("doctor", ok, "tcp:127.0.0.1:1"), "one PORT only (several boards: --ports FILE)"),
        ]
        for args, msg in cases:
            p, _ = self.nmidbg(*args, "--dir", os.path.join(self.dir, "never"))
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            self.assertIn(msg, p.stderr, args)
            self.assertIn("usage: nmidbg %s" % args[0], p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "never")))
        self.assertEqual(bytes(b.received), b"")        # never touched

    def test_one_board_with_dir_is_a_fleet_of_one(self):
        b = self.board()
        out = os.path.join(self.dir, "out")
        p, _ = self.nmidbg("triage", b.spec, "--dir", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        j, by_name = self.summary(out)
        name = b.spec.replace(":", "-")
        self.assertEqual(list(by_name), [name])
        self.assertEqual((j["exit"], by_name[name]["verdict"]), (0, "triaged"))
        self.assertEqual(sorted(os.listdir(out)), sorted(
            ["summary.md", "summary.json", name + ".md", name + ".json", name + ".log"]))

    def test_jobs_bounds_the_boards_at_once(self):
        boards = [self.board() for _ in range(5)]
        for b in boards:
            b.cmd_delay = 0.2           # each kdb command: a slow board
        out = os.path.join(self.dir, "out")
        p, _ = self.nmidbg("triage", *[b.spec for b in boards], "--jobs", "2", "--dir", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        j, _ = self.summary(out)
        spans = [(s["started_ms"], s["started_ms"] + s["ms"]) for s in j["boards"]]
        at_once = max(sum(a <= t < b for a, b in spans) for t, _ in spans)
        self.assertEqual((j["jobs"], at_once), (2, 2), spans)

    def test_sigterm_goes_to_every_board_and_the_summary_says_partial(self):
        boards = [self.board() for _ in range(3)]
        for b in boards:
            b.cmd_delay = 0.5
        out = os.path.join(self.dir, "out")
        p = subprocess.Popen([self.binary, "triage"] + [b.spec for b in boards] +
                             ["--jobs", "2", "--dir", out], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        deadline = time.monotonic() + 20
        while not (boards[0].in_kdb and boards[1].in_kdb) and time.monotonic() < deadline:
            time.sleep(0.05)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, -signal.SIGTERM, err)
        j, by_name = self.summary(out)
        self.assertTrue(j["partial"])
        self.assertIn("cut short by SIGTERM", j["partial_why"])
        self.assertIn("1 not run", j["partial_why"])
        self.assertEqual(j["exit"], 128 + signal.SIGTERM)
        verdicts = [s["verdict"] for s in j["boards"]]
        self.assertEqual(verdicts[2], "not run")
        for s in j["boards"][:2]:
            # Each child ended the way one board's nmidbg ends on SIGTERM.
            self.assertEqual((s["exit"], s["after"]), (128 + signal.SIGTERM, "running"), s)
        time.sleep(0.3)
        for b in boards[:2]:
            self.assertFalse(b.in_kdb)
            self.assertIn(b"go\r", bytes(b.received))
        self.assertEqual(bytes(boards[2].received), b"")

    def test_doctor_on_many_boards(self):
        good = [self.board(log=doctor_log(), memory=doctor_memory(), btc=doctor_btc())
                for _ in range(2)]
        silent = self.board(behaviour="silent")
        out = os.path.join(self.dir, "out")
        rows = [(good[0].spec, "good-0"), (good[1].spec, "good-1"), (silent.spec, "silent"),
                ("tcp:127.0.0.1:1", "gone")]
        p, _ = self.nmidbg("doctor", "--ports", self.ports_file(rows), "--json", "--dir", out,
                           "--timeout", "0.5")
        self.assertEqual(p.returncode, 17, p.stderr)
        j, by_name = self.summary(out)
        self.assertEqual(j["counts"], {"yes": 2, "no": 1, "failed": 1, "not run": 0})
        docs = {}
        for name, s in by_name.items():
            with open(s["reports"]["json"]) as f:
                docs[name] = json.load(f)
            self.assertEqual(docs[name]["schema"], "nmidbg-doctor")
        for name in ("good-0", "good-1"):
            s = by_name[name]
            self.assertEqual((s["verdict"], s["exit"], s["doctor"]["yes"]), ("yes", 0, True))
            self.assertEqual((docs[name]["yes"], docs[name]["verdict"]),
                             (True, s["doctor"]["verdict"]))
            self.assertEqual((s["cpus"], s["cpus_stopped"]),
                             (docs[name]["facts"]["cpus_online"],
                              docs[name]["facts"]["cpus_answered"]))
        # No way in is doctor's finding (no, exit 1); a port that will not
        # open is no finding at all, and --json still gives its document.
        s = by_name["silent"]
        self.assertEqual((s["verdict"], s["exit"], docs["silent"]["yes"]), ("no", 1, False))
        s = by_name["gone"]
        self.assertEqual((s["verdict"], s["exit"], docs["gone"]["ok"], docs["gone"]["exit"]),
                         ("failed", 3, False, 3))
        self.assertIn("Connection refused", s["error"])


if __name__ == "__main__":
    unittest.main()
