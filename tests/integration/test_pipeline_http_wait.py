#!/usr/bin/env python3
"""A tenant whose handler waits 5 s on HTTP delays no other tenant, and no other
conversation of its own.

One serve with --workers 1 (the worst case: every tenant on the same loop) and three
tenants of fixture http_wait_bot (a text starting with "slow" calls bot.http.request on
this script's slow service, which answers after 5 s, then replies with the status; any
other text is answered at once):
  waiter   chat A gets "slow" and, right after it, "after"; while A's handler waits,
           chat B of the same tenant gets "hi" and tenant "other" gets "hi": both replies
           reach the sink within 1 s; A's slow reply comes >= 5 s after it was sent,
           and "after" is answered only after it (one event at a time per conversation)
  capped   limits.http_concurrency = 2: four chats call the slow service at once; the
           service never has more than 2 of its requests in flight, the sink gets 2
           replies at ~5 s and 2 at ~10 s, while two other chats of the tenant that do
           not call HTTP are answered at once
Then SIGTERM -> exit 0.

Usage: python3 test_pipeline_http_wait.py PATH/TO/parley
"""

import re
import sys
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import harness  # noqa: E402  (tests/integration/harness.py)

SECRET = "http-wait-secret-1"  # fixtures/http_wait_bot/tenant.lua
DELAY = 5.0                    # the slow service answers after this many seconds
FAST = 1.0                     # "at once": webhook sent -> reply at the sink
SLACK = 2.0                    # scheduling slack after a multiple of DELAY
CAP = 2                        # tenant capped's limits.http_concurrency
BUDGET = 60


def post_event(base, tenant, chat, text, eid):
    """Sends one event; returns (time just before sending, status, body)."""
    event = {"id": eid, "chat_id": chat, "user": {"id": f"u-{chat}"}, "text": text}
    t = time.monotonic()
    status, _, body = harness.post_event(base, tenant, event, SECRET)
    return t, status, body


def write_tenant(tenants, key, callback, slow_url, limits=""):
    harness.copy_fixture("http_wait_bot", tenants / key, CALLBACK=callback, LIMITS=limits,
                         SLOW=slow_url)


