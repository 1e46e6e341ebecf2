#!/usr/bin/env python3
"""Telegram end to end against telegram-test-api, a third-party Bot API emulator (npm,
pinned in tests/node), in polling and in webhook mode at once.

tests/integration/telegram_emulator.js starts the emulator on 127.0.0.1 (a free port) and
drives its own client (makeCommand / makeMessage / makeCallbackQuery, then its HTTP
client API) for the user side. parley serve runs two tenants of the fixture
telegram_e2e against it, each with its own bot token: "tgpoll" (mode = "polling") and
"tghook" (mode = "webhook"; once parley's port is known, tenant.lua gains webhook_url =
http://127.0.0.1:<port>/hook/tghook/telegram, the live reload calls setWebhook, and the
emulator POSTs each update there). For each mode:
  - "/start booth_17" (a deep link's message, bot_command entity) reaches bot.on("start")
    with the payload; the reply, as the emulator recorded it, carries
    reply_markup.inline_keyboard with callback_data
  - the user presses the recorded button (a callback query with that callback_data): the
    button handler's reply arrives (from the session the deep link set), and
    answerCallbackQuery is called once with the query's id
  - a plain text -> its reply; /programme (~15,500 characters) -> sendMessage parts of <= 4096
    characters, in order, nothing lost, the keyboard on the last part only
  - every reply is seen exactly once, and every Bot API call parley made is well formed
    (checked here: the emulator checks nothing)
Emulator quirks this test shows rather than works around (parley's adapter is not bent to
them; our own fakes cover what the emulator cannot do: test_telegram_polling.py for
long-poll offsets and kill -9, test_telegram_webhook.py for secrets and faults):
  - getUpdates ignores offset, limit and timeout: it answers at once (short polling), so
    an idle parley polls about once a second and commits nothing for an empty answer (it
    used to poll in a loop, committing each empty answer); and it hands out each update
    once, marking it read whatever the offset says. Marking them unread again ("replay",
    as a server ignoring the offset would) gives parley update_ids below its offset: none
    is handled twice (parley_events_duplicate_total counts them)
  - no secret token: its webhook POSTs carry no X-Telegram-Bot-Api-Secret-Token, so once
    tghook sets secret_token parley answers them 401 and stores nothing; the emulator
    neither retries nor reports it (the failed delivery is only an unhandled rejection,
    recorded by the launcher)
The test FAILS (never skips) if node or the pinned package is missing.

Usage: python3 test_telegram_e2e.py PATH/TO/parley
"""

import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import harness  # noqa: E402  (tests/integration/harness.py)

HERE = Path(__file__).resolve().parent
LAUNCHER = HERE / "telegram_emulator.js"
PACKAGE = HERE.parent / "node" / "node_modules" / "telegram-test-api" / "package.json"
PINNED = "4.2.1"
BUDGET = 50
TEXT_MAX = 4096
TOKENS = {"tgpoll": "111111111:AAe2e-polling_token", "tghook": "222222222:AAe2e-webhook_token"}
ENV = {"tgpoll": "PARLEY_TEST_TG_E2E_POLL_TOKEN", "tghook": "PARLEY_TEST_TG_E2E_HOOK_TOKEN"}
USERS = {"tgpoll": {"userId": 501, "chatId": 501, "firstName": "Ana"},
         "tghook": {"userId": 502, "chatId": 502, "firstName": "Bo"}}
KEYBOARD = {"inline_keyboard": [[{"text": "Join the raffle", "callback_data": "raffle_join"},
                                 {"text": "Programme", "callback_data": "programme"}]]}


def long_text():
    """The fixture's /programme text (bot.lua builds the same)."""
    return " ".join(f"Sentence {n} of the long programme, with ümlauts 👋."
                    for n in range(1, 301)) + "\n\nThe end."


