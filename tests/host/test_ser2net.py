# SPDX-License-Identifier: GPL-3.0-or-later
"""nmidbg through a real ser2net (Debian 12's 4.3, RFC 2217 accepter) in
front of a pty: the line speed is the lab's.  ser2net applies a client's
SET-BAUDRATE to the device, so nmidbg sends one only when the PORT names
a speed (rfc2217://HOST:PORT,BAUD); the test reads the device's speed
while nmidbg holds the line."""
import os
import subprocess
import termios
import time
import unittest

from host import ser2net

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("NMIDBG_BUILD", os.path.join(ROOT, "build"))
NMIDBG = os.path.join(BUILD, "asan", "nmidbg")


class Ser2net(unittest.TestCase):
    def setUp(self):
        self.master, slave = os.openpty()
        self.addCleanup(os.close, self.master)
        self.slave_path = os.ttyname(slave)
        os.close(slave)
        self.port = ser2net.start(self, self.slave_path, "230400n81")

    def speed_while_attached(self, spec):
        """The device's output speed while `nmidbg attach spec` holds it."""
        p = subprocess.Popen([NMIDBG, "attach", spec], stdin=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        # The pty's settings, as ser2net left them once nmidbg's requests
        # (if any) are through: the slave side is the device.
        time.sleep(1.5)
        fd = os.open(self.slave_path, os.O_RDWR | os.O_NOCTTY)
        try:
            speed = termios.tcgetattr(fd)[5]
        finally:
            os.close(fd)
        p.stdin.close()
        p.wait(timeout=20)
        return speed

    def test_the_lab_speed_is_kept(self):
        # nmidbg sent SET-BAUDRATE 115200 on every RFC 2217 open.
        self.assertEqual(self.speed_while_attached("rfc2217://127.0.0.1:%d" % self.port),
                         termios.B230400)

    def test_a_speed_in_the_port_spec_is_set(self):
        self.assertEqual(
            self.speed_while_attached("rfc2217://127.0.0.1:%d,57600" % self.port),
            termios.B57600)

    def test_a_bad_speed_is_a_clear_error(self):
        p = subprocess.run([NMIDBG, "break", "rfc2217://127.0.0.1:%d,fast" % self.port],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 3)
        self.assertIn("bad baud rate 'fast'", p.stderr)
