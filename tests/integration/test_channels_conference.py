#!/usr/bin/env python3
"""One scenario, five channels, the same outcome: the conference example (unchanged
scripts/examples/conference, with all channels configured) is driven through the real
HTTP path of each channel — signed webhooks in each channel's own wire format in, each
channel's API (a fake of ours) out — by the same journey its specs walk: /start, the
ticket and role questions, the menu, the programme, EXPO and an exhibitor, free text,
and a choice typed as its number.

A user presses a button the way that channel's users do: a Telegram callback query with
the callback_data parley rendered, a WhatsApp button_reply or list_reply with the id, a
Messenger postback or quick reply payload, an Instagram quick reply payload, a web chat
press with the message it was on; or, where the channel showed a numbered menu, by
typing the number. Each step checks the reply as the user sees it on that channel (the
text and the choices offered, natively or numbered), and at the end the canonical
history parley stored for each of the five conversations is the same, entry for entry.

Usage: python3 test_channels_conference.py PATH/TO/parley
"""

import hashlib
import hmac
import json
import os
import re
import shutil
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.dont_write_bytecode = True
import harness  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TENANT = "devconf"
TG_TOKEN = "123456789:AAconference-e2e-token"
TG_SECRET = "conference-secret-token"
WA_TOKEN, FB_TOKEN, IG_TOKEN = "EAAwa-token-1", "EAAfb-token-2", "EAAig-token-3"
APP_SECRET, VERIFY = "conference-app-secret", "conference-verify"
PHONE_ID, PAGE_ID, IG_ID = "106540352242922", "106540352242999", "17841400000000001"
WEBCHAT_SECRET = "conference-webchat-secret-0123456789"

ATTENDEE_MENU = ["Programme", "EXPO", "Raffle", "Networking", "Vote for speakers", "FAQ",
                 "Contacts", "Profile"]
EXHIBITORS = ["CloudNest", "DataForge", "SecureStack", "HireLoop", "QuantLab", "Next ›", "« Back"]
ROLES = ["Developer", "Manager", "Founder", "Other", "Back", "Cancel"]
LEVELS = ["Junior", "Senior", "Lead", "Executive", "Back", "Cancel"]

# (action, argument, expected text part, expected choices or None)
JOURNEY = [
    ("send", "/start", "Have you got a ticket?", ["Yes", "Not yet", "Cancel"]),
    ("press", "Yes", "Your role?", ROLES),
    ("press", "Developer", "Your business level?", LEVELS),
    ("press", "Senior", "all set", ATTENDEE_MENU),
    ("press", "Programme", "09:30  Opening keynote", None),
    ("send", "menu", "", ATTENDEE_MENU),
    ("press", "EXPO", "", EXHIBITORS),
    ("press", "CloudNest", "CloudNest", None),
    ("send", "what's the weather like in Berlin?", "I didn't catch that", ATTENDEE_MENU),
    ("number", "Contacts", "team@devconf.example", None),
]

TENANT_LUA = """
return {
  name = "DevConf 2026",
  locale = "en",
  timezone = "Europe/Berlin",
  error_reply = "Sorry, something went wrong on our side. Please try again, or send /menu.",
  limits = { instructions = 1000000, memory = "32MB" },
  channels = {
    console = {},
    telegram = { token = "%(tg_token)s", secret_token = "%(tg_secret)s", api_base = "%(base)s",
                 chat_rate_per_second = 0 },
    whatsapp = { token = "%(wa_token)s", app_secret = "%(app_secret)s", verify_token = "%(verify)s",
                 phone_number_id = "%(phone)s", graph_base = "%(base)s", graph_version = "v21.0",
                 chat_rate_per_second = 0 },
    messenger = { token = "%(fb_token)s", app_secret = "%(app_secret)s", verify_token = "%(verify)s",
                  page_id = "%(page)s", graph_base = "%(base)s", graph_version = "v21.0",
                  chat_rate_per_second = 0 },
    instagram = { token = "%(ig_token)s", app_secret = "%(app_secret)s", verify_token = "%(verify)s",
                  ig_account_id = "%(ig)s", graph_base = "%(base)s", graph_version = "v21.0",
                  chat_rate_per_second = 0 },
    webchat = { secret = "%(webchat_secret)s" },
  },
}
"""


