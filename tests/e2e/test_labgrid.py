# SPDX-License-Identifier: GPL-3.0-or-later
"""A lab's CI on the QEMU board: Debian 12's labgrid 0.4.1 with a local
environment file, a real ser2net (RFC 2217) in front of the board's
serial line, and `pytest --lg-env` with nmidbg's hook.  One test hard-locks
every CPU and then fails on a console that no longer answers; the hook
finds the console silent and triages the board before the next test, and
the report names every CPU in lkdtm_HARDLOCKUP.  The next test reaches
the board through labgrid's SerialDriver (the line was given back): the
knock, kdb's prompt, go."""
import glob
import json
import os
import shutil
import subprocess
import tempfile
import textwrap

from board import NMI_APPEND, kernel_dir
from e2e.common import BoardTest
from host import ser2net
from host.test_labgrid import CONTRIB, HAVE_LABGRID, env_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CI_TESTS = textwrap.dedent("""\
    def test_shell_answers(target):
        c = target.get_driver("SerialDriver")
        c.write(b"echo labgrid-before\\r")
        c.expect("\\nlabgrid-before", timeout=10)

    def test_hangs_the_board(target):
        c = target.get_driver("SerialDriver")
        c.write(b"lockall\\r")
        c.expect("this shell is gone", timeout=20)
        c.write(b"echo are-you-there\\r")
        c.expect("\\nare-you-there", timeout=5)     # never: the test fails

    def test_the_console_reaches_the_board_after(target):
        c = target.get_driver("SerialDriver")
        c.write(b"$3#33")
        c.expect(r"\\[\\d\\]kdb> ", timeout=15)
        c.write(b"go\\r")
    """)


def report_name(nodeid):
    """The hook's name for a test's first report."""
    import sys
    if CONTRIB not in sys.path:
        sys.path.insert(0, CONTRIB)
    from nmidbg_labgrid.pytest_plugin import _report_name
    return _report_name(nodeid, tempfile.gettempdir())


class LabgridOnBoard(BoardTest):
    def test_pytest_hook_triages_the_hung_board(self):
        self.assertTrue(HAVE_LABGRID, "python3-labgrid is not installed (make deps)")
        tmp = tempfile.mkdtemp(prefix="nmidbg-lg-e2e-")
        self.addCleanup(shutil.rmtree, tmp, True)
        b = self.boot(serial_pty=True, append=NMI_APPEND)
        b.disconnect()
        port = ser2net.start(self, b.port_spec())
        env = env_file(tmp, port, driver={
            "vmlinux": os.path.join(kernel_dir("default"), "vmlinux"),
            "timeout": 5, "method": "knock"})
        with open(os.path.join(tmp, "test_ci.py"), "w") as f:
            f.write(CI_TESTS)
        reports, logs = os.path.join(tmp, "hung"), os.path.join(tmp, "logs")
        xml = os.path.join(tmp, "junit.xml")
        p = subprocess.run(["/usr/bin/python3", "-m", "pytest", "-p", "no:cacheprovider",
                            "-p", "nmidbg_labgrid.pytest_plugin", "--lg-env", env,
                            "--lg-log", logs, "--nmidbg-triage", "silent",
                            "--nmidbg-silence", "3", "--nmidbg-dir", reports,
                            "--junitxml", xml, "test_ci.py"],
                           cwd=tmp, env=dict(os.environ, PYTHONPATH=CONTRIB),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=600)
        out = p.stdout
        self.assertEqual(p.returncode, 1, out)
        self.assertIn("1 failed, 2 passed", out)
        self.assertIn("FAILED test_ci.py::test_hangs_the_board", out)
        # The report: every CPU stopped by the NMI in the lockup, file:line.
        md = os.path.join(reports, report_name("test_ci.py::test_hangs_the_board") + ".md")
        self.assertIn("nmidbg triage: " + md, out)
        with open(md[:-3] + ".json") as f:
            j = json.load(f)
        self.assertEqual(j["entry"]["how"], "knock")
        self.assertEqual(j["after"], "running")
        self.assertFalse(j["partial"])
        self.assertEqual(len(j["cpus"]), 2)
        for cpu in j["cpus"]:
            self.assertTrue(cpu["stopped"], cpu)
            self.assertTrue(any("lkdtm_HARDLOCKUP" in l for l in cpu["trace"]), cpu)
        self.assertIs(j["vmlinux"]["running_kernel"], True)
        self.assertTrue(any(f["file"] for c in j["cpus"] for f in c["frames"]))
        with open(xml) as f:
            self.assertIn('name="nmidbg_triage_json" value="%s"' % (md[:-3] + ".json"), f.read())
        # labgrid's console log: before the hang, and the kdb prompt after.
        console_log = glob.glob(os.path.join(logs, "console_main*"))
        self.assertEqual(len(console_log), 1, os.listdir(logs))
        with open(console_log[0], "rb") as f:
            text = f.read()
        self.assertIn(b"labgrid-before", text)
        self.assertRegex(text, rb"this shell is gone[\s\S]*\[\d\]kdb> ")
