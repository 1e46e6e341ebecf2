#!/usr/bin/env python3
"""The WhatsApp channel plugin called directly through its ABI (include/parley/channel.h),
for the cases a bot cannot produce or a fake is slow to stage:
  - open: required settings and unknown keys are errors naming the setting (secrets never
    echoed); graph_base / graph_version shape the send URL
  - render: the 24-hour customer-service window (inside, just over 24 h, no
    last_inbound_at -> {"error": "outside WhatsApp's 24-hour ..."}), reply buttons vs list
    vs numbered text at 3 / 4 / 10 / 11 buttons, long titles -> a list with truncated
    titles and the whole title as description, texts over 4096 split, bodies over 1024
    with buttons (the head goes first as text)
  - render of the canonical message (canonical()): describe(); templates outside the
    window (and inside it only with nothing else to send); CTA URL vs "Label: url"
    lines; quick replies as buttons; numbering across buttons, card buttons and quick
    replies; media with captions (none on audio), as the header of reply buttons; cards
    as parts of their own; edits and keyboard removal; refusals
  - classify: CHANNELS.md §3.6 / §7.5 as implemented
  - webhook: the signature over the raw bytes (\\u escapes kept), GET handshake with
    URL-encoded values, several entries, failed statuses, missing fields
The module is loaded with ctypes; a sanitizer build's module needs the ASan runtime
first, so the script then re-executes itself with LD_PRELOAD set (as
test_telegram_plugin.py does).

Usage: python3 test_whatsapp_plugin.py PATH/TO/parley
"""

import hashlib
import hmac
import json
import sys
import urllib.parse

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import harness  # noqa: E402
import plugin_loader  # noqa: E402
from plugin_loader import Plugin  # noqa: E402

CONFIG = {"token": "EAAGtok", "app_secret": "s3cret", "verify_token": "vt",
          "phone_number_id": "106540352242922"}
DAY = 24 * 3600 * 1000
NOW = 1_700_000_000_000
WINDOW = ("whatsapp: outside WhatsApp's 24-hour customer-service window (the user has not "
          "written in the last 24 hours, or never): WhatsApp delivers only a pre-approved "
          "template then; give one with opts.template = {name = ..., language = ..., "
          "params = {...}}")


def plugin_path(parley):
    return plugin_loader.plugin_path(parley, "whatsapp")