class FakeAPIs:
    """The Telegram Bot API and the Graph API (WhatsApp, Messenger, Instagram) in one
    server: records each send as (channel, chat, body) and answers it as the real API
    does on success."""

    def __init__(self):
        self.lock = threading.Lock()
        self.calls = []
        self.n = 0
        fake = self

        class Handler(harness.QuietHandler):
            def do_POST(self):
                body = self.json_body()
                with fake.lock:
                    fake.n += 1
                    n = fake.n
                path = urllib.parse.urlparse(self.path).path
                m = re.fullmatch(r"/bot([^/]+)/(\w+)", path)
                if m:
                    method = m.group(2)
                    chat = str(body.get("chat_id", ""))
                    result = True if method in ("answerCallbackQuery", "setWebhook",
                                                "deleteWebhook") else {
                        "message_id": n, "date": 0, "chat": {"id": body.get("chat_id")},
                        "text": body.get("text", "")}
                    call = ("telegram", chat, method, body)
                    doc = {"ok": True, "result": result}
                elif path == f"/v21.0/{PHONE_ID}/messages":
                    call = ("whatsapp", body.get("to"), "messages", body)
                    doc = {"messaging_product": "whatsapp",
                           "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                           "messages": [{"id": f"wamid.OUT{n}"}]}
                elif path in ("/v21.0/me/messages", f"/v21.0/{IG_ID}/messages"):
                    ch = "messenger" if path.endswith("/me/messages") else "instagram"
                    to = (body.get("recipient") or {}).get("id")
                    call = (ch, to, "messages", body)
                    doc = {"recipient_id": to, "message_id": f"m_OUT{n}"}
                else:
                    self.answer(404, json.dumps({"error": {"message": "no such path"}}).encode())
                    return
                with fake.lock:
                    fake.calls.append(call)
                self.answer(200, json.dumps(doc).encode())

        self.server = harness.serve_http(Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def sent(self, channel, chat):
        with self.lock:
            return [(m, b) for c, to, m, b in self.calls
                    if c == channel and to == chat and m not in ("answerCallbackQuery",
                                                                 "setWebhook", "deleteWebhook")]


NUMBERED = re.compile(r"^\s*(\d+)[.)]\s+(.+?)\s*$")


def numbered_choices(text):
    """The choices of a numbered text menu: [(label, None)] for lines "N. Label"."""
    out = []
    for line in (text or "").splitlines():
        m = NUMBERED.match(line)
        if m and int(m.group(1)) == len(out) + 1:
            out.append((m.group(2), None))
    return out


def seen(channel, method, body):
    """One sent message as the user sees it: (text, [(label, id or None)], how), where
    `how` is how a choice is pressed on it: "native" (ids) or "number"."""
    if channel == "telegram":
        text = body.get("text") or body.get("caption") or ""
        markup = body.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") or []
        choices = [(b["text"], b["callback_data"]) for row in rows for b in row
                   if "callback_data" in b]
        choices += [(b if isinstance(b, str) else b["text"], None)
                    for row in markup.get("keyboard") or [] for b in row]
    elif channel == "whatsapp":
        if body.get("type") == "interactive":
            i = body["interactive"]
            text = (i.get("body") or {}).get("text", "")
            act = i.get("action") or {}
            choices = [(b["reply"]["title"], b["reply"]["id"]) for b in act.get("buttons") or []]
            choices += [(r["title"], r["id"]) for s in act.get("sections") or []
                        for r in s.get("rows") or []]
        else:
            text = (body.get("text") or {}).get("body", "")
            choices = []
    else:  # messenger, instagram
        m = body.get("message") or {}
        text = m.get("text") or ""
        choices = [(q["title"], q["payload"]) for q in m.get("quick_replies") or []
                   if q.get("content_type") == "text"]
        payload = ((m.get("attachment") or {}).get("payload") or {})
        if payload.get("template_type") == "button":
            text = payload.get("text", "")
            choices += [(b["title"], b["payload"]) for b in payload.get("buttons") or []
                        if b.get("type") == "postback"]
        for el in payload.get("elements") or []:
            text += "\n" + el.get("title", "")
            choices += [(b["title"], b["payload"]) for b in el.get("buttons") or []
                        if b.get("type") == "postback"]
    if choices:
        return text, choices, "native"
    return text, numbered_choices(text), "number"


class Channel:
    """One user on one channel: sends, presses, and reads what the fake API received."""

    def __init__(self, name, base, fake, chat):
        self.name, self.base, self.fake, self.chat = name, base, fake, chat
        self.read = 0
        self.n = 0
        self.last_choices = ([], "native", None)  # choices, how, the message they were on
        if name == "webchat":  # a visitor: the widget's session (id + token)
            _, _, body = harness.request(base, "POST", f"/webchat/{TENANT}/session", "{}",
                                         {"Content-Type": "text/plain"})
            doc = harness.parse_json(body) or {}
            self.chat, self.token = doc.get("visitor"), doc.get("token")

    def post(self, path, doc, headers=None):
        raw = json.dumps(doc).encode()
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        if self.name != "telegram":
            h["X-Hub-Signature-256"] = "sha256=" + hmac.new(APP_SECRET.encode(), raw,
                                                            hashlib.sha256).hexdigest()
        return harness.request(self.base, "POST", path, raw, h)

    def uid(self):
        self.n += 1
        return self.n

    def deliver(self, kind, value):
        """kind "text" (value: the text) or "press" (value: the button id)."""
        n = self.uid()
        if self.name == "webchat":
            doc = {"visitor": self.chat, "token": self.token, "cid": f"c{n}", "lang": "en"}
            if kind == "text":
                doc["text"] = value
            else:
                doc.update(button=value, message=str(self.last_choices[2]))
            return harness.request(self.base, "POST", f"/webchat/{TENANT}/send", json.dumps(doc),
                                   {"Content-Type": "text/plain;charset=UTF-8"})
        if self.name == "telegram":
            user = {"id": int(self.chat), "is_bot": False, "first_name": "Ana",
                    "language_code": "en"}
            chat = {"id": int(self.chat), "type": "private", "first_name": "Ana"}
            if kind == "text":
                upd = {"update_id": 7000 + n, "message": {
                    "message_id": 100 + n, "from": user, "chat": chat, "date": 1780000000,
                    "text": value}}
                if value.startswith("/"):
                    upd["message"]["entities"] = [{"type": "bot_command", "offset": 0,
                                                   "length": len(value.split()[0])}]
            else:
                on = self.last_choices[2]
                upd = {"update_id": 7000 + n, "callback_query": {
                    "id": f"cb{n}", "from": user, "chat_instance": "42", "data": value,
                    "message": {"message_id": on or 1, "chat": chat, "date": 1780000000,
                                "text": "..."}}}
            return self.post(f"/hook/{TENANT}/telegram", upd,
                             {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET})
        if self.name == "whatsapp":
            msg = {"from": self.chat, "id": f"wamid.IN{n}", "timestamp": "1780000000"}
            if kind == "text":
                msg.update(type="text", text={"body": value})
            else:
                title = next((lbl for lbl, i in self.last_choices[0] if i == value), value)
                inter = ({"type": "list_reply", "list_reply": {"id": value, "title": title}}
                         if self.last_choices[1] == "list" else
                         {"type": "button_reply", "button_reply": {"id": value, "title": title}})
                msg.update(type="interactive", interactive=inter)
            doc = {"object": "whatsapp_business_account", "entry": [{"id": "WABA1", "changes": [{
                "field": "messages", "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": "15550000000",
                                 "phone_number_id": PHONE_ID},
                    "contacts": [{"profile": {"name": "Ana"}, "wa_id": self.chat}],
                    "messages": [msg]}}]}]}
            return self.post(f"/hook/{TENANT}/whatsapp", doc)
        own = PAGE_ID if self.name == "messenger" else IG_ID
        item = {"sender": {"id": self.chat}, "recipient": {"id": own},
                "timestamp": 1780000000000}
        if kind == "text":
            item["message"] = {"mid": f"m_IN{n}", "text": value}
        elif self.last_choices[1] == "postback":
            item["postback"] = {"mid": f"m_IN{n}", "title": value, "payload": value}
        else:
            title = next((lbl for lbl, i in self.last_choices[0] if i == value), value)
            item["message"] = {"mid": f"m_IN{n}", "text": title, "quick_reply": {"payload": value}}
        doc = {"object": "page" if self.name == "messenger" else "instagram",
               "entry": [{"id": own, "time": 1780000000123, "messaging": [item]}]}
        return self.post(f"/hook/{TENANT}/{self.name}", doc)

    def feed_replies(self, timeout):
        """The web chat: the bot's messages after the last one read, from the feed."""
        def fetch():
            q = urllib.parse.urlencode({"visitor": self.chat, "token": self.token,
                                        "after": self.read, "wait": 0})
            _, _, body = harness.request(self.base, "GET", f"/webchat/{TENANT}/feed?{q}")
            return (harness.parse_json(body) or {}).get("messages") or []
        harness.wait_for(lambda: any(m.get("from") == "bot" for m in fetch()), timeout)
        time.sleep(0.3)
        out = []
        for m in fetch():
            self.read = max(self.read, m["seq"])
            if m.get("from") != "bot":
                continue
            choices = [(b["label"], b["id"]) for row in m.get("buttons") or [] for b in row
                       if "id" in b]
            choices += [(b["label"], b["id"]) for c in m.get("cards") or []
                        for b in c.get("buttons") or [] if "id" in b]
            choices += [(b["label"], b["id"]) for b in m.get("quick_replies") or []]
            text = "\n".join([m.get("text", "")] + [c.get("title", "") for c in m.get("cards") or []])
            out.append((text, choices, "native"))
            if choices:
                self.last_choices = (choices, "native", m["seq"])
        return out

    def replies(self, timeout=10):
        """Waits for the bot's answer to the last input and returns it as seen."""
        if self.name == "webchat":
            return self.feed_replies(timeout)
        def settled():
            return len(self.fake.sent(self.name, self.chat)) > self.read
        harness.wait_for(settled, timeout)
        time.sleep(0.3)  # the rest of a multi-message answer
        calls = self.fake.sent(self.name, self.chat)[self.read:]
        self.read += len(calls)
        out = []
        for i, (method, body) in enumerate(calls):
            text, choices, how = seen(self.name, method, body)
            if how == "native" and self.name == "whatsapp":
                how = "list" if (body.get("interactive") or {}).get("type") == "list" else "button"
            if how == "native" and self.name in ("messenger", "instagram"):
                att = ((body.get("message") or {}).get("attachment") or {})
                how = "postback" if att else "quick"
            out.append((text, choices, how))
            if choices:
                self.last_choices = (choices, how, self.fake.n)
        return out


