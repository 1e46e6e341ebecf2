#!/usr/bin/env python3
"""The web chat channel (plugins/webchat) over HTTP, as its widget uses it.

Tenant "shop" (fixture webchat_bot) has a webchat channel; its secret comes from
PARLEY_TEST_WEBCHAT_SECRET. First `parley check` on web chat settings: a good one passes; no secret, a secret under 16
bytes, a title over 100 characters and an unknown setting are refused, naming the setting
and never printing the secret. A visitor is what POST /webchat/shop/session makes:
  - the widget, its style sheet and the page are served (content types, CORS header);
    GET / leads to the only tenant's web chat; a tenant without one -> 404
  - session: a new visitor (id + token); the same pair again -> the same visitor;
    a wrong token -> a new visitor
  - send without a token, with a wrong one, with another visitor's -> 401, nothing stored
    (no event accepted, the feed is empty); a malformed message -> 400
  - /start -> the greeting with its buttons in the feed; a text -> its reply
  - a long poll parks and is answered when the reply commits, well before its wait
  - the same cid sent again -> a duplicate: one event, one reply
  - a button press (with the number of the message that had it) -> the feed shows the
    pressed label; the timer's reply arrives later through the feed
  - handoff: a system message without the bot's reason; an operator's message carries
    the operator's name
  - every reply counts as delivered (render sends nothing): the outbox is empty, no dead
    letters
  - nine long polls on one conversation: the oldest is answered at once (the cap is 8)
  - kill -9 right after a send was accepted (its handler waiting on a slow service):
    after the restart the reply still arrives in the feed
Then SIGTERM with a long poll parked -> it is answered 503, exit 0, no sanitizer report,
the secret never in the log.

Usage: python3 test_webchat.py PATH/TO/parley
"""

import json
import os
import re
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import harness  # noqa: E402  (tests/integration/harness.py)

TENANT = "shop"
SECRET = "webchat-test-secret-0123456789"
ADMIN = "admin-token-for-webchat-tests"
BUDGET = 120


class Visitor:
    """A widget's view of parley: session, send, feed."""

    def __init__(self, base, visitor=None, token=None):
        self.base = base
        self.visitor, self.token = visitor, token

    def session(self):
        doc = {"visitor": self.visitor, "token": self.token} if self.visitor else {}
        status, headers, body = harness.request(self.base, "POST", f"/webchat/{TENANT}/session",
                                                json.dumps(doc), {"Content-Type": "text/plain"})
        s = harness.parse_json(body) or {}
        if status == 200:
            self.visitor, self.token = s.get("visitor"), s.get("token")
        return status, headers, s

    def send(self, cid, text=None, button=None, message=None, token=None, extra=None):
        doc = {"visitor": self.visitor, "token": self.token if token is None else token,
               "cid": cid, "lang": "pt-BR"}
        if token == "":
            del doc["token"]
        if text is not None:
            doc["text"] = text
        if button is not None:
            doc["button"] = button
        if message is not None:
            doc["message"] = str(message)
        doc.update(extra or {})
        return harness.request(self.base, "POST", f"/webchat/{TENANT}/send", json.dumps(doc),
                               {"Content-Type": "text/plain;charset=UTF-8"})

    def feed(self, after=0, wait=None, timeout=40, token=None):
        q = {"visitor": self.visitor, "token": self.token if token is None else token,
             "after": after}
        if wait is not None:
            q["wait"] = wait
        status, headers, body = harness.request(
            self.base, "GET", f"/webchat/{TENANT}/feed?{urllib.parse.urlencode(q)}",
            timeout=timeout)
        return status, headers, harness.parse_json(body) or body

    def history(self):
        status, _, doc = self.feed(0, wait=0)
        return doc.get("messages", []) if status == 200 and isinstance(doc, dict) else None

    def wait_for(self, pattern, timeout=15):
        """The history once a bot message matches `pattern` (else the last one seen)."""
        found = []

        def seen():
            found[:] = self.history() or []
            return any(m.get("from") in ("bot", "operator") and re.search(pattern, m.get("text", ""))
                       for m in found)
        harness.wait_for(seen, timeout, 0.1)
        return found


def texts(messages, who=None):
    return [m.get("text") for m in messages if who is None or m.get("from") == who]


