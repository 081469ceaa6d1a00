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
import itertools
import json
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

# Written for this benchmark: openings, middles and closings mixed into tickets of varied length,
# and the parts of real e-mails around them (greetings, signatures, quoted earlier replies).
OPENINGS = [
    "This is the third time I'm writing about the same invoice and nobody has fixed it.",
    "Hi, could you update the billing address on our account to 12 Harbour Road?",
    "I'm really worried: the backup from last night is missing and our audit is tomorrow.",
    "I don't understand which plan I should pick, the pricing page and the email disagree.",
    "Thank you so much, that fixed it! You've been great.",
    "I expected better after five years as a customer, the update lost my saved layouts.",
    "UNACCEPTABLE. The site has been down for hours and not a single status update.",
    "Where do I find the \"Export\" button? I looked in settings and in the reports menu.",
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
GREETINGS = ["Hi,", "Hello team,", "Dear Support,", "Hi there,", "Good morning,"]
SIGNATURES = [
    "Best regards,\nDana Whitfield\nOperations Manager | Northwind Traders\nTel. +44 20 7946 0{n:03d}",
    "--\nSam Okafor\nAccounts Payable\nContoso Ltd, 4 Quay Street, Leeds",
    "Thanks,\nPriya\n\nSent from my iPhone",
    "Kind regards\nM. Laurent\nThis e-mail and any attachments are confidential. If you are not the "
    "intended recipient, please delete it.",
]
QUOTED = [
    "On Mon, 3 Mar 2026 at 10:12, Support <support@example.com> wrote:\n> Thanks for reaching out. "
    "Could you send us the order number\n> and a screenshot of the error?\n>\n> Kind regards,\n> The "
    "Support Team",
    "-----Original Message-----\nFrom: Helpdesk\nSent: Tuesday, 4 March 2026 09:30\nSubject: Ticket "
    "#{n}\n\nWe have escalated your request to our billing team.",
]


def ticket(rng):
    """One ticket: a chat line (a quarter), a short web form, or an e-mail with its trimmings."""
    n = rng.randint(100, 99999)
    body = " ".join(p for p in (rng.choice(OPENINGS), rng.choice(MIDDLES).format(n=n)) if p)
    kind = rng.random()
    if kind < 0.25:  # chat
        return body
    if kind < 0.4:  # web form
        return " ".join(p for p in (body, rng.choice(CLOSINGS)) if p)
    parts = [rng.choice(GREETINGS), body + " " + rng.choice(MIDDLES).format(n=n + 1)]
    parts.append(rng.choice(SIGNATURES).format(n=n % 1000))
    if rng.random() < 0.8:
        parts.append(rng.choice(QUOTED).format(n=n))
    return "\n\n".join(parts)


def generate(path, rows, seed=7):
    """Write a Freshdesk-like CSV export of ``rows`` tickets (mean about 300 characters of text)."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Ticket ID", "Subject", "Description", "Status", "Created time"])
        for i in range(rows):
            day = 1 + i * 180 // max(rows, 1)
            w.writerow([i + 1, f"Ticket {i + 1}", ticket(rng),
                        rng.choice(["Open", "Pending", "Resolved"]),
                        f"2026-{1 + (day - 1) // 30 % 12:02d}-{1 + (day - 1) % 28:02d} 10:00:00"])
    return path


def tree_sample(proc, cpu):
    """RSS in MB (whole tree, main process, largest worker); records CPU seconds per pid in ``cpu``."""
    try:
        workers = proc.children(recursive=True)
        main = proc.memory_info().rss
        times = proc.cpu_times()
        cpu[proc.pid] = times.user + times.system
    except psutil.NoSuchProcess:
        return 0.0, 0.0, 0.0
    sizes = []
    for p in workers:
        try:
            sizes.append(p.memory_info().rss)
            times = p.cpu_times()
            cpu[p.pid] = times.user + times.system
        except psutil.NoSuchProcess:
            pass
    mb = 2**20
    return (main + sum(sizes)) / mb, main / mb, (max(sizes) if sizes else 0) / mb


def run(args):
    """Run ``attune classify`` once on the generated export; return the measurements as a dict."""
    src = OUT / f"tickets_{args.rows}.csv"
    if not src.exists() or args.regenerate:
        generate(src, args.rows)
    dst = OUT / f"labelled_{args.rows}_{args.jobs}.csv"
    cmd = [sys.executable, "-c", "from attune.cli import cli; cli()", "classify", str(src), "-o", str(dst),
           "--jobs", str(args.jobs), "-q"]
    if args.model:
        cmd += ["--model", args.model]
    if args.report:
        cmd += ["--report", str(OUT / f"report_{args.rows}.html")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    samples, cpu = [], {}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    ps = psutil.Process(proc.pid)
    while proc.poll() is None:
        total, main_rss, worker = tree_sample(ps, cpu)
        if total:
            samples.append((time.perf_counter() - started, total, main_rss, worker))
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # main + its workers, once all have exited
    if proc.returncode:
        sys.exit(f"attune classify failed with exit code {proc.returncode}")
    with open(dst, newline="", encoding="utf-8") as f:
        written = sum(1 for _ in csv.reader(f)) - 1
    with open(src, newline="", encoding="utf-8") as f:
        chars = sum(len(r[2]) for r in itertools.islice(csv.reader(f), 1, 20001))
    main_cpu = cpu.get(proc.pid, 0.0)  # last sample, at most 0.1 s before the end

    def at(fraction):
        return min(samples, key=lambda s: abs(s[0] - seconds * fraction))[1]

    total_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {
        "rows": args.rows, "written": written, "jobs": args.jobs, "seconds": round(seconds, 2),
        "rows_per_s": round(args.rows / seconds), "mean_chars": round(chars / min(args.rows, 20000)),
        "input_mb": round(src.stat().st_size / 2**20, 1),
        "cpu_s": round(total_cpu, 2), "cpu_ms_per_row": round(total_cpu / args.rows * 1e3, 4),
        "main_cpu_s": round(main_cpu, 2),
        "worker_cpu_s": sorted(round(v, 2) for k, v in cpu.items() if k != proc.pid),
        # The main process's share of one core, per 10,000 rows/s of throughput.
        "main_core_pct_per_10k": round(main_cpu / args.rows * 1e4 * 100, 1),
        "peak_rss_mb": {"tree": round(max(s[1] for s in samples)), "main": round(max(s[2] for s in samples)),
                        "worker": round(max(s[3] for s in samples))},
        "tree_rss_10_50_90_mb": [round(at(0.1)), round(at(0.5)), round(at(0.9))],
        "load_avg_end": round(os.getloadavg()[0], 1),
    }


def report(r):
    print(f"rows: {r['rows']:,}  written: {r['written']:,}  jobs: {r['jobs']}  cpus: {os.cpu_count()}  "
          f"(mean {r['mean_chars']} characters of text, {r['input_mb']} MB)")
    print(f"end-to-end: {r['seconds']:.1f} s  ->  {r['rows_per_s']:,} tickets/s (model load and start-up included)")
    # On a shared machine wall time depends on the neighbours; CPU time does not.
    print(f"CPU time: {r['cpu_s']:.1f} s ({r['cpu_ms_per_row']:.3f} ms/ticket); main process {r['main_cpu_s']:.2f} s "
          f"= {r['main_core_pct_per_10k']:.1f} % of one core per 10,000 rows/s; "
          f"load average at the end {r['load_avg_end']}")
    rss = r["peak_rss_mb"]
    print(f"peak RSS: main process {rss['main']} MB, largest worker {rss['worker']} MB, whole tree {rss['tree']} MB")
    print("tree RSS at 10/50/90 %: {} / {} / {} MB".format(*r["tree_rss_10_50_90_mb"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--model", help="model directory (default: the shipped one)")
    parser.add_argument("--report", action="store_true", help="also write the HTML report")
    parser.add_argument("--regenerate", action="store_true", help="write the input again")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    result = run(args)
    print(json.dumps(result)) if args.json else report(result)


if __name__ == "__main__":
    main()
