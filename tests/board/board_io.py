# SPDX-License-Identifier: GPL-3.0-or-later
"""The test board's wire and paths, apart from the harness (board.py, which
re-exports all of this): where the cached kernel and initramfs are, the
pty console QEMU makes, the telnet decoder for its telnet chardev, the
guest's noise generator, and a free TCP port."""
import os
import socket

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
