"""Training: our own messages for the job, public corpora for breadth.

Public corpora are ten times larger than our data and come from Reddit and
film subtitles, not helpdesks. Each source therefore gets a *total* weight
(ours = 1), spread evenly over its labels, so a corpus adds vocabulary and
breadth without deciding what a customer message means.
"""

import hashlib
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline

from .artifact import sha256_file
from .classifier import DomainAdaptedLR
from .core import Model
from .data import (REAL_FILE, SPLITS, TRAINING_DIR, TRAINING_FILE, read_labelled, read_references, read_split,
                   read_training_data, source_entry)
from .errors import DataError
from .evaluate import evaluate
from .features import StyleFeatures, TicketVectorizer
from .labels import LABELS, check_label

__all__ = ["build_pipeline", "fit", "train", "balanced_weights", "real_unit_weights", "cap_per_label", "DEFAULTS", "LICENCES", "CORPUS_CAP"]

DEFAULTS = {
    "C": 4.0,
    "min_df": 2,
    "max_features": 100_000,
    "char_weight": 1.0,
    "style_weight": 1.0,
    "calibration_folds": 3,
    "tol": 1e-3,
    "gate_bias": 0.25,
}

#: A public corpus may be capped to this many examples per label (None: all).
#: Measured: capping GoEmotions at 5,000 cost 0.03 macro-F1 on its dev set
#: for half the training time; the shipped model uses all of it.
CORPUS_CAP = None

#: Licences of the public corpora we know, for the manifest and README.
LICENCES = {
    "goemotions": "Apache-2.0 (Demszky et al., 2020, Google Research)",
    "goemotions7": "Apache-2.0 (derived from GoEmotions, Demszky et al., 2020)",
    "xed_en": "CC BY 4.0 (Öhman et al., 2020)",
    "training_data": "Apache-2.0 (written by the Attune project)",
    "real": "labels: Apache-2.0 (the Attune project); text read from CFPB complaint narratives (public domain) "
            "and BANKING77 (CC BY 4.0, Casanueva et al., 2020)",
}


def build_pipeline(C=DEFAULTS["C"], min_df=DEFAULTS["min_df"], max_features=DEFAULTS["max_features"],
                   char_weight=DEFAULTS["char_weight"],
                   style_weight=DEFAULTS["style_weight"], calibration_folds=DEFAULTS["calibration_folds"],
                   tol=DEFAULTS["tol"], gate_bias=DEFAULTS["gate_bias"], class_bias=None):
    """The unfitted scikit-learn pipeline (features, then a calibrated linear model)."""
    text = TicketVectorizer(min_df=min_df, max_features=max_features, char_weight=char_weight)
    features = FeatureUnion([("text", text), ("style", StyleFeatures(weight=style_weight))])
    base = DomainAdaptedLR(C=C, tol=tol, gate_bias=gate_bias, class_bias=class_bias)
    # Temperature scaling keeps the linear model's ranking and fixes its
    # over-confidence; 0 folds skips it (tuning only: argmax is unchanged).
    # The folds are shuffled: training rows come source after source, and unshuffled stratified folds
    # cut each label's rows into contiguous thirds, so a fold could hold out one source's whole label
    # (all GoEmotions "anxious" once real text grew), whose confident out-of-fold errors then
    # flattened the temperature from 0.38 to 0.14 (docs/model.md, "Calibration folds").
    folds = StratifiedKFold(calibration_folds, shuffle=True, random_state=0) if calibration_folds else None
    clf = CalibratedClassifierCV(base, method="temperature", cv=folds, ensemble=False) if folds else base
    return Pipeline([("features", features), ("clf", clf)])


def balanced_weights(labels, total):
    """Per-example weights giving each label an equal share of ``total``."""
    counts = Counter(labels)
    per_label = total / len(counts)
    return np.array([per_label / counts[y] for y in labels])


