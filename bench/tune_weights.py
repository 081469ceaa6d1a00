"""Choose the public-corpus weight and C by measurement.

    python bench/tune_weights.py --corpus ../shared/data/goemotions7 WEIGHT,C[,CAP] ...
    e.g. python bench/tune_weights.py 0,4 1,4,5000 3,4 5,4

For each setting, trains on training_data (split=train) plus GoEmotions-7
train (total weight WEIGHT relative to ours, at most CAP examples per label)
without calibration (temperature scaling does not change the argmax, so
macro-F1 is the same), then reports macro-F1 on data it did not train on: our
test split, the independent hold-out set, and GoEmotions-7 *dev* (the test
file is kept for the final report). Also the mean gate value per set, i.e.
how support-like the model finds each kind of text.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from attune.model.data import read_labelled, read_training_data  # noqa: E402
from attune.model.evaluate import evaluate  # noqa: E402
from attune.model.train import balanced_weights, cap_per_label, fit  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("settings", nargs="+", help="WEIGHT,C[,CAP]")
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "data" / "goemotions7"))
    args = ap.parse_args()

    rows = read_training_data()
    train = [r for r in rows if r["split"] == "train"]
    sets = {
        "ours_test": ([r["text"] for r in rows if r["split"] == "test"], [r["label"] for r in rows if r["split"] == "test"]),
        "independent": read_labelled(ROOT / "training_data" / "holdout" / "independent.csv"),
        "goemotions7_dev": read_labelled(Path(args.corpus) / "dev.csv", allow_unknown=True),
    }
    public = read_labelled(Path(args.corpus) / "train.csv", allow_unknown=True)
    print("| weight | C | cap | ours test | independent | GoEmotions-7 dev | gate (ours / indep / GE) | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    for setting in args.settings:
        parts = setting.split(",")
        weight, C = float(parts[0]), float(parts[1])
        cap = int(parts[2]) if len(parts) > 2 else None
        texts = [r["text"] for r in train]
        labels = [r["label"] for r in train]
        weights = list(balanced_weights(labels, len(labels)))
        domain = [1] * len(texts)
        if weight > 0:
            pt, pl = cap_per_label(*public, cap)
            texts, labels = texts + pt, labels + pl
            weights += list(balanced_weights(pl, weight * len(train)))
            domain += [0] * len(pt)
        start = time.time()
        m = fit(texts, labels, sample_weight=weights, domain=domain, C=C, calibration_folds=0)
        secs = time.time() - start
        scores = {name: evaluate(m, t, y)["macro_f1"] for name, (t, y) in sets.items()}
        feats = m.pipeline.named_steps["features"]
        gates = [float(np.mean(m._base.gate(feats.transform(t)))) for t, _ in sets.values()]
        print(f"| {weight} | {C} | {cap or 'all'} | {scores['ours_test']:.3f} | {scores['independent']:.3f} | "
              f"{scores['goemotions7_dev']:.3f} | {' / '.join(f'{g:.2f}' for g in gates)} | {secs:.0f} |", flush=True)


if __name__ == "__main__":
    main()
