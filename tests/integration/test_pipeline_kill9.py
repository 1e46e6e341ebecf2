#!/usr/bin/env python3
"""kill -9 of `parley serve` at 20 random moments during a load run: every accepted event
is applied exactly once, every committed reply is delivered, every timer fires once.

Setup: one tenant (fixture pipeline_bot) on the generic http channel whose callback is a
sink run by this script (it records every POST: time, Idempotency-Key, body). The bot
counts the messages of each chat and replies "<chat> #<count> <text>"; every 5th message
arms a 1 s timer "t<count>" whose reply is "<chat> timer t<count> fired=<fired>".

Load: CLIENTS threads, each owning CHATS_PER_CLIENT chats, send events with unique ids
("<chat>-e<k>", text "m<k>"), one outstanding per chat, and send the SAME id again while
the webhook fails (connection error, timeout, 5xx, 429) — as a real channel does. Only a
200 counts as accepted. Meanwhile the server is killed with SIGKILL at KILLS random
moments and restarted at once on the same --data (port 0: the clients follow the port).
At the end the clients finish their pending event, the script waits for quiescence,
asks "/total", and stops the server with SIGTERM (exit 0).

Checks, per chat: the counters seen at the sink are exactly 1..accepted (none lost, none
applied twice), reply #n answers event n, replies arrive in counter order; every timer
armed (t5, t10, ... up to the accepted count) fired exactly once; bot.store "total"
equals the number of accepted events. A reply received twice under the same
Idempotency-Key is a delivery duplicate (delivered, but the process died before it
recorded the delivery): allowed only when a kill fell between the two receipts and the
first came at most IN_FLIGHT s before that kill, at most DUPS_PER_CONV_PER_KILL x the
conversations per kill; they are counted and printed. Some kills land within 0.15 s of
a restart, while the accepted events and the outbox are being recovered.
The sink's log, the kill times and every run's stderr are written to TMP/sink.jsonl
(PARLEY_KEEP_TMP=1 keeps it).

Usage: python3 test_pipeline_kill9.py PATH/TO/parley
"""

import json
import os
import random
import re
import sys
import threading
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import harness  # noqa: E402  (tests/integration/harness.py)

TENANT = "pb"
SECRET = "pipeline-secret-1"   # fixtures/pipeline_bot/tenant.lua
TIMER_EVERY = 5                # fixtures/pipeline_bot/bot.lua
CLIENTS = 10
CHATS_PER_CLIENT = 3
KILLS = 20
KILL_GAP = (0.4, 2.0)          # seconds of load between a restart and the next kill...
EARLY_KILL = (0.2, (0.02, 0.15))  # ...or, with this probability, this soon (mid-recovery)
REQUEST_TIMEOUT = 5            # seconds per webhook request
DRAIN_TIMEOUT = 20             # after the load: every chat's replies and timers arrive
SINK_LAG = 0.2  # s between a request's last byte and the sink's timestamp, under load
IN_FLIGHT = 1.0                # s: a duplicate's first receipt is this close before a kill
DUPS_PER_CONV_PER_KILL = 2     # bound on duplicates per kill, times the conversations
DUPS_SHOWN = 10                # duplicates printed one per line
BUDGET = 90                    # the whole script (the load itself is ~30 s)
REPLY = re.compile(r"^(\S+) #(\d+) (.*)$")
TIMER_REPLY = re.compile(r"^(\S+) timer t(\d+) fired=(\d+)$")
TOTAL_REPLY = re.compile(r"^(\S+) total=(\d+)$")


def post_event(base, event):
    """POST one event; (status, parsed body or text) or (None, error text)."""
    status, _, text = harness.post_event(base, TENANT, event, SECRET, timeout=REQUEST_TIMEOUT)
    doc = harness.parse_json(text)
    return status, text if doc is None else doc


