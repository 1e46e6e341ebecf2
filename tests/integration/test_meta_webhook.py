#!/usr/bin/env python3
"""The Messenger and Instagram channels (plugins/messenger, plugins/instagram), end to end
against a fake Graph API.

Tenant "meta" (fixture meta_bot) serves both channels; graph_base points at FakeGraph,
which checks each request (POST /v21.0/me/messages for Messenger, /v21.0/<ig_id>/messages
for Instagram, Bearer token of that channel, {recipient:{id}, messaging_type:"RESPONSE",
message:{...}} within the limits), records it and answers as the Send API does, injecting
faults by recipient. Webhooks are POSTed signed with X-Hub-Signature-256:
  - GET handshake: right verify token -> 200 challenge; wrong -> 403 (both channels)
  - unsigned -> 401, nothing stored
  - a text -> a text reply of the right shape, on each channel
  - quick_reply payload and postback payload -> the button handler
  - Messenger: 3 buttons -> button template (postback), 5 -> quick replies
  - Instagram: 3 buttons -> quick replies plus the numbered list in the text
  - echo / delivery / read -> 200, no event; a replayed mid -> no second reply
  - faults: 551 -> dead letter (unreachable); 500 -> retried until delivered
Usage: python3 test_meta_webhook.py PATH/TO/parley
"""

import hashlib
import hmac
import json
import os
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True
import harness  # noqa: E402

TENANT = "meta"
FB_TOKEN = "EAAGfb-page-token-0123456789"
IG_TOKEN = "EAAGig-page-token-9876543210"
APP_SECRET = "app-secret-meta-77"
VERIFY = "meta-verify-token"
PAGE_ID = "106540352242922"
IG_ID = "17841400000000001"
BUDGET = 120
TO_551, TO_500 = "5510000000000551", "5000000000000500"


def graph_error(status, code, message, subcode=None):
    err = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Ab1"}
    if subcode:
        err["error_subcode"] = subcode
    return status, {"error": err}


def fault_for(to, attempt):
    if to == TO_551:
        return graph_error(400, 551, "This person isn't available right now.", 1545041)
    if to == TO_500 and attempt <= 2:
        return graph_error(500, 2, "An unexpected error has occurred.")
    return None


def shape_problems(channel, headers, body):
    problems = []
    token = FB_TOKEN if channel == "messenger" else IG_TOKEN
    if not (headers.get("content-type") or "").startswith("application/json"):
        problems.append(f"Content-Type is {headers.get('content-type')!r}")
    if headers.get("authorization") != f"Bearer {token}":
        problems.append(f"Authorization is {headers.get('authorization')!r}")
    if not isinstance(body, dict):
        return problems + [f"the body is not a JSON object: {body!r:.200}"]
    if set(body) != {"recipient", "messaging_type", "message"}:
        problems.append(f"fields {sorted(body)}")
    if body.get("messaging_type") != "RESPONSE":
        problems.append(f"messaging_type {body.get('messaging_type')!r}")
    if not isinstance((body.get("recipient") or {}).get("id"), str):
        problems.append(f"recipient {body.get('recipient')!r}")
    m = body.get("message") or {}
    if "text" in m:
        t = m["text"]
        if channel == "messenger" and not 1 <= len(t) <= 2000:
            problems.append(f"text length {len(t)}")
        if channel == "instagram" and not 1 <= len(t.encode()) <= 1000:
            problems.append(f"text bytes {len(t.encode())}")
        qr = m.get("quick_replies")
        if qr is not None:
            if not 1 <= len(qr) <= 13:
                problems.append(f"{len(qr)} quick replies")
            for q in qr:
                if q.get("content_type") != "text" or not q.get("payload") \
                        or not 1 <= len(q.get("title", "")) <= 20:
                    problems.append(f"bad quick reply {q!r}")
    elif "attachment" in m:
        p = (m["attachment"] or {}).get("payload") or {}
        if channel != "messenger" or p.get("template_type") != "button" \
                or not 1 <= len(p.get("text", "")) <= 640 \
                or not 1 <= len(p.get("buttons") or []) <= 3:
            problems.append(f"bad template {m!r}")
    else:
        problems.append(f"message {m!r}")
    return problems


