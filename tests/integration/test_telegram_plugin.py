#!/usr/bin/env python3
"""The Telegram channel plugin called directly through its ABI (include/parley/channel.h),
for the cases a bot cannot produce or a fake is slow to stage:
  - render: callback_data limit in bytes (64 ok, 65 or 33 x "é" refused), chat ids
    (numeric -> integer, "@channel" -> string), the URL from api_base, no parse_mode
    (markup characters sent verbatim), empty rows, blank text refused; splitting: 4096
    code points -> 1 part, 4097 without spaces -> cut at exactly 4096, 4096 emoji (8192
    UTF-16 units) -> 1 part, CJK sentences cut after "。"
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
                                     "user_name": "Ana", "kind": "button", "text": "yes"}],
                         "send": answer},
                 "webhook: a press (even on an inaccessible message, date 0) -> button event "
                 "+ answerCallbackQuery in \"send\"", out)
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
