"""Choose the real-text settings on a real-text DEV split carved from real TRAIN (never on its test).

    python bench/tune_real.py 0.5,0 1,1 [--folds 0,1] [--biases 0.25,0.5,0.75,1] [--real-biases 0,0.5,1] [--rounds rs]

Each SETTING is REAL_WEIGHT,REAL_BALANCE (``attune train --real W --real-balance B``). The real train
units are cut into four folds by a hash of their CFPB narrative (every unit of one narrative in one
fold) or their BANKING77 row. For each fold in ``--folds``, a model (GoEmotions-7 at weight 3, C 4,
no calibration: it leaves the argmax alone) trains on our messages, GoEmotions-7 train and the real
units of the other folds, and is scored on the fold's first-round units (ids ``r…``: a natural sample;
the second round was picked where the old model guessed a rare label, so it only trains). Dev
macro-F1 pools the folds' predictions. The features are fitted once on all training texts (no labels).

With ``--fit-bias`` the dev scores are those of per-label logit offsets for real text (``attune train
--real-class-bias``) fitted on half the folds and scored on the other half, and the offsets fitted on all
dev folds are printed as the option to train with.

For each gate prior (``--biases``: support's log prior odds, as ``--gate-bias``; ``--real-biases``:
real text's, scored only), it prints dev macro-F1 and per label F1, the mean gate weight of real text,
and, for the first fold's model, our written test split, the independent hold-out, the sarcasm hold-out
(accuracy) and GoEmotions-7 dev: the bars a choice must keep.
"""

import argparse
import hashlib
import sys
import time

import numpy as np
from sklearn.metrics import f1_score
from sklearn.pipeline import FeatureUnion

from attune.model.classifier import DomainAdaptedLR
from attune.model.data import REAL_FILE, TRAINING_DIR, data_root, read_labelled, read_references, read_split, \
    read_training_data
from attune.model.features import StyleFeatures, TicketVectorizer
from attune.model.labels import LABELS
from attune.model.train import DEFAULTS, PUBLIC, REAL, SUPPORT, balanced_weights, real_unit_weights

FOLDS = 4


def fold_of(unit):
    """The unit's fold: a CFPB narrative (all its units) or a BANKING77 row, by a fixed hash."""
    key = f"cfpb:{unit['row']}" if unit["file"].startswith("cfpb/") else f"{unit['file']}:{unit['row']}"
    return int(hashlib.sha1(key.encode()).hexdigest(), 16) % FOLDS


def load(rounds=None):
    sup = read_training_data(split="train")
    ge = read_labelled(data_root() / "goemotions7" / "train.csv", allow_unknown=True)
    real = read_references(TRAINING_DIR / REAL_FILE, split="train")
    if rounds:  # only these labelling rounds (unit id prefixes: r, s, t, u), to measure what a round adds
        real = [u for u in real if u["unit"][0] in rounds]
    texts = [r["text"] for r in sup] + ge[0] + [u["text"] for u in real]
    features = FeatureUnion([("text", TicketVectorizer(min_df=DEFAULTS["min_df"], max_features=DEFAULTS["max_features"])),
                             ("style", StyleFeatures())]).fit(texts)
    bars = {n: read_split(n) for n in ("written", "holdout", "sarcasm")}
    bars["ge_dev"] = read_labelled(data_root() / "goemotions7" / "dev.csv", allow_unknown=True)
    bars = {n: (features.transform(t).tocsr(), np.array([LABELS.index(y) for y in ys])) for n, (t, ys) in bars.items()}
    return features.transform(texts).tocsr(), [r["label"] for r in sup], ge[1], real, bars


def source_weights(y_sup, y_ge, y_real, real_weight, balance):
    """The recipe's weights: our messages balanced, GoEmotions-7 at 3, real units as ``attune train --real``."""
    w = np.array(list(balanced_weights(y_sup, len(y_sup))) + list(balanced_weights(y_ge, 3 * len(y_sup)))
                 + real_unit_weights(y_real, real_weight, balance))
    return w * len(w) / w.sum()


