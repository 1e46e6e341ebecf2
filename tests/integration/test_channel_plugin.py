#!/usr/bin/env python3
"""Channels are plugins: a third-party channel (tests/plugins/echo, built outside
plugins/ and runtime/, with its own non-JSON wire format) serves a tenant end to end;
a tenant naming a channel no plugin provides, or giving a plugin a bad setting, gets a
clear load error naming it, and the other tenants keep serving.

The canonical model crosses the ABI intact: the plugin's describe() reaches scripts as
ctx.channel (name, buttons, edit, media set, window_open); url buttons, quick replies,
cards, templates reach render() as canonical fields; a press carrying the channel's
message id lets `edit = true` name that message (edit_message_id); and on a channel with
a reply window, a free-form reply after the window closes is a script error naming
opts.template, while a reply with a template goes out. A send the plugin classifies as
"unreachable" (the user blocked the bot) is a dead letter and raises bot.on("blocked")
once — not again for the next failed send — until the user writes again.

Usage: python3 test_channel_plugin.py PATH/TO/parley
"""

import json
import sys
import time

sys.dont_write_bytecode = True
import harness  # noqa: E402

BOT = ('bot.on("message", function(ctx, text) ctx:reply("echo: " .. text) end)\n'
       'bot.on("location", function(ctx, loc)\n'
       '  ctx:reply(("at %.2f,%.2f (%s)"):format(loc.latitude, loc.longitude, ctx.event.kind))\n'
       'end)\n')


RICH_BOT = r"""
bot.on("message", function(ctx, text)
  if text == "caps" then
    local c = ctx.channel
    ctx:reply(("%s buttons=%s edit=%s image=%s video=%s window=%s"):format(c.name,
      tostring(c.buttons), tostring(c.edit), tostring(c.media.image), tostring(c.media.video),
      tostring(c.window_open)))
  elseif text == "menu" then
    ctx:reply("Menu", { buttons = { { {"More", "more"}, {label = "Site", url = "https://example.org/"} } },
                        quick_replies = { "Help" } })
  elseif text == "quiet" then
    ctx:reply("(nothing to send)")
    ctx:reply("after the quiet one")
  elseif text == "wait" then
    ctx:remind_in(4, "nudge")
    ctx:reply("ok")
  end
end)
bot.on("button:more", function(ctx)
  ctx:reply("Page 2", { edit = true, card = { title = "Hall A", image = "https://example.org/a.png",
                                              buttons = { {"Back", "back"} } } })
end)
bot.on("blocked", function(ctx, d)
  bot.log("blocked #" .. bot.store.incr("blocked") .. ": " .. d.reason)
  ctx:reply("are you there?")  -- fails too: no second event
end)
bot.on("timer:nudge", function(ctx)
  local ok, err = pcall(ctx.reply, ctx, "free-form")
  bot.log("window_open=" .. tostring(ctx.channel.window_open) .. " refused=" .. tostring(not ok)
          .. " " .. tostring(err))
  ctx:reply("Still there?", { template = { name = "nudge", language = "en", params = { 3 } } })
end)
"""


def tenant(root, name, channels, bot=BOT):
    d = root / name
    d.mkdir(parents=True)
    (d / "tenant.lua").write_text("return { channels = %s }\n" % channels)
    (d / "bot.lua").write_text(bot)
    return d


def sent_to(sink, chat):
    """What the echo plugin POSTed to chat: (text, extra canonical fields or {})."""
    out = []
    for r in sink.snapshot():
        if r["path"] == "/echo" and r["text"].startswith(chat + ":"):
            text, _, extra = r["text"][len(chat) + 1:].partition("|")
            out.append((text, json.loads(extra) if extra else {}))
    return out


