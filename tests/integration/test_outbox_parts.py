#!/usr/bin/env python3
"""A long message is sent in parts (Telegram: texts over 4096 characters are split), and
kill -9 in the middle of one neither loses a part nor sends an accepted part again:
each part the channel accepted is recorded in the outbox entry, and after the restart
only the parts not yet accepted go out, in order.

The fake Bot API accepts the first part and holds the answer to the second (the channel
is slow); parley is killed while it waits. After the restart the fake answers at once.

Usage: python3 test_outbox_parts.py PATH/TO/parley
"""

import json
import os
import re
import sys
import threading
import time

sys.dont_write_bytecode = True
import harness  # noqa: E402

TOKEN = "123456789:AAparts-test-token"
SECRET = "parts-secret"
CHAT = 4242


class FakeTelegram:
    def __init__(self):
        self.lock = threading.Lock()
        self.calls = []  # (text, answered?)
        self.hold = threading.Event()  # set: answer the second part at once
        self.holding = threading.Event()  # the second part is being held
        fake = self

        class Handler(harness.QuietHandler):
            def do_POST(self):
                body = self.json_body()
                method = re.fullmatch(r"/bot[^/]+/(\w+)", self.path)
                method = method.group(1) if method else None
                if method != "sendMessage" or body.get("chat_id") != CHAT:
                    self.answer(200, b'{"ok":true,"result":true}')
                    return
                with fake.lock:
                    fake.calls.append(body.get("text", ""))
                    n = len(fake.calls)
                if n == 2 and not fake.hold.is_set():
                    fake.holding.set()
                    fake.hold.wait(60)  # parley is killed meanwhile
                    return
                doc = {"ok": True, "result": {"message_id": n, "date": 0, "chat": {"id": CHAT},
                                              "text": body.get("text", "")}}
                self.answer(200, json.dumps(doc).encode())

        self.server = harness.serve_http(Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def texts(self):
        with self.lock:
            return list(self.calls)


def test(parley, checks, tmp):
    fake = FakeTelegram()
    os.environ["PARLEY_TEST_TELEGRAM_TOKEN"] = TOKEN
    tenants = tmp / "tenants"
    harness.copy_fixture("telegram_bot", tenants / "tgbot", API_BASE=fake.url, SECRET=SECRET,
                         TENANT="tgbot", PACING="")
    data = tmp / "data"
    serve, base = harness.serve_checked(checks, "serve (run 1)", parley, tenants, data, tmp)
    if base is None:
        return
    update = {"update_id": 900001, "message": {
        "message_id": 1, "date": 1780000000, "text": "/long",
        "from": {"id": CHAT, "is_bot": False, "first_name": "Ana"},
        "chat": {"id": CHAT, "type": "private"},
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}
    status, _, body = harness.request(base, "POST", "/hook/tgbot/telegram", json.dumps(update),
                                      {"Content-Type": "application/json",
                                       "X-Telegram-Bot-Api-Secret-Token": SECRET})
    checks.check(status == 200, "/long accepted", f"{status} {body}")
    held = fake.holding.wait(15)
    checks.check(held, "the first part was accepted and the second is in flight", fake.texts())
    time.sleep(0.5)  # the group commit records the accepted part
    checks.check(serve.kill9() == -9, "kill -9 while the channel holds the second part")
    fake.hold.set()
    first = fake.texts()
    serve, base = harness.serve_checked(checks, "serve (run 2)", parley, tenants, data, tmp)
    if base is None:
        return
    # The whole message, once the restart has sent what was left: at least 3 parts.
    harness.wait_for(lambda: len(fake.texts()) >= 4, 20)
    time.sleep(1.0)
    got = fake.texts()
    checks.check(len(first) == 2 and got[:2] == first,
                 "before the kill: part 1 accepted, part 2 sent (unanswered)", first)
    rest = got[2:]
    checks.check(rest and rest[0] == first[1],
                 "after the restart the unanswered part 2 goes out again, first", rest[:1])
    checks.check(got.count(first[0]) == 1,
                 "the accepted part 1 is not sent again", [t[:40] for t in got])
    checks.check(len(set(got)) == len(got) - 1 and len(got) >= 4,
                 "every part arrives; only the unanswered one twice", [t[:40] for t in got])
    checks.check(all(len(t) <= 4096 for t in got), "every part within 4096 characters",
                 [len(t) for t in got])
    checks.check(serve.stop() == 0, "SIGTERM -> exit 0", serve.describe())


if __name__ == "__main__":
    harness.main(test)
