# SPDX-License-Identifier: GPL-3.0-or-later
"""contrib/labgrid against a fake board behind a real ser2net, with
Debian 12's labgrid 0.4.1 in a local environment file (no coordinator):
each of the driver's methods, the line taken from labgrid's SerialDriver
and given back, and the pytest hook's modes.  ser2net here takes one
client, so nmidbg gets in only when the driver has closed the console.
The hung board itself: tests/e2e/test_labgrid.py."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

from host import ser2net
from host.fake_board import FakeBoard

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("NMIDBG_BUILD", os.path.join(ROOT, "build"))
ASAN = os.path.join(BUILD, "asan", "nmidbg")
CONTRIB = os.path.join(ROOT, "contrib", "labgrid")

try:
    import labgrid  # noqa: F401
    HAVE_LABGRID = True
except ImportError:
    HAVE_LABGRID = False


def env_file(directory, port, protocol="rfc2217", driver=None, path=None):
    """A labgrid environment: target main, the board's ser2net port,
    labgrid's SerialDriver and the NmidbgDriver; returns its path."""
    resource = ("RawSerialPort:\n        port: %s\n        speed: 115200\n" % path
                if path else
                "NetworkSerialPort:\n        host: 127.0.0.1\n        port: %d\n"
                "        speed: 115200\n        protocol: %s\n" % (port, protocol))
    extra = "".join("        %s: %s\n" % kv for kv in (driver or {}).items())
    text = ("targets:\n  main:\n    resources:\n      %s"
            "    drivers:\n      SerialDriver: {}\n      NmidbgDriver:\n"
            "        nmidbg: %s\n        timeout: 2\n        deadline: 60\n%s"
            "imports:\n  - nmidbg_labgrid\n" % (resource, ASAN, extra))
    p = os.path.join(directory, "env.yaml")
    with open(p, "w") as f:
        f.write(text)
    return p


