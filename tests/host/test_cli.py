# SPDX-License-Identifier: GPL-3.0-or-later
"""The nmidbg command line: help from the subcommand table, version, errors.
Run against the plain and the ASan/UBSan build."""
import os
import subprocess
import tempfile
import unittest

# A path nothing else uses: dump must fail on the port, not on the file.
DUMP_OUT = os.path.join(tempfile.gettempdir(), "nmidbg-test-cli-%d.bin" % os.getpid())

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("NMIDBG_BUILD", os.path.join(ROOT, "build"))


def run(binary, *args):
    return subprocess.run([binary] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=30)


class CliMixin:
    def test_drgn_without_python3_drgn_touches_no_board(self):
        """A python3 without drgn: exit 18 and what to install, before the
        port (which does not exist) is opened."""
        env = dict(os.environ, NMIDBG_PYTHON=os.path.join(ROOT, "no-such-python"))
        vmlinux = os.path.abspath(__file__)     # any readable file
        p = subprocess.run([self.binary, "drgn", "/dev/nmidbg-no-such-port", "--vmlinux",
                            vmlinux], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=30, env=env)
        self.assertEqual(p.returncode, 18, p.stderr)
        self.assertIn("no-such-python", p.stderr)
        env["NMIDBG_PYTHON"] = "/bin/false"
        p = subprocess.run([self.binary, "drgn", "/dev/nmidbg-no-such-port", "--vmlinux",
                            vmlinux], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=30, env=env)
        self.assertEqual(p.returncode, 18, p.stderr)
        self.assertIn("install python3-drgn", p.stderr)

    def test_drgn_usage_errors(self):
        for args in ([], ["PORT"], ["PORT", "--vmlinux", "/no/such/vmlinux"],
                     ["PORT", "--vmlinux", __file__, "-c", "a.py", "-e", "1"],
                     ["PORT", "--vmlinux", __file__, "--vmcoreinfo", "neither"],
                     ["PORT", "--vmlinux", __file__, "--json"]):
            p = run(self.binary, "drgn", *args)
            self.assertEqual(p.returncode, 2, (args, p.stderr))

    def test_version(self):
        p = run(self.binary, "--version")
        self.assertEqual(p.returncode, 0)
        with open(os.path.join(ROOT, "VERSION")) as f:
            self.assertTrue(p.stdout.startswith("nmidbg " + f.read().strip()))

    def test_help_lists_commands(self):
        p = run(self.binary, "--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("usage: nmidbg", p.stdout)
        for name in ("help", "version"):
            self.assertRegex(p.stdout, r"\n  %s +\S" % name)

    def test_help_of_one_command(self):
        p = run(self.binary, "help", "version")
        self.assertEqual((p.returncode, p.stdout.splitlines()[0]),
                         (0, "usage: nmidbg version"))
        self.assertEqual(run(self.binary, "version", "--help").stdout, p.stdout)

    def test_unknown_command_is_usage_error(self):
        p = run(self.binary, "frobnicate")
        self.assertEqual(p.returncode, 2)
        self.assertIn("'frobnicate' is not an nmidbg command", p.stderr)
        self.assertEqual(run(self.binary).returncode, 2)
        self.assertEqual(run(self.binary, "help", "nope").returncode, 2)


    def test_bad_command_lines_lose_nothing(self):
        """Usage errors say what is wrong and touch no port (exit 2)."""
        cases = [
            (("gdb", "tcp:127.0.0.1:1"), "usage: nmidbg gdb"),
            (("gdb", "tcp:127.0.0.1:1", "--vmlinux", "/nonexistent"), "/nonexistent"),
            (("triage", "a", "b"), "usage: nmidbg triage"),
            (("triage", "tcp:127.0.0.1:1", "--vmlinux", "/nonexistent"), "/nonexistent"),
            (("dump", "tcp:127.0.0.1:1", "0xzz", "16", "-o", DUMP_OUT), "ADDR: not a number"),
            (("dump", "tcp:127.0.0.1:1", "16k", "16", "-o", DUMP_OUT), "ADDR: not a number"),
            (("dump", "tcp:127.0.0.1:1", "0xffffffffffffffff", "2", "-o", DUMP_OUT),
             "past the end of memory"),
            (("dump", "tcp:127.0.0.1:1", "0x10", "16k", "-o", DUMP_OUT), "LEN: 1 to 64 MiB"),
            (("break", "tcp:127.0.0.1:1", "--json"), "unrecognized option '--json'"),
            (("break", "tcp:127.0.0.1:1", "--stay"), "unrecognized option '--stay'"),
            (("kdb", "tcp:127.0.0.1:1") + ("-c", "bt") * 65, "at most 64 commands"),
            (("kdb", "tcp:127.0.0.1:1", "-c", "bt", "--timeout", "5x"), "'5x' is not seconds"),
            (("kdb", "tcp:127.0.0.1:1", "-c", "bt", "--timeout", "1e10"), "'1e10' is not seconds"),
            (("break", "tcp:127.0.0.1:1", "--timeout", "99999999999"), "is not seconds"),
            (("break", "a", "b"), "'b': one PORT only"),
            (("doctor", "a", "b"), "'b': one PORT only"),
            (("doctor", "tcp:127.0.0.1:1", "--stay"), "unrecognized option '--stay'"),
            (("doctor", "tcp:127.0.0.1:1", "--vmlinux", "/nonexistent"), "/nonexistent"),
            (("attach", "x", "-e", "q"), "-e wants ^X"),
            (("dump", "tcp:127.0.0.1:1", "0x10", "0", "-o", DUMP_OUT), "LEN: 1 to 64 MiB"),
            (("dump", "tcp:127.0.0.1:1", "0x10", "16"), "usage: nmidbg dump"),
            (("proxy", "tcp:127.0.0.1:1", "--gdb", "10.0.0.1:5551"), "not a loopback address"),
            (("kdb", "tcp:127.0.0.1:1", "-c", "bt", "--method", "magic"), "--method is"),
            (("triage", "tcp:127.0.0.1:1", "--resume", "--stay"), "--resume or --stay, not both"),
            (("triage", "tcp:127.0.0.1:1", "--stay", "--resume"), "--resume or --stay, not both"),
        ]
        for args, msg in cases:
            p = run(self.binary, *args)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            self.assertIn(msg, p.stderr, args)

    def test_usage_errors_print_the_tables_usage(self):
        """No arguments: what is missing, then the usage from the command
        table, the same line `nmidbg help CMD` prints."""
        for name in ("attach", "break", "doctor", "dump", "gdb", "kdb", "proxy", "triage"):
            p = run(self.binary, name)
            self.assertEqual(p.returncode, 2, name)
            usage = run(self.binary, "help", name).stdout.splitlines()[0]
            self.assertEqual(p.stderr.splitlines()[-1], usage, name)
            self.assertTrue(p.stderr.startswith("nmidbg %s: " % name), p.stderr)

    def test_unreachable_port_is_exit_3(self):
        for args in (("triage", "tcp:127.0.0.1:1"), ("doctor", "tcp:127.0.0.1:1"),
                     ("gdb", "tcp:127.0.0.1:1",
                                                      "--vmlinux", "/etc/hostname"),
                     ("dump", "tcp:127.0.0.1:1", "0x10", "16", "-o", DUMP_OUT)):
            p = run(self.binary, *args)
            self.assertEqual(p.returncode, 3, (args, p.stderr))
            self.assertIn("Connection refused", p.stderr)


class TestCli(CliMixin, unittest.TestCase):
    binary = os.path.join(BUILD, "nmidbg")


class TestCliAsan(CliMixin, unittest.TestCase):
    binary = os.path.join(BUILD, "asan", "nmidbg")
