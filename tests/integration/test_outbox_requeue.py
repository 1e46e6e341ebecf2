#!/usr/bin/env python3
"""Dead letters and `parley outbox --requeue` beside a running server.

Tenant "rq" (fixture pipeline_bot: replies "<chat> #<count> <text>") POSTs its replies to
a sink that answers 400 to every message containing "REFUSE" until the test switches it
to accept:
  - "please REFUSE this" -> its reply gets 400: sent once, never retried; `parley outbox
    --data D --dead` (run while the server runs) lists it with the reason; the next
    message of the same chat is still delivered
  - the sink accepts again; `parley outbox --data D --requeue` while the server runs:
    the message is delivered (once) within 3 s, `--dead` then lists nothing and nothing
    is left waiting; /metrics counts 1 dead letter and 2 sent; SIGTERM -> exit 0

Usage: python3 test_outbox_requeue.py PATH/TO/parley
"""

import http.client
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import harness  # noqa: E402  (tests/integration/harness.py)

SECRET = "pipeline-secret-1"   # fixtures/pipeline_bot/tenant.lua
TENANT, CHAT = "rq", "r1"
REFUSED_TEXT = f"{CHAT} #1 please REFUSE this"
PICKUP = 3.0                   # requeued -> delivered, at most
START_TIMEOUT = 15
BUDGET = 60
LISTENING = r"listening on http://([\d.]+):(\d+)"


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 512   # the default 5 drops SYNs under a burst (1 s stalls)


class Sink:
    """Records every POST (time, key, text, the status it answered); answers 400 to texts
    containing "REFUSE" while `refuse` is set, 200 otherwise."""

    def __init__(self):
        self.lock = threading.Lock()
        self.got = []
        self.refuse = True
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                t = time.monotonic()
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"text": raw.decode("utf-8", "replace")}
                text = body.get("text") or ""
                with sink.lock:
                    status = 400 if sink.refuse and "REFUSE" in text else 200
                    sink.got.append({"t": t, "key": self.headers.get("Idempotency-Key"),
                                     "chat": body.get("chat_id"), "text": text,
                                     "status": status})
                payload = (b'{"error":"refused by the test sink"}' if status == 400
                           else b'{"ok":true}')
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sink"

    def set_refuse(self, value):
        with self.lock:
            self.refuse = value

    def snapshot(self):
        with self.lock:
            return [dict(g) for g in self.got]

    def attempts(self, text):
        return [g for g in self.snapshot() if g["text"] == text]


