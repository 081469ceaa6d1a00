"""How long `attune retrain` takes with many corrections, on the shipped model.

Stores N corrections in a fresh ATTUNE_HOME (under bench/out/, not committed): the 40 goose-outage
corrections of tests/data/goose_outage.csv plus, for volume, messages from GoEmotions-7 *dev*
(public, labelled, never used to judge a candidate; from $ATTUNE_DATA or ../shared/data; topped up
from its train split when dev runs out), else
generated sentences. Then runs the real command in a subprocess and reports its wall time and
what the gate said.

    python bench/retrain_bench.py --rows 5000
    python bench/retrain_bench.py --rows 5000 --json   # one JSON object (run_all.py reads it)
"""

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "retrain-home"
sys.path.insert(0, str(ROOT))

from attune.model.data import data_root, read_labelled  # noqa: E402
from attune.store.feedback import add_feedback, connect  # noqa: E402


def _corrections(n):
    with open(ROOT / "tests" / "data" / "goose_outage.csv", newline="") as f:
        rows = [(r["text"], r["label"]) for r in csv.DictReader(f) if r["use"] == "correction"]
    root = data_root()
    dev = root / "goemotions7" / "dev.csv" if root else None
    if dev is not None and dev.is_file():
        pool = []
        for name in ("dev.csv", "train.csv"):  # dev first; train (already in the model) if dev runs out
            pool += list(zip(*read_labelled(root / "goemotions7" / name, allow_unknown=True)))
            if len(pool) >= n:
                break
    else:  # generated: enough variety for the timing, not for learning
        words = "order refund login invoice app delivery account password screen update".split()
        pool = [(f"the {random.choice(words)} {random.choice(words)} thing {i}", random.choice(
            ["angry", "frustrated", "anxious", "confused", "disappointed", "grateful", "neutral"])) for i in range(n)]
    pool = pool[: n - len(rows)]
    random.Random(0).shuffle(pool)
    return rows + pool


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    args = parser.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    os.environ["ATTUNE_HOME"] = str(OUT)
    rows = _corrections(args.rows)
    conn = connect()
    for text, label in rows:
        add_feedback(conn, text, label, source="bench")
    conn.close()
    if not args.json:
        print(f"{len(rows)} corrections stored; running attune retrain", flush=True)
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", "from attune.cli import cli; cli()", "retrain"],
                         env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if args.json:
        # What the command said on stdout: the gate's verdict and scores (bench data only, no user text).
        print(json.dumps({"rows": len(rows), "seconds": round(wall, 1), "exit": res.returncode,
                          "said": res.stdout.strip().splitlines(), "load_avg_end": round(os.getloadavg()[0], 1)}))
        return
    print(res.stderr.strip())
    print(res.stdout.strip())
    print(f"attune retrain with {len(rows)} corrections: {wall:.1f} s wall (exit {res.returncode})")


if __name__ == "__main__":
    main()
