# SPDX-License-Identifier: GPL-3.0-or-later
"""`nmidbg dump`: kernel memory through kgdb, exactly, and a clear error
for memory kgdb will not read; the board resumes either way.  Binary
('x') reads where kgdb offers them (patches 14-15), hex ('m') where not."""
import os
import subprocess
import tempfile

from board import NMI_APPEND, free_port
from e2e.common import BoardTest
from e2e.test_nmidbg import NMIDBG


class NmidbgDump(BoardTest):
    def test_reads_the_banner_and_refuses_unmapped(self):
        b = self.boot(append=NMI_APPEND, serial_tcp=free_port(), telnet=False)
        banner = b.sh("cat /proc/version").strip().encode()
        where, = b.kallsyms("linux_banner")    # KASLR: not the link address
        b.disconnect()
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "banner.bin")
            # More than one packet's worth (1023 bytes), not a multiple of it.
            p = subprocess.run([NMIDBG, "dump", b.port_spec(),
                                hex(where), "3000", "-o", out],
                               stderr=subprocess.PIPE, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertRegex(p.stderr, r"read 3000 bytes in \d+ ms .*the board is running")
            with open(out, "rb") as f:
                data = f.read()
            self.assertEqual(len(data), 3000)
            self.assertEqual(data[:len(banner)], banner)
            p = subprocess.run([NMIDBG, "dump", b.port_spec(), "0x10", "16",
                                "-o", out + ".2"],
                               stderr=subprocess.PIPE, text=True, timeout=60)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("kgdb refused", p.stderr)
            self.assertFalse(os.path.exists(out + ".2"))
        b.reconnect()
        b.probe_shell()

    def test_binary_reads_then_hex_when_kgdb_offers_none(self):
        # 16 KiB of kernel text: the four escaped bytes, LF, CR and NUL among them.
        b = self.boot(append=NMI_APPEND, serial_tcp=free_port(), telnet=False)
        text = hex(b.kallsyms("_stext")[0])
        dumps = []
        for qsupported, how in (("1", "'x' reads of 1022 bytes"),
                                ("0", "'m' reads of 1023 bytes")):
            b.sh("write /sys/module/kgdb/parameters/qsupported " + qsupported)
            b.disconnect()
            with tempfile.TemporaryDirectory() as d:
                out = os.path.join(d, "text.bin")
                p = subprocess.run([NMIDBG, "dump", b.port_spec(), text, "16384",
                                    "-o", out],
                                   stderr=subprocess.PIPE, text=True, timeout=60)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertIn(how, p.stderr)
                with open(out, "rb") as f:
                    dumps.append(f.read())
            b.reconnect()
            b.probe_shell()
        self.assertEqual(len(dumps[0]), 16384)
        self.assertEqual(dumps[0], dumps[1])
        self.assertTrue(all(c in dumps[0] for c in b"#$}*\n\r\0"))

    def test_binary_replies_garbled_on_the_way_fall_back_to_hex(self):
        # QEMU's telnet chardev sends 0xff without doubling it: a telnet
        # client takes it for IAC, and binary replies never come whole.
        b = self.boot(append=NMI_APPEND, serial_tcp=free_port(), telnet=True)
        banner = b.sh("cat /proc/version").strip().encode()
        text, where = b.kallsyms("_stext", "linux_banner")
        b.disconnect()
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "text.bin")
            # --timeout 1: the fallback waits out a NAK and a resend.
            p = subprocess.run([NMIDBG, "dump", b.port_spec(), hex(text), "16384",
                                "-o", out, "--timeout", "1"],
                               stderr=subprocess.PIPE, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("no binary reply came through whole: reading with 'm'", p.stderr)
            self.assertIn("'m' reads of 1023 bytes", p.stderr)
            p = subprocess.run([NMIDBG, "dump", b.port_spec(), hex(where), "512",
                                "-o", out, "--timeout", "1"],
                               stderr=subprocess.PIPE, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(out, "rb") as f:
                self.assertEqual(f.read()[:len(banner)], banner)
        b.reconnect()
        b.probe_shell()
