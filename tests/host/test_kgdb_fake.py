# SPDX-License-Identifier: GPL-3.0-or-later
"""nmidbg gdb, dump and proxy against the fake board's kgdb stub: the kdb to
kgdb switch, the relay, leaving kgdb, in seconds and without QEMU."""
import json
import os
import socket
import struct
import subprocess
import tempfile
import time
import unittest

from board import free_port
from host.fake_board import FakeBoard
from host.test_doctor_fake import BANNER, BANNER_ADDR, btc, elf, log, memory
from host.test_inputs import connect

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("NMIDBG_BUILD", os.path.join(ROOT, "build"))


def tiny_vmlinux(directory):
    """An arm64 ELF header and nothing else: enough for gdb to pick the
    architecture, no symbols."""
    path = os.path.join(directory, "vmlinux")
    hdr = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    hdr += struct.pack("<HHIQQQIHHHHHH", 2, 183, 1, 0xffff800080000000,
                       0, 0, 0, 64, 0, 0, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(hdr)
    return path


def kernel_build(directory):
    """tiny_vmlinux with an (empty) vmlinux-gdb.py beside it, linked into
    scripts/ as a kernel build links it into its source tree; returns
    both paths."""
    scripts = os.path.join(directory, "scripts")
    os.mkdir(scripts)
    open(os.path.join(scripts, "vmlinux-gdb.py"), "w").close()
    os.symlink(os.path.join(scripts, "vmlinux-gdb.py"),
               os.path.join(directory, "vmlinux-gdb.py"))
    return tiny_vmlinux(directory), os.path.join(scripts, "vmlinux-gdb.py")


# A stand-in for a program nmidbg starts (gdb, OpenOCD): it writes which
# descriptors it was given and its argv, then runs the real program, or
# exits 0.
# Python opens none of its own that outlive its start, and fstat() and
# readlink() open nothing: what it sees is what it inherited.
FD_LISTER = """#!/usr/bin/python3
import json, os, sys
fds = {}
for fd in range(1024):
    try:
        os.fstat(fd)
    except OSError:
        continue
    try:
        fds[fd] = os.readlink("/proc/self/fd/%%d" %% fd)
    except OSError:
        fds[fd] = "?"
with open(%(out)r, "w") as f:
    json.dump({"fds": fds, "argv": sys.argv}, f)
%(then)s
"""


def fd_lister(directory, name, then=None):
    """A program that stands in for then (or for nothing); returns its
    path and that of the file where it writes what it got."""
    path, out = os.path.join(directory, name), os.path.join(directory, name + ".fds")
    run = ("os.execvp(%r, [%r] + sys.argv[1:])" % (then, then)) if then else "sys.exit(0)"
    with open(path, "w") as f:
        f.write(FD_LISTER % {"out": out, "then": run})
    os.chmod(path, 0o755)
    return path, out


def inherited(test, out):
    """The descriptors beyond stdin, stdout and stderr in the lister's
    record: nothing nmidbg opened may reach a child."""
    test.assertTrue(os.path.exists(out), "the stand-in never ran")
    with open(out) as f:
        fds = {int(k): v for k, v in json.load(f)["fds"].items()}
    test.assertEqual(sorted(fds)[:3], [0, 1, 2], fds)
    return {fd: what for fd, what in fds.items() if fd > 2}


class KgdbMixin:
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="nmidbg-kgdb-")

    def board(self, **kw):
        b = FakeBoard(**kw)
        self.addCleanup(b.close)
        return b

    def nmidbg(self, *args, env=None, timeout=60):
        return subprocess.run([self.binary] + list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=timeout,
                              env=dict(os.environ, **(env or {})))

    def test_gdb_batch_reads_registers_and_resumes(self):
        b = self.board()
        p = self.nmidbg("gdb", b.spec, "--vmlinux", tiny_vmlinux(self.dir), "--batch",
                        "--", "-ex", "info threads", "-ex", "x/4xb 0x1000")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("0x1000:\t0x00\t0x01\t0x02\t0x03", p.stdout)
        # The stop reply, fixed by the relay, names qC's thread: gdb's
        # current thread is 1, not whichever it listed first.
        self.assertRegex(p.stdout, r"\* 1 +Thread 1 ")
        self.assertIn("kgdb (thread 0000000000000001)", p.stderr)
        self.assertIn("the board is running", p.stderr)
        # The relay's fixed stop reply named the thread qC gave.
        self.assertIn(b"?", b.packets)
        self.assertFalse(b.in_kdb or b.in_kgdb)
        # gdb's detach or kill was answered by the relay, not sent on:
        # the board left kgdb by the one rule, $3#33 then go.
        self.assertFalse([x for x in b.packets if x[:1] in (b"D", b"k")
                          or x.startswith(b"vKill")], b.packets)
        self.assertIn(b"3", b.packets)
        self.assertTrue(bytes(b.received).endswith(b"go\r"))

    def test_gdb_batch_exit_is_1_if_any_command_failed(self):
        """gdb -batch exits with its last command's status; nmidbg's
        --batch with 1 if any -ex command or -x script failed, in each of
        gdb's spellings, and the commands after it still run."""
        script = os.path.join(self.dir, "bad.gdb")
        with open(script, "w") as f:
            f.write("frobnicate-in-a-script\n")
        b = self.board()
        for bad in (["-ex", "frobnicate"], ["--eval-command=frobnicate"], ["-x", script]):
            p = self.nmidbg("gdb", b.spec, "--vmlinux", tiny_vmlinux(self.dir), "--batch",
                            "--", *bad, "-ex", "x/4xb 0x1000")
            self.assertEqual(p.returncode, 1, (bad, p.stderr))
            self.assertRegex(p.stderr, r'Undefined command: "frobnicate\S*"')
            self.assertIn("0x1000:\t0x00\t0x01\t0x02\t0x03", p.stdout)
            self.assertIn("nmidbg: 1 gdb command failed, the first: ", p.stderr)
            self.assertIn("gdb exited (1); the board is running", p.stderr)
        # nmidbg's own -x too.
        p = self.nmidbg("gdb", b.spec, "--vmlinux", tiny_vmlinux(self.dir), "--batch",
                        "-x", script, "--", "-ex", "x/4xb 0x1000")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("the first: source " + script, p.stderr)

    def test_gdb_that_never_ran_is_an_error(self):
        b = self.board()
        p = self.nmidbg("gdb", b.spec, "--vmlinux", tiny_vmlinux(self.dir), "--batch",
                        env={"NMIDBG_GDB": "/nonexistent/gdb"})
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("gdb did not run: /nonexistent/gdb: No such file", p.stderr)
        self.assertNotIn("gdb exited", p.stderr)
        self.assertFalse(b.in_kdb or b.in_kgdb)     # the board left as usual

    def test_gdb_inherits_no_descriptor(self):
        """gdb gets stdin, stdout and stderr, and nothing else nmidbg has
        open: not the board's line (raw TCP, telnet, a pty), not the
        listener gdb connects to."""
        gdb, out = fd_lister(self.dir, "gdb")
        for kw in ({}, {"telnet": True}, {"transport": "pty"}):
            b = self.board(**kw)
            p = self.nmidbg("gdb", b.spec, "--vmlinux", tiny_vmlinux(self.dir), "--batch",
                            env={"NMIDBG_GDB": gdb})
            self.assertEqual(p.returncode, 0, (kw, p.stderr))
            self.assertEqual(inherited(self, out), {}, kw)
            os.unlink(out)

    def test_triage_gdb_inherits_no_descriptor(self):
        """triage --gdb: neither report file (open from the start) nor the
        scratch file that takes gdb's output reaches gdb."""
        gdb, out = fd_lister(self.dir, "gdb")
        vmlinux = os.path.join(self.dir, "vmlinux-banner")
        with open(vmlinux, "wb") as f:
            f.write(elf(BANNER))
        b = self.board(telnet=True, log=log(), memory=memory(), btc=btc())
        p = self.nmidbg("triage", b.spec, "--vmlinux", vmlinux, "--gdb",
                        "-o", os.path.join(self.dir, "r.md"), env={"NMIDBG_GDB": gdb})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("gdb on 127.0.0.1:", p.stderr)
        self.assertEqual(inherited(self, out), {})

    def test_gdb_gets_every_argument_up_to_the_bound(self):
        """The longest gdb command line there is (KASLR, --batch, 16
        scripts, 64 of the user's) reaches gdb whole, each script through
        batch.py's nmidbg-batch-run, its status check last; one more
        argument or script is a usage error (exit 2), before the board is
        touched."""
        gdb, out = fd_lister(self.dir, "gdb")
        vmlinux = os.path.join(self.dir, "vmlinux-kaslr")
        with open(vmlinux, "wb") as f:
            f.write(elf(BANNER, addr=BANNER_ADDR - 0x200000))
        scripts = ["-x", os.devnull] * 16
        user = ["arg%d" % i for i in range(64)]
        b = self.board(telnet=True, log=log(), memory=memory(), btc=btc())
        p = self.nmidbg("gdb", b.spec, "--vmlinux", vmlinux, "--batch", *scripts, "--", *user,
                        env={"NMIDBG_GDB": gdb})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("KASLR offset 0x200000", p.stderr)
        with open(out) as f:
            argv = json.load(f)["argv"]
        self.assertEqual(argv[-66:], user + ["-ex", "nmidbg-batch-status"])
        self.assertEqual(argv.count("nmidbg-batch-run source " + os.devnull), 16)
        self.assertIn("symbol-file -o 0x200000 " + vmlinux, argv)
        self.assertEqual(len(argv), 115)
        received = bytes(b.received)
        for more in (scripts + ["-x", os.devnull], scripts), ([], user + ["one-more"]):
            p = self.nmidbg("gdb", b.spec, "--vmlinux", vmlinux, "--batch", *more[0], "--",
                            *more[1], env={"NMIDBG_GDB": gdb})
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertRegex(p.stderr, r"nmidbg gdb: at most (16 scripts|64 gdb arguments)")
        p = self.nmidbg("gdb", "--jtag", "--jtag-gdb", "127.0.0.1:1", "--", *user, "one-more")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("nmidbg gdb: at most 64 gdb arguments", p.stderr)
        self.assertEqual(bytes(b.received), received)

    def test_gdb_safe_paths_for_a_vmlinux_named_without_a_slash(self):
        """--vmlinux vmlinux from its own directory: gdb may load the
        vmlinux-gdb.py there and what it links into (it was given
        "add-auto-load-safe-path vmlinux")."""
        gdb, out = fd_lister(self.dir, "gdb")
        scripts = os.path.dirname(kernel_build(self.dir)[1])
        b = self.board()
        p = subprocess.run([self.binary, "gdb", b.spec, "--vmlinux", "vmlinux", "--batch"],
                           cwd=self.dir, env=dict(os.environ, NMIDBG_GDB=gdb),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out) as f:
            argv = json.load(f)["argv"]
        self.assertIn("add-auto-load-safe-path .", argv)
        self.assertIn("add-auto-load-safe-path " + os.path.realpath(scripts), argv)

    def test_gdb_loads_nmidbg_py_after_the_kernels_helpers(self):
        """gdbscripts/nmidbg.py comes after `target remote` (the kernel's
        vmlinux-gdb.py is loaded with the vmlinux) and before the user's
        scripts; a vmlinux without vmlinux-gdb.py beside it gets none."""
        gdb, out = fd_lister(self.dir, "gdb")
        ours = os.path.join(ROOT, "gdbscripts", "nmidbg.py")
        with_helpers = kernel_build(self.dir)[0]
        os.mkdir(os.path.join(self.dir, "bare"))
        bare = tiny_vmlinux(os.path.join(self.dir, "bare"))
        b = self.board()
        for vmlinux, loaded in ((with_helpers, True), (bare, False)):
            p = self.nmidbg("gdb", b.spec, "--vmlinux", vmlinux, "-x", os.devnull,
                            env={"NMIDBG_GDB": gdb})
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(out) as f:
                argv = json.load(f)["argv"]
            scripts = [os.path.realpath(argv[i + 1]) for i, a in enumerate(argv) if a == "-x"]
            self.assertEqual(scripts, [ours, os.devnull] if loaded else [os.devnull], argv)
            self.assertTrue(argv[argv.index("-x") - 1].startswith("target remote "), argv)

    def test_dump_reads_memory_and_resends_after_a_nak(self):
        b = self.board(behaviour="garble")
        out = os.path.join(self.dir, "mem.bin")
        p = self.nmidbg("dump", b.spec, "0x1ff0", "3000", "-o", out, "--timeout", "0.5")
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), bytes((0x1ff0 + i) & 0xFF for i in range(3000)))
        reads = [x for x in b.packets if x.startswith(b"m")]
        self.assertEqual(reads, [b"m1ff0,3ff", b"m23ef,3ff", b"m27ee,3ba"])
        self.assertTrue(b.garbled)
        self.assertFalse(b.in_kdb or b.in_kgdb)

    def test_dump_reads_in_binary_when_kgdb_offers_it(self):
        # Every byte value, '#', '$', '}', '*' and raw line ends included.
        b = self.board(features=b"PacketSize=7fe;binary-upload+")
        out = os.path.join(self.dir, "mem.bin")
        p = self.nmidbg("dump", b.spec, "0x1ff0", "3000", "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), bytes((0x1ff0 + i) & 0xFF for i in range(3000)))
        self.assertIn("'x' reads of 1022 bytes", p.stderr)
        reads = [x for x in b.packets if x[:1] in (b"m", b"x")]
        self.assertEqual(reads, [b"x1ff0,3fe", b"x23ee,3fe", b"x27ec,3bc"])
        self.assertFalse(b.in_kdb or b.in_kgdb)

    def proxy(self, b):
        """nmidbg proxy on b, up; its process and console and gdb ports."""
        cport, gport = free_port(), free_port()
        p = subprocess.Popen([self.binary, "proxy", b.spec, "--console", str(cport),
                              "--gdb", str(gport)], stderr=subprocess.PIPE, text=True)
        self.addCleanup(p.wait, 10)
        self.addCleanup(p.terminate)
        connect(cport).close()          # the proxy is up
        return p, cport, gport

    def test_proxy_gdb_client_breaks_in_and_leaves(self):
        b = self.board()
        p, cport, gport = self.proxy(b)
        g = subprocess.run(["gdb-multiarch", "-q", "-batch", "-nx",
                            "-ex", "target remote 127.0.0.1:%d" % gport,
                            "-ex", "x/2xb 0x40", tiny_vmlinux(self.dir)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=60)
        self.assertIn("0x40:\t0x40\t0x41", g.stdout)
        deadline = time.monotonic() + 10
        while (b.in_kgdb or b.in_kdb) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertFalse(b.in_kdb or b.in_kgdb)
        p.terminate()
        _, err = p.communicate(timeout=10)
        self.assertEqual(p.returncode, 0, err)
        self.assertIn("gdb connected: knock", err)
        self.assertIn("gdb left; the board is running", err)


    def test_kdb_and_triage_through_the_proxy_console(self):
        # A lab's second client: the proxy holds the line, kdb and triage
        # come in through its console port (telnet) with the knock.
        b = self.board()
        p, cport, gport = self.proxy(b)
        spec = "telnet:127.0.0.1:%d" % cport
        k = self.nmidbg("kdb", spec, "-c", "cpu", "--json")
        self.assertEqual(k.returncode, 0, k.stderr)
        self.assertEqual(json.loads(k.stdout)["commands"][0]["output"][0],
                         "Currently on cpu 0")
        md = os.path.join(self.dir, "r.md")
        t = self.nmidbg("triage", spec, "-o", md)
        self.assertEqual(t.returncode, 0, t.stderr)
        with open(os.path.join(self.dir, "r.json")) as f:
            self.assertEqual(json.load(f)["after"], "running")
        self.assertFalse(b.in_kdb)


class TestKgdb(KgdbMixin, unittest.TestCase):
    binary = os.path.join(BUILD, "nmidbg")


class TestKgdbAsan(KgdbMixin, unittest.TestCase):
    binary = os.path.join(BUILD, "asan", "nmidbg")