class Emulator:
    """telegram_emulator.js as a child process, one JSON command per line."""

    def __init__(self, node):
        self.proc = harness.Process([node, LAUNCHER], stdin=True)
        self.next_id = 0
        found = self.proc.wait_line("out", r'^\{"ready":true', 15)
        self.ready = json.loads(found[1].string) if found else None
        self.api = self.ready["api"] if self.ready else None

    def call(self, op, timeout=10, **args):
        self.next_id += 1
        n = self.next_id
        start = self.proc.count("out")
        if not self.proc.send(json.dumps({"id": n, "op": op, **args})):
            raise RuntimeError(f"the emulator no longer reads commands\n{self.proc.describe()}")
        found = self.proc.wait_line("out", rf'^\{{"id":{n},', timeout, start)
        if not found:
            raise RuntimeError(f"no answer to {op} in {timeout} s\n{self.proc.describe()}")
        answer = json.loads(found[1].string)
        if not answer["ok"]:
            raise RuntimeError(f"{op}: {answer['error']}")
        return answer["result"]

    def sent(self, tenant):
        """What the bot sent to this tenant's user, as the emulator recorded it (in order)."""
        return [h["message"] for h in self.call("history", token=TOKENS[tenant])
                if "chat_id" in h.get("message", {})
                and str(h["message"]["chat_id"]) == str(USERS[tenant]["chatId"])]

    def calls(self, tenant, method=None):
        return [c for c in self.call("calls") if c["token"] == TOKENS[tenant]
                and (method is None or c["method"] == method)]


def call_problems(c):
    """What is wrong with one Bot API call parley made (CHANNELS.md §1), as a list."""
    problems = []
    body = c["body"] if isinstance(c["body"], dict) else {}
    if c["status"] != 200:
        problems.append(f"the emulator answered {c['status']}")
    if c["method"] == "getUpdates":
        q = c["query"]
        if c["http"] != "GET" or not re.fullmatch(r"\d+", q.get("offset", "")) \
                or not re.fullmatch(r"\d+", q.get("timeout", "")):
            problems.append(f"getUpdates without offset/timeout: {c['http']} {q}")
        return problems
    if c["http"] != "POST" or not (c["content_type"] or "").startswith("application/json"):
        problems.append(f"{c['http']} with Content-Type {c['content_type']!r}")
    if c["method"] == "sendMessage":
        text = body.get("text")
        if set(body) - {"chat_id", "text", "reply_markup"}:
            problems.append(f"unexpected fields {sorted(set(body))}")
        if not isinstance(body.get("chat_id"), int):
            problems.append(f"chat_id {body.get('chat_id')!r} is not an integer")
        if not isinstance(text, str) or not text.strip() or len(text) > TEXT_MAX:
            problems.append(f"text is not 1-{TEXT_MAX} characters")
        for row in (body.get("reply_markup") or {}).get("inline_keyboard", []):
            for b in row:
                if set(b) != {"text", "callback_data"} \
                        or not 1 <= len(b["callback_data"].encode()) <= 64:
                    problems.append(f"BUTTON_DATA_INVALID: {b}")
    elif c["method"] == "answerCallbackQuery":
        if set(body) != {"callback_query_id"} or not body["callback_query_id"]:
            problems.append(f"answerCallbackQuery body {body}")
    elif c["method"] == "setWebhook":
        if not str(body.get("url", "")).startswith("http") \
                or not isinstance(body.get("allowed_updates"), list):
            problems.append(f"setWebhook body {body}")
    elif c["method"] != "deleteWebhook":
        problems.append(f"unexpected method {c['method']}")
    return problems


