#!/usr/bin/env python3
"""Backpressure: a tenant whose queue is full refuses webhooks with 429 + Retry-After,
and nothing is lost when the channel sends them again.

serve --queue-limit 5, one tenant "bp" (fixture http_wait_bot) whose handler waits on
this script's slow service for every message of chat "q": 3 s for the first 3 requests,
then 0.5 s (20 x 3 s would not fit the test's time budget; the first 3 keep the queue
full long enough for several rounds of 429s).
  - 20 events with distinct ids posted quickly to chat q: the first 5 get 200, the rest
    429 with a Retry-After header (a positive integer) and a JSON error body
  - /metrics shows parley_tenant_queue{tenant="bp"} at the limit meanwhile
  - the refused ones are sent again (same ids, in order, stopping at the first 429 of a
    round) after waiting Retry-After, until all are accepted
  - the sink gets each event's reply exactly once, in order (the reply carries the
    conversation's counter, so a double or lost handling shows)
  - /metrics: 20 accepted, 20 handled, queue back to 0; the same id once more answers
    200 {"ok":true,"duplicate":true} and changes nothing; SIGTERM -> exit 0

Usage: python3 test_pipeline_backpressure.py PATH/TO/parley
"""

import re
import sys
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import harness  # noqa: E402  (tests/integration/harness.py)

SECRET = "http-wait-secret-1"  # fixtures/http_wait_bot/tenant.lua
QUEUE_LIMIT = 5
N_EVENTS = 20
SLOW_FIRST, SLOW_DELAY, LATER_DELAY = 3, 3.0, 0.5
TENANT, CHAT = "bp", "q"
BUDGET = 60


def eid(k):
    return f"bp-e{k:02d}"


def post_event(base, k):
    event = {"id": eid(k), "chat_id": CHAT, "user": {"id": "u1"}, "text": f"slow e{k:02d}"}
    return harness.post_event(base, TENANT, event, SECRET)


def refusal_problem(status, headers, body):
    """None if this is a proper 429 (Retry-After: positive integer, JSON error body)."""
    if status != 429:
        return f"status {status}"
    ra = headers.get("retry-after", "")
    if not ra.isdigit() or int(ra) < 1:
        return f"Retry-After {ra!r}"
    if harness.parse_json(body) is None:
        return f"body is not JSON: {body!r}"
    if harness.json_error(body) is None:
        return f"body lacks error/detail: {body!r}"
    return None


