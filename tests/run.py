#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the whole nmidbg suite and print one closing line `N passed, N failed`.

- C unit tests (cmocka, plain and ASan/UBSan builds): run with TAP output,
  every `ok`/`not ok` line counts as one test.
- Python tests under tests/ (test_*.py): the host CLI and the e2e tests on
  the QEMU board.  A failed e2e test prints where its console transcript
  is and the transcript's last lines.

An expected failure (the stock path that nmidbg exists to fix) counts as
passed only when it fails the way it is expected to; see tests/e2e/common.py.
"""
import argparse
import io
import os
import subprocess
import sys
import time
import traceback
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "board"))
sys.path.insert(0, HERE)


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.failures = []

    def line(self, status, name, secs=None, why=""):
        t = " (%.1fs)" % secs if secs is not None else ""
        print("%-5s %s%s%s" % (status, name, t, ("  " + why) if why else ""),
              flush=True)


def selected(name, patterns):
    """No -k: everything; else names that contain one of the patterns."""
    return not patterns or any(p in name for p in patterns)


def run_units(binaries, tally, pattern):
    for binary in binaries:
        if not selected(binary, pattern):
            continue
        env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP")
        start = time.monotonic()
        p = subprocess.run([binary], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=300)
        out = p.stdout.decode(errors="replace")
        counted = failed_here = 0
        for line in out.splitlines():
            if line.startswith("ok "):
                tally.passed += 1
                counted += 1
            elif line.startswith("not ok "):
                tally.failed += 1
                failed_here += 1
                counted += 1
                tally.failures.append(binary + ": " + line)
        if p.returncode != 0 and failed_here == 0:
            # A crash (sanitizer report, abort) that no TAP line reports.
            tally.failed += 1
            tally.failures.append("%s exited %d" % (binary, p.returncode))
        status = "PASS" if p.returncode == 0 else "FAIL"
        tally.line(status, "%s [%d cases]" % (os.path.relpath(binary), counted),
                   time.monotonic() - start)
        if p.returncode != 0:
            print(out[-4000:])


class Result(unittest.TestResult):
    def __init__(self, tally):
        super().__init__()
        self.tally = tally

    def startTest(self, test):
        super().startTest(test)
        self.t0 = time.monotonic()
        self.subfailed = False

    def _name(self, test):
        return test.id().replace("__main__.", "")

    def addSuccess(self, test):
        super().addSuccess(test)
        if getattr(self, "subfailed", False):
            return      # counted as failed by addSubTest
        xfail = getattr(test, "xfail_seen", None)
        self.tally.passed += 1
        if xfail:
            self.tally.line("XFAIL", self._name(test),
                            time.monotonic() - self.t0, "expected: " + xfail)
        else:
            self.tally.line("PASS", self._name(test), time.monotonic() - self.t0)

    def _fail(self, test, err, kind):
        self.tally.failed += 1
        self.tally.failures.append(self._name(test))
        self.tally.line(kind, self._name(test), time.monotonic() - self.t0)
        print("".join(traceback.format_exception(*err)).rstrip())
        for log in getattr(test, "transcripts", []):
            if os.path.exists(log):
                with open(log, "rb") as f:
                    tail = f.read()[-3000:].decode(errors="replace")
                print("---- console transcript: %s (last lines)" % log)
                print(tail)
                print("----")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._fail(test, err, "FAIL")

    def addError(self, test, err):
        super().addError(test, err)
        self._fail(test, err, "ERROR")

    def addSubTest(self, test, subtest, err):
        # A failed subTest fails its test (unittest would only record it).
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.subfailed = True
            self._fail(subtest, err, "FAIL")

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.tally.skipped += 1
        self.tally.line("SKIP", self._name(test), None, reason)


def iter_tests(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from iter_tests(t)
        else:
            yield t


def run_python(tally, pattern):
    loader = unittest.TestLoader()
    suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    result = Result(tally)
    for test in iter_tests(suite):
        if isinstance(test, unittest.loader._FailedTest):
            test.run(result)
            continue
        if not selected(test.id(), pattern):
            continue
        test.run(result)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", default="", help="unit test binaries")
    ap.add_argument("-k", dest="pattern", action="append", default=[],
                    help="run only tests whose name contains this (repeatable)")
    a = ap.parse_args()
    tally = Tally()
    start = time.monotonic()
    run_units(a.units.split(), tally, a.pattern)
    run_python(tally, a.pattern)
    if tally.failures:
        print("\nFailed:")
        for f in tally.failures:
            print("  " + f)
    skipped = ", %d skipped" % tally.skipped if tally.skipped else ""
    print("\n(%.0fs)" % (time.monotonic() - start))
    print("%d passed, %d failed%s" % (tally.passed, tally.failed, skipped))
    sys.exit(1 if tally.failed or (tally.passed == 0) else 0)


if __name__ == "__main__":
    main()
