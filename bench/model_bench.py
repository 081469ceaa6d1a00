"""Model speed and accuracy, in-process, on one core.

    python bench/model_bench.py [--model DIR] [--corpora ../shared/data]

Speed: ``analyze`` on 500-character tickets (median over many calls, after a
warm-up) and ``analyze_batch`` throughput on the test split of training_data
(batches of 1,000; full results with cues and guidance). BLAS threads are
pinned to one, and so is the process where the OS allows it.
Accuracy: macro-F1, accuracy and per-label F1 on every labelled set that the
model did not train on. Results go to stdout as JSON and Markdown.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from attune import model  # noqa: E402
from attune.model.data import read_labelled, read_training_data  # noqa: E402
from attune.model.evaluate import evaluate  # noqa: E402
from systems import tickets_of_500  # noqa: E402 (bench/, the script's own folder)


def time_single(m, tickets, repeats=2000):
    for t in tickets[:50]:
        m.analyze(t)  # warm caches
    times = []
    for i in range(repeats):
        t = tickets[i % len(tickets)]
        start = time.perf_counter()
        m.analyze(t)
        times.append(time.perf_counter() - start)
    times.sort()
    return {"median_ms": round(statistics.median(times) * 1e3, 3),
            "p95_ms": round(times[int(0.95 * len(times))] * 1e3, 3), "calls": repeats}


def time_batch(m, texts, rounds=5, size=1000):
    m.analyze_batch(texts[:size])  # warm-up
    best = None
    for _ in range(rounds):
        start = time.perf_counter()
        n = 0
        for i in range(0, len(texts), size):
            n += len(m.analyze_batch(texts[i : i + size]))
        rate = n / (time.perf_counter() - start)
        best = rate if best is None else max(best, rate)
    mean_len = sum(map(len, texts)) / len(texts)
    return {"texts_per_s": round(best), "texts": len(texts), "mean_chars": round(mean_len)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="model directory (default: shipped)")
    ap.add_argument("--corpora", default=str(ROOT.parent / "shared" / "data"), help="folder of public corpora")
    ap.add_argument("--skip-accuracy", action="store_true")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    m = model.load(args.model) if args.model else model.default_model()
    test = read_training_data(split="test")
    texts = [r["text"] for r in test]
    out = {"model": m.version, "single_500_chars": time_single(m, tickets_of_500(texts)),
           "batch": time_batch(m, texts)}
    if not args.skip_accuracy:
        sets = {"training_data test split": ([r["text"] for r in test], [r["label"] for r in test])}
        sets["independent holdout"] = read_labelled(ROOT / "training_data" / "holdout" / "independent.csv")
        ge = Path(args.corpora) / "goemotions7" / "test.csv"
        if ge.exists():
            sets["goemotions7 test"] = read_labelled(ge, allow_unknown=True)
        out["accuracy"] = {name: evaluate(m, t, y) for name, (t, y) in sets.items()}
    print(json.dumps(out, indent=1))
    print(_markdown(out))


def _markdown(out):
    s, b = out["single_500_chars"], out["batch"]
    lines = [f"model `{out['model']}`", "",
             "| what | result |", "|---|---|",
             f"| `analyze`, 500-char ticket, median (p95) | {s['median_ms']} ms ({s['p95_ms']} ms) |",
             f"| `analyze_batch`, {b['texts']} test messages (mean {b['mean_chars']} chars) | {b['texts_per_s']:,} texts/s |"]
    if "accuracy" in out:
        labels = list(model.LABELS)
        lines += ["", "| data | n | macro-F1 | accuracy | " + " | ".join(labels) + " |",
                  "|---|---|---|---|" + "---|" * len(labels)]
        for name, sc in out["accuracy"].items():
            per = " | ".join(f"{sc['per_label'][lab]['f1']:.2f}" for lab in labels)
            lines.append(f"| {name} | {sc['n']} | **{sc['macro_f1']:.3f}** | {sc['accuracy']:.3f} | {per} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
