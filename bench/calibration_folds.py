"""Why the calibration temperature collapsed: out-of-fold logits as ``CalibratedClassifierCV`` makes them.

    python bench/calibration_folds.py rstu            # all four labelling rounds, shuffled folds (today)
    python bench/calibration_folds.py rstu --unshuffled   # the folds training used before the fix
    python bench/calibration_folds.py rs [--unshuffled]   # rounds 1-2, the shipped recipe

The shipped recipe's weights (our messages balanced, GoEmotions-7 at 3, real units at 0.5 balanced), three
stratified folds, no offsets. For each source (and real-text round) it prints the temperature ``beta``
that fits it best, its out-of-fold accuracy, and the logit gap by which wrong rows are wrong: with the
old, unshuffled folds one fold held out a source's whole label and the temperature collapsed
(docs/model.md, "Calibration folds").
"""

import argparse

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax
from sklearn.model_selection import StratifiedKFold

from attune.model.classifier import DomainAdaptedLR
from attune.model.labels import LABELS
from attune.model.train import DEFAULTS, PUBLIC, REAL, SUPPORT

from tune_real import load, source_weights


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rounds", help="real-text labelling rounds by unit id prefix, e.g. rs or rstu")
    ap.add_argument("--unshuffled", action="store_true", help="contiguous folds, as before the fix")
    args = ap.parse_args()
    X, y_sup, y_ge, real, _ = load(args.rounds)
    ns, ng, nr = len(y_sup), len(y_ge), len(real)
    y_real = [u["label"] for u in real]
    w = source_weights(y_sup, y_ge, y_real, 0.5, 1.0)
    dom = np.array([SUPPORT] * ns + [PUBLIC] * ng + [REAL] * nr)
    y = np.array([LABELS.index(v) for v in y_sup + y_ge + y_real])
    folds = StratifiedKFold(3) if args.unshuffled else StratifiedKFold(3, shuffle=True, random_state=0)
    Z = np.zeros((len(y), len(LABELS)))
    for tr, te in folds.split(X, y):
        model = DomainAdaptedLR(C=DEFAULTS["C"], tol=DEFAULTS["tol"], gate_bias=0.75)
        Z[te] = model.fit(X[tr], y[tr], sample_weight=w[tr], domain=dom[tr]).decision_function(X[te])

    def best_beta(idx):
        def nll(beta):
            lp = log_softmax(beta * Z[idx], axis=1)[np.arange(len(idx)), y[idx]]
            return -(w[idx] * lp).sum() / w[idx].sum()
        return minimize_scalar(nll, bounds=(0.01, 5), method="bounded").x

    groups = {"all": np.arange(len(y)), "ours": np.where(dom == SUPPORT)[0], "goemotions7": np.where(dom == PUBLIC)[0],
              "real": np.where(dom == REAL)[0]}
    for prefix in args.rounds:
        groups[f"real round {prefix}"] = np.array([ns + ng + i for i, u in enumerate(real) if u["unit"][0] == prefix])
    print(f"{'rows':18} {'n':>6} {'weight':>7} {'beta':>6} {'oof acc':>8} {'gap p99':>8} {'gap max':>8}")
    for name, idx in groups.items():
        gap = Z[idx].max(1) - Z[idx, y[idx]]
        print(f"{name:18} {len(idx):6d} {w[idx].sum() / w.sum():7.3f} {best_beta(idx):6.3f} "
              f"{(Z[idx].argmax(1) == y[idx]).mean():8.3f} {np.quantile(gap, 0.99):8.1f} {gap.max():8.1f}")


if __name__ == "__main__":
    main()