def request(base, method, path, body=None, headers=None, timeout=10):
    conn = http.client.HTTPConnection(*base, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as e:
        return None, f"{type(e).__name__}: {e}"
    finally:
        conn.close()


def metric(base, name, tenant):
    """The value of `name{tenant="TENANT"}` in /metrics, or None."""
    status, text = request(base, "GET", "/metrics")
    m = (re.search(rf'^{name}{{tenant="{tenant}"}} (\d+)$', text or "", re.M)
         if status == 200 else None)
    return int(m.group(1)) if m else None


def wait_for(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def test(parley, checks, tmp):
    sink = Sink()
    tenants = tmp / "tenants"
    tenant = harness.copy_fixture("pipeline_bot", tenants / TENANT)
    cfg = tenant / "tenant.lua"
    cfg.write_text(cfg.read_text().replace("@CALLBACK@", sink.url).replace("@LIMITS@", ""))
    data = tmp / "data"
    serve = harness.Process([parley, "serve", "--tenants", tenants, "--data", data,
                             "--listen", "127.0.0.1:0", "--workers", "2"], cwd=tmp)
    found = serve.wait_line("err", LISTENING, START_TIMEOUT)
    if not checks.check(found, "serve logs 'listening on http://HOST:PORT'", serve.describe()):
        return
    base = (found[1].group(1), int(found[1].group(2)))

    def say(k, text):
        event = {"id": f"rq-{k}", "chat_id": CHAT, "user": {"id": "u1"}, "text": text}
        st, body = request(base, "POST", f"/hook/{TENANT}/http", json.dumps(event),
                           {"Content-Type": "application/json", "X-Parley-Secret": SECRET})
        checks.check(st == 200, f"event {k} ({text!r}) accepted (200)", f"{st} {body}")

    def outbox(*flags):
        return harness.run([parley, "outbox", "--data", data, *flags], timeout=20, cwd=tmp)

    # ---- the sink refuses: a dead letter ----
    say(1, "please REFUSE this")
    say(2, "fine")
    wait_for(lambda: sink.attempts(f"{CHAT} #2 fine"), 5)
    refused = sink.attempts(REFUSED_TEXT)
    checks.check(len(refused) == 1 and refused[0]["status"] == 400,
                 "the sink answered 400 to the REFUSE message",
                 f"{[(g['text'], g['status']) for g in sink.snapshot()]}\n{serve.describe()}")
    later = sink.attempts(f"{CHAT} #2 fine")
    checks.check(len(later) == 1 and later[0]["status"] == 200,
                 "the next message of the chat is delivered all the same",
                 f"{[(g['text'], g['status']) for g in sink.snapshot()]}")

    dead = None

    def listed():
        nonlocal dead
        dead = outbox("--dead")
        return dead.rc == 0 and "REFUSE" in dead.out

    wait_for(listed, 5, 0.3)
    lines = [line for line in dead.lines if "REFUSE" in line]
    checks.check(dead.rc == 0 and len(lines) == 1,
                 "parley outbox --dead (server running) lists the refused message",
                 dead.describe())
    checks.check(len(lines) == 1 and re.search(r"\b400\b", lines[0]) is not None,
                 "... with the reason (the channel's 400)", dead.describe())
    checks.check(dead.rc == 0 and "#2 fine" not in dead.out and "1 dead letter" in dead.out,
                 "... and nothing else", dead.describe())
    checks.info("outbox --dead: " + " | ".join(dead.lines))
    time.sleep(1.0)  # a retry of the 400 would show by now
    checks.check(len(sink.attempts(REFUSED_TEXT)) == 1,
                 "the refused message was not retried (400 is a permanent failure)",
                 f"{[(g['text'], g['status']) for g in sink.snapshot()]}")
    n_dead = metric(base, "parley_messages_dead_total", TENANT)
    checks.check(n_dead == 1, f"/metrics: parley_messages_dead_total{{tenant=\"{TENANT}\"}} "
                 "is 1", f"got {n_dead}")

    # ---- the sink accepts again; requeue while the server runs ----
    sink.set_refuse(False)
    r = outbox("--requeue")
    t_requeue = time.monotonic()
    checks.check(r.rc == 0 and re.search(r"\b1\b", r.out) is not None,
                 "parley outbox --requeue (server running) exits 0 and says 1 was requeued",
                 r.describe())
    ok = wait_for(lambda: any(g["status"] == 200 for g in sink.attempts(REFUSED_TEXT)), 10)
    took = [g["t"] - t_requeue for g in sink.attempts(REFUSED_TEXT) if g["status"] == 200]
    checks.info(f"requeued message delivered {took[0]:.2f} s after --requeue returned"
                if took else "requeued message not delivered within 10 s")
    checks.check(ok and took[0] <= PICKUP,
                 f"the running server delivers the requeued message within {PICKUP:.0f} s",
                 f"{[(g['text'], g['status']) for g in sink.snapshot()]}\n{serve.describe()}")
    time.sleep(1.0)
    attempts = sink.attempts(REFUSED_TEXT)
    checks.check([g["status"] for g in attempts] == [400, 200],
                 "it was sent exactly once more (400, then 200)",
                 f"{[(g['key'], g['status']) for g in attempts]}")
    if len(attempts) == 2:
        checks.info(f"Idempotency-Key before/after requeue: {attempts[0]['key']} / "
                    f"{attempts[1]['key']}")
    after = outbox("--dead")
    checks.check(after.rc == 0 and "REFUSE" not in after.out and "0 dead letter" in after.out,
                 "parley outbox --dead lists nothing afterwards", after.describe())
    waiting = None

    def drained():
        nonlocal waiting
        waiting = outbox()
        return waiting.rc == 0 and "0 message" in waiting.out

    wait_for(drained, 3, 0.3)
    checks.check(waiting.rc == 0 and "0 message" in waiting.out and "REFUSE" not in waiting.out,
                 "parley outbox lists nothing waiting", waiting.describe())
    sent = metric(base, "parley_messages_sent_total", TENANT)
    checks.check(sent == 2, f"/metrics: parley_messages_sent_total{{tenant=\"{TENANT}\"}} is 2",
                 f"got {sent}")

    serve.signal(15)
    rc = serve.wait(20)
    checks.check(rc == 0, "SIGTERM -> exit 0", serve.describe())
    sink.server.shutdown()


if __name__ == "__main__":
    harness.main(test, budget=BUDGET)
