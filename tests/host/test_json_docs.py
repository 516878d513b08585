# SPDX-License-Identifier: GPL-3.0-or-later
"""Every JSON document nmidbg writes names its schema and version
(docs/json.md), and --json gives a document on every path: also when the
port cannot be opened or the board never answers, for a lab's CI."""
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest

from host.fake_board import FakeBoard
from host.test_doctor_fake import btc, log, memory

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("NMIDBG_BUILD", os.path.join(ROOT, "build"))
NMIDBG = os.path.join(BUILD, "asan", "nmidbg")


class JsonDocs(unittest.TestCase):
    def run_json(self, *args, rc):
        p = subprocess.run([NMIDBG] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(p.returncode, rc, p.stderr)
        return json.loads(p.stdout)

    def board(self, **kw):
        b = FakeBoard(**kw)
        self.addCleanup(b.close)
        return b

    def assert_schema(self, doc, name):
        self.assertEqual((doc["schema"], doc["schema_version"]), (name, 1))

    def test_each_document_names_its_schema(self):
        j = self.run_json("kdb", self.board().spec, "-c", "cpu", "--json", rc=0)
        self.assert_schema(j, "nmidbg-kdb")
        b = self.board(log=log(), memory=memory(), btc=btc())
        j = self.run_json("doctor", b.spec, "--json", rc=0)
        self.assert_schema(j, "nmidbg-doctor")
        d = tempfile.mkdtemp()
        p = subprocess.run([NMIDBG, "triage", self.board().spec, "-o",
                            os.path.join(d, "r.md")], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(d, "r.json")) as f:
            self.assert_schema(json.load(f), "nmidbg-triage")

    def test_a_port_that_cannot_be_opened_still_gives_a_document(self):
        for cmd, schema in (("kdb", "nmidbg-kdb"), ("doctor", "nmidbg-doctor")):
            args = [cmd, "/dev/nonexistent-tty", "--json"] + (["-c", "cpu"] if cmd == "kdb" else [])
            j = self.run_json(*args, rc=3)
            self.assert_schema(j, schema)
            self.assertEqual((j["ok"], j["exit"], j["after"]), (False, 3, "unknown"))
            self.assertIn("No such file or directory", j["error"])
        self.assertIs(j["yes"], False)              # doctor's verdict, for a CI
        self.assertTrue(j["verdict"].startswith("unknown: "))

    def test_drgn_without_a_port_still_gives_a_document(self):
        vmlinux = tempfile.NamedTemporaryFile(prefix="nmidbg-vmlinux-")
        self.addCleanup(vmlinux.close)
        j = self.run_json("drgn", "/dev/nonexistent-tty", "--vmlinux", vmlinux.name,
                          "-e", "1", "--json", rc=3)
        self.assert_schema(j, "nmidbg-drgn")
        self.assertEqual((j["ok"], j["exit"], j["after"]), (False, 3, "unknown"))

    def test_a_signal_during_the_break_in_gives_the_status_the_shell_sees(self):
        b = self.board(behaviour="silent")
        p = subprocess.Popen([NMIDBG, "kdb", b.spec, "-c", "cpu", "--json", "--timeout", "5"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1)
        p.send_signal(signal.SIGTERM)
        out, _ = p.communicate(timeout=30)
        self.assertEqual(p.returncode, -signal.SIGTERM)
        self.assertEqual(json.loads(out)["exit"], 128 + signal.SIGTERM)

    def test_a_board_that_never_answers_still_gives_a_document(self):
        j = self.run_json("kdb", self.board(behaviour="silent").spec, "-c", "cpu", "--json",
                          "--timeout", "0.3", rc=1)
        self.assert_schema(j, "nmidbg-kdb")
        self.assertIn("no answer from the board", j["error"])
        self.assertFalse(j["ok"])