def sign(raw, secret="s3cret"):
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def canonical(p, inst, checks, url):
    """render of every canonical element and degradation rule (docs/channels.md, "Canonical
    messages and degradation rules"), as exact Cloud API bodies."""

    def sends(last=NOW - 1000, **fields):
        """[(type, payload)] of each request for a message to 15551234567."""
        out = p.requests(inst, plugin_loader.message("15551234567", NOW, last, **fields))
        if not isinstance(out, list):
            return out
        got = []
        for r, b in out:
            ok = r["url"] == url and r["headers"].get("Authorization") == "Bearer EAAGtok" \
                and b.get("messaging_product") == "whatsapp" and b.get("to") == "15551234567" \
                and b.get("recipient_type") == "individual" and len(b) == 5
            got.append((b["type"], b[b["type"]]) if ok else b)
        return got

    def text(body):
        return ("text", {"body": body})

    def reply_buttons(body, *pairs, header=None):
        i = {"type": "button", "body": {"text": body}, "action": {"buttons": [
            {"type": "reply", "reply": {"id": bid, "title": title}} for title, bid in pairs]}}
        if header:
            i["header"] = header
        return ("interactive", i)

    def opts(n, first=1):
        return [{"label": f"Option {i}", "id": f"o{i}"} for i in range(first, first + n)]

    got = p.describe(inst)
    checks.check(got == {"buttons": 10, "url_buttons": False, "quick_replies": False,
                         "cards": False, "edit": False,
                         "media": ["image", "video", "audio", "document"], "text_limit": 4096,
                         "text_limit_unit": "chars", "window_hours": 24, "templates": True,
                         "tags": False},
                 "describe: WhatsApp's capabilities (10 choices, no url buttons / quick replies "
                 "/ cards / edits as such, 4 media types, 4096 characters, 24 h window, "
                 "templates)", got)

    # ---- templates and the window ----
    tpl = {"name": "booking_reminder", "language": "en_US", "params": ["Tuesday", 10, 2.5]}
    want_tpl = [("template", {"name": "booking_reminder", "language": {"code": "en_US"},
                              "components": [{"type": "body", "parameters": [
                                  {"type": "text", "text": "Tuesday"},
                                  {"type": "text", "text": "10"},
                                  {"type": "text", "text": "2.5"}]}]})]
    got = sends(last=NOW - DAY - 1, text="Reminder: Tuesday", template=tpl,
                buttons=[[{"label": "A", "id": "a"}]])
    checks.check(got == want_tpl,
                 "outside the window with a template: only the template (name, language.code, "
                 "body parameters as text), nothing free-form", got)
    got = sends(last=None, template={"name": "hello_world", "language": "en_US"})
    checks.check(got == [("template", {"name": "hello_world", "language": {"code": "en_US"}})],
                 "a user who never wrote + a template without params: no components", got)
    got = sends(text="Reminder: Tuesday", template=tpl)
    checks.check(got == [text("Reminder: Tuesday")],
                 "inside the window with a template and a text: the free-form message", got)
    got = sends(template=tpl)
    checks.check(got == want_tpl, "inside the window, a template and nothing else: the template",
                 got)
    got = sends(last=NOW - DAY - 1, text="late")
    checks.check(set(got or {}) == {"error"} and "24-hour customer-service window" in got["error"]
                 and "opts.template" in got["error"] and got["error"].startswith("whatsapp: "),
                 "outside the window without a template: a sentence naming the window and "
                 "opts.template", got)

    # ---- url buttons, quick replies ----
    got = sends(text="Our site", buttons=[[{"label": "Open the website today", "url":
                                            "https://e.com"}]])
    checks.check(got == [("interactive", {"type": "cta_url", "body": {"text": "Our site"},
                                          "action": {"name": "cta_url", "parameters": {
                                              "display_text": "Open the website to…",
                                              "url": "https://e.com"}}})],
                 "one url button alone: a CTA URL button (display text cut to 20 with '…')", got)
    got = sends(text="Pick", buttons=[[{"label": "A", "id": "a"},
                                       {"label": "Site", "url": "https://e.com"}]])
    checks.check(got == [reply_buttons("Pick\n\nSite: https://e.com", ("A", "a"))],
                 "url buttons with reply buttons: 'Label: url' lines in the body", got)
    got = sends(text="Links", buttons=[[{"label": "One", "url": "https://e.com/1"}],
                                       [{"label": "Two", "url": "https://e.com/2"}]])
    checks.check(got == [text("Links\n\nOne: https://e.com/1\nTwo: https://e.com/2")],
                 "two url buttons: 'Label: url' lines in a text", got)
    got = sends(text="Sure?", quick_replies=[{"label": "Yes", "id": "y"},
                                             {"label": "No", "id": "n"}])
    checks.check(got == [reply_buttons("Sure?", ("Yes", "y"), ("No", "n"))],
                 "quick replies: reply buttons, as buttons are", got)
    got = sends(text="Pick", buttons=[[b] for b in opts(2)],
                quick_replies=[{"label": "Yes", "id": "y"}, {"label": "No", "id": "n"}])
    i = got[0][1] if isinstance(got, list) and len(got) == 1 else {}
    checks.check(i.get("type") == "list" and [r["id"] for r in i["action"]["sections"][0]["rows"]]
                 == ["o1", "o2", "y", "n"],
                 "2 buttons + 2 quick replies: 4 choices -> a list, buttons first", got)
    got = sends(text="Pick", buttons=[[b] for b in opts(11)], quick_replies=[
        {"label": "Never mind", "id": "nm"}],
        cards=[{"title": "Card", "buttons": [{"label": "Go", "id": "go"}]}])
    checks.check(got == [text("Pick\n\n" + "\n".join(f"{i}. Option {i}" for i in range(1, 12))
                              + "\n13. Never mind\nReply with a number."),
                         reply_buttons("Card", ("Go", "go"))],
                 "a numbered menu numbers choices in the canonical order: buttons 1-11, the "
                 "card's button is 12, so the quick reply is 13", got)
    got = sends(text="Pick", buttons=[[{"label": "A rather long option title here", "id": "x"}],
                                      [{"label": "O" * 80, "id": "y"}]])
    rows = got[0][1]["action"]["sections"][0]["rows"] if isinstance(got, list) else None
    checks.check(rows == [{"id": "x", "title": "A rather long option ti…",
                           "description": "A rather long option title here"},
                          {"id": "y", "title": "O" * 23 + "…", "description": "O" * 71 + "…"}],
                 "labels over 20 -> a list; row titles cut to 24 and descriptions to 72 with "
                 "'…' (at a character boundary)", rows)

    # ---- media ----
    img = {"type": "image", "url": "https://e.com/a.jpg"}
    got = sends(text="A photo", media=img)
    checks.check(got == [("image", {"link": "https://e.com/a.jpg", "caption": "A photo"})],
                 "media image: by link, the text as caption", got)
    got = sends(text="The quote", media={"type": "document", "url": "https://e.com/q.pdf",
                                          "filename": "quote.pdf"})
    checks.check(got == [("document", {"link": "https://e.com/q.pdf", "caption": "The quote",
                                       "filename": "quote.pdf"})],
                 "media document: link, caption and filename", got)
    got = sends(text="Listen", media={"type": "audio", "url": "https://e.com/a.mp3",
                                       "filename": "a.mp3"})
    checks.check(got == [("audio", {"link": "https://e.com/a.mp3"}), text("Listen")],
                 "media audio: no caption on WhatsApp audio -> the text after it", got)
    got = sends(media={"type": "video", "url": "https://e.com/v.mp4"})
    checks.check(got == [("video", {"link": "https://e.com/v.mp4"})],
                 "media video without text: no caption", got)
    long = ("Sentence number one is here. " * 50).strip()  # 1449 characters
    got = sends(text=long, media=img)
    cap = got[0][1].get("caption", "") if isinstance(got, list) else ""
    checks.check(isinstance(got, list) and [t for t, _ in got] == ["image", "text"]
                 and len(cap) <= 1024 and cap + " " + got[1][1]["body"] == long,
                 "media: a text over the 1024-character caption -> its head as caption, the "
                 "rest as text", got)
    got = sends(text="Like it?", media=img, buttons=[[{"label": "Yes", "id": "y"}]])
    checks.check(got == [reply_buttons("Like it?", ("Yes", "y"), header={
        "type": "image", "image": {"link": "https://e.com/a.jpg"}})],
        "media + up to 3 buttons: reply buttons with the media as header", got)
    got = sends(text="Pick", media=img, buttons=[[b] for b in opts(4)])
    checks.check(isinstance(got, list) and got[0] == ("image", {"link": "https://e.com/a.jpg"})
                 and got[1][0] == "interactive" and got[1][1]["type"] == "list"
                 and got[1][1]["body"] == {"text": "Pick"},
                 "media + 4 buttons: the media (no caption), then a list with the text", got)
    got = sends(media=img, buttons=[[b] for b in opts(2)])
    checks.check(got == [("image", {"link": "https://e.com/a.jpg"}),
                         text("1. Option 1\n2. Option 2\nReply with a number.")],
                 "media + buttons without a text (no body for them): a numbered menu", got)

    # ---- cards ----
    got = sends(text="Rooms", cards=[
        {"title": "Room A", "subtitle": "Sea view", "image": "https://e.com/a.jpg",
         "url": "https://e.com/a", "buttons": [{"label": "Book", "id": "book_a"},
                                               {"label": "Info", "url": "https://e.com/ai"}]},
        {"title": "Room B", "subtitle": "Garden", "buttons": [{"label": "Book", "id": "book_b"}]},
        {"title": "Room C", "image": "https://e.com/c.jpg"},
        {"title": "Room D", "subtitle": "Attic"},
        {"title": "Room E", "buttons": [{"label": "Details", "url": "https://e.com/e"}]}])
    checks.check(got == [
        text("Rooms"),
        reply_buttons("Room A\nSea view\nhttps://e.com/a\n\nInfo: https://e.com/ai",
                      ("Book", "book_a"),
                      header={"type": "image", "image": {"link": "https://e.com/a.jpg"}}),
        reply_buttons("Room B\nGarden", ("Book", "book_b")),
        ("image", {"link": "https://e.com/c.jpg", "caption": "Room C"}),
        text("Room D\nAttic"),
        ("interactive", {"type": "cta_url", "body": {"text": "Room E"}, "action": {
            "name": "cta_url", "parameters": {"display_text": "Details",
                                              "url": "https://e.com/e"}}})],
        "cards, one message each: image + buttons -> reply buttons with an image header, "
        "body title/subtitle/url and 'Label: url' lines; no image -> reply buttons; image "
        "alone -> image with caption; text alone -> text + link; one url button -> CTA URL",
        got)
    got = sends(cards=[{"title": "Big", "buttons": opts(11)}])
    checks.check(got == [text("Big\n\n" + "\n".join(f"{i}. Option {i}" for i in range(1, 12))
                              + "\nReply with a number.")],
                 "a card with more choices than a list holds: its numbered menu", got)

    # ---- edits, keyboard removal, tags ----
    got = sends(text="Updated", edit_message_id="wamid.X", remove_keyboard=True)
    checks.check(got == [text("Updated")],
                 "edit and remove_keyboard: WhatsApp has neither -> a new message", got)
    got = sends(edit_message_id="wamid.X")
    checks.check(got == [], "an edit that only takes the buttons away: nothing to send", got)
    got = sends(remove_keyboard=True)
    checks.check(got == [], "remove_keyboard alone: nothing to send", got)
    got = sends(last=NOW - DAY - 1, text="late", tag="HUMAN_AGENT")
    checks.check(set(got or {}) == {"error"} and "opts.template" in got["error"],
                 "a tag does not open WhatsApp's window", got)
    for what, fields, needle in [
            ("buttons without a text", {"buttons": [[{"label": "A", "id": "a"}]]},
             "buttons need a text"),
            ("nothing at all", {}, "nothing to send"),
            ("a template without language", {"template": {"name": "x"}}, "language"),
            ("a template parameter that is a table", {"template": {
                "name": "x", "language": "en", "params": [{}]}}, "parameter 1"),
            ("an id over 200 bytes", {"text": "x", "quick_replies": [{"label": "Q",
                                                                     "id": "q" * 201}]},
             "200 bytes")]:
        got = sends(**fields)
        checks.check(set(got or {}) == {"error"} and needle in got["error"],
                     f"render: {what} -> error ({needle!r})", got)


