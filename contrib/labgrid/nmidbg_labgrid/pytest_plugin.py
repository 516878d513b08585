# SPDX-License-Identifier: GPL-3.0-or-later
"""A pytest hook for labgrid's pytest plugin: when a test fails, in its
setup (a strategy booting the board) or its body (a labgrid expect
timing out is a failure too), and the board looks hung on its console,
run nmidbg triage on it before anything power-cycles it, and attach the
report to the test's result.

Off unless asked: `pytest --lg-env env.yaml -p nmidbg_labgrid.pytest_plugin
--nmidbg-triage silent` (or `nmidbg_triage = silent` in pytest.ini).
  silent  triage when the board looks hung (NmidbgDriver.hung()): after
          an empty line, nothing back for --nmidbg-silence seconds
          (default 5) but kernel log lines, or kdb's prompt (an oops or
          a panic stopped it in the debugger)
  always  triage on every failure
The target is the environment's "main" (--nmidbg-target ROLE); it needs
an NmidbgDriver.  Reports go in --nmidbg-dir (default nmidbg-reports/),
one pair per failed test, named after it (a test that fails again gets
NAME-2...; the directory is never cleaned); the Markdown is a section of
the test's report,
both paths are user properties (in --junitxml), and the parsed JSON is
the report's `nmidbg_triage` attribute for other plugins.

The hook runs in the test's own report, before its fixtures' teardown:
a strategy that power-cycles in the next test's setup (or in teardown)
finds the evidence already collected.  pytest-timeout's signal method
ends a test as a failure and so gets a triage too (its timer is
cancelled first: triage has its own deadline); its thread method exits
the process and does not.
"""
import hashlib
import os
import re

import pytest

MODES = ("off", "silent", "always")


def pytest_addoption(parser):
    group = parser.getgroup("nmidbg", "nmidbg triage of a hung board")
    group.addoption("--nmidbg-triage", choices=MODES, default=None,
                    help="triage the board on a failed test: off (default), "
                         "silent (when its console does not answer), always")
    group.addoption("--nmidbg-silence", type=float, default=None, metavar="S",
                    help="seconds the console has to answer an empty line (default 5)")
    group.addoption("--nmidbg-dir", default=None, metavar="DIR",
                    help="where the reports go (default nmidbg-reports)")
    group.addoption("--nmidbg-target", default=None, metavar="ROLE",
                    help="the environment's target to triage (default main)")
    parser.addini("nmidbg_triage", "off, silent or always", default="off")
    parser.addini("nmidbg_silence", "seconds, default 5", default="5")
    parser.addini("nmidbg_dir", "where the reports go", default="nmidbg-reports")
    parser.addini("nmidbg_target", "the target's role", default="main")


def pytest_configure(config):
    if _option(config, "triage") not in MODES:
        raise pytest.UsageError("nmidbg_triage is off, silent or always, not %r"
                                % _option(config, "triage"))
    try:
        silence = float(_option(config, "silence"))
    except ValueError:
        silence = -1
    if not 0 < silence <= 3600:
        raise pytest.UsageError("nmidbg_silence is seconds, more than 0 and at most 3600, not %r"
                                % _option(config, "silence"))


def _option(config, name):
    value = config.getoption("nmidbg_" + name)
    return value if value is not None else config.getini("nmidbg_" + name)


def _report_name(nodeid, out_dir):
    """A file name for nodeid's reports in out_dir: readable, at most 100
    characters and a hash (two ids that read alike differ), -2, -3...
    after a report already there."""
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_.-")[:100]
    base += "-" + hashlib.sha1(nodeid.encode()).hexdigest()[:8]
    name, n = base, 1
    while os.path.exists(os.path.join(out_dir, name + ".json")):
        n += 1
        name = "%s-%d" % (base, n)
    return name


def _triage(item, mode):
    """Triage item's board; (section title, text, result or None)."""
    config = item.config
    env = getattr(config, "_labgrid_env", None)
    if env is None:
        return "nmidbg triage", "not run: no labgrid environment (--lg-env)", None
    target = env.get_target(_option(config, "target"))
    if target is None:
        return "nmidbg triage", "not run: no target %r" % _option(config, "target"), None
    driver = target.get_driver("NmidbgDriver")
    silence = float(_option(config, "silence"))
    if mode == "silent" and not driver.hung(silence):
        return ("nmidbg triage",
                "not run: the console answered within %g s (the board is not hung)" % silence,
                None)
    out_dir = os.path.abspath(_option(config, "dir"))
    name = _report_name(item.nodeid, out_dir)
    old = driver.report_dir
    driver.report_dir = out_dir
    try:
        result = driver.triage(name=name)
    finally:
        driver.report_dir = old
    # The board's own bytes, as they came: not always UTF-8.
    with open(result["markdown"], encoding="utf-8", errors="replace") as f:
        text = f.read()
    if driver.console_error:
        text += "\n(the console did not open again: %s)\n" % driver.console_error
    return "nmidbg triage: " + result["markdown"], text, result


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    mode = _option(item.config, "triage")
    if report.when not in ("setup", "call") or not report.failed or mode == "off":
        return
    cancel = getattr(item.ihook, "pytest_timeout_cancel_timer", None)
    if cancel:
        cancel(item=item)
    try:
        title, text, result = _triage(item, mode)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:  # the test's own failure stays the one reported
        title, text, result = "nmidbg triage", "failed: %s: %s" % (type(e).__name__, e), None
    report.sections.append((title, text))
    if result:
        report.nmidbg_triage = result["report"]
        # junitxml writes the teardown report's, which come from the item.
        for prop in (("nmidbg_triage_md", result["markdown"]),
                     ("nmidbg_triage_json", result["json"])):
            item.user_properties.append(prop)
            report.user_properties.append(prop)
