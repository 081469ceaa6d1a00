"""The learned checks at check time: linear models over unit features, shipped as plain arrays.

``coach-model.npz`` holds a vocabulary of feature strings, one weight column per code, biases, and per
finding code how the head and the phrase rule are combined and at which probability. Reading it needs
NumPy only; scikit-learn is used to train it (``model/coach/train.py``), never to check a draft.
"""

from pathlib import Path

import numpy as np

from ..errors import CorruptModel

__all__ = ["MODEL_PATH", "OWN_HITS", "Learned", "encode", "load"]

MODEL_PATH = Path(__file__).with_name("coach-model.npz")
# Hits that are evidence for one head only (a lexicon term, for jargon): the other heads are fitted
# without their features (train.py), and a unit's length leaves them out, so every other head reads a
# unit exactly as it would without them.
OWN_HITS = {"jargon_lex": "jargon"}
UNSCALED = frozenset(f"{where}:{hit}" for where in ("r", "p", "n", "d") for hit in OWN_HITS)
_KEYS = ("vocab", "W", "b", "codes", "modes", "thresholds", "stack_codes", "stack_w", "stack_b")


class Learned:
    """Heads over unit features: ``probs(unit_features)`` gives one probability per unit and head.

    A unit's features are binary and the vector is scaled to unit length, as in training.
    """

    def __init__(self, arrays):
        self.index = {f: i for i, f in enumerate(arrays["vocab"].tolist())}
        self.W = arrays["W"].astype(np.float32)
        self.b = arrays["b"].astype(np.float32)
        # One head (weight column) per finding code. For no_next_step / no_acknowledgement the head
        # says whether a unit IS a next step / an acknowledgement; the finding is their absence.
        self.heads = arrays["codes"].tolist()
        # code -> (head, mode, threshold); modes: see findings.py
        self.decisions = {c: (c, m, float(t)) for c, m, t in
                          zip(self.heads, arrays["modes"].tolist(), arrays["thresholds"].tolist())}
        # code -> (weights, bias) of the draft-level decision for the "stacked" mode
        self.stacks = {c: (w.tolist(), float(b)) for c, w, b in
                       zip(arrays["stack_codes"].tolist(), arrays["stack_w"], arrays["stack_b"])}

    def probs(self, unit_features):
        """``(n_units, n_heads)`` probabilities."""
        z = np.tile(self.b, (len(unit_features), 1))
        all_ids, firsts, rows, scales = [], [], [], []
        for row, feats in enumerate(unit_features):
            ids, scale = encode(feats, self.index)
            if ids:
                firsts.append(len(all_ids))
                rows.append(row)
                scales.append(scale)
                all_ids += ids
        if all_ids:  # one gather and one segmented sum for the whole draft
            sums = np.add.reduceat(self.W[all_ids], firsts, axis=0)
            z[rows] += sums * np.array(scales, dtype=np.float32)[:, None]
        return 1.0 / (1.0 + np.exp(-z))


def encode(feats, index):
    """Column ids of a unit's known features and the scale that gives the binary vector unit length.

    The length counts every distinct feature, known or not (but not ``UNSCALED`` ones), so training
    and checking agree. The ids are sorted: summed in a fixed order, the weights give the same floats
    whatever the string hash seed, so retraining writes the same file.
    """
    distinct = set(feats)
    ids = sorted(map(index.__getitem__, distinct & index.keys()))  # the set operations run in C
    n = len(distinct) - len(distinct & UNSCALED)
    return ids, (1.0 / np.sqrt(n) if n else 0.0)


def load(path=MODEL_PATH):
    """The shipped learned checks, or ``None`` when no file is there (rules alone then decide)."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in _KEYS}
    except (OSError, ValueError, KeyError) as exc:
        raise CorruptModel(f"{path.name}: not a coach model ({exc.__class__.__name__})") from None
    return Learned(arrays)
