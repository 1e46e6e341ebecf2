#!/usr/bin/env python3
"""Dead letters and `parley outbox --requeue` beside a running server.

Tenant "rq" (fixture pipeline_bot: replies "<chat> #<count> <text>") POSTs its replies to
a sink that answers 400 to every message containing "REFUSE" until the test switches it
to accept:
  - "please REFUSE this" -> its reply gets 400: sent once, never retried; `parley outbox
    --data D --dead` (run while the server runs) lists it with the reason; the next
    message of the same chat is still delivered
  - the sink accepts again; `parley outbox --data D --requeue` while the server runs:
    the message is delivered (once) within 3 s, `--dead` then lists nothing and nothing
    is left waiting; /metrics counts 1 dead letter and 2 sent; SIGTERM -> exit 0

Usage: python3 test_outbox_requeue.py PATH/TO/parley
"""

import re
import sys
import threading
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import harness  # noqa: E402  (tests/integration/harness.py)

SECRET = "pipeline-secret-1"   # fixtures/pipeline_bot/tenant.lua
TENANT, CHAT = "rq", "r1"
REFUSED_TEXT = f"{CHAT} #1 please REFUSE this"
PICKUP = 3.0                   # requeued -> delivered, at most
BUDGET = 60


def test(parley, checks, tmp):
    # the sink answers 400 to texts containing "REFUSE" while `refuse` is set, 200 otherwise
    refuse = threading.Event()
    refuse.set()
    sink = harness.Sink(lambda g: (400 if refuse.is_set() and "REFUSE" in g["text"] else 200,
                                   {}, 0))
    tenants = tmp / "tenants"
    harness.copy_fixture("pipeline_bot", tenants / TENANT, CALLBACK=sink.url(), LIMITS="")
    data = tmp / "data"
    serve, base = harness.serve_checked(checks, "serve", parley, tenants, data, tmp)
    if base is None:
        return

    def say(k, text):
        event = {"id": f"rq-{k}", "chat_id": CHAT, "user": {"id": "u1"}, "text": text}
        st, _, body = harness.post_event(base, TENANT, event, SECRET)
        checks.check(st == 200, f"event {k} ({text!r}) accepted (200)", f"{st} {body}")

    def outbox(*flags):
        return harness.run([parley, "outbox", "--data", data, *flags], timeout=20, cwd=tmp)

    # ---- the sink refuses: a dead letter ----
    say(1, "please REFUSE this")
    say(2, "fine")
    harness.wait_for(lambda: sink.find(text=f"{CHAT} #2 fine"), 5)
    refused = sink.find(text=REFUSED_TEXT)
    checks.check(len(refused) == 1 and refused[0]["status"] == 400,
                 "the sink answered 400 to the REFUSE message",
                 f"{[(g['text'], g['status']) for g in sink.snapshot()]}\n{serve.describe()}")
    later = sink.find(text=f"{CHAT} #2 fine")
    checks.check(len(later) == 1 and later[0]["status"] == 200,
                 "the next message of the chat is delivered all the same",
                 f"{[(g['text'], g['status']) for g in sink.snapshot()]}")

    dead = harness.run_until([parley, "outbox", "--data", data, "--dead"],
                             lambda r: r.rc == 0 and "REFUSE" in r.out, 5, timeout=20, cwd=tmp)
    lines = [line for line in dead.lines if "REFUSE" in line]
    checks.check(dead.rc == 0 and len(lines) == 1,
                 "parley outbox --dead (server running) lists the refused message",
                 dead.describe())
    checks.check(len(lines) == 1 and re.search(r"\b400\b", lines[0]) is not None,
                 "... with the reason (the channel's 400)", dead.describe())
    checks.check(dead.rc == 0 and "#2 fine" not in dead.out and "1 dead letter" in dead.out,
                 "... and nothing else", dead.describe())
    checks.info("outbox --dead: " + " | ".join(dead.lines))
    time.sleep(1.0)  # a retry of the 400 would show by now
    checks.check(len(sink.find(text=REFUSED_TEXT)) == 1,
                 "the refused message was not retried (400 is a permanent failure)",
                 f"{[(g['text'], g['status']) for g in sink.snapshot()]}")
    n_dead = harness.metric(base, "parley_messages_dead_total", TENANT)
    checks.check(n_dead == 1, f"/metrics: parley_messages_dead_total{{tenant=\"{TENANT}\"}} "
                 "is 1", f"got {n_dead}")

    # ---- the sink accepts again; requeue while the server runs ----
    refuse.clear()
    r = outbox("--requeue")
    t_requeue = time.monotonic()
    checks.check(r.rc == 0 and re.search(r"\b1\b", r.out) is not None,
                 "parley outbox --requeue (server running) exits 0 and says 1 was requeued",
                 r.describe())
    ok = harness.wait_for(lambda: any(g["status"] == 200 for g in sink.find(text=REFUSED_TEXT)),
                          10)
    took = [g["t"] - t_requeue for g in sink.find(text=REFUSED_TEXT) if g["status"] == 200]
    checks.info(f"requeued message delivered {took[0]:.2f} s after --requeue returned"
                if took else "requeued message not delivered within 10 s")
    checks.check(ok and took[0] <= PICKUP,
                 f"the running server delivers the requeued message within {PICKUP:.0f} s",
                 f"{[(g['text'], g['status']) for g in sink.snapshot()]}\n{serve.describe()}")
    time.sleep(1.0)
    attempts = sink.find(text=REFUSED_TEXT)
    checks.check([g["status"] for g in attempts] == [400, 200],
                 "it was sent exactly once more (400, then 200)",
                 f"{[(g['key'], g['status']) for g in attempts]}")
    if len(attempts) == 2:
        checks.info(f"Idempotency-Key before/after requeue: {attempts[0]['key']} / "
                    f"{attempts[1]['key']}")
    after = outbox("--dead")
    checks.check(after.rc == 0 and "REFUSE" not in after.out and "0 dead letter" in after.out,
                 "parley outbox --dead lists nothing afterwards", after.describe())
    waiting = harness.run_until([parley, "outbox", "--data", data],
                                lambda r: r.rc == 0 and "0 message" in r.out, 3, timeout=20,
                                cwd=tmp)
    checks.check(waiting.rc == 0 and "0 message" in waiting.out and "REFUSE" not in waiting.out,
                 "parley outbox lists nothing waiting", waiting.describe())
    sent = harness.metric(base, "parley_messages_sent_total", TENANT)
    checks.check(sent == 2, f"/metrics: parley_messages_sent_total{{tenant=\"{TENANT}\"}} is 2",
                 f"got {sent}")

    checks.check(serve.stop() == 0, "SIGTERM -> exit 0", serve.describe())


if __name__ == "__main__":
    harness.main(test, budget=BUDGET)