def cap_per_label(texts, labels, cap, seed=0):
    """Keep at most ``cap`` examples of each label (a fixed random sample)."""
    rng = np.random.RandomState(seed)
    if cap is None:
        return list(texts), list(labels)
    keep = []
    for label in LABELS:
        idx = [i for i, y in enumerate(labels) if y == label]
        if len(idx) > cap:
            idx = sorted(rng.choice(idx, cap, replace=False))
        keep += idx
    keep.sort()
    return [texts[i] for i in keep], [labels[i] for i in keep]


def fit(texts, labels, sample_weight=None, domain=None, version=None, manifest=None, **params):
    """Fit a model on in-memory texts and return a :class:`Model`.

    Parameters
    ----------
    texts, labels : sequences of str
        Training messages and their labels (labels checked).
    sample_weight : array-like, optional
        Default: each label weighs the same in total.
    domain : array-like of {0, 1}, optional
        1 for support messages, 0 for public corpora (see
        :class:`model.classifier.DomainAdaptedLR`); default all support.
    version : str, optional
        Default: ``dev-<hash of the data>``.
    **params
        Passed to :func:`build_pipeline` (``C``, ``min_df``, ...).

    Examples
    --------
    >>> m = fit(["this is outrageous", "thank you so much"] * 3 + ["where do I click?"] * 3
    ...         + ["I'm so worried"] * 3 + ["still broken, again"] * 3 + ["I expected better"] * 3
    ...         + ["please update my address"] * 3,
    ...         ["angry", "grateful"] * 3 + ["confused"] * 3 + ["anxious"] * 3 + ["frustrated"] * 3
    ...         + ["disappointed"] * 3 + ["neutral"] * 3, min_df=1, calibration_folds=2)
    >>> m.analyze("thank you so much")["label"]
    'grateful'
    """
    texts = list(texts)
    labels = [check_label(y) for y in labels]
    if len(texts) != len(labels) or not texts:
        raise DataError("need as many labels as texts, and at least one of each")
    missing = set(LABELS) - set(labels)
    if missing:
        raise DataError(f"training data has no examples of: {', '.join(sorted(missing))}")
    if sample_weight is None:
        sample_weight = balanced_weights(labels, len(labels))
    sample_weight = np.asarray(sample_weight, dtype=float)
    sample_weight *= len(sample_weight) / sample_weight.sum()  # keeps C's meaning stable
    pipeline = build_pipeline(**params)
    y = np.array([LABELS.index(lab) for lab in labels])
    domain = np.ones(len(texts)) if domain is None else np.asarray(domain, dtype=float)
    pipeline.fit(texts, y, clf__sample_weight=sample_weight, clf__domain=domain)
    digest = hashlib.sha256("\n".join(f"{y}\t{t}" for t, y in zip(texts, labels)).encode()).hexdigest()
    man = {"params": {**DEFAULTS, **params}, "n_train": len(texts)}
    man.update(manifest or {})
    model = Model(pipeline, version or f"dev-{digest[:8]}", man)
    return model


#: Source ids for the domain-adapted classifier: public corpora, our messages, real customers' text.
PUBLIC, SUPPORT, REAL = 0, 1, 2


def real_unit_weights(labels, weight, balance=0.0):
    """Weights of real units: ``weight`` each on average, tilted towards equal label totals by ``balance``
    (0: as labelled, a rare feeling stays rare; 1: each label the same total; between: counts ** -balance)."""
    if not balance:
        return [weight] * len(labels)
    tilt = balanced_weights(labels, len(labels)) ** balance
    return list(weight * tilt * len(labels) / tilt.sum())


