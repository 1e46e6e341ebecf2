#!/usr/bin/env python3
"""ctx:signal and ctx:send through the server: one event fans out to 300 conversations
(each handles its signal in its own context and replies, paced by the channel's outbox),
and kill -9 right after the fan-out was accepted loses none of them and repeats none:
the signals were written to the inbox in the fanning event's own commit, and each
target's handling claims its entry. A message sent with buttons to another conversation
makes them pressable there.

Usage: python3 test_fanout_kill9.py PATH/TO/parley
"""

import sys
import time

sys.dont_write_bytecode = True
import harness  # noqa: E402

N = 300
BOT = r"""
bot.on("message", function(ctx, text)
  local n = tonumber(text:match("^fanout (%d+)$"))
  if n then
    for i = 1, n do ctx:signal("echo:f" .. i, "news", { i = i }) end
    ctx:reply("fanned out " .. n)
  elseif text:match("^invite ") then
    ctx:send("echo:" .. text:sub(8), "join us?", { buttons = { { "Yes", "yes" } } })
  end
end)
bot.on("signal:news", function(ctx, d)
  ctx.session.got = (ctx.session.got or 0) + 1
  ctx:reply(("news %d from %s (%d)"):format(d.i, ctx.event.from, ctx.session.got))
end)
bot.on("button:yes", function(ctx) ctx:reply("welcome aboard") end)
"""


def news(sink):
    """What the targets f1..fN were sent (the plugin's acks go to /echo/ack)."""
    return [r["text"] for r in sink.snapshot() if r["path"] == "/echo" and r["text"][0] == "f"]


def test(parley, checks, tmp):
    sink = harness.Sink()
    d = tmp / "tenants" / "fan"
    d.mkdir(parents=True)
    (d / "tenant.lua").write_text('return { channels = { echo = { url = "%s" } } }\n'
                                  % sink.url("/echo"))
    (d / "bot.lua").write_text(BOT)
    data = tmp / "data"
    serve, base = harness.serve_checked(checks, "serve (run 1)", parley, tmp / "tenants", data,
                                        tmp)
    if base is None:
        return
    status, _, body = harness.request(base, "POST", "/hook/fan/echo", f"boss:fanout {N}",
                                      {"X-Echo-Id": "fan1"})
    checks.check(status == 200, "the fan-out event is accepted", f"{status} {body}")
    checks.check(serve.kill9() == -9, "kill -9 right after the accept")
    before = len(news(sink))
    serve, base = harness.serve_checked(checks, "serve (run 2)", parley, tmp / "tenants", data,
                                        tmp)
    if base is None:
        return

    # Distinct texts: a reply whose send was in flight at the kill goes out again (the
    # channel takes no idempotency key); its text still says the signal was handled once.
    harness.wait_for(lambda: len(set(news(sink))) >= N, 60)
    time.sleep(0.5)
    sent = news(sink)
    got = sorted(set(sent))
    checks.info(f"{len(sent) - len(got)} replies resent after the kill")
    targets = sorted(t.split(":", 1)[0] for t in got)
    checks.check(sorted(set(targets)) == sorted(f"f{i}" for i in range(1, N + 1)),
                 f"all {N} targets got their news (kill -9 after the accept; {before} before it)",
                 len(set(targets)))
    checks.check(len(got) == N and all(t.endswith("(1)") for t in got),
                 "each exactly once, handled once in its own conversation (session count 1)",
                 [t for t in got if not t.endswith("(1)")][:5] or len(got))
    checks.check(all("from echo:boss" in t for t in got), "ctx.event.from names the sender",
                 got[:2])
    boss = {r["text"] for r in sink.snapshot() if r["path"] == "/echo" and r["text"].startswith("boss:")}
    checks.check(boss == {f"boss:fanned out {N}"},
                 "the fanning conversation's own reply, handled once", boss)
    harness.request(base, "POST", "/hook/fan/echo", "boss:invite g1", {"X-Echo-Id": "inv1"})
    harness.wait_for(lambda: any(r["text"].startswith("g1:join us?") for r in sink.snapshot()), 10)
    harness.request(base, "POST", "/hook/fan/echo", "g1:Yes", {"X-Echo-Id": "g1yes"})
    harness.wait_for(lambda: any(r["text"] == "g1:welcome aboard" for r in sink.snapshot()), 10)
    checks.check(any(r["text"] == "g1:welcome aboard" for r in sink.snapshot()),
                 "buttons sent with ctx:send are pressable in the target conversation",
                 [r["text"] for r in sink.snapshot() if r["text"].startswith("g1:")])
    checks.check(serve.stop() == 0, "SIGTERM -> exit 0", serve.describe())


if __name__ == "__main__":
    harness.main(test)
