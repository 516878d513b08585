#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A software JTAG probe and target for OpenOCD's remote_bitbang adapter.

OpenOCD drives the pins one TCK edge at a time over a socket: the digits
'0'-'7' set TCK, TMS and TDI (value = tck<<2 | tms<<1 | tdi), 'R' asks for
TDO ('0' or '1'), 'r'-'u' set the reset lines, 'B'/'b' the LED, 'Q'
quits.  Behind the pins sits one TAP that is an ADIv5 JTAG-DP (IR length
4: IDCODE, DPACC, APACC, ABORT, BYPASS) with one MEM-AP (AHB-AP, APSEL 0)
in front of a word-addressed RAM.  Enough for OpenOCD 0.12 to scan the
chain, power up the debug domain and run a `mem_ap` target on it, and for
gdb to read and write that RAM through OpenOCD's gdb port.

The same MEM-AP also shows a Cortex-M4's debug registers whose core
never halts (for the error path "the target never halts").

Misbehaviour on request (for error-path tests): `stall=True` answers every
DPACC/APACC with WAIT after the first `stall_after` accesses (the target
stops answering).

    jtag_model.py [--port N]     serve until killed; prints "port N"
"""
import argparse
import socket
import struct
import threading

IDCODE = 0x4BA00477             # ARM's JTAG-DP IDCODE (Cortex-A class)
IR_LEN = 4
IR_ABORT, IR_DPACC, IR_APACC, IR_IDCODE, IR_BYPASS = 0x8, 0xA, 0xB, 0xE, 0xF
ACK_OK, ACK_WAIT = 0x2, 0x1
# CTRL/STAT: the power-up requests (bits 28, 30) are acknowledged at once
# (bits 29, 31).
CDBGPWRUPREQ, CSYSPWRUPREQ = 1 << 28, 1 << 30
AP_IDR = 0x24770011             # an AHB-AP
AP_CFG = 0                      # 32-bit addresses, little endian
CSW_PACKED = 0x20               # not supported: reads back as 0
CSW_DEVICE_EN = 0x40
RAM_BASE = 0x80000000
GREETING = b"nmidbg JTAG model RAM\0"
# Behind the same MEM-AP, a Cortex-M4's debug registers (for a cortex_m
# target) whose core never halts: DHCSR keeps its control bits (C_DEBUGEN,
# C_HALT, ...) but never shows S_HALT, as a core held in a bus stall.
CPUID, CPUID_M4 = 0xE000ED00, 0x410FC241
DHCSR, S_RETIRE_ST = 0xE000EDF0, 1 << 24     # it retires instructions: running

# The TAP controller: state -> (next if TMS=0, next if TMS=1).
TAP = {
    "TLR": ("RTI", "TLR"), "RTI": ("RTI", "SELDR"),
    "SELDR": ("CAPDR", "SELIR"), "CAPDR": ("SHDR", "EX1DR"),
    "SHDR": ("SHDR", "EX1DR"), "EX1DR": ("PAUSEDR", "UPDR"),
    "PAUSEDR": ("PAUSEDR", "EX2DR"), "EX2DR": ("SHDR", "UPDR"),
    "UPDR": ("RTI", "SELDR"),
    "SELIR": ("CAPIR", "TLR"), "CAPIR": ("SHIR", "EX1IR"),
    "SHIR": ("SHIR", "EX1IR"), "EX1IR": ("PAUSEIR", "UPIR"),
    "PAUSEIR": ("PAUSEIR", "EX2IR"), "EX2IR": ("SHIR", "UPIR"),
    "UPIR": ("RTI", "SELDR"),
}


class Target:
    """The DP, its MEM-AP and RAM: what a DPACC/APACC transaction does."""

    def __init__(self, stall_after=None):
        self.ctrl_stat = 0
        self.select = 0
        self.csw = CSW_DEVICE_EN
        self.tar = 0
        self.ram = {}           # word address -> 32-bit value
        self.accesses = 0
        self.stall_after = stall_after
        self.load(RAM_BASE, GREETING)
        self.ram[CPUID] = CPUID_M4

    def load(self, addr, data):
        data = data + b"\0" * (-len(data) % 4)
        for i in range(0, len(data), 4):
            self.ram[(addr + i) & ~3] = struct.unpack("<I", data[i:i + 4])[0]

    def read_bytes(self, addr, n):
        return b"".join(struct.pack("<I", self.ram.get(a, 0))
                        for a in range(addr & ~3, addr + n, 4))[addr & 3:][:n]

    def stalled(self):
        return self.stall_after is not None and self.accesses >= self.stall_after

    def dp(self, rnw, a, data):
        if a == 0x4:
            if rnw:
                v = self.ctrl_stat & 0x50FFFFFF
                v |= (v & CDBGPWRUPREQ) << 1 | (v & CSYSPWRUPREQ) << 1
                return v
            self.ctrl_stat = data & ~0x32   # sticky bits: write 1 to clear
        elif a == 0x8:
            if rnw:
                return self.select
            self.select = data
        elif a == 0x0 and rnw:
            return IDCODE                   # DPIDR (DPv1 and later)
        return 0                            # RDBUFF and the rest

    def ap(self, rnw, a, data):
        if self.select >> 24:               # no AP but APSEL 0
            return 0
        reg = (self.select & 0xF0) | a
        if reg == 0x00:
            if rnw:
                return self.csw & ~CSW_PACKED | CSW_DEVICE_EN
            self.csw = data
        elif reg == 0x04:
            if rnw:
                return self.tar
            self.tar = data
        elif reg == 0x0C:
            return self.drw(rnw, data)
        elif 0x10 <= reg <= 0x1C:           # banked data: TAR's 16-byte block
            addr = (self.tar & ~0xF) | (reg & 0xC)
            if rnw:
                return self.word(addr)
            self.ram[addr] = data
        elif reg == 0xF4:
            return AP_CFG
        elif reg == 0xF8:
            return 0x2                      # BASE: no ROM table, ADIv5 format
        elif reg == 0xFC:
            return AP_IDR
        return 0

    def word(self, addr):
        v = self.ram.get(addr, 0)
        return (v & 0xF) | S_RETIRE_ST if addr == DHCSR else v

    def drw(self, rnw, data):
        size = 1 << (self.csw & 7)          # 8, 16 or 32 bits
        addr = self.tar & ~3
        if rnw:
            v = self.word(addr)
        else:
            lanes = ((1 << (8 * size)) - 1) << (8 * (self.tar & 3))
            old = self.ram.get(addr, 0)
            self.ram[addr] = (old & ~lanes | data & lanes) & 0xFFFFFFFF
            v = 0
        if self.csw & 0x30 == 0x10:         # auto-increment (single)
            self.tar = (self.tar + size) & 0xFFFFFFFF
        return v


class Tap:
    """The pins: TCK edges move the state machine and shift IR and DR."""

    def __init__(self, target):
        self.t = target
        self.state = "TLR"
        self.ir = IR_IDCODE
        self.shift = 0          # the register being shifted
        self.length = 0
        self.tck = 0
        self.tdo = 0
        self.pending = 0        # a read's result, captured by the next scan
        self.ack = ACK_OK

    def reset(self):
        self.state = "TLR"
        self.ir = IR_IDCODE

    def pins(self, tck, tms, tdi):
        rising = tck and not self.tck
        self.tck = tck
        if not rising:
            return
        s = self.state
        if s in ("SHDR", "SHIR"):
            self.shift = (self.shift >> 1) | (tdi << (self.length - 1))
        nxt = TAP[s][tms]
        if nxt == "CAPIR":
            pass
        elif s == "CAPIR":
            self.shift, self.length = 0x1, IR_LEN
        elif s == "CAPDR":
            self.capture_dr()
        if nxt == "UPIR":
            self.ir = self.shift & 0xF
        elif nxt == "UPDR":
            self.update_dr()
        elif nxt == "TLR":
            self.ir = IR_IDCODE
        self.state = nxt
        self.tdo = self.shift & 1 if nxt in ("SHDR", "SHIR") else 0

    def capture_dr(self):
        if self.ir == IR_IDCODE:
            self.shift, self.length = IDCODE, 32
        elif self.ir in (IR_DPACC, IR_APACC, IR_ABORT):
            self.ack = ACK_WAIT if self.t.stalled() else ACK_OK
            self.shift, self.length = (self.pending << 3) | self.ack, 35
        else:
            self.shift, self.length = 0, 1

    def update_dr(self):
        if self.ir not in (IR_DPACC, IR_APACC) or self.ack != ACK_OK:
            return
        rnw, a, data = self.shift & 1, (self.shift >> 1 & 3) << 2, self.shift >> 3
        self.t.accesses += 1
        fn = self.t.dp if self.ir == IR_DPACC else self.t.ap
        self.pending = fn(rnw, a, data) & 0xFFFFFFFF


def serve_client(conn, target):
    tap = Tap(target)
    with conn:
        while True:
            data = conn.recv(65536)
            if not data:
                return
            out = bytearray()
            for c in data:
                if 0x30 <= c <= 0x37:
                    v = c - 0x30
                    tap.pins(v >> 2 & 1, v >> 1 & 1, v & 1)
                elif c == 0x52:                 # 'R'
                    out.append(0x31 if tap.tdo else 0x30)
                elif c in (0x72, 0x73):         # 'r', 's': TRST asserted
                    tap.reset()
                elif c == 0x51:                 # 'Q'
                    return
            if out:
                conn.sendall(out)


class Model:
    """The server: one OpenOCD at a time, on 127.0.0.1:port (0: any)."""

    def __init__(self, port=0, stall_after=None):
        self.target = Target(stall_after)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.clients = 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.clients += 1
            threading.Thread(target=serve_client, args=(conn, self.target),
                             daemon=True).start()

    def stop(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    m = Model(a.port)
    print("port %d" % m.port, flush=True)
    m.run()


if __name__ == "__main__":
    main()
