#!/usr/bin/env python3
"""The Messenger and Instagram plugins called directly (plugin_loader, ctypes), for what a
bot cannot trigger easily: settings errors naming the setting, the 24-hour window, long
texts split within each channel's limit (2000 characters / 1000 UTF-8 bytes) with the
buttons on the last part only, more than 13 options as a numbered menu, every element
of the canonical message and its degradation (canonical(): describe(), button template
vs quick replies vs numbered menu, url buttons, media, generic templates or cards as
text, message tags outside the window), and every send result's class (CHANNELS.md
§7.5).

Usage: python3 test_meta_plugin.py PATH/TO/parley
"""

import sys

sys.dont_write_bytecode = True
import harness  # noqa: E402
import plugin_loader  # noqa: E402
from plugin_loader import Plugin  # noqa: E402

NOW = 10 ** 12
HOUR = 3600 * 1000
CLASSES = [
    (200, {"recipient_id": "9", "message_id": "m"}, "ok"),
    (400, {"error": {"code": 551, "error_subcode": 1545041, "message": "x"}}, "unreachable"),
    (400, {"error": {"code": 10, "error_subcode": 2018278, "message": "x"}}, "needs_template"),
    (400, {"error": {"code": 10, "error_subcode": 2534022, "message": "x"}}, "needs_template"),
    (400, {"error": {"code": 190, "message": "x"}}, "auth"),
    (400, {"error": {"code": 613, "message": "x"}}, "rate_exhausted"),
    (400, {"error": {"code": 4, "message": "x"}}, "rate_exhausted"),
    (500, {"error": {"code": 1, "message": "x"}}, "retry_backoff"),
    (0, None, "retry_backoff"),
    (502, None, "retry_backoff"),
    (400, {"error": {"code": 100, "message": "x"}}, "invalid"),
]


