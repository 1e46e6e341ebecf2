#!/usr/bin/env python3
"""The Telegram channel plugin called directly through its ABI (include/parley/channel.h),
for the cases a bot cannot produce or a fake is slow to stage:
  - render: callback_data limit in bytes (64 ok, 65 or 33 x "é" refused), chat ids
    (numeric -> integer, "@channel" -> string), the URL from api_base, no parse_mode
    (markup characters sent verbatim), empty rows, blank text refused; splitting: 4096
    code points -> 1 part, 4097 without spaces -> cut at exactly 4096, 4096 emoji (8192
    UTF-16 units) -> 1 part, CJK sentences cut after "。"
  - render of the canonical message (canonical()): describe(); url buttons, rows wrapped
    at 8, over 100 buttons -> a numbered menu; quick replies as a one-time reply keyboard
    (callback buttons where every message has an inline keyboard); media by URL with the
    text's head as caption, documents other than PDF/ZIP/GIF as a link; cards as photos
    or messages with a bold-title entity; edits (editMessageText /
    editMessageReplyMarkup); keyboard removal; refusals naming the field
  - classify: every row of CHANNELS.md §1.6 / §7.5 as implemented (ok, retry_after from
    parameters or the Retry-After header, retry_backoff, unreachable, invalid, auth,
    "message is not modified" -> ok, an error envelope inside a 2xx)
  - webhook: no secret configured, /start@bot, /cmd@bot without args, a press without
    data or without a chat (answered, no event), group chats, sender_chat, bots' own
    messages, trailing garbage after the JSON
The module is loaded into this Python process with ctypes; a sanitizer build's module
needs the ASan runtime first, so the script then re-executes itself (exec, no child)
with LD_PRELOAD set. Leaks are checked by the serve tests (test_telegram_webhook.py),
not here (the interpreter's own allocations would drown them).

Usage: python3 test_telegram_plugin.py PATH/TO/parley
"""

import json
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import harness  # noqa: E402
import plugin_loader  # noqa: E402
from plugin_loader import Plugin  # noqa: E402

TOKEN = "123456789:AAtest-token_for_parley"


def plugin_path(parley):
    return plugin_loader.plugin_path(parley, "telegram")


