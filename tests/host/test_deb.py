# SPDX-License-Identifier: GPL-3.0-or-later
"""The Debian package (`make deb`, debian/): lintian has nothing to say
about it, its dependencies are exactly the libraries the binary links,
it holds what `make install` installs, and, unpacked with `dpkg-deb -x`
into a temporary root, its nmidbg runs from there: version, help, the
bash completion, and a fake-board triage whose gdb takes gdbscripts/
from the unpacked tree's share/nmidbg."""
import atexit
import filecmp
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from host.fake_board import FakeBoard
from host.test_doctor_fake import BANNER, btc, elf, log, memory
from host.test_kgdb_fake import fd_lister, tiny_vmlinux

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("NMIDBG_BUILD", os.path.join(ROOT, "build"))


def build_deb():
    """`make deb` (a no-op when `make test` built it already): its path."""
    p = subprocess.run(["make", "-s", "--no-print-directory", "BUILD=" + BUILD, "deb"],
                       cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=900)
    if p.returncode:
        raise AssertionError("make deb failed:\n" + p.stdout[-4000:])
    return re.findall(r"^deb: (\S+\.deb)$", p.stdout, re.M)[-1]


def package_of(path):
    """The Debian package that installed the file (merged /usr: either name)."""
    for p in (path, re.sub(r"^/usr/", "/", path) if path.startswith("/usr/")
              else "/usr" + path):
        q = subprocess.run(["dpkg-query", "-S", p], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
        if q.returncode == 0:
            return q.stdout.split(":")[0]
    raise AssertionError("no package has " + path)


def source_files(directory):
    """Files under directory (relative), caches left out."""
    out = set()
    for top, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        out |= {os.path.relpath(os.path.join(top, f), directory)
                for f in files if not f.endswith(".pyc")}
    return out


class DebPackage(unittest.TestCase):
    deb = None

    def setUp(self):
        # Built and unpacked once for the class (tests/run.py runs each
        # test on its own, without the class fixtures).
        cls = type(self)
        if cls.deb is None:
            cls.tmp = tempfile.mkdtemp(prefix="nmidbg-deb-")
            atexit.register(shutil.rmtree, cls.tmp, True)
            cls.root = os.path.join(cls.tmp, "root")
            cls.nmidbg = os.path.join(cls.root, "usr", "bin", "nmidbg")
            deb = build_deb()
            subprocess.run(["dpkg-deb", "-x", deb, cls.root], check=True, timeout=60)
            cls.deb = deb

    def field(self, name):
        return subprocess.run(["dpkg-deb", "-f", self.deb, name], stdout=subprocess.PIPE,
                              text=True, check=True).stdout.strip()

    def run_packaged(self, *args, env=None, cwd=None, timeout=60):
        # Nothing points it at the source tree: what it finds, it finds
        # from where it was unpacked.
        e = {k: v for k, v in os.environ.items() if not k.startswith("NMIDBG_")}
        e.update(env or {})
        return subprocess.run([self.nmidbg] + list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=timeout,
                              env=e, cwd=cwd or self.tmp)

    def packaged(self, *parts):
        return os.path.join(self.root, "usr", "share", *parts)

    def test_lintian_is_clean(self):
        p = subprocess.run(["lintian", "--fail-on", "error,warning,info,pedantic",
                            "--display-info", "--pedantic", self.deb],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual([l for l in p.stdout.splitlines() if re.match(r"[EWIPX]: ", l)],
                         [], p.stdout)

    def test_name_version_and_relations(self):
        version = self.field("Version")
        self.assertEqual(os.path.basename(self.deb), "nmidbg_%s_%s.deb" % (
            version, self.field("Architecture")))
        # The one version: what the Makefile builds into nmidbg.
        with open(os.path.join(ROOT, "VERSION")) as f:
            self.assertTrue(version.startswith(f.read().strip() + "+g"), version)
        self.assertEqual(self.field("Recommends"), "gdb-multiarch, openocd")
        self.assertEqual(self.field("Suggests"), "python3-drgn, python3-labgrid")
        # Depends: exactly the packages of the libraries the binary links
        # (its DT_NEEDED, found where the loader finds them), and python3
        # for the labgrid driver's module (dh_python3 says so).
        depends = {d.split()[0] for d in self.field("Depends").split(", ")}
        self.assertIn("python3:any", depends)
        depends.discard("python3:any")
        dyn = subprocess.run(["readelf", "-d", self.nmidbg], stdout=subprocess.PIPE,
                             text=True, check=True).stdout
        ldd = subprocess.run(["ldd", self.nmidbg], stdout=subprocess.PIPE, text=True,
                             check=True).stdout
        where = dict(re.findall(r"^\s*(\S+) => (/\S+)", ldd, re.M))
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^]]+)\]", dyn)
        self.assertIn("libserialport.so.0", needed)
        linked = {package_of(where[n]) for n in needed}
        self.assertEqual(depends, linked)
        self.assertTrue({"libserialport0", "libreadline8", "libdw1", "libelf1"} <= depends)

    def test_holds_what_make_install_installs(self):
        self.assertTrue(os.access(self.nmidbg, os.X_OK))
        self.assertTrue(os.path.exists(self.packaged("man", "man1", "nmidbg.1.gz")))
        for name in ("nmidbg.py", "batch.py", "kaslr.py", "nmidbg_drgn.py"):
            self.assertTrue(filecmp.cmp(self.packaged("nmidbg", "gdbscripts", name),
                                        os.path.join(ROOT, "gdbscripts", name), shallow=False))
        self.assertTrue(filecmp.cmp(self.packaged("bash-completion", "completions", "nmidbg"),
                                    os.path.join(ROOT, "contrib", "nmidbg.bash-completion"),
                                    shallow=False))
        # Each series whole and uncompressed, with its README: documentation.
        doc = self.packaged("doc", "nmidbg", "kernel-patches")
        for series in ("", "linux-6.1"):
            src = os.path.join(ROOT, "kernel-patches", series)
            with open(os.path.join(src, "series")) as f:
                names = [l.strip() for l in f if l.strip() and not l.startswith("#")]
            self.assertGreater(len(names), 10)
            for name in names + ["0000-cover-letter.patch"]:
                self.assertTrue(filecmp.cmp(os.path.join(doc, series, name),
                                            os.path.join(src, name), shallow=False), name)
        self.assertTrue(filecmp.cmp(os.path.join(doc, "README.md"),
                                    os.path.join(ROOT, "kernel-patches", "README.md"),
                                    shallow=False))
        # The labgrid driver's package, as contrib/labgrid/ holds it, and its README.
        labgrid = os.path.join(ROOT, "contrib", "labgrid", "nmidbg_labgrid")
        packaged = os.path.join(self.root, "usr", "lib", "python3", "dist-packages",
                                "nmidbg_labgrid")
        files = source_files(labgrid)
        self.assertEqual(source_files(packaged), files)
        self.assertIn("pytest_plugin.py", files)
        for name in files:
            self.assertTrue(filecmp.cmp(os.path.join(packaged, name),
                                        os.path.join(labgrid, name), shallow=False), name)
        self.assertTrue(filecmp.cmp(self.packaged("doc", "nmidbg", "labgrid", "README.md"),
                                    os.path.join(ROOT, "contrib", "labgrid", "README.md"),
                                    shallow=False))

    def test_the_packaged_labgrid_driver_registers(self):
        """/usr/bin/python3 with the unpacked tree's dist-packages, as the
        installed package is found: labgrid knows NmidbgDriver."""
        site = os.path.join(self.root, "usr", "lib", "python3", "dist-packages")
        p = subprocess.run(["/usr/bin/python3", "-c",
                            "import nmidbg_labgrid, nmidbg_labgrid.pytest_plugin\n"
                            "from labgrid.factory import target_factory\n"
                            "print(nmidbg_labgrid.__file__)\n"
                            "print(target_factory.drivers['NmidbgDriver'].__module__)"],
                           env=dict(os.environ, PYTHONPATH=site), cwd=self.tmp,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        where, module = p.stdout.split()
        self.assertEqual(os.path.dirname(where), os.path.join(site, "nmidbg_labgrid"))
        self.assertEqual(module, "nmidbg_labgrid.driver")

    def test_version_help_and_completion_from_the_unpacked_tree(self):
        p = self.run_packaged("version")
        self.assertEqual((p.returncode, p.stdout), (0, "nmidbg %s\n" % self.field("Version")))
        p = self.run_packaged("help")
        self.assertEqual(p.returncode, 0, p.stderr)
        for name in ("attach", "doctor", "gdb", "jtag", "kdb", "triage"):
            self.assertRegex(p.stdout, r"(?m)^  %s\b" % name)
        p = subprocess.run(["bash", "-c", "source %s && complete -p nmidbg"
                            % self.packaged("bash-completion", "completions", "nmidbg")],
                           stdout=subprocess.PIPE, text=True, timeout=30)
        self.assertEqual(p.stdout.strip(), "complete -F _nmidbg nmidbg")

    def test_fake_board_triage_takes_the_packaged_gdbscripts(self):
        """triage --gdb from the unpacked tree: the report, and gdb given
        share/nmidbg/gdbscripts/nmidbg.py of that tree, which it runs (with
        no kernel helpers on this vmlinux it says so from that file)."""
        ours = self.packaged("nmidbg", "gdbscripts", "nmidbg.py")
        gdb, out = fd_lister(self.tmp, "gdb-triage", then="gdb-multiarch")
        vmlinux = os.path.join(self.tmp, "vmlinux-banner")
        with open(vmlinux, "wb") as f:
            f.write(elf(BANNER))
        b = FakeBoard(telnet=True, log=log(), memory=memory(), btc=btc())
        self.addCleanup(b.close)
        md = os.path.join(self.tmp, "r.md")
        p = self.run_packaged("triage", b.spec, "--vmlinux", vmlinux, "--gdb", "-o", md,
                              env={"NMIDBG_GDB": gdb})
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(md[:-3] + ".json") as f:
            j = json.load(f)
        self.assertEqual((j["schema"], j["via"], j["after"]), ("nmidbg-triage", "serial", "running"))
        self.assertEqual({c["cpu"]: c["where"] for c in j["cpus"]},
                         {0: "cpu_do_idle", 1: "cpu_do_idle"})
        self.assertIs(j["vmlinux"]["running_kernel"], True)
        with open(out) as f:
            argv = json.load(f)["argv"]
        scripts = [os.path.realpath(argv[i + 1]) for i, a in enumerate(argv) if a == "-x"]
        self.assertEqual(scripts, [os.path.realpath(ours)], argv)
        m = re.search(r'File "([^"]+)", line \d+, in <module>', p.stderr)
        self.assertTrue(m, p.stderr)
        self.assertEqual(os.path.realpath(m.group(1)), os.path.realpath(ours))
        self.assertIn("nmidbg.py needs the kernel's vmlinux-gdb.py", p.stderr)

    def test_gdb_batch_takes_the_packaged_batch_py(self):
        """gdb --batch from the unpacked tree: its batch.py counts a failed
        command (exit 1, the first named) and the rest still run."""
        b = FakeBoard()
        self.addCleanup(b.close)
        p = self.run_packaged("gdb", b.spec, "--vmlinux", tiny_vmlinux(self.tmp), "--batch",
                              "--", "-ex", "frobnicate", "-ex", "x/4xb 0x1000")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertNotIn("gdb's exit status is its last command's only", p.stderr)
        self.assertIn("nmidbg: 1 gdb command failed, the first: frobnicate", p.stderr)
        self.assertIn("0x1000:\t0x00\t0x01\t0x02\t0x03", p.stdout)
        self.assertIn("the board is running", p.stderr)


if __name__ == "__main__":
    unittest.main()
