"""End-to-end benchmark of ``attune classify``: throughput and memory on generated exports.

Generates a CSV export of N synthetic tickets under ``bench/out/`` (not committed), runs the real
command in a subprocess, samples the RSS of the whole process tree (main + workers) every
0.1 s, and prints rows/s and peak memory, with RSS at 10/50/90 % of the run to show it is flat.

    python bench/classify_bench.py --rows 200000 --jobs 2        # throughput
    python bench/classify_bench.py --rows 1000000 --jobs 2       # flat memory
    python bench/classify_bench.py --rows 200000 --report         # with the HTML report

Uses the shipped model unless ``--model DIR`` is given.
"""

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"

# Written for this benchmark: openings, middles and closings mixed into tickets of varied length.
OPENINGS = [
    "This is the third time I'm writing about the same invoice and nobody has fixed it.",
    "Hi, could you update the billing address on our account to 12 Harbour Road?",
    "I'm really worried: the backup from last night is missing and our audit is tomorrow.",
    "I don't understand which plan I should pick, the pricing page and the email disagree.",
    "Thank you so much, that fixed it! You've been great.",
    "I expected better after five years as a customer, the update lost my saved layouts.",
    "UNACCEPTABLE. The site has been down for hours and not a single status update.",
    "Where do I find the export button? I looked in settings and in the reports menu.",
    "Please help asap, our payment failed and the event starts in two hours.",
    "Still not working. I've cleared the cache, reinstalled and restarted twice.",
]
MIDDLES = [
    "Order {n} was charged twice on my card.",
    "The app shows error {n} when I try to log in from my phone.",
    "My colleague got a different answer from your chat yesterday.",
    "We have {n} users waiting on this and I have to report to my manager.",
    "I attached the screenshot from this morning.",
    "",
]
CLOSINGS = ["", "Regards, Sam", "Thanks in advance.", "I want my money back NOW.",
            "Is there anything else I should try?", "Please call me back today."]


def generate(path, rows, seed=7):
    """Write a Freshdesk-like CSV export of ``rows`` tickets (about 200 characters each)."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Ticket ID", "Subject", "Description", "Status", "Created time"])
        for i in range(rows):
            parts = [rng.choice(OPENINGS), rng.choice(MIDDLES).format(n=rng.randint(100, 99999)),
                     rng.choice(CLOSINGS)]
            day = 1 + i * 180 // max(rows, 1)
            w.writerow([i + 1, f"Ticket {i + 1}", " ".join(p for p in parts if p),
                        rng.choice(["Open", "Pending", "Resolved"]),
                        f"2026-{1 + (day - 1) // 30 % 12:02d}-{1 + (day - 1) % 28:02d} 10:00:00"])
    return path


def tree_rss(proc):
    """RSS in MB: whole tree, the main process, the largest worker."""
    try:
        workers = proc.children(recursive=True)
        main = proc.memory_info().rss
    except psutil.NoSuchProcess:
        return 0.0, 0.0, 0.0
    sizes = []
    for p in workers:
        try:
            sizes.append(p.memory_info().rss)
        except psutil.NoSuchProcess:
            pass
    mb = 2**20
    return (main + sum(sizes)) / mb, main / mb, (max(sizes) if sizes else 0) / mb


def run(args):
    src = OUT / f"tickets_{args.rows}.csv"
    if not src.exists() or args.regenerate:
        t = time.perf_counter()
        generate(src, args.rows)
        print(f"generated {src} ({src.stat().st_size / 2**20:.0f} MB) in {time.perf_counter() - t:.1f} s")
    dst = OUT / f"labelled_{args.rows}.csv"
    cmd = [sys.executable, "-c", "from attune.cli import cli; cli()", "classify", str(src), "-o", str(dst),
           "--jobs", str(args.jobs), "-q"]
    if args.model:
        cmd += ["--model", args.model]
    if args.report:
        cmd += ["--report", str(OUT / f"report_{args.rows}.html")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    samples = []
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    ps = psutil.Process(proc.pid)
    next_note = 30.0
    while proc.poll() is None:
        total, main_rss, worker = tree_rss(ps)
        now = time.perf_counter() - started
        if total:
            samples.append((now, total, main_rss, worker))
        if now >= next_note:  # a long run shows its memory as it goes
            part = dst.with_name(f".{dst.name}.part")  # where attune writes until it is done
            done = part.stat().st_size / 2**20 if part.exists() else 0.0
            print(f"  {now:6.0f} s  output {done:7.1f} MB  RSS main {main_rss:.0f} MB, "
                  f"largest worker {worker:.0f} MB, tree {total:.0f} MB", flush=True)
            next_note += 30.0
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # main + its workers, once all have exited
    cpu = usage.ru_utime + usage.ru_stime
    if proc.returncode:
        sys.exit(f"attune classify failed with exit code {proc.returncode}")
    with open(dst, newline="", encoding="utf-8") as f:
        written = sum(1 for _ in f) - 1
    peak_total = max(s[1] for s in samples)
    peak_main = max(s[2] for s in samples)
    peak_worker = max(s[3] for s in samples)

    def at(fraction):
        t = seconds * fraction
        return min(samples, key=lambda s: abs(s[0] - t))[1]

    print(f"rows: {args.rows:,}  written: {written:,}  jobs: {args.jobs}  cpus: {os.cpu_count()}")
    print(f"end-to-end: {seconds:.1f} s  ->  {args.rows / seconds:,.0f} tickets/s "
          "(model load and start-up included)")
    # On a shared machine wall time depends on the neighbours; CPU time does not.
    print(f"CPU time: {cpu:.1f} s ({cpu / args.rows * 1e3:.2f} ms/ticket)  ->  "
          f"{args.rows / (cpu / args.jobs):,.0f} tickets/s if {args.jobs} cores were ours alone; "
          f"load average at the end {os.getloadavg()[0]:.1f}")
    print(f"peak RSS: main process {peak_main:.0f} MB, largest worker {peak_worker:.0f} MB, "
          f"whole tree {peak_total:.0f} MB")
    print(f"tree RSS at 10/50/90 %: {at(0.1):.0f} / {at(0.5):.0f} / {at(0.9):.0f} MB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--model", help="model directory (default: the shipped one)")
    parser.add_argument("--report", action="store_true", help="also write the HTML report")
    parser.add_argument("--regenerate", action="store_true", help="write the input again")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
