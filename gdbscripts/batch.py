# SPDX-License-Identifier: GPL-3.0-or-later
#
# nmidbg gdb --batch: any command that fails makes gdb's exit status 1.
#
# gdb -batch exits with the status of its last command only, so a failed
# command followed by one that worked went unnoticed (issue 20).  nmidbg
# runs each -ex command and -x script of a --batch through
# nmidbg-batch-run, and ends with nmidbg-batch-status.  As in plain
# gdb -batch, the commands after a failure still run.  Needs nothing but
# gdb: it works without the kernel's helpers.

import gdb

failed = []


class NmidbgBatchRun(gdb.Command):
    """Run COMMAND; a failure is remembered: nmidbg-batch-run COMMAND"""

    def __init__(self):
        super().__init__("nmidbg-batch-run", gdb.COMMAND_OBSCURE)

    def invoke(self, arg, from_tty):
        try:
            gdb.execute(arg, from_tty)
        except gdb.error as e:
            failed.append(arg)
            # GdbError: gdb prints the message alone, as for the command
            # itself, without a Python traceback.
            raise gdb.GdbError(str(e))
        except KeyboardInterrupt:
            failed.append(arg)
            raise


class NmidbgBatchStatus(gdb.Command):
    """Fail if a command run through nmidbg-batch-run failed."""

    def __init__(self):
        super().__init__("nmidbg-batch-status", gdb.COMMAND_OBSCURE)

    def invoke(self, arg, from_tty):
        if failed:
            raise gdb.GdbError("nmidbg: %d gdb command%s failed, the first: %s"
                               % (len(failed), "" if len(failed) == 1 else "s",
                                  failed[0]))


NmidbgBatchRun()
NmidbgBatchStatus()
