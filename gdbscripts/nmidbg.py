# SPDX-License-Identifier: GPL-2.0
#
# GDB commands for triaging a hung Linux board, over kgdb (the board's
# serial line) and over a JTAG-style stub (QEMU's gdbstub stands in for the
# probe in tests).  They build on the kernel's own helpers (vmlinux-gdb.py,
# the lx-* commands), and follow their conventions: one gdb.Command per
# job, the docstring is the help.
#
#   source gdbscripts/nmidbg.py
#   nmidbg-cpus              every online CPU: its current task and backtrace
#   nmidbg-blocked           tasks in D state, with where they sleep
#   nmidbg-dmesg-tail [N]    the last N lines of the kernel log (default 40)
#   nmidbg-triage [json]     all of it (and the kernel version), as text or JSON
#
# Loading it also gives the kernel's $lx_current() and $lx_per_cpu() a
# current task and CPU over kgdb (see "The current task and CPU" below).

import json
import re

import gdb

try:
    from linux import cpus, tasks, utils
except ImportError:
    raise gdb.GdbError("nmidbg.py needs the kernel's vmlinux-gdb.py loaded first "
                       "(CONFIG_GDB_SCRIPTS; add-auto-load-safe-path for it)")

TASK_UNINTERRUPTIBLE = 0x2
TASK_NOLOAD = 0x400     # TASK_IDLE sleepers: ps shows I, not D
SCHED_FUNCS = ("__switch_to", "__schedule", "schedule", "schedule_timeout",
               "schedule_preempt_disabled", "io_schedule", "io_schedule_timeout",
               "__wait_for_common", "do_wait_for_common")


def _threads_by_target_id():
    """Map kgdb's thread ids (task pids) and shadowCPUn names to gdb ids."""
    text = gdb.execute("info threads", to_string=True)
    by_tid, shadow = {}, {}
    for m in re.finditer(r"^\*?\s+(\d+)\s+Thread (-?\d+)(?: \(([^)]*)\))?", text, re.M):
        gid, tid, extra = int(m.group(1)), int(m.group(2)), m.group(3) or ""
        by_tid[tid] = gid
        s = re.match(r"shadowCPU(\d+)", extra)
        if s:
            shadow[int(s.group(1))] = gid
    return by_tid, shadow


def _is_openocd():
    """OpenOCD's gdb server answers `monitor version` with its name."""
    try:
        return "Open On-Chip Debugger" in gdb.execute("monitor version", to_string=True)
    except gdb.error:
        return False


def cpu_threads():
    """[(cpu, gdb thread number)] for every online CPU."""
    kind = utils.get_gdbserver_type()
    out = []
    if kind == utils.GDBSERVER_QEMU or (kind != utils.GDBSERVER_KGDB and _is_openocd()):
        # QEMU's gdbstub: thread N is CPU N-1.  So is OpenOCD's SMP target
        # with -rtos hwthread (thread id = coreid + 1), where the kernel's
        # CPU numbers follow the cores' (coreid) order.
        for cpu in cpus.each_online_cpu():
            out.append((cpu, cpu + 1))
    elif kind == utils.GDBSERVER_KGDB:
        # kgdb: threads are tasks; a CPU's idle task is "shadowCPUn".
        by_tid, shadow = _threads_by_target_id()
        for cpu in cpus.each_online_cpu():
            task = _kgdb_task(cpu)
            pid = int(task["pid"]) if task is not None else 0
            gid = by_tid.get(pid) if pid else shadow.get(cpu)
            if gid is not None:
                out.append((cpu, gid))
    else:
        raise gdb.GdbError("nmidbg: connected neither to kgdb, to QEMU's gdbstub, "
                           "nor to OpenOCD")
    return out


# ---- The current task and CPU -----------------------------------------
#
# arm64's get_current_task() in the kernel's linux/cpus.py reads SP_EL0:
# kgdb does not send it (gdb: "Invalid cast."), a JTAG probe may not, and
# the CPU asked for is ignored.  Its get_current_cpu() is, over kgdb, the
# CPU that entered the debugger whatever thread is selected, and over
# OpenOCD there is none.  Both are replaced in linux.cpus, where
# $lx_current(), $lx_per_cpu() and the other helpers look them up when
# they run; the kernel's own answer is kept wherever it holds.

# The kernel's own, kept once: sourced a second time, this file must not
# take its own replacements for them.
if not hasattr(cpus, "nmidbg_kernel_current"):
    cpus.nmidbg_kernel_current = (cpus.get_current_cpu, cpus.get_current_task)
_kernel_current_cpu, _kernel_current_task = cpus.nmidbg_kernel_current


