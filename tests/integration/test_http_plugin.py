#!/usr/bin/env python3
"""The http channel plugin called directly (plugin_loader, ctypes): render passes every
field of the canonical message (include/parley/channel.h) to the callback unchanged — the
receiver renders it, so nothing is degraded — and a message without text is no error;
describe() says what the channel takes.

Usage: python3 test_http_plugin.py PATH/TO/parley
"""

import json
import sys

sys.dont_write_bytecode = True
import harness  # noqa: E402
import plugin_loader  # noqa: E402
from plugin_loader import Plugin  # noqa: E402

CANONICAL = {
    "text": "Rooms <b>&",
    "buttons": [[{"label": "A", "id": "a"}, {"label": "Site", "url": "https://e.com"}]],
    "quick_replies": [{"label": "Later", "id": "later"}],
    "media": {"type": "document", "url": "https://e.com/q.pdf", "filename": "q.pdf"},
    "cards": [{"title": "Room A", "subtitle": "Sea view", "image": "https://e.com/a.jpg",
               "url": "https://e.com/a", "buttons": [{"label": "Book", "id": "book_a"}]}],
    "edit_message_id": "m-7",
    "remove_keyboard": True,
    "template": {"name": "booking_reminder", "language": "en_US", "params": ["Tuesday"]},
    "tag": "ACCOUNT_UPDATE",
    "operator": "ana",
}


def test(parley, checks, tmp):
    so = plugin_loader.plugin_path(parley, "http")
    if not checks.check(so.is_file(), f"the plugin module is built ({so})"):
        return
    p = Plugin(so)
    inst, err = p.open({"secret": "s3cret-42", "callback": "http://sink.test/cb"})
    if not checks.check(inst, "open with secret and callback", err):
        return
    meta = {"chat_id": "c1", "key": "acme-1-3", "tenant": "acme", "now": 1, "last_inbound_at": 0}
    out = p.render(inst, dict(meta, **CANONICAL))
    rq = (out or {}).get("requests") or [{}]
    body = json.loads(rq[0].get("body") or "null")
    checks.check(len(rq) == 1 and rq[0].get("method") == "POST"
                 and rq[0].get("url") == "http://sink.test/cb"
                 and rq[0].get("headers") == {"Content-Type": "application/json",
                                              "Idempotency-Key": "acme-1-3",
                                              "X-Parley-Secret": "s3cret-42"},
                 "render: one POST to the callback, Idempotency-Key = the message key", out)
    checks.check(body == dict({"tenant": "acme", "chat_id": "c1", "message_id": "acme-1-3"},
                              **CANONICAL),
                 "render: every canonical field reaches the callback unchanged (now and "
                 "last_inbound_at stay with parley)", body)
    out = p.render(inst, dict(meta, cards=CANONICAL["cards"]))
    body = json.loads(((out or {}).get("requests") or [{}])[0].get("body") or "null")
    checks.check(body == {"tenant": "acme", "chat_id": "c1", "message_id": "acme-1-3",
                          "cards": CANONICAL["cards"]},
                 "render: a message without text -> no \"text\" field, no error", out)
    got = p.describe(inst)
    checks.check(got == {"url_buttons": True, "quick_replies": True, "cards": True, "edit": True,
                         "media": ["image", "video", "audio", "document"], "templates": False,
                         "tags": False},
                 "describe: the receiver takes every element; no limits, no window", got)
    p.close(inst)


if __name__ == "__main__":
    plugin_loader.ensure_sanitizer_runtime("http")
    harness.main(test)
