"""Loopback load test of the real server: waitress in a subprocess, N keep-alive clients.

Starts ``attune serve --port 0`` with a throwaway ATTUNE_HOME, measures how soon health
answers, warms up, then runs N client threads (one http.client keep-alive connection each)
for a fixed duration and reports p50/p95/p99 latency, throughput, errors, and the CPU and
RSS (before and after) of the server together with its model process.

    python bench/load.py --clients 8 --duration 60               # closed loop: as fast as it goes
    python bench/load.py --clients 8 --duration 60 --rate 500    # open loop: 500 req/s in total
    python bench/load.py --path /v1/analyze --clients 8          # one text per request

By default each request is what the extension sends (``extension/sw-api.js``, ``analyzeItems``):
POST /v1/analyze/batch with ``{"items": [{"id", "text"}, ...]}``, ``--items`` messages of a
thread at a time; every result must come back without an error, or the request counts as one.

With ``--rate`` each client sends on a fixed schedule and latency is measured from the
scheduled send time, so a server that falls behind shows it (no coordinated omission).
"""

import argparse
import http.client
import json
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]

# Written for this benchmark: typical ticket messages of different lengths and moods.
TEXTS = [
    "This is the third time I'm writing about the same invoice and nobody has fixed it.",
    "Hi, could you update the billing address on our account to 12 Harbour Road? Thanks.",
    "I'm really worried: the backup from last night is missing and our audit is tomorrow morning.",
    "I don't understand which plan I should pick, the pricing page and the email say different things.",
    "Thank you so much, that fixed it! You've been great.",
    "I expected better after five years as a customer. The new version lost all my saved layouts.",
    "UNACCEPTABLE. The site has been down for four hours and not a single status update. I want a refund.",
    "Hello,\n\nwe upgraded yesterday and since then exports fail with error 502. We tried clearing the cache "
    "and a different browser, same result. Our month-end closing depends on these reports, so any idea "
    "of a timeline would help a lot.\n\nBest regards,\nDana",
]


