"""Choose the sources' weights and the gate prior by measurement.

    python bench/tune_weights.py GE_WEIGHT,REAL_WEIGHT ... [--biases 0.25,0.5,0.75,1] [--C 4]
    e.g. python bench/tune_weights.py 3,0 3,0.5 4,1

For each setting, trains on our messages (split=train, the sarcasm set included), GoEmotions-7
train (total weight GE_WEIGHT relative to ours) and the train split of real customers' text
(each unit weighing REAL_WEIGHT, a source of its own), without calibration (temperature scaling
does not change the argmax, so macro-F1 is the same). Then, for each gate prior (``gate_bias``,
applied at prediction, so one fit serves every value), it reports macro-F1 on data the model did
not train on: our written test split, the independent hold-out, real customers' test split, the
sarcasm hold-out (accuracy) and GoEmotions-7 dev and test. The shipped values are chosen on
GoEmotions-7 *dev*; test is printed so the choice can be checked, not made.
"""

import argparse
import time

from attune.model.core import Model
from attune.model.data import REAL_FILE, TRAINING_DIR, data_root, read_labelled, read_references, read_split, \
    read_training_data
from attune.model.evaluate import evaluate
from attune.model.train import PUBLIC, REAL, SUPPORT, balanced_weights, fit

COLUMNS = ("written", "holdout", "real", "sarcasm", "ge_dev", "ge_test")


def _training_set(ge_weight, real_weight):
    train = read_training_data(split="train")
    texts, labels = [r["text"] for r in train], [r["label"] for r in train]
    weights, domain = list(balanced_weights(labels, len(labels))), [SUPPORT] * len(texts)
    if ge_weight:
        t, y = read_labelled(data_root() / "goemotions7" / "train.csv", allow_unknown=True)
        texts, labels = texts + t, labels + y
        weights += list(balanced_weights(y, ge_weight * len(train)))
        domain += [PUBLIC] * len(t)
    if real_weight:
        units = read_references(TRAINING_DIR / REAL_FILE, split="train")
        texts += [u["text"] for u in units]
        labels += [u["label"] for u in units]
        weights += [real_weight] * len(units)
        domain += [REAL] * len(units)
    return texts, labels, weights, domain


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("settings", nargs="+", help="GE_WEIGHT,REAL_WEIGHT")
    ap.add_argument("--biases", default="0.25,0.5,0.75,1", help="gate priors to score (comma-separated)")
    ap.add_argument("--C", type=float, default=4.0)
    args = ap.parse_args()

    sets = {name: read_split(name) for name in ("written", "holdout", "real", "sarcasm")}
    sets["ge_dev"] = read_labelled(data_root() / "goemotions7" / "dev.csv", allow_unknown=True)
    sets["ge_test"] = read_labelled(data_root() / "goemotions7" / "test.csv", allow_unknown=True)
    print("| GoEmotions weight | real weight | gate_bias | " + " | ".join(COLUMNS) + " | fit s |")
    print("|---" * (len(COLUMNS) + 4) + "|")
    for setting in args.settings:
        ge_weight, real_weight = (float(x) for x in setting.split(","))
        start = time.time()
        texts, labels, weights, domain = _training_set(ge_weight, real_weight)
        m = fit(texts, labels, sample_weight=weights, domain=domain, C=args.C, calibration_folds=0)
        secs = time.time() - start
        for bias in (float(b) for b in args.biases.split(",")):
            m._base.gate_bias = bias
            scored = Model(m.pipeline, m.version, m.manifest)  # the runtime rebuilt with this prior
            row = [evaluate(scored, *sets[name])["accuracy" if name == "sarcasm" else "macro_f1"] for name in COLUMNS]
            print(f"| {ge_weight:g} | {real_weight:g} | {bias:g} | " + " | ".join(f"{v:.3f}" for v in row)
                  + f" | {secs:.0f} |", flush=True)


if __name__ == "__main__":
    main()
