# SPDX-License-Identifier: GPL-3.0-or-later
"""A real ser2net (Debian 12's 4.3) for a test: an RFC 2217 accepter on
127.0.0.1 in front of each serial device, killed at the test's end."""
import os
import shutil
import socket
import subprocess
import tempfile
import time

from board import free_port


def start(test, device, line="115200n81"):
    """ser2net serving device at line settings; returns its TCP port."""
    return start_many(test, [device], line)[0]


def start_many(test, devices, line="115200n81"):
    """One ser2net serving each device on a port of its own, as a lab's
    serves its boards; returns the TCP ports, in the devices' order."""
    ports = [free_port() for _ in devices]
    tmp = tempfile.mkdtemp(prefix="nmidbg-ser2net-")
    test.addCleanup(shutil.rmtree, tmp, True)
    cfg = os.path.join(tmp, "ser2net.yaml")
    with open(cfg, "w") as f:
        for i, (port, device) in enumerate(zip(ports, devices)):
            f.write("connection: &board%d\n"
                    "  accepter: telnet(rfc2217),tcp,127.0.0.1,%d\n"
                    "  connector: serialdev,%s,%s,local\n" % (i, port, device, line))
    s2n = subprocess.Popen(["ser2net", "-n", "-c", cfg, "-P", os.path.join(tmp, "pid")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    test.addCleanup(s2n.wait)
    test.addCleanup(s2n.kill)
    deadline = time.monotonic() + 10
    for port in ports:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                if time.monotonic() > deadline or s2n.poll() is not None:
                    test.fail("ser2net did not listen: %s" % s2n.stdout.read1())
                time.sleep(0.1)
    time.sleep(0.5)     # ser2net frees the line after that probe
    return ports
