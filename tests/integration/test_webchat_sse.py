#!/usr/bin/env python3
"""The web chat's stream (GET /webchat/<t>/events): the conversation as Server-Sent
Events, as the widget's EventSource reads them. The history first, then an event
"ready", then every message the moment it is committed (no polling delay); each event
has the message's number as its id, so a browser reconnecting with Last-Event-ID gets
what it missed and nothing twice. A wrong token is 401 before any stream starts; a
comment every 15 s keeps the stream alive through proxies; a visitor's ninth stream ends
the oldest; a SIGTERM ends the streams and, after the restart, a reconnect from the last
id carries on. Streams are read over raw sockets, as a browser does.

Usage: python3 test_webchat_sse.py PATH/TO/parley
"""

import json
import signal
import socket
import sys
import time

sys.dont_write_bytecode = True
import harness  # noqa: E402

TENANT = "sse"
SECRET = "sse-test-secret-0123456789abcdef"
BOT = r"""
bot.command("start", function(ctx)
  ctx:reply("Welcome!", { buttons = { { {"Menu", "menu"} } } })
end)
bot.on("message", function(ctx, text) ctx:reply("got " .. text) end)
bot.on("button:menu", function(ctx) ctx:reply("The menu") end)
"""


class Stream:
    """One EventSource-like reader: the head, then events as they arrive."""

    def __init__(self, base, visitor, token, after=0, last_id=None):
        self.sock = socket.create_connection(base, timeout=10)
        extra = f"Last-Event-ID: {last_id}\r\n" if last_id is not None else ""
        self.sock.sendall((f"GET /webchat/{TENANT}/events?visitor={visitor}&token={token}"
                           f"&after={after} HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream"
                           f"\r\n{extra}\r\n").encode())
        self.buf = b""
        self.closed = False
        self.status, self.headers = None, {}
        self.raw = []  # every field line and comment, in order
        head = self._until(b"\r\n\r\n", 10)
        if head is not None:
            lines = head.decode().split("\r\n")
            self.status = int(lines[0].split()[1])
            self.headers = {k.lower(): v.strip() for k, _, v in
                            (ln.partition(":") for ln in lines[1:] if ln)}

    def _until(self, sep, timeout):
        deadline = time.monotonic() + timeout
        while sep not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or self.closed:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return None
            except OSError:
                chunk = b""
            if not chunk:
                self.closed = True
                return None
            self.buf += chunk
        part, _, self.buf = self.buf.partition(sep)
        return part

    def event(self, timeout=10):
        """The next event (a dict of its fields, data parsed as JSON where it is), or None."""
        while True:
            block = self._until(b"\n\n", timeout)
            if block is None:
                return None
            fields = {}
            for line in block.decode().split("\n"):
                self.raw.append(line)
                if line.startswith(":"):
                    continue
                k, _, v = line.partition(":")
                fields[k] = v[1:] if v.startswith(" ") else v
            if "data" in fields:
                try:
                    fields["message"] = json.loads(fields["data"])
                except ValueError:
                    pass
            if set(fields) - {"retry"}:
                return fields

    def messages_until_ready(self):
        out = []
        while True:
            ev = self.event()
            if ev is None or ev.get("event") == "ready":
                return out, ev
            if "message" in ev:
                out.append(ev)

    def ended(self, timeout):
        """True once the server closed the stream."""
        return self._until(b"\x00never", timeout) is None and self.closed

    def close(self):
        self.sock.close()


def session(base):
    status, _, body = harness.request(base, "POST", f"/webchat/{TENANT}/session", "{}",
                                      {"Content-Type": "text/plain"})
    doc = json.loads(body)
    return doc["visitor"], doc["token"]


def send(base, visitor, token, cid, **fields):
    doc = {"visitor": visitor, "token": token, "cid": cid, **fields}
    return harness.request(base, "POST", f"/webchat/{TENANT}/send", json.dumps(doc),
                           {"Content-Type": "text/plain"})[0]


