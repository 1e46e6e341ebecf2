#!/usr/bin/env python3
"""The callback (the channel) misbehaves; parley's outbox sender keeps every committed
reply, in order, within the rate limits, and gives up only on a permanent refusal.

Two tenants on the generic http channel (fixture pipeline_bot: replies
"<chat> #<count> <text>", every 5th message also arms a 1 s timer) POST their replies to
one sink run by this script, which answers according to the chat:
  f500a, f500b  500 to the first two attempts of every message: retried with backoff
  f429a, f429b  429 + Retry-After: 1 to the first attempt of every message: sent again
                after >= 1 s
  fslow         the first attempt of its first message gets no answer for 11 s (parley's
                timeout is 10 s): sent again; its later messages wait for it; other
                chats meanwhile are not held up (fok)
  f400          its 2nd message ("reject-me") gets 400: dead letter, never retried
                (parley_messages_dead_total, log "refused for good", parley outbox
                --dead); its 3rd message is still delivered
  d1, d2        sent while the sink's listener is closed (connection refused) for 3 s,
                then reopened on the same port: retried until delivered
  r0..r3        tenant "rl" with rate_per_second = 5 and chat_rate_per_second = 2: the
                receive times respect both (at most rate x window + burst in any window)
Then: every message of every chat delivered (2xx) exactly once apart from retries, in
order, nothing left in the outbox, SIGTERM -> exit 0.

Usage: python3 test_pipeline_sink_faults.py PATH/TO/parley
"""

import re
import sys
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import harness  # noqa: E402  (tests/integration/harness.py)

SECRET = "pipeline-secret-1"   # fixtures/pipeline_bot/tenant.lua
TIMER_EVERY = 5                # fixtures/pipeline_bot/bot.lua
SEND_TIMEOUT = 10.0            # parley's timeout for one delivery attempt
SLOW = 11.0                    # the sink's silence for fslow's first attempt
DOWN = 3.0                     # seconds the sink refuses connections
RATE, CHAT_RATE = 5, 2         # tenant rl's limits
RATE_BURST, CHAT_BURST = 5, 1  # the token buckets' depth: max(rate, 1) and 1
JITTER = 0.2                   # s of network/scheduling slack in the rate checks
BUDGET = 90
REPLY = re.compile(r"^(\S+) #(\d+) (.*)$")
TIMER_REPLY = re.compile(r"^(\S+) timer t(\d+) fired=(\d+)$")

FAULT_CHATS = {"f500a": 3, "f500b": 3, "f429a": 3, "f429b": 3, "fslow": 3, "f400": 3, "fok": 4}
DOWN_CHATS = {"d1": 3, "d2": 3}
RATE_CHATS = {f"r{i}": 8 for i in range(4)}


def misbehave(g):
    """How the sink answers receipt g (Sink's `answer`): by chat, as the module docstring
    says."""
    chat, text, attempt = g["chat"] or "", g["text"], g["attempt"]
    if chat.startswith("f500") and attempt <= 2:
        return 500, {}, 0
    if chat.startswith("f429") and attempt == 1:
        return 429, {"Retry-After": "1"}, 0
    if chat == "fslow" and " #1 " in text and attempt == 1:
        return 200, {}, SLOW
    if "reject-me" in text:
        return 400, {}, 0
    return 200, {}, 0


def send_events(base, tenant, chats, texts=None):
    """Sends chats[chat] events to each chat, in order; returns the failures."""
    failures = []
    for chat, n in chats.items():
        for k in range(1, n + 1):
            text = (texts or {}).get((chat, k), f"m{k}")
            event = {"id": f"{tenant}-{chat}-e{k}", "chat_id": chat, "text": text}
            status, _, body = harness.post_event(base, tenant, event, SECRET)
            if status != 200:
                failures.append(f"{tenant} {event['id']}: {status} {body}")
    return failures


def by_chat(got, tenant):
    out = {}
    for g in got:
        if g["tenant"] == tenant:
            out.setdefault(g["chat"], []).append(g)
    return out


def by_key(rows):
    """The receipts in `rows` grouped by Idempotency-Key (keys in order of first arrival)."""
    keys = {}
    for g in rows:
        keys.setdefault(g["key"], []).append(g)
    return keys


def counter_of(g):
    m = REPLY.match(g["text"])
    return int(m.group(2)) if m else None