def canonical(p, inst, checks):
    """render of every canonical element and degradation rule (docs/channels.md, "Canonical
    messages and degradation rules"), as exact Bot API calls."""
    api = f"http://fake.test:81/tg/bot{TOKEN}/"

    def calls(**fields):
        """(method, body) of each request for a message to chat 42."""
        out = p.requests(inst, plugin_loader.message("42", **fields))
        if not isinstance(out, list):
            return out
        return [(r["url"][len(api):] if r["method"] == "POST" and r["url"].startswith(api)
                 and r["headers"] == {"Content-Type": "application/json"} else r, b)
                for r, b in out]

    def send(text, **extra):
        return ("sendMessage", dict({"chat_id": 42, "text": text}, **extra))

    def ikb(*rows):
        return {"inline_keyboard": [list(r) for r in rows]}

    def cb(label, bid):
        return {"text": label, "callback_data": bid}

    def link(label, url):
        return {"text": label, "url": url}

    got = p.describe(inst)
    checks.check(got == {"buttons": 100, "url_buttons": True, "quick_replies": True,
                         "cards": True, "edit": True,
                         "media": ["image", "video", "audio", "document"], "text_limit": 4096,
                         "text_limit_unit": "chars", "templates": False, "tags": False},
                 "describe: Telegram's capabilities (100 buttons, url buttons, quick replies, "
                 "cards, edits, 4 media types, 4096 characters, no window)", got)

    # ---- buttons ----
    got = calls(text="Pick", buttons=[[{"label": "A", "id": "a"},
                                       {"label": "Site", "url": "https://e.com/x?y=1"}],
                                      [{"label": "B", "id": "b"}]])
    checks.check(got == [send("Pick", reply_markup=ikb([cb("A", "a"),
                                                        link("Site", "https://e.com/x?y=1")],
                                                       [cb("B", "b")]))],
                 "buttons: callback and url buttons in one inline keyboard, row for row", got)
    row = [{"label": f"L{i}", "id": f"i{i}"} for i in range(1, 10)]
    got = calls(text="Nine", buttons=[row])
    checks.check(got == [send("Nine", reply_markup=ikb([cb(f"L{i}", f"i{i}") for i in range(1, 9)],
                                                       [cb("L9", "i9")]))],
                 "buttons: a row of 9 is wrapped at 8 buttons a row", got)
    many = [[{"label": f"Option {i}", "id": f"o{i}"}] for i in range(1, 102)]
    got = calls(text="Pick", buttons=many + [[{"label": "Site", "url": "https://e.com"}]])
    want = ("Pick\n\nSite: https://e.com\n\n"
            + "\n".join(f"{i}. Option {i}" for i in range(1, 102)) + "\nReply with a number.")
    checks.check(got == [send(want)],
                 "buttons: more than 100 (a keyboard's limit) -> a numbered menu, url buttons as "
                 "'Label: url' lines, no keyboard", got)

    # ---- quick replies ----
    q3 = [{"label": "Yes", "id": "y"}, {"label": "No", "id": "n"}, {"label": "Maybe", "id": "m"}]
    got = calls(text="Sure?", quick_replies=q3)
    checks.check(got == [send("Sure?", reply_markup={
        "keyboard": [[{"text": "Yes"}, {"text": "No"}, {"text": "Maybe"}]],
        "one_time_keyboard": True, "resize_keyboard": True})],
        "quick replies: a one-time reply keyboard, 3 short labels on one row", got)
    q4 = q3 + [{"label": "A much longer answer than twenty", "id": "l"}]
    got = calls(text="Sure?", quick_replies=q4)
    kb = got[0][1].get("reply_markup", {}).get("keyboard") if isinstance(got, list) else None
    checks.check(kb == [[{"text": q["label"]}] for q in q4],
                 "quick replies: 4 (or a long label) -> one a row", got)
    got = calls(text="Pick", buttons=[[{"label": "A", "id": "a"}]], quick_replies=q3[:2])
    checks.check(got == [send("Pick", reply_markup=ikb([cb("A", "a")],
                                                       [cb("Yes", "y"), cb("No", "n")]))],
                 "quick replies with an inline keyboard on the only message -> callback buttons "
                 "on a row after it (one message takes one markup)", got)
    long_text = "Word. " * 800  # 4800 characters -> 2 parts
    got = calls(text=long_text, buttons=[[{"label": "A", "id": "a"}]], quick_replies=q3[:1])
    checks.check(isinstance(got, list) and len(got) == 2
                 and got[0][1].get("reply_markup") == {"keyboard": [[{"text": "Yes"}]],
                                                       "one_time_keyboard": True,
                                                       "resize_keyboard": True}
                 and got[1][1].get("reply_markup") == ikb([cb("A", "a")]),
                 "quick replies: on the last message without markup (the first part here), "
                 "the inline keyboard on the last part", got)

    # ---- media ----
    for mtype, method, field in [("image", "sendPhoto", "photo"), ("video", "sendVideo", "video"),
                                 ("audio", "sendAudio", "audio"),
                                 ("document", "sendDocument", "document")]:
        url = f"https://e.com/f/{mtype}.pdf"
        got = calls(text="Here", media={"type": mtype, "url": url, "filename": "x.pdf"},
                    buttons=[[{"label": "OK", "id": "ok"}]])
        checks.check(got == [(method, {"chat_id": 42, field: url, "caption": "Here",
                                       "reply_markup": ikb([cb("OK", "ok")])})],
                     f"media {mtype}: {method} by URL, the text as caption, buttons on it", got)
    got = calls(media={"type": "image", "url": "https://e.com/a.jpg"})
    checks.check(got == [("sendPhoto", {"chat_id": 42, "photo": "https://e.com/a.jpg"})],
                 "media without text: no caption", got)
    text = ("Sentence number one is here. " * 50).strip()  # 1449 characters
    got = calls(text=text, media={"type": "image", "url": "https://e.com/a.jpg"},
                buttons=[[{"label": "OK", "id": "ok"}]])
    cap = got[0][1].get("caption", "") if isinstance(got, list) and got else ""
    checks.check(isinstance(got, list) and [m for m, _ in got] == ["sendPhoto", "sendMessage"]
                 and len(cap) <= 1024 and cap.endswith(".")
                 and cap + " " + got[1][1]["text"] == text
                 and "reply_markup" not in got[0][1]
                 and got[1][1]["reply_markup"] == ikb([cb("OK", "ok")]),
                 "media: a text over the 1024-character caption -> its head (cut after a "
                 "sentence) as caption, the rest as a message with the buttons", got)
    got = calls(text="Your contract",
                media={"type": "document", "url": "https://e.com/c.docx", "filename": "c.docx"})
    checks.check(got == [send("Your contract\n\nc.docx: https://e.com/c.docx")],
                 "media: a document Telegram cannot fetch by URL (not PDF/ZIP/GIF) -> a link "
                 "line 'filename: url'", got)
    got = calls(media={"type": "document", "url": "https://e.com/dl/Q.PDF?sig=1#x"})
    checks.check(got == [("sendDocument", {"chat_id": 42,
                                           "document": "https://e.com/dl/Q.PDF?sig=1#x"})],
                 "media: a .PDF url (any case, query ignored) -> sendDocument", got)
    got = calls(media={"type": "document", "url": "https://e.com/dl/x"})
    checks.check(got == [send("https://e.com/dl/x")],
                 "media: a document of unknown type without filename -> the url as text", got)

    # ---- cards ----
    cards = [{"title": "Room <b> & 👋", "subtitle": "Sea view", "image": "https://e.com/a.jpg",
              "url": "https://e.com/a",
              "buttons": [{"label": "Book", "id": "book_a"},
                          {"label": "Info", "url": "https://e.com/ai"}]},
             {"title": "Room B", "subtitle": "Garden", "buttons": [{"label": "Book",
                                                                    "id": "book_b"}]}]
    got = calls(text="Rooms", cards=cards, buttons=[[{"label": "More", "id": "more"}]])
    checks.check(got == [
        send("Rooms", reply_markup=ikb([cb("More", "more")])),
        ("sendPhoto", {"chat_id": 42, "photo": "https://e.com/a.jpg",
                       "caption": "Room <b> & 👋\nSea view\nhttps://e.com/a",
                       "caption_entities": [{"type": "bold", "offset": 0, "length": 13}],
                       "reply_markup": ikb([cb("Book", "book_a")],
                                           [link("Info", "https://e.com/ai")])}),
        send("Room B\nGarden", entities=[{"type": "bold", "offset": 0, "length": 6}],
             reply_markup=ikb([cb("Book", "book_b")]))],
        "cards: the text with its buttons first; a card with an image -> sendPhoto, caption "
        "title/subtitle/url, the title bold by an entity (UTF-16 length: the emoji counts 2; "
        "'<b> &' verbatim, no parse_mode), its buttons one a row; without image -> a message",
        got)
    got = calls(cards=[{"title": "T", "subtitle": "s" * 2000, "image": "https://e.com/a.jpg"}])
    cap = got[0][1].get("caption", "") if isinstance(got, list) else ""
    checks.check(len(cap) == 1024 and cap.endswith("…") and cap.startswith("T\nsss")
                 and got[0][1]["caption_entities"][0]["length"] == 1,
                 "cards: a caption over 1024 characters is cut to 1024 with '…'", len(cap))
    got = calls(cards=[{"title": "T" * 2000, "image": "https://e.com/a.jpg"}])
    ent = got[0][1]["caption_entities"][0] if isinstance(got, list) else None
    checks.check(ent == {"type": "bold", "offset": 0, "length": 1024},
                 "cards: a title over the caption -> the bold entity ends with the caption", ent)
    got = calls(cards=cards[1:], buttons=[[{"label": "More", "id": "more"}]])
    checks.check(got == [send("Room B\nGarden", entities=[{"type": "bold", "offset": 0,
                                                           "length": 6}],
                              reply_markup=ikb([cb("Book", "book_b")], [cb("More", "more")]))],
                 "cards without a text: the message's buttons after the last card's", got)

    # ---- edits ----
    got = calls(text="Updated", edit_message_id="77", buttons=[[{"label": "A", "id": "a"}]])
    checks.check(got == [("editMessageText", {"chat_id": 42, "message_id": 77, "text": "Updated",
                                              "reply_markup": ikb([cb("A", "a")])})],
                 "edit: editMessageText of message_id (an integer) with the inline keyboard",
                 got)
    got = calls(edit_message_id="77")
    checks.check(got == [("editMessageReplyMarkup", {"chat_id": 42, "message_id": 77,
                                                     "reply_markup": {"inline_keyboard": []}})],
                 "edit without text or buttons: editMessageReplyMarkup, empty keyboard (the "
                 "buttons go)", got)
    got = calls(edit_message_id="77", buttons=[[{"label": "A", "id": "a"}]])
    checks.check(got == [("editMessageReplyMarkup", {"chat_id": 42, "message_id": 77,
                                                     "reply_markup": ikb([cb("A", "a")])})],
                 "edit of the buttons only: editMessageReplyMarkup with the new keyboard", got)
    got = calls(text="é" * 5000, edit_message_id="77", buttons=[[{"label": "A", "id": "a"}]])
    checks.check(isinstance(got, list) and [m for m, _ in got] == ["editMessageText",
                                                                    "sendMessage"]
                 and got[0][1]["text"] == "é" * 4096 and "reply_markup" not in got[0][1]
                 and got[1][1] == {"chat_id": 42, "text": "é" * 904,
                                   "reply_markup": ikb([cb("A", "a")])},
                 "edit of a text over 4096: the first part edits, the rest is a new message "
                 "with the keyboard", got)
    got = calls(text="New", edit_message_id="77", quick_replies=q3[:1])
    checks.check(got == [("editMessageText", {"chat_id": 42, "message_id": 77, "text": "New",
                                              "reply_markup": ikb([cb("Yes", "y")])})],
                 "edit with quick replies: callback buttons (an edit takes no reply keyboard)",
                 got)
    got = calls(text="Pic", edit_message_id="77", media={"type": "image",
                                                         "url": "https://e.com/a.jpg"})
    checks.check(got == [("sendPhoto", {"chat_id": 42, "photo": "https://e.com/a.jpg",
                                        "caption": "Pic"})],
                 "edit with media: sent as a new message (editMessageText edits text only)",
                 got)
    got = calls(text="Booked", edit_message_id="c77", buttons=[[{"label": "A", "id": "a"}]])
    checks.check(got == [("editMessageCaption", {"chat_id": 42, "message_id": 77,
                                                 "caption": "Booked",
                                                 "reply_markup": ikb([cb("A", "a")])})],
                 "edit of a media message (a photo card, id c77): editMessageCaption with the "
                 "keyboard (editMessageText fails on a photo)", got)
    got = calls(text="é" * 1500, edit_message_id="c77", buttons=[[{"label": "A", "id": "a"}]])
    checks.check(isinstance(got, list) and [m for m, _ in got] == ["editMessageCaption",
                                                                    "sendMessage"]
                 and got[0][1]["caption"] == "é" * 1024 and "reply_markup" not in got[0][1]
                 and got[1][1] == {"chat_id": 42, "text": "é" * 476,
                                   "reply_markup": ikb([cb("A", "a")])},
                 "edit of a caption over 1024: the first 1024 edit it, the rest is a new "
                 "message with the keyboard", got)
    got = calls(edit_message_id="c77", buttons=[[{"label": "B", "id": "b"}]])
    checks.check(got == [("editMessageReplyMarkup", {"chat_id": 42, "message_id": 77,
                                                     "reply_markup": ikb([cb("B", "b")])})],
                 "edit of a media message's buttons only: editMessageReplyMarkup", got)
    for bad in ["m_77", "c", "cc77", "7c7"]:
        got = calls(text="x", edit_message_id=bad)
        checks.check(set(got or {}) == {"error"} and "edit_message_id" in got["error"],
                     f"edit: message id {bad!r} -> error", got)
    got = calls(text="x", edit_message_id="m_77")
    checks.check(set(got or {}) == {"error"} and "edit_message_id" in got["error"],
                 "edit: a non-numeric message id -> error", got)

    # ---- keyboard removal, fields Telegram does not use ----
    got = calls(text="Done", remove_keyboard=True)
    checks.check(got == [send("Done", reply_markup={"remove_keyboard": True})],
                 "remove_keyboard: ReplyKeyboardRemove on the message", got)
    got = calls(text="Done", remove_keyboard=True, quick_replies=q3[:1])
    checks.check(got == [send("Done", reply_markup={"keyboard": [[{"text": "Yes"}]],
                                                   "one_time_keyboard": True,
                                                   "resize_keyboard": True})],
                 "remove_keyboard with quick replies: the new keyboard replaces the old", got)
    got = calls(text=long_text, remove_keyboard=True, buttons=[[{"label": "A", "id": "a"}]])
    checks.check(isinstance(got, list) and len(got) == 2
                 and got[0][1].get("reply_markup") == {"remove_keyboard": True},
                 "remove_keyboard: on the first message without an inline keyboard", got)
    got = calls(text="Hi", template={"name": "t", "language": "en"}, tag="HUMAN_AGENT")
    checks.check(got == [send("Hi")], "template and tag: not used on Telegram", got)

    # ---- refusals ----
    for what, fields, needle in [
            ("nothing to send", {"remove_keyboard": True}, "text, media or cards"),
            ("a quick reply with a url", {"text": "x", "quick_replies": [
                {"label": "Q", "url": "https://e.com"}]}, '"Q" has a url'),
            ("a button with an id and a url", {"text": "x", "buttons": [[
                {"label": "B", "id": "b", "url": "https://e.com"}]]}, "both"),
            ("a button url that is not http(s)", {"text": "x", "buttons": [[
                {"label": "B", "url": "javascript:alert(1)"}]]}, "http(s)"),
            ("an unknown media type", {"media": {"type": "sticker", "url": "https://e.com/s"}},
             '"image", "video", "audio" or "document"'),
            ("a card without a title", {"cards": [{"subtitle": "s"}]}, "card 1 has no title"),
            ("a card button id over 64 bytes", {"cards": [{"title": "T", "buttons": [
                {"label": "Go", "id": "g" * 65}]}]}, "64 bytes")]:
        got = calls(**fields)
        checks.check(set(got or {}) == {"error"} and got["error"].startswith("telegram: ")
                     and needle in got["error"], f"render: {what} -> error ({needle!r})", got)


