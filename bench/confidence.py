"""How sure a model is, and whether it should be: confidence and calibration on held-out splits.

    python bench/confidence.py model/default                     # the shipped model
    python bench/confidence.py model/default /tmp/other --split written --split real

For each model and split: the calibration temperature ``beta`` the runtime multiplies the logits by
(one, fitted on all out-of-fold logits), the mean top probability, the share of messages whose top probability is under
0.5 (where the extension says "read it yourself"), accuracy, and the expected calibration error (ECE,
10 equal-width bins of the top probability): 0 when a model that says 0.8 is right 80 % of the time.
Temperature scaling never changes the label chosen, only these.
"""

import argparse

import numpy as np

from attune.model import load_runtime
from attune.model.data import read_split


def confidence_of(model, texts, labels, bins=10):
    """Mean top probability, share under 0.5, accuracy and ECE of ``model`` on ``texts``."""
    out = model.analyze_batch(texts, explain=False, guide=False)
    top = np.array([r["confidence"] for r in out])
    right = np.array([r["label"] == y for r, y in zip(out, labels)], dtype=float)
    which = np.minimum((top * bins).astype(int), bins - 1)
    ece = sum(abs(top[which == b].mean() - right[which == b].mean()) * (which == b).mean()
              for b in range(bins) if (which == b).any())
    return {"n": len(texts), "mean_top": float(top.mean()), "under_half": float((top < 0.5).mean()),
            "accuracy": float(right.mean()), "ece": float(ece)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+", metavar="MODEL_DIR")
    ap.add_argument("--split", action="append", choices=["written", "holdout", "sarcasm", "real"],
                    help="held-out split (repeatable; default written and real)")
    args = ap.parse_args()
    splits = {s: read_split(s) for s in args.split or ["written", "real"]}
    print(f"{'model':<28} {'beta':>5}  {'split':<8} {'n':>5}  {'mean top':>8}  {'under 0.5':>9}  {'accuracy':>8}  {'ECE':>5}")
    for path in args.models:
        model = load_runtime(path)  # what the server analyses with; no need for the training pipeline
        beta = (model.fast or {}).get("beta") or float("nan")  # nan: uncalibrated or not compiled
        for name, (texts, labels) in splits.items():
            c = confidence_of(model, texts, labels)
            print(f"{model.version:<28} {beta:5.2f}  {name:<8} {c['n']:5d}  {c['mean_top']:8.2f}  "
                  f"{c['under_half']:9.0%}  {c['accuracy']:8.3f}  {c['ece']:5.3f}")


if __name__ == "__main__":
    main()
