"""Shared helpers for parley's black-box integration tests.

Each test_<behaviour>.py is a standalone script: `python3 test_x.py PATH/TO/parley`.
It prints one line per check ("ok   ..." or "FAIL ..." with details), a final
"N passed, N failed" line, and exits 0 only when every check passed.

This module keeps the rules every test must follow in one place:
- the whole script is bounded (SIGALRM after SCRIPT_BUDGET seconds),
- every subprocess has a hard timeout and is the parley binary itself,
- every process started here is killed by its PID when the script ends,
- all files live in one temporary directory, removed at the end
  (set PARLEY_KEEP_TMP=1 to keep it for a post-mortem).
"""

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SCRIPT_BUDGET = 55  # seconds; ctest's own limit is higher, this one fails with a message

_started = []  # every Popen this script started; stopped by PID in _stop_all


class ScriptTimeout(Exception):
    pass


class Checks:
    """Counts and prints checks, one line each."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what, detail=None):
        if ok:
            self.passed += 1
            print(f"ok   {what}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {what}", flush=True)
            if detail:
                for line in str(detail).rstrip().splitlines():
                    print(f"     | {line}", flush=True)
        return bool(ok)

    def info(self, message):
        print(f"  .. {message}", flush=True)


def _tail(text, n):
    """The first few and the last lines of `text` (the first error is often the cause)."""
    lines = text.splitlines()
    if not lines:
        return "(empty)"
    if len(lines) <= n:
        return "\n".join(lines)
    head = min(5, n // 3)
    return "\n".join(lines[:head] + [f"... ({len(lines) - n} lines skipped)"]
                     + lines[len(lines) - (n - head):])


class Result:
    """A finished run of parley: exit code (None if it timed out), stdout, stderr."""

    def __init__(self, args, rc, out, err, timed_out, elapsed):
        self.args, self.rc, self.out, self.err = args, rc, out, err
        self.timed_out, self.elapsed = timed_out, elapsed

    @property
    def lines(self):
        return self.out.splitlines()

    def describe(self, tail=20):
        status = "timed out (killed)" if self.timed_out else f"exit {self.rc}"
        return (f"command: {shlex.join(self.args)}\n{status} after {self.elapsed:.2f} s\n"
                f"stdout:\n{_tail(self.out, tail)}\nstderr:\n{_tail(self.err, tail)}")


def _popen(args, stdin, cwd):
    args = [str(a) for a in args]
    proc = subprocess.Popen(args, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=cwd, text=True, encoding="utf-8", errors="replace")
    _started.append(proc)
    return proc


def run(args, input=None, timeout=20, cwd=None):
    """Run parley to completion (killed after `timeout` s); `input` is fed to stdin."""
    args = [str(a) for a in args]
    start = time.monotonic()
    proc = _popen(args, subprocess.PIPE if input is not None else subprocess.DEVNULL, cwd)
    try:
        out, err = proc.communicate(input, timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        timed_out = True
    return Result(args, None if timed_out else proc.returncode, out, err, timed_out,
                  time.monotonic() - start)


class Process:
    """A parley that keeps running (serve, or chat fed line by line); threads collect
    its output as it comes, so the test can wait for a given line."""

    def __init__(self, args, cwd=None, stdin=False):
        self.args = [str(a) for a in args]
        self.started = time.monotonic()
        self.proc = _popen(self.args, subprocess.PIPE if stdin else subprocess.DEVNULL, cwd)
        self.pid = self.proc.pid
        self._cond = threading.Condition()
        self.streams = {"out": [], "err": []}  # lists of (monotonic time, line)
        self._eof = {"out": False, "err": False}
        self._readers = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, "out"), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, "err"), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _pump(self, stream, name):
        try:
            for line in stream:
                with self._cond:
                    self.streams[name].append((time.monotonic(), line.rstrip("\n")))
                    self._cond.notify_all()
        finally:
            with self._cond:
                self._eof[name] = True
                self._cond.notify_all()

    def lines(self, name):
        with self._cond:
            return [line for _, line in self.streams[name]]

    def count(self, name):
        with self._cond:
            return len(self.streams[name])

    def wait_line(self, name, pattern, timeout, start=0):
        """Index and match of the first line (from `start`) of stream `name` matching
        `pattern`, or None after `timeout` s or once the stream ended."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                lines = self.streams[name]
                for i in range(start, len(lines)):
                    m = regex.search(lines[i][1])
                    if m:
                        return i, m
                start = len(lines)
                left = deadline - time.monotonic()
                if left <= 0 or self._eof[name]:
                    return None
                self._cond.wait(min(left, 0.1))

    def wait_count(self, name, n, timeout):
        """True once stream `name` has at least `n` lines; False after `timeout` s."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.streams[name]) < n:
                left = deadline - time.monotonic()
                if left <= 0 or self._eof[name]:
                    return False
                self._cond.wait(min(left, 0.1))
            return True

    def send(self, line):
        """Write one input line; False if parley no longer reads its stdin."""
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, ValueError, OSError):
            return False

    def close_stdin(self):
        try:
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    def alive(self):
        return self.proc.poll() is None

    def signal(self, sig):
        if self.proc.poll() is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def kill9(self):
        self.signal(signal.SIGKILL)
        return self.wait(10)

    def wait(self, timeout):
        """Exit code, or None if it had to be killed after `timeout` s."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.proc.wait(10)
            rc = None
        for reader in self._readers:
            reader.join(5)
        return rc

    def describe(self, tail=20):
        rc = self.proc.poll()
        status = "still running" if rc is None else f"exit {rc}"
        return (f"command: {shlex.join(self.args)}\n{status}, "
                f"{time.monotonic() - self.started:.2f} s since start\n"
                f"stdout:\n{_tail(chr(10).join(self.lines('out')), tail)}\n"
                f"stderr:\n{_tail(chr(10).join(self.lines('err')), tail)}")


def copy_fixture(name, dest):
    """Copy tests/fixtures/NAME to DEST (created) and return DEST as a Path."""
    dest = Path(dest)
    shutil.copytree(FIXTURES / name, dest)
    return dest


def _stop_all():
    for proc in _started:
        if proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                pass


def main(test, budget=SCRIPT_BUDGET):
    """Run `test(parley_path, checks, tmpdir)` under the rules above and exit."""
    if len(sys.argv) != 2:
        print(f"usage: python3 {sys.argv[0]} PATH/TO/parley", file=sys.stderr)
        sys.exit(2)
    parley = Path(sys.argv[1]).resolve()
    if not parley.is_file() or not os.access(parley, os.X_OK):
        print(f"FAIL parley binary not found or not executable: {parley}", flush=True)
        sys.exit(2)

    def on_alarm(signum, frame):
        raise ScriptTimeout(f"the whole test took longer than {budget} s")

    checks = Checks()
    tmp = Path(tempfile.mkdtemp(prefix="parley-it-"))
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(budget)
    try:
        test(str(parley), checks, tmp)
    except ScriptTimeout as e:
        checks.check(False, str(e))
    except Exception:
        checks.check(False, "the test script itself raised an exception", traceback.format_exc())
    finally:
        signal.alarm(0)
        _stop_all()
        if os.environ.get("PARLEY_KEEP_TMP"):
            print(f"  .. kept temporary files in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{checks.passed} passed, {checks.failed} failed", flush=True)
    sys.exit(0 if checks.failed == 0 and checks.passed > 0 else 1)
