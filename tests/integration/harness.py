"""Shared helpers for parley's black-box integration tests.

Each test_<behaviour>.py is a standalone script: `python3 test_x.py PATH/TO/parley`.
It prints one line per check ("ok   ..." or "FAIL ..." with details), a final
"N passed, N failed" line, and exits 0 only when every check passed.

This module keeps the rules every test must follow in one place:
- the whole script is bounded (SIGALRM after SCRIPT_BUDGET seconds),
- every subprocess has a hard timeout and is the parley binary itself (or a peer the
  test runs against, such as the node Telegram emulator of test_telegram_e2e.py),
- every process started here is killed by its PID when the script ends, and every
  HTTP server (Sink, SlowService) is shut down,
- all files live in one temporary directory, removed at the end
  (set PARLEY_KEEP_TMP=1 to keep it for a post-mortem).

It also holds what the tests of `parley serve` share: start_serve and serve_checked
(port 0, the port read from its log), request, post_event and metric for its HTTP side,
Sink (a recording stand-in for a channel's API: the tenants' callback), SlowService (an
HTTP service a bot waits on), wait_for / run_until, copy_fixture's placeholder
substitution, and for the fake channel APIs: pacing_problems / check_rate (outbound
pacing checked from arrival times) and check_slow_answer (an answer later than parley's
send timeout).
"""

import http.client
import json
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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SCRIPT_BUDGET = 55  # seconds; ctest's own limit is higher, this one fails with a message
START_TIMEOUT = 15  # seconds for serve's first log line (sanitizer builds start slowly)
LISTENING = r"listening on http://([\d.]+):(\d+)"  # serve's log line once it takes webhooks

_started = []  # every Popen this script started; stopped by PID in _stop_all
_servers = []  # every HTTP server this script started; shut down in _stop_all


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


def run_until(args, done, within, step=0.3, **options):
    """run(args, **options) again every `step` s until done(result) holds, for at most
    `within` s (then once more): the last Result."""
    last = None

    def attempt():
        nonlocal last
        last = run(args, **options)
        return done(last)

    wait_for(attempt, within, step)
    return last


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

    def stop(self, timeout=20):
        """SIGTERM, then wait(timeout): the exit code, or None if it had to be killed."""
        self.signal(signal.SIGTERM)
        return self.wait(timeout)

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


def copy_fixture(name, dest, **placeholders):
    """Copy tests/fixtures/NAME to DEST (created) and return DEST as a Path. Each KEY=VALUE
    replaces @KEY@ by VALUE in the copy's .lua files (a KEY found in none is an error)."""
    dest = Path(dest)
    shutil.copytree(FIXTURES / name, dest)
    unused = set(placeholders)
    for lua in sorted(dest.rglob("*.lua")):
        text = lua.read_text()
        for key, value in placeholders.items():
            if f"@{key}@" in text:
                text = text.replace(f"@{key}@", str(value))
                unused.discard(key)
        lua.write_text(text)
    if unused:
        raise ValueError(f"fixture {name} has no placeholder @{'@, @'.join(sorted(unused))}@")
    return dest


def wait_for(pred, timeout, step=0.05):
    """Polls pred() every `step` s: True as soon as it is true, else after `timeout` s its
    last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


# ---- parley serve over HTTP ---------------------------------------------------------------

def start_serve(parley, tenants, data, cwd, workers=2, extra=()):
    """Start `parley serve` on 127.0.0.1 port 0 (plus the options in `extra`) and read the
    port from its 'listening on http://HOST:PORT' line: (Process, (host, port)), or
    (Process, None) if that line did not come within START_TIMEOUT s."""
    serve = Process([parley, "serve", "--tenants", tenants, "--data", data,
                     "--listen", "127.0.0.1:0", "--workers", workers, *extra], cwd=cwd)
    found = serve.wait_line("err", LISTENING, START_TIMEOUT)
    return serve, (found[1].group(1), int(found[1].group(2))) if found else None


def serve_checked(checks, what, parley, tenants, data, cwd, **options):
    """start_serve (`options`: workers, extra) as a check "WHAT logs 'listening on
    http://HOST:PORT'": (Process, (host, port)), or (Process, None) if it failed."""
    serve, base = start_serve(parley, tenants, data, cwd, **options)
    checks.check(base is not None, f"{what} logs 'listening on http://HOST:PORT'",
                 serve.describe())
    return serve, base


