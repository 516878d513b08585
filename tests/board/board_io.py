# SPDX-License-Identifier: GPL-3.0-or-later
"""The test board's wire and paths, apart from the harness (board.py, which
re-exports all of this): where the cached kernel and initramfs are, the
pty console QEMU makes, the telnet decoder for its telnet chardev, the
pace of a serial line with flow control, the guest's noise generator,
and a free TCP port."""
import fcntl
import os
import socket
import struct
import termios
import time

SHELL_PROMPT = b"nmidbg# "
# A line's pace for bulk input to the guest: about 320 kbaud, between the
# 115200 of most boards and Rockchip's 1.5 Mbaud, with RTS/CTS (Line).
# Receive is never masked: at 64 KB/s without flow control a lockdep
# guest stalled by the host (TCG, 2 shared cores) overflowed ttyNMI's
# 32 KiB ring in a CI rehearsal.
LINE_RATE = 32000


class Timeout(AssertionError):
    """An expected pattern did not arrive in time."""


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("NMIDBG_BUILD", os.path.join(ROOT, "build"))

IAC, SB, SE, BRK = 255, 250, 240, 243
WILL, WONT, DO, DONT = 251, 252, 253, 254


def kernel_dir(variant="default"):
    return os.path.join(BUILD, "kernel", variant)


def kernel_image(variant="default"):
    return os.path.join(kernel_dir(variant), "arch", "arm64", "boot", "Image")


def kernel_symbol(name, variant="default"):
    """A symbol's address, from the kernel build's System.map."""
    with open(os.path.join(kernel_dir(variant), "System.map")) as f:
        for line in f:
            addr, _, sym = line.split()
            if sym == name:
                return int(addr, 16)
    raise KeyError("no %s in System.map" % name)


def initramfs():
    return os.path.join(BUILD, "board", "initramfs.cpio")


class PtyConsole:
    """The pty QEMU's -chardev pty made, with the few socket methods the
    harness uses."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        import termios
        import tty
        tty.setraw(self.fd)
        termios.tcflush(self.fd, termios.TCIOFLUSH)

    def fileno(self):
        return self.fd

    def recv(self, n):
        try:
            return os.read(self.fd, n)
        except BlockingIOError:
            raise
        except OSError:
            return b""

    def send(self, data):
        return os.write(self.fd, data)

    def setblocking(self, flag):
        os.set_blocking(self.fd, flag)

    def close(self):
        os.close(self.fd)


class TelnetDecoder:
    """Strips telnet commands from the bytes QEMU's telnet chardev sends."""

    def __init__(self):
        self.state = "data"

    def feed(self, data):
        out = bytearray()
        for b in data:
            st = self.state
            if st == "data":
                if b == IAC:
                    self.state = "iac"
                else:
                    out.append(b)
            elif st == "iac":
                if b == IAC:
                    out.append(IAC)
                    self.state = "data"
                elif b in (WILL, WONT, DO, DONT):
                    self.state = "opt"
                elif b == SB:
                    self.state = "sb"
                else:
                    self.state = "data"
            elif st == "opt":
                self.state = "data"
            elif st == "sb":
                if b == IAC:
                    self.state = "sb-iac"
            elif st == "sb-iac":
                self.state = "data" if b == SE else "sb"
        return bytes(out)


def xorshift_stream(count, seed):
    """The bytes the guest's `source COUNT SEED` writes (xorshift32)."""
    out = bytearray(count)
    x = seed & 0xFFFFFFFF
    for i in range(count):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        out[i] = x & 0xFF
    return bytes(out)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def own_gdb_symbols(vmlinux, offset):
    """gdb arguments that load vmlinux where the kernel runs, as nmidbg(1)
    tells a user with a gdb of their own: exec-file (the architecture:
    kgdb describes no registers), then symbol-file -o OFFSET; the file as
    the argument where the kernel runs at its link address."""
    if not offset:
        return [vmlinux]
    return ["-ex", "exec-file " + vmlinux,
            "-ex", "symbol-file -o %#x %s" % (offset, vmlinux)]


def unread_bytes(sock):
    """Memory the peer has not read yet from sock's send side, in bytes of
    socket buffer (a chunk's length plus about 768 of overhead), or None
    where the kernel cannot say (only AF_UNIX counts until the read)."""
    if sock.family != socket.AF_UNIX:
        return None
    return struct.unpack("i", fcntl.ioctl(sock, termios.TIOCOUTQ,
                                          b"\0" * 4))[0]


class Line:
    """A serial line's pace for bytes sent to QEMU's UART, with the flow
    control of RTS/CTS.

    QEMU's UART has no baud rate: it takes a byte from its socket whenever
    its FIFO has room.  A sender that only paces its writes still lets the
    socket fill while the guest's vCPU is descheduled by the host (TCG on
    shared cores), and the guest then gets seconds' worth of bytes at once,
    faster than any line delivers them.  So: a token bucket of at most
    `burst` bytes (no catch-up after a stall of ours), and nothing more is
    sent while the UART has not taken what is already queued (as a UART
    deasserts RTS), where the socket can tell."""

    QUEUED_MAX = 2048   # socket memory: about one chunk waiting

    def __init__(self, rate, burst=1024):
        self.rate, self.burst = rate, burst
        self.credit, self.last = burst, time.monotonic()

    def room(self, sock, want):
        """How many of want bytes may go now (0: wait) and the seconds worth
        waiting; bytes go in chunks of 256 or more (each costs the socket
        its overhead)."""
        now = time.monotonic()
        self.credit = min(self.burst,
                          self.credit + (now - self.last) * self.rate)
        self.last = now
        queued = unread_bytes(sock)
        if queued is not None and queued > self.QUEUED_MAX:
            return 0, 0.002
        least = min(256, want)
        if self.credit < least:
            return 0, (least - self.credit) / self.rate
        return min(int(self.credit), want), 0

    def took(self, n):
        self.credit -= n