def train(data_dir=None, corpora=(), version=None, eval_corpora=(), corpus_cap=CORPUS_CAP, real_weight=0.0,
          real_balance=0.0, real_class_bias=None, real_rounds=None, **params):
    """Train on ``training_data`` (split=train) plus weighted public corpora.

    Parameters
    ----------
    data_dir : path, optional
        Folder with ``messages.csv``.
    corpora : iterable of (name, path, weight)
        Extra labelled files (see :func:`model.data.parse_corpus_spec`).
    eval_corpora : iterable of (name, path)
        Held-out labelled files to score the model on, stored in the manifest.
    extra : list of (text, label), optional
        More examples with our data's weight (agent corrections).
    real_weight : float, default 0
        Weight of each labelled unit of real customers' text (``real/labels.csv``, train split,
        resolved from the data root) relative to an average message of ours; they are a source of
        their own for the gate. 0 leaves them out.
    real_balance : float, default 0
        Tilts the real units' weights towards equal label totals (see :func:`real_unit_weights`); their
        average weight stays ``real_weight``.
    real_rounds : str, optional
        Only the real units of these labelling rounds (unit id prefixes, e.g. ``"rs"``: rounds 1–2);
        default all.
    real_class_bias : dict, optional
        Label -> logit offset for text the gate reads as real customers' (see
        :class:`~model.classifier.DomainAdaptedLR`'s ``class_bias``); used only with ``real_weight``.

    Returns
    -------
    Model
        With a manifest listing sources (sha256, licence), parameters and the
        scores on our test split and on ``eval_corpora``.
    """
    extra = params.pop("extra", ())
    rows = read_training_data(data_dir)
    train_rows = [r for r in rows if r["split"] == "train"]
    test_rows = [r for r in rows if r["split"] == "test"]
    texts = [r["text"] for r in train_rows] + [t for t, _ in extra]
    labels = [r["label"] for r in train_rows] + [check_label(y) for _, y in extra]
    weights = list(balanced_weights(labels, len(labels)))
    domain = [1] * len(texts)
    sources = [_source("training_data", Path(data_dir or TRAINING_DIR) / TRAINING_FILE, len(train_rows))]
    for name, path, weight in corpora:
        c_texts, c_labels = cap_per_label(*read_labelled(path, allow_unknown=True), corpus_cap)
        texts += c_texts
        labels += c_labels
        weights += list(balanced_weights(c_labels, weight * len(train_rows)))
        domain += [0] * len(c_texts)
        sources.append(_source(name, path, len(c_texts), weight) | {"cap_per_label": corpus_cap})
    if real_weight:
        real_path = Path(data_dir or TRAINING_DIR) / REAL_FILE
        real = read_references(real_path, split="train")
        if real_rounds:
            real = [u for u in real if u["unit"][0] in real_rounds]
        texts, labels = texts + [u["text"] for u in real], labels + [u["label"] for u in real]
        weights += real_unit_weights([u["label"] for u in real], real_weight, real_balance)
        domain += [REAL] * len(real)
        sources.append(_source("real", real_path, len(real), real_weight) | {"balance": real_balance}
                       | ({"rounds": real_rounds} if real_rounds else {}))
        if real_class_bias:
            params["class_bias"] = {REAL: [float(real_class_bias.get(label, 0.0)) for label in LABELS]}
    version = version or datetime.now(timezone.utc).strftime("%Y.%m.%d-%H%M%S")
    model = fit(texts, labels, sample_weight=weights, domain=domain, version=version,
                manifest={"sources": sources, "n_extra": len(extra)}, **params)
    model.manifest["scores"] = _scores(model, data_dir, test_rows, eval_corpora)
    return model


def _scores(model, data_dir, test_rows, eval_corpora):
    scores = {}
    if test_rows:
        scores["training_data_test"] = evaluate(model, [r["text"] for r in test_rows], [r["label"] for r in test_rows])
    for split in SPLITS:  # every held-out split we ship; real text only where its corpora are
        try:
            scores[f"{split}_test"] = evaluate(model, *read_split(split, data_dir))
        except (DataError, OSError):
            continue
    for name, path in eval_corpora:
        scores[name] = evaluate(model, *read_labelled(path, allow_unknown=True))
    return scores


def _source(name, path, n, weight=1.0):
    # Named relative to a root, never by this machine's absolute path (see data.source_entry).
    return source_entry(name, path) | {"file": Path(path).name, "rows": n, "weight": weight,
                                       "sha256": sha256_file(path),
                                       "licence": LICENCES.get(name, "see the corpus's own licence")}