def request(base, method, path, body=None, headers=None, timeout=10, source=None):
    """One HTTP request to base = (host, port) on a fresh connection: (status, headers as a
    dict with lower-case names, body text), or (None, {}, the error) if it failed. `source`
    binds the client's address (any 127.x.y.z is this machine: several clients)."""
    conn = http.client.HTTPConnection(*base, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return (resp.status, {k.lower(): v for k, v in resp.getheaders()},
                resp.read().decode("utf-8", "replace"))
    except (OSError, http.client.HTTPException) as e:
        return None, {}, f"{type(e).__name__}: {e}"
    finally:
        conn.close()


def post_event(base, tenant, event, secret, channel="http", timeout=10):
    """POST `event` (a dict, sent as JSON) to /hook/TENANT/CHANNEL with the X-Parley-Secret
    header, as a channel does: request()'s (status, headers, body text)."""
    return request(base, "POST", f"/hook/{tenant}/{channel}", json.dumps(event),
                   {"Content-Type": "application/json", "X-Parley-Secret": secret}, timeout)


def metric(base, name, tenant=None):
    """The value of `name` in /metrics: its series {tenant="TENANT"} if `tenant` is given,
    else the sum over all its label sets; None if absent or /metrics did not answer 200."""
    status, _, text = request(base, "GET", "/metrics")
    labels = (rf'\{{tenant="{re.escape(tenant)}"\}}' if tenant is not None
              else r"(?:\{[^}]*\})?")
    found = re.findall(rf"^{re.escape(name)}{labels} (\d+)$", text, re.M) if status == 200 else []
    return sum(int(v) for v in found) if found else None


def pacing_problems(times, rate, burst, slack=0.1):
    """Where arrival times (seconds) break a token bucket of `rate` per second holding
    `burst` (parley's pacing): any n messages in a window [t_i, t_j] must satisfy
    n <= burst + rate * (t_j - t_i + slack), slack absorbing network jitter. A list of
    strings (empty if the pacing held)."""
    times = sorted(times)
    problems = []
    for i in range(len(times)):
        for j in range(i + 1, len(times)):
            n, span = j - i + 1, times[j] - times[i]
            if n > burst + rate * (span + slack):
                problems.append(f"{n} messages in {span:.2f} s (at most {burst} at once, "
                                f"then {rate}/s)")
    return problems[:5]


def check_rate(checks, what, times, rate, burst=None):
    """One check "WHAT: at most BURST at once, then RATE/s" of arrival `times` (seconds),
    with the offending windows or the gaps as detail; burst defaults to rate (parley's
    bucket holds one second's worth, at least 1)."""
    burst = burst or max(1, rate)
    problems = pacing_problems(times, rate, burst)
    times = sorted(times)
    return checks.check(not problems, f"{what}: at most {burst} at once, then {rate}/s",
                        problems or [round(b - a, 2) for a, b in zip(times, times[1:])])


SEND_TIMEOUT = 10  # seconds parley waits for a channel API's answer (runtime/worker.c)
SLOW_ANSWER = SEND_TIMEOUT + 1.5  # how long a fake holds its answer for a "slow answer"


def check_slow_answer(checks, who, receipts, api):
    """Checks what a fake API saw of one message whose first send it answered (200) only
    after SLOW_ANSWER s: `receipts` are its records of that message, in order (dicts with
    t, the arrival time, and status). parley gives up after SEND_TIMEOUT and sends it
    again: not lost. The fake delivered the first one too, so the user got it twice - `api`
    has no idempotency key - checked as the known at-least-once duplicate it is."""
    gap = receipts[1]["t"] - receipts[0]["t"] if len(receipts) >= 2 else None
    checks.check(len(receipts) == 2 and gap is not None
                 and SEND_TIMEOUT - 0.5 <= gap <= SLOW_ANSWER + 2,
                 f"{who}a send answered only after {SLOW_ANSWER} s: parley gives up after its "
                 f"{SEND_TIMEOUT} s send timeout and sends it again (not lost)",
                 [(r["t"], r["status"]) for r in receipts])
    checks.check(len(receipts) == 2 and all(r["status"] == 200 for r in receipts),
                 f"{who}... but the fake delivered both: the user sees the message twice (no "
                 f"idempotency key in the {api}; a known at-least-once duplicate)",
                 [r["status"] for r in receipts])


def parse_json(text):
    """The JSON document in `text` (str or bytes), or None if it is not JSON."""
    try:
        return json.loads(text)
    except ValueError:
        return None


def json_error(text):
    """parley's error body {"error": ..., "detail": ...} (both non-empty strings) parsed, or
    None if `text` is not one."""
    doc = parse_json(text)
    if isinstance(doc, dict) and isinstance(doc.get("error"), str) and doc["error"] \
            and isinstance(doc.get("detail"), str) and doc["detail"]:
        return doc
    return None


# ---- the test's own HTTP servers ----------------------------------------------------------

class QuietHTTPServer(ThreadingHTTPServer):
    """A server of the test's own: its threads never hold up close or exit, and its listen
    backlog is large (the default 5 drops SYNs under a burst: 1 s retransmit stalls)."""
    daemon_threads = True
    block_on_close = False
    request_queue_size = 512


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that logs nothing and answers with `answer`."""

    def log_message(self, *args):
        pass

    def json_body(self):
        """The request's body as a JSON object ({} if it is not one)."""
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = parse_json(raw)
        return body if isinstance(body, dict) else {}

    def answer(self, status, payload, headers=None):
        """Sends status, `headers`, and the JSON bytes `payload`; False if the client had
        gone (e.g. parley gave up waiting)."""
        try:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return True
        except OSError:
            return False


def serve_http(handler, port=0):
    """Serves `handler` (a QuietHandler class) on 127.0.0.1:PORT (0: a free port) from a
    daemon thread; returns the server."""
    server = QuietHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    _servers.append(server)
    return server


def close_http(server):
    """Shuts down a server of serve_http: it stops listening (connections are refused)."""
    if server in _servers:
        _servers.remove(server)
        server.shutdown()
        server.server_close()


def answer_ok(receipt):
    """Sink's default answer: 200 at once."""
    return 200, {}, 0


class Sink:
    """A stand-in for a channel's API, i.e. a tenant's callback: records every POST and
    answers it as `answer(receipt)` says: (status, extra headers, seconds to stay silent
    first); the body is {"ok":true}, or a JSON error from status 400 on.

    A receipt is a dict: t (time.monotonic() on arrival), path, key (Idempotency-Key),
    attempt (receipts of that key so far, this one included), body (the parsed JSON, or the
    raw text if it is not JSON), tenant, chat (chat_id) and text ("" if none) of a JSON
    object (else None, None and the raw text), status (what was answered; 0 if the sink
    stayed silent first, as the sender may have given up by then) and silence.
    close() stops listening (connections are refused); open() listens again on the same
    port."""

    def __init__(self, answer=answer_ok):
        self.answer = answer
        self.lock = threading.Lock()
        self.got = []
        self.attempts = {}  # Idempotency-Key -> receipts so far
        self.server = None
        self.port = 0
        self.open()

    def url(self, path="/sink"):
        return f"http://127.0.0.1:{self.port}{path}"

    def open(self):
        sink = self

        class Handler(QuietHandler):
            def do_POST(self):
                t = time.monotonic()
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                raw_text = raw.decode("utf-8", "replace")
                body = parse_json(raw)
                key = self.headers.get("Idempotency-Key")
                if isinstance(body, dict):
                    tenant, chat, text = body.get("tenant"), body.get("chat_id"), \
                        body.get("text") or ""
                else:
                    tenant, chat, text = None, None, raw_text
                with sink.lock:
                    attempt = sink.attempts[key] = sink.attempts.get(key, 0) + 1
                receipt = {"t": t, "path": self.path, "key": key, "attempt": attempt,
                           "body": raw_text if body is None else body,
                           "tenant": tenant, "chat": chat, "text": text}
                status, headers, silence = sink.answer(dict(receipt))
                with sink.lock:
                    sink.got.append({**receipt, "status": 0 if silence else status,
                                     "silence": silence})
                if silence:
                    time.sleep(silence)
                self.answer(status, b'{"ok":true}' if status < 400
                            else b'{"error":"refused by the test sink"}', headers)

        self.server = serve_http(Handler, self.port)
        self.port = self.server.server_address[1]

    def close(self):
        """Stops listening: new connections are refused (until open())."""
        if self.server is not None:
            close_http(self.server)
            self.server = None

    def snapshot(self):
        """The receipts so far (copies), in order of arrival."""
        with self.lock:
            return [dict(g) for g in self.got]

    def find(self, tenant=None, chat=None, pattern=None, text=None):
        """The receipts so far whose tenant, chat and text are as given (pattern: a regex
        searched in the text; None: any)."""
        regex = re.compile(pattern) if pattern is not None else None
        return [g for g in self.snapshot()
                if (tenant is None or g["tenant"] == tenant) and (chat is None or g["chat"] == chat)
                and (text is None or g["text"] == text)
                and (regex is None or regex.search(g["text"]))]

    def wait_count(self, n, timeout):
        """True once at least `n` POSTs arrived; False after `timeout` s."""
        return wait_for(lambda: len(self.snapshot()) >= n, timeout)


class SlowService:
    """An HTTP service a bot calls (bot.http.request) at `url`: answers each GET with
    {"slow":true} after delay(n) s, n being the request's number (1, 2, ...); records the
    arrivals (time, path) and the peak of requests in flight at once (resettable)."""

    def __init__(self, delay):
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.arrivals = []
        self.active = 0
        self.peak = 0
        svc = self

        class Handler(QuietHandler):
            def do_GET(self):
                with svc.cond:
                    svc.arrivals.append((time.monotonic(), self.path))
                    n = len(svc.arrivals)
                    svc.active += 1
                    svc.peak = max(svc.peak, svc.active)
                    svc.cond.notify_all()
                time.sleep(delay(n))
                with svc.cond:
                    svc.active -= 1
                self.answer(200, b'{"slow":true}')

        self.server = serve_http(Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slow"

    def wait_active(self, n, timeout):
        """True once at least n requests are in flight; False after `timeout` s."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.active < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
            return True

    def reset_peak(self):
        with self.lock:
            self.peak = self.active

    def snapshot(self):
        """(the arrivals so far, the peak in flight since the last reset_peak)."""
        with self.lock:
            return list(self.arrivals), self.peak

    def close(self):
        close_http(self.server)


def _stop_all():
    for server in list(_servers):
        close_http(server)
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
