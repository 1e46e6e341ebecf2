#!/usr/bin/env python3
"""Telegram in long-polling mode (channels.telegram.mode = "polling") against our own fake
Bot API: getUpdates with offset semantics (confirming by offset, as the real one does),
sendMessage and answerCallbackQuery recorded. With kill -9 at random moments: every
update is handled exactly once, the offset never moves back (it moves only after the
updates are committed), button presses are answered, and a 409 Conflict (another poller
on the token) is reported and retried slowly — never spun on. A reload to webhook mode
calls setWebhook; a reload back to polling calls deleteWebhook and polls again (no
restart needed).

Usage: python3 test_telegram_polling.py PATH/TO/parley
"""

import json
import random
import signal
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True
import harness  # noqa: E402

WEBHOOK_CONFLICT = ("Conflict: can't use getUpdates method while webhook is active; use "
                    "deleteWebhook to delete the webhook first")

TOKEN = "123456789:AApolling-test_token"
UPDATES = 40
BOT = """
bot.on("message", function(ctx, text)
  ctx.session.n = (ctx.session.n or 0) + 1
  ctx:reply("#" .. ctx.session.n .. " " .. text, { buttons = { { {"OK", "ok"} } } })
end)
bot.on("button:ok", function(ctx) ctx.session.n = (ctx.session.n or 0) + 1
  ctx:reply("#" .. ctx.session.n .. " pressed") end)
"""


