#!/usr/bin/env python3
"""The Messenger and Instagram plugins called directly (plugin_loader, ctypes), for what a
bot cannot trigger easily: settings errors naming the setting, the 24-hour window, long
texts split within each channel's limit (2000 characters / 1000 UTF-8 bytes) with the
buttons on the last part only, more than 13 options as a numbered menu, and every send
result's class (CHANNELS.md §7.5).

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
        for status, body, want in CLASSES:
            got = (p.classify(inst, status, body, {}) or {}).get("class")
            code = body and body.get("error", {}).get("code")
            checks.check(got == want, f"{ch}: HTTP {status} code {code} -> {want}", got)
        p.close(inst)


if __name__ == "__main__":
    plugin_loader.ensure_sanitizer_runtime("messenger")
    harness.main(test)