def canonical(p, inst, ch, checks):
    """render of every canonical element and degradation rule (docs/channels.md, "Canonical
    messages and degradation rules") on Messenger (ch "messenger") or Instagram, as exact
    Send API bodies."""
    ig = ch == "instagram"
    url = "https://graph.facebook.com/v21.0/" + ("123/messages" if ig else "me/messages")

    def sends(last=NOW - 1000, **fields):
        """[message] of each request (RESPONSE to user 9), or [(messaging_type, tag, message)]
        when tagged."""
        out = p.requests(inst, plugin_loader.message("9", NOW, last, **fields))
        if not isinstance(out, list):
            return out
        got = []
        for r, b in out:
            ok = r["url"] == url and r["headers"].get("Authorization") == "Bearer t" \
                and b.get("recipient") == {"id": "9"}
            if not ok:
                got.append(b)
            elif b.get("messaging_type") == "RESPONSE" and set(b) == {"recipient",
                                                                     "messaging_type", "message"}:
                got.append(b["message"])
            else:
                got.append((b.get("messaging_type"), b.get("tag"), b.get("message")))
        return got

    def qr(*pairs):
        return [{"content_type": "text", "title": t, "payload": i} for t, i in pairs]

    def template(text, *buttons):
        return {"attachment": {"type": "template", "payload": {
            "template_type": "button", "text": text, "buttons": list(buttons)}}}

    def postback(title, payload):
        return {"type": "postback", "title": title, "payload": payload}

    def generic(*elements, **extra):
        return dict({"attachment": {"type": "template", "payload": {
            "template_type": "generic", "elements": list(elements)}}}, **extra)

    def opts(n, first=1):
        return [[{"label": f"Option {i}", "id": f"o{i}"}] for i in range(first, first + n)]

    def error(got, *needles):
        return set(got or {}) == {"error"} and got["error"].startswith(ch + ": ") \
            and all(n in got["error"] for n in needles)

    got = p.describe(inst)
    checks.check(got == {"buttons": 13, "url_buttons": not ig, "quick_replies": True,
                         "cards": True, "edit": False,
                         "media": ["image", "video", "audio", "document"],
                         "text_limit": 1000 if ig else 2000,
                         "text_limit_unit": "bytes" if ig else "chars", "window_hours": 24,
                         "templates": False, "tags": True},
                 f"{ch}: describe (13 choices, quick replies, cards, 4 media types, "
                 f"{'1000 bytes' if ig else '2000 characters'}, 24 h window, tags"
                 f"{'' if ig else ', url buttons'})", got)

    # ---- buttons, url buttons, quick replies ----
    btns = [[{"label": "A", "id": "a"}, {"label": "Website", "url": "https://e.com"}]]
    got = sends(text="Pick", buttons=btns)
    want = [template("Pick", postback("A", "a"),
                     {"type": "web_url", "url": "https://e.com", "title": "Website"})] \
        if not ig else [{"text": "Pick\n\nWebsite: https://e.com\n\n1. A",
                         "quick_replies": qr(("A", "a"))}]
    checks.check(got == want, f"{ch}: a button and a url button -> " + (
        "a button template with a postback and a web_url button" if not ig else
        "a quick reply and the numbered choice in the text, the url as a 'Label: url' line "
        "(no templates on web clients)"), got)
    got = sends(text="Pick", buttons=[[{"label": "A label longer than twenty", "id": "l"}]],
                quick_replies=[{"label": "Q", "id": "q"}])
    want = [dict(template("Pick", postback("A label longer than…", "l")),
                 quick_replies=qr(("Q", "q")))] \
        if not ig else [{"text": "Pick\n\n1. A label longer than twenty\n2. Q",
                         "quick_replies": qr(("A label longer than…", "l"), ("Q", "q"))}]
    checks.check(got == want, f"{ch}: titles over 20 cut with '…'; quick replies ride on the "
                 "message" + (" (a template too)" if not ig else ""), got)
    got = sends(text="Pick", buttons=opts(4) + [[{"label": "Site", "url": "https://e.com"}]])
    want = {"text": "Pick\n\nSite: https://e.com",
            "quick_replies": qr(*[(f"Option {i}", f"o{i}") for i in range(1, 5)])}
    if ig:
        want["text"] += "\n\n" + "\n".join(f"{i}. Option {i}" for i in range(1, 5))
    checks.check(got == [want], f"{ch}: 4 buttons + a url button -> quick replies, the url as "
                 "a 'Label: url' line", got)
    got = sends(text="Pick", buttons=opts(10), quick_replies=[
        {"label": f"Q{i}", "id": f"q{i}"} for i in range(11, 15)])
    checks.check(got == [{"text": "Pick\n\n" + "\n".join(
        [f"{i}. {'Option' if i <= 10 else 'Q'}{' ' if i <= 10 else ''}{i}" for i in range(1, 15)])
        + "\nReply with a number."}],
        f"{ch}: 10 buttons + 4 quick replies (14 choices, over 13) -> one numbered menu, no "
        "quick replies", got)

    # ---- media ----
    for mtype, att in [("image", "image"), ("video", "video"), ("audio", "audio"),
                       ("document", "file")]:
        got = sends(text="Here", media={"type": mtype, "url": f"https://e.com/m/{mtype}.pdf"})
        checks.check(got == [{"attachment": {"type": att, "payload": {
            "url": f"https://e.com/m/{mtype}.pdf"}}}, {"text": "Here"}],
            f"{ch}: media {mtype} -> a {att} attachment by URL, then the caption as text", got)
    got = sends(media={"type": "image", "url": "https://e.com/a.jpg"},
                quick_replies=[{"label": "Nice", "id": "n"}])
    want = [{"attachment": {"type": "image", "payload": {"url": "https://e.com/a.jpg"}},
             "quick_replies": qr(("Nice", "n"))}]
    if ig:
        want = [want[0], {"text": "1. Nice", "quick_replies": qr(("Nice", "n"))}]
        del want[0]["quick_replies"]
    checks.check(got == want, f"{ch}: media without text: quick replies on the last message",
                 got)
    got = sends(text="Contract", media={"type": "document", "url": "https://e.com/c.docx",
                                         "filename": "c.docx"})
    want = [{"text": "Contract\n\nc.docx: https://e.com/c.docx"}] if ig else [
        {"attachment": {"type": "file", "payload": {"url": "https://e.com/c.docx"}}},
        {"text": "Contract"}]
    checks.check(got == want, f"{ch}: a .docx document -> " + (
        "a link line (Instagram sends PDF files only)" if ig else "a file attachment"), got)

    # ---- cards ----
    card_a = {"title": "Room A", "subtitle": "Sea view", "image": "https://e.com/a.jpg",
              "url": "https://e.com/a", "buttons": [{"label": "Book", "id": "book_a"},
                                                    {"label": "Info", "url": "https://e.com/i"}]}
    el_a = {"title": "Room A", "subtitle": "Sea view", "image_url": "https://e.com/a.jpg",
            "default_action": {"type": "web_url", "url": "https://e.com/a"},
            "buttons": [postback("Book", "book_a"),
                        {"type": "web_url", "url": "https://e.com/i", "title": "Info"}]}
    got = sends(text="Rooms", cards=[card_a, {"title": "T" * 90, "subtitle": "S" * 90}],
                quick_replies=[{"label": "Later", "id": "later"}])
    el_b = {"title": "T" * 79 + "…", "subtitle": "S" * 79 + "…"}
    want = [{"text": "Rooms"}, generic(el_a, el_b, quick_replies=qr(("Later", "later")))]
    if ig:
        want[0] = {"text": "Rooms\n\n1. Room A: Book\n2. Later"}
    checks.check(got == want, f"{ch}: cards -> a generic template (title/subtitle cut to 80, "
                 "image_url, default_action for the url, postback / web_url buttons); quick "
                 "replies on the last message" + (
                     "; every choice numbered in the text, card buttons as 'Card: Label'"
                     if ig else ""), got)
    got = sends(cards=[{"title": f"C{i}", "subtitle": "s"} for i in range(1, 12)])
    checks.check(got == [generic(*[{"title": f"C{i}", "subtitle": "s"} for i in range(1, 11)]),
                         generic({"title": "C11", "subtitle": "s"})],
                 f"{ch}: 11 cards -> a carousel of 10, then one of 1", got)
    got = sends(text="Pick", buttons=opts(1), cards=[
        {"title": "Big", "subtitle": "four buttons",
         "buttons": [{"label": f"B{i}", "id": f"b{i}"} for i in range(2, 5)]
         + [{"label": "Map", "url": "https://e.com/m"}, {"label": "B5", "id": "b5"}]},
        {"title": "Bare"}])
    want = [template("Pick", postback("Option 1", "o1")),
            {"text": "Big\nfour buttons\n\nMap: https://e.com/m\n\n2. B2\n3. B3\n4. B4\n5. B5"
                     "\nReply with a number."},
            {"text": "Bare"}]
    if ig:  # the button as a quick reply, on the last message
        want = [{"text": "Pick\n\n1. Option 1"}, want[1],
                dict(want[2], quick_replies=qr(("Option 1", "o1")))]
    checks.check(got == want, f"{ch}: a card with more than 3 buttons (or only a title) -> "
                 "every card as text: title/subtitle/url, 'Label: url' lines, its choices "
                 "under their canonical numbers", got)

    # ---- long text with a template, edits, keyboard removal ----
    if not ig:
        text = ("Sentence number one is here. " * 40).strip()  # 1159 characters
        got = sends(text=text, buttons=opts(2))
        checks.check(isinstance(got, list) and len(got) == 2 and "text" in got[0]
                     and len(got[1]["attachment"]["payload"]["text"]) <= 640
                     and got[0]["text"] + " " + got[1]["attachment"]["payload"]["text"] == text,
                     "messenger: a text over the template's 640 characters: the head as text, "
                     "the rest in the button template", got)
    got = sends(text="Updated", edit_message_id="m_1", remove_keyboard=True)
    checks.check(got == [{"text": "Updated"}],
                 f"{ch}: edit and remove_keyboard: neither exists -> a new message", got)
    got = sends(edit_message_id="m_1")
    checks.check(got == [], f"{ch}: an edit that only takes the buttons away: nothing to send",
                 got)

    # ---- the window and message tags ----
    late = NOW - 25 * HOUR
    got = sends(last=late, text="hi")
    checks.check(error(got, "24-hour window", "HUMAN_AGENT") and (ig or "opts.tag" in got["error"]),
                 f"{ch}: outside the window without a tag -> a sentence naming the window and "
                 + ("the HUMAN_AGENT tag" if ig else "opts.tag"), got)
    got = sends(text="hi", tag="ACCOUNT_UPDATE")
    checks.check(got == [{"text": "hi"}], f"{ch}: a tag inside the window: RESPONSE", got)
    got = sends(last=late, text="Your order shipped", tag="POST_PURCHASE_UPDATE")
    want = error(got, "unknown message tag", "HUMAN_AGENT") if ig else \
        got == [("MESSAGE_TAG", "POST_PURCHASE_UPDATE", {"text": "Your order shipped"})]
    checks.check(want, f"{ch}: POST_PURCHASE_UPDATE outside the window -> " + (
        "refused (Instagram has only HUMAN_AGENT)" if ig else "MESSAGE_TAG with the tag"), got)
    got = sends(last=late, text="hi", tag="HUMAN_AGENT")
    checks.check(error(got, "HUMAN_AGENT", "operator"),
                 f"{ch}: HUMAN_AGENT on a bot's message -> refused (a person's replies only)",
                 got)
    got = sends(last=late, text="hi", tag="HUMAN_AGENT", operator="ana")
    checks.check(got == [("MESSAGE_TAG", "HUMAN_AGENT", {"text": "hi"})],
                 f"{ch}: HUMAN_AGENT on an operator's message 25 h later -> MESSAGE_TAG", got)
    got = sends(last=NOW - 8 * 24 * HOUR, text="hi", tag="HUMAN_AGENT", operator="ana")
    checks.check(error(got, "7 days"), f"{ch}: HUMAN_AGENT 8 days later -> refused", got)
    for what, fields, needle in [
            ("buttons without a text", {"buttons": opts(1)}, "buttons need a text"),
            ("nothing at all", {}, "nothing to send"),
            ("a button id over 1000 bytes", {"text": "x", "buttons": [[
                {"label": "L", "id": "x" * 1001}]]}, "1000 bytes")]:
        got = sends(**fields)
        checks.check(error(got, needle), f"{ch}: {what} -> error ({needle!r})", got)