class FakeTelegram:
    def __init__(self):
        self.lock = threading.Lock()
        self.updates = []  # released updates, update_id = index + 1000
        self.offsets, self.sent, self.answered, self.calls = [], [], [], []
        self.conflict = False
        self.conflict_calls = 0
        self.conflict_times = []
        self.conflict_desc = "Conflict: terminated by other getUpdates request; make sure " \
            "that only one bot instance is running"
        owner = self

        class Handler(harness.QuietHandler):
            def reply(self, code, obj):
                body = json.dumps(obj).encode()
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

            def do_GET(self):
                url = urllib.parse.urlparse(self.path)
                if not url.path.endswith("/getUpdates") or f"/bot{TOKEN}/" not in url.path:
                    return self.reply(404, {"ok": False, "error_code": 404,
                                            "description": "Not Found"})
                q = urllib.parse.parse_qs(url.query)
                offset = int(q.get("offset", ["0"])[0])
                with owner.lock:
                    if owner.conflict:
                        owner.conflict_calls += 1
                        owner.conflict_times.append(time.monotonic())
                        return self.reply(409, {"ok": False, "error_code": 409,
                                                "description": owner.conflict_desc})
                    owner.offsets.append(offset)
                    ups = [u for u in owner.updates if u["update_id"] >= offset][:5]
                if not ups:
                    time.sleep(0.05)
                self.reply(200, {"ok": True, "result": ups})

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(n) or b"{}")
                with owner.lock:
                    owner.calls.append(self.path.rsplit("/", 1)[-1])
                    if self.path.endswith("/sendMessage"):
                        owner.sent.append(body)
                    elif self.path.endswith("/answerCallbackQuery"):
                        owner.answered.append(body.get("callback_query_id"))
                self.reply(200, {"ok": True, "result": {"message_id": 1}})

        self.server = harness.serve_http(Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def release(self, n, rng):
        with self.lock:
            for _ in range(n):
                uid = 1000 + len(self.updates)
                chat = 70 + uid % 3
                if uid % 7 == 0:
                    upd = {"update_id": uid, "callback_query": {
                        "id": f"cq{uid}", "data": "ok", "chat_instance": "1",
                        "from": {"id": chat, "is_bot": False, "first_name": "U"},
                        "message": {"message_id": 5, "date": 1, "chat": {"id": chat,
                                                                         "type": "private"}}}}
                else:
                    upd = {"update_id": uid, "message": {
                        "message_id": uid, "date": 1, "text": f"m{uid}",
                        "from": {"id": chat, "is_bot": False, "first_name": "U"},
                        "chat": {"id": chat, "type": "private"}}}
                self.updates.append(upd)


def distinct_replies(tg):
    """Replies counted once per (chat, counter): a resend after kill -9 is not a new one."""
    with tg.lock:
        return len({(m["chat_id"], m["text"].split(" ", 1)[0]) for m in tg.sent})


def test(parley, checks, tmp):
    rng = random.Random(int(time.time()))
    tg = FakeTelegram()
    d = tmp / "tenants" / "tgpoll"
    d.mkdir(parents=True)
    (d / "tenant.lua").write_text(
        'return { channels = { telegram = { token = "%s", api_base = "%s", mode = "polling", '
        'poll_timeout = 1 } } }\n' % (TOKEN, tg.base))
    (d / "bot.lua").write_text(BOT)
    data = str(tmp / "data")
    serve, _ = harness.serve_checked(checks, "serve, telegram in polling mode", parley,
                                     str(tmp / "tenants"), data, tmp)
    harness.wait_for(lambda: "deleteWebhook" in tg.calls, 5)
    checks.check("deleteWebhook" in tg.calls, "at start, polling mode clears any webhook "
                 "(getUpdates would fail with 409 while one is set)", tg.calls[:5])
    kills = 0
    while len(tg.updates) < UPDATES:
        tg.release(min(rng.randint(1, 4), UPDATES - len(tg.updates)), rng)
        time.sleep(rng.uniform(0.05, 0.25))
        if kills < 3 and rng.random() < 0.25:
            serve.kill9()
            kills += 1
            serve, _ = harness.serve_checked(checks, f"restart {kills} after kill -9", parley,
                                             str(tmp / "tenants"), data, tmp)
    # Every update handled: one reply per update, counters 1..k per chat. A reply whose
    # send was in flight at a kill -9 is sent again (the Bot API takes no idempotency
    # key), so the wait counts distinct replies, not requests.
    harness.wait_for(lambda: distinct_replies(tg) >= UPDATES, 20)
    time.sleep(0.5)
    per_chat = {}
    for m in tg.sent:
        n = int(m["text"].split(" ", 1)[0][1:])
        per_chat.setdefault(m["chat_id"], []).append(n)
    bad = {c: sorted(set(ns)) for c, ns in per_chat.items()
           if sorted(set(ns)) != list(range(1, len(set(ns)) + 1))}
    total = sum(len(set(ns)) for ns in per_chat.values())
    checks.check(total == UPDATES, f"all {UPDATES} updates handled (one reply each)",
                 f"{total} distinct replies: {per_chat}")
    checks.check(not bad, "none handled twice (each chat's counter is 1..k)", bad)
    checks.check(tg.offsets == sorted(tg.offsets), "the offset never moves back, across kills",
                 tg.offsets)
    presses = [u["callback_query"]["id"] for u in tg.updates if "callback_query" in u]
    checks.check(set(presses) <= set(tg.answered), "every button press was answered "
                 "(answerCallbackQuery)", (presses, tg.answered))
    to_messages = [m for m in tg.sent if " m" in m["text"]]
    checks.check(to_messages and all("reply_markup" in m for m in to_messages),
                 "replies to messages carry the inline keyboard", to_messages[:2])
    # 409: reported, retried slowly.
    with tg.lock:
        tg.conflict = True
    mark = len(serve.lines("err"))
    time.sleep(3)
    with tg.lock:
        calls = tg.conflict_calls
    log = "\n".join(serve.lines("err")[mark:])
    checks.check("Conflict" in log, "a 409 Conflict is reported in the log", log)
    checks.check(calls <= 2, f"and not spun on ({calls} getUpdates in 3 s)", calls)
    # A webhook still set (the start's deleteWebhook not through yet): retried soon.
    with tg.lock:
        tg.conflict_desc = WEBHOOK_CONFLICT
        tg.conflict_times = []
    tenant_file = d / "tenant.lua"
    tenant_file.write_text(tenant_file.read_text() + "-- touched\n")  # a reload: poll now
    harness.wait_for(lambda: len(tg.conflict_times) >= 3, 20)
    with tg.lock:
        times = list(tg.conflict_times)
    gaps = [round(b - a, 1) for a, b in zip(times, times[1:])]
    checks.check(len(gaps) >= 2 and all(1.5 <= g <= 5 for g in gaps[:2]),
                 "a 409 for a webhook still set is retried every 2 s, not every 30 s", gaps)
    with tg.lock:
        tg.conflict = False
    # Webhook mode and back, by live reloads.
    tenant_lua = d / "tenant.lua"
    polling = tenant_lua.read_text()
    for mode, settings, method in [
            ("webhook", polling.replace('mode = "polling"',
                                        'webhook_url = "https://bots.example.test/hook"'),
             "setWebhook"),
            ("polling", polling, "deleteWebhook")]:
        mark = len(serve.lines("err"))
        with tg.lock:
            ncalls = len(tg.calls)
        tenant_lua.write_text(settings)
        checks.check(serve.wait_line("err", r"tgpoll: reloaded", 15, mark) is not None,
                     f"reloaded in {mode} mode", serve.describe())
        harness.wait_for(lambda: method in tg.calls[ncalls:], 5)
        checks.check(method in tg.calls[ncalls:], f"... and it called {method}", tg.calls[ncalls:])
    nsent = len(tg.sent)
    tg.release(1, rng)
    harness.wait_for(lambda: distinct_replies(tg) > UPDATES, 10)
    checks.check(distinct_replies(tg) == UPDATES + 1,
                 "back in polling mode after a reload, the next update is answered (no restart)",
                 tg.sent[nsent:])
    serve.signal(signal.SIGTERM)
    checks.check(serve.wait(20) == 0, "SIGTERM -> exit 0 (while polling)", serve.describe())
    checks.info(f"{kills} kills, {len(tg.offsets)} getUpdates calls")
    harness.close_http(tg.server)


if __name__ == "__main__":
    harness.main(test)
