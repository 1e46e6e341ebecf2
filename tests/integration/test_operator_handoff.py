#!/usr/bin/env python3
"""Handoff to a human operator and back, through the admin API and `parley operator`.

serve runs with PARLEY_ADMIN_TOKEN set; tenant "desk" (fixture operator_bot) replies
"bot: <text>", and to "human" replies "connecting you" and calls ctx:handoff; its
bot.on("handback") replies "bot is back". In one chat of the http channel:
  "hello"                 -> "bot: hello"
  "human"                 -> "connecting you" (and the conversation goes to operators)
  "are you there?"        -> no reply: kept for the operator
  parley operator ... send "Hi, I am Ana"  -> the sink gets it with "operator" set
  parley operator with a wrong token       -> exit 1, the message names HTTP 401
  parley operator ... handback             -> "bot is back"
  "thanks"                -> "bot: thanks"
After SIGTERM (exit 0), `parley history` shows the whole conversation in order,
including "are you there?" and the operator's message. Then a serve without
PARLEY_ADMIN_TOKEN answers the admin routes 403 (and `parley operator` exits 1).

Usage: python3 test_operator_handoff.py PATH/TO/parley
"""

import json
import os
import re
import sys
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import harness  # noqa: E402  (tests/integration/harness.py)

SECRET = "operator-secret-1"   # fixtures/operator_bot/tenant.lua
TOKEN = "admin-token-for-tests-7"
TENANT, CHAT, OPERATOR = "desk", "c1", "ana"
REPLY_TIMEOUT = 5
QUIET = 1.5                    # seconds with no reply that count as "no reply"
BUDGET = 60


def set_token(value):
    """PARLEY_ADMIN_TOKEN for the processes started from now on (None: unset)."""
    if value is None:
        os.environ.pop("PARLEY_ADMIN_TOKEN", None)
    else:
        os.environ["PARLEY_ADMIN_TOKEN"] = value


