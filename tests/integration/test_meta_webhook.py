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
  - faults: 551 -> dead letter (unreachable), on each channel; 500 -> retried until
    delivered; rate limits as the Send API signals them (no Retry-After): 613 "Calls to
    this API have exceeded the rate limit" (Messenger) and 4 "Application request limit
    reached" (Instagram) -> class rate_exhausted: parley pauses that CHANNEL of that
    tenant for a minute (the page's quota is spent, CHANNELS.md §7.5; docs/plugins.md) -
    checked on a tenant of their own ("metarate"): no retry for the rest of the test,
    another user's message on the same channel waits too, no dead letter, both wait in
    the outbox, and after a restart they are delivered, once each (the test does not wait
    the minute out); the other tenants' sends on the same page go on
  - a slow answer, on each channel: the fake holds the first send longer than parley's
    send timeout (10 s), then answers 200 -> parley sends it again, not lost; but the fake
    delivered both: the user sees it TWICE (no idempotency key in the Send API,
    CHANNELS.md §2.1)
  - limits (tenant "metapace": Messenger rate_per_second = 2, Instagram 8; 1/s per user
    on Messenger, 2/s on Instagram), checked from the fake's arrival times while both
    channels send at once: /burst 3 at the user's rate; 10 users per channel answered at
    once -> each channel within its own rate; every message once
The fake checks each request against CHANNELS.md §4.5 / §5.4 (the path with the Graph
version, the channel's Bearer token, JSON, recipient, messaging_type, text <= 2000
characters (Messenger) or 1000 bytes (Instagram), quick replies <= 13 with titles <= 20
and payloads <= 1000, button templates (Messenger only) with text <= 640 and 1-3
postback buttons) and answers a malformed one 400 (code 100).
Usage: python3 test_meta_webhook.py PATH/TO/parley
"""

import hashlib
import hmac
import json
import os
import re
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
TO_613, IG_4, IG_551 = "6130000000000613", "4000000000000004", "5510000000000552"
RATE_TENANT = "metarate"  # its quota is spent early: its channels pause, the others go on
RATE_OTHER_FB, RATE_OTHER_IG = "6130000000000777", "4000000000000777"
TO_SLOW, IG_SLOW = "4080000000000408", "4080000000000409"  # answered after harness.SLOW_ANSWER
PACE_TENANT = "metapace"
PACE = {"messenger": {"rate": 2, "chat": 1, "burst": "30000",
                      "users": [str(30001 + n) for n in range(10)]},
        "instagram": {"rate": 8, "chat": 2, "burst": "40000",
                      "users": [str(40001 + n) for n in range(10)]}}


def graph_error(status, code, message, subcode=None):
    err = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Ab1"}
    if subcode:
        err["error_subcode"] = subcode
    return status, {"error": err}


def fault_for(to, attempt):
    """How the fake answers the `attempt`-th send of a message to `to`: (status, JSON), or
    ("delay", seconds) to answer as usual after that long, or None (at once, 200)."""
    if to in (TO_SLOW, IG_SLOW) and attempt == 1:
        return "delay", harness.SLOW_ANSWER
    if to == TO_613 and attempt == 1:
        return graph_error(400, 613, "(#613) Calls to this API have exceeded the rate limit.")
    if to == IG_4 and attempt == 1:
        return graph_error(400, 4, "(#4) Application request limit reached")
    if to in (TO_551, IG_551):
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
    if not re.fullmatch(r"\d{1,32}", str((body.get("recipient") or {}).get("id"))) \
            or set(body.get("recipient") or {}) != {"id"}:
        problems.append(f"recipient {body.get('recipient')!r}")
    m = body.get("message") or {}
    if "text" in m:
        t = m["text"]
        if not isinstance(t, str) or not t.strip():
            return problems + [f"text {t!r}"]
        if channel == "messenger" and not 1 <= len(t) <= 2000:
            problems.append(f"text length {len(t)}")
        if channel == "instagram" and not 1 <= len(t.encode()) <= 1000:
            problems.append(f"text bytes {len(t.encode())}")
        qr = m.get("quick_replies")
        if qr is not None:
            if not 1 <= len(qr) <= 13:
                problems.append(f"{len(qr)} quick replies")
            for q in qr:
                if q.get("content_type") != "text" or not 1 <= len(q.get("payload", "")) <= 1000 \
                        or not 1 <= len(q.get("title", "")) <= 20:
                    problems.append(f"bad quick reply {q!r}")
    elif "attachment" in m:
        p = (m["attachment"] or {}).get("payload") or {}
        if channel != "messenger" or p.get("template_type") != "button" \
                or not 1 <= len(p.get("text", "")) <= 640 \
                or not 1 <= len(p.get("buttons") or []) <= 3:
            problems.append(f"bad template {m!r}")
        for b in p.get("buttons") or []:
            if b.get("type") != "postback" or not 1 <= len(b.get("title", "")) <= 20 \
                    or not 1 <= len(b.get("payload", "")) <= 1000:
                problems.append(f"bad template button {b!r}")
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
                t = time.monotonic()
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
                call = {"t": t, "channel": channel, "to": to, "body": body,
                        "problems": problems, "text": m.get("text"), "message": m}
                delay = 0
                with fake.lock:
                    key = (to, json.dumps(body, sort_keys=True))
                    call["attempt"] = fake.attempts[key] = fake.attempts.get(key, 0) + 1
                    n = len(fake.calls)
                if problems:
                    status, doc = graph_error(400, 100, "Invalid parameter: " + "; ".join(problems))
                else:
                    fault = fault_for(to, call["attempt"])
                    if fault and fault[0] == "delay":
                        fault, delay = None, fault[1]
                    status, doc = fault or (
                        200, {"recipient_id": to, "message_id": f"m_OUT{n}"})
                call["status"], call["delay"] = status, delay
                with fake.lock:
                    fake.calls.append(call)
                time.sleep(delay)  # the message is sent, whether or not parley still waits
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
    harness.copy_fixture("meta_bot", tenants / TENANT, GRAPH_BASE=fake.url,
                         FB_PACING="chat_rate_per_second = 0,",
                         IG_PACING="chat_rate_per_second = 0,")
    pacing = {ch: f"rate_per_second = {p['rate']}, chat_rate_per_second = {p['chat']},"
              for ch, p in PACE.items()}
    harness.copy_fixture("meta_bot", tenants / PACE_TENANT, GRAPH_BASE=fake.url,
                         FB_PACING=pacing["messenger"], IG_PACING=pacing["instagram"])
    harness.copy_fixture("meta_bot", tenants / RATE_TENANT, GRAPH_BASE=fake.url,
                         FB_PACING="chat_rate_per_second = 0,",
                         IG_PACING="chat_rate_per_second = 0,")
    data = tmp / "data"
    serve, base = harness.serve_checked(checks, "serve with messenger + instagram", parley,
                                        tenants, data, tmp)
    if base is None:
        return

    def post(channel, doc, signature="good", tenant=TENANT):
        raw = json.dumps(doc).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "good":
            headers["X-Hub-Signature-256"] = sign(raw)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return harness.request(base, "POST", f"/hook/{tenant}/{channel}", raw, headers)

    def accepted(channel, doc, what, tenant=TENANT):
        status, _, body = post(channel, doc, tenant=tenant)
        return checks.check(status == 200 and "duplicate" not in body,
                            f"{channel}: {what}: accepted (200)", f"{status} {body}")

    def replies(to, n=1, timeout=10):
        harness.wait_for(lambda: len(fake.sent(to)) >= n, timeout)
        return fake.sent(to)

    events = lambda: harness.metric(base, "parley_events_accepted_total", TENANT)  # noqa: E731

    # Slow answers and rate limits first: they take their time.
    for ch, to in (("messenger", TO_SLOW), ("instagram", IG_SLOW)):
        accepted(ch, envelope(ch, text_item(to, ch, "early")), f"to {to}")
    for ch, to in (("messenger", TO_613), ("instagram", IG_4)):
        accepted(ch, envelope(ch, text_item(to, ch, "early")), f"to {to}", tenant=RATE_TENANT)
    for ch, to in (("messenger", TO_613), ("instagram", IG_4)):  # the quota is spent ...
        harness.wait_for(lambda: fake.sent(to), 10)
    for ch, to in (("messenger", RATE_OTHER_FB), ("instagram", RATE_OTHER_IG)):
        accepted(ch, envelope(ch, text_item(to, ch, "later")), f"to {to} (after the limit)",
                 tenant=RATE_TENANT)

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
    accepted("instagram", envelope("instagram", text_item(IG_551, "instagram", "blocked")),
             "to a user who blocked the account")
    accepted("instagram", envelope("instagram", text_item(TO_500, "instagram", "flaky")),
             "to a flaky send")
    harness.wait_for(lambda: any(c["status"] == 200 for c in fake.sent(TO_500)), 20)
    got = [c["status"] for c in fake.sent(TO_500)]
    checks.check(got == [500, 500, 200], "500 -> retried with backoff until delivered", got)
    dead = harness.run_until([parley, "outbox", "--data", data, "--dead"],
                             lambda r: r.rc == 0 and "2 dead letter(s)" in r.out, 10,
                             timeout=20, cwd=tmp)
    for ch, to in (("messenger", TO_551), ("instagram", IG_551)):
        line = next((ln for ln in dead.lines if to in ln), "")
        checks.check("2 dead letter(s)" in dead.out and "unreachable" in line and "551" in line,
                     f"{ch}: 551/1545041 (blocked) -> a dead letter, class unreachable",
                     dead.describe())
    time.sleep(1.0)
    for to in (TO_551, IG_551):
        checks.check(len(fake.sent(to)) == 1, f"... {to} not retried", fake.sent(to))

    # ---- limits: each channel's own rate, both at once ----
    for ch, p in PACE.items():
        accepted(ch, envelope(ch, text_item(p["burst"], ch, "/burst 3")), "/burst 3",
                 PACE_TENANT)
    for n in range(len(PACE["messenger"]["users"])):  # both channels at once
        for ch, p in PACE.items():
            accepted(ch, envelope(ch, text_item(p["users"][n], ch, "pace")), "pace",
                     PACE_TENANT)
    for ch, p in PACE.items():
        mine = [p["burst"]] + p["users"]
        harness.wait_for(lambda: len([c for c in fake.sent() if c["to"] in mine])
                         >= 3 + len(p["users"]), 15)
        time.sleep(0.3)
        paced = [c for c in fake.sent() if c["to"] in mine]
        checks.check([c["text"] for c in fake.sent(p["burst"])]
                     == ["burst 1", "burst 2", "burst 3"], f"{ch}: /burst 3: all 3, in order",
                     [c["text"] for c in fake.sent(p["burst"])])
        harness.check_rate(checks, f"{ch}: ... at chat_rate_per_second = {p['chat']}",
                           [c["t"] for c in fake.sent(p["burst"])], p["chat"], 1)
        times = [c["t"] for c in paced]
        checks.check(len(paced) == 3 + len(p["users"])
                     and all(len(fake.sent(u)) == 1 for u in p["users"]),
                     f"{ch}: {len(p['users'])} users answered at once: every reply sent once",
                     [(c["to"], c["text"]) for c in paced])
        harness.check_rate(checks, f"{ch}: ... within its own rate_per_second = {p['rate']}, "
                           "while the other channel sends too", times, p["rate"])

    # ---- slow answers ----
    for ch, to in (("messenger", TO_SLOW), ("instagram", IG_SLOW)):
        harness.wait_for(lambda: len(fake.sent(to)) >= 2, harness.SLOW_ANSWER + 5)
        time.sleep(0.3)
        harness.check_slow_answer(checks, f"{ch}: ", fake.sent(to), "Send API")

    # ---- rate limits: paused, kept, delivered once ----
    for ch, to, code, other in (("messenger", TO_613, 613, RATE_OTHER_FB),
                                ("instagram", IG_4, 4, RATE_OTHER_IG)):
        got = fake.sent(to)
        checks.check([c["status"] for c in got] == [400],
                     f"{ch}: error {code} (rate limit) -> not retried for the rest of the test "
                     f"({time.monotonic() - got[0]['t']:.0f} s): parley pauses the channel "
                     "a minute" if got else f"{ch}: error {code}", got)
        checks.check(not fake.sent(other),
                     f"{ch}: ... and another user's message on that channel waits too",
                     fake.sent(other))
    dead = harness.run([parley, "outbox", "--data", data, "--dead"], timeout=20, cwd=tmp)
    waiting = harness.run([parley, "outbox", "--data", data], timeout=20, cwd=tmp)
    checks.check(TO_613 not in dead.out and IG_4 not in dead.out
                 and "4 message(s) waiting" in waiting.out
                 and TO_613 in waiting.out and IG_4 in waiting.out
                 and RATE_OTHER_FB in waiting.out and RATE_OTHER_IG in waiting.out,
                 "... the four wait in the outbox (no dead letter), and nothing else does",
                 f"{waiting.describe()}\n{dead.describe()}")
    log = "\n".join(serve.lines("err"))
    checks.check("rate limit exhausted" in log and "613" in log,
                 "... and the log says so (channel rate limit exhausted, with Meta's code)",
                 serve.describe(40))

    bad = [c for c in fake.sent() if c["problems"]]
    checks.check(not bad, "every request parley sent was well-formed", bad)
    serve.signal(15)
    checks.check(serve.wait(20) == 0, "SIGTERM -> exit 0", serve.describe())
    log = "\n".join(serve.lines("err"))
    checks.check("AddressSanitizer" not in log and "runtime error" not in log
                 and FB_TOKEN not in log and IG_TOKEN not in log and APP_SECRET not in log,
                 "no sanitizer report; no secret in the log", serve.describe(40))

    serve, base = harness.serve_checked(checks, "serve again (same data)", parley, tenants, data,
                                        tmp)
    for ch, to in (("messenger", RATE_OTHER_FB), ("instagram", RATE_OTHER_IG)):
        harness.wait_for(lambda: fake.sent(to), 10)
        checks.check([c["status"] for c in fake.sent(to)] == [200],
                     f"{ch}: the other user's waiting message is delivered at the next start, "
                     "once", fake.sent(to))
    for ch, to, code in (("messenger", TO_613, 613), ("instagram", IG_4, 4)):
        harness.wait_for(lambda: len(fake.sent(to)) >= 2, 10)
        got = fake.sent(to)
        checks.check([c["status"] for c in got] == [400, 200]
                     and got[0]["body"] == got[1]["body"],
                     f"{ch}: the message refused with {code} is delivered at the next start, "
                     "once", [(c["status"], c["text"]) for c in got])
    waiting = harness.run_until([parley, "outbox", "--data", data],
                                lambda r: "0 message(s) waiting" in r.out, 10, timeout=20,
                                cwd=tmp)
    checks.check("0 message(s) waiting" in waiting.out, "nothing is left waiting in the outbox",
                 waiting.describe())
    serve.signal(15)
    checks.check(serve.wait(20) == 0, "SIGTERM -> exit 0", serve.describe())


if __name__ == "__main__":
    harness.main(test, BUDGET)
