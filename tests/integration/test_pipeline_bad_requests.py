#!/usr/bin/env python3
"""Malformed webhook requests get a clear 4xx, change nothing, and do not disturb the
server.

One tenant "br" (fixture pipeline_bot) on the generic http channel, its replies POSTed to
a sink run by this script. Each bad request below must get its status with a JSON body
{"error": ..., "detail": ...}:
  truncated request (half the headers / half the body, then close)   -> no answer; the
                                                                        server answers the next
  body over 1 MiB (Content-Length, and chunked)  -> 413
  invalid JSON, missing/invalid fields           -> 400
  Content-Type text/plain or none                -> 415
  wrong or missing X-Parley-Secret               -> 401
  unknown tenant, unknown channel                -> 404
  GET on a hook                                  -> 405
  a garbage request line                         -> 400; headers over 16 KiB -> 431
  slowloris (one header byte every 0.5 s)        -> cut (408) within ~10-12 s, while the
                                                    others are served
  pipelined requests on one connection           -> answered in order
Good events are sent between them. At the end /metrics parley_events_accepted_total
counts only the good events, the sink got exactly their replies, and after SIGTERM
(exit 0, so no leak report under ASan) `parley history` holds only the good events.

Usage: python3 test_pipeline_bad_requests.py PATH/TO/parley
"""

import json
import re
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import harness  # noqa: E402  (tests/integration/harness.py)

TENANT = "br"
SECRET = "pipeline-secret-1"   # fixtures/pipeline_bot/tenant.lua
MAX_BODY = 1 << 20
SLOWLORIS_LIMIT = 12.5         # s: the header timeout is 10 s from accept
BUDGET = 60


def read_responses(sock, count, timeout=10):
    """Reads up to `count` HTTP responses (Content-Length framed) from sock; returns a list
    of (status, headers dict (lower-case names), body bytes) and whether the peer closed."""
    sock.settimeout(timeout)
    buf, out, closed = b"", [], False
    deadline = time.monotonic() + timeout
    while len(out) < count:
        head_end = buf.find(b"\r\n\r\n")
        if head_end >= 0:
            lines = buf[:head_end].decode("latin-1").split("\r\n")
            m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            if len(buf) >= head_end + 4 + length:
                status = int(m.group(1)) if m else None
                if status == 100:  # 100 Continue: not an answer
                    buf = buf[head_end + 4:]
                    continue
                out.append((status, headers, buf[head_end + 4:head_end + 4 + length]))
                buf = buf[head_end + 4 + length:]
                continue
        if closed or time.monotonic() > deadline:
            break
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        except OSError:
            closed = True
            continue
        if not chunk:
            closed = True
        buf += chunk
    return out, closed


def raw_request(base, data, count=1, timeout=10):
    """Sends raw bytes on a fresh connection; returns (responses, closed)."""
    with socket.create_connection(base, timeout=timeout) as s:
        try:
            s.sendall(data)
        except OSError:
            pass  # the server may answer and close before taking everything
        return read_responses(s, count, timeout)


def http_bytes(method, path, body=b"", headers=None, close=True):
    hdrs = {"Host": "127.0.0.1", **(headers or {})}
    if body or method == "POST":
        hdrs.setdefault("Content-Length", str(len(body)))
    if close:
        hdrs["Connection"] = "close"
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
    return head.encode() + b"\r\n" + body


def hook_bytes(event, tenant=TENANT, channel="http", secret=SECRET,
               ctype="application/json", close=True):
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    headers = {}
    if ctype is not None:
        headers["Content-Type"] = ctype
    if secret is not None:
        headers["X-Parley-Secret"] = secret
    return http_bytes("POST", f"/hook/{tenant}/{channel}", body, headers, close)


class Slowloris(threading.Thread):
    """Sends a request's headers one byte every 0.5 s; records when the server cut it."""

    def __init__(self, base):
        super().__init__(daemon=True)
        self.base = base
        self.elapsed = None
        self.answer = None
        self.sent = 0
        self.error = None

    def run(self):
        data = hook_bytes({"id": "slow-1", "chat_id": "slow", "text": "BAD-slowloris"})
        start = time.monotonic()
        try:
            s = socket.create_connection(self.base, timeout=20)
        except OSError as e:
            self.error = f"connect: {e}"
            return
        s.settimeout(0.5)
        buf = b""
        try:
            for byte in data:
                try:
                    s.sendall(bytes([byte]))
                    self.sent += 1
                except OSError:
                    break
                try:
                    chunk = s.recv(65536)  # waits up to 0.5 s: the drip interval
                    if not chunk:
                        break
                    buf += chunk
                except socket.timeout:
                    continue
                except OSError:
                    break
                if time.monotonic() - start > 20:
                    break
        finally:
            self.elapsed = time.monotonic() - start
            if buf:
                self.answer = buf
            s.close()


