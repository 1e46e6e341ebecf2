#!/usr/bin/env python3
"""Each channel of a tenant has its own bot-wide rate: one tenant on the http channel
(rate_per_second = 2) and on a third-party channel (rate_per_second = 2 as well) sends
a burst of 8 on both at once; each channel's messages leave at 2/s, side by side — a
bucket shared by the tenant's channels would let only 2/s out in all, and the burst
would take twice as long.

Usage: python3 test_pacing_channels.py PATH/TO/parley
"""

import sys
import threading

sys.dont_write_bytecode = True
import harness  # noqa: E402

SECRET = "pacing-secret-1"
N = 8
RATE = 2
ECHO_RATE = 2
BOT = r"""
bot.on("message", function(ctx, text)
  local n = tonumber(text:match("^burst (%d+)$"))
  for i = 1, n or 0 do ctx:reply(("part %d of %d"):format(i, n)) end
end)
"""


def test(parley, checks, tmp):
    sink = harness.Sink()
    d = tmp / "tenants" / "two"
    d.mkdir(parents=True)
    (d / "tenant.lua").write_text(
        'return { channels = {\n'
        f'  http = {{ secret = "{SECRET}", callback = "{sink.url("/http")}", '
        f'rate_per_second = {RATE} }},\n'
        f'  echo = {{ url = "{sink.url("/echo")}", rate_per_second = {ECHO_RATE} }},\n'
        '} }\n')
    (d / "bot.lua").write_text(BOT)
    serve, base = harness.serve_checked(checks, "serve a tenant on two channels", parley,
                                        tmp / "tenants", tmp / "data", tmp)
    if base is None:
        return

    def http_burst():
        status, _, body = harness.post_event(base, "two", {"id": "h1", "chat_id": "c1",
                                                           "user": {"id": "u1"},
                                                           "text": f"burst {N}"}, SECRET)
        got.append((status, body))
    got = []
    t = threading.Thread(target=http_burst)
    t.start()
    harness.request(base, "POST", "/hook/two/echo", f"e1:burst {N}", {"X-Echo-Id": "e1"})
    t.join()
    checks.check(got and got[0][0] == 200, "the http burst is accepted", got)

    def arrivals(path):
        return [r["t"] for r in sink.snapshot() if r["path"] == path and r["status"] == 200]
    harness.wait_for(lambda: len(arrivals("/http")) >= N and len(arrivals("/echo")) >= N, 20)
    http, echo = sorted(arrivals("/http")), sorted(arrivals("/echo"))
    checks.check(len(http) == N and len(echo) == N, f"{N} messages on each channel",
                 (len(http), len(echo)))
    harness.check_rate(checks, f"http at rate_per_second = {RATE} while the other channel "
                       "sends at its own rate", http, RATE)
    harness.check_rate(checks, f"echo at its own rate_per_second = {ECHO_RATE}", echo, ECHO_RATE)
    # At 2/s with a burst of 2, 8 messages take 3 s on each channel; 16 through one shared
    # bucket would take 7 s.
    span = max(http + echo) - min(http + echo) if http and echo else None
    checks.check(span is not None and span < 5.0,
                 "the two channels send side by side (all 16 within 5 s, not 7)",
                 round(span, 2) if span is not None else None)
    checks.check(serve.stop() == 0, "SIGTERM -> exit 0", serve.describe())


if __name__ == "__main__":
    harness.main(test)
