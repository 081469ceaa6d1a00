"""The reply coach on the labelled drafts: precision and recall per code, clean drafts left alone, speed.

    python bench/coach_bench.py                 # test split, shipped rules and learned checks
    python bench/coach_bench.py --rules-only    # the phrase rules alone, for comparison
    python bench/coach_bench.py --split train
    python bench/coach_bench.py --baseline 2ef364a   # the regular expressions model/guidance.py had then
    python bench/coach_bench.py --json          # one JSON object (run_all.py reads it)
    python bench/coach_bench.py --fresh         # only the fresh test batch (training_data/drafts/fresh/)
    python bench/coach_bench.py --writers v12,v14   # only these writers' drafts

Speed: median and p95 of ``check_reply`` on a 200-word draft made of test drafts, over 2,000 calls.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from attune.model import coach
from attune.model.coach.findings import check
from attune.model.coach.evaluate import read_drafts, score

DRAFTS = Path(__file__).resolve().parent.parent / "training_data" / "drafts"
DATA = DRAFTS / "drafts.jsonl"
sys.path.insert(0, str(DRAFTS))
from convert import FRESH_TEST_WRITERS  # noqa: E402  (training_data/drafts/convert.py)


def _fmt(x):
    return "  –  " if x is None else f"{x:.3f}"


def _baseline(rev):
    """``check_reply`` of model/guidance.py as it was at git revision ``rev`` (before the coach)."""
    src = subprocess.check_output(["git", "show", f"{rev}:model/guidance.py"], text=True)
    src = src.replace("from .errors import", "from attune.model.errors import").replace(
        "from .labels import", "from attune.model.labels import")
    namespace = {"__name__": "baseline_guidance"}
    exec(compile(src, f"{rev}:model/guidance.py", "exec"), namespace)  # our own code from history
    return namespace["check_reply"]


def _found(rows, rules_only, baseline):
    if baseline:
        old = _baseline(baseline)
        return [[(i["code"], i["start"], i["end"]) for i in old(r["draft"], r["customer_label"])["issues"]]
                for r in rows]
    config, learned = coach._coach.current()
    learned = None if rules_only else learned
    return [check(config, learned, r["draft"], r["customer_label"])[0] if r["draft"].strip() else [] for r in rows]


def accuracy(rows, rules_only=False, baseline=None, quiet=False):
    result = score(rows, _found(rows, rules_only, baseline))
    if quiet:
        return result
    print(f"{'code':30} {'prec':>6} {'recall':>6}   tp  fp  fn")
    for code, s in result.items():
        if code != "clean":
            print(f"{code:30} {_fmt(s['precision']):>6} {_fmt(s['recall']):>6} {s['tp']:4d}{s['fp']:4d}{s['fn']:4d}")
    c = result["clean"]
    print(f"clean drafts with no finding: {c['no_finding']}/{c['n']} = {_fmt(c['share'])}")
    return result


def speed(rows, n=2000, quiet=False):
    text, words = [], 0
    for r in rows:
        text.append(r["draft"])
        words += len(r["draft"].split())
        if words >= 200:
            break
    draft = " ".join(" ".join(text).split()[:200])
    coach.check_reply(draft, "angry")
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        coach.check_reply(draft, "angry")
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    median, p95 = statistics.median(times), times[int(0.95 * n)]
    if not quiet:
        print(f"check_reply, 200-word draft: median {median:.2f} ms, p95 {p95:.2f} ms")
    return {"calls": n, "median_ms": round(median, 3), "p95_ms": round(p95, 3)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="test", choices=["train", "test", "all"])
    ap.add_argument("--rules-only", action="store_true")
    ap.add_argument("--baseline", metavar="REV", help="score model/guidance.py's old checks at git revision REV")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--json", action="store_true", help="print the result as one JSON object")
    ap.add_argument("--writers", help="comma-separated writer ids: score only their drafts")
    ap.add_argument("--fresh", action="store_true", help="score only the fresh test batch's writers")
    args = ap.parse_args()
    if args.fresh:
        args.writers = ",".join(FRESH_TEST_WRITERS)
    rows = read_drafts(args.data, None if args.split == "all" else args.split)
    if args.writers:
        writers = set(args.writers.split(","))
        rows = [r for r in rows if r["writer"] in writers]
    what = f"baseline {args.baseline}" if args.baseline else "rules only" if args.rules_only else "rules + learned"
    if not args.json:
        print(f"{len(rows)} drafts ({args.split} split{', writers ' + args.writers if args.writers else ''}), {what}")
    result = accuracy(rows, args.rules_only, args.baseline, quiet=args.json)
    timing = None
    if not args.skip_speed and not args.baseline:
        timing = speed(read_drafts(args.data, "test"), quiet=args.json)
    if args.json:
        print(json.dumps({"split": args.split, "writers": args.writers, "drafts": len(rows), "what": what,
                          "codes": result, "speed": timing}))


if __name__ == "__main__":
    main()
