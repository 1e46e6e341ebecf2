#!/usr/bin/env python3
"""The web chat's public routes are limited per client address (serve --client-rate,
--client-burst): a flood from one address gets 429 with Retry-After (readable by the
widget on another site: Access-Control-Expose-Headers) and stores nothing, while
visitors from other addresses go on, and the flooder is let in again once it waits.
Behind a reverse proxy (--trust-proxy) the client is the last X-Forwarded-For address
the proxy did not add itself; the header from any other peer is ignored, and addresses a
client prepends cannot buy it a fresh bucket. /metrics counts the refusals. With
--client-rate 0 there is no limit. Clients are 127.0.0.x source addresses (all this
machine), so nothing leaves loopback.

Usage: python3 test_webchat_limits.py PATH/TO/parley
"""

import json
import sys
import time

sys.dont_write_bytecode = True
import harness  # noqa: E402

TENANT = "lim"
BOT = 'bot.on("message", function(ctx, text) ctx:reply("got " .. text) end)\n'
RATE, BURST = 1, 5


class Client:
    """One address (source) talking to the web chat, optionally through headers."""

    def __init__(self, base, source, headers=None):
        self.base, self.source, self.headers = base, source, headers or {}
        self.visitor = self.token = None

    def post(self, route, doc):
        return harness.request(self.base, "POST", f"/webchat/{TENANT}/{route}", json.dumps(doc),
                               {"Content-Type": "text/plain", **self.headers},
                               source=self.source)

    def session(self):
        status, headers, body = self.post("session", {})
        doc = harness.parse_json(body) or {}
        self.visitor, self.token = doc.get("visitor"), doc.get("token")
        return status

    def send(self, cid, text):
        return self.post("send", {"visitor": self.visitor, "token": self.token, "cid": cid,
                                  "text": text})

    def stored(self):
        """The visitor's messages as stored (read from an address with tokens left)."""
        status, _, body = harness.request(
            self.base, "GET", f"/webchat/{TENANT}/feed?visitor={self.visitor}&token="
            f"{self.token}&after=0&wait=0", source="127.0.0.9")
        doc = harness.parse_json(body) or {}
        return [m.get("text") for m in doc.get("messages", []) if m.get("from") == "visitor"]


def flood(client, n, tag):
    """n sends as fast as they go: the statuses, the answers' headers, and how many of
    them the bucket may have taken: what it held (`tokens`), plus what refilled while
    the flood lasted (a loaded machine answers slowly)."""
    t0 = time.monotonic()
    got = [client.send(f"{tag}{i}", f"{tag} {i}") for i in range(n)]
    return [s for s, _, _ in got], [h for _, h, _ in got], time.monotonic() - t0


def sessions(client, n):
    """n session requests as fast as they go: the statuses, the time they took."""
    t0 = time.monotonic()
    return [client.session() for _ in range(n)], time.monotonic() - t0


def limited(statuses, held, elapsed):
    """The first `held` requests taken, at most what refilled meanwhile more, and the
    rest refused with 429 (no other status)."""
    ok = statuses.count(200)
    return (statuses[:held] == [200] * held and held <= ok <= held + int(elapsed * RATE) + 1
            and statuses.count(429) == len(statuses) - ok and 429 in statuses)


