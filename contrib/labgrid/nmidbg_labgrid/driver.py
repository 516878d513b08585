# SPDX-License-Identifier: GPL-3.0-or-later
"""NmidbgDriver: labgrid's way to nmidbg on a place's serial line.

The driver binds to the place's serial resource (NetworkSerialPort, as a
lab's ser2net exports it, RFC 2217 or raw; or RawSerialPort, a local
tty) and runs the nmidbg program on it, one command at a time.  nmidbg
needs to be the line's one writer (ser2net merges what several clients
write, and kdb's answers would be read by two), so while it works the
driver closes the target's active SerialDriver on the same resource, when
there is one, and opens it again after: the console keeps logging from
then on, and what nmidbg saw is in its JSON and reports.  The driver is
not the SerialDriver's client: activating it deactivates none of the
SerialDriver's own clients (ShellDriver, a bootloader's driver).

A method returns nmidbg's answer (a parsed JSON document, a report's
paths, a bool: each says which) and raises NmidbgError when nmidbg gave
none (its exit status, stderr and any JSON it wrote are on the
exception).  nmidbg cut short (a timeout, Ctrl-C, pytest-timeout) is
sent SIGTERM and given time to leave the board as asked.
"""
import contextlib
import json
import logging
import os
import re
import subprocess
import tempfile
import time

import attr
from labgrid.binding import BindingState
from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.resource import NetworkSerialPort, SerialPort
from labgrid.step import step
from labgrid.util.proxy import proxymanager
from pexpect import TIMEOUT

# nmidbg(1), EXIT STATUS: the ones a method still has an answer for.
EXIT_OK, EXIT_FAIL = 0, 1
EXIT_NOT_RUN = 127     # ours: nmidbg could not be started, or did not end

# On the console: kdb's prompt or pager (a board stopped in the debugger),
# and a kernel log line (printk's timestamp), which is no shell's answer.
KDB_PROMPT = re.compile(rb"(\[\d+\])?kdb> |more> ")
KERNEL_LINE = re.compile(rb"^[^\n]*\[\s*\d+\.\d+\][^\n]*(\n|$)", re.M)


def looks_hung(answer):
    """Whether answer, what a console gave back for an empty line, is a
    hung board's: kdb's prompt or pager in it, or nothing but kernel log
    lines; any other byte (a prompt, the line's echo) is something that
    runs."""
    return bool(KDB_PROMPT.search(answer)) or not KERNEL_LINE.sub(b"", answer)


class NmidbgError(Exception):
    """nmidbg ended without the answer asked for.

    exit: its exit status (nmidbg(1)); stderr: what it said; document:
    the JSON it wrote (its failure document: "error", "after"), or None.
    """

    def __init__(self, what, exit, stderr, document=None):
        self.exit, self.stderr, self.document = exit, stderr, document
        last = stderr.strip().splitlines()[-1] if stderr.strip() else "no message"
        super().__init__("%s: nmidbg exit %d: %s" % (what, exit, last))


def _positive(attribute, value):
    if not 0 < value <= 86400:
        raise ValueError("NmidbgDriver: %s is seconds, more than 0 and at most 86400, not %r"
                         % (attribute.name, value))


def _optional_str():
    return attr.ib(default=None, validator=attr.validators.optional(
        attr.validators.instance_of(str)))


