# SPDX-License-Identifier: GPL-3.0-or-later
"""A short, bounded libFuzzer run of every parser target (make fuzz runs
them longer).  A target aborts on a crash, a sanitizer report, or a broken
property (round trip, split invariance)."""
import glob
import os
import subprocess
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("NMIDBG_BUILD", os.path.join(ROOT, "build"))


class TestFuzz(unittest.TestCase):
    def test_each_target_briefly(self):
        targets = sorted(glob.glob(os.path.join(BUILD, "fuzz", "fuzz_*")))
        names = {os.path.basename(t) for t in targets}
        self.assertEqual(names, {"fuzz_mode", "fuzz_rsp", "fuzz_telnet", "fuzz_triage"})
        for t in targets:
            with self.subTest(target=os.path.basename(t)):
                p = subprocess.run([t, "-runs=300000", "-max_total_time=30",
                                    "-seed=1"], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True,
                                   timeout=120)
                self.assertEqual(p.returncode, 0, p.stdout[-3000:])
                self.assertIn("Done", p.stdout)