def test(parley, checks, tmp):
    d = tmp / "tenants" / TENANT
    d.mkdir(parents=True)
    (d / "tenant.lua").write_text(
        'return { channels = { webchat = { secret = "limits-test-secret-0123456789" } } }\n')
    (d / "bot.lua").write_text(BOT)
    data = str(tmp / "data")
    serve, base = harness.serve_checked(
        checks, "serve --client-rate 1 --client-burst 5 --trust-proxy 127.0.0.1", parley,
        str(tmp / "tenants"), data, tmp,
        extra=("--client-rate", str(RATE), "--client-burst", str(BURST),
               "--trust-proxy", "127.0.0.1"))
    if base is None:
        return
    a = Client(base, "127.0.0.2")
    checks.check(a.session() == 200, "a visitor from 127.0.0.2 gets a session (1 request)")
    statuses, headers, elapsed = flood(a, 12, "a")
    checks.check(limited(statuses, BURST - 1, elapsed),
                 f"a flood of 12 sends: the burst ({BURST} requests, the session's included) "
                 "is taken, the rest get 429", (statuses, elapsed))
    h = headers[statuses.index(429)] if 429 in statuses else {}
    checks.check(h.get("retry-after") == "1", "a 429 says Retry-After: 1 (one token a second)",
                 h)
    checks.check(h.get("access-control-allow-origin") == "*"
                 and "retry-after" in h.get("access-control-expose-headers", "").lower(),
                 "... with CORS, and Retry-After exposed to the widget's script on another site",
                 h)
    stored = a.stored()
    checks.check(stored == [f"a {i}" for i, st in enumerate(statuses) if st == 200],
                 "only the accepted sends are stored; the refused ones left nothing", stored)
    refused = statuses.count(429)

    b = Client(base, "127.0.0.3")
    checks.check(b.session() == 200 and b.send("b0", "b 0")[0] == 200,
                 "meanwhile a visitor from another address is served")
    time.sleep(int(h.get("retry-after") or 1))
    status = a.send("a-late", "a late")[0]
    checks.check(status == 200, "after waiting Retry-After, the flooder is let in again", status)
    statuses, _, elapsed = flood(a, BURST, "late")
    refused += statuses.count(429)
    checks.check(limited(statuses, 0, elapsed),
                 "... for as many requests as the rate refilled meanwhile, not a new burst",
                 (statuses, elapsed))

    # Behind a proxy: from 127.0.0.1 (trusted) X-Forwarded-For names the client.
    p1 = Client(base, "127.0.0.1", {"X-Forwarded-For": "198.51.100.7"})
    p1.session()
    statuses, _, elapsed = flood(p1, 8, "p")
    refused += statuses.count(429)
    checks.check(limited(statuses, BURST - 1, elapsed),
                 "through the trusted proxy, 198.51.100.7 has its own bucket (burst, then 429)",
                 statuses)
    p2 = Client(base, "127.0.0.1", {"X-Forwarded-For": "198.51.100.8"})
    checks.check(p2.session() == 200, "... and 198.51.100.8 behind the same proxy is served")
    spoof = Client(base, "127.0.0.1", {"X-Forwarded-For": "203.0.113.1, 198.51.100.7"})
    statuses, elapsed = sessions(spoof, 3)
    refused += statuses.count(429)
    checks.check(limited(statuses, 0, elapsed),
                 "an address the client prepended to X-Forwarded-For is not believed: it still "
                 "counts as 198.51.100.7 (the proxy's entry, the last), whose bucket is spent",
                 statuses)
    chain = Client(base, "127.0.0.1", {"X-Forwarded-For": "198.51.100.7, 127.0.0.1"})
    statuses, elapsed = sessions(chain, 3)
    refused += statuses.count(429)
    checks.check(limited(statuses, 0, elapsed),
                 "two trusted proxies in a row: the client is the last address they did not add",
                 statuses)
    direct = Client(base, "127.0.0.4", {"X-Forwarded-For": "198.51.100.50"})
    direct.session()
    statuses, _, elapsed = flood(direct, 8, "x")
    refused += statuses.count(429)
    checks.check(limited(statuses, BURST - 1, elapsed),
                 "from a peer that is not a trusted proxy the header is ignored: each request "
                 "counts against the peer, whatever it claims", statuses)
    other = Client(base, "127.0.0.4", {"X-Forwarded-For": "198.51.100.51"})
    statuses, elapsed = sessions(other, 3)
    refused += statuses.count(429)
    checks.check(limited(statuses, 0, elapsed), "... so a new claimed address buys it nothing",
                 statuses)

    counted = harness.metric(base, "parley_client_limited_total")
    checks.check(counted == refused, f"/metrics counts every 429 the clients got ({refused})",
                 counted)
    checks.check(harness.request(base, "POST", f"/hook/{TENANT}/webchat", "{}",
                                 source="127.0.0.2")[0] != 429,
                 "webhooks (/hook/...) are not limited per address: channels' servers send many")
    checks.check(serve.stop() == 0, "SIGTERM -> exit 0", serve.describe())

    serve, base = harness.serve_checked(checks, "serve --client-rate 0", parley,
                                        str(tmp / "tenants"), data, tmp,
                                        extra=("--client-rate", "0", "--client-burst", "2"))
    if base is None:
        return
    c = Client(base, "127.0.0.5")
    c.session()
    statuses, _, _ = flood(c, 20, "c")
    checks.check(statuses == [200] * 20, "--client-rate 0: no limit (20 sends at once)", statuses)
    checks.check(serve.stop() == 0, "SIGTERM -> exit 0", serve.describe())
    for args, what in [(["--client-rate", "fast"], "--client-rate fast"),
                       (["--client-burst", "0"], "--client-burst 0"),
                       (["--trust-proxy", "10.0.0.1,proxy.local"], "--trust-proxy proxy.local")]:
        r = harness.run([parley, "serve", "--tenants", str(tmp / "tenants"), "--data",
                         str(tmp / "other"), *args], timeout=10)
        checks.check(r.rc == 2 and what.split()[0] in r.err and not (tmp / "other").exists(),
                     f"{what}: a usage error naming the flag (exit 2), nothing opened",
                     r.describe())


if __name__ == "__main__":
    harness.main(test)
