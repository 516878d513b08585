# SPDX-License-Identifier: GPL-3.0-or-later
"""The kernel series, one per base kernel (kernel-patches/ for 6.12,
kernel-patches/linux-6.1/ for 6.1): checkpatch --strict clean, the driver
each adds identical to nmi-tty/ (adapted by nmi-tty/linux-6.1.diff for
6.1), and every patch a real one.  NMIDBG_SERIES_BUILD=1 also builds the
kernel at every patch of each series (about 15 minutes a series)."""
import os
import re
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# base kernel -> its series
SERIES_DIRS = {"6.12": os.path.join(ROOT, "kernel-patches"),
               "6.1": os.path.join(ROOT, "kernel-patches", "linux-6.1")}
DRIVER = {"drivers/tty/serial/nmi_tty.c": "nmi_tty.c",
          "include/linux/nmi_tty.h": "nmi_tty.h"}


def series(kernel="6.12"):
    with open(os.path.join(SERIES_DIRS[kernel], "series")) as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]


def driver_for(kernel):
    """The driver files the series for this kernel must add: nmi-tty/, with
    its adaptation for an older kernel applied (scripts/kernel-env.sh)."""
    with tempfile.TemporaryDirectory(prefix="nmidbg-driver-") as d:
        p = subprocess.run(["bash", "-c", 'root="$1"; . "$root/scripts/kernel-env.sh"; '
                            'kernel_driver "$2"', "-", ROOT, d],
                           env=dict(os.environ, KERNEL=kernel),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=60)
        if p.returncode != 0:
            return None, p.stdout
        out = {}
        for home in DRIVER.values():
            with open(os.path.join(d, home)) as f:
                out[home] = f.read()
        return out, ""


def added_file(patch_text, path):
    """The content of a file the patch creates."""
    m = re.search(r"(?ms)^diff --git a/%s b/%s\nnew file mode.*?^@@ -0,0 \+1,\d+ @@\n(.*?)(?=^diff --git |^-- \n|\Z)"
                  % (re.escape(path), re.escape(path)), patch_text)
    if not m:
        return None
    return "".join(l[1:] + "\n" for l in m.group(1).splitlines())