def test(parley, checks, tmp):
    so = plugin_path(parley)
    if not checks.check(so.is_file(), f"the plugin module is built ({so})"):
        return
    p = Plugin(so)
    checks.check(p.api.abi == 1 and p.api.name == b"whatsapp" and not p.api.poll_request,
                 "parley_channel_v1: ABI 1, name \"whatsapp\", no polling",
                 (p.api.abi, p.api.name))

    # ---- open ----
    for what, cfg, needle in [
            ("no token", {k: v for k, v in CONFIG.items() if k != "token"},
             "channels.whatsapp.token: required"),
            ("no app_secret", {k: v for k, v in CONFIG.items() if k != "app_secret"},
             "channels.whatsapp.app_secret: required"),
            ("no verify_token", {k: v for k, v in CONFIG.items() if k != "verify_token"},
             "channels.whatsapp.verify_token: required"),
            ("no phone_number_id", {k: v for k, v in CONFIG.items() if k != "phone_number_id"},
             "channels.whatsapp.phone_number_id: required"),
            ("an unknown key", dict(CONFIG, api_base="http://x"),
             "channels.whatsapp.api_base: unknown setting"),
            ("a numeric phone_number_id", dict(CONFIG, phone_number_id=106540352242922),
             "channels.whatsapp.phone_number_id"),
            ("a bad graph_base", dict(CONFIG, graph_base="ftp://x"),
             "channels.whatsapp.graph_base"),
            ("a bad graph_version", dict(CONFIG, graph_version="21.0"),
             "channels.whatsapp.graph_version"),
            ("a token with a space", dict(CONFIG, token="EAAG secret-value"),
             "channels.whatsapp.token"),
            ("a negative rate", dict(CONFIG, rate_per_second=-1),
             "channels.whatsapp.rate_per_second")]:
        inst, err = p.open(cfg)
        checks.check(inst is None and err and needle in err and "secret-value" not in err,
                     f"open with {what} -> error naming it ({needle!r})", err)
    inst, err = p.open(dict(CONFIG, rate_per_second=80, chat_rate_per_second=0.2))
    checks.check(inst is not None, "open accepts rate_per_second, chat_rate_per_second", err)
    if inst:
        p.close(inst)
    inst, err = p.open(dict(CONFIG, graph_base="http://fake.test:81/graph/",
                            graph_version="v22.0"))
    if not checks.check(inst, "open with graph_base and graph_version", err):
        return
    url = "http://fake.test:81/graph/v22.0/106540352242922/messages"

    def render(text="hi", buttons=None, last=NOW - 1000, now=NOW, chat="15551234567"):
        m = {"chat_id": chat, "text": text, "key": "k1", "tenant": "t", "now": now}
        if last is not None:
            m["last_inbound_at"] = last
        if buttons is not None:
            m["buttons"] = buttons
        out = p.render(inst, m)
        for r in out.get("requests", []):
            r["json"] = json.loads(r["body"])
        return out

    # ---- render: the window ----
    out = render()
    rq = out.get("requests") or [{}]
    checks.check(len(rq) == 1 and rq[0].get("url") == url and rq[0].get("method") == "POST"
                 and rq[0]["headers"].get("Authorization") == "Bearer EAAGtok"
                 and rq[0]["json"] == {"messaging_product": "whatsapp",
                                       "recipient_type": "individual", "to": "15551234567",
                                       "type": "text", "text": {"body": "hi"}},
                 "render: a text -> one POST <graph_base>/<version>/<id>/messages, Bearer, "
                 "type text", out)
    out = render(last=NOW - DAY + 1)
    checks.check("requests" in out, "render: a user who wrote 24 h minus 1 ms ago -> sent", out)
    out = render(last=NOW - DAY - 1)
    checks.check(out == {"error": WINDOW}, "render: 24 h plus 1 ms since the user wrote -> "
                 "the window error (the runtime dead-letters it)", out)
    out = render(last=None)
    checks.check(out == {"error": WINDOW}, "render: no last_inbound_at -> the window error", out)
    out = render(last=NOW - 3 * DAY, buttons=[[{"label": "A", "id": "a"}]])
    checks.check(out == {"error": WINDOW}, "render: buttons outside the window -> the window "
                 "error too", out)

    # ---- render: buttons ----
    def opts(n, label="Option {}"):
        return [[{"label": label.format(i), "id": f"o{i}"}] for i in range(1, n + 1)]

    def interactive(out):
        rq = out.get("requests") or []
        return rq[-1]["json"].get("interactive") if rq else None

    i3 = interactive(render("Pick", opts(3)))
    checks.check(i3 and i3["type"] == "button" and len(i3["action"]["buttons"]) == 3,
                 "render: 3 buttons -> reply buttons", i3)
    i4 = interactive(render("Pick", opts(4)))
    checks.check(i4 and i4["type"] == "list" and i4["action"]["button"] == "Choose"
                 and len(i4["action"]["sections"]) == 1
                 and len(i4["action"]["sections"][0]["rows"]) == 4,
                 "render: 4 buttons -> a list with one section", i4)
    i10 = interactive(render("Pick", opts(10)))
    checks.check(i10 and i10["type"] == "list" and len(i10["action"]["sections"][0]["rows"]) == 10,
                 "render: 10 buttons -> a list of 10 rows", i10)
    out = render("Pick", opts(11))
    rq = out.get("requests") or [{}]
    body = rq[0].get("json", {})
    checks.check(len(rq) == 1 and body.get("type") == "text" and body["text"]["body"] ==
                 "Pick\n\n" + "\n".join(f"{i}. Option {i}" for i in range(1, 12))
                 + "\nReply with a number.",
                 "render: 11 buttons -> a numbered text menu", body)
    long_label = "A rather long option title here"  # 31 characters
    il = interactive(render("Pick", [[{"label": long_label, "id": "x"}], [{"label": "B",
                                                                          "id": "y"}]]))
    row = il["action"]["sections"][0]["rows"][0] if il and il["type"] == "list" else {}
    checks.check(il and il["type"] == "list" and len(row.get("title", "")) == 24
                 and row["title"].endswith("…") and row.get("description") == long_label,
                 "render: 2 buttons, one title over 20 -> a list, title cut to 24 with '…', "
                 "the whole title as description", il)
    out = render("Pick", [[{"label": "A", "id": "a"}, {"label": "B", "id": "b"}],
                          [{"label": "C", "id": "c"}]])
    ib = interactive(out)
    checks.check(ib and [b["reply"]["id"] for b in ib["action"]["buttons"]] == ["a", "b", "c"],
                 "render: rows are flattened in order", ib)
    out = render("Pick", [[{"label": "", "id": "a"}]])
    checks.check("error" in out, "render: a button without a label -> error", out)
    out = render("   ")
    checks.check("error" in out, "render: a blank text -> error", out)

    # ---- render: long texts ----
    words = " ".join(f"word{n}" for n in range(1, 1500))  # 12,383 characters
    out = render(words)
    parts = [r["json"]["text"]["body"] for r in out.get("requests", [])]
    checks.check(len(parts) == 4 and all(len(x) <= 4096 for x in parts)
                 and " ".join(parts) == words,
                 "render: a 12,383-character text -> 4 texts of <= 4096, cut between words",
                 [len(x) for x in parts])
    text = ("Sentence number one is here. " * 60).strip()  # ~1,740 characters
    out = render(text, opts(2))
    rq = out.get("requests", [])
    kinds = [r["json"]["type"] for r in rq]
    bodies = [r["json"]["text"]["body"] if r["json"]["type"] == "text"
              else r["json"]["interactive"]["body"]["text"] for r in rq]
    checks.check(kinds == ["text", "interactive"] and len(bodies[1]) <= 1024
                 and " ".join(bodies) == text,
                 "render: a 1,740-character text with buttons -> its head as text, the last "
                 "<= 1024 characters as the interactive body", [len(b) for b in bodies])

    canonical(p, inst, checks, url)

    # ---- classify ----
    def err(code, message="m", details=None, status=400):
        e = {"message": message, "type": "OAuthException", "code": code}
        if details:
            e["error_data"] = {"details": details}
        return status, {"error": e}

    ok_body = {"messaging_product": "whatsapp", "contacts": [{"wa_id": "1"}],
               "messages": [{"id": "wamid.X"}]}
    for what, (status, body), cls, ra in [
            ("200 with messages[]", (200, ok_body), "ok", None),
            ("429 without a code", (429, {}), "retry_after", None),
            ("130429 throughput", err(130429), "retry_after", None),
            ("131056 pair rate", err(131056), "retry_after", 6),
            ("131047 re-engagement", err(131047, "Re-engagement message"), "needs_template",
             None),
            ("131026 undeliverable", err(131026), "unreachable", None),
            ("190 token expired", err(190, status=401), "auth", None),
            ("HTTP 401 without a body", (401, None), "auth", None),
            ("131009 bad parameter", err(131009), "invalid", None),
            ("100 invalid parameter", err(100), "invalid", None),
            ("132001 template missing", err(132001), "invalid", None),
            ("131048 spam rate limit", err(131048), "rate_exhausted", None),
            ("131000 generic", err(131000, status=500), "retry_backoff", None),
            ("HTTP 500 without a body", (500, None), "retry_backoff", None),
            ("HTTP 503 HTML", (503, b"<html>down</html>"), "retry_backoff", None),
            ("no answer (status 0)", (0, None), "retry_backoff", None),
            ("HTTP 404 without a code", (404, b"not found"), "invalid", None)]:
        out = p.classify(inst, status, body)
        checks.check(out and out.get("class") == cls
                     and (ra is None or out.get("retry_after") == ra)
                     and (cls != "retry_after" or out.get("retry_after", 0) > 0)
                     and isinstance(out.get("reason"), str) and out["reason"],
                     f"classify: {what} -> {cls}" + (f" ({ra} s)" if ra else ""), out)
    out = p.classify(inst, 400, err(131047, "Re-engagement message", "more than 24 hours")[1])
    checks.check("Re-engagement message" in out.get("reason", "")
                 and "more than 24 hours" in out.get("reason", ""),
                 "classify: the reason carries error.message and error_data.details", out)
    out = p.classify(inst, 429, {}, headers={"retry-after": "7"})
    checks.check(out.get("retry_after") == 7, "classify: 429 honours Retry-After", out)

    # ---- webhook ----
    def signed(doc, raw=None):
        raw = raw if raw is not None else json.dumps(doc).encode()
        return p.webhook(inst, raw, headers=[("x-hub-signature-256", sign(raw))])

    def events(out):
        return out.get("events") if isinstance(out, dict) else None

    raw = (b'{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":'
           b'"messages","value":{"contacts":[{"profile":{"name":"Jos\\u00e9"},"wa_id":"1555"}],'
           b'"messages":[{"from":"1555","id":"wamid.E1","timestamp":"1","type":"text",'
           b'"text":{"body":"caf\\u00e9"}}]}}]}]}')
    ev = events(signed(None, raw))
    checks.check(ev and ev[0]["text"] == "café" and ev[0]["user_name"] == "José"
                 and ev[0]["event_id"] == "wamid.E1" and ev[0]["chat_id"] == "1555"
                 and ev[0]["user_id"] == "1555" and ev[0]["kind"] == "text",
                 "webhook: the signature is over the raw bytes (\\u escapes kept); text event "
                 "(event_id = wamid, chat_id = user_id = wa_id)", ev)
    upper = sign(raw).replace("sha256=", "")
    out = p.webhook(inst, raw, headers=[("x-hub-signature-256", "sha256=" + upper.upper())])
    checks.check(events(out) is not None, "webhook: upper-case hex in the signature is accepted",
                 out)
    for what, hs in [("missing", []), ("wrong", [("x-hub-signature-256", sign(raw, "x"))]),
                     ("truncated", [("x-hub-signature-256", sign(raw)[:-1])]),
                     ("without sha256=", [("x-hub-signature-256", sign(raw)[7:])])]:
        out = p.webhook(inst, raw, headers=hs)
        checks.check(out.get("status") == 401 and "events" not in out,
                     f"webhook: a {what} signature -> 401, no events", out)

    def change(value):
        return {"field": "messages", "value": value}

    doc = {"object": "whatsapp_business_account", "entry": [
        {"id": "W1", "changes": [change({"messages": [
            {"from": "1", "id": "wamid.A", "type": "text", "text": {"body": "a"}},
            {"from": "2", "id": "wamid.B", "type": "interactive",
             "context": {"from": "106540352242922", "id": "wamid.SENT1"}, "interactive": {
                "type": "list_reply", "list_reply": {"id": "row_7", "title": "Tue"}}}]})]},
        {"id": "W2", "changes": [change({"messages": [
            {"from": "3", "id": "wamid.C", "type": "button",
             "button": {"text": "Confirm", "payload": "confirm:B1"}},
            {"from": "4", "id": "wamid.D", "type": "document", "document": {
                "id": "M1", "mime_type": "application/pdf", "filename": "q.pdf"}},
            {"from": "5", "id": "wamid.E", "type": "text"},
            {"id": "wamid.F", "type": "text", "text": {"body": "no sender"}}]}),
            change({"statuses": [{"id": "wamid.OUT", "status": "failed", "recipient_id": "6",
                                  "errors": [{"code": 131047, "title": "Re-engagement"}]}]}),
            {"field": "user_preferences", "value": {"messages": [
                {"from": "7", "id": "wamid.G", "type": "text", "text": {"body": "x"}}]}}]}]}
    ev = events(signed(doc)) or []
    got = [(e["event_id"], e["chat_id"], e["kind"], e.get("text")) for e in ev]
    checks.check(got == [("wamid.A", "1", "text", "a"), ("wamid.B", "2", "button", "row_7"),
                         ("wamid.C", "3", "button", "confirm:B1"),
                         ("wamid.D", "4", "media", None),
                         ("wamid.OUT:failed", "6", "status", None)],
                 "webhook: several entries and changes -> every message in order; template "
                 "button payload -> button; malformed messages and other fields skipped", got)
    checks.check([e.get("message_id") for e in ev[:3]] == [None, "wamid.SENT1", None],
                 "webhook: a button press carries the pressed message's wamid (context.id) as "
                 "message_id", ev[:3])
    media = ev[3].get("data") if len(ev) > 3 else None
    checks.check(media == {"type": "document", "file_id": "M1", "mime_type": "application/pdf",
                           "file_name": "q.pdf"}, "webhook: document -> media data", media)
    st = ev[4].get("data") if len(ev) > 4 else None
    checks.check(st and st["status"] == "failed" and st["message_id"] == "wamid.OUT"
                 and st["errors"][0]["code"] == 131047,
                 "webhook: a failed status keeps its errors[]", st)
    out = signed(None, b"[1,2]")
    checks.check(out.get("status") == 400, "webhook: signed JSON that is not an object -> 400",
                 out)

    def get(params):
        return p.webhook(inst, method="GET", query=urllib.parse.urlencode(params))

    out = get({"hub.mode": "subscribe", "hub.verify_token": "vt", "hub.challenge": "a b&c"})
    checks.check(out.get("status") == 200 and out.get("body") == "a b&c"
                 and out.get("content_type") == "text/plain",
                 "webhook: GET handshake decodes the query and echoes the challenge", out)
    out = get({"hub.mode": "subscribe", "hub.verify_token": "vT", "hub.challenge": "1"})
    checks.check(out.get("status") == 403, "webhook: GET with a wrong-case verify token -> 403",
                 out)
    out = p.webhook(inst, method="GET")
    checks.check(out.get("status") == 403, "webhook: GET without a query -> 403", out)
    out = p.webhook(inst, method="PUT")
    checks.check(out.get("status") == 405, "webhook: PUT -> 405", out)
    p.close(inst)


if __name__ == "__main__":
    plugin_loader.ensure_sanitizer_runtime("whatsapp")
    harness.main(test)
