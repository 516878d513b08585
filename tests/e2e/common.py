# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared pieces of the e2e tests: booting boards inside a test, and the
expected failure of the stock serial path."""
import functools
import unittest

from board import Board, Timeout


class BreakInFailed(AssertionError):
    """The debugger was not reached from the serial line."""


class BoardTest(unittest.TestCase):
    """A test that boots boards; each is killed at the end of the test and
    its transcript is attached to the test for the runner to show."""

    def setUp(self):
        self.transcripts = []

    # The UART on the line (board.UARTS); a subclass sets "8250" to run
    # the same cases through QEMU's 16550A on the PCI bus.
    uart = None

    def boot(self, **kw):
        name = kw.pop("name", None) or ".".join(self.id().split(".")[-2:])
        kw.setdefault("uart", self.uart)
        n = len(self.transcripts)
        b = Board(name if n == 0 else "%s-%d" % (name, n), **kw)
        self.transcripts.append(b.log_path)
        self.addCleanup(b.stop)
        b.start()
        b.wait_ready()
        if kw.get("variant") == "lockdep":
            # Make sure the lockdep tests really run on a lockdep kernel.
            self.assertIn("Lock dependency validator", b.text())
        return b

    def expect_kdb(self, board, timeout, how):
        try:
            return board.wait_kdb(timeout)
        except Timeout as e:
            raise BreakInFailed("%s did not reach kdb within %ss: %s"
                                % (how, timeout, e)) from None


def expected_failure_of_stock_path(why):
    """The test asserts a break-in that the stock kernel cannot do.

    It counts as passed only if it fails with BreakInFailed (the debugger
    really was not reached); any other error (the board did not boot, the
    setup went wrong) is a real failure, and so is a success: then the
    stock path works and the test must be flipped."""
    def wrap(fn):
        @functools.wraps(fn)
        def run(self):
            try:
                fn(self)
            except BreakInFailed:
                self.xfail_seen = why
                return
            raise AssertionError("unexpected success: the stock path broke "
                                 "in (%s); flip this test" % why)
        return run
    return wrap
