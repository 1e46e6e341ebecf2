#!/usr/bin/env python3
"""The pipeline benchmark table (issue 3): closed-loop virtual users (parley-loadgen)
against `parley serve` through the generic http channel, 4-step scenario, durable
commits. Configurations: 1 worker; 2 workers (two tenants, one loadgen each);
fsync per event vs group commit; 10k and 100k distinct users. Every row is compared
with the first (1 worker, group commit, 1k users), measured in the same run.

Usage: python3 bench/pipeline.py [BUILD_DIR] [--duration S] [--concurrency C]
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.abspath(__file__))
SECRET = "pipeline-bench-1"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def arg(name, default):
    return type(default)(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def run(build, workers, commit, users, tenants_n, duration, conc):
    tmp = tempfile.mkdtemp(prefix="parley-pipebench-")
    tenants = os.path.join(tmp, "tenants")
    sinks = []
    for i in range(tenants_n):
        name = "bench" if i == 0 else f"bench{i + 1}"
        shutil.copytree(os.path.join(ROOT, "tenant", "bench"), os.path.join(tenants, name))
        sink = free_port()
        sinks.append((name, sink))
        with open(os.path.join(tenants, name, "tenant.lua")) as f:
            text = f.read()
        with open(os.path.join(tenants, name, "tenant.lua"), "w") as f:
            f.write(text.replace("http://127.0.0.1:9999/sink", f"http://127.0.0.1:{sink}/sink")
                    .replace('callback_env = "PARLEY_BENCH_CALLBACK",', ""))
    port = free_port()
    env = dict(os.environ, PARLEY_BENCH_SECRET=SECRET)
    server = subprocess.Popen([os.path.join(build, "parley"), "serve", "--tenants", tenants,
                               "--data", os.path.join(tmp, "data"), "--listen", f"127.0.0.1:{port}",
                               "--workers", str(workers), "--commit", commit],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    gens = [subprocess.Popen([os.path.join(build, "parley-loadgen"), "--target",
                              f"127.0.0.1:{port}", "--tenant", name, "--secret", SECRET, "--sink",
                              f"127.0.0.1:{sink}", "--users", str(users), "--concurrency",
                              str(conc // tenants_n), "--duration", str(duration), "--warmup", "2",
                              "--server-pid", str(server.pid), "--json"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            for name, sink in sinks]
    results = []
    for g in gens:
        out, _ = g.communicate(timeout=duration + 120)
        results.append(json.loads(out))
    server.terminate()
    server.wait(60)
    shutil.rmtree(tmp, ignore_errors=True)
    steps = sum(r["steps_per_s"] for r in results)
    worst = max(results, key=lambda r: r["latency_us"]["p99"])
    srv = results[0].get("server", {})
    return {"steps": steps, "p50": worst["latency_us"]["p50"], "p99": worst["latency_us"]["p99"],
            "p999": worst["latency_us"]["p99_9"], "errors": sum(r["errors"] for r in results),
            "cpu": srv.get("cpu_cores", 0), "rss": srv.get("peak_rss_kib", 0) / 1024,
            "anon": srv.get("rss_anon_kib", 0) / 1024}


def main():
    build = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("--") else "build"
    duration, conc = arg("--duration", 10), arg("--concurrency", 64)
    rows = [("1 worker, group commit, 1k users", 1, "group", 1000, 1),
            ("1 worker, fsync per event, 1k users", 1, "per-event", 1000, 1),
            ("2 workers (2 tenants), group commit, 1k users each", 2, "group", 1000, 2),
            ("1 worker, group commit, 10k users", 1, "group", 10000, 1),
            ("1 worker, group commit, 100k users", 1, "group", 100000, 1)]
    print(f"closed loop, concurrency {conc}, {duration} s window after 2 s warm-up, "
          f"{os.cpu_count()} cores\n")
    print("| configuration | steps/s | ratio | p50 µs | p99 µs | p99.9 µs | server cores | "
          "peak RSS MiB (anon) | errors |")
    print("|---|---|---|---|---|---|---|---|---|")
    base = None
    for label, workers, commit, users, nt in rows:
        r = run(build, workers, commit, users, nt, duration, conc)
        base = base or r
        print(f"| {label} | {r['steps']:.0f} | {r['steps'] / base['steps']:.2f}x | {r['p50']} | "
              f"{r['p99']} | {r['p999']} | {r['cpu']:.2f} | {r['rss']:.0f} ({r['anon']:.0f}) | "
              f"{r['errors']} |", flush=True)


if __name__ == "__main__":
    main()