def fit_fold(X, y_sup, y_ge, real, fold, real_weight, balance, C):
    ns, ng = len(y_sup), len(y_ge)
    keep = [i for i, u in enumerate(real) if fold_of(u) != fold]
    y_real = [real[i]["label"] for i in keep]
    labels = y_sup + y_ge + y_real
    w = source_weights(y_sup, y_ge, y_real, real_weight, balance)
    domain = np.array([SUPPORT] * ns + [PUBLIC] * ng + [REAL] * len(keep))
    model = DomainAdaptedLR(C=C, tol=DEFAULTS["tol"])
    return model.fit(X[list(range(ns + ng)) + [ns + ng + i for i in keep]], np.array([LABELS.index(y) for y in labels]),
                     sample_weight=w, domain=domain)


def parts(model, X):
    """Logits per weight block (shared, then each source) and the gate's raw scores: priors re-weigh them."""
    d = X.shape[1]
    blocks = [X @ model.lr_.coef_[:, j * d:(j + 1) * d].T for j in range(len(model.domains_) + 1)]
    gate = model.gate_.decision_function(X)[:, [list(model.gate_.classes_).index(s) for s in model.domains_]]
    return blocks, gate, model.lr_.intercept_, model.gate_sharpness


def logits(p, priors):
    """Each row's label logits and its source weights (support, public, real) under the gate priors."""
    blocks, gate, intercept, sharpness = p
    z = sharpness * (gate + np.asarray(priors)[None, :])
    g = np.exp(z - z.max(axis=1, keepdims=True))
    g /= g.sum(axis=1, keepdims=True)
    return blocks[0] + intercept + sum(g[:, [j]] * blocks[j + 1] for j in range(g.shape[1])), g


def predict(p, priors):
    z, g = logits(p, priors)
    return z.argmax(axis=1), g


def dev_f1(y, pred):
    return f1_score(y, pred, labels=sorted(set(y)), average="macro")


def fit_bias(z, g_real, y, skip=("grateful",), grid=np.arange(-2, 2.01, 0.1), sweeps=3):
    """Per-label logit offsets for real text (scaled by its gate weight) that maximise dev macro-F1, one
    label at a time, a few sweeps. Labels in ``skip`` keep 0: too few dev units to choose an offset."""
    b = np.zeros(z.shape[1])
    best = dev_f1(y, z.argmax(axis=1))
    for _ in range(sweeps):
        for k, label in enumerate(LABELS):
            if label in skip:
                continue
            for v in grid:
                trial = b.copy()
                trial[k] = v
                score = dev_f1(y, (z + g_real[:, None] * trial[None, :]).argmax(axis=1))
                if score > best + 1e-9:
                    best, b = score, trial
    return b


def score_setting(data, setting, folds, priors, C):
    X, y_sup, y_ge, real, bars = data
    real_weight, balance = setting
    ns_ng = len(y_sup) + len(y_ge)
    got = {p: ([], [], [], [], []) for p in priors}  # predictions, truth, real gate weight, logits, fold
    bar_scores, secs = {}, 0.0
    for fold in folds:
        start = time.time()
        model = fit_fold(X, y_sup, y_ge, real, fold, real_weight, balance, C)
        secs += time.time() - start
        dev = [i for i, u in enumerate(real) if fold_of(u) == fold and u["unit"].startswith("r")]
        p_dev = parts(model, X[[ns_ng + i for i in dev]])
        p_bars = {n: parts(model, Xb) for n, (Xb, _) in bars.items()} if not bar_scores else None
        for prior in priors:
            z, g = logits(p_dev, [prior[0], 0.0, prior[1]])  # sources: support, public, real
            got[prior][0].extend(z.argmax(axis=1))
            got[prior][1].extend(LABELS.index(real[i]["label"]) for i in dev)
            got[prior][2].extend(g[:, 2])
            got[prior][3].extend(z)
            got[prior][4].extend([fold] * len(dev))
            if p_bars is not None:
                bar_scores[prior] = {n: _bar(n, predict(p_bars[n], [prior[0], 0.0, prior[1]])[0], yb)
                                     for n, (_, yb) in bars.items()}
    return got, bar_scores, secs


