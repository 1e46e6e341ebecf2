#!/usr/bin/env python3
"""The web chat's waiting feed requests (long polls) are capped, so one busy bot cannot
take what the others need: 8 per visitor (a ninth answers the oldest at once), 1,000
per tenant and 8,000 in all (503 + Retry-After beyond, the widget retries), while other
tenants' polls still park. A page closed while its poll waits frees its place at once
(not when the wait would end), so closed tabs do not hold the caps. And `parley serve`
raises its open-files limit to the hard limit (a service manager's soft 1,024 would
refuse most of those connections), or says in its log that it is too low.

Clients are raw sockets, thousands at once; the test raises its own open-files limit.

Usage: python3 test_webchat_caps.py PATH/TO/parley
"""

import hashlib
import hmac
import resource
import select
import socket
import sys
import time

sys.dont_write_bytecode = True
import harness  # noqa: E402

SECRET = "caps-test-secret-0123456789abcdef"
PER_VISITOR, PER_TENANT, IN_ALL = 8, 1000, 8000
WAIT_MS = 20000  # longer than the test needs: a parked poll never ends on its own here


def token(visitor):
    return hmac.new(SECRET.encode(), visitor.encode(), hashlib.sha256).hexdigest()


class Polls:
    """Feed requests left waiting on their own connections."""

    def __init__(self, base):
        self.base = base
        self.socks = []

    def open(self, tenant, visitor):
        s = socket.create_connection(self.base, timeout=10)
        s.sendall((f"GET /webchat/{tenant}/feed?visitor={visitor}&token={token(visitor)}"
                   f"&after=0&wait={WAIT_MS} HTTP/1.1\r\nHost: t\r\n\r\n").encode())
        self.socks.append(s)
        return s

    def fill(self, tenant, n, prefix):
        """n polls of tenant, PER_VISITOR per visitor."""
        return [self.open(tenant, f"{prefix}{i // PER_VISITOR}") for i in range(n)]

    @staticmethod
    def answered(socks, within):
        """The sockets among socks that got an answer (or were closed) within `within` s."""
        p = select.poll()
        by_fd = {s.fileno(): s for s in socks}
        for fd in by_fd:
            p.register(fd, select.POLLIN)
        return [by_fd[fd] for fd, _ in p.poll(int(within * 1000))]

    @staticmethod
    def status(sock, timeout=10):
        """The status and body of sock's answer."""
        sock.settimeout(timeout)
        data = b""
        try:
            while b"\r\n\r\n" not in data or len(data) < data.find(b"\r\n\r\n") + 4 + int(
                    (data.split(b"content-length: ", 1) + [b"0"])[1].split(b"\r\n")[0] or 0):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk.replace(b"Content-Length: ", b"content-length: ")
        except OSError:
            pass
        head, _, body = data.partition(b"\r\n\r\n")
        parts = head.split(b" ", 2)
        return (int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None,
                body.decode("utf-8", "replace"))

    def close(self, socks=None):
        for s in socks if socks is not None else self.socks:
            s.close()
        if socks is None:
            self.socks = []


def limits_of(pid):
    for line in open(f"/proc/{pid}/limits"):
        if line.startswith("Max open files"):
            return [int(x) if x.isdigit() else x for x in line.split()[3:5]]
    return None


