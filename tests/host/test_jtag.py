# SPDX-License-Identifier: GPL-3.0-or-later
"""`nmidbg jtag` with OpenOCD 0.12 in the loop, for real: OpenOCD's
remote_bitbang adapter drives the tests' JTAG-DP/MEM-AP model
(tests/jtag/jtag_model.py).  nmidbg launches OpenOCD, talks its Tcl RPC,
halts and resumes, gdb reads the model's RAM on OpenOCD's gdb port, and
OpenOCD is shut down.  Then every failure: its message, its exit code,
and no openocd or gdb left behind.  Run against the plain and the
ASan/UBSan build."""
import glob
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("NMIDBG_BUILD", os.path.join(ROOT, "build"))
JTAG = os.path.join(ROOT, "tests", "jtag")
sys.path.insert(0, JTAG)
from jtag_model import GREETING, RAM_BASE, Model  # noqa: E402
from host.test_kgdb_fake import fd_lister, inherited  # noqa: E402

OPENOCD = shutil.which("openocd")


def model_args(port, cfg="model.cfg"):
    return "-c 'set MODEL_PORT %d' -f %s" % (port, os.path.join(JTAG, cfg))


def arm_elf(addr, data, symbol=b"linux_banner"):
    """A 32-bit Arm ELF file (the model's mem_ap target is "arm" to gdb)
    with one allocated .rodata section at addr holding data, and symbol
    naming it: a vmlinux as far as gdb's symbol loading goes."""
    names = b"\0.rodata\0.symtab\0.strtab\0.shstrtab\0"
    strtab = b"\0" + symbol + b"\0"
    sym = bytes(16) + struct.pack("<IIIBBH", 1, addr, len(data), 0x11, 0, 1)
    data += bytes(-len(data) % 4)
    off_sym = 52 + len(data)
    off_str = off_sym + len(sym)
    off_names = off_str + len(strtab)
    off_sh = off_names + len(names) + (-(off_names + len(names)) % 4)
    sh = bytes(40) + b"".join(struct.pack("<10I", *s) for s in (
        (1, 1, 2, addr, 52, len(data), 0, 0, 4, 0),             # .rodata: PROGBITS, ALLOC
        (9, 2, 0, 0, off_sym, len(sym), 3, 1, 4, 16),           # .symtab
        (17, 3, 0, 0, off_str, len(strtab), 0, 0, 1, 0),        # .strtab
        (25, 3, 0, 0, off_names, len(names), 0, 0, 1, 0)))      # .shstrtab
    ehdr = b"\x7fELF\x01\x01\x01" + bytes(9) + struct.pack(
        "<HHIIIIIHHHHHH", 2, 40, 1, 0, 0, off_sh, 0, 52, 0, 0, 40, 5, 4)
    body = data + sym + strtab + names
    return ehdr + body + bytes(off_sh - 52 - len(body)) + sh


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def live(marker):
    """Processes (not zombies) whose command line holds marker."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open("/proc/%s/stat" % pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmd and state != "Z" and int(pid) != os.getpid():
            found.append("%s %s" % (pid, cmd))
    return found


def table(out):
    """The target table nmidbg prints: name -> state."""
    rows = {}
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("target "):
            for row in lines[i + 1:]:
                f = row.split()
                if len(f) >= 5:
                    rows[f[0]] = f[3] if f[3] != "examine" else "examine deferred"
    return rows


def ports(out):
    return {l.split()[0]: l.split()[1] for l in out.splitlines()
            if l.split() and l.split()[0] in ("pid", "tcl", "gdb", "telnet", "log")}


@unittest.skipUnless(OPENOCD, "OpenOCD is not installed (make deps installs it)")
class JtagMixin:
    def setUp(self):
        self.model = Model().start()
        self.addCleanup(self.model.stop)
        self.tmp = tempfile.mkdtemp(prefix="nmidbg-jtag-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.addCleanup(self.assert_nothing_left)

    def assert_nothing_left(self):
        # Every OpenOCD this test started carries the model's port.
        for _ in range(20):
            left = live("MODEL_PORT %d" % self.model.port) + live("127.0.0.1:%d" % self.model.port)
            if not left:
                return
            time.sleep(0.1)
        self.fail("left running: %s" % left)

    def nmidbg(self, *args, env=None, timeout=60):
        return subprocess.run([self.binary] + list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=timeout,
                              env=env, cwd=self.tmp)

    def start(self, cfg="model.cfg"):
        p = self.nmidbg("jtag", "start", "--openocd", model_args(self.model.port, cfg))
        self.assertEqual(p.returncode, 0, p.stderr)
        got = ports(p.stdout)
        self.addCleanup(self.stop_quietly, got)
        return got, p

    def stop_quietly(self, got):
        pid = int(got["pid"])
        if os.path.isfile(got["log"]):
            os.unlink(got["log"])
        if live("MODEL_PORT %d" % self.model.port):
            subprocess.run([self.binary, "jtag", "stop", "--tcl", got["tcl"]],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                os.kill(pid, 9)
            except OSError:
                pass

    def test_start_halt_resume_status_stop(self):
        got, p = self.start()
        for k in ("tcl", "gdb", "telnet"):
            self.assertTrue(got[k].startswith("127.0.0.1:"), got)
        self.assertEqual(len({got["tcl"], got["gdb"], got["telnet"]}), 3)
        self.assertEqual(table(p.stdout), {"model.ap": "running"})
        self.assertIn("nmidbg jtag stop --tcl %s" % got["tcl"], p.stderr)
        self.assertTrue(os.path.isfile(got["log"]), "start keeps OpenOCD's log")
        self.assertTrue(live("MODEL_PORT %d" % self.model.port), "OpenOCD runs on after start")
        self.assertEqual(self.model.clients, 1)

        p = self.nmidbg("jtag", "halt", "--tcl", got["tcl"])
        self.assertEqual((p.returncode, table(p.stdout)), (0, {"model.ap": "halted"}), p.stderr)
        # gdb on the gdb port OpenOCD was told: the model's RAM, through
        # JTAG-DP, APACC and the MEM-AP's TAR/DRW.
        g = subprocess.run(["gdb-multiarch", "-q", "-batch", "-nx",
                            "-ex", "set remote fetch-register-packet off",
                            "-ex", "set architecture arm",
                            "-ex", "target remote " + got["gdb"],
                            "-ex", "x/s 0x%x" % RAM_BASE, "-ex", "detach"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=60)
        self.assertIn('"%s"' % GREETING.rstrip(b"\0").decode(), g.stdout, g.stderr)
        p = self.nmidbg("jtag", "status", "--tcl", got["tcl"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("model.ap", table(p.stdout))
        p = self.nmidbg("jtag", "resume", "--tcl", got["tcl"])
        self.assertEqual((p.returncode, table(p.stdout)), (0, {"model.ap": "running"}), p.stderr)
        p = self.nmidbg("jtag", "stop", "--tcl", got["tcl"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("shut down", p.stdout)
        self.assertEqual(live("MODEL_PORT %d" % self.model.port), [])

    def test_gdb_through_openocd(self):
        """nmidbg gdb --jtag: OpenOCD launched, the core halted, gdb reads
        the model's RAM on the gdb port, the core resumed, OpenOCD ended."""
        p = self.nmidbg("gdb", "--jtag", "--openocd", model_args(self.model.port),
                        "--batch", "--", "-ex", "x/s 0x%x" % RAM_BASE)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn('0x%x:\t"%s"' % (RAM_BASE, GREETING.rstrip(b"\0").decode()), p.stdout)
        self.assertRegex(p.stderr, r"JTAG: 1 target halted; gdb on 127\.0\.0\.1:\d+\n")
        self.assertIn("nmidbg: JTAG: the cores are running", p.stderr)

    def test_gdb_loads_the_symbols_at_the_kaslr_offset(self):
        """--kaslr-offset HEX through OpenOCD: gdb takes the vmlinux's
        symbols that far above their link address (the model's RAM shows
        there, not the file's bytes), even though OpenOCD answers gdb's
        qOffsets with zeros.  auto finds no CPU's PC on the model: it says
        so, the symbols stay as linked, and --batch exits 1."""
        link = RAM_BASE - 0x200000
        vmlinux = os.path.join(self.tmp, "vmlinux")
        with open(vmlinux, "wb") as f:
            f.write(arm_elf(link, b"the file's linux_banner\0"))
        ocd = ["gdb", "--jtag", "--openocd", model_args(self.model.port), "--vmlinux", vmlinux]
        show = ["--batch", "--", "-ex", "x/s &linux_banner"]
        p = self.nmidbg(*ocd, "--kaslr-offset", "0x200000", *show)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("nmidbg: KASLR offset 0x200000 (--kaslr-offset): symbols loaded there",
                      p.stderr)
        self.assertIn('0x%x <linux_banner>:\t"%s"' % (RAM_BASE, GREETING.rstrip(b"\0").decode()),
                      p.stdout)
        p = self.nmidbg(*ocd, *show)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn('0x%x <linux_banner>:\t""' % link, p.stdout)
        p = self.nmidbg(*ocd, "--kaslr-offset", "auto", *show)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("nmidbg-kaslr: the KASLR offset was not found (not a 64-bit "
                      "little-endian ELF file): symbols loaded at link addresses", p.stderr)
        self.assertIn('0x%x <linux_banner>:\t""' % link, p.stdout)
        self.assertIn("nmidbg: JTAG: the cores are running", p.stderr)

    def test_openocd_and_gdb_inherit_no_descriptor(self):
        """OpenOCD and gdb get stdin, stdout and stderr only: not OpenOCD's
        Tcl socket, its log's descriptor, or triage's report files."""
        openocd, ocd_fds = fd_lister(self.tmp, "openocd", then=OPENOCD)
        gdb, gdb_fds = fd_lister(self.tmp, "gdb", then="gdb-multiarch")
        env = dict(os.environ, NMIDBG_OPENOCD=openocd, NMIDBG_GDB=gdb)
        vmlinux = os.path.join(self.tmp, "vmlinux")
        shutil.copy("/bin/true", vmlinux)
        ocd = ["--jtag", "--openocd", model_args(self.model.port)]
        for args, code in ((["gdb"] + ocd + ["--batch", "--", "-ex", "x/s 0x%x" % RAM_BASE], 0),
                           (["triage"] + ocd + ["--vmlinux", vmlinux, "-o", "r.md"], 15)):
            p = self.nmidbg(*args, env=env)
            self.assertEqual(p.returncode, code, (args, p.stderr))
            self.assertEqual(inherited(self, ocd_fds), {}, ("openocd", args[0]))
            self.assertEqual(inherited(self, gdb_fds), {}, ("gdb", args[0]))
            os.unlink(ocd_fds)
            os.unlink(gdb_fds)

    def test_triage_through_openocd_halts_then_resumes(self):
        """triage's JTAG route against a running OpenOCD (--tcl): it halts
        the cores, runs gdb on its gdb port, and the cores run again after
        (halted with --stay).  The model is no arm64 kernel: gdb with an
        x86 "vmlinux" cannot take the target (exit 15, gdb's reason said),
        and no report is written."""
        got, _ = self.start()
        vmlinux = os.path.join(self.tmp, "vmlinux")
        shutil.copy("/bin/true", vmlinux)
        for stay, after in ((False, "running"), (True, "halted")):
            p = self.nmidbg("triage", "--jtag", "--tcl", got["tcl"], "--vmlinux", vmlinux,
                            *(["--stay"] if stay else []))
            self.assertEqual(p.returncode, 15, p.stderr)
            self.assertIn("serial: no serial port given; through JTAG", p.stderr)
            self.assertIn("JTAG: 1 target halted", p.stderr)
            self.assertIn("gdb cannot connect to %s: PC register is not available"
                          % got["gdb"], p.stderr)
            s = self.nmidbg("jtag", "status", "--tcl", got["tcl"])
            self.assertEqual(table(s.stdout), {"model.ap": after}, (stay, s.stderr))
        self.assertEqual([f for f in os.listdir(self.tmp) if f.startswith("nmidbg-triage")], [])
        self.assertEqual(live(vmlinux), [])

    def test_nmidbg_killed_leaves_nothing(self):
        """nmidbg killed (SIGKILL, no cleanup of its own) while gdb runs
        through the OpenOCD it launched: both go with it."""
        p = subprocess.Popen([self.binary, "gdb", "--jtag", "--openocd",
                              model_args(self.model.port)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=self.tmp)
        self.addCleanup(p.stderr.close)
        self.addCleanup(p.stdout.close)
        self.addCleanup(p.stdin.close)
        self.addCleanup(p.wait)
        self.addCleanup(p.kill)
        line = ""
        for _ in range(100):
            line = p.stderr.readline()
            if "gdb on" in line or not line:
                break
        gdb_at = line.rsplit(" ", 1)[-1].strip()
        self.assertRegex(gdb_at, r"^127\.0\.0\.1:\d+$", line)
        for _ in range(100):        # gdb starts just after the line
            if live("target remote " + gdb_at):
                break
            time.sleep(0.05)
        self.assertTrue(live("target remote " + gdb_at), "gdb never ran")
        p.kill()
        p.wait()
        for _ in range(50):
            if not live("target remote " + gdb_at) and not live("MODEL_PORT %d" % self.model.port):
                break
            time.sleep(0.1)
        self.assertEqual(live("target remote " + gdb_at), [])
        self.assertEqual(live("MODEL_PORT %d" % self.model.port), [])

    def test_launch_for_one_job(self):
        """--openocd with halt: OpenOCD launched, the core halted, OpenOCD
        ended, its log removed (and not named)."""
        before = set(glob.glob("/tmp/nmidbg-openocd-*"))
        p = self.nmidbg("jtag", "halt", "--openocd", model_args(self.model.port))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(table(p.stdout), {"model.ap": "halted"})
        self.assertNotIn("log", ports(p.stdout))
        self.assertEqual(set(glob.glob("/tmp/nmidbg-openocd-*")) - before, set())

    def test_fixed_ports(self):
        want = [free_port() for _ in range(3)]
        p = self.nmidbg("jtag", "status", "--openocd", model_args(self.model.port),
                        "--gdb-port", str(want[0]), "--tcl-port", str(want[1]),
                        "--telnet-port", str(want[2]))
        self.assertEqual(p.returncode, 0, p.stderr)
        got = ports(p.stdout)
        self.assertEqual([got["gdb"], got["tcl"], got["telnet"]],
                         ["127.0.0.1:%d" % w for w in want])

    # ---- every way it fails ------------------------------------------------

    def fails(self, args, code, msg, env=None):
        p = self.nmidbg(*args, env=env)
        self.assertEqual(p.returncode, code, (args, p.stdout, p.stderr))
        self.assertIn(msg, p.stderr)
        return p

    def test_openocd_not_installed(self):
        env = dict(os.environ, PATH="/nonexistent")
        self.fails(["jtag", "status", "--openocd", model_args(self.model.port)], 9,
                   "OpenOCD is not installed: no 'openocd' on PATH", env=env)

    def test_adapter_not_compiled_in(self):
        # A GPIO adapter for Raspberry Pi: not in Debian's amd64 build.
        self.fails(["jtag", "status", "--openocd",
                    "-c 'adapter driver bcm2835gpio; set MODEL_PORT %d'" % self.model.port],
                   10, "this OpenOCD was built without that adapter: "
                   "The specified debug interface was not found (bcm2835gpio)")

    def test_no_probe(self):
        # remote_bitbang with no model behind its port; a J-Link not plugged in.
        self.fails(["jtag", "status", "--openocd", model_args(free_port()) +
                    " -c 'set MODEL_PORT %d'" % self.model.port], 11, "no probe found")
        self.fails(["jtag", "status", "--openocd",
                    "-c 'adapter driver jlink; transport select jtag; set MODEL_PORT %d'"
                    % self.model.port], 11, "no probe found: No J-Link device found")

    def test_nothing_on_the_tcl_port(self):
        self.fails(["jtag", "status", "--tcl", "127.0.0.1:%d" % free_port()], 12,
                   "nothing listening on 127.0.0.1:")

    def test_port_in_use(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            busy = s.getsockname()[1]
            self.fails(["jtag", "start", "--openocd", model_args(self.model.port),
                        "--gdb-port", str(busy)], 13, "port %d on 127.0.0.1 is in use" % busy)
        self.assertEqual(self.model.clients, 0)

    def test_target_never_halts(self):
        p = self.fails(["jtag", "halt", "--timeout", "1", "--openocd",
                        model_args(self.model.port, "model-cm.cfg")], 14,
                       "a target did not halt within 1000 ms: model.m4")
        self.assertEqual(table(p.stdout), {"model.ap": "halted", "model.m4": "running"})

    def test_gdb_cannot_connect(self):
        # Through OpenOCD without a gdb port (a mem_ap target has none unless
        # told), and a gdb stub that is not there.
        cfg = os.path.join(self.tmp, "nogdb.cfg")
        with open(os.path.join(JTAG, "model.cfg")) as f:
            text = f.read().replace(" -gdb-port [string trim [gdb_port]]", "")
        with open(cfg, "w") as f:
            f.write(text)
        vmlinux = os.path.join(self.tmp, "vmlinux")
        shutil.copy("/bin/true", vmlinux)
        self.fails(["triage", "--jtag", "--vmlinux", vmlinux, "--openocd",
                    "-c 'set MODEL_PORT %d' -f %s" % (self.model.port, cfg)], 15,
                   "gdb cannot connect: OpenOCD has no gdb port")
        self.fails(["triage", "--jtag", "--vmlinux", vmlinux,
                    "--jtag-gdb", "127.0.0.1:%d" % free_port()], 15,
                   "gdb cannot connect to 127.0.0.1:")
        self.assertEqual(live(vmlinux), [])
        # Nothing got in: no report is left behind.
        self.assertEqual([f for f in os.listdir(self.tmp) if f.startswith("nmidbg-triage")], [])

    def test_usage_errors(self):
        cases = [
            (["jtag"], "start, stop, halt, resume or status?"),
            (["jtag", "frob", "--tcl", "a:1"], "'frob': start, stop"),
            (["jtag", "halt"], "which OpenOCD?"),
            (["jtag", "halt", "--tcl", "a:1", "--openocd", "-f x"], "not more"),
            (["jtag", "start", "--tcl", "a:1"], "start launches OpenOCD"),
            (["jtag", "stop", "--openocd", "-f x"], "stop ends a running OpenOCD"),
            (["jtag", "halt", "--openocd", "-f 'x"], "--openocd wants"),
            (["jtag", "halt", "--tcl", "nohost"], "--tcl wants HOST:PORT"),
            (["jtag", "halt", "--tcl", "a:1", "--gdb-port", "5"], "for an OpenOCD nmidbg launches"),
            (["jtag", "halt", "--openocd", "-f x", "--gdb-port", "70000"], "not a TCP port"),
            (["jtag", "halt", "--jtag-gdb", "a:1"], "--jtag-gdb is for triage"),
            (["triage", "--jtag", "--tcl", "a:1"], "--jtag needs --vmlinux"),
            (["triage", "--jtag", "--vmlinux", "/bin/true"], "which OpenOCD?"),
            (["gdb", "--jtag", "--tcl", "a:1", "--vmlinux", "/bin/true", "--kaslr-offset", "zz"],
             "--kaslr-offset: 'zz' is not a KASLR offset: HEX"),
            (["gdb", "--jtag", "--tcl", "a:1", "--vmlinux", "/bin/true", "--kaslr-offset",
              "0x2a00800"], "a multiple of 0x1000"),
            (["triage", "--jtag", "--tcl", "a:1", "--vmlinux", "/bin/true", "--kaslr-offset",
              "-1000"], "is not a KASLR offset"),
            (["gdb", "--jtag", "--tcl", "a:1", "--kaslr-offset", "auto"],
             "--kaslr-offset needs --vmlinux"),
            (["gdb", "tcp:127.0.0.1:1", "--vmlinux", "/bin/true", "--kaslr-offset", "2a00000"],
             "--kaslr-offset is for the JTAG route"),
            (["triage", "tcp:127.0.0.1:1", "--kaslr-offset", "auto"],
             "--kaslr-offset is for the JTAG route"),
            (["jtag", "halt", "--tcl", "a:1", "--kaslr-offset", "auto"],
             "--kaslr-offset is for triage and gdb"),
        ]
        for args, msg in cases:
            p = self.nmidbg(*args)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            self.assertIn(msg, p.stderr, args)


class TestJtag(JtagMixin, unittest.TestCase):
    binary = os.path.join(BUILD, "nmidbg")


class TestJtagAsan(JtagMixin, unittest.TestCase):
    binary = os.path.join(BUILD, "asan", "nmidbg")