def test(parley, checks, tmp):
    # the slow service: SLOW_DELAY s for the first SLOW_FIRST requests, then LATER_DELAY s
    slow = harness.SlowService(lambda n: SLOW_DELAY if n <= SLOW_FIRST else LATER_DELAY)
    sink = harness.Sink()
    tenants = tmp / "tenants"
    harness.copy_fixture("http_wait_bot", tenants / TENANT, CALLBACK=sink.url(), LIMITS="",
                         SLOW=slow.url)
    data = tmp / "data"
    serve, base = harness.serve_checked(checks, f"serve --queue-limit {QUEUE_LIMIT}", parley,
                                        tenants, data, tmp, extra=["--queue-limit", QUEUE_LIMIT])
    if base is None:
        return

    # ---- the burst ----
    t0 = time.monotonic()
    burst, accepted_at = [], {}  # accepted_at: id number -> time its 200 came back
    for k in range(1, N_EVENTS + 1):
        burst.append(post_event(base, k))
        if burst[-1][0] == 200:
            accepted_at[k] = time.monotonic()
    checks.info(f"burst of {N_EVENTS} posted in {time.monotonic() - t0:.2f} s: "
                + "".join("." if st == 200 else "R" if st == 429 else "?" for st, _, _ in burst))
    statuses = [st for st, _, _ in burst]
    accepted = [k for k, (st, _, _) in enumerate(burst, 1) if st == 200]
    checks.check(accepted == list(range(1, QUEUE_LIMIT + 1)),
                 f"burst: the first {QUEUE_LIMIT} events get 200, no later one",
                 f"statuses: {statuses}\n{[b for _, _, b in burst][:8]}")
    refused = [k for k, (st, _, _) in enumerate(burst, 1) if st != 200]
    problems = [f"{eid(k)}: {refusal_problem(*burst[k - 1])}" for k in refused
                if refusal_problem(*burst[k - 1])]
    checks.check(refused and not problems,
                 "burst: the others get 429 with Retry-After (a positive integer) and a JSON "
                 "{error, detail} body", "\n".join(problems[:5]))
    if refused:
        st, hd, body = burst[refused[0] - 1]
        checks.info(f"a refusal: {st} Retry-After: {hd.get('retry-after')} {body}")
    queue = harness.metric(base, "parley_tenant_queue", TENANT)
    checks.check(queue == QUEUE_LIMIT, f"/metrics: parley_tenant_queue{{tenant=\"{TENANT}\"}} "
                 f"is {QUEUE_LIMIT} while the queue is full", f"got {queue}")

    # ---- resend the refused ones, honouring Retry-After ----
    order = list(accepted)      # the order in which events were accepted
    pending = list(refused)
    rounds, early, bad_refusals = 0, [], []
    wait = int(burst[refused[0] - 1][1].get("retry-after", "1")) if refused else 0
    last_refusal = time.monotonic()
    while pending and time.monotonic() - t0 < 40:
        time.sleep(wait)
        rounds += 1
        while pending:
            k = pending[0]
            sent_at = time.monotonic()
            if sent_at - last_refusal < wait - 0.01:
                early.append(f"{eid(k)} {sent_at - last_refusal:.2f} s after a 429")
            st, hd, body = post_event(base, k)
            if st == 200:
                if body.strip() != '{"ok":true}':
                    bad_refusals.append(f"{eid(k)}: accepted as {body}")
                accepted_at[k] = time.monotonic()
                order.append(pending.pop(0))
                continue
            problem = refusal_problem(st, hd, body)
            if problem:
                bad_refusals.append(f"{eid(k)}: {problem}")
                if st != 429:
                    pending.pop(0)  # not a backpressure answer: give up on it
            last_refusal = time.monotonic()
            wait = int(hd.get("retry-after", "1")) if not problem else 1
            break
    checks.info(f"resent in {rounds} rounds; all accepted {time.monotonic() - t0:.1f} s "
                "after the burst")
    checks.check(not pending and not bad_refusals,
                 "every refused event is accepted when sent again (same id) after Retry-After",
                 f"still refused: {[eid(k) for k in pending]}\n" + "\n".join(bad_refusals[:10]))
    checks.check(not early, "resends waited Retry-After (a test self-check)", "\n".join(early))
    checks.check(rounds >= 2, "the queue stayed full for several rounds of resends",
                 f"{rounds} rounds")
    checks.check(order == list(range(1, N_EVENTS + 1)),
                 "events were accepted in id order", f"{[eid(k) for k in order]}")

    # ---- each accepted event handled exactly once, in order ----
    want = [f"{CHAT} slow e{k:02d} status=200 #{n}" for n, k in enumerate(order, 1)]
    done = sink.wait_count(N_EVENTS, 30)
    time.sleep(0.5)  # a double delivery would show by now
    got = sink.snapshot()
    checks.info(f"all {len(got)} replies at the sink {time.monotonic() - t0:.1f} s after the "
                "burst" if done else f"only {len(got)} replies at the sink")
    texts = [g["text"] for g in got]
    checks.check(texts == want, "the sink got each event's reply exactly once, in order "
                 "(counter #1..#20 matches the ids)",
                 "got:\n" + "\n".join(texts) + "\nwant:\n" + "\n".join(want))
    before_accept = []
    for g in got:
        m = re.match(rf"^{CHAT} slow e(\d+) ", g["text"])
        k = int(m.group(1)) if m else None
        if k not in accepted_at or g["t"] < accepted_at[k] - 0.05:
            before_accept.append(f"{g['text']!r} at +{g['t'] - t0:.2f} s, accepted at "
                         f"+{accepted_at.get(k, float('nan')) - t0:.2f} s")
    checks.check(not before_accept, "no event was handled before the 200 that accepted it (a 429 "
                 "stores nothing)", "\n".join(before_accept))
    keys = [g["key"] for g in got]
    checks.check(len(keys) == len(set(keys)) and None not in keys,
                 "every reply has its own Idempotency-Key", f"{keys}")

    # ---- /metrics and a duplicate ----
    values = {name: harness.metric(base, name, TENANT) for name in
              ("parley_events_accepted_total", "parley_events_handled_total",
               "parley_tenant_queue", "parley_events_duplicate_total")}
    checks.check(values["parley_events_accepted_total"] == N_EVENTS
                 and values["parley_events_handled_total"] == N_EVENTS,
                 f"/metrics: {N_EVENTS} events accepted and {N_EVENTS} handled for {TENANT}",
                 f"{values}")
    checks.check(values["parley_tenant_queue"] == 0,
                 f"/metrics: parley_tenant_queue{{tenant=\"{TENANT}\"}} is back to 0",
                 f"{values}")
    st, _, body = post_event(base, 7)
    dup = harness.parse_json(body)
    checks.check(st == 200 and dup == {"ok": True, "duplicate": True},
                 f"{eid(7)} sent once more -> 200 {{\"ok\":true,\"duplicate\":true}}",
                 f"{st} {body}")
    time.sleep(1.0)
    checks.check(len(sink.snapshot()) == N_EVENTS, "the duplicate changed nothing (no reply)",
                 f"{[g['text'] for g in sink.snapshot()[N_EVENTS:]]}")
    d = harness.metric(base, "parley_events_duplicate_total", TENANT)
    checks.check(d == 1, "/metrics: parley_events_duplicate_total is 1", f"got {d}")

    checks.check(serve.stop() == 0, "SIGTERM -> exit 0", serve.describe())


if __name__ == "__main__":
    harness.main(test, budget=BUDGET)