def test(parley, checks, tmp):
    tenants = tmp / "tenants"
    for i in range(1, 10):
        d = tenants / f"t{i}"
        d.mkdir(parents=True)
        (d / "tenant.lua").write_text('return { channels = { webchat = { secret = "%s" } } }\n'
                                      % SECRET)
        (d / "bot.lua").write_text('bot.on("message", function(ctx, t) ctx:reply(t) end)\n')
    data = str(tmp / "data")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)

    # The open-files limit: from a soft 1,024 up to the hard limit; too low a hard one is
    # logged.
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, hard), hard))
    serve, base = harness.serve_checked(checks, "serve (soft open-files limit 1024)", parley,
                                        str(tenants), data, tmp,
                                        extra=("--client-rate", "0"))
    want = min(hard, 1 << 20) if hard != resource.RLIM_INFINITY else 1 << 20
    got = limits_of(serve.pid)
    checks.check(got and got[0] == want,
                 f"serve raised its soft open-files limit to the hard limit ({want})", got)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if base is None:
        return
    if hard != resource.RLIM_INFINITY and hard < IN_ALL + 200:
        checks.info(f"the hard open-files limit is {hard}: the 8,000-in-all cap is checked "
                    "only where 8,200 sockets can be opened")
    polls = Polls(base)

    # Per visitor: a ninth poll answers the oldest at once (a reload, a second tab).
    first = polls.fill("t9", PER_VISITOR, "solo")
    ninth = polls.open("t9", "solo0")
    early = Polls.answered(first + [ninth], 2)
    checks.check(early == [first[0]],
                 f"a visitor's {PER_VISITOR + 1}th waiting poll answers its oldest at once; "
                 "the others wait", [first.index(s) if s in first else "9th" for s in early])
    checks.check(Polls.status(first[0])[0] == 200, "... with 200 and no messages")
    polls.close(first + [ninth])

    # Per tenant: 1,000 wait, the next gets 503, another tenant's still waits.
    t1 = polls.fill("t1", PER_TENANT, "a")
    checks.check(not Polls.answered(t1, 1), f"t1: {PER_TENANT} polls wait")
    over = polls.open("t1", "over")
    status, body = Polls.status(over)
    checks.check(status == 503 and "too many clients of this bot" in body,
                 f"t1: poll {PER_TENANT + 1} -> 503 naming the bot's limit", (status, body))
    other = polls.open("t2", "b-other")
    checks.check(not Polls.answered([other], 1),
                 "meanwhile a poll of another tenant (t2) waits as usual")

    # A closed page frees its place now, not when its wait would end (20 s).
    polls.close(t1[:10])
    time.sleep(0.3)
    again = polls.fill("t1", 10, "again")
    answered = Polls.answered(again, 1)
    checks.check(not answered, "10 pages of t1 closed: 10 new polls wait at once (the closed "
                 "ones' places were freed)", [Polls.status(s) for s in answered[:2]])

    # In all: 8,000 wait across tenants, the next gets 503.
    if hard == resource.RLIM_INFINITY or hard >= IN_ALL + 200:
        waiting = t1[10:] + again + [other]
        for i in range(2, 9):
            waiting += polls.fill(f"t{i}", PER_TENANT - (1 if i == 2 else 0), f"c{i}-")
        checks.check(len(waiting) == IN_ALL and not Polls.answered(waiting, 1),
                     f"{IN_ALL} polls wait across 8 tenants", len(waiting))
        status, body = Polls.status(polls.open("t9", "last"))
        checks.check(status == 503 and "too many clients are waiting" in body,
                     f"poll {IN_ALL + 1} (t9, under its own limit) -> 503: the limit in all",
                     (status, body))
    polls.close()
    checks.check(serve.stop() == 0, "SIGTERM with thousands of closed polls -> exit 0",
                 serve.describe())

    # A hard limit too low for the connections parley takes: said in the log.
    sh = ["sh", "-c", 'ulimit -n 2048 && exec "$0" "$@"', parley, "serve", "--tenants",
          str(tenants), "--data", data, "--listen", "127.0.0.1:0", "--workers", "1"]
    low = harness.Process(sh, cwd=tmp)
    line = low.wait_line("err", r"open files limited to 2048: .*LimitNOFILE", harness.START_TIMEOUT)
    checks.check(line is not None, "with a hard limit of 2048 the log says the limit is too "
                 "low and how to raise it", low.describe())
    checks.check(low.stop() == 0, "SIGTERM -> exit 0", low.describe())
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


if __name__ == "__main__":
    harness.main(test)