def check_settings(parley, checks, tmp):
    def check(name, settings):
        d = tmp / "settings" / name
        d.mkdir(parents=True)
        (d / "tenant.lua").write_text("return { channels = { webchat = { %s } } }\n" % settings)
        (d / "bot.lua").write_text('bot.on("message", function(ctx) ctx:reply("hi") end)\n')
        return harness.run([parley, "check", d], timeout=20, cwd=tmp)

    r = check("good", 'secret_env = "PARLEY_TEST_WEBCHAT_SECRET", title = "Shop", '
                      'placeholder = "Ask"')
    checks.check(r.rc == 0 and not r.err, "good web chat settings pass parley check", r.describe())
    for name, settings, needle in [
            ("no_secret", 'title = "Shop"', "channels.webchat.secret: required"),
            ("short_secret", 'secret = "short-secret"', "channels.webchat.secret: required, 16"),
            ("long_title", 'secret_env = "PARLEY_TEST_WEBCHAT_SECRET", title = "%s"' % ("x" * 101),
             "channels.webchat.title"),
            ("typo", 'secret_env = "PARLEY_TEST_WEBCHAT_SECRET", titel = "Shop"',
             "channels.webchat.titel: unknown setting")]:
        r = check(name, settings)
        checks.check(r.rc == 1 and needle in r.err and SECRET not in r.err + r.out,
                     f"{name}: refused (exit 1) naming it: {needle!r}", r.describe())


