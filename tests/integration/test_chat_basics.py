#!/usr/bin/env python3
"""The console channel as docs/cli.md describes it: buttons printed as `[1] Label` and
pressed by number or label, `/start PAYLOAD`, `:user NAME` (separate sessions, other
users' timer replies prefixed `(to NAME) `), `:advance` firing a timer, a second run on
the same --data continuing the conversation, `--user`, and `parley history`.

The fixture's replies all start with "R: "; lines that are neither a reply nor a button
(acknowledgements of console commands, if any) are ignored.

Usage: python3 test_chat_basics.py PATH/TO/parley
"""

import re
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import harness  # noqa: E402  (tests/integration/harness.py)

BOT_LINE = re.compile(r"^(\(to \S+\) )?(R: |\[\d+\] )")

FIRST_RUN = [
    "/start booth_17",
    "/start",
    "/menu",
    "1",              # press by number
    "/menu",
    "EXPO",           # press by label
    "/ticket",
    "Not yet",        # press by label, second button of a row
    "hello-u1",
    "1",              # no buttons pending any more: a plain message
    "/remind",        # a 1h timer for "user"
    ":user bob",
    "hello-bob",
    ":advance 30m",
    "/ping",
    ":advance 2h",    # fires user's timer while bob is the current user
    ":user user",
    "again-u1",
]

EXPECTED = [
    "R: start payload=booth_17",
    "R: start payload=nil",
    "R: Menu", "[1] Programme", "[2] EXPO",
    "R: pressed programme",
    "R: Menu", "[1] Programme", "[2] EXPO",
    "R: pressed expo",
    "R: Have you got a ticket?", "[1] Yes", "[2] Not yet",
    "R: pressed ticket_no",
    "R: echo 1 HELLO-U1",
    "R: echo 2 1",
    "R: reminder set",
    "R: echo 1 HELLO-BOB",
    "R: pong",
    "(to user) R: timer ping late=*",
    "R: echo 3 AGAIN-U1",
]


def after(lines, anchor, count):
    """The `count` lines after the first line equal to `anchor` (or None)."""
    if anchor not in lines:
        return None
    i = lines.index(anchor)
    return lines[i + 1:i + 1 + count]


def test(parley, checks, tmp):
    tenant = harness.copy_fixture("chat_basics", tmp / "basics")
    data = tmp / "data"

    def chat(lines, *extra):
        return harness.run([parley, "chat", tenant, "--data", data, *extra],
                           input="".join(line + "\n" for line in lines), cwd=tmp)

    r = chat(FIRST_RUN)
    checks.check(r.rc == 0, "chat with piped stdin exits 0 after the last line", r.describe())
    got = [line for line in r.lines if BOT_LINE.match(line)]
    ignored = [line for line in r.lines if not BOT_LINE.match(line)]
    if ignored:
        checks.info(f"{len(ignored)} stdout lines that are not bot replies: {ignored[:6]}")
    timer = next((line for line in got if "timer ping" in line), None)
    if timer:
        checks.info(f"timer reply: {timer!r}")
    normalised = [re.sub(r"late=\w+$", "late=*", line) if "timer ping" in line else line
                  for line in got]

    checks.check("R: start payload=booth_17" in got,
                 "/start booth_17 reaches the start handler with payload 'booth_17'", r.describe())
    checks.check("R: start payload=nil" in got,
                 "/start without payload reaches the start handler with payload nil", r.describe())
    checks.check(after(got, "R: Menu", 2) == ["[1] Programme", "[2] EXPO"],
                 "buttons (one per row) are printed as '[1] Programme', '[2] EXPO'",
                 f"after 'R: Menu': {after(got, 'R: Menu', 2)}")
    checks.check(after(got, "R: Have you got a ticket?", 2) == ["[1] Yes", "[2] Not yet"],
                 "buttons in one row are printed as '[1] Yes', '[2] Not yet'",
                 f"after the question: {after(got, 'R: Have you got a ticket?', 2)}")
    checks.check("R: pressed programme" in got, "typing '1' presses the first button",
                 r.describe())
    checks.check("R: pressed expo" in got and "R: pressed ticket_no" in got,
                 "typing a label ('EXPO', 'Not yet') presses that button", r.describe())
    checks.check("R: echo 2 1" in got,
                 "after a reply without buttons, '1' is a plain message", r.describe())
    checks.check("R: echo 1 HELLO-BOB" in got,
                 ":user bob starts a separate conversation (bob's own session)", r.describe())
    checks.check("R: echo 3 AGAIN-U1" in got,
                 ":user user returns to user's conversation and session", r.describe())
    pong = got.index("R: pong") if "R: pong" in got else None
    timer_at = next((i for i, line in enumerate(got) if "timer ping" in line), None)
    checks.check(timer_at is not None and pong is not None and timer_at > pong,
                 ":advance 30m does not fire a 1h timer; :advance 2h does", r.describe())
    checks.check(timer is not None and timer.startswith("(to user) R: timer ping"),
                 "a timer reply for another user than the current one is prefixed '(to user) '",
                 f"timer reply: {timer!r}")
    checks.check(normalised == EXPECTED, "the whole transcript is as expected, in order",
                 "expected:\n  " + "\n  ".join(EXPECTED) + "\ngot:\n  " + "\n  ".join(normalised))

    r = chat(["hello-again"])
    checks.check(r.rc == 0 and "R: echo 4 HELLO-AGAIN" in r.lines,
                 "a second chat run on the same --data continues user's conversation",
                 r.describe())
    r = chat(["hello-bob-2"], "--user", "bob")
    checks.check(r.rc == 0 and "R: echo 2 HELLO-BOB-2" in r.lines,
                 "--user bob continues bob's conversation", r.describe())

    r = harness.run([parley, "history", tenant, "--data", data], cwd=tmp)
    checks.check(r.rc == 0, "parley history exits 0", r.describe())
    text = r.out
    checks.check(all(s in text for s in ("hello-u1", "R: echo 1 HELLO-U1", "hello-bob",
                                         "R: echo 1 HELLO-BOB", "hello-again",
                                         "R: echo 4 HELLO-AGAIN", "R: timer ping")),
                 "history shows both directions of every conversation, timer replies included",
                 r.describe(60))
    checks.check("hello-u1" in text and "R: echo 1 HELLO-U1" in text
                 and text.index("hello-u1") < text.index("R: echo 1 HELLO-U1")
                 < text.index("again-u1"),
                 "history is oldest first (message, its reply, a later message)", r.describe(60))

    r = harness.run([parley, "history", tenant, "--data", data, "--user", "bob"], cwd=tmp)
    checks.check(r.rc == 0 and "hello-bob" in r.out and "hello-bob-2" in r.out
                 and "hello-u1" not in r.out and "hello-again" not in r.out,
                 "history --user bob shows bob's conversation only", r.describe(60))


if __name__ == "__main__":
    harness.main(test)