def journey(checks, ch):
    for action, arg, want_text, want_choices in JOURNEY:
        if action == "send":
            status, _, body = ch.deliver("text", arg)
        elif action == "press":
            choices, how, _ = ch.last_choices
            pick = [(i, lbl) for i, (lbl, bid) in enumerate(choices) if lbl == arg]
            if not pick:
                checks.check(False, f"{ch.name}: {arg!r} is offered", choices)
                return
            idx, _ = pick[0]
            bid = choices[idx][1]
            status, _, body = (ch.deliver("press", bid) if bid is not None
                               else ch.deliver("text", str(idx + 1)))
        else:  # "number": type the choice's number, whatever the channel showed
            labels = [lbl for lbl, _ in ch.last_choices[0]]
            status, _, body = ch.deliver("text", str(labels.index(arg) + 1)
                                         if arg in labels else arg)
        if not checks.check(status == 200, f"{ch.name}: {action} {arg!r} accepted",
                            f"{status} {body}"):
            return
        got = ch.replies()
        texts = "\n".join(t for t, _, _ in got)
        offered = [lbl for _, choices, _ in got for lbl, _ in choices]
        ok = want_text in texts and (want_choices is None or offered[-len(want_choices):] ==
                                     want_choices)
        if not checks.check(ok, f"{ch.name}: {action} {arg!r} -> {want_text!r}"
                            + (f" with {want_choices}" if want_choices else ""),
                            {"texts": texts[:400], "choices": offered}):
            return