def test(parley, checks, tmp):
    os.environ["PARLEY_TEST_WEBCHAT_SECRET"] = SECRET
    check_settings(parley, checks, tmp)
    os.environ["PARLEY_ADMIN_TOKEN"] = ADMIN
    slow_calls = []
    slow = harness.SlowService(lambda n: slow_calls.append(n) or (4 if n == 1 else 0))
    tenants = tmp / "tenants"
    harness.copy_fixture("webchat_bot", tenants / TENANT, SLOW_URL=slow.url)
    plain = tenants / "plain"
    plain.mkdir()
    (plain / "tenant.lua").write_text("return { name = \"no web chat\" }\n")
    (plain / "bot.lua").write_text("bot.on(\"message\", function(ctx) ctx:reply(\"hi\") end)\n")
    data = tmp / "data"
    serve, base = harness.serve_checked(checks, "serve with a webchat tenant", parley, tenants,
                                        data, tmp)
    if base is None:
        return
    cors = lambda h: h.get("access-control-allow-origin") == "*"  # noqa: E731

    # ---- what the browser loads ----
    for path, ctype, needle in [
            ("widget.js", "text/javascript", "parley web chat widget"),
            ("widget.css", "text/css", ".pwc-root"),
            ("", "text/html", f'<script src="/webchat/{TENANT}/widget.js"')]:
        status, headers, body = harness.request(base, "GET", f"/webchat/{TENANT}/{path}")
        checks.check(status == 200 and headers.get("content-type", "").startswith(ctype)
                     and needle in body and cors(headers),
                     f"GET /webchat/{TENANT}/{path} -> 200 {ctype} with the CORS header",
                     f"{status} {headers} {body[:200]!r}")
    status, headers, _ = harness.request(base, "GET", "/")
    checks.check(status == 302 and headers.get("location") == f"/webchat/{TENANT}/",
                 "GET / -> the only web chat's page", f"{status} {headers}")
    status, headers, body = harness.request(base, "GET", "/webchat/plain/widget.js")
    checks.check(status == 404 and 'no "webchat" channel' in (harness.json_error(body) or {})
                 .get("detail", "") and cors(headers),
                 "a tenant without a webchat channel -> 404 saying so", f"{status} {body}")

    # ---- identity ----
    ana = Visitor(base)
    status, headers, s = ana.session()
    checks.check(status == 200 and re.fullmatch(r"[0-9a-f]{32}", ana.visitor or "")
                 and re.fullmatch(r"[0-9a-f]{64}", ana.token or "") and s.get("new") is True
                 and s.get("title") == "Test shop" and cors(headers),
                 "POST session -> a new visitor id and its token", s)
    again = Visitor(base, ana.visitor, ana.token)
    status, _, s = again.session()
    checks.check(status == 200 and again.visitor == ana.visitor and s.get("new") is False,
                 "the same pair again -> the same visitor (a reload keeps the identity)", s)
    forged = Visitor(base, ana.visitor, "0" * 64)
    status, _, s = forged.session()
    checks.check(status == 200 and forged.visitor != ana.visitor and s.get("new") is True,
                 "a wrong token -> a new visitor, not Ana", s)

    # ---- refused sends store nothing ----
    accepted = harness.metric(base, "parley_events_accepted_total", TENANT)
    for what, token in [("without a token", ""), ("with a wrong token", "f" * 64),
                        ("with another visitor's token", forged.token)]:
        status, headers, body = ana.send("x1", text="let me in", token=token)
        checks.check(status == 401 and cors(headers), f"send {what} -> 401",
                     f"{status} {body}")
    status, _, doc = ana.feed(0, wait=0, token="f" * 64)
    checks.check(status == 401, "feed with a wrong token -> 401", f"{status} {doc}")
    status, _, body = ana.send("bad cid!", text="hello")
    checks.check(status == 400 and "cid" in body, "a malformed cid -> 400 naming it",
                 f"{status} {body}")
    status, _, body = ana.send("x2", text="a", button="hours")
    checks.check(status == 400, "text and button at once -> 400", f"{status} {body}")
    checks.check(harness.metric(base, "parley_events_accepted_total", TENANT) == accepted
                 and ana.history() == [],
                 "... and nothing was stored (no event accepted, the feed is empty)",
                 ana.history())

    # ---- the greeting ----
    status, headers, body = ana.send("start", text="/start")
    checks.check(status == 200 and json.loads(body).get("ok") is True and cors(headers),
                 "send /start -> 200 once stored", f"{status} {body}")
    h = ana.wait_for("Welcome")
    greeting = next((m for m in h if m.get("from") == "bot"), {})
    checks.check(greeting.get("text") == "Welcome to the test shop! What do you need?"
                 and greeting.get("buttons") == [[{"label": "Opening hours", "id": "hours"},
                                                  {"label": "Remind me", "id": "remind"}]],
                 "the feed has the greeting with its buttons (rows of {label, id})", h)
    checks.check(h and h[0].get("from") == "visitor" and h[0].get("text") == "/start"
                 and h[0].get("event_id") == f"w:{ana.visitor}:start",
                 "... after the visitor's /start, with its event id w:<visitor>:<cid>", h)

    # ---- a long poll wakes when the reply commits ----
    status, headers, doc = ana.feed(0, wait=0)
    last = doc["next"]
    checks.check(status == 200 and last == len(h) and headers.get("cache-control") == "no-store"
                 and cors(headers), "feed -> {messages, next}, not cached, CORS", headers)
    polled = {}

    def long_poll():
        polled["result"] = ana.feed(last)
        polled["t"] = time.monotonic()
    poller = threading.Thread(target=long_poll, daemon=True)
    poller.start()
    time.sleep(1.0)
    checks.check(poller.is_alive(), "a feed with nothing new waits (parked)", polled)
    status, _, body = ana.send("m1", text="hello there")
    sent_at = time.monotonic()
    checks.check(status == 200, "send a text -> 200", f"{status} {body}")
    poller.join(20)
    status, _, doc = polled.get("result", (None, None, None))
    latency = polled.get("t", sent_at + 99) - sent_at
    got = texts(doc.get("messages", [])) if isinstance(doc, dict) else doc
    checks.check(status == 200 and got == ["hello there", "echo: hello there (pt-BR)"]
                 and latency < 2.0,
                 "... and is answered with the message and its reply as soon as it commits "
                 "(lang reached the bot)", f"{status} {got} after {latency:.3f} s")
    checks.info(f"feed wake-up: {latency * 1000:.0f} ms from the send's 200 to the long poll's "
                f"answer (wait is 25 s)")

    # ---- a retried send changes nothing ----
    accepted = harness.metric(base, "parley_events_accepted_total", TENANT)
    status, _, body = ana.send("m1", text="hello there")
    checks.check(status == 200 and json.loads(body).get("duplicate") is True,
                 "the same cid again -> 200 duplicate", body)
    time.sleep(0.5)
    h = ana.history()
    checks.check(harness.metric(base, "parley_events_accepted_total", TENANT) == accepted
                 and texts(h).count("hello there") == 1
                 and texts(h).count("echo: hello there (pt-BR)") == 1,
                 "... one event, one reply", texts(h))

    # ---- buttons, a later reply ----
    seq = str(greeting["seq"])
    status, _, body = ana.send("b1", button="hours", message=seq)
    h = ana.wait_for("open 9:00")
    press = next((m for m in h if m.get("button") == "hours"), {})
    checks.check(status == 200 and press.get("from") == "visitor"
                 and press.get("text") == "Opening hours" and "We are open 9:00-18:00." in texts(h),
                 "a button press -> the feed shows its label, then the reply", h)
    ana.send("b2", button="remind", message=seq)
    h = ana.wait_for("Reminder: the shop closes", 15)
    checks.check("Reminder: the shop closes at 18:00." in texts(h, "bot"),
                 "a timer's reply reaches the feed too", texts(h))

    # ---- handoff and an operator ----
    bo = Visitor(base)
    bo.session()
    bo.send("h1", text="/human")
    h = bo.wait_for("Connecting you")
    system = [m for m in h if m.get("from") == "system"]
    checks.check(len(system) == 1 and system[0].get("kind") == "handoff"
                 and "text" not in system[0] and "internal" not in json.dumps(h),
                 "handoff -> a system message, without the bot's reason", h)
    status, _, body = harness.request(
        base, "POST", f"/admin/{TENANT}/conversations/webchat/{bo.visitor}/send",
        json.dumps({"text": "Hi, I'm Carla. How can I help?", "operator": "Carla"}),
        {"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"})
    h = bo.wait_for("I'm Carla")
    op = next((m for m in h if m.get("from") == "operator"), {})
    checks.check(status == 200 and op.get("name") == "Carla",
                 "an operator's message -> from operator, with the operator's name", h)

    # ---- replies are delivered through the feed: nothing waits in the outbox ----
    harness.wait_for(lambda: harness.metric(base, "parley_outbox_depth", TENANT) == 0, 5)
    checks.check(harness.metric(base, "parley_outbox_depth", TENANT) == 0
                 and harness.metric(base, "parley_messages_dead_total", TENANT) == 0
                 and harness.metric(base, "parley_messages_sent_total", TENANT) >= 7,
                 "every reply counts as delivered (render sends nothing): outbox empty, no "
                 "dead letter", {m: harness.metric(base, m, TENANT) for m in [
                     "parley_outbox_depth", "parley_messages_dead_total",
                     "parley_messages_sent_total"]})

    # ---- the per-conversation cap ----
    results = []
    lock = threading.Lock()
    n = len(bo.history())

    def parked(i):
        r = bo.feed(n, timeout=40)
        with lock:
            results.append((i, time.monotonic(), r[0]))
    threads = []
    for i in range(9):
        threads.append(threading.Thread(target=parked, args=(i,), daemon=True))
        threads[-1].start()
        time.sleep(0.15)
    harness.wait_for(lambda: len(results) >= 1, 5)
    with lock:
        early = list(results)
    checks.check(len(early) == 1 and early[0][0] == 0 and early[0][2] == 200,
                 "a 9th long poll on one conversation -> the oldest is answered at once (cap 8)",
                 early)
    bo.send("h2", text="still there?")  # wakes the 8 others (kept in the history)
    harness.wait_for(lambda: len(results) == 9, 10)
    checks.check(len(results) == 9, "... and the others when the conversation gets news",
                 results)

    # ---- kill -9 after an accepted send ----
    cy = Visitor(base)
    cy.session()
    status, _, body = cy.send("s1", text="/slow")
    checks.check(status == 200, "send /slow -> 200 (stored; its handler waits 4 s)", body)
    harness.wait_for(lambda: slow_calls, 10)
    checks.check(serve.kill9() is not None, "kill -9 while the handler waits", serve.describe())
    serve, base = harness.serve_checked(checks, "restart on the same data", parley, tenants,
                                        data, tmp)
    if base is None:
        return
    cy.base = base
    h = cy.wait_for("slow done", 20)
    checks.check(texts(h, "bot") == ["slow done: 200"] and texts(h, "visitor") == ["/slow"],
                 "after the restart the reply is in the feed, once", h)

    # ---- stopping with a long poll parked ----
    dy = Visitor(base)
    dy.session()
    stopped = {}
    poller = threading.Thread(target=lambda: stopped.update(r=dy.feed(0, timeout=30)),
                              daemon=True)
    poller.start()
    time.sleep(0.8)
    serve.signal(15)
    rc = serve.wait(20)
    poller.join(10)
    status = stopped.get("r", (None,))[0]
    checks.check(rc == 0 and status == 503,
                 "SIGTERM with a long poll parked -> it is answered 503, exit 0",
                 f"rc {rc}, poll {stopped}\n{serve.describe()}")
    log = "\n".join(serve.lines("err"))
    checks.check("Sanitizer" not in log and "runtime error" not in log and SECRET not in log,
                 "no sanitizer report; the secret never appears in the log", serve.describe(40))


if __name__ == "__main__":
    harness.main(test, BUDGET)
