#!/usr/bin/env python3
"""kill -9 of parley serve with pending timers, then restart: sessions and timers intact,
overdue timers fire once.

1. `parley chat TMP/tenants/kt --data D`: `/set name Ana`, `/arm 40` (timers t1..t40
   due 1.5-4.5 s later; each firing counts itself in the session).
2. `parley serve --tenants TMP/tenants --data D`, killed with SIGKILL at random moments,
   three times; a fourth run is left until every timer is due, then gets SIGTERM (exit 0).
3. `parley chat ... /count`: all 40 fired exactly once; `/get name` is still Ana.
Also: a timer left to fall 6 s overdue while nothing runs fires once at the next start,
with ctx.event.late == true.

Usage: python3 test_serve_kill9_timers.py PATH/TO/parley
"""

import os
import random
import re
import sys
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import harness  # noqa: E402  (tests/integration/harness.py)

TIMERS = 40
LAST_DUE = 4.5         # seconds after arming (see fixture timer_bot, /arm)
MARGIN = 2.0           # let the last serve run this long after the last timer is due
SERVING = r"\bserving\b"


def chat(parley, tenant, data, lines, cwd, timeout=20):
    return harness.run([parley, "chat", tenant, "--data", data],
                       input="".join(line + "\n" for line in lines), timeout=timeout, cwd=cwd)


def start_serve(parley, checks, tenants, data, cwd, label):
    serve = harness.Process([parley, "serve", "--tenants", tenants, "--data", data], cwd=cwd)
    found = serve.wait_line("err", SERVING, harness.START_TIMEOUT)
    checks.check(found is not None, f"{label}: serve logs its 'serving' line", serve.describe())
    return serve


def test(parley, checks, tmp):
    seed = int(os.environ.get("PARLEY_TEST_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    checks.info(f"random seed {seed} (set PARLEY_TEST_SEED to repeat)")

    tenants = tmp / "tenants"
    tenant = harness.copy_fixture("timer_bot", tenants / "kt")
    data = tmp / "data"
    late_data = tmp / "late-data"  # a second store for the "late" check, left alone meanwhile
    outputs = []                   # stdout of every run, to see each timer's reply delivered

    # The late timer: armed now, checked at the end when it is > 5 s overdue.
    armed_late = chat(parley, tenant, late_data, ["/arm_one 1"], tmp)
    late_due = time.monotonic() + 1
    checks.check(armed_late.rc == 0 and "armed late" in armed_late.lines,
                 "chat: /arm_one 1 arms the 'late' timer", armed_late.describe())

    armed = chat(parley, tenant, data, ["/set name Ana", f"/arm {TIMERS}"], tmp)
    last_due = time.monotonic() + LAST_DUE
    outputs.append(armed.out)
    if not checks.check(armed.rc == 0 and armed.lines[:2] == ["set name=Ana", f"armed {TIMERS}"],
                        f"chat: /set name Ana and /arm {TIMERS} are answered, exit 0",
                        armed.describe()):
        checks.info("nothing was armed, so the kill -9 part is skipped")
        return
    early = [line for line in armed.lines if line.startswith("fired ")]
    if early:
        checks.info(f"{len(early)} timers already fired inside the arming chat run")

    for run, delay in enumerate([1.5, rng.uniform(0.05, 1.0), rng.uniform(0.05, 1.0)], 1):
        serve = start_serve(parley, checks, tenants, data, tmp, f"serve run {run}")
        time.sleep(delay)
        alive = serve.alive()
        rc = serve.kill9()
        outputs.append("\n".join(serve.lines("out")))
        checks.check(alive and rc == -9,
                     f"serve run {run}: still running after {delay:.2f} s, killed with SIGKILL",
                     serve.describe())
        fired = sum(1 for line in serve.lines("out") if "fired t" in line)
        checks.info(f"serve run {run}: {fired} timer replies printed before the kill")

    serve = start_serve(parley, checks, tenants, data, tmp, "final serve run")
    time.sleep(max(last_due + MARGIN - time.monotonic(), 1.0))
    rc = serve.stop(15)
    outputs.append("\n".join(serve.lines("out")))
    checks.check(rc == 0, "final serve run: SIGTERM -> exit 0", serve.describe())

    final = chat(parley, tenant, data, ["/count", "/get name"], tmp)
    outputs.append(final.out)
    checks.check(final.rc == 0, "chat after the restarts: exit 0", final.describe())
    count = next((line for line in final.lines if line.startswith("count ")), None)
    checks.check(count == f"count total={TIMERS} armed={TIMERS} missing=0 wrong=none",
                 f"all {TIMERS} timers fired exactly once across kill -9 and restarts",
                 f"/count answered {count!r}\n" + final.describe())
    checks.check("get name=Ana" in final.lines,
                 "the session survived kill -9 (/get name -> Ana)", final.describe())

    delivered = set(re.findall(r"fired (t\d+)\b", "\n".join(outputs)))
    missing = [f"t{k}" for k in range(1, TIMERS + 1) if f"t{k}" not in delivered]
    checks.check(not missing, "every timer's reply was printed at least once (outbox delivered)",
                 f"never printed: {', '.join(missing)}")

    # The late timer has been overdue since late_due with nothing running on its store.
    time.sleep(max(late_due + 6.5 - time.monotonic(), 0))
    first = chat(parley, tenant, late_data, ["/late"], tmp)
    fired_lines = [line for line in first.lines if line.startswith("late=")]
    checks.check(first.rc == 0, "chat after 6.5 s with nothing running: exit 0", first.describe())
    checks.check(fired_lines == ["late=true fired=1"],
                 "the overdue timer fires once at start, with ctx.event.late == true",
                 f"timer replies: {fired_lines}\n" + first.describe())
    second = chat(parley, tenant, late_data, ["/late"], tmp)
    checks.check("late_fired=1" in second.lines
                 and not any(line.startswith("late=") for line in second.lines),
                 "the overdue timer does not fire again on the next start", second.describe())


if __name__ == "__main__":
    harness.main(test)
