#!/usr/bin/env python3
"""The Telegram channel (plugins/telegram), webhook mode, end to end against a fake Bot API.

Tenant "tg" (fixture telegram_bot) serves the telegram channel with a secret token; its
api_base points at this script's FakeTelegram, which checks every request's shape
(path /bot<TOKEN>/<method>, JSON body, chat_id an integer, text 1-4096 characters, no
parse_mode, inline_keyboard buttons with callback_data of 1-64 bytes), records it and
answers with Telegram's envelopes, injecting faults by chat id. Updates are POSTed to
/hook/tg/telegram as Telegram does:
  - a text message -> reply by sendMessage; /menu -> the buttons as an inline_keyboard
  - "/start booth_17" -> the start handler with the payload, the user's id, name, language
  - "/say@parley_test_bot hi" -> the command handler sees "/say hi"
  - a callback_query -> the button handler runs AND answerCallbackQuery(id) is sent
  - wrong or missing secret token -> 401, nothing stored (the same update_id is accepted
    as new afterwards); a replayed update_id -> "duplicate", no second reply
  - edited_message, my_chat_member, photo, contact, location, channel_post, unknown
    types -> 200 with no event; not JSON / not an Update -> 400; GET -> 405
  - /long (about 14,000 characters) -> 4 sendMessage parts of <= 4096 characters, in
    order, cut at a sentence, a paragraph, a word; the buttons on the last part only
  - faults: 429 retry_after 1 -> sent again after ~1 s; 500 -> retried; 403 "bot was
    blocked by the user" -> dead letter (parley outbox --dead), not retried; 401 ->
    dead letter (auth); 400 "chat not found" -> dead letter; 400 "message is not
    modified" -> delivered
  - a slow answer: the fake holds the first sendMessage longer than parley's send
    timeout (10 s, runtime/worker.c), then answers 200 -> parley sends it again and it is
    not lost; but the fake had delivered the first one too: the user sees it TWICE (the
    Bot API has no idempotency key; CHANNELS.md §7.6 accepts rare duplicates)
  - limits (tenant "tgpace": rate_per_second = 4, Telegram's default 1/s per chat),
    checked from the fake's arrival times: /burst 4 leaves one a second; 12 chats
    answered at once leave at most 4 at once, then 4/s; every message once
The fake checks each request against CHANNELS.md §1 (path /bot<token>/<method>, POST
JSON, the fields and limits above, inline keyboards <= 8 per row and <= 100 buttons,
setWebhook's url and secret_token) and answers a malformed one 400.
Then: no malformed request reached the fake, SIGTERM -> exit 0, no sanitizer report.

Usage: python3 test_telegram_webhook.py PATH/TO/parley
"""

import json
import os
import re
import sys
import threading
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import harness  # noqa: E402  (tests/integration/harness.py)

TENANT = "tg"
TOKEN = "123456789:AAtest-token_for_parley"
SECRET = "hook-secret_42"
BUDGET = 120
TEXT_MAX = 4096
PACE_TENANT, PACE_RATE = "tgpace", 4
PACE_BURST_CHAT, PACE_CHATS = 2000, list(range(2101, 2113))

# chats whose sendMessage the fake answers with a fault
CHAT_429, CHAT_500, CHAT_403, CHAT_401 = 1429, 1500, 1403, 1401
CHAT_NOT_FOUND, CHAT_NOT_MODIFIED = 1404, 1400
CHAT_SLOW = 1408  # the first sendMessage is answered (200) only after harness.SLOW_ANSWER


def envelope_error(code, description, **parameters):
    doc = {"ok": False, "error_code": code, "description": description}
    if parameters:
        doc["parameters"] = parameters
    return code, doc


