#!/usr/bin/env python3
"""The web chat's round trip, as a visitor sees it: the visitor sends a text, the bot
replies; how long until the reply is on the page? Both ways the widget receives: a long
poll parked on the feed (browsers without EventSource), and the Server-Sent Events stream
(the widget's way), in the same run.

Measured per message, over N messages of one visitor (`parley serve`, durable commits):
  send      POST send -> 200: the durable accept of the event (the baseline: one commit)
  reply     POST send started -> the reply reaches the client: the parked long poll
            answers with it, or its event arrives on the open stream
            (accept commit + handler + the event's commit + waking the feed)
  wake      send's 200 -> that reply (what the feed adds after the accept)

Usage: python3 bench/webchat_feed.py [BUILD_DIR] [--messages N]
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

SECRET = "webchat-bench-secret-0123456789"


def arg(name, default):
    return type(default)(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers={"Content-Type": "text/plain"})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, json.loads(data)


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p))] * 1000


def report(sends, replies, wakes):
    for name, v in [("send (accept, baseline)", sends), ("reply on the page", replies),
                    ("wake after the accept", wakes)]:
        print(f"  {name:26s} p50 {pct(v, 0.5):6.2f} ms   p99 {pct(v, 0.99):6.2f} ms")
    print(f"  reply / send at p50: {pct(replies, 0.5) / pct(sends, 0.5):.2f}x")


def sse(port, visitor, token, n, after):
    """n round trips with one stream open: each reply's arrival on it."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall((f"GET /webchat/shop/events?visitor={visitor}&token={token}&after={after} "
                  "HTTP/1.1\r\nHost: b\r\n\r\n").encode())
    arrived = {}
    cond = threading.Condition()

    def read():
        buf = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while b"\n\n" in buf:
                block, _, buf = buf.partition(b"\n\n")
                for line in block.decode(errors="replace").split("\n"):
                    if line.startswith("data: {"):
                        text = json.loads(line[6:]).get("text", "")
                        with cond:
                            arrived[text] = time.perf_counter()
                            cond.notify_all()
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    sends, replies, wakes = [], [], []
    for i in range(n):
        body = json.dumps({"visitor": visitor, "token": token, "cid": f"s{i}",
                           "text": f"stream {i}"})
        t0 = time.perf_counter()
        status, _ = call(port, "POST", "/webchat/shop/send", body)
        t1 = time.perf_counter()
        want = f"echo: stream {i}"
        with cond:
            if not cond.wait_for(lambda: want in arrived, 10) or status != 200:
                sys.exit(f"stream message {i}: send {status}, no reply on the stream")
            t = arrived[want]
        sends.append(t1 - t0)
        replies.append(t - t0)
        wakes.append(t - t1)
    sock.close()
    return sends, replies, wakes


def main():
    build = next((a for a in sys.argv[1:] if not a.startswith("--") and os.path.isdir(a)), "build")
    n = arg("--messages", 300)
    tmp = tempfile.mkdtemp(prefix="parley-webchat-bench-")
    tenant = os.path.join(tmp, "tenants", "shop")
    os.makedirs(tenant)
    with open(os.path.join(tenant, "tenant.lua"), "w") as f:
        f.write('return { channels = { webchat = { secret_env = "PARLEY_BENCH_WEBCHAT" } } }\n')
    with open(os.path.join(tenant, "bot.lua"), "w") as f:
        f.write('bot.on("message", function(ctx, text) ctx:reply("echo: " .. text) end)\n')
    port = free_port()
    server = subprocess.Popen([os.path.join(build, "parley"), "serve", "--tenants",
                               os.path.join(tmp, "tenants"), "--data", os.path.join(tmp, "data"),
                               "--listen", f"127.0.0.1:{port}", "--workers", "2",
                               "--client-rate", "0"],  # one address sends it all
                              env=dict(os.environ, PARLEY_BENCH_WEBCHAT=SECRET),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                _, s = call(port, "POST", "/webchat/shop/session", "{}")
                break
            except OSError:
                time.sleep(0.1)
        visitor, token = s["visitor"], s["token"]
        after = 0
        sends, replies, wakes = [], [], []
        for i in range(n):
            got = {}
            q = urllib.parse.urlencode({"visitor": visitor, "token": token, "after": after})

            def poll():
                _, doc = call(port, "GET", f"/webchat/shop/feed?{q}")
                got["t"], got["doc"] = time.perf_counter(), doc
            t = threading.Thread(target=poll)
            t.start()
            time.sleep(0.01)  # the poll is parked
            body = json.dumps({"visitor": visitor, "token": token, "cid": f"m{i}",
                               "text": f"hello {i}"})
            t0 = time.perf_counter()
            status, _ = call(port, "POST", "/webchat/shop/send", body)
            t1 = time.perf_counter()
            t.join()
            texts = [m.get("text") for m in got["doc"]["messages"]]
            if status != 200 or f"echo: hello {i}" not in texts:
                sys.exit(f"message {i}: send {status}, feed {texts}")
            after = got["doc"]["next"]
            sends.append(t1 - t0)
            replies.append(got["t"] - t0)
            wakes.append(got["t"] - t1)
        print(f"{n} messages, one visitor, durable (fsync per commit), 2 workers")
        print(" long poll (GET feed):")
        report(sends, replies, wakes)
        print(" Server-Sent Events (GET events, one stream open):")
        report(*sse(port, visitor, token, n, after))
    finally:
        server.terminate()
        server.wait(20)
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