def test(parley, checks, tmp):
    sink = harness.Sink()
    tenants = tmp / "tenants"
    tenant = harness.copy_fixture("operator_bot", tenants / TENANT, CALLBACK=sink.url())
    data = tmp / "data"
    set_token(TOKEN)
    serve, base = harness.serve_checked(checks, "serve (PARLEY_ADMIN_TOKEN set)", parley,
                                        tenants, data, tmp)
    if base is None:
        return
    url = f"http://{base[0]}:{base[1]}"
    seq = [0]

    def say(text):
        seq[0] += 1
        event = {"id": f"desk-{seq[0]}", "chat_id": CHAT,
                 "user": {"id": "u1", "name": "Uma"}, "text": text}
        st, _, body = harness.post_event(base, TENANT, event, SECRET)
        checks.check(st == 200, f"user says {text!r}: accepted (200)", f"{st} {body}")

    def operator(*action, at=url):
        return harness.run([parley, "operator", "--url", at, "--tenant", TENANT,
                            "--chat", f"http:{CHAT}", "--operator", OPERATOR, *action],
                           timeout=20, cwd=tmp)

    def expect_next(text, what, operator_field=None):
        """The sink's next message is `text` (and, if given, carries "operator")."""
        n = expect_next.seen + 1
        sink.wait_count(n, REPLY_TIMEOUT)
        got = sink.snapshot()
        new = got[expect_next.seen:n]
        ok = len(new) == 1 and new[0]["text"] == text and new[0]["chat"] == CHAT
        checks.check(ok, what, f"next message at the sink: {[g['body'] for g in new]}\n"
                     f"all so far: {[g['text'] for g in got]}\n{serve.describe()}")
        if ok and operator_field is not None:
            checks.check(new[0]["body"].get("operator") == operator_field,
                         f"... and it carries \"operator\": \"{operator_field}\" "
                         "(docs/http-channel.md)", f"the POSTed JSON: {new[0]['body']}")
        elif ok and "operator" in new[0]["body"]:
            checks.check(False, "... and a bot reply carries no \"operator\"",
                         f"the POSTed JSON: {new[0]['body']}")
        expect_next.seen = max(expect_next.seen, min(n, len(got)))
    expect_next.seen = 0

    say("hello")
    expect_next("bot: hello", "'hello' -> 'bot: hello'")
    say("human")
    expect_next("connecting you", "'human' -> 'connecting you' (and the handoff)")
    say("are you there?")
    time.sleep(QUIET)
    extra = sink.snapshot()[expect_next.seen:]
    checks.check(not extra, f"'are you there?' gets no reply within {QUIET} s: the bot's "
                 "handlers do not run while operators have the conversation",
                 f"{[g['text'] for g in extra]}")

    r = operator("send", "Hi, I am Ana")
    checks.check(r.rc == 0, "parley operator ... send 'Hi, I am Ana' exits 0", r.describe())
    expect_next("Hi, I am Ana", "the sink gets the operator's message next (nothing for "
                "'are you there?' before it)", OPERATOR)

    set_token("not-the-token")
    r = operator("send", "should never arrive")
    set_token(TOKEN)
    checks.check(r.rc == 1, "parley operator with a wrong token exits 1", r.describe())
    checks.check(re.search(r"\b401\b", r.err) is not None,
                 "its error message names HTTP 401", r.describe())

    r = operator("handback")
    checks.check(r.rc == 0, "parley operator ... handback exits 0", r.describe())
    expect_next("bot is back", "handback runs bot.on('handback'): 'bot is back'")
    say("thanks")
    expect_next("bot: thanks", "'thanks' -> 'bot: thanks': the bot answers again")
    time.sleep(0.5)
    texts = [g["text"] for g in sink.snapshot()]
    want = ["bot: hello", "connecting you", "Hi, I am Ana", "bot is back", "bot: thanks"]
    checks.check(texts == want, "the sink got exactly these messages, in order",
                 f"got {texts}\nwant {want}")

    checks.check(serve.stop() == 0, "SIGTERM -> exit 0", serve.describe())

    hist = harness.run([parley, "history", tenant, "--data", data], timeout=20, cwd=tmp)
    checks.check(hist.rc == 0, "parley history exits 0", hist.describe())
    # (direction, text) in order: "->" from the user, "<-" to the user
    want = [("->", "hello"), ("<-", "bot: hello"), ("->", "human"), ("<-", "connecting you"),
            ("->", "are you there?"), ("<-", "Hi, I am Ana"), ("<-", "bot is back"),
            ("->", "thanks"), ("<-", "bot: thanks")]
    pos, missing = 0, None
    for arrow, text in want:
        while pos < len(hist.lines):
            line = hist.lines[pos]
            pos += 1
            if f" {arrow} " in line and line.endswith(text):
                break
        else:
            missing = (arrow, text)
            break
    checks.check(missing is None, "parley history shows the whole conversation in order, "
                 "'are you there?' and the operator's message included",
                 f"missing (in order) {missing}\n{hist.describe(40)}")
    checks.check("should never arrive" not in hist.out,
                 "parley history has nothing of the refused (wrong-token) operator message",
                 hist.describe(40))
    checks.info("history: " + " | ".join(hist.lines))

    # ---- a server without PARLEY_ADMIN_TOKEN: the admin API is disabled ----
    set_token(None)
    serve2, base2 = harness.start_serve(parley, tenants, data, tmp)
    if not checks.check(base2 is not None, "serve without PARLEY_ADMIN_TOKEN starts",
                        serve2.describe()):
        return
    st, _, body = harness.request(base2, "POST",
                                  f"/admin/{TENANT}/conversations/http/{CHAT}/send",
                                  json.dumps({"text": "sneaky", "operator": "x"}),
                                  {"Content-Type": "application/json",
                                   "Authorization": f"Bearer {TOKEN}"})
    err = harness.parse_json(body)
    checks.check(st == 403 and isinstance(err, dict) and "error" in err,
                 "admin API without PARLEY_ADMIN_TOKEN on the server -> 403 with a JSON error",
                 f"{st} {body}")
    set_token(TOKEN)  # the client has a token; the server has none
    r = operator("send", "sneaky", at=f"http://{base2[0]}:{base2[1]}")
    set_token(None)
    checks.check(r.rc == 1 and re.search(r"\b403\b", r.err) is not None,
                 "parley operator against it exits 1 and names HTTP 403", r.describe())
    n = len(sink.snapshot())
    time.sleep(0.5)
    checks.check(len(sink.snapshot()) == n and "sneaky" not in [g["text"] for g in
                                                                sink.snapshot()],
                 "nothing reached the user", f"{[g['text'] for g in sink.snapshot()]}")
    checks.check(serve2.stop() == 0, "SIGTERM -> exit 0 (second serve)", serve2.describe())


if __name__ == "__main__":
    harness.main(test, budget=BUDGET)