def test(parley, checks, tmp):
    slow, sink = harness.SlowService(lambda n: DELAY), harness.Sink()
    tenants = tmp / "tenants"
    write_tenant(tenants, "waiter", sink.url(), slow.url)
    write_tenant(tenants, "other", sink.url(), slow.url)
    write_tenant(tenants, "capped", sink.url(), slow.url,
                 f"limits = {{ http_concurrency = {CAP} }},")
    data = tmp / "data"
    serve, base = harness.serve_checked(checks, "serve --workers 1", parley, tenants, data, tmp,
                                        workers=1)
    if base is None:
        return

    # ---- phase 1: waiter's chat A waits 5 s on HTTP; B and tenant other do not wait ----
    t_a, st_a, body_a = post_event(base, "waiter", "A", "slow", "waiter-A-1")
    _, st_a2, body_a2 = post_event(base, "waiter", "A", "after", "waiter-A-2")
    checks.check(st_a == 200 and st_a2 == 200, "waiter chat A: 'slow' and 'after' accepted (200)",
                 f"{st_a} {body_a} / {st_a2} {body_a2}")
    in_flight = slow.wait_active(1, 3)
    checks.check(in_flight, "waiter chat A's handler is waiting on the slow service",
                 serve.describe())
    t_b, st_b, body_b = post_event(base, "waiter", "B", "hi", "waiter-B-1")
    t_o, st_o, body_o = post_event(base, "other", "X", "hi", "other-X-1")
    checks.check(st_b == 200 and st_o == 200, "waiter chat B and tenant other: 'hi' accepted",
                 f"{st_b} {body_b} / {st_o} {body_o}")

    harness.wait_for(lambda: sink.find("waiter", "B", r" hi now")
                     and sink.find("other", "X", r" hi now"), FAST + 1)
    rb, ro = sink.find("waiter", "B", r"^B hi now #1$"), sink.find("other", "X", r"^X hi now #1$")
    lat_b = rb[0]["t"] - t_b if rb else None
    lat_o = ro[0]["t"] - t_o if ro else None
    checks.info(f"latency while chat A waits: waiter B {lat_b and round(lat_b, 3)} s, "
                f"other {lat_o and round(lat_o, 3)} s")
    checks.check(len(rb) == 1 and lat_b < FAST,
                 f"waiter chat B is answered within {FAST:.0f} s while chat A waits on HTTP",
                 f"replies: {rb}, latency {lat_b}\n{sink.snapshot()}")
    checks.check(len(ro) == 1 and lat_o < FAST,
                 f"tenant other is answered within {FAST:.0f} s while waiter's chat A waits "
                 "(same worker)", f"replies: {ro}, latency {lat_o}\n{sink.snapshot()}")

    harness.wait_for(lambda: sink.find("waiter", "A", r" after "), DELAY + SLACK + 2)
    ra = [g for g in sink.snapshot() if g["tenant"] == "waiter" and g["chat"] == "A"]
    texts = [g["text"] for g in ra]
    checks.check(texts == ["A slow status=200 #1", "A after now #2"],
                 "waiter chat A: the slow reply (status 200) comes first, then 'after' "
                 "(one event at a time per conversation)", f"chat A got: {texts}")
    if len(ra) == 2:
        wait_a = ra[0]["t"] - t_a
        checks.info(f"chat A: slow reply {wait_a:.2f} s after it was sent, 'after' "
                    f"{ra[1]['t'] - ra[0]['t']:.3f} s later")
        checks.check(DELAY <= wait_a < DELAY + SLACK,
                     f"waiter chat A's slow reply arrives >= {DELAY:.0f} s after it was sent "
                     f"(and < {DELAY + SLACK:.0f} s)", f"{wait_a:.3f} s")
        checks.check(ra[1]["t"] >= ra[0]["t"] and rb and ro and rb[0]["t"] < ra[0]["t"]
                     and ro[0]["t"] < ra[0]["t"],
                     "chat B's and tenant other's replies reached the sink before chat A's",
                     f"A {[round(g['t'] - t_a, 3) for g in ra]}, B {lat_b}, other {lat_o}")
    arrivals, _ = slow.snapshot()
    checks.check([p for _, p in arrivals] == ["/slow?chat=A"],
                 "phase 1: the slow service was called once, by chat A only",
                 f"{arrivals}")

    # ---- phase 2: capped (http_concurrency = 2): four chats call the slow service ----
    slow.reset_peak()
    n_before = len(arrivals)
    t1 = time.monotonic()
    statuses = []
    for i in range(1, 5):
        _, st, body = post_event(base, "capped", f"c{i}", "slow", f"capped-c{i}-1")
        statuses.append((st, body))
    checks.check(all(st == 200 for st, _ in statuses),
                 "capped: four 'slow' events in four chats accepted", f"{statuses}")
    checks.check(slow.wait_active(CAP, 3), f"capped: {CAP} requests reach the slow service",
                 serve.describe())
    time.sleep(0.3)  # a third request, if the cap leaked, would show by now
    sent_q = {}
    for chat in ("q1", "q2"):
        t_q, st, body = post_event(base, "capped", chat, "hi", f"capped-{chat}-1")
        sent_q[chat] = t_q
        checks.check(st == 200, f"capped: 'hi' to {chat} accepted", f"{st} {body}")
    harness.wait_for(lambda: all(sink.find("capped", c, r" hi now") for c in sent_q), FAST + 1)
    lats = {}
    for chat, t_q in sent_q.items():
        got = sink.find("capped", chat, rf"^{chat} hi now #1$")
        lats[chat] = round(got[0]["t"] - t_q, 3) if got else None
    checks.info(f"capped: latency of chats without HTTP while 4 wait: {lats}")
    checks.check(all(v is not None and v < FAST for v in lats.values()),
                 f"capped: chats that do not call HTTP are answered within {FAST:.0f} s while "
                 "four chats wait on the capped HTTP slots", f"{lats}\n{sink.snapshot()}")

    def slow_replies():
        return [g for g in sink.snapshot() if g["tenant"] == "capped"
                and re.match(r"^c\d slow ", g["text"])]

    harness.wait_for(lambda: len(slow_replies()) >= 4, 2 * DELAY + SLACK + 2)
    replies = slow_replies()
    rel = sorted(round(g["t"] - t1, 2) for g in replies)
    checks.info(f"capped: slow replies at {rel} s")
    checks.check(len(replies) == 4 and all(re.match(r"^c\d slow status=200 #1$", g["text"])
                                           for g in replies),
                 "capped: all four slow chats answered once, with status 200",
                 f"{[g['text'] for g in replies]}")
    checks.check(len(rel) == 4 and DELAY <= rel[0] and rel[1] < DELAY + SLACK,
                 f"capped: 2 replies at ~{DELAY:.0f} s (in [{DELAY:.0f}, "
                 f"{DELAY + SLACK:.0f}) s)", f"{rel}")
    checks.check(len(rel) == 4 and 2 * DELAY <= rel[2] and rel[3] < 2 * DELAY + SLACK,
                 f"capped: the other 2 at ~{2 * DELAY:.0f} s (in [{2 * DELAY:.0f}, "
                 f"{2 * DELAY + SLACK:.0f}) s): they waited for a free slot", f"{rel}")
    arrivals, peak = slow.snapshot()
    phase2 = sorted(round(t - t1, 2) for t, _ in arrivals[n_before:])
    checks.info(f"capped: the slow service got requests at {phase2} s, peak in flight {peak}")
    checks.check(peak == CAP, f"capped: never more than {CAP} requests in flight at once "
                 "(limits.http_concurrency)", f"peak {peak}, arrivals {phase2}")
    checks.check(len(phase2) == 4 and phase2[1] < SLACK and phase2[2] >= DELAY,
                 f"capped: 2 requests sent at once, the next 2 only after {DELAY:.0f} s",
                 f"{phase2}")

    errors = {t: harness.metric(base, "parley_handler_errors_total", t)
              for t in ("waiter", "other", "capped")}
    checks.check(all(v == 0 for v in errors.values()),
                 "/metrics: parley_handler_errors_total is 0 for every tenant", f"got {errors}")
    checks.check(serve.stop() == 0, "SIGTERM -> exit 0", serve.describe())


if __name__ == "__main__":
    harness.main(test, budget=BUDGET)
