#!/usr/bin/env python3
"""Long polling through a channel plugin (the echo test plugin's poll_request /
poll_result, standing in for Telegram's getUpdates): updates are taken from a fake API by
offset; parley commits the updates and the new offset in one transaction before it polls
again. With kill -9 at random moments: every update is handled exactly once (nothing lost,
nothing twice) and the offset never skips an update. The fake answers at once when it has
nothing (short polling): an idle poller then asks about once a second, not in a loop, and
an empty answer commits nothing.

Usage: python3 test_channel_polling.py PATH/TO/parley
"""

import json
import random
import signal
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True
import harness  # noqa: E402

UPDATES = 60
CHATS = 4
BOT = """
bot.on("message", function(ctx, text)
  ctx.session.n = (ctx.session.n or 0) + 1
  ctx:reply(ctx.chat.id .. " #" .. ctx.session.n .. " " .. text)
end)
"""


class Updates:
    """The fake API: GET /updates?offset=N answers the updates with id >= N (at most 5),
    as getUpdates does, and an empty list at once if there are none (short polling);
    updates are released a few at a time while the test runs."""

    def __init__(self):
        self.lock = threading.Lock()
        self.released = 0
        self.offsets = []
        owner = self

        class Handler(harness.QuietHandler):
            def do_GET(self):
                q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                offset = int(q.get("offset", ["0"])[0])
                with owner.lock:
                    owner.offsets.append(offset)
                    ups = [{"id": i, "chat": f"c{i % CHATS}", "text": f"u{i}"}
                           for i in range(offset, owner.released)][:5]
                body = json.dumps({"updates": ups}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the poller was killed mid-answer
                    pass

        self.server = harness.serve_http(Handler)
        self.port = self.server.server_address[1]


def test(parley, checks, tmp):
    rng = random.Random(int(time.time()))
    sink = harness.Sink()
    api = Updates()
    tenants = tmp / "tenants"
    d = tenants / "poller"
    d.mkdir(parents=True)
    (d / "tenant.lua").write_text(
        'return { channels = { echo = { url = "%s", poll_url = "http://127.0.0.1:%d/updates" } } }\n'
        % (sink.url("/echo"), api.port))
    (d / "bot.lua").write_text(BOT)
    data = str(tmp / "data")
    serve, base = harness.serve_checked(checks, "serve with a polling channel", parley,
                                        str(tenants), data, tmp)
    kills = 0
    deadline = time.monotonic() + 25
    while api.released < UPDATES and time.monotonic() < deadline:
        with api.lock:
            api.released = min(UPDATES, api.released + rng.randint(1, 4))
        time.sleep(rng.uniform(0.05, 0.3))
        if kills < 4 and rng.random() < 0.25:
            serve.kill9()
            kills += 1
            serve, base = harness.serve_checked(checks, f"restart {kills} after kill -9", parley,
                                                str(tenants), data, tmp)
    handled = lambda: {r["text"].split(" ", 2)[2] for r in sink.got if r["path"] == "/echo"}
    harness.wait_for(lambda: len(handled()) >= UPDATES, 20)
    time.sleep(0.5)
    polls, commits = len(api.offsets), harness.metric(base, "parley_commits_total")
    time.sleep(3)
    polls = len(api.offsets) - polls
    commits = harness.metric(base, "parley_commits_total") - commits
    checks.check(polls <= 4, f"idle, with a server that answers at once: {polls} polls in 3 s "
                 "(at most one a second, no busy loop)", polls)
    checks.check(commits == 0, "... and an empty answer commits nothing", commits)
    serve.signal(signal.SIGTERM)
    checks.check(serve.wait(20) == 0, "SIGTERM -> exit 0", serve.describe())
    checks.info(f"{kills} kills; offsets asked: {len(api.offsets)} polls")
    texts = [r["text"] for r in sink.got if r["path"] == "/echo"]
    seen = {}
    for t in texts:
        chat, n, u = t.split(" ", 2)
        seen.setdefault(chat, {})[u] = n
    missing = [f"u{i}" for i in range(UPDATES) if f"u{i}" not in handled()]
    checks.check(not missing, f"every one of the {UPDATES} updates was handled", missing[:10])
    bad = []
    for chat, by_update in seen.items():
        ns = sorted(int(n[1:]) for n in set(by_update.values()))
        want = list(range(1, len(by_update) + 1))
        if ns != want:
            bad.append(f"{chat}: counters {ns}, expected {want}")
    checks.check(not bad, "no update handled twice (each chat's counter is 1..its updates)", bad)
    # The offset is committed with the updates it acknowledges, and polled only after:
    # across kills too, no poll ever asks for an offset below an earlier one.
    checks.check(api.offsets == sorted(api.offsets),
                 "offsets never move back, even across kill -9", api.offsets)
    harness.close_http(api.server)
    sink.close()


if __name__ == "__main__":
    harness.main(test)
