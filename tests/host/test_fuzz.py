# SPDX-License-Identifier: GPL-3.0-or-later
"""A short, bounded libFuzzer run of every target, the parsers' and the
JSON writer's (make fuzz runs them longer), from the committed seeds with
each target's dictionary.  A target aborts on a crash, a sanitizer
report, or a broken property (round trip, split invariance, valid JSON).
Nothing is written in the checkout: new inputs and artifacts go under the
build directory."""
import glob
import os
import subprocess
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("NMIDBG_BUILD", os.path.join(ROOT, "build"))
FUZZ = os.path.join(ROOT, "tests", "fuzz")
TARGETS = {"fuzz_doctor", "fuzz_drgncore", "fuzz_fleet", "fuzz_gdbin", "fuzz_jsonw", "fuzz_mode", "fuzz_ocd", "fuzz_rsp",
           "fuzz_telnet", "fuzz_telnet_port", "fuzz_triage"}


class TestFuzz(unittest.TestCase):
    def test_each_target_briefly(self):
        targets = sorted(glob.glob(os.path.join(BUILD, "fuzz", "fuzz_*")))
        self.assertEqual({os.path.basename(t) for t in targets}, TARGETS)
        artifacts = os.path.join(BUILD, "fuzz", "artifacts") + os.sep
        os.makedirs(artifacts, exist_ok=True)
        for t in targets:
            name = os.path.basename(t)
            with self.subTest(target=name):
                seeds = os.path.join(FUZZ, "corpus", name)
                self.assertTrue(os.listdir(seeds), "no seeds for " + name)
                work = os.path.join(BUILD, "fuzz", "brief-corpus", name)
                os.makedirs(work, exist_ok=True)
                p = subprocess.run([t, "-runs=50000", "-max_total_time=30",
                                    "-seed=1", "-artifact_prefix=" + artifacts,
                                    "-dict=" + os.path.join(FUZZ, name + ".dict"),
                                    work, seeds],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, timeout=120, cwd=BUILD)
                self.assertEqual(p.returncode, 0, p.stdout[-3000:])
                self.assertIn("Done", p.stdout)
                self.assertNotIn("ParseDictionaryFile", p.stdout)

    def test_seeds_and_dictionaries_are_committed_for_every_target(self):
        for name in TARGETS:
            self.assertTrue(os.path.isfile(os.path.join(FUZZ, name + ".c")), name)
            self.assertTrue(os.path.isfile(os.path.join(FUZZ, name + ".dict")), name)
            self.assertTrue(os.listdir(os.path.join(FUZZ, "corpus", name)), name)

    def test_no_fuzzer_output_in_the_checkout(self):
        stray = [f for pat in ("crash-*", "leak-*", "timeout-*", "oom-*", "slow-unit-*")
                 for f in glob.glob(os.path.join(ROOT, pat))]
        self.assertEqual(stray, [])