@target_factory.reg_driver
@attr.s(eq=False)
class NmidbgDriver(Driver):
    """nmidbg on the target's serial line.

    Attributes (the environment file's driver section):
      nmidbg: the program (default "nmidbg" on PATH).
      vmlinux, modules: for triage's file:line (a path, or a key of the
        file's `images:`); modules is a directory of .ko files.
      method, knock, timeout: nmidbg's --method, --knock, --timeout (s).
      deadline: --deadline of each command, seconds (default 300).
      set_speed: send the resource's speed to an RFC 2217 server
        (SET-BAUDRATE); by default the line keeps the speed the lab's
        ser2net set.  A local tty always gets its speed.
      report_dir: where triage writes (default: a new temporary dir).
    """
    bindings = {"port": {"SerialPort", "NetworkSerialPort"}}

    nmidbg = attr.ib(default="nmidbg", validator=attr.validators.instance_of(str))
    vmlinux = _optional_str()
    modules = _optional_str()
    method = attr.ib(default="auto", validator=attr.validators.in_(
        ["auto", "knock", "break", "sysrq"]))
    knock = _optional_str()
    timeout = attr.ib(default=5.0, converter=float, validator=lambda i, a, v: _positive(a, v))
    deadline = attr.ib(default=300.0, converter=float, validator=lambda i, a, v: _positive(a, v))
    set_speed = attr.ib(default=False, validator=attr.validators.instance_of(bool))
    report_dir = _optional_str()

    def __attrs_post_init__(self):
        super().__attrs_post_init__()
        self.logger = logging.getLogger("NmidbgDriver(%s)" % self.target.name)
        self.console_error = None   # why the console did not open again, or None

    # ---- the line ----
    def port_spec(self):
        """The nmidbg PORT for the bound resource (nmidbg(1), PORTS)."""
        if isinstance(self.port, NetworkSerialPort):
            host, port = proxymanager.get_host_and_port(self.port)
            if self.port.protocol == "rfc2217":
                spec = "rfc2217://%s:%d" % (host, port)
                return spec + (",%d" % self.port.speed if self.set_speed else "")
            if self.port.protocol == "raw":
                return "tcp:%s:%d" % (host, port)
            raise ValueError("NmidbgDriver: protocol %r is neither rfc2217 nor raw"
                             % self.port.protocol)
        assert isinstance(self.port, SerialPort)
        return "%s,%d" % (self.port.port, self.port.speed)

    def console(self):
        """The target's active SerialDriver on this driver's resource, or
        None.  Looked up, not bound: a binding would make labgrid
        deactivate the SerialDriver's other clients."""
        for d in self.target.drivers:
            if (type(d).__name__ == "SerialDriver" and d.state is BindingState.active and
                    d.port is self.port):
                return d
        return None

    @contextlib.contextmanager
    def line(self):
        """The line for nmidbg alone: the SerialDriver closed meanwhile,
        opened again after, whatever happened (a server that still holds
        nmidbg's connection is given a few seconds to let it go)."""
        console = self.console()
        held = console is not None and console.status
        if held:
            console.close()
        try:
            yield self.port_spec()
        finally:
            if held:
                self._reopen(console)

    def _reopen(self, console):
        """Open the console again.  If it will not, that is logged and kept
        in console_error, never raised: what nmidbg found (a triage's
        report) matters more, and the console's next use fails on its own
        with labgrid's error."""
        end = time.monotonic() + 5
        while True:
            try:
                console.open()
                self.console_error = None
                return
            except Exception as e:      # pyserial's SerialException, OSError
                if time.monotonic() < end:
                    time.sleep(0.25)
                    continue
                self.console_error = str(e)
                self.logger.error("the console did not open again: %s", e)
                return

    def _resolve(self, path):
        if path is None:
            return None
        try:
            return self.target.env.config.get_image_path(path)
        except (KeyError, AttributeError):
            pass
        env = getattr(self.target, "env", None)
        return env.config.resolve_path(path) if env else os.path.abspath(path)

    def _breakin_args(self):
        args = ["--method", self.method, "--timeout", "%g" % self.timeout,
                "--deadline", "%g" % self.deadline]
        return args + (["--knock", self.knock] if self.knock else [])

    def _run(self, what, args):
        """nmidbg with args on the line; (exit status, stdout, stderr)."""
        with self.line() as spec:
            argv = [self.nmidbg, what, spec] + args
            self.logger.debug("running %s", " ".join(argv))
            t0 = time.monotonic()
            try:
                # stderr quotes the board ("last seen: ..."): not always UTF-8.
                p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, encoding="utf-8",
                                     errors="replace")
            except OSError as e:
                raise NmidbgError(what, EXIT_NOT_RUN, "cannot run %s: %s" % (self.nmidbg, e))
            try:
                out, err = p.communicate(timeout=self.deadline + 30)
            except BaseException as e:
                # SIGTERM: nmidbg leaves the board as asked, then exits.
                p.terminate()
                try:
                    p.communicate(timeout=2 * self.timeout + 5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.communicate()
                if isinstance(e, subprocess.TimeoutExpired):
                    raise NmidbgError(what, EXIT_NOT_RUN, "nmidbg did not end within %g s"
                                      % (self.deadline + 30)) from e
                raise
        self.logger.info("nmidbg %s: exit %d in %.1f s", what, p.returncode,
                         time.monotonic() - t0)
        for line in err.splitlines():
            self.logger.info("nmidbg %s: %s", what, line)
        return p.returncode, out, err

    @staticmethod
    def _json(text):
        try:
            doc = json.loads(text)
        except ValueError:
            return None
        return doc if isinstance(doc, dict) else None

    # ---- what a test or a strategy calls ----
    @Driver.check_active
    @step(title="nmidbg break_in", result=True)
    def break_in(self):
        """Stop the board in kdb and prove it (kdb answers `cpu`); it stays
        stopped until resume().  Returns {"how", "ms", "cpu", "cpus"}:
        how it got in ("already", "knock", "break", "sysrq"), the time to
        the prompt in ms, kdb's CPU and kdb's line of online CPUs."""
        doc = self.kdb(["cpu"], stay=True)
        lines = doc["commands"][0]["output"]
        cpus = next((l.split(":", 1)[1].strip() for l in lines
                     if l.startswith("Available cpus:")), None)
        return {"how": doc["entry"]["how"], "ms": doc["entry"]["ms"],
                "cpu": doc["cpu"], "cpus": cpus}

    @Driver.check_active
    @step(title="nmidbg kdb", args=["commands"], result=False)
    def kdb(self, commands, stay=False):
        """Run kdb commands (a list of strings, at most 64), breaking in
        if needed; the board resumes after unless stay.  Returns nmidbg's
        nmidbg-kdb document (docs/json.md): per command its output lines."""
        if isinstance(commands, str):
            commands = [commands]
        args = [a for c in commands for a in ("-c", c)] + ["--json"]
        rc, out, err = self._run("kdb", args + (["--stay"] if stay else []) +
                                 self._breakin_args())
        doc = self._json(out)
        if rc != EXIT_OK or doc is None:
            raise NmidbgError("kdb", rc, err, doc)
        return doc

    @Driver.check_active
    @step(title="nmidbg triage", result=False)
    def triage(self, vmlinux=None, modules=None, stay=False, name="triage"):
        """Break in, collect every CPU's stack, the D-state tasks and the
        log; resume after unless stay.  vmlinux and modules default to the
        driver's.  Returns {"markdown": path, "json": path, "report": the
        parsed nmidbg-triage document, "exit": nmidbg's status} whenever
        nmidbg wrote a report (exit 7: a CPU did not stop; 8: the vmlinux
        is not the board's, the report has kdb's evidence without
        file:line; the report says which)."""
        vmlinux = self._resolve(vmlinux or self.vmlinux)
        modules = self._resolve(modules or self.modules)
        out_dir = self.report_dir or tempfile.mkdtemp(prefix="nmidbg-triage-")
        os.makedirs(out_dir, exist_ok=True)
        md = os.path.join(out_dir, name + ".md")
        js = os.path.join(out_dir, name + ".json")
        for old in (md, js):    # a report here is this run's, or none
            with contextlib.suppress(FileNotFoundError):
                os.unlink(old)
        args = ["-o", md, "--json", js] + (["--stay"] if stay else [])
        if vmlinux:
            args += ["--vmlinux", vmlinux] + (["--modules", modules] if modules else [])
        rc, _, err = self._run("triage", args + self._breakin_args())
        if not os.path.exists(js):
            raise NmidbgError("triage", rc, err)
        with open(js) as f:
            report = json.load(f)
        return {"markdown": md, "json": js, "report": report, "exit": rc}

    @Driver.check_active
    @step(title="nmidbg doctor", result=False)
    def doctor(self, vmlinux=None):
        """On a running board: can it be entered when every CPU hangs?
        Returns the nmidbg-doctor document ("yes", "verdict", "checks");
        a "no" is an answer too.  Raises when doctor reached no verdict."""
        vmlinux = self._resolve(vmlinux or self.vmlinux)
        args = ["--json"] + (["--vmlinux", vmlinux] if vmlinux else [])
        rc, out, err = self._run("doctor", args + self._breakin_args())
        doc = self._json(out)
        if doc is None or rc not in (EXIT_OK, EXIT_FAIL) or "checks" not in doc:
            raise NmidbgError("doctor", rc, err, doc)
        return doc

    @Driver.check_active
    @step(title="nmidbg resume", result=True)
    def resume(self):
        """Let a board stopped in kdb run; one that runs is left alone.
        Returns True when it was in kdb and now runs, False when kdb did
        not answer (the board runs, or is in kgdb: any other method takes
        it from there and resumes it)."""
        rc, out, err = self._run("resume", ["--timeout", "%g" % self.timeout,
                                            "--deadline", "%g" % self.deadline])
        if rc != EXIT_OK:
            raise NmidbgError("resume", rc, err)
        return out.startswith("resumed")

    @Driver.check_active
    def hung(self, seconds=5.0):
        """Whether the board looks hung from its console: an empty line
        sent, and for seconds nothing back but kernel log lines (not even
        the line's echo); or kdb's
        prompt back (stopped in the debugger: an oops, a panic, someone's
        break-in).  True when there is no SerialDriver to ask.  What
        waited in the console's buffer is read first and does not count;
        a console that fails raises."""
        console = self.console()
        if console is None or not console.status:
            return True
        self._read_for(console, 2.0, quiet=0.1)
        console.write(b"\r")
        return looks_hung(self._read_for(console, seconds))

    @staticmethod
    def _read_for(console, seconds, quiet=None):
        """What the console gives in seconds (or until quiet seconds pass
        without a byte)."""
        got, end = b"", time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                got += console.read(size=4096, timeout=min(quiet or 0.2,
                                                          max(end - time.monotonic(), 0)))
            except TIMEOUT:
                if quiet:
                    break
        return got
