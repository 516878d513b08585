# SPDX-License-Identifier: GPL-3.0-or-later
"""The guest's bulk-transfer programs, driven from the host: `sink` counts
and checksums what the line delivers, `source` sends a known stream.  A
mixin of board.Board (it uses send, expect, sh and the transcript)."""
import re
import time

from board_io import LINE_RATE, SHELL_PROMPT, Timeout


class GuestPrograms:
    def to_guest(self, data, timeout=600, pause_ms=0, rate=LINE_RATE):
        """Send raw bytes to the guest's `sink` (which reads them after
        pause_ms) at rate bytes a second; return the (count, crc) it saw.
        A byte lost on the way leaves the sink waiting: fail within a
        minute of the last byte sent, not after timeout."""
        self.send("sink %d %d\r" % (len(data), pause_ms))
        self.expect(b"SINK-READY", 10)
        self.send(data, timeout, rate)
        end = re.compile(rb"SINK-END n=(\d+) crc=([0-9a-f]{8})")
        try:
            m = self.expect(end, min(timeout, 60 + pause_ms / 1000))
        except Timeout as e:
            raise Timeout("%s; %s" % (e, self._why_sink_waits(end))) from None
        self.expect(SHELL_PROMPT, 10)
        return int(m.group(1)), int(m.group(2), 16)

    def _why_sink_waits(self, end):
        """A sink still waiting lost bytes, or the board stopped: fill the
        sink up with zeros and ask ttyNMI what it dropped."""
        for _ in range(64):
            self.send(bytes(4096), 10, rate=LINE_RATE)
            if end.search(self.buf, self.pos):
                break
        else:
            return "the board takes no input (256 KiB more sent)"
        self.pos = len(self.buf)
        self.send("\r")
        try:
            self.expect(SHELL_PROMPT, 10)
            dropped = self.sh("cat /sys/module/nmi_tty/parameters/rx_dropped")
        except Timeout:
            return "the sink ended on zeros, then the shell did not answer"
        return "bytes were lost: ttyNMI rx_dropped=%s" % dropped.strip()

    def from_guest(self, count, seed, timeout=600):
        """Run the guest's `source`; return exactly the bytes it sent.

        The kernel's console messages go to the same line and would land
        in the middle of the stream (a CI run caught "hrtimer: interrupt
        took 9460800 ns", from a slow host): the console loglevel is 1
        for the transfer, and the kernel log keeps them."""
        level = self.sh("cat /proc/sys/kernel/printk").split()[0]
        self.sh("write /proc/sys/kernel/printk 1")
        got = self._source(count, seed, timeout)
        self.sh("write /proc/sys/kernel/printk " + level)
        return got

    def _source(self, count, seed, timeout):
        self.send("source %d %d\r" % (count, seed))
        self.expect(b"SOURCE-BEGIN\r\n", 10)
        deadline = time.monotonic() + timeout
        while len(self.buf) - self.pos < count:
            if time.monotonic() > deadline:
                raise Timeout("source: %d of %d bytes"
                              % (len(self.buf) - self.pos, count))
            self._drain(0.5)
        data = bytes(self.buf[self.pos:self.pos + count])
        self.pos += count
        m = self.expect(re.compile(rb"SOURCE-END n=(\d+) crc=([0-9a-f]{8})"),
                        30)
        self.expect(SHELL_PROMPT, 10)
        return data, int(m.group(1)), int(m.group(2), 16)
