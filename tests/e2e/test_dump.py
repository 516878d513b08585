# SPDX-License-Identifier: GPL-3.0-or-later
"""`nmidbg dump`: kernel memory through kgdb, exactly, and a clear error
for memory kgdb will not read; the board resumes either way."""
import os
import subprocess
import tempfile

from board import NMI_APPEND, free_port, kernel_symbol
from e2e.common import BoardTest
from e2e.test_nmidbg import NMIDBG


class NmidbgDump(BoardTest):
    def test_reads_the_banner_and_refuses_unmapped(self):
        b = self.boot(append=NMI_APPEND, serial_tcp=free_port(), telnet=False)
        banner = b.sh("cat /proc/version").strip().encode()
        b.disconnect()
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "banner.bin")
            # More than one packet's worth (1023 bytes), not a multiple of it.
            p = subprocess.run([NMIDBG, "dump", b.port_spec(),
                                hex(kernel_symbol("linux_banner")), "3000", "-o", out],
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
