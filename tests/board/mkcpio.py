#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write the test board's initramfs: /init plus /dev/console, as newc cpio.
With --files, an archive of just those files (the kernel build's modules),
which the board appends: the kernel unpacks concatenated archives in turn.

Written here rather than with cpio(1) so the device node needs no root and
the archive is byte-for-byte reproducible (fixed mtimes, owners, inodes).
The kernel opens /dev/console for PID 1 before it runs /init, so the node
must exist in the archive itself.
"""
import stat
import sys


def entry(name, mode, data=b"", rdev=(0, 0), ino=1):
    name_b = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
              len(name_b), 0]
    hdr = b"070701" + b"".join(b"%08X" % f for f in fields)
    out = hdr + name_b
    out += b"\0" * (-len(out) % 4)
    out += data
    out += b"\0" * (-len(out) % 4)
    return out


def files_archive(out, pairs):
    """OUTPUT.cpio holding each NAME=PATH at /NAME."""
    parts = []
    for ino, pair in enumerate(pairs, start=100):
        name, _, path = pair.partition("=")
        with open(path, "rb") as f:
            parts.append(entry(name, stat.S_IFREG | 0o644, f.read(), ino=ino))
    with open(out, "wb") as f:
        f.write(b"".join(parts + [entry("TRAILER!!!", 0, ino=0)]))


def main(argv):
    if len(argv) >= 3 and argv[1] == "--files":
        return files_archive(argv[2], argv[3:])
    if len(argv) != 3:
        sys.exit("usage: mkcpio.py INIT-BINARY OUTPUT.cpio\n"
                 "       mkcpio.py --files OUTPUT.cpio NAME=PATH...")
    with open(argv[1], "rb") as f:
        init = f.read()
    archive = b"".join([
        entry("dev", stat.S_IFDIR | 0o755, ino=1),
        entry("dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1), ino=2),
        entry("init", stat.S_IFREG | 0o755, init, ino=3),
        entry("TRAILER!!!", 0, ino=0),
    ])
    with open(argv[2], "wb") as f:
        f.write(archive)


if __name__ == "__main__":
    main(sys.argv)