def history(parley, tenant_dir, data, cwd):
    """The canonical history per channel, with the channel's chat id taken out."""
    r = harness.run([parley, "history", str(tenant_dir), "--data", str(data)], timeout=30,
                    cwd=cwd)
    convs = {}
    for line in r.out.splitlines():
        conv, _, rest = line.partition(" ")
        channel = conv.split(":", 1)[0]
        # Messenger and Instagram webhooks carry no user name (it takes a profile
        # lookup), so the greeting's ", Ana" is the one difference allowed.
        convs.setdefault(channel, []).append(rest.replace(", Ana!", "!"))
    return r, convs


def test(parley, checks, tmp):
    fake = FakeAPIs()
    tenants = tmp / "tenants"
    shutil.copytree(ROOT / "scripts/examples/conference", tenants / TENANT,
                    ignore=shutil.ignore_patterns("tests"))
    (tenants / TENANT / "tenant.lua").write_text(TENANT_LUA % {
        "tg_token": TG_TOKEN, "tg_secret": TG_SECRET, "base": fake.url, "wa_token": WA_TOKEN,
        "fb_token": FB_TOKEN, "ig_token": IG_TOKEN, "app_secret": APP_SECRET, "verify": VERIFY,
        "phone": PHONE_ID, "page": PAGE_ID, "ig": IG_ID, "webchat_secret": WEBCHAT_SECRET})
    data = tmp / "data"
    serve, base = harness.serve_checked(checks, "serve the conference bot on every channel",
                                        parley, tenants, data, tmp)
    if base is None:
        return
    chats = {"telegram": "5550101", "whatsapp": "15550100001", "messenger": "2400000000000001",
             "instagram": "1780000000000001", "webchat": None}
    for name, chat in chats.items():
        journey(checks, Channel(name, base, fake, chat))
    checks.check(serve.stop() == 0, "SIGTERM -> exit 0", serve.describe())
    r, convs = history(parley, tenants / TENANT, data, tmp)
    checks.check(set(convs) >= set(chats), "parley history lists a conversation per channel",
                 r.describe())
    ref = convs.get("telegram", [])
    checks.check(len(ref) >= 2 * len(JOURNEY), "the reference conversation is the whole journey",
                 ref)
    for name in chats:
        checks.check(convs.get(name) == ref,
                     f"{name}: the stored conversation is the same as on telegram, entry for entry",
                     [(a, b) for a, b in zip(convs.get(name, []), ref) if a != b][:3]
                     or (len(convs.get(name, [])), len(ref)))


if __name__ == "__main__":
    harness.main(test)