def _bar(name, pred, y):
    return float(np.mean(pred == y)) if name == "sarcasm" else f1_score(y, pred, average="macro")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("settings", nargs="+", help="REAL_WEIGHT,REAL_BALANCE")
    ap.add_argument("--folds", default="0,1")
    ap.add_argument("--biases", default="0.25,0.5,0.75,1")
    ap.add_argument("--real-biases", default="0")
    ap.add_argument("--C", type=float, default=4.0)
    ap.add_argument("--fit-bias", action="store_true",
                    help="also fit per-label offsets for real text (train --real-class-bias) on the dev folds: "
                         "scored by cross-fitting (offsets from half the folds, scored on the other half), "
                         "then fitted on all dev folds to print the option")
    ap.add_argument("--rounds", default="", help="train on these labelling rounds only, e.g. rs (default: all)")
    args = ap.parse_args()
    folds = [int(f) for f in args.folds.split(",")]
    priors = [(float(b), float(r)) for b in args.biases.split(",") for r in args.real_biases.split(",")]
    data = load(args.rounds)
    print(f"real train units {len(data[3])}; dev (first-round units of folds {args.folds}) "
          f"{sum(fold_of(u) in folds and u['unit'].startswith('r') for u in data[3])}", file=sys.stderr)
    print("| real weight | balance | gate_bias | real prior | real dev | angry | frus | anx | conf | disap | grat | neut "
          "| g_real | written | holdout | sarcasm | ge_dev | fit s |")
    print("|---" * 18 + "|")
    for setting in args.settings:
        got, bars, secs = score_setting(data, tuple(float(x) for x in setting.split(",")), folds, priors, args.C)
        for prior in priors:
            pred, true, g, z, fold_ids = (np.array(x) for x in got[prior])
            if args.fit_bias:
                pred = _cross_fitted(z, g, true, fold_ids, folds)
            per = f1_score(true, pred, labels=range(len(LABELS)), average=None)
            dev = f1_score(true, pred, labels=sorted(set(true)), average="macro")
            b = bars[prior]
            print(f"| {setting.replace(',', ' | ')} | {prior[0]:g} | {prior[1]:g} | {dev:.3f} | "
                  + " | ".join(f"{x:.2f}" for x in per) + f" | {np.mean(g):.2f} | {b['written']:.3f} | "
                  f"{b['holdout']:.3f} | {b['sarcasm']:.3f} | {b['ge_dev']:.3f} | {secs:.0f} |", flush=True)
            if args.fit_bias:
                offsets = fit_bias(z, g, true)
                print(f"  (dev with offsets cross-fitted; without: {dev_f1(true, z.argmax(axis=1)):.3f}) offsets on all "
                      "dev folds: --real-class-bias " + ",".join(f"{lab}={v:g}" for lab, v in zip(LABELS, offsets.round(2)) if v),
                      flush=True)


def _cross_fitted(z, g, y, fold_ids, folds):
    """Dev predictions with offsets fitted on the other half of the folds (an honest estimate of their gain)."""
    half = set(folds[: len(folds) // 2])
    pred = z.argmax(axis=1)
    for fit_on in (np.isin(fold_ids, list(half)), ~np.isin(fold_ids, list(half))):
        b = fit_bias(z[fit_on], g[fit_on], y[fit_on])
        pred[~fit_on] = (z[~fit_on] + g[~fit_on, None] * b[None, :]).argmax(axis=1)
    return pred


if __name__ == "__main__":
    main()