def _kgdb_thread_id():
    """The selected thread's kgdb id: a pid, or -(cpu + 2) for a CPU's
    shadow thread (kernel/debug/gdbstub.c); gdb holds it unsigned."""
    tid = gdb.selected_thread().ptid[1]
    return tid - (1 << 32) if tid >= 1 << 31 else tid


def _kgdb_task(cpu):
    """The task kgdb saw as current when cpu entered the debugger, or
    None: a CPU that never took the roundup has none."""
    task = gdb.parse_and_eval("kgdb_info[%d].task" % cpu)
    return task.dereference() if int(task) else None


def current_cpu():
    """The selected thread's CPU."""
    kind = utils.get_gdbserver_type()
    if kind == utils.GDBSERVER_KGDB:
        tid = _kgdb_thread_id()
        if tid < -1:
            return -tid - 2
        for cpu in cpus.each_online_cpu():
            task = _kgdb_task(cpu)
            if task is not None and int(task["pid"]) == tid:
                return cpu
        # A task on no CPU (asleep): the CPU kgdb runs on, as the
        # kernel's helper has it for every thread.
    elif kind is None and _is_openocd():
        # -rtos hwthread: thread id = coreid + 1 (see cpu_threads).
        return gdb.selected_thread().ptid[1] - 1
    return _kernel_current_cpu()


def task_on(cpu):
    """The task cpu runs, without SP_EL0: the one kgdb saw, which is
    `current` itself; else the scheduler's rq->curr, which differs from
    it only in the middle of a context switch."""
    if utils.get_gdbserver_type() == utils.GDBSERVER_KGDB:
        task = _kgdb_task(cpu)
        if task is not None:
            return task
    rq = cpus.per_cpu(gdb.parse_and_eval("&runqueues"), cpu)
    return rq["curr"].dereference()


def get_current_task(cpu=-1):
    """The task on cpu (-1: the selected thread's CPU)."""
    if not utils.is_target_arch("aarch64"):
        return _kernel_current_task(cpu)
    cpu = int(cpu)
    try:
        # SP_EL0 is the selected thread's: it answers for that CPU only.
        if cpu == -1 or cpu == current_cpu():
            task = _kernel_current_task(cpu)
            int(task["pid"])    # an SP_EL0 that points at no memory is no task
            return task
    except (gdb.error, gdb.GdbError):
        pass    # no SP_EL0 (kgdb), a CPU in user space, or garbage
    return task_on(current_cpu() if cpu == -1 else cpu)


cpus.get_current_cpu = current_cpu
cpus.get_current_task = get_current_task


def _frames(limit=40):
    frames, f = [], gdb.newest_frame()
    while f is not None and len(frames) < limit:
        sal = f.find_sal()
        frames.append({
            "function": f.name() or "??",
            "pc": "0x%x" % f.pc(),
            "file": sal.symtab.filename if sal.symtab else None,
            "line": sal.line if sal.symtab else None,
        })
        try:
            f = f.older()
        except gdb.error:
            break
    return frames


def cpu_report():
    """[{cpu, pid, comm, frames}] for every online CPU."""
    report = []
    selected = gdb.selected_thread()
    try:
        for cpu, gid in cpu_threads():
            gdb.execute("thread %d" % gid, to_string=True)
            try:
                task = cpus.get_current_task(cpu)
                pid, comm = int(task["pid"]), task["comm"].string()
            except gdb.error:
                pid, comm = None, None
            report.append({"cpu": cpu, "pid": pid, "comm": comm,
                           "frames": _frames()})
    finally:
        if selected is not None and selected.is_valid():
            selected.switch()
    return report


def _symbol(pc):
    """The function (ELF symbol, not an inlined block) that holds pc."""
    try:
        text = gdb.execute("info symbol 0x%x" % pc, to_string=True)
    except gdb.error:
        return "0x%x" % pc
    m = re.match(r"(\S+)( \+ \d+)? in section", text)
    return m.group(1) if m else "0x%x" % pc


def sleeping_stack(task, depth=16):
    """A sleeping task's call chain, from its saved frame records (arm64:
    thread.cpu_context.fp points at {previous fp, return address})."""
    ulong = utils.get_ulong_type().pointer()
    stack = [_symbol(int(task["thread"]["cpu_context"]["pc"]))]
    fp = int(task["thread"]["cpu_context"]["fp"])
    while fp and len(stack) < depth:
        try:
            lr = int(gdb.Value(fp + 8).cast(ulong).dereference())
            fp = int(gdb.Value(fp).cast(ulong).dereference())
        except gdb.MemoryError:
            break
        if not lr:
            break
        stack.append(_symbol(lr))
    return stack