def rich(base, sink, checks, serve):
    """The canonical model across the ABI, on the echo plugin's tenant "rich"."""
    def say(n, text):
        status, _, body = harness.request(base, "POST", "/hook/rich/echo", "r1:" + text,
                                          {"X-Echo-Id": "rich%d" % n})
        checks.check(status == 200, f"rich: {text!r} accepted", f"{status} {body}")
        harness.wait_for(lambda: len(sent_to(sink, "r1")) >= n, 10)
    say(1, "caps")
    checks.check(sent_to(sink, "r1")[0][0] == "echo buttons=3 edit=true image=true video=false "
                 "window=true", "ctx.channel shows the plugin's describe() and the open window",
                 sent_to(sink, "r1"))
    say(2, "menu")
    text, extra = sent_to(sink, "r1")[1]
    checks.check(text == "Menu" and extra == {
        "buttons": [[{"label": "More", "id": "more"},
                     {"label": "Site", "url": "https://example.org/"}]],
        "quick_replies": [{"label": "Help", "id": "Help"}]},
        "url buttons and quick replies reach render() in canonical form", extra)
    say(3, "!press more m42")
    text, extra = sent_to(sink, "r1")[2]
    checks.check(text == "Page 2" and extra.get("edit_message_id") == "m42" and extra.get("cards") == [
        {"title": "Hall A", "image": "https://example.org/a.png",
         "buttons": [{"label": "Back", "id": "back"}]}],
        "a press on message m42 + edit = true -> edit_message_id m42; a card in canonical form",
        extra)
    dead = harness.metric(base, "parley_messages_dead_total", "rich")
    say(4, "quiet")
    checks.check(sent_to(sink, "r1")[3] == ("after the quiet one", {}) and
                 harness.metric(base, "parley_messages_dead_total", "rich") == dead,
                 "a message the plugin renders to no request counts as delivered (not dead); "
                 "the next one follows", sent_to(sink, "r1")[3:])
    say(5, "wait")
    harness.wait_for(lambda: len(sent_to(sink, "r1")) >= 6, 15)
    got = sent_to(sink, "r1")
    checks.check(len(got) == 6 and got[5] == ("Still there?", {
        "template": {"name": "nudge", "language": "en", "params": ["3"]}}),
        "after the window closed, a reply with a template goes out (params as texts)", got[5:])
    log = "\n".join(serve.lines("err"))
    checks.check("window_open=false refused=true" in log and "within 0.0006 hours" in log and
                 "opts.template" in log,
                 "a free-form reply outside the window is a script error naming opts.template",
                 [line for line in serve.lines("err") if "window" in line])


def blocked_user(receipt):
    """The sink as the channel's API: chat b1 has blocked the bot."""
    return (403, {}, 0) if (receipt["text"] or "").startswith("b1:") else (200, {}, 0)


def blocked(base, sink, checks, serve):
    def say(i, text):
        status, _, body = harness.request(base, "POST", "/hook/rich/echo", "b1:" + text,
                                          {"X-Echo-Id": f"blk{i}"})
        checks.check(status == 200, f"blocked user: {text!r} accepted", f"{status} {body}")

    def events():
        return [line for line in serve.lines("err") if "blocked #" in line]
    say(1, "caps")
    harness.wait_for(lambda: len(events()) >= 1, 10)
    time.sleep(1.5)  # the handler's own reply fails too
    first = events()
    checks.check(len(first) == 1 and "blocked #1: unreachable: the user blocked us" in first[0],
                 "a send refused as unreachable raises bot.on(\"blocked\") once, with the reason",
                 first)
    say(2, "caps")  # the user is back: the next failure is news again
    harness.wait_for(lambda: len(events()) >= 2, 10)
    time.sleep(1.0)
    checks.check(len(events()) == 2 and "blocked #2" in events()[1],
                 "after the user writes again, the next refused send raises it again", events())
    checks.check(harness.metric(base, "parley_messages_dead_total", "rich") == 4,
                 "every refused send is a dead letter (4)",
                 harness.metric(base, "parley_messages_dead_total", "rich"))


def test(parley, checks, tmp):
    sink = harness.Sink(blocked_user)
    tenants = tmp / "tenants"
    tenant(tenants, "shop", '{ echo = { url = "%s" } }' % sink.url("/echo"))
    tenant(tenants, "ghost", "{ nosuch = {} }")
    tenant(tenants, "badcfg", "{ echo = {} }")
    tenant(tenants, "rich", '{ echo = { url = "%s", window_hours = 0.0006 } }' % sink.url("/echo"),
           RICH_BOT)
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
    rich(base, sink, checks, serve)
    blocked(base, sink, checks, serve)
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
