#!/usr/bin/env python3
"""Bad input gets a clear message and a non-zero exit; in serve, the other tenants keep
running.

Covers: a bot.lua that does not compile, a folder without tenant.lua, a bad value and an
unknown key in tenant.lua, unknown options and subcommands, a bad duration typed in the
console, a bad duration passed to ctx:remind_in by a script, and `parley serve` over one
good and one broken tenant.

Usage: python3 test_bad_input.py PATH/TO/parley
"""

import re
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import harness  # noqa: E402  (tests/integration/harness.py)

BROKEN_LINE = 5    # the syntax error in fixtures/syntax_error/bot.lua
REMIND_LINE = 5    # the ctx:remind_in("soon", ...) call in fixtures/bad_duration/bot.lua


def has(text, pattern):
    return re.search(pattern, text) is not None


def expect_exit(checks, result, code, what):
    return checks.check(result.rc == code, f"{what}: exit {code}", result.describe())


def test(parley, checks, tmp):
    P = parley

    # --- tenants that do not load -------------------------------------------------------
    broken = harness.copy_fixture("syntax_error", tmp / "t-syntax" / "broken")
    r = harness.run([P, "check", broken], cwd=tmp)
    expect_exit(checks, r, 1, "check on a bot.lua with a syntax error")
    checks.check(has(r.err, rf"bot\.lua:{BROKEN_LINE}:"),
                 f"check on a syntax error: stderr names bot.lua:{BROKEN_LINE}:", r.describe())
    checks.check(not has(r.out, r"^ok\b"), "check on a syntax error does not print 'ok'",
                 r.describe())

    r = harness.run([P, "chat", broken, "--data", tmp / "d-syntax"], input="hello\n", cwd=tmp)
    expect_exit(checks, r, 1, "chat on a bot.lua with a syntax error")
    checks.check(has(r.err, rf"bot\.lua:{BROKEN_LINE}:"),
                 f"chat on a syntax error: stderr names bot.lua:{BROKEN_LINE}:", r.describe())

    no_config = harness.copy_fixture("timer_bot", tmp / "t-noconfig" / "noconfig")
    (no_config / "tenant.lua").unlink()
    r = harness.run([P, "check", no_config], cwd=tmp)
    expect_exit(checks, r, 1, "check on a folder without tenant.lua")
    checks.check("tenant.lua" in r.err, "check without tenant.lua: stderr names tenant.lua",
                 r.describe())

    bad_limits = harness.copy_fixture("bad_limits", tmp / "t-limits" / "badlimits")
    r = harness.run([P, "check", bad_limits], cwd=tmp)
    expect_exit(checks, r, 1, "check on tenant.lua with limits.memory = \"lots\"")
    checks.check("limits.memory" in r.err and "tenant.lua" in r.err,
                 "bad limits.memory: stderr names tenant.lua and the key limits.memory",
                 r.describe())
    if "lots" not in r.err:
        checks.info("the message does not quote the bad value \"lots\" (docs' example does)")

    unknown_key = harness.copy_fixture("timer_bot", tmp / "t-key" / "unknownkey")
    (unknown_key / "tenant.lua").write_text(
        'return {\n  error_reply = "ERROR-REPLY",\n  colour = "blue",\n'
        '  channels = { console = {} },\n}\n')
    r = harness.run([P, "check", unknown_key], cwd=tmp)
    expect_exit(checks, r, 1, "check on tenant.lua with an unknown key 'colour'")
    checks.check("colour" in r.err, "unknown key: stderr names the key 'colour'", r.describe())

    good = harness.copy_fixture("timer_bot", tmp / "t-good" / "good")
    r = harness.run([P, "check", good], cwd=tmp)
    expect_exit(checks, r, 0, "check on a good tenant")
    checks.check(has(r.out, r"^ok .*\(version \S+\)"), "check on a good tenant prints 'ok DIR (version V)'",
                 r.describe())

    # --- usage errors --------------------------------------------------------------------
    r = harness.run([P, "chat", good, "--data", tmp / "d-opt", "--bogus-option"],
                    input="/late\n", cwd=tmp)
    expect_exit(checks, r, 2, "chat with an unknown option")
    checks.check("--bogus-option" in r.err, "chat with an unknown option: stderr names it",
                 r.describe())

    r = harness.run([P, "serve", "--tenants", tmp / "t-good", "--data", tmp / "d-opt2",
                     "--bogus-option"], cwd=tmp, timeout=10)
    expect_exit(checks, r, 2, "serve with an unknown option")
    checks.check("--bogus-option" in r.err, "serve with an unknown option: stderr names it",
                 r.describe())

    r = harness.run([P, "frobnicate"], cwd=tmp)
    expect_exit(checks, r, 2, "unknown subcommand 'frobnicate'")
    checks.check("frobnicate" in r.err, "unknown subcommand: stderr names it", r.describe())

    r = harness.run([P], cwd=tmp)
    expect_exit(checks, r, 2, "no subcommand at all")

    r = harness.run([P, "version"], cwd=tmp)
    expect_exit(checks, r, 0, "parley version")
    checks.check(has(r.out, r"^parley \S+ \(Lua 5\.4\.\d+, libuv \d+\.\d+\.\d+, LMDB \d+\.\d+\.\d+\)"),
                 "parley version prints 'parley VERSION (Lua 5.4.x, libuv x.y.z, LMDB x.y.z)'",
                 r.describe())

    r = harness.run([P, "chat", good, "--data", tmp / "d-adv"], input=":advance 3x\n", cwd=tmp)
    expect_exit(checks, r, 2, "chat with ':advance 3x' on piped stdin")
    checks.check("3x" in r.err, "':advance 3x': stderr names the bad duration '3x'", r.describe())

    # --- a script error at run time: the user gets error_reply, nothing is kept ----------
    bad_duration = harness.copy_fixture("bad_duration", tmp / "t-dur" / "baddur")
    r = harness.run([P, "chat", bad_duration, "--data", tmp / "d-dur"],
                    input="/remind\n/touched\n/ping\n", cwd=tmp)
    checks.check(r.rc in (0, 1) and not r.timed_out,
                 "chat with a failing handler ends normally (exit 0 or 1)", r.describe())
    checks.check(r.lines == ["Sorry, that went wrong (fixture).", "touched=nil", "pong"],
                 "remind_in(\"soon\"): the user gets error_reply, the failed event's session "
                 "change and reply are dropped, the next messages are answered", r.describe())
    checks.check(has(r.err, rf"bot\.lua:{REMIND_LINE}:") and "soon" in r.err,
                 f"remind_in(\"soon\"): stderr names bot.lua:{REMIND_LINE}: and the bad duration",
                 r.describe())

    # --- serve: a broken tenant is reported and skipped, the good one serves -------------
    tenants = tmp / "t-serve"
    harness.copy_fixture("timer_bot", tenants / "good")
    harness.copy_fixture("syntax_error", tenants / "broken")
    data = tmp / "d-serve"
    r = harness.run([P, "chat", tenants / "good", "--data", data], input="/arm_one 1\n", cwd=tmp)
    checks.check(r.rc == 0 and "armed late" in r.lines,
                 "chat: a timer is armed in the good tenant before serve starts", r.describe())
    serve = harness.Process([P, "serve", "--tenants", tenants, "--data", data], cwd=tmp)
    serving = serve.wait_line("err", r"\bserving\b", harness.START_TIMEOUT)
    checks.check(serving is not None, "serve with one broken tenant still logs 'serving'",
                 serve.describe())
    if serving:
        checks.info(serve.lines("err")[serving[0]])
    reported = [line for line in serve.lines("err")
                if "broken" in line and re.search(rf"bot\.lua:{BROKEN_LINE}:", line)]
    checks.check(bool(reported),
                 f"serve logs the broken tenant's error (a line naming 'broken' and bot.lua:{BROKEN_LINE}:)",
                 serve.describe())
    serve.wait_line("out", r"^good .*late=", 10)
    alive = serve.alive()
    rc = serve.stop(15)
    checks.check(alive, "serve keeps running with a broken tenant beside a good one",
                 serve.describe())
    checks.check(rc == 0, "serve with a broken tenant: SIGTERM -> exit 0", serve.describe())
    fired = [line for line in serve.lines("out") if "late=" in line]
    checks.check(len(fired) == 1 and fired[0].startswith("good "),
                 "the good tenant's timer fired in serve (stdout 'good CHANNEL:CHAT late=...')",
                 serve.describe())
    checks.check(bool(fired) and all(re.match(r"^good console:\S+ late=(true|false) fired=1$", line) for line in fired),
                 "serve prints timer replies as 'TENANT CHANNEL:CHAT TEXT'", "\n".join(fired))


if __name__ == "__main__":
    harness.main(test)
