# SPDX-License-Identifier: GPL-3.0-or-later
"""A fake board for nmidbg's command-line tests: no QEMU, just enough of a
Linux console and kdb on a socket or a pty.

Running: a console that echoes.  The gdb knock $3#33 (or another given
as knock=, as nmi_tty.knock=OTHER sets it; or, in telnet mode,
IAC BRK then 'g', or the shell line `echo g > /proc/sysrq-trigger`) enters kdb: a banner and "[0]kdb> ".  In kdb it echoes,
runs a few commands (`btc` and `dmesg` page through "more> " as kdb's
pager does, a state that outlives a client that left; `dmesg`, also with
kdb's `| grep`, prints log=; md/mdr answer from memory=, as kdb does for
symbols), and `go` resumes; `hang` prompts a second later (a long command).
Misbehaviour on request: `silent` (never answers), `noknock` (ignores the
knock: only BREAK+g works), `garbage` (line noise
before the prompt), `disconnect` (hangs up on the first kdb command),
`reboot` (a boot banner instead of a command's output).
flood=True is a chatty kernel: while it runs (not in kdb or kgdb) it
writes numbered console lines ("flood 00000042\r\n") as fast as flood_bps
lets it, to each client; after gdb's `c`, as O packets (kgdbcon).  knock_delay= answers the knock (or BREAK+g)
that many seconds late, as a board whose NMI is slow to land.
up=True is a uniprocessor kernel: kdb's banner names no processor and its
prompt is "kdb> ", without "[N]".  cpus= is the list kdb's `cpu` shows
(b"0-1"; b"0-2, 3(D)" says CPU 3 did not answer the roundup).  help= is what `help` prints (bytes,
b"" for nothing); by default it is an unknown command, as any other.

kdb's `kgdb` switches to a small kgdb stub (gdb's remote protocol, as the
kernel's gdbstub.c answers it): `?`, `qC`, `g`, `m`, `qfThreadInfo`,
`qsThreadInfo`, `H`, `T`; `D` and `k` resume the kernel, `c` lets it run
(a knock stops it again), `$3#33` goes back to kdb; anything else gets
the empty reply.  Each packet is acked; a `-` resends the last reply.
`garble` corrupts the checksum of the first `m` reply, once.  With
features= (the series' kgdb: "PacketSize=7fe;binary-upload+") it answers
qSupported with them and `x` in binary, escaped as gdbstub.c escapes;
without, qSupported gets the empty reply, as kgdb before the series.
"""
import os
import re
import shutil
import socket
import tempfile
import threading
import time

KNOCK = b"$3#33"
PAGE_LINES = 21         # lines before kdb's pager asks (a 24-line screen)
PROMPT = b"[0]kdb> "
UP_PROMPT = b"kdb> "
KGDB_BANNER = b"Entering please attach debugger or use $D#44+ or $3#33\r\n"
THREAD = b"0000000000000001"       # pid 1, as kgdb's pack_threadid() writes it
REGS = b"00" * (8 * 33 + 4)         # arm64 x0-x30, sp, pc, pstate: all zero
SYSRQ_G = b"echo g > /proc/sysrq-trigger"
# What `dmesg` prints: bytes that are not UTF-8, and a line that a user
# wrote to /dev/kmsg with the pager's prompt text in the middle.
DMESG = [b"[    1.000000] bad bytes \xff\xc3( \x80 end",
         b"[    2.000000] says more> in the middle",
         b"[    3.000000] last line"]
# Long enough for kdb's pager; CPUs 0 and 1 (as `cpu` says) have a stack.
BTC = b"".join(b"Stack traceback for pid %d\n" % i +
               (b"CPU: %d UID: 0 PID: %d Comm: t\nCall trace:\n" % (i, i)
                if i < 2 else b"") +
               b" lkdtm_HARDLOCKUP+0x8/0x24\n" for i in range(30))


def rsp_packet(payload):
    return b"$%s#%02x" % (payload, sum(payload) % 256)