def fault_for(chat, attempt):
    """How the fake answers the `attempt`-th sendMessage to `chat`: (status, JSON), or
    ("delay", seconds) to answer as usual after that long, or None (at once, 200)."""
    if chat == CHAT_SLOW and attempt == 1:
        return "delay", harness.SLOW_ANSWER
    if chat == CHAT_429 and attempt == 1:
        return envelope_error(429, "Too Many Requests: retry after 1", retry_after=1)
    if chat == CHAT_500 and attempt <= 2:
        return envelope_error(500, "Internal Server Error")
    if chat == CHAT_403:
        return envelope_error(403, "Forbidden: bot was blocked by the user")
    if chat == CHAT_401:
        return envelope_error(401, "Unauthorized")
    if chat == CHAT_NOT_FOUND:
        return envelope_error(400, "Bad Request: chat not found")
    if chat == CHAT_NOT_MODIFIED:
        return envelope_error(400, "Bad Request: message is not modified: specified new "
                                   "message content and reply markup are exactly the same")
    return None


def shape_problems(method, headers, body):
    """What is wrong with a Bot API call, as Telegram would see it (list of strings)."""
    problems = []
    if not (headers.get("content-type") or "").startswith("application/json"):
        problems.append(f"Content-Type is {headers.get('content-type')!r}")
    if not isinstance(body, dict):
        return problems + [f"the body is not a JSON object: {body!r:.200}"]
    if method == "sendMessage":
        extra = set(body) - {"chat_id", "text", "reply_markup"}
        if extra:
            problems.append(f"unexpected fields {sorted(extra)}")
        if not isinstance(body.get("chat_id"), int):
            problems.append(f"chat_id is not an integer: {body.get('chat_id')!r}")
        text = body.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > TEXT_MAX:
            problems.append(f"text is not 1-{TEXT_MAX} characters: "
                            f"{len(text) if isinstance(text, str) else text!r}")
        markup = body.get("reply_markup")
        if markup is not None:
            rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
            if not isinstance(rows, list) or not rows or set(markup) != {"inline_keyboard"}:
                problems.append(f"reply_markup is not an inline keyboard: {markup!r}")
            elif sum(len(r) for r in rows if isinstance(r, list)) > 100 \
                    or any(isinstance(r, list) and len(r) > 8 for r in rows):
                problems.append("reply markup is too long (> 100 buttons or > 8 in a row)")
            else:
                for row in rows:
                    if not isinstance(row, list) or not row:
                        problems.append(f"a keyboard row is not a non-empty list: {row!r}")
                        continue
                    for b in row:
                        data = b.get("callback_data") if isinstance(b, dict) else None
                        if not isinstance(b, dict) or set(b) != {"text", "callback_data"} \
                                or not isinstance(b.get("text"), str) or not b["text"] \
                                or not isinstance(data, str) \
                                or not 1 <= len(data.encode()) <= 64:
                            problems.append(f"BUTTON_DATA_INVALID: {b!r}")
    elif method == "answerCallbackQuery":
        if set(body) != {"callback_query_id"} or not isinstance(body["callback_query_id"], str):
            problems.append(f"answerCallbackQuery body {body!r}")
    elif method == "setWebhook":
        secret = body.get("secret_token", "x")
        if not str(body.get("url", "")).startswith("https://") \
                or not isinstance(body.get("allowed_updates", []), list) \
                or not all(isinstance(u, str) for u in body.get("allowed_updates", [])) \
                or not isinstance(secret, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            problems.append(f"setWebhook body {body!r}")
    else:
        problems.append(f"unexpected method {method}")
    return problems


class FakeTelegram:
    """The Bot API at /bot<TOKEN>/<method>: records every call as a dict (t, method,
    body, chat, text, markup, attempt, status, problems) and answers like Telegram:
    {"ok":true,"result":...}, or an error envelope (a fault of fault_for, a malformed
    request: 400, a wrong token: 401, an unknown path: 404)."""

    def __init__(self, token):
        self.lock = threading.Lock()
        self.calls = []
        self.attempts = {}
        self.next_id = 1000
        fake = self

        class Handler(harness.QuietHandler):
            def do_POST(self):
                t = time.monotonic()
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = harness.parse_json(raw)
                headers = {k.lower(): v for k, v in self.headers.items()}
                m = re.fullmatch(r"/bot([^/]+)/(\w+)", self.path)
                method = m.group(2) if m else None
                problems = [] if m else [f"path {self.path}"]
                if m and m.group(1) != token:
                    problems.append("wrong token in the path")
                if m:
                    problems += shape_problems(method, headers, body)
                call = {"t": t, "method": method, "path": self.path, "body": body,
                        "chat": body.get("chat_id") if isinstance(body, dict) else None,
                        "text": body.get("text") if isinstance(body, dict) else None,
                        "markup": body.get("reply_markup") if isinstance(body, dict) else None,
                        "problems": problems}
                with fake.lock:
                    key = (call["chat"], call["text"])
                    call["attempt"] = fake.attempts[key] = fake.attempts.get(key, 0) + 1
                    fake.next_id += 1
                    message_id = fake.next_id
                fault, delay = None, 0
                if m and m.group(1) == token and not problems and method == "sendMessage":
                    fault = fault_for(call["chat"], call["attempt"])
                    if fault and fault[0] == "delay":
                        fault, delay = None, fault[1]
                if not m:
                    status, doc = envelope_error(404, "Not Found")
                elif m.group(1) != token:
                    status, doc = envelope_error(401, "Unauthorized")
                elif problems:
                    status, doc = envelope_error(400, "Bad Request: " + "; ".join(problems))
                elif method == "answerCallbackQuery":
                    status, doc = 200, {"ok": True, "result": True}
                else:
                    status, doc = fault or (
                        200, {"ok": True, "result": {
                            "message_id": message_id, "date": int(time.time()),
                            "chat": {"id": call["chat"], "type": "private"},
                            "text": call["text"]}})
                call["status"], call["delay"] = status, delay
                with fake.lock:
                    fake.calls.append(call)
                time.sleep(delay)  # the message is sent, whether or not parley still waits
                self.answer(status, json.dumps(doc).encode())

        self.server = harness.serve_http(Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def snapshot(self, method=None, chat=None):
        with self.lock:
            return [dict(c) for c in self.calls
                    if (method is None or c["method"] == method)
                    and (chat is None or c["chat"] == chat)]

    def sent(self, chat):
        """sendMessage calls to `chat`, in order of arrival."""
        return self.snapshot("sendMessage", chat)

    def wait(self, pred, timeout=10):
        return harness.wait_for(pred, timeout)


# ---- Updates as Telegram sends them --------------------------------------------------------

_update_id = [500000]


def next_update_id():
    _update_id[0] += 1
    return _update_id[0]


def user(uid, first="Ana", last=None, lang="es"):
    u = {"id": uid, "is_bot": False, "first_name": first}
    if last:
        u["last_name"] = last
    if lang:
        u["language_code"] = lang
    return u


def text_update(chat, text, uid=None, **who):
    uid = uid or chat
    entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] \
        if text.startswith("/") else []
    msg = {"message_id": 42, "date": 1700000000, "from": user(uid, **who),
           "chat": {"id": chat, "type": "private", "first_name": "Ana"}, "text": text}
    if entities:
        msg["entities"] = entities
    return {"update_id": next_update_id(), "message": msg}


def callback_update(chat, data, cq_id, uid=None):
    return {"update_id": next_update_id(), "callback_query": {
        "id": cq_id, "from": user(uid or chat),
        "message": {"message_id": 44, "date": 1700000010,
                    "chat": {"id": chat, "type": "private"}, "text": "Menu"},
        "chat_instance": "-5512345678901234567", "data": data}}


def long_text():
    """The text of the fixture's /long (tests/fixtures/telegram_bot/bot.lua)."""
    intro = " ".join(["Welcome to the long read."] + ["Short intro sentence."] * 10)
    sentences = " ".join(f"Sentence {n} says grüße 👋 and more." for n in range(1, 201))
    words = " ".join(f"word{n}" for n in range(1, 901))
    return f"{intro}\n\n{sentences}\n\n{words}\n\nThe end."


def test(parley, checks, tmp):
    fake = FakeTelegram(TOKEN)
    os.environ["PARLEY_TEST_TELEGRAM_TOKEN"] = TOKEN  # the fixture's token_env
    tenants = tmp / "tenants"
    harness.copy_fixture("telegram_bot", tenants / TENANT, API_BASE=fake.url, SECRET=SECRET,
                         TENANT=TENANT, PACING="")
    harness.copy_fixture("telegram_bot", tenants / PACE_TENANT, API_BASE=fake.url,
                         SECRET=SECRET, TENANT=PACE_TENANT,
                         PACING=f"rate_per_second = {PACE_RATE},")
    data = tmp / "data"
    serve, base = harness.serve_checked(checks, "serve with a telegram tenant", parley, tenants,
                                        data, tmp)
    if base is None:
        return
    hook = f"/hook/{TENANT}/telegram"

    fake.wait(lambda: len(fake.snapshot("setWebhook")) >= 2, 5)
    reg = [c for c in fake.snapshot("setWebhook")
           if c["body"].get("url") == f"https://bots.example.test/hook/{TENANT}/telegram"]
    checks.check(len(reg) == 1 and reg[0]["body"].get("secret_token") == SECRET,
                 "at start, setWebhook registers webhook_url with the secret token", reg)

    def post(update, secret=SECRET, raw=None, tenant=TENANT):
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return harness.request(base, "POST", f"/hook/{tenant}/telegram",
                               raw if raw is not None else json.dumps(update), headers)

    def accepted(update, what, tenant=TENANT):
        status, _, body = post(update, tenant=tenant)
        return checks.check(status == 200 and "duplicate" not in body,
                            f"{what}: the update is accepted (200)", f"{status} {body}")

    def reply_to(chat, timeout=10):
        fake.wait(lambda: fake.sent(chat), timeout)
        got = fake.sent(chat)
        return got[0] if got else None

    # A slow answer first: its retry comes after parley's 10 s send timeout.
    accepted(text_update(CHAT_SLOW, "/say slow"), f"chat {CHAT_SLOW}")

    # ---- text, menu, deep link, command with @botname ----
    accepted(text_update(1001, "hello"), "text message")
    r = reply_to(1001)
    checks.check(r is not None and r["text"] == "echo: hello" and r["markup"] is None,
                 "a text message is answered by sendMessage to /bot<token>/sendMessage "
                 "(chat_id an integer, plain text, no keyboard)", f"{r}\n{serve.describe()}")

    accepted(text_update(1002, "/menu"), "/menu")
    r = reply_to(1002)
    want = [[{"text": "Programme", "callback_data": "programme"},
             {"text": "EXPO", "callback_data": "expo"}],
            [{"text": "Help", "callback_data": "help"}]]
    checks.check(r is not None and r["text"] == "Menu"
                 and r["markup"] == {"inline_keyboard": want},
                 "the menu's buttons arrive as an inline_keyboard (rows kept, id -> "
                 "callback_data)", r)

    accepted(text_update(1003, "/start booth_17", uid=111, first="Ana", last="López",
                         lang="es"), "/start booth_17")
    r = reply_to(1003)
    checks.check(r is not None
                 and r["text"] == "start payload=booth_17 user=111 name=Ana López lang=es",
                 "'/start booth_17' reaches the start handler with the payload, from.id, "
                 "first + last name and language_code", r)
    accepted(text_update(1004, "/start", lang=None), "plain /start")
    r = reply_to(1004)
    checks.check(r is not None and r["text"] == "start payload=nil user=1004 name=Ana lang=nil",
                 "a plain '/start' reaches the start handler with no payload", r)

    accepted(text_update(1005, "/say@parley_test_bot hi there"), "/say@botname")
    r = reply_to(1005)
    checks.check(r is not None and r["text"] == "say args=hi there raw=/say hi there",
                 "'/say@parley_test_bot hi there' arrives as the command '/say hi there'", r)

    # ---- a button press: handler + answerCallbackQuery ----
    cb = callback_update(1002, "expo", "4382bfdwdsb323b2d9", uid=222)
    accepted(cb, "callback_query")
    fake.wait(lambda: len(fake.sent(1002)) >= 2)
    texts = [c["text"] for c in fake.sent(1002)]
    checks.check(texts == ["Menu", "pressed expo by 222"],
                 "a callback_query runs the button handler with its data (presser's id)", texts)
    fake.wait(lambda: fake.snapshot("answerCallbackQuery"), 5)
    answers = [c["body"] for c in fake.snapshot("answerCallbackQuery")]
    checks.check(answers == [{"callback_query_id": "4382bfdwdsb323b2d9"}],
                 "... and the fake receives answerCallbackQuery for that callback id, once",
                 answers)
    answered = fake.snapshot("answerCallbackQuery")
    checks.check(answered and answered[0]["status"] == 200 and not answered[0]["problems"],
                 "... well-formed (POST /bot<token>/answerCallbackQuery, JSON)", answered)

    # ---- authentication ----
    accepted_before = harness.metric(base, "parley_events_accepted_total", TENANT)
    unauth = text_update(1020, "let me in")
    status, _, body = post(unauth, secret="wrong-secret")
    err = harness.json_error(body)
    checks.check(status == 401 and err is not None and "secret" in err["detail"].lower(),
                 "a wrong X-Telegram-Bot-Api-Secret-Token -> 401 (JSON error naming it)",
                 f"{status} {body}")
    status, _, body = post(unauth, secret=None)
    checks.check(status == 401, "no secret token header -> 401", f"{status} {body}")
    status, _, body = post(unauth, secret=SECRET + "x")
    checks.check(status == 401, "a secret token with an extra character -> 401",
                 f"{status} {body}")
    checks.check(harness.metric(base, "parley_events_accepted_total", TENANT) == accepted_before,
                 "... and nothing was accepted (parley_events_accepted_total unchanged)",
                 accepted_before)

    # ---- a replayed update ----
    replay = text_update(1006, "once only")
    accepted(replay, "an update")
    status, _, body = post(replay)
    checks.check(status == 200 and "duplicate" in body,
                 "the same update_id again -> 200 duplicate", f"{status} {body}")

    # ---- updates that carry nothing for the bot (yet) ----
    u = next_update_id
    mapped = {
        "edited_message": {"update_id": u(), "edited_message": {
            "message_id": 42, "date": 1700000000, "edit_date": 1700000100,
            "from": user(1030), "chat": {"id": 1030, "type": "private"}, "text": "edited"}},
        "my_chat_member (blocked)": {"update_id": u(), "my_chat_member": {
            "chat": {"id": 1031, "type": "private"}, "from": user(1031), "date": 1700000100,
            "old_chat_member": {"status": "member", "user": user(222, "Bot")},
            "new_chat_member": {"status": "kicked", "until_date": 0,
                                "user": user(222, "Bot")}}},
        "a photo": {"update_id": u(), "message": {
            "message_id": 45, "date": 1700000000, "from": user(1032),
            "chat": {"id": 1032, "type": "private"}, "caption": "look",
            "photo": [{"file_id": "AgAD1", "file_unique_id": "u1", "width": 90,
                       "height": 90}]}},
        "a document": {"update_id": u(), "message": {
            "message_id": 46, "date": 1700000000, "from": user(1033),
            "chat": {"id": 1033, "type": "private"},
            "document": {"file_id": "BQAD1", "file_unique_id": "u2", "file_name": "a.pdf"}}},
        "a contact": {"update_id": u(), "message": {
            "message_id": 47, "date": 1700000000, "from": user(1034),
            "chat": {"id": 1034, "type": "private"},
            "contact": {"phone_number": "+34600000000", "first_name": "Ana",
                        "user_id": 1034}}},
        "a location": {"update_id": u(), "message": {
            "message_id": 48, "date": 1700000000, "from": user(1035),
            "chat": {"id": 1035, "type": "private"},
            "location": {"latitude": 40.4, "longitude": -3.7}}},
    }
    accepted_before = harness.metric(base, "parley_events_accepted_total", TENANT)
    for what, update in mapped.items():
        status, _, body = post(update)
        checks.check(status == 200, f"{what} -> 200 (accepted)", f"{status} {body}")
    expect = {1030: "edited: edited", 1032: "media photo look", 1033: "media document -",
              1034: "contact +34600000000", 1035: "location 40.4,-3.7"}
    for chat, text in expect.items():
        fake.wait(lambda: fake.sent(chat), 10)
        got = [c["text"] for c in fake.sent(chat)]
        checks.check(got == [text], f"chat {chat}: the canonical event reached its handler "
                     f"({text!r})", got)
    checks.check(harness.metric(base, "parley_events_accepted_total", TENANT) ==
                 accepted_before + len(mapped),
                 "edit, blocked, photo, document, contact, location: one event each",
                 accepted_before)
    checks.check(not fake.sent(1031), "a block is recorded, nothing is sent to the blocked user",
                 fake.sent(1031))
    ignored = {
        "a channel_post": {"update_id": u(), "channel_post": {
            "message_id": 49, "date": 1700000000,
            "chat": {"id": -1001036, "type": "channel"}, "text": "news"}},
        "an unknown update type": {"update_id": u(), "message_reaction_v99": {"x": 1}},
        "an update with no type": {"update_id": u()},
    }
    accepted_before = harness.metric(base, "parley_events_accepted_total", TENANT)
    for what, update in ignored.items():
        status, _, body = post(update)
        checks.check(status == 200, f"{what} -> 200 (acknowledged, no event)", f"{status} {body}")
    checks.check(harness.metric(base, "parley_events_accepted_total", TENANT) == accepted_before,
                 "... and none of them became an event", accepted_before)

    # ---- malformed ----
    for what, raw, needle in [
            ("a body that is not JSON", "update_id=1", "JSON"),
            ("a JSON array", "[1, 2]", "update_id"),
            ("an object without update_id", '{"message": {"text": "hi"}}', "update_id"),
            ("a message whose chat.id is a string",
             json.dumps({"update_id": u(), "message": {"message_id": 1, "date": 1,
                                                       "chat": {"id": "abc"}, "text": "x"}}),
             "message.chat.id"),
            ("a callback_query without an id",
             json.dumps({"update_id": u(), "callback_query": {"from": user(1), "data": "x"}}),
             "callback_query.id")]:
        status, _, body = post(None, raw=raw)
        err = harness.json_error(body)
        checks.check(status == 400 and err is not None and needle in err["detail"],
                     f"{what} -> 400 with a clear message (mentions {needle!r})",
                     f"{status} {body}")
    status, _, body = harness.request(base, "GET", hook,
                                      headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    checks.check(status == 405, "GET on the webhook -> 405", f"{status} {body}")

    # ---- long text ----
    accepted(text_update(1010, "/long"), "/long")
    fake.wait(lambda: len(fake.sent(1010)) >= 4)
    time.sleep(0.5)  # no fifth part
    parts = fake.sent(1010)
    texts = [p["text"] or "" for p in parts]
    original = long_text()
    lengths = [len(t) for t in texts]
    checks.info(f"/long: {len(original)} characters -> parts of {lengths} characters")
    checks.check(len(parts) == 4 and all(0 < n <= TEXT_MAX for n in lengths),
                 "a ~14,000-character text leaves as 4 sendMessage parts of <= 4096 characters "
                 "(code points, with multi-byte characters)",
                 f"{len(original)} characters -> parts of {lengths}")
    checks.check(" ".join(" ".join(texts).split()) == " ".join(original.split()),
                 "... in order, nothing lost or cut inside a word", lengths)
    checks.check(len(texts) == 4 and texts[0].endswith("and more.")
                 and texts[1].endswith("Sentence 200 says grüße 👋 and more.")
                 and re.search(r"word\d+$", texts[2]) is not None
                 and texts[3].startswith("word") and texts[3].endswith("\n\nThe end."),
                 "... cut at a sentence end, then the paragraph end, then a word boundary",
                 [(t[:30], t[-30:]) for t in texts])
    markups = [p["markup"] for p in parts]
    checks.check(markups[:-1] == [None] * (len(parts) - 1) and markups[-1] == {
        "inline_keyboard": [[{"text": "More", "callback_data": "more"}]]},
                 "... the buttons on the last part only", markups)
    checks.check(all(a["t"] <= b["t"] for a, b in zip(parts, parts[1:])),
                 "... sent one after another", [p["t"] for p in parts])

    # ---- faults ----
    for chat, text in [(CHAT_429, "slow down"), (CHAT_500, "flaky"), (CHAT_403, "blocked"),
                       (CHAT_401, "bad token"), (CHAT_NOT_FOUND, "no chat"),
                       (CHAT_NOT_MODIFIED, "same again")]:
        accepted(text_update(chat, "/say " + text), f"chat {chat}")
    fake.wait(lambda: len([c for c in fake.sent(CHAT_429) if c["status"] == 200]) >= 1)
    got = fake.sent(CHAT_429)
    checks.check([c["status"] for c in got] == [429, 200],
                 "429 with parameters.retry_after=1 -> sent again, once", [c["status"] for c in got])
    gap = got[1]["t"] - got[0]["t"] if len(got) == 2 else None
    checks.check(gap is not None and 0.9 <= gap <= 3.0,
                 "... after ~1 s (retry_after honoured)", f"gap {gap}")
    fake.wait(lambda: any(c["status"] == 200 for c in fake.sent(CHAT_500)))
    got = [c["status"] for c in fake.sent(CHAT_500)]
    checks.check(got == [500, 500, 200], "500 -> retried with backoff until delivered", got)
    fake.wait(lambda: fake.sent(CHAT_NOT_MODIFIED))

    def outbox(*flags):
        return harness.run([parley, "outbox", "--data", data, *flags], timeout=20, cwd=tmp)

    dead = harness.run_until([parley, "outbox", "--data", data, "--dead"],
                             lambda r: r.rc == 0 and "3 dead letter(s)" in r.out, 10,
                             timeout=20, cwd=tmp)
    for ln in dead.lines:
        checks.info(f"outbox --dead: {ln}")
    line = {chat: next((ln for ln in dead.lines if f":{chat} " in ln), "")
            for chat in (CHAT_403, CHAT_401, CHAT_NOT_FOUND)}
    checks.check("3 dead letter(s)" in dead.out,
                 "parley outbox --dead lists 3 dead letters (403, 401, 400 chat not found)",
                 dead.describe())
    checks.check("unreachable" in line[CHAT_403] and "blocked by the user" in line[CHAT_403],
                 "403 'bot was blocked by the user' -> dead letter, class unreachable, "
                 "with Telegram's description", dead.describe())
    checks.check("auth" in line[CHAT_401], "401 -> dead letter, class auth", dead.describe())
    checks.check("invalid" in line[CHAT_NOT_FOUND] and "chat not found" in line[CHAT_NOT_FOUND],
                 "400 'chat not found' -> dead letter, class invalid", dead.describe())
    time.sleep(1.0)  # time for a (wrong) retry to show
    for chat, what in [(CHAT_403, "403"), (CHAT_401, "401"), (CHAT_NOT_FOUND, "400"),
                       (CHAT_NOT_MODIFIED, "400 'message is not modified'")]:
        n = len(fake.sent(chat))
        checks.check(n == 1, f"{what} is not retried (1 attempt)", n)
    checks.check(f":{CHAT_NOT_MODIFIED} " not in dead.out,
                 "400 'message is not modified' counts as delivered (no dead letter)",
                 dead.describe())

    # ---- limits: per chat and per bot, from the fake's arrival times ----
    accepted(text_update(PACE_BURST_CHAT, "/burst 4"), "/burst 4", PACE_TENANT)
    for chat in PACE_CHATS:
        accepted(text_update(chat, f"pace {chat}"), f"chat {chat}", PACE_TENANT)
    pace = [PACE_BURST_CHAT] + PACE_CHATS
    paced = lambda: [c for c in fake.snapshot("sendMessage") if c["chat"] in pace]  # noqa: E731
    fake.wait(lambda: len(paced()) >= 4 + len(PACE_CHATS), 15)
    time.sleep(0.5)
    burst = [c["t"] for c in fake.sent(PACE_BURST_CHAT)]
    checks.check([c["text"] for c in fake.sent(PACE_BURST_CHAT)]
                 == [f"burst {i}" for i in range(1, 5)],
                 "/burst 4: all 4 replies, in order, once each",
                 [c["text"] for c in fake.sent(PACE_BURST_CHAT)])
    harness.check_rate(checks, "... at Telegram's default per-chat limit", burst, 1)
    times = [c["t"] for c in paced()]
    checks.check(len(times) == 4 + len(PACE_CHATS)
                 and all(len(fake.sent(c)) == 1 for c in PACE_CHATS),
                 f"{len(PACE_CHATS)} chats answered at once: every reply sent once",
                 [(c["chat"], c["text"]) for c in paced()])
    harness.check_rate(checks, f"... and the bot's rate_per_second = {PACE_RATE} held", times,
                       PACE_RATE)
    checks.info(f"{len(times)} messages in {max(times) - min(times):.2f} s at {PACE_RATE}/s")

    # ---- the slow answer ----
    fake.wait(lambda: len(fake.sent(CHAT_SLOW)) >= 2, harness.SLOW_ANSWER + 5)
    time.sleep(0.5)
    harness.check_slow_answer(checks, "", fake.sent(CHAT_SLOW), "Bot API")
    waiting = outbox()
    checks.check(waiting.rc == 0 and "0 message(s) waiting" in waiting.out,
                 "nothing is left waiting in the outbox", waiting.describe())

    # ---- what did not happen ----
    checks.check(len(fake.sent(1006)) == 1, "the replayed update got no second reply",
                 fake.sent(1006))
    checks.check(not fake.sent(1020), "the refused (401) update got no reply", fake.sent(1020))
    quiet = [c for c in fake.snapshot("sendMessage") if c["chat"] in (1031, 1036, -1001036)]
    checks.check(not quiet, "the ignored updates got no reply", quiet)
    status, _, body = post(unauth)
    checks.check(status == 200 and "duplicate" not in body,
                 "the update refused with 401 is accepted as new once the secret is right "
                 "(nothing was stored)", f"{status} {body}")
    r = reply_to(1020)
    checks.check(r is not None and r["text"] == "echo: let me in", "... and answered", r)
    bad = [c for c in fake.snapshot() if c["problems"]]
    checks.check(not bad, "every request parley sent was well-formed for the Bot API", bad)

    serve.signal(15)
    checks.check(serve.wait(20) == 0, "SIGTERM -> exit 0", serve.describe())
    log = "\n".join(serve.lines("err"))
    checks.check("AddressSanitizer" not in log and "runtime error" not in log
                 and TOKEN not in log,
                 "no sanitizer report, and the bot token never appears in the log",
                 serve.describe(40))


if __name__ == "__main__":
    harness.main(test, BUDGET)
