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


PROBE_CLIENT = """\
# A client of the console, as labgrid's ShellDriver is one.
import attr
from labgrid.driver.common import Driver
from labgrid.factory import target_factory


@target_factory.reg_driver
@attr.s(eq=False)
class ConsoleClient(Driver):
    bindings = {"console": "ConsoleProtocol"}
"""


def env_file(directory, port, protocol="rfc2217", driver=None, path=None,
             console_client=False):
    """A labgrid environment: target main, the board's ser2net port,
    labgrid's SerialDriver and the NmidbgDriver (driver: its attributes);
    returns its path."""
    resource = ("RawSerialPort:\n        port: %s\n        speed: 115200\n" % path
                if path else
                "NetworkSerialPort:\n        host: 127.0.0.1\n        port: %d\n"
                "        speed: 115200\n        protocol: %s\n" % (port, protocol))
    attrs = dict({"nmidbg": ASAN, "timeout": 2, "deadline": 60}, **(driver or {}))
    text = ("targets:\n  main:\n    resources:\n      %s"
            "    drivers:\n      SerialDriver: {}\n      NmidbgDriver:\n%s"
            % (resource, "".join("        %s: %s\n" % kv for kv in attrs.items())))
    imports = ["nmidbg_labgrid"]
    if console_client:
        text += "      ConsoleClient: {}\n"
        imports.append(os.path.join(directory, "console_client.py"))
        with open(imports[-1], "w") as f:
            f.write(PROBE_CLIENT)
    text += "imports:\n" + "".join("  - %s\n" % i for i in imports)
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
        t = self.target()
        console = t.get_driver("SerialDriver")
        nmidbg = t.get_driver("NmidbgDriver")
        with self.assertRaises(NmidbgError) as e:
            nmidbg.kdb(["cpu"])
        self.assertEqual(e.exception.exit, 1)
        self.assertEqual(e.exception.document["ok"], False)
        self.assertIn("no answer", e.exception.document["error"])
        self.assertEqual(console.status, 1)     # given back all the same

    def test_nmidbg_missing_is_an_error_and_the_console_comes_back(self):
        from nmidbg_labgrid import NmidbgError
        t = self.target(driver={"nmidbg": os.path.join(self.tmp, "no-such-nmidbg")})
        console = t.get_driver("SerialDriver")
        with self.assertRaises(NmidbgError) as e:
            t.get_driver("NmidbgDriver").resume()
        self.assertEqual(e.exception.exit, 127)
        self.assertIn("no-such-nmidbg", str(e.exception))
        self.assertEqual(console.status, 1)
        console.write(b"echo back\r")
        console.expect("echo back", timeout=5)

    def test_board_bytes_in_nmidbgs_stderr_are_no_crash(self):
        # nmidbg quotes what the board last said: not always UTF-8.
        from nmidbg_labgrid import NmidbgError
        fake = os.path.join(self.tmp, "nmidbg-quoting")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\nprintf 'nmidbg: no answer; last seen: \\377\\300(\\n' >&2\nexit 1\n")
        os.chmod(fake, 0o755)
        t = self.target(driver={"nmidbg": fake})
        with self.assertRaises(NmidbgError) as e:
            t.get_driver("NmidbgDriver").resume()
        self.assertEqual(e.exception.exit, 1)
        self.assertIn("last seen: \ufffd\ufffd(", str(e.exception))

    def test_a_console_that_will_not_open_again_hides_no_answer(self):
        t = self.target()
        console = t.get_driver("SerialDriver")
        nmidbg = t.get_driver("NmidbgDriver")

        def gone():
            raise OSError("the server went away")
        console.open = gone
        self.assertEqual(nmidbg.break_in()["how"], "knock")  # the answer, still
        self.assertEqual(nmidbg.console_error, "the server went away")
        self.assertTrue(self.board.in_kdb)
        self.assertEqual(console.status, 0)                 # left closed, said
        del console.open                                    # the server is back
        console.open()
        self.assertIs(nmidbg.resume(), True)
        self.assertIsNone(nmidbg.console_error)

    def test_bad_attributes_are_refused_at_once(self):
        from labgrid import Environment
        env = Environment(config_file=env_file(self.tmp, self.port, driver={"timeout": -1}))
        self.addCleanup(env.cleanup)
        with self.assertRaisesRegex(Exception, "timeout is seconds, more than 0"):
            env.get_target("main").get_driver("NmidbgDriver", activate=False)

    def test_the_consoles_other_clients_stay_active(self):
        # labgrid deactivates a driver's other clients when one more
        # binds to it: the NmidbgDriver must not be one.
        from labgrid.binding import BindingState
        t = self.target(console_client=True)
        client = t.get_driver("ConsoleClient")
        nmidbg = t.get_driver("NmidbgDriver")
        self.assertIs(client.state, BindingState.active)
        self.assertIs(nmidbg.console(), t.get_driver("SerialDriver"))
        self.assertIs(nmidbg.resume(), False)
        self.assertIs(client.state, BindingState.active)

    def test_what_looks_hung(self):
        from nmidbg_labgrid.driver import looks_hung
        for answer, hung in [
                (b"", True),
                (b"[  123.456789] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:\r\n"
                 b"[  123.456800] \t0-...!: (1 GPs behind)\r\n", True),
                (b"<4>[ 1.5] watchdog: BUG: soft lockup - CPU#1 stuck for 22s!", True),
                (b"\r\n", False),                       # the echo: a CPU runs the tty
                (b"\r\nnmidbg# ", False),
                (b"[  1.000000] a line\r\n# ", False),     # and a shell's prompt after it
                (b"\r\n[0]kdb> ", True),                 # stopped in the debugger
                (b"more> ", True),
                (b"kdb> ", True)]:
            self.assertIs(looks_hung(answer), hung, answer)

    def test_hung_tells_a_shell_from_kdb(self):
        t = self.target()
        console = t.get_driver("SerialDriver")
        nmidbg = t.get_driver("NmidbgDriver")
        self.assertIs(nmidbg.hung(1), False)            # the fake echoes
        console.write(b"$3#33")                         # stopped in kdb: hung
        console.expect("kdb> ", timeout=5)
        self.assertIs(nmidbg.hung(1), True)
        self.board.behaviour = "silent"                 # nothing back at all
        nmidbg.resume()
        self.assertIs(nmidbg.hung(1), True)

    def pytest(self, *options, body="assert False, 'the board did not do it'"):
        """pytest with labgrid's plugin and the hook on a test that fails."""
        tests = os.path.join(self.tmp, "test_board.py")
        with open(tests, "w") as f:
            f.write(textwrap.dedent("""\
                def test_fails(target):
                    c = target.get_driver("SerialDriver")
                    c.write(b"echo hello\\r")
                    %s

                def test_passes(target):
                    c = target.get_driver("SerialDriver")
                    c.write(b"echo still-here\\r")
                    c.expect("still-here", timeout=5)
                """) % body)
        xml = os.path.join(self.tmp, "junit.xml")
        env = dict(os.environ, PYTHONPATH=CONTRIB)
        p = subprocess.run(["/usr/bin/python3", "-m", "pytest", "-p", "nmidbg_labgrid.pytest_plugin",
                            "--lg-env", env_file(self.tmp, self.port),
                            "--nmidbg-silence", "1",
                            "--nmidbg-dir", os.path.join(self.tmp, "reports"),
                            "--junitxml", xml, "-p", "no:cacheprovider", tests] + list(options),
                           cwd=self.tmp, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=120)
        with open(xml) as f:
            return p, f.read()

    def report_md(self, nodeid="test_board.py::test_fails"):
        from nmidbg_labgrid.pytest_plugin import _report_name
        reports = os.path.join(self.tmp, "reports")
        return os.path.join(reports, _report_name(nodeid, reports) + ".md")

    def test_pytest_hook_always(self):
        md = self.report_md()
        self.assertRegex(os.path.basename(md), r"^test_board.py_test_fails-[0-9a-f]{8}\.md$")
        p, xml = self.pytest("--nmidbg-triage", "always")
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("1 failed, 1 passed", p.stdout)
        self.assertIn("nmidbg triage: " + md, p.stdout)
        self.assertIn("lkdtm_HARDLOCKUP", p.stdout)     # the report, in the output
        self.assertIn('name="nmidbg_triage_json" value="%s"' % (md[:-3] + ".json"), xml)
        with open(md[:-3] + ".json") as f:
            self.assertEqual(len(json.load(f)["cpus"]), 2)
        # Again: a report of its own, the first one kept.
        second = self.report_md()
        self.assertTrue(second.endswith("-2.md"), second)
        p, _ = self.pytest("--nmidbg-triage", "always")
        self.assertIn("nmidbg triage: " + second, p.stdout)
        self.assertTrue(os.path.exists(md))

    def test_pytest_hook_silent_triages_a_board_stopped_in_kdb(self):
        # An oops or a panic leaves the board at kdb's prompt: hung.
        md = self.report_md()
        p, xml = self.pytest("--nmidbg-triage", "silent",
                             body='c.write(b"$3#33"); c.expect("kdb> ", timeout=5); assert False')
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("nmidbg triage: " + md, p.stdout)
        with open(md[:-3] + ".json") as f:
            j = json.load(f)
        self.assertEqual((j["entry"]["how"], j["after"]), ("already", "running"))
        self.assertIn("1 failed, 1 passed", p.stdout)   # the board runs again

    def test_pytest_timeout_signal_method_gets_a_triage(self):
        md = self.report_md()
        p, _ = self.pytest("--nmidbg-triage", "always", "-o", "timeout=2",
                           "-o", "timeout_method=signal", body="import time; time.sleep(60)")
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("Timeout", p.stdout)
        self.assertIn("nmidbg triage: " + md, p.stdout)
        self.assertTrue(os.path.exists(md[:-3] + ".json"))

    def test_pytest_hook_silent_leaves_a_board_that_answers(self):
        p, xml = self.pytest("--nmidbg-triage", "silent")
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("not run: the console answered within 1 s", p.stdout)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "reports")))
        self.assertFalse(self.board.knocked)
        self.assertNotIn("nmidbg_triage_json", xml)

    def test_pytest_hook_is_off_unless_asked(self):
        p, _ = self.pytest()
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertNotIn("nmidbg triage", p.stdout)
        self.assertFalse(self.board.knocked)
        with open(os.path.join(self.tmp, "pytest.ini"), "w") as f:
            f.write("[pytest]\nnmidbg_triage = always\n")
        md = self.report_md()
        p, _ = self.pytest()
        self.assertIn("nmidbg triage: " + md, p.stdout)
        with open(os.path.join(self.tmp, "pytest.ini"), "w") as f:
            f.write("[pytest]\nnmidbg_triage = sometimes\n")
        p, _ = self.pytest()
        self.assertEqual(p.returncode, 4, p.stdout)     # pytest's usage error
        self.assertIn("nmidbg_triage is off, silent or always, not 'sometimes'", p.stdout)
        with open(os.path.join(self.tmp, "pytest.ini"), "w") as f:
            f.write("[pytest]\nnmidbg_silence = abc\n")
        p = subprocess.run(["/usr/bin/python3", "-m", "pytest", "-p", "nmidbg_labgrid.pytest_plugin",
                            "-p", "no:cacheprovider", "--collect-only"], cwd=self.tmp,
                           env=dict(os.environ, PYTHONPATH=CONTRIB), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=60)
        self.assertEqual(p.returncode, 4, p.stdout)
        self.assertIn("nmidbg_silence is seconds, more than 0 and at most 3600, not 'abc'", p.stdout)