def test(parley, checks, tmp):
    d = tmp / "tenants" / TENANT
    d.mkdir(parents=True)
    (d / "tenant.lua").write_text('return { channels = { webchat = { secret = "%s" } } }\n'
                                  % SECRET)
    (d / "bot.lua").write_text(BOT)
    data = str(tmp / "data")
    serve, base = harness.serve_checked(checks, "serve", parley, str(tmp / "tenants"), data, tmp)
    if base is None:
        return
    visitor, token = session(base)
    send(base, visitor, token, "c0", text="/start")
    time.sleep(0.5)

    s = Stream(base, visitor, token)
    checks.check(s.status == 200 and s.headers.get("content-type") == "text/event-stream"
                 and "content-length" not in s.headers
                 and s.headers.get("access-control-allow-origin") == "*"
                 and s.headers.get("cache-control") == "no-store",
                 "GET events: 200 text/event-stream, no Content-Length (the body is the "
                 "stream), CORS, no-store", (s.status, s.headers))
    history, ready = s.messages_until_ready()
    texts = [(e["message"].get("from"), e["message"].get("text")) for e in history]
    checks.check(texts == [("visitor", "/start"), ("bot", "Welcome!")],
                 "the history first, each message an event", texts)
    checks.check(all(e.get("id") == str(e["message"]["seq"]) for e in history),
                 "each event's id is its message's number", history)
    checks.check(ready is not None and ready.get("data") == history[-1]["id"],
                 "then an event \"ready\" with the last number (the widget shows the history)",
                 ready)
    checks.check("retry: 2000" in s.raw, "a reconnect delay for the browser (retry: 2000)",
                 s.raw[:3])

    t0 = time.monotonic()
    send(base, visitor, token, "c1", text="hello")
    got = [s.event(5), s.event(5)]
    latency = time.monotonic() - t0
    texts = [(e or {}).get("message", {}).get("text") for e in got]
    checks.check(texts == ["hello", "got hello"],
                 "a message and its reply arrive on the open stream as they are committed",
                 got)
    checks.info(f"send -> reply on the stream: {latency * 1000:.0f} ms")
    last_id = got[-1]["id"]

    # Reconnect from Last-Event-ID: what was missed, nothing twice.
    s.close()
    pressed = send(base, visitor, token, "c2", button="menu",
                   message=str(history[-1]["message"]["seq"]))
    checks.check(pressed == 200, "a press while no stream is open is accepted", pressed)
    time.sleep(0.5)
    s2 = Stream(base, visitor, token, after=0, last_id=last_id)
    missed, _ = s2.messages_until_ready()
    texts = [e["message"].get("text") for e in missed]
    checks.check(texts == ["Menu", "The menu"],
                 "a reconnect with Last-Event-ID gets only what came meanwhile (the press, "
                 "shown by its label, and the reply), not the whole history again", texts)

    # Refusals before any stream starts.
    bad = Stream(base, visitor, "0" * 64)
    checks.check(bad.status == 401, "a wrong token -> 401, no stream", bad.status)
    bad.close()
    bad = Stream(base, visitor, token, last_id="x1")
    checks.check(bad.status == 400, "a Last-Event-ID that is not a number -> 400", bad.status)
    bad.close()

    # Keep-alive comment.
    pinged = s2._until(b": ping\n\n", 20) is not None
    checks.check(pinged and not s2.closed,
                 "an idle stream gets a comment (: ping) every 15 s, and stays open")

    # Per visitor: the ninth stream ends the oldest.
    more = [Stream(base, visitor, token, after=10**6) for _ in range(7)]  # 8 open now
    extra = Stream(base, visitor, token, after=10**6)
    checks.check(s2.ended(5) and not any(m.closed for m in more),
                 "a visitor's ninth stream ends the oldest; the others stay")
    for m in more + [extra]:
        m.close()

    # SIGTERM ends the stream; after the restart, a reconnect from the last id goes on.
    s3 = Stream(base, visitor, token, after=0)
    history, ready = s3.messages_until_ready()
    serve.signal(signal.SIGTERM)
    checks.check(s3.ended(10), "SIGTERM: the server ends its streams (the browser reconnects)")
    checks.check(serve.wait(20) == 0, "... and exits 0", serve.describe())
    serve, base = harness.serve_checked(checks, "serve again", parley, str(tmp / "tenants"),
                                        data, tmp)
    s4 = Stream(base, visitor, token, after=0, last_id=ready["data"])
    missed, ready4 = s4.messages_until_ready()
    send(base, visitor, token, "c3", text="still here?")
    got = [s4.event(5), s4.event(5)]
    checks.check(missed == [] and ready4 is not None
                 and [(e or {}).get("message", {}).get("text") for e in got]
                 == ["still here?", "got still here?"],
                 "after the restart, a reconnect from the last id: nothing repeated, new "
                 "messages stream", (missed, got))
    s4.close()
    checks.check(serve.stop() == 0, "SIGTERM -> exit 0", serve.describe())


if __name__ == "__main__":
    harness.main(test)