@unittest.skipUnless(HAVE_LABGRID, "python3-labgrid is not installed (make deps installs it)")
class LabgridDriver(unittest.TestCase):
    def setUp(self):
        if CONTRIB not in sys.path:
            sys.path.insert(0, CONTRIB)
        self.tmp = tempfile.mkdtemp(prefix="nmidbg-labgrid-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.board = FakeBoard(transport="pty")
        self.addCleanup(self.board.close)
        self.port = ser2net.start(self, self.board.path)

    def target(self, **kw):
        from labgrid import Environment
        env = Environment(config_file=env_file(self.tmp, self.port, **kw))
        self.addCleanup(env.cleanup)
        return env.get_target("main")

    def test_port_specs(self):
        # Not activated: each would open the console, and ser2net takes one.
        t = self.target()
        self.assertEqual(t.get_driver("NmidbgDriver", activate=False).port_spec(),
                         "rfc2217://127.0.0.1:%d" % self.port)
        t = self.target(driver={"set_speed": "true"})
        self.assertEqual(t.get_driver("NmidbgDriver", activate=False).port_spec(),
                         "rfc2217://127.0.0.1:%d,115200" % self.port)
        t = self.target(protocol="raw")
        self.assertEqual(t.get_driver("NmidbgDriver", activate=False).port_spec(),
                         "tcp:127.0.0.1:%d" % self.port)
        t = self.target(path=self.board.path)
        self.assertEqual(t.get_driver("NmidbgDriver", activate=False).port_spec(),
                         "%s,115200" % self.board.path)

    def test_break_in_kdb_resume_and_the_console_given_back(self):
        t = self.target()
        console = t.get_driver("SerialDriver")
        nmidbg = t.get_driver("NmidbgDriver")
        console.write(b"echo before\r")
        console.expect("echo before", timeout=5)
        got = nmidbg.break_in()
        self.assertEqual((got["how"], got["cpu"], got["cpus"]), ("knock", 0, "0-1"))
        self.assertTrue(self.board.in_kdb)
        self.assertEqual(console.status, 1)     # given back, open
        doc = nmidbg.kdb(["cpu"], stay=True)
        self.assertEqual(doc["entry"]["how"], "already")
        self.assertEqual(doc["commands"][0]["output"][1], "Available cpus: 0-1")
        self.assertIs(nmidbg.resume(), True)
        self.assertFalse(self.board.in_kdb)
        self.assertIs(nmidbg.resume(), False)   # running: left alone
        console.write(b"echo after\r")
        console.expect("echo after", timeout=5)

    def test_triage_and_doctor(self):
        t = self.target(driver={"report_dir": os.path.join(self.tmp, "r")})
        nmidbg = t.get_driver("NmidbgDriver")
        got = nmidbg.triage(name="hung")
        self.assertEqual(got["exit"], 0)
        self.assertEqual(got["markdown"], os.path.join(self.tmp, "r", "hung.md"))
        self.assertEqual([c["cpu"] for c in got["report"]["cpus"]], [0, 1])
        self.assertEqual(got["report"]["after"], "running")
        with open(got["json"]) as f:
            self.assertEqual(json.load(f), got["report"])
        doc = nmidbg.doctor()
        self.assertEqual(doc["schema"], "nmidbg-doctor")
        self.assertIn("checks", doc)
        self.assertFalse(self.board.in_kdb)

    def test_a_board_that_never_answers_is_an_error_with_the_document(self):
        from nmidbg_labgrid import NmidbgError
        self.board.behaviour = "silent"
        nmidbg = self.target().get_driver("NmidbgDriver")
        with self.assertRaises(NmidbgError) as e:
            nmidbg.kdb(["cpu"])
        self.assertEqual(e.exception.exit, 1)
        self.assertEqual(e.exception.document["ok"], False)
        self.assertIn("no answer", e.exception.document["error"])

    def pytest(self, mode):
        """pytest with labgrid's plugin and the hook on a test that fails."""
        tests = os.path.join(self.tmp, "test_board.py")
        with open(tests, "w") as f:
            f.write(textwrap.dedent("""\
                def test_fails(target):
                    target.get_driver("SerialDriver").write(b"echo hello\\r")
                    assert False, "the board did not do it"

                def test_passes(target):
                    c = target.get_driver("SerialDriver")
                    c.write(b"echo still-here\\r")
                    c.expect("still-here", timeout=5)
                """))
        xml = os.path.join(self.tmp, "junit.xml")
        env = dict(os.environ, PYTHONPATH=CONTRIB)
        p = subprocess.run(["/usr/bin/python3", "-m", "pytest", "-p", "nmidbg_labgrid.pytest_plugin",
                            "--lg-env", env_file(self.tmp, self.port),
                            "--nmidbg-triage", mode, "--nmidbg-silence", "1",
                            "--nmidbg-dir", os.path.join(self.tmp, "reports"),
                            "--junitxml", xml, "-p", "no:cacheprovider", tests],
                           cwd=self.tmp, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=120)
        with open(xml) as f:
            return p, f.read()

    def test_pytest_hook_always(self):
        p, xml = self.pytest("always")
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("1 failed, 1 passed", p.stdout)
        md = os.path.join(self.tmp, "reports", "test_board.py_test_fails.md")
        self.assertIn("nmidbg triage: " + md, p.stdout)
        self.assertIn("lkdtm_HARDLOCKUP", p.stdout)     # the report, in the output
        self.assertIn('name="nmidbg_triage_json"', xml)
        with open(md[:-3] + ".json") as f:
            self.assertEqual(len(json.load(f)["cpus"]), 2)

    def test_pytest_hook_silent_leaves_a_board_that_answers(self):
        p, xml = self.pytest("silent")
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("not run: the console answered within 1 s", p.stdout)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "reports")))
        self.assertFalse(self.board.knocked)
        self.assertNotIn("nmidbg_triage_json", xml)

    def test_pytest_hook_is_off_unless_asked(self):
        p, _ = self.pytest("off")
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertNotIn("nmidbg triage", p.stdout)
        self.assertFalse(self.board.knocked)