def expected_counts(chats):
    """chat -> (number of counted replies, number of timer replies) expected."""
    return {chat: (n, n // TIMER_EVERY) for chat, n in chats.items()}


def delivered(got, tenant, chats, skip=()):
    """True once every chat has its counted replies and timer replies answered 2xx."""
    chats_got = by_chat(got, tenant)
    for chat, (n, timers) in expected_counts(chats).items():
        ok = {counter_of(g) for g in chats_got.get(chat, []) if g["status"] == 200}
        ok.discard(None)
        want = {c for c in range(1, n + 1) if (chat, c) not in skip}
        t_ok = {g["key"] for g in chats_got.get(chat, [])
                if g["status"] == 200 and TIMER_REPLY.match(g["text"])}
        if not want <= ok or len(t_ok) < timers:
            return False
    return True


def order_problems(got, tenant, chats, skip=()):
    """Per chat: every message answered 2xx exactly once... (problems as text lines)."""
    problems = []
    chats_got = by_chat(got, tenant)
    for chat, n in chats.items():
        rows = chats_got.get(chat, [])
        counters = [counter_of(g) for g in rows if counter_of(g) is not None]
        if counters != sorted(counters):
            problems.append(f"{chat}: attempts out of order: {counters}")
        ok = [counter_of(g) for g in rows if g["status"] == 200 and counter_of(g) is not None]
        want = [c for c in range(1, n + 1) if (chat, c) not in skip]
        if ok != want:
            problems.append(f"{chat}: delivered (2xx) {ok}, expected {want}")
        ok_keys = [g["key"] for g in rows if g["status"] == 200]
        if len(ok_keys) != len(set(ok_keys)):
            problems.append(f"{chat}: a message was accepted twice by the sink: {ok_keys}")
    return problems


def rate_violations(times, rate, burst):
    """Windows [t_i, t_j] holding more than rate x (window + JITTER) + burst receipts."""
    times = sorted(times)
    bad = []
    for i in range(len(times)):
        for j in range(i + 1, len(times)):
            count, window = j - i + 1, times[j] - times[i]
            if count > rate * (window + JITTER) + burst:
                bad.append(f"{count} messages within {window:.3f} s "
                           f"(allowed {rate} x {window:.3f} + {burst})")
    return bad


def write_tenant(tenants, key, callback, limits):
    harness.copy_fixture("pipeline_bot", tenants / key, CALLBACK=callback, LIMITS=limits)


def test(parley, checks, tmp):
    sink = harness.Sink(misbehave)
    tenants = tmp / "tenants"
    write_tenant(tenants, "fa", sink.url("/sink/fa"), "")
    write_tenant(tenants, "rl", sink.url("/sink/rl"),
                 f"rate_per_second = {RATE}, chat_rate_per_second = {CHAT_RATE},")
    data = tmp / "data"
    serve, base = harness.serve_checked(checks, "serve", parley, tenants, data, tmp)
    if base is None:
        return

    # ---- phase 1: 500, 429, a silent sink, 400, and the rate-limited tenant ----
    t0 = time.monotonic()
    failures = send_events(base, "rl", RATE_CHATS)
    failures += send_events(base, "fa", FAULT_CHATS, texts={("f400", 2): "reject-me"})
    checks.check(not failures, "every webhook of phase 1 is answered 200", "\n".join(failures))
    skip = {("f400", 2)}
    done = harness.wait_for(lambda: delivered(sink.snapshot(), "fa", FAULT_CHATS, skip)
                            and delivered(sink.snapshot(), "rl", RATE_CHATS),
                            SLOW + 15, 0.2)
    checks.check(done, "phase 1: every reply delivered despite 500s, 429s, a silent sink and "
                 f"the rate limits (within {SLOW + 15:.0f} s)", "(details below)")
    checks.info(f"phase 1 took {time.monotonic() - t0:.1f} s")
    time.sleep(1.0)  # a retry that should not happen (the 400) would show by now
    got = sink.snapshot()
    fa = by_chat(got, "fa")

    # 500: retried with backoff until the 200.
    gaps, counts = [], []
    for chat in ("f500a", "f500b"):
        for rows in by_key(fa.get(chat, [])).values():
            counts.append([g["status"] for g in rows])
            ts = [g["t"] for g in rows]
            gaps.append([round(b - a, 2) for a, b in zip(ts, ts[1:])])
    checks.check(counts and all(c == [500, 500, 200] for c in counts),
                 "500: each message sent again after each 500, and not after its 200",
                 f"statuses per message: {counts}")
    checks.check(gaps and all(len(g) == 2 and g[0] >= 0.2 and g[1] >= 0.45 for g in gaps),
                 "500: retries back off (>= 0.25 s, then >= 0.5 s: 0.5 s base, doubling, "
                 "jitter 0.5-1.5x)", f"gaps between attempts per message (s): {gaps}")
    checks.info(f"500: gaps between attempts (s): {gaps}")

    # 429 + Retry-After: 1: the next attempt >= 1 s later.
    waits, statuses = [], []
    for chat in ("f429a", "f429b"):
        for rows in by_key(fa.get(chat, [])).values():
            statuses.append([g["status"] for g in rows])
            if len(rows) >= 2:
                waits.append(round(rows[1]["t"] - rows[0]["t"], 2))
    checks.check(statuses and all(s == [429, 200] for s in statuses),
                 "429: each message sent again once after its 429", f"statuses: {statuses}")
    checks.check(waits and len(waits) == len(statuses) and all(0.95 <= w <= 3.0 for w in waits),
                 "429: the retry honours Retry-After: 1 (1-3 s later)",
                 f"seconds between the 429 and the retry: {waits}")

    # The silent sink: parley times out, sends again; fslow's later messages wait for it.
    rows = fa.get("fslow", [])
    first = [g for g in rows if counter_of(g) == 1]
    if checks.check(len(first) == 2 and first[0]["silence"] and first[1]["status"] == 200,
                    "timeout: fslow #1 is sent again after its attempt got no answer",
                    f"attempts of fslow #1: {[(round(g['t'] - t0, 2), g['status']) for g in first]}"):
        wait = first[1]["t"] - first[0]["t"]
        checks.check(SEND_TIMEOUT - 0.5 <= wait <= SEND_TIMEOUT + 3,
                     f"timeout: the retry comes after parley's {SEND_TIMEOUT:.0f} s timeout "
                     "plus a short backoff", f"{wait:.2f} s after the first attempt")
        later = [g["t"] for g in rows if (counter_of(g) or 0) > 1]
        checks.check(later and min(later) > first[1]["t"],
                     "timeout: fslow #2 and #3 wait until #1 is delivered (one at a time)",
                     f"#2/#3 at {[round(t - t0, 2) for t in later]}, #1 delivered at "
                     f"{first[1]['t'] - t0:.2f}")
        fok = [g["t"] for g in fa.get("fok", []) if g["status"] == 200]
        checks.check(len(fok) == FAULT_CHATS["fok"] + FAULT_CHATS["fok"] // TIMER_EVERY
                     and max(fok) < first[0]["t"] + SEND_TIMEOUT,
                     "timeout: another chat (fok) is delivered while fslow waits",
                     f"fok delivered at {[round(t - t0, 2) for t in fok]}, fslow #1 first "
                     f"tried at {first[0]['t'] - t0:.2f}")

    # 400: a dead letter, not retried; the conversation goes on.
    rejected = [g for g in fa.get("f400", []) if "reject-me" in g["text"]]
    checks.check(len(rejected) == 1 and rejected[0]["status"] == 400,
                 "400: the refused message was sent once and not retried",
                 f"attempts: {[(g['key'], g['status']) for g in rejected]}")
    after = [g for g in fa.get("f400", []) if counter_of(g) == 3 and g["status"] == 200]
    checks.check(len(after) == 1, "400: the next message of that chat is still delivered",
                 f"f400 receipts: {[(g['text'], g['status']) for g in fa.get('f400', [])]}")
    dead = harness.metric(base, "parley_messages_dead_total")
    checks.check(dead == 1, "400: /metrics parley_messages_dead_total is 1", f"got {dead}")
    refused = [line for line in serve.lines("err") if "refused for good" in line]
    checks.check(len(refused) == 1 and "fa" in refused[0],
                 "400: the log says 'refused for good' once, naming the tenant",
                 "\n".join(refused) or serve.describe())

    # Rate limits of tenant rl.
    rl = [g for g in got if g["tenant"] == "rl"]
    times = [g["t"] for g in rl]
    bad = rate_violations(times, RATE, RATE_BURST)
    span = max(times) - min(times) if times else 0
    checks.info(f"rl: {len(rl)} messages over {span:.2f} s")
    checks.check(not bad, f"rate_per_second = {RATE}: at most {RATE} x window + {RATE_BURST} "
                 "messages in any window", "\n".join(bad[:10]))
    bad_chat = []
    for chat, rows in by_chat(got, "rl").items():
        found = rate_violations([g["t"] for g in rows], CHAT_RATE, CHAT_BURST)
        if found:
            bad_chat += [f"{chat}: {b}" for b in found]
            bad_chat.append(f"{chat} receipts: " + ", ".join(
                f"+{g['t'] - t0:.3f} {g['text']!r}" for g in rows))
    checks.check(not bad_chat, f"chat_rate_per_second = {CHAT_RATE}: at most {CHAT_RATE} x "
                 f"window + {CHAT_BURST} messages of one chat in any window",
                 "\n".join(bad_chat[:10]))
    checks.check(all(g["status"] == 200 for g in rl) and len(rl) == len({g["key"] for g in rl}),
                 "rl: every message sent once (rate limiting is waiting, not failing)",
                 f"{len(rl)} receipts, {len({g['key'] for g in rl})} keys")

    # ---- phase 2: the sink refuses connections for DOWN seconds ----
    retries0 = harness.metric(base, "parley_send_retries_total")
    sink.close()
    t_down = time.monotonic()
    failures = send_events(base, "fa", DOWN_CHATS)
    checks.check(not failures, "webhooks are answered 200 while the sink is down",
                 "\n".join(failures))
    time.sleep(max(DOWN - (time.monotonic() - t_down), 0))
    retries1 = harness.metric(base, "parley_send_retries_total")
    sink.open()  # same port
    t_up = time.monotonic()
    done = harness.wait_for(lambda: delivered(sink.snapshot(), "fa", DOWN_CHATS), 20, 0.1)
    checks.check(done, "connection refused: every reply delivered after the sink is back "
                 "(within 20 s)", f"{sink.snapshot()[-5:]}")
    if done:
        last = max(g["t"] for g in sink.snapshot() if g["chat"] in DOWN_CHATS)
        checks.info(f"connection refused: sink down {t_up - t_down:.1f} s, all delivered "
                    f"{last - t_up:.1f} s after it came back")
    checks.check(retries0 is not None and retries1 is not None and retries1 > retries0,
                 "connection refused: the sender retried while the sink was down "
                 "(parley_send_retries_total grew)", f"{retries0} -> {retries1}")

    # ---- everything: nothing lost, in order ----
    time.sleep(0.5)
    got = sink.snapshot()
    problems = order_problems(got, "fa", {**FAULT_CHATS, **DOWN_CHATS}, skip)
    problems += order_problems(got, "rl", RATE_CHATS)
    checks.check(not problems, "every message delivered exactly once (2xx), each chat's "
                 "attempts in counter order", "\n".join(problems[:20]))
    timers = {}
    for g in got:
        m = TIMER_REPLY.match(g["text"])
        if m and g["status"] == 200:
            timers.setdefault((g["tenant"], g["chat"]), []).append(m.group(2))
    want = {(t, c): [str(k) for k in range(TIMER_EVERY, n + 1, TIMER_EVERY)]
            for t, chats in (("fa", {**FAULT_CHATS, **DOWN_CHATS}), ("rl", RATE_CHATS))
            for c, n in chats.items() if n >= TIMER_EVERY}
    checks.check(timers == want, "every timer reply delivered once", f"got {timers}\nwant {want}")
    accepted = harness.metric(base, "parley_events_accepted_total")
    n_events = sum(FAULT_CHATS.values()) + sum(DOWN_CHATS.values()) + sum(RATE_CHATS.values())
    checks.check(accepted == n_events, f"/metrics: {n_events} events accepted", f"got {accepted}")

    checks.check(serve.stop() == 0, "SIGTERM -> exit 0", serve.describe())
    sink.close()

    pending = harness.run([parley, "outbox", "--data", data], timeout=20, cwd=tmp)
    checks.check(pending.rc == 0 and not any(re.search(r"#\d+ m\d+|timer t\d+", line)
                                             for line in pending.lines),
                 "parley outbox: nothing left undelivered", pending.describe())
    dead_list = harness.run([parley, "outbox", "--data", data, "--dead"], timeout=20, cwd=tmp)
    checks.check(dead_list.rc == 0 and "reject-me" in dead_list.out
                 and "#3" not in dead_list.out,
                 "parley outbox --dead lists the refused message (and only it)",
                 dead_list.describe())
    checks.info("parley outbox --dead: " + " | ".join(dead_list.lines))


if __name__ == "__main__":
    harness.main(test, budget=BUDGET)