def test(parley, checks, tmp):
    sink = harness.Sink()
    tenants = tmp / "tenants"
    tenant = harness.copy_fixture("pipeline_bot", tenants / TENANT, CALLBACK=sink.url(),
                                  LIMITS="")
    data = tmp / "data"
    serve, base = harness.serve_checked(checks, "serve", parley, tenants, data, tmp)
    if base is None:
        return

    slow = Slowloris(base)
    slow.start()

    good_texts = []

    def good(n, what):
        text = f"good-{n}"
        resps, _ = raw_request(base, hook_bytes({"id": f"g{n}", "chat_id": "c1", "text": text}))
        ok = resps and resps[0][0] == 200 and json.loads(resps[0][2]) == {"ok": True}
        if ok:
            good_texts.append(text)
        checks.check(ok, f"{what}: a good event is answered 200 {{\"ok\":true}}",
                     f"answer: {resps}\n{serve.describe(10)}")

    def expect(status, what, data, count=1):
        resps, closed = raw_request(base, data, count)
        got = resps[0] if resps else None
        ok = got is not None and got[0] == status
        doc = harness.json_error(got[2]) if got else None
        checks.check(ok and doc is not None,
                     f"{what} -> {status} with a JSON body {{error, detail}}",
                     f"answer: {got}" if got else f"no answer (peer closed: {closed})")
        return got

    accepted0 = harness.metric(base, "parley_events_accepted_total")
    checks.check(accepted0 == 0, "/metrics: parley_events_accepted_total starts at 0",
                 f"got {accepted0}")
    good(1, "before the bad requests")

    # Truncated requests: the peer goes away mid-request.
    event = hook_bytes({"id": "trunc-1", "chat_id": "c1", "text": "BAD-truncated"})
    head_end = event.index(b"\r\n\r\n") + 4
    for label, cut in (("half of the headers", head_end // 2),
                       ("the headers and half of the body", head_end + (len(event) - head_end) // 2)):
        with socket.create_connection(base, timeout=5) as s:
            s.sendall(event[:cut])
            time.sleep(0.1)
        good(2 if cut < head_end else 3, f"after a request cut after {label}")

    # Body over the limit.
    big = b'{"id":"big-1","chat_id":"c1","text":"BAD-big' + b"x" * (MAX_BODY + 10) + b'"}'
    expect(413, "a body of 1 MiB + 60 bytes (Content-Length)", hook_bytes(big))
    chunked = http_bytes("POST", f"/hook/{TENANT}/http", b"", {
        "Content-Type": "application/json", "X-Parley-Secret": SECRET,
        "Transfer-Encoding": "chunked"})
    chunked = chunked.replace(b"Content-Length: 0\r\n", b"")
    step = 64 * 1024
    for off in range(0, len(big), step):
        part = big[off:off + step]
        chunked += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    expect(413, "a chunked body over 1 MiB", chunked + b"0\r\n\r\n")

    # Bodies that are not a valid event.
    expect(400, "invalid JSON", hook_bytes(b'{"id": "bad-json", "chat_id": "c1", "text": "BAD-'))
    expect(400, "a JSON array", hook_bytes(b'["BAD-array"]'))
    expect(400, "missing \"id\"", hook_bytes({"chat_id": "c1", "text": "BAD-noid"}))
    expect(400, "missing \"chat_id\"", hook_bytes({"id": "bad-nochat", "text": "BAD-nochat"}))
    expect(400, "no text, button or start", hook_bytes({"id": "bad-none", "chat_id": "c1"}))
    expect(400, "both text and button",
           hook_bytes({"id": "bad-two", "chat_id": "c1", "text": "BAD-two", "button": "b"}))
    expect(400, "\"id\" not a string", hook_bytes({"id": 7, "chat_id": "c1", "text": "BAD-id"}))
    expect(400, "an empty body", hook_bytes(b""))

    # Headers.
    ev = {"id": "bad-hdr", "chat_id": "c1", "text": "BAD-header"}
    expect(415, "Content-Type: text/plain", hook_bytes(ev, ctype="text/plain"))
    expect(415, "no Content-Type", hook_bytes(ev, ctype=None))
    expect(401, "a wrong X-Parley-Secret", hook_bytes(ev, secret="wrong-secret-1"))
    expect(401, "no X-Parley-Secret", hook_bytes(ev, secret=None))
    expect(404, "an unknown tenant", hook_bytes(ev, tenant="nosuchtenant"))
    expect(404, "an unknown channel", hook_bytes(ev, channel="telegram"))
    got = expect(405, "GET on a hook", http_bytes("GET", f"/hook/{TENANT}/http"))
    if got:
        checks.check(got[1].get("allow", "").upper() == "POST", "405 says Allow: POST",
                     f"headers: {got[1]}")
    expect(400, "a garbage request line", b"HELLO THERE\r\n\r\n")
    expect(431, "headers over 16 KiB",
           hook_bytes(ev).replace(b"\r\n\r\n", b"\r\nX-Big: " + b"y" * 17000 + b"\r\n\r\n", 1))
    good(4, "after the bad requests")

    # Pipelined: four requests in one write, answered in order.
    pipeline = (hook_bytes({"id": "g5", "chat_id": "c1", "text": "good-5"}, close=False)
                + hook_bytes({"id": "g1", "chat_id": "c1", "text": "good-1"}, close=False)
                + hook_bytes(b'{"BAD-pipelined', close=False)
                + http_bytes("GET", "/healthz", close=True))
    resps, _ = raw_request(base, pipeline, count=4)
    shape = [(st, json.loads(body) if body else None) for st, _, body in resps]
    want = [200, 200, 400, 200]
    ok = ([st for st, _ in shape] == want and shape[0][1] == {"ok": True}
          and shape[1][1] == {"ok": True, "duplicate": True} and harness.json_error(resps[2][2])
          and shape[3][1].get("tenants") == 1)
    if ok:
        good_texts.append("good-5")
    checks.check(ok, "4 pipelined requests on one connection are answered in order "
                 "(new event, duplicate, bad JSON, /healthz)", f"answers: {shape}")

    # Slowloris: cut by the header timeout while all of the above was served.
    slow.join(25)
    answer = (slow.answer or b"").split(b"\r\n", 1)[0].decode("latin-1")
    checks.check(slow.elapsed is not None and slow.elapsed <= SLOWLORIS_LIMIT
                 and slow.sent < len(hook_bytes({"id": "slow-1", "chat_id": "slow",
                                                 "text": "BAD-slowloris"})),
                 f"slowloris (a header byte every 0.5 s) is cut within {SLOWLORIS_LIMIT} s",
                 f"error: {slow.error}; cut after {slow.elapsed} s, {slow.sent} bytes sent")
    checks.check(" 408 " in answer + " ", "slowloris gets 408 before the cut",
                 f"first answer line: {answer!r}")
    checks.info(f"slowloris cut after {slow.elapsed:.1f} s ({slow.sent} bytes sent): {answer!r}"
                if slow.elapsed is not None else "slowloris did not finish")

    # Nothing changed by the bad ones.
    accepted = harness.metric(base, "parley_events_accepted_total")
    checks.check(accepted == len(good_texts),
                 f"/metrics: parley_events_accepted_total counts only the {len(good_texts)} "
                 "good events", f"got {accepted}")
    rejected = harness.metric(base, "parley_requests_rejected_total")
    checks.info(f"parley_requests_rejected_total = {rejected}")
    want_replies = sorted(f"c1 #{n} {t}" for n, t in enumerate(good_texts, 1))
    arrived = sink.wait_count(len(want_replies) + 1, 10)  # + the timer good-5 arms
    if arrived:
        time.sleep(0.3)  # and nothing more arrives
    replies = sorted(g["text"] for g in sink.snapshot() if " timer " not in g["text"])
    checks.check(arrived and replies == want_replies,
                 "the sink got exactly the replies to the good events",
                 f"got {replies}\nwant {want_replies}")

    checks.check(serve.stop() == 0, "SIGTERM -> exit 0 (no leak report under ASan)",
                 serve.describe())
    sanitizer = [line for line in serve.lines("err") if "Sanitizer" in line]
    checks.check(not sanitizer, "no sanitizer report on stderr", "\n".join(sanitizer[:10]))
    sink.close()

    hist = harness.run([parley, "history", tenant, "--data", data], timeout=20, cwd=tmp)
    inbound = [line.split(" -> ", 1)[1] for line in hist.lines
               if " -> " in line and " -> timer: " not in line]
    checks.check(hist.rc == 0 and inbound == good_texts,
                 "parley history: the inbound messages are exactly the good events, in order",
                 f"inbound: {inbound}\nwant: {good_texts}\n" + hist.describe())
    checks.check("BAD-" not in hist.out, "parley history holds nothing of the bad requests",
                 hist.describe())


if __name__ == "__main__":
    harness.main(test, budget=BUDGET)
