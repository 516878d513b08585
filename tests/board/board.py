#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The nmidbg test board: qemu-system-aarch64 -M virt,gic-version=3.

Boots the cached kernel and initramfs with a kernel command line chosen by
the caller, puts the UART under test on a telnet-mode socket chardev (so
BREAK crosses as IAC BRK): the PL011 (ttyAMA0), or with uart="8250" a
16550A on the PCI bus (QEMU's pci-serial, ttyS0 through 8250_pci), opens QMP, and optionally QEMU's gdbstub (the
JTAG stand-in).  The Board object is the test harness: wait for a marker,
send, expect, drive the PID 1 shell and kdb, and keep the whole console
transcript in a file for the reader of a failed test.

QEMU dies with us: it gets PR_SET_PDEATHSIG, runs in its own process
group, and every Board still alive at exit (or SIGTERM/SIGINT) is killed.

As a command:  board.py run [--smp N] [--append ARGS]   interactive console
"""
import atexit
import ctypes
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

# The wire, the paths and the small helpers live in board_io.py, the guest's
# bulk-transfer programs in guest_io.py; they are re-exported here, so
# `from board import ...` works as it always did.
from board_io import (BRK, BUILD, DO, DONT, IAC, LINE_RATE, ROOT, SB, SE,  # noqa: F401
                      SHELL_PROMPT, WILL, WONT, Line, PtyConsole, TelnetDecoder,
                      Timeout, free_port, initramfs, kernel_dir, kernel_image,
                      kernel_symbol, own_gdb_symbols, xorshift_stream)
from guest_io import GuestPrograms

LOG_DIR = os.path.join(BUILD, "test-logs")

READY = b"NMIDBG-INIT READY"
KDB_PROMPT = re.compile(rb"\[(\d+)\]kdb> ")
MORE_PROMPT = b"more> "

STOCK_APPEND = "console=ttyAMA0 kgdboc=ttyAMA0 irqchip.gicv3_pseudo_nmi=1"
NMI_APPEND = "console=ttyNMI0 kgdboc=ttyAMA0,115200 irqchip.gicv3_pseudo_nmi=1"

# The UART on the line: QEMU devices (the last one gets the line's
# chardev; none: the virt machine's PL011), Linux port name.
UARTS = {"pl011": ((), "ttyAMA0"),
         "8250": (("pci-serial",), "ttyS0")}

_live = set()


def uart_append(append, uart):
    """The command line for a board whose line is on `uart`: the tests'
    command lines name the PL011's port, ttyAMA0."""
    return re.sub(r"\bttyAMA0\b", UARTS[uart][1], append)


class BoardError(Exception):
    """The board did not do what the harness asked (setup problem)."""


def _set_pdeathsig():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    os.setpgid(0, 0)


class Board(GuestPrograms):
    # Seconds to leave the line quiet after kdb's `go`: with a CPU hard-locked,
    # input that arrives while kdb is leaving can wedge the stock tty for good.
    GO_SETTLE = 1.0

    def __init__(self, name="board", variant=None, smp=2,
                 append=STOCK_APPEND, mem=256, gdbstub=False, telnet=True,
                 serial_tcp=None, serial_pty=False, reboot=False, uart=None,
                 kaslr=None):
        self.name = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
        self.variant = variant or os.environ.get("NMIDBG_VARIANT", "default")
        self.uart = uart or os.environ.get("NMIDBG_UART", "pl011")
        if self.uart not in UARTS:
            raise BoardError("unknown uart %r (%s)" % (self.uart, ", ".join(UARTS)))
        append = uart_append(append, self.uart)
        self.reboot = reboot    # a reset reboots the board; else QEMU exits
        # KASLR on, as on the boards users hold (QEMU's virt machine passes
        # a seed), but for a board with QEMU's gdbstub, the JTAG stand-in:
        # the JTAG route needs link addresses.  NMIDBG_KASLR=0 or 1 decides
        # for every board the caller does not decide for.
        env = os.environ.get("NMIDBG_KASLR")
        self.kaslr = kaslr if kaslr is not None else \
            env == "1" if env in ("0", "1") else not gdbstub
        self.smp = smp
        self.append = append
        self.mem = mem
        self.gdbstub = gdbstub
        self.telnet = telnet
        self.serial_tcp = serial_tcp  # port number: TCP instead of unix
        self.serial_pty = serial_pty  # a pty (for ser2net): raw, no telnet
        if serial_pty:
            self.telnet = False
        self.pty_path = None
        self.proc = None
        self.sock = None
        self.buf = bytearray()   # decoded console bytes since boot
        self.pos = 0             # how far expect() has consumed
        self.decoder = TelnetDecoder()
        self.tmp = None
        self.initrd = initramfs()
        self.log_path = os.path.join(LOG_DIR, self.name + ".log")
        self.gdb_port = None

    # ---- lifecycle -------------------------------------------------------
    def qemu_cmd(self):
        t = "on" if self.telnet else "off"
        if self.serial_tcp:
            addr = "host=127.0.0.1,port=%d,nodelay=on" % self.serial_tcp
        else:
            addr = "path=" + self.serial_path
        if self.serial_pty:
            chardev = "pty,id=ser0"
        else:
            chardev = "socket,id=ser0,%s,server=on,wait=on,telnet=%s" % (addr, t)
        cmd = ["qemu-system-aarch64", "-M", "virt,gic-version=3",
               "-cpu", "cortex-a57", "-smp", str(self.smp),
               "-m", str(self.mem), "-nodefaults", "-display", "none",
               ] + ([] if self.reboot else ["-no-reboot"]) + [
               "-kernel", kernel_image(self.variant),
               "-initrd", self.initrd,
               "-append", self.append + ("" if self.kaslr else " nokaslr") +
               " rdinit=/init",
               "-chardev", chardev,
               ] + self.uart_args() + [
               "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        if self.serial_pty:
            cmd.append("-S")  # started by QMP once the pty has a reader
        if self.gdbstub:
            self.gdb_port = free_port()
            cmd += ["-gdb", "tcp:127.0.0.1:%d" % self.gdb_port]
        return cmd

    def uart_args(self):
        devices = UARTS[self.uart][0]
        if not devices:
            return ["-serial", "chardev:ser0"]
        args = []
        for d in devices[:-1]:
            args += ["-device", d]
        return args + ["-device", devices[-1] + ",chardev=ser0"]

    def make_initrd(self):
        """The initramfs, with the kernel build's module archive appended
        when it has one (the kernel unpacks concatenated archives)."""
        mods = os.path.join(kernel_dir(self.variant), "modules.cpio")
        if not os.path.exists(mods):
            return initramfs()
        path = os.path.join(self.tmp, "initrd.cpio")
        with open(path, "wb") as out:
            for part in (initramfs(), mods):
                with open(part, "rb") as f:
                    out.write(f.read())
        return path

    def start(self, connect=True):
        for path in (kernel_image(self.variant), initramfs()):
            if not os.path.exists(path):
                raise BoardError("%s missing: run 'make %s'" % (
                    path, {"6.1-lean": "board-6.1",
                           "6.1-default": "board KERNEL=6.1",
                           "lockdep": "board-lockdep"}.get(self.variant,
                                                           "board")))
        os.makedirs(LOG_DIR, exist_ok=True)
        self.tmp = tempfile.mkdtemp(prefix="nmidbg-board-")
        self.serial_path = os.path.join(self.tmp, "serial.sock")
        self.qmp_path = os.path.join(self.tmp, "qmp.sock")
        self.stderr = open(os.path.join(self.tmp, "qemu.stderr"), "w+b")
        self.initrd = self.make_initrd()
        self.proc = subprocess.Popen(self.qemu_cmd(), stdin=subprocess.DEVNULL,
                                     stdout=self.stderr, stderr=self.stderr,
                                     preexec_fn=_set_pdeathsig)
        _live.add(self)
        self.started = time.monotonic()
        if connect:
            self.sock = self.connect_serial()
        return self

    def serial_address(self):
        """Where a client (nmidbg) connects: unix:PATH or telnet:HOST:PORT."""
        if self.serial_tcp:
            return "127.0.0.1:%d" % self.serial_tcp
        return self.serial_path

    def connect_serial(self, timeout=10):
        if self.serial_pty:
            return self.connect_pty(timeout)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.serial_tcp:
                    s = socket.create_connection(("127.0.0.1", self.serial_tcp))
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                else:
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.connect(self.serial_path)
                s.setblocking(False)
                return s
            except OSError:
                if self.proc.poll() is not None:
                    raise BoardError("qemu exited (%s): %s"
                                     % (self.proc.returncode, self.qemu_stderr()))
                if time.monotonic() > deadline:
                    raise BoardError("qemu serial socket never appeared")
                time.sleep(0.02)

    def disconnect(self):
        """Step off the console socket so another client (nmidbg) can
        connect; QEMU keeps listening.  Output meanwhile is lost."""
        if self.sock:
            try:
                self._drain(0)
            except OSError:
                pass
            self.sock.close()
            self.sock = None

    def reconnect(self):
        self.sock = self.connect_serial()

    def port_spec(self):
        """The PORT nmidbg opens for this board's console."""
        if self.serial_pty:
            return self.pty_path
        if self.serial_tcp:
            return ("telnet:127.0.0.1:%d" if self.telnet else "tcp:127.0.0.1:%d") % self.serial_tcp
        return "unix:" + self.serial_path

    def connect_pty(self, timeout):
        deadline = time.monotonic() + timeout
        while not self.pty_path:
            m = re.search(r"char device redirected to (/dev/pts/\d+)",
                          self.qemu_stderr())
            if m:
                self.pty_path = m.group(1)
            elif time.monotonic() > deadline or self.proc.poll() is not None:
                raise BoardError("qemu made no pty: " + self.qemu_stderr())
            else:
                time.sleep(0.02)
        console = PtyConsole(self.pty_path)
        if self.qmp("query-status")["status"] != "running":
            # QEMU polls a pty for a reader about once a second and drops
            # output until it sees one: let it see us, then start.
            time.sleep(1.5)
            self.qmp("cont")
        return console

    def qemu_stderr(self):
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")[-2000:]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc:
            self.proc.wait()
        self.disconnect()
        self.save_transcript()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
        _live.discard(self)

    def save_transcript(self):
        if not os.path.isdir(LOG_DIR):
            return
        with open(self.log_path, "wb") as f:
            f.write(bytes(self.buf))

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- console I/O -----------------------------------------------------
    def _drain(self, timeout):
        """Read what the board sent within timeout; False on EOF."""
        r, _, _ = select.select([self.sock], [], [], max(timeout, 0))
        if not r:
            return True
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return True
        except ConnectionResetError:
            data = b""
        if not data:
            return False
        self.buf += self.decoder.feed(data) if self.telnet else data
        return True

    def send(self, data, timeout=600, rate=None):
        """Send bytes, reading the board's output meanwhile: a board whose
        console output we did not read would block in QEMU, and stop
        reading our input in turn.  Fails once the board has taken none
        of our bytes for timeout seconds.  rate: at most that many bytes
        a second, as a real line with RTS/CTS paces them (board_io.Line:
        QEMU's UART has no baud rate, and ttyNMI drops what its reader
        cannot take)."""
        if isinstance(data, str):
            data = data.encode()
        if self.telnet:
            data = data.replace(b"\xff", b"\xff\xff")
        view = memoryview(data)
        deadline = time.monotonic() + timeout
        line = Line(rate) if rate else None
        while view:
            room = 65536
            if line:
                room, wait = line.room(self.sock, min(len(view), room))
                if not room:
                    if not self._drain(min(wait, 0.05)) and self.proc.poll() is not None:
                        raise BoardError("%s: console closed while sending" % self.name)
                    if time.monotonic() > deadline:
                        raise Timeout("%s: board took no input for %ds" % (self.name, timeout))
                    continue
            r, w, _ = select.select([self.sock], [self.sock], [], 1.0)
            if r and not self._drain(0):
                raise BoardError("%s: console closed while sending" % self.name)
            if w:
                try:
                    n = self.sock.send(view[:room])
                    view = view[n:]
                    if line:
                        line.took(n)
                    deadline = time.monotonic() + timeout
                except BlockingIOError:
                    pass
            if time.monotonic() > deadline:
                raise Timeout("%s: board took no input for %ds" % (self.name, timeout))

    def send_break(self, via="telnet"):
        """Serial BREAK: telnet IAC BRK on the console socket, or QMP."""
        if via == "telnet":
            if not self.telnet:
                raise BoardError("console socket is not in telnet mode")
            self.sock.setblocking(True)
            self.sock.sendall(bytes([IAC, BRK]))
            self.sock.setblocking(False)
        else:
            self.qmp("chardev-send-break", id="ser0")

    def expect(self, pattern, timeout=10.0, answer_more=False):
        """Wait for pattern (bytes or compiled regex) after what was consumed.

        Returns the match (regex) or the text before the pattern (bytes)."""
        deadline = time.monotonic() + timeout
        while True:
            if answer_more:
                i = self.buf.find(MORE_PROMPT, self.pos)
                if i >= 0:
                    del self.buf[i:i + len(MORE_PROMPT)]
                    self.send(" ")
                    continue
            if isinstance(pattern, bytes):
                i = self.buf.find(pattern, self.pos)
                if i >= 0:
                    before = bytes(self.buf[self.pos:i])
                    self.pos = i + len(pattern)
                    return before
            else:
                m = pattern.search(self.buf, self.pos)
                if m:
                    self.pos = m.end()
                    return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout("%s: no %r within %.1fs; last seen: %r"
                              % (self.name, pattern if isinstance(pattern, bytes)
                                 else pattern.pattern, timeout,
                                 bytes(self.buf[-300:])))
            if not self._drain(min(left, 0.5)):
                raise BoardError("%s: console closed (qemu %s)"
                                 % (self.name, self.proc.poll()))

    def quiet_for(self, seconds):
        """Collect output for a while; return what arrived."""
        start = len(self.buf)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self._drain(deadline - time.monotonic()):
                break
        return bytes(self.buf[start:])

    def text(self):
        return self.buf.decode(errors="replace")

    # ---- the PID 1 shell -------------------------------------------------
    def wait_ready(self, timeout=60):
        self.expect(READY, timeout)
        self.expect(SHELL_PROMPT, timeout)

    def sh(self, command, timeout=10):
        """Run a PID 1 shell command; return its output (echo stripped)."""
        self.send(command + "\r")
        out = self.expect(SHELL_PROMPT, timeout).decode(errors="replace")
        out = out.replace("\r\n", "\n")
        if out.startswith(command):
            out = out[len(command):]
        out = out.lstrip("\n")
        if out.startswith("error:"):
            raise BoardError("%s: %s" % (command, out.strip()))
        return out

    def uart_irq(self):
        """The UART's IRQ: requested by pl011, or by ttyNMI when it owns it."""
        text = self.sh("cat /proc/interrupts")
        m = re.search(r"(?m)^\s*(\d+):.*\b(uart-pl011|ttyNMI)\s*$", text)
        if not m:
            raise BoardError("no UART interrupt in /proc/interrupts:\n" + text)
        return int(m.group(1))

    def irq_counts(self, irq):
        text = self.sh("cat /proc/interrupts")
        m = re.search(r"(?m)^\s*%d:((?:\s+\d+)+)" % irq, text)
        return [int(n) for n in m.group(1).split()]

    def irq_cpu(self, irq):
        """The CPU an IRQ is delivered to: its effective affinity, or, for
        a line without one (ttyNMI's per-CPU NMI keeps the GIC's boot-time
        route), the CPU whose count grows while the line is busy."""
        out = self.sh("cat /proc/irq/%d/effective_affinity_list" % irq)
        m = re.match(r"\s*(\d+)", out)
        if m:
            return int(m.group(1))
        before = self.irq_counts(irq)
        after = self.irq_counts(irq)  # this command's own input counts
        grew = [c for c, (x, y) in enumerate(zip(before, after)) if y > x]
        if len(grew) != 1:
            raise BoardError("IRQ %d: cannot tell its CPU (%s -> %s)"
                             % (irq, before, after))
        return grew[0]

    def lock_all(self):
        """Hard-lock every CPU; the PID 1 shell never answers again."""
        self.send("lockall\r")
        self.expect(b"this shell is gone", 10)
        time.sleep(0.5)  # let the last child reach its spin loop

    # ---- kdb -------------------------------------------------------------
    def wait_kdb(self, timeout=10):
        """Wait for the kdb prompt; return the CPU kdb runs on."""
        m = self.expect(KDB_PROMPT, timeout, answer_more=True)
        return int(m.group(1))

    def kdb(self, command, timeout=20):
        """Run a kdb command, answer the pager, return its output."""
        self.send(command + "\r")
        start = self.pos
        m = self.expect(KDB_PROMPT, timeout, answer_more=True)
        out = self.buf[start:m.start()].decode(errors="replace")
        out = out.replace("\r\n", "\n").replace("\r", "")
        if out.startswith(command):
            out = out[len(command):]
        return out.lstrip("\n")

    def kdb_address(self, name):
        """In kdb: where symbol name runs (KASLR included), by kallsyms."""
        out = self.kdb("md1c1 " + name)
        m = re.search(r"^(0x[0-9a-f]{16}) ", out, re.M)
        if not m:
            raise BoardError("kdb does not know %s: %s" % (name, out))
        return int(m.group(1), 16)

    def kallsyms(self, *names):
        """From the shell: the list of where each symbol runs, read in one
        trip into kdb (SysRq-g) and back."""
        self.send("write /proc/sysrq-trigger g\r")
        self.wait_kdb(10)
        where = [self.kdb_address(name) for name in names]
        self.kdb_go()
        return where

    def kaslr_offset(self):
        """From the shell: where the kernel runs minus where it links."""
        return self.kallsyms("linux_banner")[0] - kernel_symbol("linux_banner")

    def kdb_go(self, timeout=10):
        """Resume from kdb and prove the shell answers again.

        Bytes that arrive while kdb is leaving are consumed by it, so the
        probe is repeated until the shell answers.  A shell command that kdb
        interrupted (a sysrq-trigger write) prints its own prompt on resume:
        wait for the probe's output line, not for a prompt."""
        self.send("go\r")
        time.sleep(self.GO_SETTLE)
        return self.probe_shell(timeout)

    def probe_shell(self, timeout=10):
        """Prove the PID 1 shell answers, probing until it does."""
        deadline = time.monotonic() + timeout
        while True:
            self.send("echo alive-after-go\r")
            try:
                self.expect(re.compile(rb"\nalive-after-go\r?\n"), 1.0)
                break
            except Timeout:
                if time.monotonic() > deadline:
                    raise
        self.expect(SHELL_PROMPT, timeout)
        return "alive-after-go"

    # ---- QMP -------------------------------------------------------------
    def qmp(self, command, **args):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(self.qmp_path)
        f = s.makefile("rwb")
        json.loads(f.readline())  # greeting
        for cmd, a in (("qmp_capabilities", {}), (command, args)):
            f.write(json.dumps({"execute": cmd, "arguments": a}).encode() + b"\n")
            f.flush()
            while True:
                reply = json.loads(f.readline())
                if "return" in reply or "error" in reply:
                    break
            if "error" in reply:
                s.close()
                raise BoardError("qmp %s: %s" % (cmd, reply["error"]))
        s.close()
        return reply["return"]


def _kill_live():
    for b in list(_live):
        b.stop()


def _on_signal(signum, frame):
    # Not sys.exit(): a test runner would catch SystemExit as a test error
    # and go on.  A signal ends the whole run, boards first.
    _kill_live()
    os._exit(128 + signum)


atexit.register(_kill_live)
for _sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
    signal.signal(_sig, _on_signal)


def _interactive(argv):
    import argparse
    import termios
    import tty
    ap = argparse.ArgumentParser(prog="board.py run")
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--variant", default="default")
    ap.add_argument("--nokaslr", action="store_true",
                    help="boot with nokaslr (default: KASLR on)")
    ap.add_argument("--append", default=STOCK_APPEND)
    ap.add_argument("--uart", choices=sorted(UARTS), default="pl011")
    a = ap.parse_args(argv)
    with Board("interactive", a.variant, a.smp, a.append, uart=a.uart,
               kaslr=not a.nokaslr) as b:
        print("board up; Ctrl-] quits, Ctrl-B sends BREAK\r")
        fd = sys.stdin.fileno()
        old = termios.tcgetattr(fd)
        tty.setraw(fd)
        try:
            while True:
                r, _, _ = select.select([b.sock, fd], [], [])
                if b.sock in r:
                    n = len(b.buf)
                    if not b._drain(0):
                        break
                    os.write(1, bytes(b.buf[n:]))
                if fd in r:
                    data = os.read(fd, 1024)
                    if b"\x1d" in data:
                        break
                    if b"\x02" in data:
                        b.send_break()
                        data = data.replace(b"\x02", b"")
                    b.send(data)
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, old)


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "run":
        _interactive(sys.argv[2:])
    else:
        sys.exit(__doc__)