def blocked_report():
    """[{pid, comm, where, stack}] for tasks in D state."""
    out = []
    for task in tasks.task_lists():
        state = int(task["__state"])
        if not state & TASK_UNINTERRUPTIBLE or state & TASK_NOLOAD:
            continue
        stack = sleeping_stack(task)
        where = next((f for f in stack if f not in SCHED_FUNCS), stack[0])
        out.append({"pid": int(task["pid"]), "comm": task["comm"].string(),
                    "where": where, "stack": stack})
    return out


def dmesg_tail(n):
    text = gdb.execute("lx-dmesg", to_string=True)
    return text.splitlines()[-n:]


def modules_report():
    """[{name, base, size}] of the loaded modules, through the kernel's own
    lx-lsmod walker; None on a kernel built without CONFIG_MODULES."""
    try:
        gdb.parse_and_eval("modules")
    except gdb.error:
        return None
    from linux import constants, modules as lxmodules
    out = []
    for mod in lxmodules.module_list():
        text = mod["mem"][constants.LX_MOD_TEXT]
        out.append({"name": mod["name"].string(),
                    "base": "0x%x" % int(text["base"]),
                    "size": int(text["size"])})
    return out


def version():
    return gdb.execute("lx-version", to_string=True).strip()


def _print_cpus(report):
    for c in report:
        gdb.write("CPU%d: pid %s (%s)\n" % (c["cpu"], c["pid"], c["comm"]))
        for i, f in enumerate(c["frames"]):
            loc = " at %s:%s" % (f["file"], f["line"]) if f["file"] else ""
            gdb.write("  #%-2d %s %s%s\n" % (i, f["pc"], f["function"], loc))


class NmidbgCpus(gdb.Command):
    """Every online CPU: its current task and its backtrace."""

    def __init__(self):
        super().__init__("nmidbg-cpus", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        _print_cpus(cpu_report())


class NmidbgBlocked(gdb.Command):
    """Tasks in uninterruptible sleep (D state), with where they sleep."""

    def __init__(self):
        super().__init__("nmidbg-blocked", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        blocked = blocked_report()
        for t in blocked:
            gdb.write("%6d %-16s %s\n" % (t["pid"], t["comm"], t["where"]))
        gdb.write("%d task(s) in D state\n" % len(blocked))


class NmidbgDmesgTail(gdb.Command):
    """The last N lines of the kernel log (default 40): nmidbg-dmesg-tail [N]"""

    def __init__(self):
        super().__init__("nmidbg-dmesg-tail", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        for line in dmesg_tail(int(arg) if arg.strip() else 40):
            gdb.write(line + "\n")


class NmidbgModules(gdb.Command):
    """Loaded modules with their text base (for symbol files)."""

    def __init__(self):
        super().__init__("nmidbg-modules", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        mods = modules_report()
        if mods is None:
            gdb.write("kernel built without module support\n")
            return
        for m in mods:
            gdb.write("%-24s %s %d\n" % (m["name"], m["base"], m["size"]))
        gdb.write("%d module(s)\n" % len(mods))


class NmidbgTriage(gdb.Command):
    """Everything for a hung board: nmidbg-triage [json|json+text]

The kernel version, every CPU's task and backtrace, the D-state tasks and
the loaded modules and the tail of the kernel log; as text, with 'json' as
one JSON object, or with 'json+text' as that line followed by the text,
both from one walk of the target (what nmidbg triage uses)."""

    def __init__(self):
        super().__init__("nmidbg-triage", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        report = {"version": version(), "cpus": cpu_report(),
                  "blocked": blocked_report(), "modules": modules_report(),
                  "dmesg_tail": dmesg_tail(40)}
        mode = arg.strip()
        if mode in ("json", "json+text"):
            gdb.write(json.dumps(report) + "\n")
            if mode == "json":
                return
        gdb.write(report["version"] + "\n\n")
        _print_cpus(report["cpus"])
        gdb.write("\nD-state tasks: %d\n" % len(report["blocked"]))
        for t in report["blocked"]:
            gdb.write("%6d %-16s %s\n" % (t["pid"], t["comm"], t["where"]))
        mods = report["modules"]
        gdb.write("\nmodules: %s\n" % ("none (no module support)" if mods is None
                                       else ", ".join(m["name"] for m in mods) or "none"))
        gdb.write("\nkernel log, last lines:\n" + "\n".join(report["dmesg_tail"]) + "\n")


NmidbgCpus()
NmidbgBlocked()
NmidbgDmesgTail()
NmidbgModules()
NmidbgTriage()