class FakeGraph:
    def __init__(self):
        self.lock = threading.Lock()
        self.calls = []
        self.attempts = {}
        fake = self

        class Handler(harness.QuietHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = harness.parse_json(raw)
                headers = {k.lower(): v for k, v in self.headers.items()}
                channel = {"/v21.0/me/messages": "messenger",
                           f"/v21.0/{IG_ID}/messages": "instagram"}.get(self.path)
                problems = [f"path {self.path}"] if not channel else []
                problems += shape_problems(channel, headers, body)
                b = body if isinstance(body, dict) else {}
                to = (b.get("recipient") or {}).get("id")
                m = b.get("message") or {}
                call = {"channel": channel, "to": to, "body": body, "problems": problems,
                        "text": m.get("text"), "message": m}
                with fake.lock:
                    key = (to, json.dumps(body, sort_keys=True))
                    call["attempt"] = fake.attempts[key] = fake.attempts.get(key, 0) + 1
                    n = len(fake.calls)
                if problems:
                    status, doc = graph_error(400, 100, "Invalid parameter: " + "; ".join(problems))
                else:
                    status, doc = fault_for(to, call["attempt"]) or (
                        200, {"recipient_id": to, "message_id": f"m_OUT{n}"})
                call["status"] = status
                with fake.lock:
                    fake.calls.append(call)
                self.answer(status, json.dumps(doc).encode())

        self.server = harness.serve_http(Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def sent(self, to=None):
        with self.lock:
            return [dict(c) for c in self.calls if to is None or c["to"] == to]


_n = [0]


def mid():
    _n[0] += 1
    return f"m_IN{_n[0]:06d}"


def item(sender, channel, **kw):
    own = PAGE_ID if channel == "messenger" else IG_ID
    d = {"sender": {"id": sender}, "recipient": {"id": own}, "timestamp": 1700000000000}
    d.update(kw)
    return d


def envelope(channel, *items):
    own = PAGE_ID if channel == "messenger" else IG_ID
    return {"object": "page" if channel == "messenger" else "instagram",
            "entry": [{"id": own, "time": 1700000000123, "messaging": list(items)}]}


def text_item(sender, channel, text, m=None):
    return item(sender, channel, message={"mid": m or mid(), "text": text})


def sign(raw, secret=APP_SECRET):
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def test(parley, checks, tmp):
    fake = FakeGraph()
    os.environ.update(PARLEY_TEST_FB_TOKEN=FB_TOKEN, PARLEY_TEST_IG_TOKEN=IG_TOKEN,
                      PARLEY_TEST_META_APP_SECRET=APP_SECRET,
                      PARLEY_TEST_META_VERIFY_TOKEN=VERIFY)
    tenants = tmp / "tenants"
    harness.copy_fixture("meta_bot", tenants / TENANT, GRAPH_BASE=fake.url)
    data = tmp / "data"
    serve, base = harness.serve_checked(checks, "serve with messenger + instagram", parley,
                                        tenants, data, tmp)
    if base is None:
        return

    def post(channel, doc, signature="good"):
        raw = json.dumps(doc).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "good":
            headers["X-Hub-Signature-256"] = sign(raw)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return harness.request(base, "POST", f"/hook/{TENANT}/{channel}", raw, headers)

    def accepted(channel, doc, what):
        status, _, body = post(channel, doc)
        return checks.check(status == 200 and "duplicate" not in body,
                            f"{channel}: {what}: accepted (200)", f"{status} {body}")

    def replies(to, n=1, timeout=10):
        harness.wait_for(lambda: len(fake.sent(to)) >= n, timeout)
        return fake.sent(to)

    events = lambda: harness.metric(base, "parley_events_accepted_total", TENANT)  # noqa: E731

    for ch in ("messenger", "instagram"):
        q = urllib.parse.urlencode({"hub.mode": "subscribe", "hub.verify_token": VERIFY,
                                    "hub.challenge": "4242"})
        status, _, body = harness.request(base, "GET", f"/hook/{TENANT}/{ch}?{q}")
        checks.check(status == 200 and body == "4242", f"{ch}: GET handshake -> the challenge",
                     f"{status} {body!r}")
        q = urllib.parse.urlencode({"hub.mode": "subscribe", "hub.verify_token": "no",
                                    "hub.challenge": "4242"})
        status, _, body = harness.request(base, "GET", f"/hook/{TENANT}/{ch}?{q}")
        checks.check(status == 403, f"{ch}: wrong verify token -> 403", f"{status} {body!r}")

    # ---- signatures ----
    before = events()
    for ch in ("messenger", "instagram"):
        doc = envelope(ch, text_item("90001", ch, "let me in"))
        status, _, body = post(ch, doc, signature=None)
        checks.check(status == 401, f"{ch}: unsigned POST -> 401", f"{status} {body}")
        status, _, body = post(ch, doc, signature=sign(json.dumps(doc).encode(), "other"))
        checks.check(status == 401, f"{ch}: POST signed with another secret -> 401",
                     f"{status} {body}")
    checks.check(events() == before, "... nothing stored", before)

    # ---- text in, text out ----
    for ch, to in (("messenger", "1001"), ("instagram", "2001")):
        accepted(ch, envelope(ch, text_item(to, ch, "hello")), "a text")
        r = replies(to)
        checks.check(len(r) == 1 and r[0]["channel"] == ch and r[0]["text"] == "echo: hello"
                     and not r[0]["problems"] and r[0]["body"]["recipient"] == {"id": to}
                     and r[0]["body"]["messaging_type"] == "RESPONSE",
                     f"{ch}: a text -> a text reply (right path, token, recipient, "
                     f"messaging_type RESPONSE)", f"{r}\n{serve.describe()}")

    # ---- buttons ----
    accepted("messenger", envelope("messenger", text_item("1002", "messenger", "/three")),
             "/three")
    r = replies("1002")
    p = ((r[0]["message"].get("attachment") or {}).get("payload") or {}) if r else {}
    checks.check(r and p.get("template_type") == "button" and p.get("text") == "Pick one"
                 and p.get("buttons") == [{"type": "postback", "title": f"Option {i}",
                                           "payload": f"opt{i}"} for i in (1, 2, 3)],
                 "messenger: 3 buttons -> a button template with postback buttons", r)
    accepted("messenger", envelope("messenger", text_item("1003", "messenger", "/five")),
             "/five")
    r = replies("1003")
    checks.check(r and r[0]["text"] == "Pick a slot"
                 and r[0]["message"].get("quick_replies") == [
                     {"content_type": "text", "title": f"Option {i}", "payload": f"opt{i}"}
                     for i in range(1, 6)],
                 "messenger: 5 buttons -> quick replies", r)
    accepted("instagram", envelope("instagram", text_item("2002", "instagram", "/three")),
             "/three")
    r = replies("2002")
    checks.check(r and r[0]["text"] == "Pick one\n\n1. Option 1\n2. Option 2\n3. Option 3"
                 and len(r[0]["message"].get("quick_replies") or []) == 3
                 and not r[0]["problems"],
                 "instagram: 3 buttons -> quick replies plus the numbered list in the text", r)

    # ---- presses ----
    accepted("messenger", envelope("messenger", item("1003", "messenger", message={
        "mid": mid(), "text": "Option 4", "quick_reply": {"payload": "opt4"}})), "quick reply")
    r = replies("1003", 2)
    checks.check(len(r) == 2 and r[1]["text"] == "pressed opt4 by 1003",
                 "messenger: quick_reply payload -> the button handler", [c["text"] for c in r])
    accepted("messenger", envelope("messenger", item("1002", "messenger", postback={
        "mid": mid(), "title": "Option 2", "payload": "opt2"})), "postback")
    r = replies("1002", 2)
    checks.check(len(r) == 2 and r[1]["text"] == "pressed opt2 by 1002",
                 "messenger: postback payload -> the button handler", [c["text"] for c in r])
    accepted("instagram", envelope("instagram", item("2002", "instagram", message={
        "mid": mid(), "text": "Option 3", "quick_reply": {"payload": "opt3"}})), "quick reply")
    r = replies("2002", 2)
    checks.check(len(r) == 2 and r[1]["text"] == "pressed opt3 by 2002",
                 "instagram: quick_reply payload -> the button handler", [c["text"] for c in r])
    accepted("instagram", envelope("instagram", item("2003", "instagram", postback={
        "mid": mid(), "title": "Yes", "payload": "yes"})), "postback")
    r = replies("2003")
    checks.check([c["text"] for c in r] == ["pressed yes by 2003"],
                 "instagram: postback payload -> the button handler", [c["text"] for c in r])

    # ---- attachments ----
    accepted("messenger", envelope("messenger", item("1004", "messenger", message={
        "mid": mid(), "attachments": [{"type": "image", "payload": {"url": "https://x/i.jpg"}}]})),
        "image")
    checks.check([c["text"] for c in replies("1004")] == ["media image"],
                 "messenger: an image attachment -> the media handler",
                 [c["text"] for c in fake.sent("1004")])
    accepted("messenger", envelope("messenger", item("1005", "messenger", message={
        "mid": mid(), "attachments": [{"type": "location", "payload": {
            "coordinates": {"lat": 52.52, "long": 13.4}}}]})), "location")
    checks.check([c["text"] for c in replies("1005")] == ["location 52.52,13.40"],
                 "messenger: a location attachment -> the location handler",
                 [c["text"] for c in fake.sent("1005")])

    # ---- no events: echo, delivery, read; a replayed mid ----
    harness.wait_for(lambda: harness.metric(base, "parley_events_handled_total", TENANT)
                     >= events(), 10)
    before, sent_before = events(), len(fake.sent())
    for ch, own in (("messenger", PAGE_ID), ("instagram", IG_ID)):
        echo = {"sender": {"id": own}, "recipient": {"id": "1001"}, "timestamp": 1700000000001,
                "message": {"mid": mid(), "is_echo": True, "app_id": 1234, "text": "echo: hi"}}
        echo2 = dict(echo, sender={"id": "1001"}, message=dict(echo["message"], mid=mid()))
        for what, it in [("an echo", echo), ("an is_echo message", echo2),
                         ("a delivery", item("1001", ch, delivery={
                             "mids": ["m_OUT1"], "watermark": 1700000000253})),
                         ("a read", item("1001", ch, read={"watermark": 1700000000253}))]:
            status, _, body = post(ch, envelope(ch, it))
            checks.check(status == 200, f"{ch}: {what} -> 200", f"{status} {body}")
    first = text_item("1006", "messenger", "once")
    accepted("messenger", envelope("messenger", first), "a text")
    replies("1006")
    status, _, body = post("messenger", envelope("messenger", first))
    checks.check(status == 200, "messenger: the same mid again -> 200", f"{status} {body}")
    time.sleep(0.7)
    checks.check(events() == before + 1,
                 "echoes, deliveries, reads -> no event; a replayed mid -> no second event",
                 (before, events()))
    checks.check(len(fake.sent()) == sent_before + 1 and len(fake.sent("1006")) == 1,
                 "... and only one reply", fake.sent()[sent_before:])

    # ---- faults ----
    accepted("messenger", envelope("messenger", text_item(TO_551, "messenger", "blocked")),
             "to a user who blocked the page")
    accepted("instagram", envelope("instagram", text_item(TO_500, "instagram", "flaky")),
             "to a flaky send")
    harness.wait_for(lambda: any(c["status"] == 200 for c in fake.sent(TO_500)), 20)
    got = [c["status"] for c in fake.sent(TO_500)]
    checks.check(got == [500, 500, 200], "500 -> retried with backoff until delivered", got)
    dead = harness.run_until([parley, "outbox", "--data", data, "--dead"],
                             lambda r: r.rc == 0 and "1 dead letter(s)" in r.out, 10,
                             timeout=20, cwd=tmp)
    line = next((ln for ln in dead.lines if TO_551 in ln), "")
    checks.check("1 dead letter(s)" in dead.out and "unreachable" in line and "551" in line,
                 "551/1545041 -> a dead letter, class unreachable", dead.describe())
    time.sleep(1.0)
    checks.check(len(fake.sent(TO_551)) == 1, "... not retried", fake.sent(TO_551))

    bad = [c for c in fake.sent() if c["problems"]]
    checks.check(not bad, "every request parley sent was well-formed", bad)
    serve.signal(15)
    checks.check(serve.wait(20) == 0, "SIGTERM -> exit 0", serve.describe())
    log = "\n".join(serve.lines("err"))
    checks.check("AddressSanitizer" not in log and "runtime error" not in log
                 and FB_TOKEN not in log and IG_TOKEN not in log and APP_SECRET not in log,
                 "no sanitizer report; no secret in the log", serve.describe(40))


if __name__ == "__main__":
    harness.main(test, BUDGET)