class Load:
    """CLIENTS threads sending events; the server address may change under them."""

    def __init__(self, rng_seed):
        self.lock = threading.Lock()
        self.base = None
        self.stop = threading.Event()
        self.accepted = {}    # chat -> number of accepted events (ids e1..eN)
        self.statuses = {}    # "200", "200 duplicate", "429", "conn error", ... -> count
        self.unexpected = []  # (chat, id, status, body)
        self.unfinished = []  # chats whose last event never got its 200
        self.threads = []
        for i in range(CLIENTS):
            chats = [f"c{i}x{j}" for j in range(CHATS_PER_CLIENT)]
            for chat in chats:
                self.accepted[chat] = 0
            th = threading.Thread(target=self._client, args=(chats, random.Random(rng_seed + i)),
                                  daemon=True)
            self.threads.append(th)

    def set_base(self, base):
        with self.lock:
            self.base = base

    def _count(self, key):
        with self.lock:
            self.statuses[key] = self.statuses.get(key, 0) + 1

    def _client(self, chats, rng):
        pending = {chat: False for chat in chats}  # the last attempt of its next id failed
        give_up = None
        while True:
            if self.stop.is_set():
                if not any(pending.values()):
                    return
                give_up = give_up or time.monotonic() + 15
                if time.monotonic() > give_up:
                    with self.lock:
                        self.unfinished += [c for c, p in pending.items() if p]
                    return
            for chat in chats:
                if self.stop.is_set() and not pending[chat]:
                    continue
                with self.lock:
                    base = self.base
                k = self.accepted[chat] + 1
                event = {"id": f"{chat}-e{k}", "chat_id": chat,
                         "user": {"id": f"u-{chat}", "name": "Load"}, "text": f"m{k}"}
                status, body = post_event(base, event)
                if status == 200:
                    dup = isinstance(body, dict) and body.get("duplicate")
                    self._count("200 duplicate" if dup else "200")
                    self.accepted[chat] = k  # only this thread writes this chat's entry
                    pending[chat] = False
                else:
                    pending[chat] = True
                    if status is None:
                        self._count("connection error / timeout")
                    else:
                        self._count(str(status))
                        if status not in (429, 503) and status < 500:
                            with self.lock:
                                self.unexpected.append((chat, event["id"], status, body))
                    time.sleep(0.02)  # the server is probably down: do not spin
            time.sleep(rng.uniform(0, 0.01))

    def start(self):
        for th in self.threads:
            th.start()

    def finish(self, timeout):
        self.stop.set()
        deadline = time.monotonic() + timeout
        for th in self.threads:
            th.join(max(deadline - time.monotonic(), 0.1))
        return not any(th.is_alive() for th in self.threads)


def analyse(got, accepted):
    """Per chat: first receipt of each key in order, and the duplicates (same key again)."""
    first = {}   # key -> (time, body)
    dups = []    # (key, first time, later time, text)
    order = {}   # chat -> list of bodies in the order their keys first arrived
    for t, key, body in ((g["t"], g["key"], g["body"]) for g in got):
        if key in first:
            dups.append((key, first[key][0], t, body.get("text") if isinstance(body, dict)
                         else body))
            continue
        first[key] = (t, body)
        chat = body.get("chat_id") if isinstance(body, dict) else None
        order.setdefault(chat, []).append(body)
    return first, dups, order