def memory_at(addr, length):
    """What kgdb reads at addr: each byte is its address's low byte."""
    return (bytes(range(256)) * (length // 256 + 2))[addr % 256:addr % 256 + length]


class FakeBoard:
    def __init__(self, behaviour="normal", telnet=False, transport="tcp",
                 knock=KNOCK, log=None, memory=None, btc=None, features=None,
                 up=False, help=None, flood=False, flood_bps=2 << 20,
                 knock_delay=0.0, cpus=b"0-1"):
        self.behaviour = behaviour
        self.flood, self.flood_bps, self.flooded = flood, flood_bps, 0
        self.knock_delay = knock_delay
        self.cpus = cpus                # kdb's `cpu`: "Available cpus: 0-1"
        self.out_lock = threading.Lock()        # the flood writes too
        self.prompt = UP_PROMPT if up else PROMPT
        self.up = up
        self.help = help
        self.knock = knock      # nmi_tty.knock=OTHER boots another
        self.log = log or DMESG         # the kernel log: dmesg, dmesg | grep X
        self.memory = memory or {}      # kdb command -> output (md, mdr)
        self.btc = btc or BTC
        self.features = features        # the qSupported reply; None: empty
        self.commands = []              # every kdb command run
        self.telnet = telnet
        self.transport = transport
        self.received = bytearray()   # every data byte the board got
        self.breaks = 0
        self.break_on, self.break_held = None, []       # rfc2217's BREAKs
        self.in_kdb = False
        self.in_kgdb = False
        self.running_after_c = False
        self.packets = []               # every packet payload kgdb got
        self.last_reply = b""
        self.garbled = False
        self.rsp = bytearray()          # a packet in progress
        self.pager = None               # lines a "more> " holds back
        self.enter_delay = 0            # seconds from a way in to kdb
        self.knocked = False            # a way in came (knock or BREAK+g)
        self.kgdb_delay = 0             # seconds from `kgdb` to its line
        self.cmd_delay = 0              # seconds each kdb command takes
        self.paged = 0
        self.done = threading.Event()
        if transport == "pty":
            self.master, slave = os.openpty()
            self.path = os.ttyname(slave)
            # keep the slave open so the pty stays up until we close
            self.slave = slave
            self.spec = self.path
        elif transport == "unix":
            self.sockdir = tempfile.mkdtemp(prefix="nmidbg-fake-")
            path = os.path.join(self.sockdir, "console.sock")
            self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.listener.bind(path)
            self.listener.listen(1)
            self.spec = "unix:" + path
        else:
            self.listener = socket.socket()
            self.listener.bind(("127.0.0.1", 0))
            self.listener.listen(1)
            port = self.listener.getsockname()[1]
            self.spec = ("telnet:127.0.0.1:%d" if telnet else "tcp:127.0.0.1:%d") % port
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    # ---- transport ----
    def _out(self, data):
        if self.telnet:
            data = data.replace(b"\xff", b"\xff\xff")
        with self.out_lock:
            if self.transport == "pty":
                os.write(self.master, data)
            else:
                self.conn.sendall(data)

    def _flood(self, conn):
        """Numbered lines while the kernel runs, at flood_bps, for as long
        as conn is the client."""
        chunk = 16384
        while getattr(self, "conn", None) is conn:
            if self.in_kdb or self.in_kgdb or self.pager is not None:
                time.sleep(0.01)
                continue
            n = chunk // 16
            lines = [b"flood %08d\r\n" % (self.flooded + i) for i in range(n)]
            if self.running_after_c:
                # kgdbcon: while gdb lets the kernel run, the console is
                # gdb's, as O packets (acks not awaited: a fake's licence).
                n //= 3
                lines = [rsp_packet(b"O" + line.hex().encode()) for line in lines[:n]]
            data = b"".join(lines)
            try:
                self._out(data)
            except OSError:
                return
            self.flooded += n
            time.sleep(len(data) / self.flood_bps)

    def _in(self):
        if self.transport == "pty":
            try:
                return os.read(self.master, 4096)
            except OSError:
                return b""
        return self.conn.recv(4096)

    def _decode(self, data):
        """Strip telnet commands; count BREAKs (they arrive in order)."""
        if not self.telnet:
            return [(b, False) for b in data]
        out, i = [], 0
        while i < len(data):
            b = data[i]
            if b == 0xFF and i + 1 < len(data):
                cmd = data[i + 1]
                if cmd == 0xFF:
                    out.append((0xFF, False))
                    i += 2
                elif cmd == 0xF3:
                    out.append((None, True))
                    i += 2
                elif cmd == 0xFA:
                    j = data.find(b"\xff\xf0", i)
                    if self._subneg(data[i + 2:j] if j >= 0 else b""):
                        out.append((None, True))
                    i = len(data) if j < 0 else j + 2
                else:
                    i += 3
            else:
                out.append((b, False))
                i += 1
        return out

    def _subneg(self, sb):
        """RFC 2217's SET-CONTROL BREAK ON and OFF (ser2net's line): True
        for a BREAK's start; how long each was held is kept."""
        if sb[:2] == b"\x2c\x05" and sb[2:3] == b"\x05":
            self.break_on = time.monotonic()
            return True
        if sb[:2] == b"\x2c\x05" and sb[2:3] == b"\x06" and self.break_on:
            self.break_held.append((self.break_on, time.monotonic()))
            self.break_on = None
        return False

    # ---- behaviour ----
    def serve(self):
        """Like QEMU's server socket: one client at a time, state kept."""
        try:
            while self.serve_one():
                pass
        finally:
            self.done.set()

    def serve_one(self):
        if self.transport != "pty":
            try:
                self.conn, _ = self.listener.accept()
            except OSError:
                return False
            if self.telnet:  # what QEMU offers
                self.conn.sendall(b"\xff\xfb\x01\xff\xfb\x03")
            if self.flood:
                threading.Thread(target=self._flood, args=(self.conn,),
                                 daemon=True).start()
        if self.behaviour != "silent" and not self.in_kdb:
            self._out(b"Linux console\r\n# ")
        line, recent, after_break = bytearray(), bytearray(), False
        try:
            while True:
                data = self._in()
                if not data:
                    break
                for b, is_break in self._decode(data):
                    if is_break:
                        self.breaks += 1
                        after_break = True
                        continue
                    self.received.append(b)
                    if self.behaviour == "silent":
                        continue
                    if self.in_kgdb:
                        self.kgdb_byte(b)
                        continue
                    if self.pager is not None:
                        self.pager_key(b)
                        continue
                    if not self.in_kdb:
                        recent = (recent + bytes([b]))[-len(self.knock):]
                        knocked = recent == self.knock and self.behaviour != "noknock"
                        if knocked or (after_break and b == ord("g")):
                            self.knocked = True
                            if self.knock_delay:
                                threading.Timer(self.knock_delay, self.late_kdb).start()
                            else:
                                self.enter_kdb()
                            recent, line = bytearray(), bytearray()
                        else:
                            if not self.running_after_c:    # kgdb's line: no echo
                                self._out(bytes([b]))
                            if b in (13, 10):
                                is_sysrq = bytes(line).strip() == SYSRQ_G
                                line = bytearray()
                                if is_sysrq:
                                    self.enter_kdb()
                            else:
                                line.append(b)
                        after_break = False
                        continue
                    if b in (13, 10):
                        self._out(b"\r\n")
                        if not self.run(bytes(line).decode(errors="replace").strip()):
                            return False
                        line = bytearray()
                    else:
                        line.append(b)
                        self._out(bytes([b]))
        except OSError:
            return False
        if self.transport == "pty":
            return False
        self.conn.close()
        return True

    def enter_kdb(self):
        if self.enter_delay:    # a hung SMP board takes its time to stop
            threading.Timer(self.enter_delay, self.enter_kdb_now).start()
            return
        self.enter_kdb_now()

    def enter_kdb_now(self):
        if self.running_after_c:
            # gdb let it run: a break-in stops it in kgdb, for gdb.
            self.running_after_c, self.in_kgdb = False, True
            self.reply(b"S05")
            return
        self.in_kdb = True
        if self.behaviour == "garbage":
            self._out(bytes(range(1, 255)) + b"$junk#00\r\n")
        self._out(b"\r\nEntering kdb (current=0x0, pid 1) " +
                  (b"" if self.up else b"on processor 0 ") +
                  b"due to NonMaskable Interrupt @ lkdtm_HARDLOCKUP\r\n" + self.prompt)

    def late_kdb(self):
        try:
            self.enter_kdb()
        except OSError:
            pass                # the client went away meanwhile

    def run(self, cmd):
        """Run a kdb command; False ends the connection."""
        if self.cmd_delay and cmd:
            time.sleep(self.cmd_delay)      # a big board's kdb is slow
        if self.behaviour == "disconnect" and cmd:
            self.close()
            return False
        if self.behaviour == "reboot" and cmd:
            self._out(b"\r\n[    0.000000] Booting Linux on physical CPU 0x0\r\n")
            self.in_kdb = False
            return True
        if cmd == "go":
            self.in_kdb = False
            return True
        if cmd == "hang":       # a command that takes its time: a second
            self.commands.append(cmd)
            threading.Timer(1.0, lambda: self._out(b"done\r\n" + self.prompt)).start()
            return True
        if cmd == "kgdb":
            self.in_kdb, self.in_kgdb = False, True
            if self.kgdb_delay:     # kdb's line comes late (a slow line)
                threading.Timer(self.kgdb_delay, lambda: self._out(KGDB_BANNER)).start()
            else:
                self._out(KGDB_BANNER)
            return True
        self.commands.append(cmd)
        if cmd == "btc":
            self.page(self.btc.replace(b"\r\n", b"\n").split(b"\n")[:-1])
            return True
        elif cmd.split()[:1] == ["dmesg"]:
            grep = re.search(r'\|\s*grep\s+"?([^"]*)"?$', cmd)
            self.page([l for l in self.log if not grep or grep.group(1).encode() in l])
            return True
        elif cmd in self.memory:
            self._out(self.memory[cmd].replace(b"\n", b"\r\n"))
        elif cmd.split()[:1] in (["md"], ["mdr"]) or cmd.startswith("md"):
            self._out(b"diag: -19: Invalid address\r\n")
        elif cmd == "cpu":
            self._out(b"Currently on cpu 0\r\nAvailable cpus: %s\r\n" % self.cpus)
        elif cmd == "help" and self.help is not None:
            self._out(self.help.replace(b"\n", b"\r\n"))
        elif cmd:
            self._out(b"Unknown kdb command: '%s'\r\n" % cmd.encode())
        self._out(self.prompt)
        return True

    # ---- kdb's pager (kdb_io.c): a state, so it outlives a client ----
    def page(self, lines):
        """A command's output through the pager, then the prompt."""
        self.pager, self.paged = list(lines), 0
        self.page_on()

    def page_on(self):
        while self.pager:
            if self.paged == PAGE_LINES:
                self._out(b"more> ")
                return
            self._out(self.pager.pop(0) + b"\r\n")
            self.paged += 1
        self.pager = None
        self._out(self.prompt)

    def pager_key(self, b):
        """A key at "more> ": space a page, Enter a line, q ends the
        command; anything else is ignored with kdb's complaint."""
        if b in b"qQ":
            self.pager = None
            self._out(b"\n" + self.prompt)
            return
        if b == ord(" "):
            self.paged = 0
        elif b in b"\r\n":
            self.paged = PAGE_LINES - 1
        else:
            self._out(b"\nOnly 'q', 'Q' or '/' are processed at more prompt, "
                      b"input ignored\n")
            self.paged = 0
        self._out(b"\r")
        self.page_on()

    # ---- the kgdb stub ----
    def kgdb_byte(self, b):
        if not self.rsp:
            if b == ord("$"):
                self.rsp.append(b)
            elif b == ord("-") and self.last_reply:
                self._out(self.last_reply)      # resend, as kgdb does
            return                              # '+', ^C: nothing to do
        self.rsp.append(b)
        m = re.fullmatch(rb"\$([^#]*)#([0-9a-fA-F]{2})", bytes(self.rsp))
        if not m:
            return
        self.rsp = bytearray()
        payload = m.group(1)
        if sum(payload) % 256 != int(m.group(2), 16):
            self._out(b"-")
            return
        self._out(b"+")
        self.packets.append(payload)
        self.kgdb_packet(payload)

    def reply(self, payload, garble=False):
        wire = rsp_packet(payload)
        self.last_reply = wire
        if garble and self.behaviour == "garble" and not self.garbled:
            self.garbled = True         # the line flipped a bit, once
            wire = wire[:-1] + (b"0" if wire[-1:] != b"0" else b"1")
        self._out(wire)

    def kgdb_packet(self, p):
        if p == b"?":
            self.reply(b"S05")
        elif p == b"qC":
            self.reply(b"QC" + THREAD)
        elif p == b"g":
            self.reply(REGS)
        elif p.startswith(b"m"):
            addr, length = (int(x, 16) for x in p[1:].split(b","))
            self.reply(memory_at(addr, length).hex().encode(), garble=True)
        elif p.startswith(b"qSupported") and self.features:
            self.reply(self.features)
        elif p.startswith(b"x") and self.features:
            addr, length = (int(x, 16) for x in p[1:].split(b","))
            data = memory_at(addr, length)
            self.reply(b"b" + re.sub(rb"[#$}*]", lambda c: b"}" + bytes([c[0][0] ^ 0x20]),
                                     data))
        elif p == b"qfThreadInfo":
            self.reply(b"m" + THREAD + b",0000000000000002")
        elif p == b"qsThreadInfo":
            self.reply(b"l")
        elif p[:1] in (b"H", b"T"):
            self.reply(b"OK")
        elif p[:1] == b"D":
            self.reply(b"OK")
            self.in_kgdb = False                # detached: the kernel runs
        elif p == b"k":
            self.in_kgdb = False
        elif p[:1] == b"c":
            self.in_kgdb = False
            self.running_after_c = True
        elif p == b"3":
            # No reply (gdb_cmd_detachkill); kdb says why it entered, then prompts.
            self.in_kgdb, self.in_kdb = False, True
            self._out(b"\r\nEntering kdb (current=0x0, pid 1) " +
                      (b"" if self.up else b"on processor 0 ") +
                      b"due to Keyboard Entry\r\n" + self.prompt)
        else:
            self.reply(b"")

    def drop(self):
        """Hang up on the client (a QEMU restart, a ser2net hiccup); the
        board keeps listening, so the client can come back."""
        try:
            self.conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def close(self):
        try:
            if self.transport == "pty":
                os.close(self.master)
                os.close(self.slave)
            else:
                if hasattr(self, "conn"):
                    self.conn.close()
                self.listener.close()
                if self.transport == "unix":
                    shutil.rmtree(self.sockdir, ignore_errors=True)
        except OSError:
            pass
