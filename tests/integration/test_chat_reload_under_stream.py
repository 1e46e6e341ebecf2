#!/usr/bin/env python3
"""Reload while a stream of console input is flowing: no input lost or answered twice,
sessions kept; a reload with a syntax error keeps the old code serving.

`parley chat` gets m1..m300 on a pipe, one line every few ms. Meanwhile the test
rewrites the tenant's bot.lua: v1 -> v2 at about a third, a version that does not
compile at about two thirds, then v3. Every reply is "vN #<count> <text>", count kept in
ctx.session. Run twice: once replacing bot.lua by rename (how careful tools save), once
writing it in place (how many editors save).

Usage: python3 test_chat_reload_under_stream.py PATH/TO/parley
"""

import os
import re
import sys
import threading
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import harness  # noqa: E402  (tests/integration/harness.py)

LINES = 300
INTERVAL = 0.010  # seconds between input lines
WINDOW = 25       # at most this many lines sent but not yet answered (flow control)
V2_AT = 80        # bot.lua becomes v2 after this many lines were sent
BROKEN_AT = 160   # ... a version with a syntax error after this many
SETTLE = 0.4      # ... and v3 this long after the broken one
REPLY = re.compile(r"^(v\d|vX) #(\d+) (\S+)$")
ORDER = {"v1": 1, "v2": 2, "v3": 3}


def versions_of(v1_text):
    """v2, v3, the broken version and the line of its syntax error."""
    assert '"v1 #' in v1_text, "fixture reload_counter/bot.lua lost its \"v1 # marker"
    v2 = v1_text.replace('"v1 #', '"v2 #')
    v3 = v1_text.replace('"v1 #', '"v3 #')
    # Would answer "vX" if it ever ran; it cannot compile.
    broken = v1_text.replace('"v1 #', '"vX #').rstrip("\n") + "\n\nlocal broken = = 1\n"
    broken_line = next(i for i, line in enumerate(broken.splitlines(), 1) if "= = 1" in line)
    return v2, v3, broken, broken_line


def write_by_rename(path, text, stage):
    staged = stage / "bot.lua.new"
    staged.write_text(text)
    os.replace(staged, path)


def write_in_place(path, text, stage):
    path.write_text(text)


def run_variant(parley, checks, tmp, label, write):
    base = tmp / label
    tenant = harness.copy_fixture("reload_counter", base / "tenant")
    stage = base / "stage"
    stage.mkdir()
    bot = tenant / "bot.lua"
    v2, v3, broken, broken_line = versions_of(bot.read_text())

    chat = harness.Process([parley, "chat", tenant, "--data", base / "data"], cwd=base, stdin=True)
    sent = {"n": 0}
    progress = threading.Condition()
    notes = []

    def feed():
        flow_control = True
        for i in range(1, LINES + 1):
            if flow_control and not chat.wait_count("out", i - WINDOW, timeout=3):
                flow_control = False  # replies may be buffered; keep the stream flowing anyway
                notes.append(f"replies lagged more than {WINDOW} lines at m{i}; "
                             "flow control switched off")
            if not chat.send(f"m{i}"):
                notes.append(f"parley stopped reading stdin at m{i}")
                break
            with progress:
                sent["n"] = i
                progress.notify_all()
            time.sleep(INTERVAL)
        with progress:
            sent["n"] = LINES + 1  # done (or gave up)
            progress.notify_all()

    def wait_sent(n):
        with progress:
            progress.wait_for(lambda: sent["n"] >= n, timeout=20)
            return sent["n"]

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        at_v2 = wait_sent(V2_AT)
        write(bot, v2, stage)
        at_broken = wait_sent(BROKEN_AT)
        write(bot, broken, stage)
        time.sleep(SETTLE)
        at_v3 = sent["n"]
        write(bot, v3, stage)
        feeder.join(timeout=30)
    finally:
        chat.close_stdin()
    rc = chat.wait(30)
    for note in notes:
        checks.info(f"[{label}] {note}")
    checks.info(f"[{label}] bot.lua rewritten after m{at_v2} (v2), m{at_broken} (broken, "
                f"error on line {broken_line}), m{at_v3} (v3)")

    out = chat.lines("out")
    err = chat.lines("err")
    detail = chat.describe()
    checks.check(rc == 0, f"[{label}] parley chat exits 0 once stdin is closed", detail)
    checks.check(at_v3 < LINES - 30,
                 f"[{label}] the test wrote v3 while input was still flowing (after m{at_v3})",
                 "the feeder was too slow; timings of this test need a look")

    stray = [line for line in out if not REPLY.match(line)]
    checks.check(not stray, f"[{label}] every stdout line is a reply 'vN #<n> <text>'",
                 "unexpected lines:\n" + "\n".join(stray[:20]))

    replies = [REPLY.match(line).groups() for line in out if REPLY.match(line)]
    texts = [text for _, _, text in replies]
    expected = [f"m{i}" for i in range(1, LINES + 1)]
    first_bad = next((i for i, (a, b) in enumerate(zip(texts, expected)) if a != b),
                     min(len(texts), len(expected)))
    checks.check(texts == expected,
                 f"[{label}] one reply per input, in order: m1..m{LINES} each exactly once",
                 f"{len(texts)} replies; first difference at reply {first_bad + 1}: "
                 f"expected {expected[first_bad:first_bad + 3]}, got {texts[first_bad:first_bad + 3]}"
                 if texts != expected else None)

    counts = [int(n) for _, n, _ in replies]
    first_bad = next((i for i, n in enumerate(counts) if n != i + 1), None)
    checks.check(counts == list(range(1, LINES + 1)),
                 f"[{label}] the session counter runs 1..{LINES} across reloads (session kept)",
                 f"{len(counts)} counters; first wrong: reply {first_bad + 1} is "
                 f"{' '.join(replies[first_bad])!r}" if first_bad is not None
                 else f"{len(counts)} counters, expected {LINES}")

    versions = [v for v, _, _ in replies]
    checks.check("vX" not in versions,
                 f"[{label}] the version with a syntax error never answered",
                 "\n".join(line for line in out if line.startswith("vX"))[:2000])
    known = [v for v in versions if v in ORDER]
    backwards = next((i for i in range(1, len(known)) if ORDER[known[i]] < ORDER[known[i - 1]]), None)
    checks.check(backwards is None, f"[{label}] versions never go backwards (v1 -> v2 -> v3)",
                 f"{known[backwards - 1]} then {known[backwards]} at reply {backwards + 1}"
                 if backwards is not None else None)
    checks.check(known[:1] == ["v1"], f"[{label}] the first reply comes from v1",
                 f"first reply: {out[:1]}")
    for v in ("v2", "v3"):
        if v in versions:
            checks.info(f"[{label}] {v} first answered m{versions.index(v) + 1}")
    checks.check("v2" in versions, f"[{label}] the rewrite to v2 took effect", detail)
    checks.check("v3" in versions, f"[{label}] the rewrite to v3 took effect before input ended",
                 detail)

    line_tag = re.compile(rf"bot\.lua:{broken_line}:")
    reported = [line for line in err if "reload failed" in line and line_tag.search(line)]
    checks.check(bool(reported),
                 f"[{label}] stderr reports 'reload failed' with bot.lua:{broken_line}:",
                 "stderr:\n" + "\n".join(err[-20:]))
    if reported:
        checks.info(f"[{label}] {reported[0]}")


def test(parley, checks, tmp):
    run_variant(parley, checks, tmp, "rename", write_by_rename)
    run_variant(parley, checks, tmp, "in-place", write_in_place)


if __name__ == "__main__":
    harness.main(test)
