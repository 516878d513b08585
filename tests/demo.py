#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""make demo: boot the ttyNMI test board, hard-lock every CPU, break in
with the gdb knock from the serial line, and show every CPU's backtrace;
then the same evidence as a report, by `nmidbg triage`; and by its JTAG
route (QEMU's gdbstub standing in for the probe), the two CPU tables side
by side."""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "board"))
from board import BUILD, NMI_APPEND, Board, Timeout, free_port, kernel_dir  # noqa: E402

T0 = time.monotonic()
SMP = 4


def say(msg):
    print("[%5.1fs] %s" % (time.monotonic() - T0, msg), flush=True)


def main():
    say("booting qemu-system-aarch64 -M virt,gic-version=3 -smp %d" % SMP)
    say("  kernel command line: " + NMI_APPEND)
    with Board("demo", smp=SMP, append=NMI_APPEND, serial_tcp=free_port(),
               gdbstub=True) as b:
        b.wait_ready()
        say("board is up; the shell on ttyNMI0 answers: %s"
            % b.sh("echo hello from ttyNMI0").strip())
        say("hard-locking all %d CPUs with LKDTM HARDLOCKUP "
            "(each spins with interrupts masked)" % SMP)
        b.lock_all()
        b.send("echo anyone?\r")
        try:
            b.expect(b"\nanyone?", 2)
            say("unexpected: the shell still answers")
        except Timeout:
            say("the shell is gone: no CPU will ever run it again")
        say("sending the gdb knock $3#33 on the serial line")
        t = time.monotonic()
        b.send("$3#33")
        cpu = b.wait_kdb(10)
        say("kdb prompt on CPU%d after %.2fs; running 'btc' (every CPU's "
            "backtrace)" % (cpu, time.monotonic() - t))
        btc = b.kdb("btc")
        print()
        print(btc.rstrip())
        print()
        locked = sorted(int(m.group(1)) for m in re.finditer(
            r"CPU: (\d+) [^\n]*\n(?:(?!Stack traceback)[\s\S])*?lkdtm_HARDLOCKUP", btc))
        say("CPUs caught in lkdtm_HARDLOCKUP: %s of %d"
            % (", ".join(map(str, locked)), SMP))
        say("'go' resumes them (they go back to spinning)")
        b.send("go\r")
        time.sleep(b.GO_SETTLE)
        b.disconnect()
        report = os.path.join(BUILD, "demo-triage.md")
        vmlinux = os.path.join(kernel_dir(), "vmlinux")
        say("now the tool: nmidbg triage %s --vmlinux %s -o %s"
            % (b.port_spec(), os.path.relpath(vmlinux), os.path.relpath(report)))
        p = subprocess.run([os.path.join(BUILD, "nmidbg"), "triage", b.port_spec(),
                            "--vmlinux", vmlinux, "-o", report], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=120)
        sys.stdout.write(p.stderr)
        if p.returncode:
            say("nmidbg triage failed (exit %d)" % p.returncode)
            return 1
        with open(report) as f:
            table = [l for l in f if l.startswith("|")]
        print()
        print("".join(table))
        say("report: %s and %s (file:line by libdw; add --gdb for lx-ps, lx-dmesg)"
            % (os.path.relpath(report), os.path.relpath(report[:-3] + ".json")))
        if jtag_route(b, report) != 0:
            return 1
    say("done; full console transcript: %s" % os.path.relpath(b.log_path))
    return 0


def cpu_table(report):
    with open(report[:-3] + ".json") as f:
        return {c["cpu"]: c["where"] for c in json.load(f)["cpus"]}


def jtag_route(b, serial_report):
    """The same board through the JTAG route, its CPU table beside the
    serial one."""
    report = os.path.join(BUILD, "demo-triage-jtag.md")
    vmlinux = os.path.join(kernel_dir(), "vmlinux")
    say("the JTAG route: nmidbg triage --jtag --jtag-gdb 127.0.0.1:%d "
        "--vmlinux %s (QEMU's gdbstub stands in for the probe)"
        % (b.gdb_port, os.path.relpath(vmlinux)))
    p = subprocess.run([os.path.join(BUILD, "nmidbg"), "triage", "--jtag",
                        "--jtag-gdb", "127.0.0.1:%d" % b.gdb_port,
                        "--vmlinux", vmlinux, "-o", report],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=300)
    sys.stdout.write(p.stderr)
    if p.returncode:
        say("nmidbg triage --jtag failed (exit %d)" % p.returncode)
        return 1
    serial, jtag = cpu_table(serial_report), cpu_table(report)
    say("CPU table, serial route | JTAG route:")
    for cpu in sorted(set(serial) | set(jtag)):
        print("  cpu %d: %-24s | %s" % (cpu, serial.get(cpu, "-"), jtag.get(cpu, "-")))
    say("JTAG report: %s (via jtag; file:line from gdb)" % os.path.relpath(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
