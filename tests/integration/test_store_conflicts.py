#!/usr/bin/env python3
"""bot.store under concurrency: events of different conversations run at the same time
(invariant 4), so two of them may read the same key before either commits. An event that
writes the store commits only if what it read with bot.store.get is still so; otherwise
it is run again with fresh values (optimistic concurrency). Through the real server,
with a burst of events from many chats at once:

  - ids made by get + 1 / put are all distinct (before: 200 events gave 7 ids);
  - the last slot is booked once, the others are told it is taken;
  - bot.store.incr alone never re-runs an event and loses no increment;
  - parley_event_reruns_total says how many events ran again.

Usage: python3 test_store_conflicts.py PATH/TO/parley
"""

import sys
import threading

sys.dont_write_bytecode = True
import harness  # noqa: E402

BOT = r"""
bot.on("message", function(ctx, text)
  if text == "id" then
    local n = (bot.store.get("seq") or 0) + 1
    bot.store.put("seq", n)
    return ctx:reply("id " .. n)
  elseif text == "book" then
    if bot.store.get("slot") then return ctx:reply("taken") end
    bot.store.put("slot", ctx.chat.address)
    return ctx:reply("booked")
  elseif text == "count" then
    bot.store.incr("hits")
    return ctx:reply("counted")
  elseif text == "show" then
    return ctx:reply(("seq %s slot %s hits %s"):format(tostring(bot.store.get("seq")),
      tostring(bot.store.get("slot")), tostring(bot.store.get("hits"))))
  end
end)
"""
N = 200


def burst(base, prefix, text, n):
    """n events from n chats, all at once."""
    go = threading.Barrier(n)

    def post(i):
        go.wait()
        harness.request(base, "POST", "/hook/race/echo", f"{prefix}{i}:{text}",
                        {"X-Echo-Id": f"{prefix}{i}"})
    threads = [threading.Thread(target=post, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def replies(sink, prefix):
    return [r["text"].split(":", 1)[1] for r in sink.snapshot()
            if r["path"] == "/echo" and r["text"].startswith(prefix)]


def test(parley, checks, tmp):
    sink = harness.Sink()
    d = tmp / "tenants" / "race"
    d.mkdir(parents=True)
    (d / "tenant.lua").write_text('return { channels = { echo = { url = "%s" } } }\n'
                                  % sink.url("/echo"))
    (d / "bot.lua").write_text(BOT)
    serve, base = harness.serve_checked(checks, "serve", parley, tmp / "tenants", tmp / "data",
                                        tmp)
    if base is None:
        return

    burst(base, "i", "id", N)
    harness.wait_for(lambda: len(replies(sink, "i")) >= N, 60)
    ids = sorted(int(r.split()[1]) for r in replies(sink, "i"))
    reruns = harness.metric(base, "parley_event_reruns_total", "race") or 0
    checks.check(ids == list(range(1, N + 1)),
                 f"{N} events at once, each get + 1 / put: ids 1..{N}, none twice",
                 f"{len(set(ids))} distinct of {len(ids)}")
    checks.check(reruns > 0, "... because events that read a changed value ran again "
                 "(parley_event_reruns_total)", reruns)
    checks.info(f"{reruns} re-runs for {N} events")

    burst(base, "b", "book", 40)
    harness.wait_for(lambda: len(replies(sink, "b")) >= 40, 60)
    got = replies(sink, "b")
    checks.check(got.count("booked") == 1 and got.count("taken") == 39,
                 "40 chats book the last slot at once: one is booked, 39 are told it is taken",
                 {"booked": got.count("booked"), "taken": got.count("taken")})

    before = harness.metric(base, "parley_event_reruns_total", "race") or 0
    burst(base, "c", "count", 100)
    harness.wait_for(lambda: len(replies(sink, "c")) >= 100, 60)
    after = harness.metric(base, "parley_event_reruns_total", "race") or 0
    checks.check(after == before, "100 events that only incr: no re-run", after - before)
    harness.request(base, "POST", "/hook/race/echo", "z:show", {"X-Echo-Id": "z"})
    harness.wait_for(lambda: replies(sink, "z"), 10)
    shown = replies(sink, "z")
    booker = [r["text"].split(":", 1)[0] for r in sink.snapshot()
              if r["path"] == "/echo" and r["text"].endswith(":booked")]
    checks.check(shown == [f"seq {N} slot echo:{booker[0] if booker else '?'} hits 100"],
                 "the store holds the last id, the one booking, and every increment", shown)
    checks.check(serve.stop() == 0, "SIGTERM -> exit 0", serve.describe())

    # A SIGTERM while events wait to run again: they stay in the inbox, the next start
    # handles them, and the ids are still all distinct.
    serve, base = harness.serve_checked(checks, "serve again", parley, tmp / "tenants",
                                        tmp / "data", tmp)
    if base is None:
        return
    burst(base, "j", "id", N)
    checks.check(serve.stop(30) == 0, f"SIGTERM right after {N} more id events -> exit 0",
                 serve.describe())
    serve, base = harness.serve_checked(checks, "serve a third time", parley, tmp / "tenants",
                                        tmp / "data", tmp)
    harness.wait_for(lambda: len(replies(sink, "j")) >= N, 60)
    ids = sorted(int(r.split()[1]) for r in replies(sink, "j"))
    checks.check(len(set(ids)) == N and ids == list(range(N + 1, 2 * N + 1)),
                 f"... and after the restart all {N} are handled, ids {N + 1}..{2 * N}, none "
                 "twice", f"{len(set(ids))} distinct of {len(ids)}")
    checks.check(serve.stop() == 0, "SIGTERM -> exit 0", serve.describe())


if __name__ == "__main__":
    harness.main(test)