class TestSeries(unittest.TestCase):
    kernel = "6.12"

    def env(self):
        return dict(os.environ, KERNEL=self.kernel)

    def test_checkpatch_strict_clean(self):
        p = subprocess.run([os.path.join(ROOT, "scripts", "kernel-series.sh"),
                            "check"], stdout=subprocess.PIPE, env=self.env(),
                           stderr=subprocess.STDOUT, text=True, timeout=600)
        self.assertEqual(p.returncode, 0, p.stdout)

    def test_driver_is_nmi_tty_unchanged(self):
        wanted, why = driver_for(self.kernel)
        self.assertIsNotNone(wanted, "the %s driver cannot be made from "
                             "nmi-tty/: %s" % (self.kernel, why))
        found = {}
        for name in series(self.kernel):
            with open(os.path.join(SERIES_DIRS[self.kernel], name)) as f:
                text = f.read()
            for path in DRIVER:
                content = added_file(text, path)
                if content is not None:
                    found[path] = content
        for path, home in DRIVER.items():
            self.assertEqual(found.get(path), wanted[home],
                             "%s in the %s series differs from nmi-tty/%s: "
                             "run KERNEL=%s scripts/kernel-series.sh sync"
                             % (path, self.kernel, home, self.kernel))

    def test_each_patch_builds(self):
        if os.environ.get("NMIDBG_SERIES_BUILD") != "1":
            self.skipTest("NMIDBG_SERIES_BUILD=1 builds every patch (make check-series)")
        p = subprocess.run([os.path.join(ROOT, "scripts", "series-bisect-build.sh")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=self.env(), text=True, timeout=3600)
        self.assertEqual(p.returncode, 0, p.stdout[-4000:])

    def test_each_patch_is_signed_off_with_a_message(self):
        for name in series(self.kernel):
            with open(os.path.join(SERIES_DIRS[self.kernel], name)) as f:
                text = f.read()
            head = text.split("\n---\n", 1)[0]
            body = head.split("\n\n", 1)[1] if "\n\n" in head else ""
            self.assertIn("Signed-off-by:", body, name)
            prose = [l for l in body.splitlines()
                     if l.strip() and not l.startswith("Signed-off-by:")]
            self.assertGreaterEqual(len(prose), 3, "%s: no real commit message" % name)


def changed_lines(kernel):
    """{subject: {path: [+/- lines]}} for every patch of a series: what a
    patch changes, without line numbers or context."""
    out = {}
    for name in series(kernel):
        with open(os.path.join(SERIES_DIRS[kernel], name)) as f:
            text = f.read()
        head, body = text.split("\n---\n", 1)
        subject = re.search(r"(?m)^Subject: \[PATCH \d+/\d+\] (.*(?:\n .*)*)",
                            head).group(1).replace("\n", "")
        files, path = {}, None
        for line in body.splitlines():
            m = re.match(r"diff --git a/(\S+) b/", line)
            if m:
                path = m.group(1)
                files[path] = []
            elif path and line[:1] in "+-" and not line.startswith(("+++ ", "--- ")):
                files[path].append(line)
        out[subject] = files
    return out


# 6.12 patches the 6.1 series does not carry, and why.
NOT_ON_6_1 = {
    "kgdb: report the packet size and serve binary memory reads":
        "a speed-up, not a way in: 6.1's kgdb answers qSupported with nothing "
        "and nmidbg reads it with 'm'; not ported yet",
    "kgdboc: send binary replies unchanged":
        "only serves the binary reads above",
}

# (subject, file): why the 6.1 patch changes that file's lines otherwise.
ADAPTED_ON_6_1 = {
    ("serial: 8250: let the polled port serve an NMI console",
     "drivers/tty/serial/8250/8250_port.c"):
        "6.1 has no uart_port_lock_irqsave(): spin_lock_irqsave(&port->lock)",
    ("serial: 8250: let the polled port serve an NMI console",
     "drivers/tty/serial/8250/8250_core.c"):
        "6.1 copies the 8250 callbacks inside an if block: one indent more",
}


class Linux61Series(TestSeries):
    """The same for the 6.1 series."""
    kernel = "6.1"

    def test_carries_every_6_12_patch_unchanged(self):
        """Every patch of the 6.12 series is in the 6.1 series under the
        same subject and changes the same lines (the driver aside: it is
        checked against nmi-tty/ and its 6.1 adaptation), so a change to
        the 6.12 series that was not ported to 6.1 is caught here."""
        ours = changed_lines("6.1")
        for subject, files in changed_lines("6.12").items():
            if subject in NOT_ON_6_1:
                self.assertNotIn(subject, ours, "ported now: drop it from "
                                 "NOT_ON_6_1")
                continue
            self.assertIn(subject, ours, "6.12 patch missing from the 6.1 "
                          "series (port it, or say why not in NOT_ON_6_1): "
                          + subject)
            for path, lines in files.items():
                if path in DRIVER or (subject, path) in ADAPTED_ON_6_1:
                    continue
                self.assertEqual(ours[subject].get(path), lines,
                                 "%s: the 6.1 patch changes %s otherwise "
                                 "than the 6.12 one: port the change"
                                 % (subject, path))


class TestKconfig(unittest.TestCase):
    """ttyNMI calls request_nmi(), which modules cannot: with kgdboc as a
    module (which calls ttyNMI), Kconfig must not offer ttyNMI at all."""

    def test_modular_kgdboc_excludes_ttynmi(self):
        src = os.path.join(ROOT, "build", "cache", "linux-source-6.12")
        if not os.path.isdir(os.path.join(src, ".git")):
            self.skipTest("no kernel tree: `make board` extracts it")
        import tempfile
        with tempfile.TemporaryDirectory(prefix="nmidbg-kconfig-") as out:
            mk = ["make", "-s", "-C", src, "ARCH=arm64", "O=" + out]
            frag = os.path.join(out, "frag.config")
            with open(frag, "w") as f:
                f.write("".join("CONFIG_%s\n" % o for o in (
                    "MODULES=y", "TTY=y", "SERIAL_AMBA_PL011=y",
                    "SERIAL_AMBA_PL011_CONSOLE=y", "ARM64_PSEUDO_NMI=y",
                    "DEBUG_KERNEL=y", "KGDB=y", "KGDB_SERIAL_CONSOLE=m",
                    "SERIAL_NMI_TTY=y")))
            subprocess.run(mk + ["allnoconfig"], check=True, timeout=300,
                           stdout=subprocess.DEVNULL)
            subprocess.run([os.path.join(src, "scripts", "kconfig",
                                         "merge_config.sh"), "-m", "-O", out,
                            os.path.join(out, ".config"), frag], check=True,
                           timeout=300, env=dict(os.environ, ARCH="arm64"),
                           stdout=subprocess.DEVNULL)
            subprocess.run(mk + ["olddefconfig"], check=True, timeout=300,
                           stdout=subprocess.DEVNULL)
            with open(os.path.join(out, ".config")) as f:
                config = f.read()
        self.assertIn("CONFIG_KGDB_SERIAL_CONSOLE=m\n", config)
        self.assertNotIn("CONFIG_SERIAL_NMI_TTY=y", config)
