#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""make demo: boot the test board, hard-lock a CPU, break into kdb from the
serial line and show every CPU's backtrace."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "board"))
from board import Board  # noqa: E402

T0 = time.monotonic()


def say(msg):
    print("[%5.1fs] %s" % (time.monotonic() - T0, msg), flush=True)


def main():
    say("booting qemu-system-aarch64 -M virt,gic-version=3 -smp 2 "
        "(pseudo-NMI on, kgdboc=ttyAMA0)")
    with Board("demo") as b:
        b.wait_ready()
        say("board is up; PID 1 pinned to CPU0, UART IRQ on CPU0")
        b.sh("pin 0")
        b.sh("affine %d 0" % b.uart_irq())
        say("hard-locking CPU1 with LKDTM HARDLOCKUP (spins with IRQs masked)")
        b.sh("lock 1")
        say("sending BREAK then 'g' on the serial line (SysRq-g)")
        t = time.monotonic()
        b.send_break()
        b.send("g")
        cpu = b.wait_kdb(10)
        say("kdb prompt on CPU%d after %.2fs; running 'btc' "
            "(every CPU's backtrace)" % (cpu, time.monotonic() - t))
        print()
        print(b.kdb("btc").rstrip())
        print()
        say("resuming the kernel with 'go'")
        say("the shell answers: %s" % b.kdb_go())
    say("done; full console transcript: %s" % os.path.relpath(b.log_path))


if __name__ == "__main__":
    main()