def test(parley, checks, tmp):
    seed = int(os.environ.get("PARLEY_TEST_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    checks.info(f"random seed {seed} (set PARLEY_TEST_SEED to repeat)")

    sink = harness.Sink()
    tenants = tmp / "tenants"
    harness.copy_fixture("pipeline_bot", tenants / TENANT, CALLBACK=sink.url(), LIMITS="")
    data = tmp / "data"

    serve, base = harness.serve_checked(checks, "serve run 1", parley, tenants, data, tmp)
    if base is None:
        return
    runs = [serve]
    load = Load(seed * 100)
    load.set_base(base)
    load.start()

    kills = []  # (monotonic time of the SIGKILL, time the process was gone)
    start_failures = []
    not_running = []
    load_started = time.monotonic()
    for n in range(1, KILLS + 1):
        early = rng.random() < EARLY_KILL[0]
        time.sleep(rng.uniform(*(EARLY_KILL[1] if early else KILL_GAP)))
        alive = serve.alive()
        t_kill = time.monotonic()
        rc = serve.kill9()
        kills.append((t_kill, time.monotonic()))
        if not alive or rc != -9:
            not_running.append(f"kill {n}: alive={alive} rc={rc}\n{serve.describe(10)}")
        serve, base = harness.start_serve(parley, tenants, data, tmp)
        runs.append(serve)
        if base is None:
            start_failures.append(f"restart {n}:\n{serve.describe(10)}")
            break
        load.set_base(base)
    time.sleep(1.0)  # a last stretch of load on the final run
    load_time = time.monotonic() - load_started

    checks.check(not not_running, f"each of the {KILLS} kill -9 hit a running server",
                 "\n".join(not_running))
    if not checks.check(not start_failures,
                        "every restart after a kill logs 'listening on' within "
                        f"{harness.START_TIMEOUT} s",
                        "\n".join(start_failures)):
        load.finish(5)
        return

    finished = load.finish(20)
    checks.check(finished and not load.unfinished,
                 "after the load stops, every client's pending event gets its 200",
                 f"threads finished: {finished}; chats never acknowledged: {load.unfinished}")
    accepted = dict(load.accepted)
    total_accepted = sum(accepted.values())
    checks.info(f"load ran {load_time:.1f} s with {KILLS} kills: {total_accepted} events "
                f"accepted in {len(accepted)} chats; webhook answers: "
                + ", ".join(f"{k}: {v}" for k, v in sorted(load.statuses.items())))
    checks.check(not load.unexpected,
                 "the webhook answered only 200, 429, 503/5xx or a connection error",
                 "\n".join(f"{c} {i}: {s} {b}" for c, i, s, b in load.unexpected[:20]))
    checks.check(total_accepted >= 100, "the load run got at least 100 events accepted",
                 f"accepted: {total_accepted}")

    # Quiescence: every chat's replies up to its accepted count, and every armed timer.
    def complete():
        first, _, order = analyse(sink.snapshot(), accepted)
        for chat, n in accepted.items():
            bodies = order.get(chat, [])
            counters = sum(1 for b in bodies if REPLY.match(b.get("text", "")))
            timers = sum(1 for b in bodies if TIMER_REPLY.match(b.get("text", "")))
            if counters < n or timers < n // TIMER_EVERY:
                return False
        return True

    drained = harness.wait_for(complete, DRAIN_TIMEOUT, 0.2)
    checks.check(drained, f"within {DRAIN_TIMEOUT} s every chat got its replies and timer replies",
                 "(the checks below say what is missing)")

    # bot.store "total", through the bot itself.
    status, body = post_event(base, {"id": "stats-1", "chat_id": "stats", "text": "/total"})
    checks.check(status == 200, "'/total' is accepted", f"{status} {body}")
    def total_replies():
        return [int(m.group(2)) for b in (g["body"] for g in sink.snapshot())
                if isinstance(b, dict) and b.get("chat_id") == "stats"
                for m in [TOTAL_REPLY.match(b.get("text", ""))] if m]

    harness.wait_for(total_replies, 10)
    total_seen = total_replies()
    time.sleep(0.5)  # let a straggler (a wrong duplicate) arrive before the analysis

    checks.check(serve.stop() == 0, "final run: SIGTERM -> exit 0", serve.describe())
    asan = [r for r in runs if any("AddressSanitizer" in line or "runtime error:" in line
                                   for line in r.lines("err"))]
    checks.check(not asan, "no sanitizer report in any run's stderr",
                 "\n\n".join(r.describe(30) for r in asan[:2]))

    got = sink.snapshot()
    first, dups, order = analyse(got, accepted)
    sink.close()
    with open(tmp / "sink.jsonl", "w") as f:  # for a post-mortem (PARLEY_KEEP_TMP=1)
        for g in got:
            f.write(json.dumps({"t": round(g["t"] - load_started, 4), "key": g["key"],
                                "body": g["body"]}) + "\n")
        for n, (t_kill, gone) in enumerate(kills, 1):
            f.write(json.dumps({"kill": n, "t": round(t_kill - load_started, 4),
                                "gone": round(gone - load_started, 4)}) + "\n")
        for n, run in enumerate(runs, 1):
            f.write(json.dumps({"run": n, "start": round(run.started - load_started, 4),
                                "stderr": run.lines("err")}) + "\n")

    # Exactly once, in order.
    lost, doubled, wrong_text, out_of_order, strays = [], [], [], [], []
    timers_missing, timers_twice, fired_wrong = [], [], []
    for chat, n in sorted(accepted.items()):
        counters, timer_names, fired = [], [], []
        for b in order.get(chat, []):
            text = b.get("text", "")
            m, tm = REPLY.match(text), TIMER_REPLY.match(text)
            if m and m.group(1) == chat:
                c = int(m.group(2))
                counters.append(c)
                if m.group(3) != f"m{c}":
                    wrong_text.append(f"{chat}: reply #{c} answers {m.group(3)!r}, not 'm{c}'")
            elif tm and tm.group(1) == chat:
                timer_names.append(int(tm.group(2)))
                fired.append(int(tm.group(3)))
            else:
                strays.append(f"{chat}: {text!r}")
        seen = set(counters)
        missing = [c for c in range(1, n + 1) if c not in seen]
        extra = sorted(c for c in seen if c > n)
        twice = sorted({c for c in counters if counters.count(c) > 1})
        if missing:
            lost.append(f"{chat}: accepted {n}, never replied: #{missing[:10]}")
        if twice or extra:
            doubled.append(f"{chat}: accepted {n}; counters under two keys: {twice[:10]}, "
                           f"beyond the accepted count: {extra[:10]}")
        if counters != sorted(counters):
            out_of_order.append(f"{chat}: {counters[:40]}")
        armed = [c for c in range(TIMER_EVERY, n + 1, TIMER_EVERY)]
        if sorted(set(timer_names)) != armed:
            timers_missing.append(f"{chat}: armed {armed}, fired {sorted(set(timer_names))}")
        if len(timer_names) != len(set(timer_names)):
            timers_twice.append(f"{chat}: {timer_names}")
        if sorted(fired) != list(range(1, len(fired) + 1)):
            fired_wrong.append(f"{chat}: fired counters {fired}")

    checks.check(not lost, f"no accepted event lost ({total_accepted} events, each chat's "
                 "counters reach its accepted count)", "\n".join(lost[:15]))
    checks.check(not doubled, "no event applied twice (each counter appears under one "
                 "message only, none beyond the accepted count)", "\n".join(doubled[:15]))
    checks.check(not wrong_text, "reply #n of each chat answers event n (text m<n>)",
                 "\n".join(wrong_text[:15]))
    checks.check(not out_of_order, "each chat's replies arrived in counter order "
                 "(duplicates ignored)", "\n".join(out_of_order[:10]))
    checks.check(not strays, "every reply at the sink is a counted reply or a timer reply",
                 "\n".join(strays[:15]))
    n_timers = sum(n // TIMER_EVERY for n in accepted.values())
    checks.check(not timers_missing, f"every armed timer fired ({n_timers} timers)",
                 "\n".join(timers_missing[:15]))
    checks.check(not timers_twice and not fired_wrong,
                 "no timer fired twice (its name once per chat, fired counters 1..k)",
                 "\n".join((timers_twice + fired_wrong)[:15]))
    checks.check(total_seen and total_seen[0] == total_accepted,
                 f"bot.store total equals the accepted events ({total_accepted})",
                 f"/total replied {total_seen}")

    # Delivery duplicates: a message delivered but not yet recorded as delivered when the
    # process died is sent again after the restart. So each duplicate spans a kill, its
    # first receipt came shortly before that kill (in flight), and there are few per kill.
    conversations = len(accepted)
    unexplained, stale, per_kill = [], [], {}
    for key, t1, t2, text in dups:
        # A request the old process wrote completely before it died can still be read (and
        # timestamped) by the sink a moment after the process was gone: allow SINK_LAG.
        spanned = [n for n, (t_kill, gone) in enumerate(kills, 1)
                   if t1 <= gone + SINK_LAG and t2 >= t_kill]
        where = f"{key} {text!r} at +{t1 - load_started:.2f} s and +{t2 - load_started:.2f} s"
        if not spanned:
            unexplained.append(where)
            continue
        n = spanned[0]
        per_kill[n] = per_kill.get(n, 0) + 1
        age = kills[n - 1][0] - t1
        if age > IN_FLIGHT:
            stale.append(f"{where}: first delivered {age:.2f} s before kill {n}")
    checks.info(f"delivery duplicates (same Idempotency-Key received again): {len(dups)} "
                f"over {KILLS} kills; per kill: "
                + " ".join(f"{n}:{per_kill.get(n, 0)}" for n in range(1, KILLS + 1)))
    for key, t1, t2, text in dups[:DUPS_SHOWN]:
        checks.info(f"  duplicate {key} {text!r} first at +{t1 - load_started:.2f} s, "
                    f"again at +{t2 - load_started:.2f} s")
    if len(dups) > DUPS_SHOWN:
        checks.info(f"  ... and {len(dups) - DUPS_SHOWN} more")
    checks.check(not unexplained, "every delivery duplicate had a kill between its two receipts",
                 "\n".join(unexplained[:15]))
    checks.check(not stale, f"every delivery duplicate was in flight at its kill (first "
                 f"delivered at most {IN_FLIGHT} s before it)", "\n".join(stale[:15]))
    worst = max(per_kill.values(), default=0)
    checks.check(worst <= DUPS_PER_CONV_PER_KILL * conversations,
                 f"at most {DUPS_PER_CONV_PER_KILL} duplicates per conversation per kill "
                 f"({DUPS_PER_CONV_PER_KILL * conversations} per kill; worst kill: {worst})",
                 f"per kill: {per_kill}")
    checks.check(all(isinstance(k, str) and k for k in first),
                 "every delivery carries an Idempotency-Key", f"keys: {list(first)[:5]}")

if __name__ == "__main__":
    harness.main(test, budget=BUDGET)
