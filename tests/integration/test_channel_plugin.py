#!/usr/bin/env python3
"""Channels are plugins: a third-party channel (tests/plugins/echo, built outside
plugins/ and runtime/, with its own non-JSON wire format) serves a tenant end to end;
a tenant naming a channel no plugin provides, or giving a plugin a bad setting, gets a
clear load error naming it, and the other tenants keep serving.

Usage: python3 test_channel_plugin.py PATH/TO/parley
"""

import sys

sys.dont_write_bytecode = True
import harness  # noqa: E402

BOT = ('bot.on("message", function(ctx, text) ctx:reply("echo: " .. text) end)\n'
       'bot.on("location", function(ctx, loc)\n'
       '  ctx:reply(("at %.2f,%.2f (%s)"):format(loc.latitude, loc.longitude, ctx.event.kind))\n'
       'end)\n')


def tenant(root, name, channels):
    d = root / name
    d.mkdir(parents=True)
    (d / "tenant.lua").write_text("return { channels = %s }\n" % channels)
    (d / "bot.lua").write_text(BOT)
    return d


def test(parley, checks, tmp):
    sink = harness.Sink()
    tenants = tmp / "tenants"
    tenant(tenants, "shop", '{ echo = { url = "%s" } }' % sink.url("/echo"))
    tenant(tenants, "ghost", "{ nosuch = {} }")
    tenant(tenants, "badcfg", "{ echo = {} }")
    serve, base = harness.serve_checked(checks, "serve with a third-party channel", parley,
                                        str(tenants), str(tmp / "data"), tmp)
    if base is None:
        return
    status, _, body = harness.request(base, "POST", "/hook/shop/echo", "c1:hello",
                                      {"Content-Type": "text/plain", "X-Echo-Id": "e1"})
    checks.check(status == 200, "the echo plugin's webhook is accepted (200)", f"{status} {body}")
    harness.wait_for(lambda: any(r["path"] == "/echo" for r in sink.snapshot()), 10)
    texts = [r["text"] for r in sink.snapshot() if r["path"] == "/echo"]
    checks.check(texts == ["c1:echo: hello"],
                 "the reply leaves in the plugin's own format (text/plain CHAT:TEXT)", texts)
    harness.wait_for(lambda: any(r["path"] == "/echo/ack" for r in sink.snapshot()), 10)
    acks = [r["text"] for r in sink.snapshot() if r["path"] == "/echo/ack"]
    checks.check(acks == ["e1"], "the plugin's after-commit request (\"send\") went out once",
                 acks)
    status, _, body = harness.request(base, "POST", "/hook/shop/echo", "c1:hello",
                                      {"Content-Type": "text/plain", "X-Echo-Id": "e1"})
    checks.check(status == 200 and "duplicate" in body,
                 "the same event id again is a duplicate (dedupe works for any plugin)", body)
    status, _, body = harness.request(base, "POST", "/hook/shop/echo", "c2:!location 52.52 13.40",
                                      {"X-Echo-Id": "loc1"})
    harness.wait_for(lambda: any(r["text"].startswith("c2:") for r in sink.got
                                 if r["path"] == "/echo"), 10)
    locs = [r["text"] for r in sink.got if r["path"] == "/echo" and r["text"].startswith("c2:")]
    checks.check(status == 200 and locs == ["c2:at 52.52,13.40 (location)"],
                 "a location event reaches bot.on(\"location\") with its fields", (status, locs))
    status, _, body = harness.request(base, "POST", "/hook/shop/echo", "no colon here",
                                      {"X-Echo-Id": "e2"})
    checks.check(status == 400 and "CHAT:TEXT" in body,
                 "the plugin's own refusal reaches the client (400 + its message)",
                 f"{status} {body}")
    log = "\n".join(serve.lines("err"))
    checks.check('ghost: failed to load' in log and 'no channel plugin named "nosuch"' in log,
                 "a tenant naming a missing channel plugin is reported and not served", log)
    checks.check("badcfg: failed to load" in log and "channels.echo.url" in log,
                 "a plugin's refusal of its settings names the setting", log)
    status, _, _ = harness.request(base, "POST", "/hook/ghost/nosuch", "x", {})
    checks.check(status == 404, "the unloaded tenant's hook answers 404", status)
    checks.check(serve.stop() == 0, "SIGTERM -> exit 0", serve.describe())
    r = harness.run([parley, "check", str(tenants / "ghost")], timeout=20, cwd=tmp)
    checks.check(r.rc == 1 and 'no channel plugin named "nosuch"' in r.err,
                 "parley check reports the missing plugin (exit 1)", r.describe())


if __name__ == "__main__":
    harness.main(test)