def test(parley, checks, tmp):
    for ch, idk in (("messenger", "page_id"), ("instagram", "ig_account_id")):
        so = plugin_loader.plugin_path(parley, ch)
        if not checks.check(so.is_file(), f"{ch}: the plugin module is built ({so})"):
            continue
        p = Plugin(so)
        base = {"token": "t", "app_secret": "s", "verify_token": "v"}
        inst, err = p.open(base)
        checks.check(not inst and err and idk in err, f"{ch}: a missing {idk} is named", err)
        inst, err = p.open(dict(base, **{idk: "1", "x": 1}))
        checks.check(not inst and err and f"channels.{ch}.x" in err,
                     f"{ch}: an unknown setting is named", err)
        inst, err = p.open(dict(base, **{idk: "123"}))
        if not checks.check(inst, f"{ch}: a complete config opens", err):
            continue
        r = p.render(inst, {"chat_id": "9", "text": "hi", "now": NOW,
                            "last_inbound_at": NOW - 25 * HOUR})
        checks.check("24-hour window" in (r or {}).get("error", ""),
                     f"{ch}: 25 h after the user's last message, a reply is refused (24 h window)",
                     r)
        long = "é" * 1500 if ch == "instagram" else "word " * 900
        r = p.render(inst, {"chat_id": "9", "text": long, "now": NOW, "last_inbound_at": NOW,
                            "buttons": [[{"label": x, "id": x}] for x in "ABCDE"]})
        bodies = [harness.parse_json(q["body"]) for q in (r or {}).get("requests", [])]
        texts = [b["message"].get("text", "") for b in bodies]
        fits = (lambda t: len(t.encode()) <= 1000) if ch == "instagram" else \
            (lambda t: len(t) <= 2000)
        checks.check(len(bodies) > 1 and all(fits(t) for t in texts)
                     and "quick_replies" in bodies[-1]["message"]
                     and all("quick_replies" not in b["message"] for b in bodies[:-1]),
                     f"{ch}: a long text is split within the limit, buttons on the last part",
                     [len(t) for t in texts])
        r = p.render(inst, {"chat_id": "9", "text": "Pick", "now": NOW, "last_inbound_at": NOW,
                            "buttons": [[{"label": f"O{i}", "id": f"o{i}"}] for i in range(14)]})
        m = harness.parse_json(r["requests"][0]["body"])["message"] if r and r.get("requests") \
            else {}
        checks.check("quick_replies" not in m and m.get("text", "").endswith(
            "14. O13\nReply with a number."), f"{ch}: 14 options become a numbered menu", m)
        canonical(p, inst, ch, checks)
        for status, body, want in CLASSES:
            got = (p.classify(inst, status, body, {}) or {}).get("class")
            code = body and body.get("error", {}).get("code")
            checks.check(got == want, f"{ch}: HTTP {status} code {code} -> {want}", got)
        p.close(inst)


if __name__ == "__main__":
    plugin_loader.ensure_sanitizer_runtime("messenger")
    harness.main(test)