def test(parley, checks, tmp):
    so = plugin_path(parley)
    if not checks.check(so.is_file(), f"the plugin module is built ({so})"):
        return
    p = Plugin(so)
    checks.check(p.api.abi == 1 and p.api.name == b"telegram",
                 "parley_channel_v1: ABI 1, name \"telegram\"", (p.api.abi, p.api.name))
    inst, err = p.open({"token": TOKEN, "api_base": "http://fake.test:81/tg/"})
    if not checks.check(inst, "open with token and api_base", err):
        return
    send_url = f"http://fake.test:81/tg/bot{TOKEN}/sendMessage"

    # ---- render ----
    def render(text, buttons=None, chat="42"):
        m = {"chat_id": chat, "text": text, "key": "k1", "tenant": "t"}
        if buttons is not None:
            m["buttons"] = buttons
        return p.render(inst, m)

    def bodies(out):
        return [json.loads(r["body"]) for r in (out or {}).get("requests", [])]

    out = render("*not bold* <b>x</b> & _y_", [[{"label": "A", "id": "a" * 64}]])
    rq = (out.get("requests") or [{}])[0]
    checks.check(rq.get("method") == "POST" and rq.get("url") == send_url
                 and rq.get("headers") == {"Content-Type": "application/json"},
                 "render: POST <api_base without trailing slash>/bot<token>/sendMessage, JSON",
                 out)
    checks.check(bodies(out) == [{"chat_id": 42, "text": "*not bold* <b>x</b> & _y_",
                                  "reply_markup": {"inline_keyboard": [[
                                      {"text": "A", "callback_data": "a" * 64}]]}}],
                 "render: plain text verbatim (no parse_mode), a 64-byte callback_data is fine",
                 out)
    for what, bid in [("65 bytes", "a" * 65), ("33 x 'é' (33 characters, 66 bytes)", "é" * 33)]:
        out = render("pick", [[{"label": "A", "id": "ok"}, {"label": "B", "id": bid}]])
        checks.check(set(out) == {"error"} and "64 bytes" in out["error"]
                     and '"B"' in out["error"],
                     f"render: a button id of {what} -> error naming the button and the limit",
                     out)
    out = render("x", [[{"label": "€" * 50, "id": "a" * 65}]])
    checks.check(out and set(out) == {"error"} and "€" * 40 + '"' in out["error"],
                 "render: the error quotes a long label cut at a character boundary", out)
    out = render("x", [[{"label": "A", "id": "é" * 32}]])
    checks.check("requests" in out, "render: 32 x 'é' (64 bytes) is fine", out)
    checks.check(bodies(render("x", chat="-1001234567890"))[0]["chat_id"] == -1001234567890,
                 "render: a supergroup id becomes a (negative) integer", None)
    checks.check(bodies(render("x", chat="@mychannel"))[0]["chat_id"] == "@mychannel",
                 "render: a non-numeric chat id ('@mychannel') stays a string", None)
    checks.check(bodies(render("x", [[]]))[0] == {"chat_id": 42, "text": "x"}
                 and bodies(render("x", []))[0] == {"chat_id": 42, "text": "x"},
                 "render: no buttons / empty rows -> no reply_markup", None)
    for what, text in [("an empty", ""), ("a blank", " \n\t ")]:
        out = render(text)
        checks.check(set(out) == {"error"} and "text" in out["error"],
                     f"render: {what} text -> error (Telegram refuses it)", out)
    out = p.render(inst, {"text": "x"})
    checks.check(set(out) == {"error"} and "chat_id" in out["error"],
                 "render: no chat_id -> error", out)

    def parts(text):
        return [b["text"] for b in bodies(render(text))]

    got = parts("é" * 4096)
    checks.check(got == ["é" * 4096], "split: exactly 4096 code points (8192 bytes) -> 1 part",
                 [len(t) for t in got])
    got = parts("é" * 4097)
    checks.check(got == ["é" * 4096, "é"],
                 "split: 4097 without any break -> cut at exactly 4096 code points",
                 [len(t) for t in got])
    got = parts("👋" * 4096)
    checks.check(got == ["👋" * 4096],
                 "split: 4096 emoji (8192 UTF-16 units) -> 1 part (Telegram counts code points)",
                 [len(t) for t in got])
    cjk = "这是一个句子。" * 700  # 4900 code points, no spaces
    got = parts(cjk)
    checks.check(len(got) == 2 and got[0].endswith("。") and len(got[0]) <= 4096
                 and "".join(got) == cjk,
                 "split: CJK sentences are cut after '。'", [len(t) for t in got])
    words = " ".join(["abcdefghi"] * 1000)  # 9999 code points, no sentence ends
    got = parts(words)
    checks.check(len(got) == 3 and all(len(t) <= 4096 for t in got)
                 and all(set(t.split(" ")) == {"abcdefghi"} for t in got),
                 "split: words only -> cut at word boundaries, white space at the cut dropped",
                 [len(t) for t in got])
    out = render("a. " * 3000, [[{"label": "Go", "id": "go"}]])
    markups = [b.get("reply_markup") for b in bodies(out)]
    checks.check(len(markups) == 3 and markups[:2] == [None, None] and markups[2] is not None,
                 "split: the buttons ride on the last part only", markups)

    canonical(p, inst, checks)

    # ---- classify ----
    def cls(status, body=None, headers=None):
        return p.classify(inst, status, body, headers)

    def env(code, desc, **params):
        d = {"ok": False, "error_code": code, "description": desc}
        if params:
            d["parameters"] = params
        return d

    cases = [
        ("200 ok:true", cls(200, {"ok": True, "result": {"message_id": 1}}), "ok"),
        ("status 0 (no answer)", cls(0), "retry_backoff"),
        ("429 with parameters.retry_after",
         cls(429, env(429, "Too Many Requests: retry after 7", retry_after=7)), "retry_after"),
        ("429 with only a Retry-After header",
         cls(429, b"Too Many Requests", {"retry-after": "3"}), "retry_after"),
        ("429 without any retry_after", cls(429, env(429, "Too Many Requests")), "retry_backoff"),
        ("400 message is not modified",
         cls(400, env(400, "Bad Request: message is not modified: specified new message "
                           "content and reply markup are exactly the same")), "ok"),
        ("400 can't parse entities",
         cls(400, env(400, "Bad Request: can't parse entities: Character '.' is reserved")),
         "invalid"),
        ("400 BUTTON_DATA_INVALID", cls(400, env(400, "Bad Request: BUTTON_DATA_INVALID")),
         "invalid"),
        ("400 group migrated",
         cls(400, env(400, "Bad Request: group chat was upgraded to a supergroup chat",
                      migrate_to_chat_id=-1001234)), "invalid"),
        ("401 Unauthorized", cls(401, env(401, "Unauthorized")), "auth"),
        ("404 Not Found (bad token)", cls(404, env(404, "Not Found")), "auth"),
        ("403 blocked", cls(403, env(403, "Forbidden: bot was blocked by the user")),
         "unreachable"),
        ("403 deactivated", cls(403, env(403, "Forbidden: user is deactivated")), "unreachable"),
        ("409 Conflict", cls(409, env(409, "Conflict: terminated by other getUpdates")),
         "invalid"),
        ("500", cls(500, env(500, "Internal Server Error")), "retry_backoff"),
        ("502 from a proxy (HTML)", cls(502, b"<html>Bad Gateway</html>"), "retry_backoff"),
        ("200 with an error envelope", cls(200, env(403, "Forbidden: bot was blocked")),
         "unreachable"),
        ("200 that is not a Bot API answer", cls(200, b"<html>portal</html>"), "retry_backoff"),
        ("502 from a proxy in Latin-1", cls(502, b"<html>Fehler: \xfcberlastet</html>"),
         "retry_backoff"),
    ]
    for what, got, want in cases:
        checks.check(got and got.get("class") == want, f"classify: {what} -> {want}", got)
    got = cases[2][1]
    checks.check(got.get("retry_after") == 7 and "Too Many Requests" in got.get("reason", ""),
                 "classify: retry_after carries parameters.retry_after (7), reason the "
                 "description", got)
    checks.check(cases[3][1].get("retry_after") == 3, "classify: ... or the header's (3)",
                 cases[3][1])
    checks.check("blocked by the user" in cases[11][1].get("reason", "")
                 and "migrate_to_chat_id" in cases[8][1].get("reason", ""),
                 "classify: reason carries Telegram's description (and names a migration)",
                 [cases[11][1], cases[8][1]])

    # ---- webhook ----
    def msg(text, chat=7, frm=None, **extra):
        m = {"message_id": 1, "date": 1, "chat": {"id": chat, "type": "private"}, "text": text}
        if frm is not False:
            m["from"] = frm or {"id": chat, "is_bot": False, "first_name": "Ana"}
        m.update(extra)
        return {"update_id": 9, "message": m}

    def events(out):
        return (out or {}).get("events")

    out = p.webhook(inst, msg("hi"))
    checks.check(out == {"events": [{"event_id": "u123456789:9", "chat_id": "7", "user_id": "7",
                                     "user_name": "Ana", "kind": "text", "text": "hi"}]},
                 "webhook: no secret_token configured -> accepted without the header", out)
    for text, want in [("/start@my_bot booth_17", "/start booth_17"), ("/menu@my_bot", "/menu"),
                       ("/say@my_bot\nline 2", "/say\nline 2"), ("/@x y", "/@x y"),
                       ("/a@b@c", "/a@b@c"), ("mail a@b.c", "mail a@b.c")]:
        got = (events(p.webhook(inst, msg(text))) or [{}])[0].get("text")
        checks.check(got == want, f"webhook: {text!r} -> {want!r}", got)
    group = msg("hello all", chat=-1001234567890,
                frm={"id": 5, "is_bot": False, "first_name": "Bo", "last_name": "Li",
                     "language_code": "zh-hans"})
    ev = (events(p.webhook(inst, group)) or [{}])[0]
    checks.check(ev.get("chat_id") == "-1001234567890" and ev.get("user_id") == "5"
                 and ev.get("user_name") == "Bo Li" and ev.get("user_lang") == "zh-hans",
                 "webhook: a group message: chat_id the group, user the sender", ev)
    anon = msg("as the group", chat=-100777, frm=False,
               sender_chat={"id": -100777, "type": "supergroup", "title": "G"})
    ev = (events(p.webhook(inst, anon)) or [{}])[0]
    checks.check(ev.get("user_id") == "-100777" and ev.get("kind") == "text",
                 "webhook: a message without from (sender_chat) -> user_id the sender chat", ev)
    out = p.webhook(inst, msg("beep", frm={"id": 8, "is_bot": True, "first_name": "B"}))
    checks.check(out == {"events": []}, "webhook: a bot's own message -> no event", out)

    def press(**cq):
        return {"update_id": 10, "callback_query": {"id": "cb1", "chat_instance": "1",
                                                    "from": {"id": 7, "first_name": "Ana"},
                                                    **cq}}

    answer = [{"method": "POST", "url": f"http://fake.test:81/tg/bot{TOKEN}/answerCallbackQuery",
               "headers": {"Content-Type": "application/json"},
               "body": '{"callback_query_id":"cb1"}'}]
    out = p.webhook(inst, press(data="yes", message={"message_id": 3, "date": 0,
                                                     "chat": {"id": 7, "type": "private"}}))
    checks.check(out == {"events": [{"event_id": "u123456789:10", "chat_id": "7", "user_id": "7",
                                     "user_name": "Ana", "kind": "button", "text": "yes",
                                     "message_id": "3"}],
                         "send": answer},
                 "webhook: a press (even on an inaccessible message, date 0) -> button event "
                 "with the pressed message's message_id (for an edit) + answerCallbackQuery in "
                 "\"send\"", out)
    out = p.webhook(inst, press(data="more", message={
        "message_id": 4, "date": 1700000000, "chat": {"id": 7, "type": "private"},
        "photo": [{"file_id": "F", "file_unique_id": "U", "width": 90, "height": 90}],
        "caption": "Booth 12"}))
    checks.check((events(out) or [{}])[0].get("message_id") == "c4",
                 "webhook: a press on a photo (a card) -> message_id \"c4\" (its caption is "
                 "what an edit changes)", out)
    out = p.webhook(inst, press(data="more", message={
        "message_id": 5, "date": 1700000000, "chat": {"id": 7, "type": "private"},
        "text": "Menu"}))
    checks.check((events(out) or [{}])[0].get("message_id") == "5",
                 "webhook: a press on a text message -> its plain message_id", out)
    out = p.webhook(inst, press(game_short_name="g",
                                message={"message_id": 3, "date": 1, "chat": {"id": 7}}))
    checks.check(out == {"events": [], "send": answer},
                 "webhook: a press without data (game) -> answered, no event", out)
    out = p.webhook(inst, press(data="yes", inline_message_id="AAA"))
    checks.check(out == {"events": [], "send": answer},
                 "webhook: a press on an inline-mode message (no chat) -> answered, no event",
                 out)
    out = p.webhook(inst, b'{"update_id": 1} trailing')
    checks.check(out.get("status") == 400 and "JSON" in out.get("body", ""),
                 "webhook: trailing garbage after the JSON -> 400", out)
    out = p.webhook(inst, msg("hi"), method="GET")
    checks.check(out.get("status") == 405, "webhook: GET -> 405", out)
    p.close(inst)

    sec, err = p.open({"token": TOKEN, "secret_token": "S3cret"})
    out = p.webhook(sec, msg("hi"), headers=[("x-telegram-bot-api-secret-token", "S3cret")])
    checks.check(events(out) and len(events(out)) == 1, "webhook: the right secret -> accepted",
                 out)
    for what, hs in [("wrong", [("x-telegram-bot-api-secret-token", "S3creT")]),
                     ("shorter", [("x-telegram-bot-api-secret-token", "S3cre")]),
                     ("missing", [("x-other", "S3cret")])]:
        out = p.webhook(sec, msg("hi"), headers=hs)
        checks.check(out.get("status") == 401 and "events" not in out,
                     f"webhook: a {what} secret -> 401, no events", out)
    p.close(sec)


if __name__ == "__main__":
    plugin_loader.ensure_sanitizer_runtime("telegram")
    harness.main(test)
