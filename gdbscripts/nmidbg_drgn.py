# SPDX-License-Identifier: GPL-3.0-or-later
"""drgn on a board nmidbg stopped: started by `nmidbg drgn`, not by hand.

The Program is opened from nmidbg's core file (every CPU's registers and
VMCOREINFO, no memory) and its memory is one segment over the kernel's
half of the address space, read through nmidbg over the channel fd
(host/codec/memserve.h: a request of u32 op, u32 len, u64 addr; a reply of
u32 status, u32 len, then the bytes or the faulting address).
"""
import argparse
import contextlib
import io
import json
import os
import socket
import struct
import sys
import traceback

import drgn

KERNEL_BASE = 0xffff000000000000
MAX_READ = 1 << 20
OK, FAULT = 0, 1


class Channel:
    def __init__(self, fd):
        self.sock = socket.socket(fileno=fd)

    def _exactly(self, n):
        buf = bytearray()
        while len(buf) < n:
            got = self.sock.recv(n - len(buf))
            if not got:
                raise drgn.FaultError("nmidbg: the board's line is gone", 0)
            buf += got
        return bytes(buf)

    def read(self, address, count, offset, physical):
        out = bytearray()
        while len(out) < count:
            n = min(count - len(out), MAX_READ)
            self.sock.sendall(struct.pack("<IIQ", 0x52, n, address + len(out)))
            status, length = struct.unpack("<II", self._exactly(8))
            body = self._exactly(length)
            if status == FAULT:
                raise drgn.FaultError("could not read memory",
                                      struct.unpack("<Q", body)[0])
            if status != OK:
                raise drgn.FaultError("nmidbg: read failed", address + len(out))
            out += body
        return bytes(out)


PRSTATUS_NOTE = 12 + 8 + 392   # header, "CORE" padded, arm64 elf_prstatus
PR_PID = 12 + 8 + 32


def set_pids(core, prog):
    """drgn takes a task's registers from its CPU's note only when the
    note's pr_pid is the task's: write each CPU's current pid (read
    through a first Program) into the notes nmidbg wrote in CPU order."""
    from drgn.helpers.linux.cpumask import for_each_online_cpu
    from drgn.helpers.linux.percpu import per_cpu
    with open(core, "r+b") as f:
        f.seek(64 + 8)
        notes = struct.unpack("<Q", f.read(8))[0]
        for cpu in for_each_online_cpu(prog):
            pid = per_cpu(prog["runqueues"], cpu).curr.pid.value_()
            f.seek(notes + cpu * PRSTATUS_NOTE + PR_PID)
            f.write(struct.pack("<I", pid))


def open_program(args, chan, paths):
    prog = drgn.Program()
    prog.set_core_dump(args.core)
    prog.add_memory_segment(KERNEL_BASE, (1 << 64) - KERNEL_BASE, chan.read)
    try:
        prog.load_debug_info(paths)
    except drgn.MissingDebugInfoError as e:
        print("nmidbg drgn: %s" % e, file=sys.stderr)
    return prog


def program(args):
    chan = Channel(args.fd)
    paths = [args.vmlinux]
    if args.modules:
        for root, _, files in os.walk(args.modules):
            paths += [os.path.join(root, f) for f in files if f.endswith(".ko")]
    set_pids(args.core, open_program(args, chan, paths))
    return open_program(args, chan, paths)


def namespace(prog):
    ns = {"prog": prog, "drgn": drgn}
    import drgn.helpers.linux as linux
    for name in getattr(linux, "__all__", []):
        ns[name] = getattr(linux, name)
    for name in ("Object", "cast", "container_of", "sizeof", "FaultError"):
        ns[name] = getattr(drgn, name)
    return ns


def cpu_traces(prog):
    """Per online CPU: the task it runs and that task's stack, as drgn
    unwinds it from the CPU's registers (a trace that fails says why)."""
    from drgn.helpers.linux.cpumask import for_each_online_cpu
    from drgn.helpers.linux.percpu import per_cpu
    cpus = []
    for cpu in for_each_online_cpu(prog):
        task = per_cpu(prog["runqueues"], cpu).curr
        one = {"cpu": cpu, "pid": task.pid.value_(),
               "comm": task.comm.string_().decode(errors="replace"), "trace": None,
               "error": None}
        try:
            one["trace"] = [frame_text(f) for f in prog.stack_trace(task)]
        except Exception as e:      # FaultError, ValueError: this CPU's only
            one["error"] = "%s: %s" % (type(e).__name__, e)
        cpus.append(one)
    return cpus


def frame_text(frame):
    """A frame's function, its pc when no symbol covers it, "?" when drgn
    could not tell even that (a frame it failed to unwind)."""
    try:
        return frame.symbol().name
    except LookupError:
        pass
    try:
        return hex(frame.pc)
    except LookupError:
        return "?"


def run(args, ns):
    """The script or the expression; with --json, the document of what it
    printed, the expression's value, an exception and each CPU's trace."""
    if not args.json:
        if args.script:
            run_script(args.script, ns)
        else:
            print(eval(args.expr, ns))
        return 0
    out, doc = io.StringIO(), {"drgn_version": drgn.__version__, "output": [],
                               "value": None, "error": None, "traceback": None}
    try:
        with contextlib.redirect_stdout(out):
            if args.script:
                run_script(args.script, ns)
            else:
                doc["value"] = str(eval(args.expr, ns))    # as -e prints it
    except Exception as e:
        doc["error"] = "%s: %s" % (type(e).__name__, e)
        doc["traceback"] = traceback.format_exc().splitlines()
    doc["output"] = out.getvalue().splitlines()
    doc["cpus"] = cpu_traces(ns["prog"])
    with open(args.json, "w") as f:
        json.dump(doc, f, ensure_ascii=True)
    return 1 if doc["error"] else 0


def run_script(path, ns):
    ns["__name__"] = "__main__"
    with open(path) as f:
        code = compile(f.read(), path, "exec")
    exec(code, ns)


def main():
    ap = argparse.ArgumentParser(prog="nmidbg_drgn.py")
    ap.add_argument("--core", required=True)
    ap.add_argument("--fd", type=int, required=True)
    ap.add_argument("--vmlinux", required=True)
    ap.add_argument("--modules")
    ap.add_argument("-c", dest="script")
    ap.add_argument("-e", dest="expr")
    ap.add_argument("--json", help="write the document here (with -c or -e)")
    args = ap.parse_args()
    prog = program(args)
    ns = namespace(prog)
    drgn.set_default_prog(prog) if hasattr(drgn, "set_default_prog") else None
    if args.script or args.expr:
        return run(args, ns)
    import code
    code.interact(banner="drgn %s on the stopped board (nmidbg): prog, and "
                  "drgn.helpers.linux imported" % drgn.__version__, local=ns)
    return 0


if __name__ == "__main__":
    sys.exit(main())
