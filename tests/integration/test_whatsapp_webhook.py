#!/usr/bin/env python3
"""The WhatsApp Cloud API channel (plugins/whatsapp), end to end against a fake Graph API.

Tenant "wa" (fixture whatsapp_bot) serves the whatsapp channel; its graph_base points at
this script's FakeGraph, which checks every request's shape (POST
/v21.0/<phone_number_id>/messages, Authorization: Bearer <token>, JSON with
messaging_product "whatsapp", "to", and a text / interactive button / interactive list
within WhatsApp's limits), records it and answers as the Cloud API does, injecting faults
by recipient. Notifications are POSTed to /hook/wa/whatsapp as Meta does, signed with
X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the app secret):
  - GET handshake: right verify token -> 200 text/plain with hub.challenge; wrong -> 403
  - unsigned / wrongly signed POST -> 401, nothing stored (accepted later when signed)
  - a text -> a text reply (user name from contacts[].profile.name)
  - 3 buttons -> interactive reply buttons; 5 -> an interactive list ("Choose");
    12 -> a numbered text menu, and a typed "2" presses the second button
  - interactive button_reply / list_reply -> the button handler
  - a batch of 2 messages -> 2 events, 2 replies; a replayed wamid -> no second reply
  - statuses -> a status event, no reply, no error; location / contacts / image -> their
    handlers; unknown message types -> 200, no event
  - faults: error 131047 -> dead letter (needs_template); 500 -> retried until delivered;
    130429 (throughput, no Retry-After) -> sent again after parley's 2 s, once; 131056
    (pair rate) -> sent again after >= 6 s, once; 131026 (undeliverable: blocked, not on
    WhatsApp) -> dead letter (unreachable), not retried
  - a slow answer: the fake holds the first send longer than parley's send timeout
    (10 s), then answers 200 -> parley sends it again, not lost; but the fake delivered
    both: the user sees it TWICE (no idempotency key in the Cloud API, CHANNELS.md §2.1)
  - limits (tenant "wapace": rate_per_second = 4, WhatsApp's default one message per
    6 s per user), from the fake's arrival times: /burst 2 -> the second reply >= 6 s
    after the first; 12 users answered at once -> at most 4 at once, then 4/s
The fake checks each request against CHANNELS.md §3.5 (POST /v21.0/<phone_number_id>/
messages, Bearer token, JSON, recipient_type individual, text <= 4096; interactive body
<= 1024, header / footer <= 60; reply buttons 1-3, titles <= 20 and ids <= 256, unique;
list button <= 20, <= 10 sections and <= 10 rows in all, row titles <= 24, descriptions
<= 72, ids <= 200, unique) and answers a malformed one 400 (code 100).
Then: no malformed request reached the fake, SIGTERM -> exit 0, no sanitizer report, the
token and app secret never in the log.

Usage: python3 test_whatsapp_webhook.py PATH/TO/parley
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

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import harness  # noqa: E402  (tests/integration/harness.py)

TENANT = "wa"
TOKEN = "EAAGtest-access-token-0123456789"
APP_SECRET = "app-secret-4f1c2b"
VERIFY = "my-verify-token"
PHONE_ID = "106540352242922"
BUDGET = 120

TO_131047, TO_500 = "15550131047", "15550000500"
TO_130429, TO_131056, TO_131026 = "15550130429", "15550131056", "15550131026"
TO_SLOW = "15550000408"  # the first send is answered (200) only after harness.SLOW_ANSWER
PACE_TENANT, PACE_RATE = "wapace", 4
PACE_BURST, PACE_USERS = "15552000000", [f"155521{n:05d}" for n in range(12)]


def graph_error(status, code, message, details=None):
    err = {"message": message, "type": "OAuthException", "code": code,
           "fbtrace_id": "AbCdEf123"}
    if details:
        err["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return status, {"error": err}


def fault_for(to, attempt):
    """How the fake answers the `attempt`-th send of a message to `to`: (status, JSON), or
    ("delay", seconds) to answer as usual after that long, or None (at once, 200)."""
    if to == TO_SLOW and attempt == 1:
        return "delay", harness.SLOW_ANSWER
    if to == TO_130429 and attempt == 1:
        return graph_error(400, 130429, "(#130429) Rate limit hit",
                           "Cloud API message throughput has been reached.")
    if to == TO_131056 and attempt == 1:
        return graph_error(400, 131056, "(#131056) (Business Account, Consumer Account) pair "
                           "rate limit hit", "Message failed to send because there were too "
                           "many messages sent from this phone number to the same phone "
                           "number in a short period of time.")
    if to == TO_131026:
        return graph_error(400, 131026, "Message undeliverable", "Message Undeliverable.")
    if to == TO_131047:
        return graph_error(400, 131047, "Re-engagement message",
                           "Message failed to send because more than 24 hours have passed "
                           "since the customer last replied to this number.")
    if to == TO_500 and attempt <= 2:
        return graph_error(500, 131000, "Something went wrong")
    return None


def shape_problems(headers, body):
    problems = []
    if not (headers.get("content-type") or "").startswith("application/json"):
        problems.append(f"Content-Type is {headers.get('content-type')!r}")
    if headers.get("authorization") != f"Bearer {TOKEN}":
        problems.append(f"Authorization is {headers.get('authorization')!r}")
    if not isinstance(body, dict):
        return problems + [f"the body is not a JSON object: {body!r:.200}"]
    if body.get("messaging_product") != "whatsapp":
        problems.append("messaging_product is not whatsapp")
    if not isinstance(body.get("to"), str) or not body["to"].isdigit():
        problems.append(f"to is {body.get('to')!r}")
    t = body.get("type")
    extra = set(body) - {"messaging_product", "recipient_type", "to", "type", t}
    if extra:
        problems.append(f"unexpected fields {sorted(extra)}")
    if body.get("recipient_type", "individual") != "individual":
        problems.append(f"recipient_type is {body.get('recipient_type')!r}")
    if t == "text":
        text = (body.get("text") or {}).get("body")
        if not isinstance(text, str) or not text.strip() or len(text) > 4096:
            problems.append(f"text.body is not 1-4096 characters: {text!r:.80}")
    elif t == "interactive":
        i = body.get("interactive") or {}
        btext = (i.get("body") or {}).get("text")
        if not isinstance(btext, str) or not btext.strip() or len(btext) > 1024:
            problems.append(f"interactive body is not 1-1024 characters: {btext!r:.80}")
        for part in ("header", "footer"):
            if len((i.get(part) or {}).get("text", "")) > 60:
                problems.append(f"interactive {part} over 60 characters")
        action = i.get("action") or {}
        if i.get("type") == "button":
            bs = action.get("buttons")
            if not isinstance(bs, list) or not 1 <= len(bs) <= 3:
                problems.append(f"reply buttons: not 1-3: {bs!r}")
            else:
                for b in bs:
                    r = b.get("reply") or {}
                    if b.get("type") != "reply" or not r.get("id") or len(r["id"]) > 256 \
                            or not r.get("title") or len(r["title"]) > 20:
                        problems.append(f"bad reply button {b!r}")
                for field in ("id", "title"):
                    values = [(b.get("reply") or {}).get(field) for b in bs]
                    if len(set(values)) != len(values):
                        problems.append(f"reply button {field}s are not unique: {values}")
        elif i.get("type") == "list":
            secs = action.get("sections")
            rows = [r for s in secs for r in s.get("rows", [])] if isinstance(secs, list) else []
            if not action.get("button") or len(action["button"]) > 20:
                problems.append(f"list button label {action.get('button')!r}")
            if not 1 <= len(rows) <= 10 or not 1 <= len(secs or []) <= 10:
                problems.append(f"list: {len(secs or [])} sections, {len(rows)} rows")
            if len(secs or []) > 1 and not all(s.get("title") for s in secs):
                problems.append("list sections need titles when there are several")
            for r in rows:
                if not r.get("id") or len(r["id"]) > 200 or not r.get("title") \
                        or len(r["title"]) > 24 or len(r.get("description", "")) > 72:
                    problems.append(f"bad list row {r!r}")
            ids = [r.get("id") for r in rows]
            if len(set(ids)) != len(ids):
                problems.append(f"list row ids are not unique: {ids}")
        else:
            problems.append(f"interactive type {i.get('type')!r}")
    else:
        problems.append(f"unexpected type {t!r}")
    return problems


class FakeGraph:
    """POST /v21.0/<PHONE_ID>/messages: records each call (t, to, body, kind, text,
    attempt, status, problems) and answers like the Cloud API."""

    def __init__(self):
        self.lock = threading.Lock()
        self.calls = []
        self.attempts = {}
        self.next_id = 0
        fake = self

        class Handler(harness.QuietHandler):
            def do_POST(self):
                t = time.monotonic()
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = harness.parse_json(raw)
                headers = {k.lower(): v for k, v in self.headers.items()}
                problems = []
                if self.path != f"/v21.0/{PHONE_ID}/messages":
                    problems.append(f"path {self.path}")
                problems += shape_problems(headers, body)
                b = body if isinstance(body, dict) else {}
                to = b.get("to")
                kind = b.get("type")
                if kind == "interactive":
                    kind = "interactive/" + str((b.get("interactive") or {}).get("type"))
                    text = ((b.get("interactive") or {}).get("body") or {}).get("text")
                else:
                    text = (b.get("text") or {}).get("body")
                call = {"t": t, "to": to, "body": body, "kind": kind, "text": text,
                        "problems": problems}
                delay = 0
                with fake.lock:
                    key = (to, json.dumps(body, sort_keys=True))
                    call["attempt"] = fake.attempts[key] = fake.attempts.get(key, 0) + 1
                    fake.next_id += 1
                    wamid = f"wamid.OUT{fake.next_id}"
                if headers.get("authorization") != f"Bearer {TOKEN}":
                    status, doc = graph_error(401, 190, "Invalid OAuth access token")
                elif problems:
                    status, doc = graph_error(400, 100, "Invalid parameter", "; ".join(problems))
                else:
                    fault = fault_for(to, call["attempt"])
                    if fault and fault[0] == "delay":
                        fault, delay = None, fault[1]
                    status, doc = fault or (200, {
                        "messaging_product": "whatsapp",
                        "contacts": [{"input": to, "wa_id": to}],
                        "messages": [{"id": wamid}]})
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


# ---- notifications as Meta sends them --------------------------------------------------------

_n = [0]


def wamid():
    _n[0] += 1
    return f"wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQz{_n[0]:06d}"


def msg(frm, type_, payload, mid=None):
    return {"from": frm, "id": mid or wamid(), "timestamp": "1700000000", "type": type_,
            type_: payload}


def text_msg(frm, text, mid=None):
    return msg(frm, "text", {"body": text}, mid)


def notification(*messages, statuses=None, names=None):
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "15550000000", "phone_number_id": PHONE_ID}}
    if messages:
        value["contacts"] = [{"profile": {"name": (names or {}).get(m["from"], "Ana")},
                              "wa_id": m["from"]} for m in messages]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = statuses
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "WABA1", "changes": [{"field": "messages", "value": value}]}]}


def sign(raw, secret=APP_SECRET):
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def test(parley, checks, tmp):
    fake = FakeGraph()
    os.environ.update(PARLEY_TEST_WA_TOKEN=TOKEN, PARLEY_TEST_WA_APP_SECRET=APP_SECRET,
                      PARLEY_TEST_WA_VERIFY_TOKEN=VERIFY)
    tenants = tmp / "tenants"
    harness.copy_fixture("whatsapp_bot", tenants / TENANT, GRAPH_BASE=fake.url,
                         PACING="chat_rate_per_second = 0,")
    harness.copy_fixture("whatsapp_bot", tenants / PACE_TENANT, GRAPH_BASE=fake.url,
                         PACING=f"rate_per_second = {PACE_RATE},")
    data = tmp / "data"
    serve, base = harness.serve_checked(checks, "serve with a whatsapp tenant", parley, tenants,
                                        data, tmp)
    if base is None:
        return
    hook = f"/hook/{TENANT}/whatsapp"

    def post(doc, signature="good", raw=None, tenant=TENANT):
        raw = raw if raw is not None else json.dumps(doc).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "good":
            headers["X-Hub-Signature-256"] = sign(raw)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return harness.request(base, "POST", f"/hook/{tenant}/whatsapp", raw, headers)

    def accepted(doc, what, tenant=TENANT):
        status, _, body = post(doc, tenant=tenant)
        return checks.check(status == 200 and "duplicate" not in body,
                            f"{what}: the notification is accepted (200)", f"{status} {body}")

    def replies(to, n=1, timeout=10):
        harness.wait_for(lambda: len(fake.sent(to)) >= n, timeout)
        return fake.sent(to)

    # A slow answer first: its retry comes after parley's 10 s send timeout.
    accepted(notification(text_msg(TO_SLOW, "slow")), "to a slow send")

    # ---- the GET handshake ----
    q = urllib.parse.urlencode({"hub.mode": "subscribe", "hub.verify_token": VERIFY,
                                "hub.challenge": "1158201444"})
    status, headers, body = harness.request(base, "GET", f"{hook}?{q}")
    checks.check(status == 200 and body == "1158201444"
                 and headers.get("content-type", "").startswith("text/plain"),
                 "GET handshake with the right verify token -> 200 text/plain, the raw "
                 "hub.challenge", f"{status} {headers.get('content-type')} {body!r}")
    for what, params in [
            ("a wrong verify token", {"hub.mode": "subscribe", "hub.verify_token": "nope",
                                      "hub.challenge": "1"}),
            ("no verify token", {"hub.mode": "subscribe", "hub.challenge": "1"}),
            ("hub.mode other than subscribe", {"hub.mode": "unsubscribe",
                                               "hub.verify_token": VERIFY,
                                               "hub.challenge": "1"})]:
        status, _, body = harness.request(base, "GET",
                                          f"{hook}?{urllib.parse.urlencode(params)}")
        checks.check(status == 403 and "1" != body, f"GET handshake with {what} -> 403",
                     f"{status} {body}")

    # ---- signatures ----
    accepted_before = harness.metric(base, "parley_events_accepted_total", TENANT)
    unsigned_doc = notification(text_msg("15551000020", "let me in"))
    status, _, body = post(unsigned_doc, signature=None)
    checks.check(status == 401, "a POST without X-Hub-Signature-256 -> 401", f"{status} {body}")
    status, _, body = post(unsigned_doc, signature=sign(json.dumps(unsigned_doc).encode(),
                                                        "other-secret"))
    checks.check(status == 401, "a POST signed with another secret -> 401", f"{status} {body}")
    raw = json.dumps(unsigned_doc).encode()
    status, _, body = post(None, signature=sign(raw), raw=raw + b" ")
    checks.check(status == 401, "a POST whose body changed after signing -> 401",
                 f"{status} {body}")
    status, _, body = post(unsigned_doc, signature="sha1=" + "0" * 40)
    checks.check(status == 401, "a legacy sha1= signature only -> 401", f"{status} {body}")
    checks.check(harness.metric(base, "parley_events_accepted_total", TENANT) == accepted_before,
                 "... and nothing was stored (parley_events_accepted_total unchanged)",
                 accepted_before)

    # ---- text in, text out ----
    accepted(notification(text_msg("15551000001", "hello"), names={"15551000001": "Ana"}),
             "a text")
    r = replies("15551000001")
    checks.check(len(r) == 1 and r[0]["kind"] == "text"
                 and r[0]["text"] == "echo: hello from Ana" and not r[0]["problems"],
                 "a text is answered by a text message (POST /v21.0/<phone_number_id>/messages, "
                 "Bearer token, to = the sender's wa_id, user name from contacts)",
                 f"{r}\n{serve.describe()}")
    checks.check(r and r[0]["body"].get("to") == "15551000001"
                 and r[0]["body"].get("messaging_product") == "whatsapp",
                 "... with messaging_product whatsapp and to = wa_id", r)

    # ---- buttons ----
    accepted(notification(text_msg("15551000002", "/three")), "/three")
    r = replies("15551000002")
    want = [{"type": "reply", "reply": {"id": f"opt{i}", "title": f"Option {i}"}}
            for i in (1, 2, 3)]
    got = r[0]["body"].get("interactive") if r else None
    checks.check(r and r[0]["kind"] == "interactive/button" and got["body"]["text"] == "Pick one"
                 and got["action"]["buttons"] == want,
                 "3 buttons -> interactive reply buttons (id, title)", r)

    accepted(notification(text_msg("15551000003", "/five")), "/five")
    r = replies("15551000003")
    got = r[0]["body"].get("interactive") if r else None
    rows = [{"id": f"opt{i}", "title": f"Option {i}"} for i in range(1, 6)]
    checks.check(r and r[0]["kind"] == "interactive/list" and got["body"]["text"] == "Pick a slot"
                 and got["action"].get("button") == "Choose"
                 and got["action"].get("sections") == [{"rows": rows}],
                 "5 buttons -> an interactive list (one section, button \"Choose\")", r)

    accepted(notification(text_msg("15551000004", "/twelve")), "/twelve")
    r = replies("15551000004")
    menu = "\n".join(f"{i}. Option {i}" for i in range(1, 13))
    checks.check(r and r[0]["kind"] == "text" and r[0]["text"].startswith("Pick a talk\n\n" + menu),
                 "12 buttons -> a numbered text menu in the body", r and r[0]["text"])
    accepted(notification(text_msg("15551000004", "2")), "a typed 2")
    r = replies("15551000004", 2)
    checks.check(len(r) == 2 and r[1]["text"] == "pressed opt2 by 15551000004",
                 "... and a typed \"2\" presses the second option", [c["text"] for c in r])

    # ---- button presses ----
    press = msg("15551000002", "interactive", {
        "type": "button_reply", "button_reply": {"id": "opt3", "title": "Option 3"}})
    press["context"] = {"from": "15550000000", "id": "wamid.OUT2"}
    accepted(notification(press), "a button_reply")
    r = replies("15551000002", 2)
    checks.check(len(r) == 2 and r[1]["text"] == "pressed opt3 by 15551000002",
                 "interactive button_reply -> the button handler with its id",
                 [c["text"] for c in r])
    pick = msg("15551000003", "interactive", {
        "type": "list_reply", "list_reply": {"id": "opt5", "title": "Option 5"}})
    accepted(notification(pick), "a list_reply")
    r = replies("15551000003", 2)
    checks.check(len(r) == 2 and r[1]["text"] == "pressed opt5 by 15551000003",
                 "interactive list_reply -> the button handler with the row id",
                 [c["text"] for c in r])

    # ---- a batch, a replay ----
    accepted_before = harness.metric(base, "parley_events_accepted_total", TENANT)
    first = text_msg("15551000005", "one")
    second = text_msg("15551000006", "two")
    accepted(notification(first, second), "a batch of 2 messages")
    r5, r6 = replies("15551000005"), replies("15551000006")
    checks.check(harness.metric(base, "parley_events_accepted_total", TENANT)
                 == accepted_before + 2, "a batch of 2 messages -> 2 events",
                 harness.metric(base, "parley_events_accepted_total", TENANT))
    checks.check([c["text"] for c in r5 + r6] == ["echo: one from Ana", "echo: two from Ana"],
                 "... and 2 replies, one per sender", [c["text"] for c in r5 + r6])
    status, _, body = post(notification(first))
    checks.check(status == 200, "the same wamid again -> 200", f"{status} {body}")
    time.sleep(0.5)
    checks.check(len(fake.sent("15551000005")) == 1, "... and no second reply",
                 fake.sent("15551000005"))

    # ---- statuses, other kinds ----
    accepted_before = harness.metric(base, "parley_events_accepted_total", TENANT)
    errors_before = harness.metric(base, "parley_handler_errors_total", TENANT)
    st = [{"id": "wamid.OUT1", "status": s, "timestamp": "1700000004",
           "recipient_id": "15551000001"} for s in ("sent", "delivered", "read")]
    accepted(notification(statuses=st), "3 statuses")
    harness.wait_for(lambda: harness.metric(base, "parley_events_handled_total", TENANT)
                     >= harness.metric(base, "parley_events_accepted_total", TENANT), 10)
    checks.check(harness.metric(base, "parley_events_accepted_total", TENANT)
                 == accepted_before + 3, "3 statuses -> 3 status events (wamid:status)",
                 harness.metric(base, "parley_events_accepted_total", TENANT))
    time.sleep(0.5)
    checks.check(len(fake.sent("15551000001")) == 1, "... and no reply to a status",
                 fake.sent("15551000001"))
    checks.check(harness.metric(base, "parley_handler_errors_total", TENANT) == errors_before,
                 "... and no handler error", errors_before)
    status, _, body = post(notification(statuses=st[:1]))
    checks.check(status == 200, "a replayed status -> 200", f"{status} {body}")

    for to, m, want in [
            ("15551000007", msg("15551000007", "location", {
                "latitude": 52.52, "longitude": 13.4, "name": "Expo", "address": "Hall 1"}),
             "location 52.52,13.40 Expo"),
            ("15551000008", msg("15551000008", "contacts", [{
                "name": {"formatted_name": "Bo", "first_name": "Bo"},
                "phones": [{"phone": "+1 555 0100", "wa_id": "15550100", "type": "CELL"}]}]),
             "contact +1 555 0100"),
            ("15551000009", msg("15551000009", "image", {
                "id": "MEDIA123", "mime_type": "image/jpeg", "sha256": "x", "caption": "look"}),
             "media image MEDIA123 look")]:
        accepted(notification(m), m["type"])
        r = replies(to)
        checks.check([c["text"] for c in r] == [want],
                     f"a {m['type']} message -> its handler ({want!r})", [c["text"] for c in r])

    accepted_before = harness.metric(base, "parley_events_accepted_total", TENANT)
    for what, doc in [
            ("a reaction", notification(msg("15551000010", "reaction",
                                            {"message_id": "wamid.OUT1", "emoji": "👍"}))),
            ("an unsupported message", notification(msg("15551000010", "unsupported", {}))),
            ("another field", {"object": "whatsapp_business_account", "entry": [{
                "id": "WABA1", "changes": [{"field": "account_update", "value": {}}]}]}),
            ("an empty entry list", {"object": "whatsapp_business_account", "entry": []})]:
        status, _, body = post(doc)
        checks.check(status == 200, f"{what} -> 200 (acknowledged)", f"{status} {body}")
    checks.check(harness.metric(base, "parley_events_accepted_total", TENANT) == accepted_before,
                 "... and none of them became an event", accepted_before)
    status, _, body = post(None, raw=b"not json")
    checks.check(status == 400, "a signed body that is not JSON -> 400", f"{status} {body}")

    # ---- faults ----
    for to, what in [(TO_131047, "to a user outside the window"), (TO_500, "to a flaky send"),
                     (TO_130429, "over the throughput"), (TO_131056, "over the pair rate"),
                     (TO_131026, "to a user who cannot receive")]:
        accepted(notification(text_msg(to, "fault")), what)
    harness.wait_for(lambda: any(c["status"] == 200 for c in fake.sent(TO_500)), 15)
    got = [c["status"] for c in fake.sent(TO_500)]
    checks.check(got == [500, 500, 200], "500 -> retried with backoff until delivered", got)
    for to, code, least, why in [(TO_130429, 130429, 2.0, "no Retry-After: parley waits 2 s"),
                                 (TO_131056, 131056, 6.0, "pair rate: >= 6 s for that user")]:
        harness.wait_for(lambda: any(c["status"] == 200 for c in fake.sent(to)), least + 5)
        got = fake.sent(to)
        gap = got[1]["t"] - got[0]["t"] if len(got) >= 2 else None
        checks.check([c["status"] for c in got] == [400, 200]
                     and got[0]["body"] == got[1]["body"],
                     f"error {code} -> sent again and delivered, once",
                     [(c["status"], c["text"]) for c in got])
        checks.check(gap is not None and least - 0.1 <= gap <= least + 2,
                     f"... after {least:.0f} s ({why})", f"gap {gap}")
    dead = harness.run_until([parley, "outbox", "--data", data, "--dead"],
                             lambda r: r.rc == 0 and "2 dead letter(s)" in r.out, 10,
                             timeout=20, cwd=tmp)
    for ln in dead.lines:
        checks.info(f"outbox --dead: {ln}")
    line = next((ln for ln in dead.lines if TO_131047 in ln), "")
    checks.check("2 dead letter(s)" in dead.out and "needs_template" in line
                 and "131047" in line,
                 "error 131047 -> a dead letter, class needs_template, with Meta's message",
                 dead.describe())
    line = next((ln for ln in dead.lines if TO_131026 in ln), "")
    checks.check("unreachable" in line and "131026" in line,
                 "error 131026 (undeliverable: the user blocked us or is not on WhatsApp) -> "
                 "a dead letter, class unreachable", dead.describe())
    time.sleep(1.0)
    for to in (TO_131047, TO_131026):
        checks.check(len(fake.sent(to)) == 1, f"... {to} not retried (1 attempt)",
                     fake.sent(to))

    # ---- limits: per user and per number, from the fake's arrival times ----
    accepted(notification(text_msg(PACE_BURST, "/burst 2")), "/burst 2", PACE_TENANT)
    for to in PACE_USERS:
        accepted(notification(text_msg(to, "pace")), f"to {to}", PACE_TENANT)
    pace = [PACE_BURST] + PACE_USERS
    paced = lambda: [c for c in fake.sent() if c["to"] in pace]  # noqa: E731
    harness.wait_for(lambda: len(paced()) >= 2 + len(PACE_USERS), 12)
    time.sleep(0.5)
    burst = fake.sent(PACE_BURST)
    gap = burst[1]["t"] - burst[0]["t"] if len(burst) >= 2 else None
    checks.check([c["text"] for c in burst] == ["burst 1", "burst 2"]
                 and gap is not None and 5.9 <= gap <= 8,
                 "/burst 2: the second reply 6 s after the first (WhatsApp's default: one "
                 "message per 6 s per user)", f"{[c['text'] for c in burst]}, gap {gap}")
    times = [c["t"] for c in paced()]
    checks.check(len(times) == 2 + len(PACE_USERS)
                 and all(len(fake.sent(to)) == 1 for to in PACE_USERS),
                 f"{len(PACE_USERS)} users answered at once: every reply sent once",
                 [(c["to"], c["text"]) for c in paced()])
    harness.check_rate(checks, f"... and the number's rate_per_second = {PACE_RATE} held",
                       times, PACE_RATE)

    # ---- the slow answer ----
    harness.wait_for(lambda: len(fake.sent(TO_SLOW)) >= 2, harness.SLOW_ANSWER + 5)
    time.sleep(0.5)
    harness.check_slow_answer(checks, "", fake.sent(TO_SLOW), "Cloud API")
    waiting = harness.run([parley, "outbox", "--data", data], timeout=20, cwd=tmp)
    checks.check(waiting.rc == 0 and "0 message(s) waiting" in waiting.out,
                 "nothing is left waiting in the outbox", waiting.describe())

    # ---- what did not happen ----
    status, _, body = post(unsigned_doc)
    checks.check(status == 200 and "duplicate" not in body,
                 "the notification refused with 401 is accepted as new once signed "
                 "(nothing was stored)", f"{status} {body}")
    r = replies("15551000020")
    checks.check([c["text"] for c in r] == ["echo: let me in from Ana"], "... and answered",
                 [c["text"] for c in r])
    bad = [c for c in fake.sent() if c["problems"]]
    checks.check(not bad, "every request parley sent was well-formed for the Cloud API", bad)

    serve.signal(15)
    checks.check(serve.wait(20) == 0, "SIGTERM -> exit 0", serve.describe())
    log = "\n".join(serve.lines("err"))
    checks.check("AddressSanitizer" not in log and "runtime error" not in log
                 and TOKEN not in log and APP_SECRET not in log,
                 "no sanitizer report; the token and app secret never appear in the log",
                 serve.describe(40))


if __name__ == "__main__":
    harness.main(test, BUDGET)