def test(parley, checks, tmp):
    node = shutil.which("node")
    if not checks.check(node is not None, "node is installed (the emulator is an npm package)",
                        "node was not found on PATH: run sh scripts/install-deps.sh test"):
        return
    version = harness.parse_json(PACKAGE.read_text()).get("version") if PACKAGE.is_file() \
        else None
    if not checks.check(version == PINNED, f"telegram-test-api {PINNED} is installed in "
                        "tests/node", f"found {version!r} at {PACKAGE}: run "
                        "sh scripts/install-deps.sh test (npm ci in tests/node)"):
        return
    emu = Emulator(node)
    if not checks.check(emu.ready is not None, "the emulator starts on 127.0.0.1 (free port)",
                        emu.proc.describe()):
        return
    checks.info(f"telegram-test-api {emu.ready['version']} on {emu.api}")

    for tenant in TOKENS:
        os.environ[ENV[tenant]] = TOKENS[tenant]
    tenants = tmp / "tenants"

    def write_tenant(tenant, mode, webhook_url=None, secret=None):
        d = tenants / tenant
        if d.exists():
            shutil.rmtree(d)
        harness.copy_fixture("telegram_e2e", d, API_BASE=emu.api, MODE=mode,
                             TOKEN_ENV=ENV[tenant],
                             WEBHOOK_URL=json.dumps(webhook_url) if webhook_url else "nil")
        if secret:  # one more setting in the channel's table
            lua = d / "tenant.lua"
            lua.write_text(lua.read_text().replace("poll_timeout = 1,",
                                                   f'poll_timeout = 1, secret_token = "{secret}",'))

    write_tenant("tgpoll", "polling")
    write_tenant("tghook", "webhook")
    data = tmp / "data"
    serve, base = harness.serve_checked(checks, "serve with a polling and a webhook tenant",
                                        parley, tenants, data, tmp)
    if base is None:
        return

    # ---- setup: polling clears the webhook; webhook mode registers parley's URL ----
    harness.wait_for(lambda: emu.calls("tgpoll", "getUpdates"), 10)
    calls = emu.calls("tgpoll")
    checks.check(calls and calls[0]["method"] == "deleteWebhook"
                 and any(c["method"] == "getUpdates" for c in calls),
                 "tgpoll: deleteWebhook at start, then getUpdates",
                 [c["method"] for c in calls][:5])
    hook_url = f"http://{base[0]}:{base[1]}/hook/tghook/telegram"
    mark = serve.count("err")
    write_tenant("tghook", "webhook", hook_url)
    checks.check(serve.wait_line("err", r"tghook: reloaded", 15, mark) is not None,
                 "tghook: tenant.lua gains webhook_url -> reloaded", serve.describe())
    harness.wait_for(lambda: emu.call("webhooks").get(TOKENS["tghook"]), 10)
    hook = emu.call("webhooks").get(TOKENS["tghook"]) or {}
    checks.check(hook.get("url") == hook_url and "message" in hook.get("allowed_updates", []),
                 "tghook: the reload called setWebhook: the emulator now posts updates to "
                 "parley's /hook/tghook/telegram", hook)

    # ---- the scenario, in each mode ----
    for tenant in TOKENS:
        user, token = USERS[tenant], TOKENS[tenant]

        def replies(n, timeout=15):
            harness.wait_for(lambda: len(emu.sent(tenant)) >= n, timeout, 0.2)
            return emu.sent(tenant)

        emu.call("command", token=token, user=user, text="/start booth_17")
        got = replies(1)
        first = got[0] if got else {}
        name = user["firstName"]
        checks.check(first.get("text") == f"Welcome to booth_17, {name}! Join the raffle?",
                     f"{tenant}: '/start booth_17' reaches bot.on(\"start\") with the payload "
                     "and the user's name", got)
        checks.check(first.get("reply_markup") == KEYBOARD,
                     f"{tenant}: the recorded reply carries reply_markup.inline_keyboard with "
                     "callback_data", first.get("reply_markup"))
        button = (first.get("reply_markup") or KEYBOARD)["inline_keyboard"][0][0]
        emu.call("callback", token=token, user=user, data=button["callback_data"])
        got = replies(2)
        checks.check(len(got) >= 2 and got[1].get("text")
                     == "You are in the raffle at booth_17 (ticket 1).",
                     f"{tenant}: pressing '{button['text']}' (callback query) runs its handler, "
                     "which sees the session the deep link set", [m.get("text") for m in got])
        harness.wait_for(lambda: emu.calls(tenant, "answerCallbackQuery"), 5)
        answers = [c["body"] for c in emu.calls(tenant, "answerCallbackQuery")]
        checks.check(len(answers) == 1 and answers[0].get("callback_query_id"),
                     f"{tenant}: answerCallbackQuery once, with the query's id", answers)

        emu.call("message", token=token, user=user, text="hello there")
        got = replies(3)
        checks.check(len(got) >= 3 and got[2].get("text") == "You said: hello there",
                     f"{tenant}: a plain text -> its reply", [m.get("text") for m in got])

        emu.call("command", token=token, user=user, text="/programme")
        original = long_text()
        want_parts = -(-len(original) // TEXT_MAX)  # at least this many
        harness.wait_for(lambda: len(emu.sent(tenant)) >= 3 + want_parts, 15, 0.2)
        time.sleep(1.0)  # time for a (wrong) extra or repeated message to show
        got = emu.sent(tenant)
        parts = got[3:]
        lengths = [len(p.get("text", "")) for p in parts]
        checks.info(f"{tenant}: /programme: {len(original)} characters -> parts of {lengths}")
        checks.check(len(parts) >= want_parts and all(0 < n <= TEXT_MAX for n in lengths),
                     f"{tenant}: a {len(original)}-character reply arrives split into parts of "
                     f"<= {TEXT_MAX} characters", lengths)
        checks.check(" ".join(" ".join(p.get("text", "") for p in parts).split())
                     == " ".join(original.split()),
                     f"{tenant}: ... in order, nothing lost or cut inside a word", lengths)
        checks.check([p.get("reply_markup") for p in parts[:-1]] == [None] * (len(parts) - 1)
                     and parts and parts[-1].get("reply_markup") == {
                         "inline_keyboard": [[{"text": "Join the raffle",
                                               "callback_data": "raffle_join"}]]},
                     f"{tenant}: ... the keyboard on the last part only",
                     [p.get("reply_markup") for p in parts])
        texts = [m.get("text") for m in got]
        checks.check(len(got) == 3 + len(parts) and len(set(texts)) == len(texts),
                     f"{tenant}: every reply seen exactly once ({len(got)} messages)",
                     [t[:40] for t in texts])

    # ---- quirk: getUpdates ignores the offset ----
    polls = emu.calls("tgpoll", "getUpdates")
    span = (polls[-1]["t"] - polls[0]["t"]) / 1000
    commits = harness.metric(base, "parley_commits_total")
    time.sleep(2)
    idle_commits = harness.metric(base, "parley_commits_total") - commits
    checks.info(f"tgpoll: {len(polls)} getUpdates in {span:.1f} s")
    checks.check(len(polls) <= span + 12 and idle_commits == 0,
                 "quirk: the emulator answers getUpdates at once (it ignores timeout): idle, "
                 "parley polls about once a second (not in a loop), and an empty answer "
                 "commits nothing", f"{len(polls)} polls in {span:.1f} s; {idle_commits} "
                 "commits in 2 idle seconds")
    offsets = [int(c["query"]["offset"]) for c in polls]
    user_updates = [h for h in emu.call("history", token=TOKENS["tgpoll"])
                    if "chat_id" not in h.get("message", {})]
    last_id = max((u["updateId"] for u in user_updates), default=0)
    checks.check(offsets == sorted(offsets) and offsets and offsets[-1] == last_id + 1,
                 f"tgpoll: parley's getUpdates offset only moves forward, to the last update "
                 f"+ 1 ({last_id + 1})", offsets[-5:])
    dup_before = harness.metric(base, "parley_events_duplicate_total", "tgpoll")
    sent_before = len(emu.sent("tgpoll"))
    n = emu.call("replay", token=TOKENS["tgpoll"])
    mark = len(emu.calls("tgpoll", "getUpdates"))
    harness.wait_for(lambda: harness.metric(base, "parley_events_duplicate_total", "tgpoll")
                     >= dup_before + n, 10, 0.2)
    time.sleep(1.0)
    again = len(emu.calls("tgpoll", "getUpdates")) - mark
    checks.check(n == len(user_updates) and n >= 4 and again > 0,
                 f"quirk: the emulator hands out all {n} updates again though parley's offset "
                 "is past them (it ignores offset)", (n, len(user_updates), again))
    checks.check(harness.metric(base, "parley_events_duplicate_total", "tgpoll")
                 == dup_before + n and len(emu.sent("tgpoll")) == sent_before,
                 "... and parley handles none of them twice (counted as duplicates, no reply)",
                 (dup_before, harness.metric(base, "parley_events_duplicate_total", "tgpoll"),
                  sent_before, len(emu.sent("tgpoll"))))

    # ---- every call well formed; webhook deliveries all accepted ----
    bad = [(c["method"], p) for t in TOKENS for c in emu.calls(t) for p in call_problems(c)]
    checks.check(not bad, "every Bot API call parley made was well formed (method, JSON, "
                 "fields, limits)", bad[:10])
    checks.check(not emu.call("failures"), "every webhook POST of the emulator was answered 2xx",
                 emu.call("failures"))

    # ---- quirk: no secret token header ----
    mark = serve.count("err")
    write_tenant("tghook", "webhook", hook_url, secret="e2e-secret_1")
    checks.check(serve.wait_line("err", r"tghook: reloaded", 15, mark) is not None,
                 "tghook: secret_token set -> reloaded", serve.describe())
    harness.wait_for(lambda: (emu.call("webhooks").get(TOKENS["tghook"]) or {})
                     .get("secret_token") == "e2e-secret_1", 10)
    checks.check((emu.call("webhooks").get(TOKENS["tghook"]) or {}).get("secret_token")
                 == "e2e-secret_1", "... and setWebhook passed the secret_token",
                 emu.call("webhooks"))
    accepted = harness.metric(base, "parley_events_accepted_total", "tghook")
    sent_before = len(emu.sent("tghook"))
    emu.call("message", token=TOKENS["tghook"], user=USERS["tghook"], text="no secret")
    harness.wait_for(lambda: emu.call("failures"), 10, 0.2)
    time.sleep(0.5)
    failures = emu.call("failures")
    checks.check(len(failures) == 1 and failures[0]["status"] == 401,
                 "quirk: the emulator posts without X-Telegram-Bot-Api-Secret-Token -> parley "
                 "answers 401 (and the emulator does not retry)", failures)
    checks.check(harness.metric(base, "parley_events_accepted_total", "tghook") == accepted
                 and len(emu.sent("tghook")) == sent_before,
                 "... and nothing was stored or answered", accepted)

    # ---- back to polling, by a reload ----
    mark = serve.count("err")
    write_tenant("tghook", "polling")
    checks.check(serve.wait_line("err", r"tghook: reloaded", 15, mark) is not None,
                 "tghook: mode = \"polling\" -> reloaded", serve.describe())
    harness.wait_for(lambda: TOKENS["tghook"] not in emu.call("webhooks"), 10)
    checks.check(TOKENS["tghook"] not in emu.call("webhooks"),
                 "... deleteWebhook: the emulator keeps the updates for getUpdates again",
                 emu.call("webhooks"))
    emu.call("message", token=TOKENS["tghook"], user=USERS["tghook"], text="polling again")
    harness.wait_for(lambda: emu.sent("tghook")[-1:] and
                     emu.sent("tghook")[-1].get("text") == "You said: polling again", 10, 0.2)
    checks.check(emu.sent("tghook")[-1].get("text") == "You said: polling again",
                 "... and the reloaded tenant polls: the next message is answered (no restart)",
                 [m.get("text", "")[:60] for m in emu.sent("tghook")[-2:]])

    serve.signal(15)
    checks.check(serve.wait(20) == 0, "SIGTERM -> exit 0", serve.describe())
    log = "\n".join(serve.lines("err"))
    checks.check("AddressSanitizer" not in log and "runtime error" not in log
                 and not any(t in log for t in TOKENS.values()),
                 "no sanitizer report, and no bot token in the log", serve.describe(40))
    emu.proc.close_stdin()
    checks.check(emu.proc.wait(10) == 0, "the emulator stops when its stdin closes",
                 emu.proc.describe())


if __name__ == "__main__":
    harness.main(test, BUDGET)