def _percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def start_server(home, model_dir=None, threads=8, in_process=False):
    """Start the server; return (process, port, seconds until health answered)."""
    cmd = [sys.executable, "-c", "from attune.cli import cli; cli()", "serve", "--port", "0",
           "--threads", str(threads)] + (["--in-process"] if in_process else [])
    if model_dir:
        cmd += ["--model", str(model_dir)]
    env = dict(os.environ, ATTUNE_HOME=str(home), PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = None
    for line in proc.stdout:
        found = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if found:
            port = int(found.group(1))
            break
    if port is None:
        proc.kill()
        raise SystemExit("server did not start (run `attune serve` by hand to see why)")
    # Keep draining stdout so the server never blocks on a full pipe.
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/v1/health")
            if conn.getresponse().status == 200:
                break
        except OSError:
            pass
        if time.perf_counter() - t0 > 30:
            proc.kill()
            raise SystemExit("health did not answer within 30 s")
        time.sleep(0.01)
    return proc, port, time.perf_counter() - t0


def request_bodies(path, items):
    """The JSON bodies a client cycles through: one text each, or a batch of ``items`` as the extension sends."""
    if path != "/v1/analyze/batch":
        return [json.dumps({"text": t}) for t in TEXTS]
    return [json.dumps({"items": [{"id": f"m{k}", "text": TEXTS[(n + k) % len(TEXTS)]} for k in range(items)]})
            for n in range(len(TEXTS))]


def _ok(path, status, body, items):
    if status != 200:
        return False
    if path != "/v1/analyze/batch":
        return True
    results = json.loads(body).get("results", [])
    return len(results) == items and not any("error" in r for r in results)


def _client(port, token, path, deadline, interval, offset, phase, out, items=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    bodies = request_bodies(path, items)
    method = "GET" if path in ("/v1/health", "/v1/model") else "POST"
    latencies, errors, i = [], 0, offset
    next_send = time.perf_counter() + phase  # spread the clients' schedules over one interval
    while True:
        if interval:
            now = time.perf_counter()
            if next_send > now:
                time.sleep(next_send - now)
            start = next_send  # latency counts from the scheduled time
            next_send += interval
        else:
            start = time.perf_counter()
        if start >= deadline:
            break
        try:
            conn.request(method, path, body=bodies[i % len(bodies)] if method == "POST" else None, headers=headers)
            resp = conn.getresponse()
            if not _ok(path, resp.status, resp.read(), items):
                errors += 1
        except OSError:
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        latencies.append(time.perf_counter() - start)
        i += 1
    conn.close()
    out.append((latencies, errors))


def _client_process(queue, *args, items=10):
    out = []
    _client(*args, out, items)
    queue.put(out[0])


def run_load(port, token, clients, duration, rate=0.0, path="/v1/analyze/batch", processes=False, items=10):
    """Run the clients; return a dict of results.

    ``processes``: each client in a process of its own (as separate agents' browsers are)
    rather than a thread of this one, whose GIL they share; on two cores the extra processes
    cost about as much as the shared GIL, so threads stay the default.
    """
    interval = clients / rate if rate else 0.0
    out = []
    deadline = time.perf_counter() + duration
    args = [(port, token, path, deadline, interval, n, interval * n / clients) for n in range(clients)]
    if processes:
        ctx = multiprocessing.get_context("fork")
        queue = ctx.SimpleQueue()
        workers = [ctx.Process(target=_client_process, args=(queue, *a), kwargs={"items": items}) for a in args]
    else:
        workers = [threading.Thread(target=_client, args=(*a, out, items)) for a in args]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    if processes:
        out = [queue.get() for _ in workers]
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - t0
    lat = sorted(x for latencies, _ in out for x in latencies)
    return {
        "requests": len(lat),
        "errors": sum(e for _, e in out),
        "throughput": len(lat) / elapsed,
        "texts_per_s": len(lat) * (items if path == "/v1/analyze/batch" else 1) / elapsed,
        "p50_ms": _percentile(lat, 50) * 1000,
        "p95_ms": _percentile(lat, 95) * 1000,
        "p99_ms": _percentile(lat, 99) * 1000,
        "mean_ms": statistics.fmean(lat) * 1000 if lat else float("nan"),
        "max_ms": lat[-1] * 1000 if lat else float("nan"),
    }


def _tree(ps):
    return [ps] + ps.children(recursive=True)


def _rss(tree):
    return sum(p.memory_info().rss for p in tree)


def _cpu(tree):
    return sum(sum(p.cpu_times()[:2]) for p in tree)


def _print(args, result, tree):
    mode = f"open loop {args.rate:g} req/s" if args.rate else "closed loop"
    where = "in the server process" if args.in_process else "in a model process"
    kind = "processes" if args.client_processes else "threads"
    print(f"{args.path} ({result['items']} per request), {args.clients} clients ({kind}), {mode}, {args.duration:g} s, "
          f"{args.threads} server threads, model {where}")
    print(f"  requests {result['requests']}  errors {result['errors']}  "
          f"throughput {result['throughput']:.0f} req/s ({result['texts_per_s']:.0f} texts/s)")
    print(f"  latency ms: p50 {result['p50_ms']:.2f}  p95 {result['p95_ms']:.2f}  "
          f"p99 {result['p99_ms']:.2f}  max {result['max_ms']:.1f}")
    print(f"  server CPU per request {result['server_cpu_ms_per_request']:.2f} ms "
          f"({len(tree)} process{'es' if len(tree) > 1 else ''})")
    print(f"  RSS MB (all server processes): {result['rss_before_mb']:.1f} -> {result['rss_after_mb']:.1f} "
          f"({result['rss_growth_pct']:+.1f} %)")
    print(f"  health answered {result['health_after_start_s']:.2f} s after start; "
          f"machine load average {result['load_avg_1min_after']:.1f} on {os.cpu_count()} CPUs")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of measured load")
    parser.add_argument("--rate", type=float, default=0.0, help="total requests/s (0 = closed loop)")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=8, help="server worker threads")
    parser.add_argument("--model", help="model directory (default: the shipped model)")
    parser.add_argument("--path", default="/v1/analyze/batch")
    parser.add_argument("--items", type=int, default=10, help="messages per batch request (the extension: a thread)")
    parser.add_argument("--in-process", action="store_true", help="serve with --in-process (no model process)")
    parser.add_argument("--client-processes", action="store_true",
                        help="run each client in a process of its own instead of a thread of this one")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="attune-bench-") as home:
        proc, port, startup = start_server(home, args.model, args.threads, args.in_process)
        try:
            token = (Path(home) / "token").read_text().strip()
            procs = args.client_processes
            run_load(port, token, args.clients, args.warmup, args.rate, args.path, procs, args.items)
            tree = _tree(psutil.Process(proc.pid))  # the server and its model process
            rss_before = _rss(tree)
            cpu_before = _cpu(tree)
            result = run_load(port, token, args.clients, args.duration, args.rate, args.path, procs, args.items)
            cpu_after = _cpu(tree)
            rss_after = _rss(tree)
        finally:
            proc.terminate()
            proc.wait(10)
    result.update({
        "path": args.path, "items": args.items if args.path == "/v1/analyze/batch" else 1,
        "clients": args.clients, "client_processes": args.client_processes, "duration_s": args.duration,
        "rate": args.rate or None,
        "server_threads": args.threads, "model_process": not args.in_process, "server_processes": len(tree),
        "health_after_start_s": startup,
        "rss_before_mb": rss_before / 2**20, "rss_after_mb": rss_after / 2**20,
        "rss_growth_pct": (rss_after - rss_before) / rss_before * 100,
        # CPU the server spent per request: comparable even when the machine is busy.
        "server_cpu_ms_per_request": (cpu_after - cpu_before) / max(1, result["requests"]) * 1000,
        "load_avg_1min_after": os.getloadavg()[0],  # other work on the machine skews every number
    })
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print(args, result, tree)
    return result


if __name__ == "__main__":
    main()
