# SPDX-License-Identifier: GPL-3.0-or-later
"""The kernel series in kernel-patches/: checkpatch --strict clean, the
driver it adds identical to nmi-tty/, and every patch a real one."""
import os
import re
import subprocess
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PATCHES = os.path.join(ROOT, "kernel-patches")


def series():
    with open(os.path.join(PATCHES, "series")) as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]


def added_file(patch_text, path):
    """The content of a file the patch creates."""
    m = re.search(r"(?ms)^diff --git a/%s b/%s\nnew file mode.*?^@@ -0,0 \+1,\d+ @@\n(.*?)(?=^diff --git |^-- \n|\Z)"
                  % (re.escape(path), re.escape(path)), patch_text)
    if not m:
        return None
    return "".join(l[1:] + "\n" for l in m.group(1).splitlines())


class TestSeries(unittest.TestCase):
    def test_checkpatch_strict_clean(self):
        p = subprocess.run([os.path.join(ROOT, "scripts", "kernel-series.sh"),
                            "check"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=600)
        self.assertEqual(p.returncode, 0, p.stdout)

    def test_driver_is_nmi_tty_unchanged(self):
        wanted = {"drivers/tty/serial/nmi_tty.c": "nmi_tty.c",
                  "include/linux/nmi_tty.h": "nmi_tty.h"}
        found = {}
        for name in series():
            with open(os.path.join(PATCHES, name)) as f:
                text = f.read()
            for path, home in wanted.items():
                content = added_file(text, path)
                if content is not None:
                    found[path] = content
        for path, home in wanted.items():
            with open(os.path.join(ROOT, "nmi-tty", home)) as f:
                self.assertEqual(found.get(path), f.read(),
                                 "%s in the series differs from nmi-tty/%s: "
                                 "run scripts/kernel-series.sh sync" % (path, home))

    def test_each_patch_is_signed_off_with_a_message(self):
        for name in series():
            with open(os.path.join(PATCHES, name)) as f:
                text = f.read()
            head = text.split("\n---\n", 1)[0]
            body = head.split("\n\n", 1)[1] if "\n\n" in head else ""
            self.assertIn("Signed-off-by:", body, name)
            prose = [l for l in body.splitlines()
                     if l.strip() and not l.startswith("Signed-off-by:")]
            self.assertGreaterEqual(len(prose), 3, "%s: no real commit message" % name)


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
