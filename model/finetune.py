"""Fine-tuning: teach a trained model agents' corrections in seconds, without retraining it.

Training the shipped model from scratch takes a quarter of an hour (37,000 public-corpus
messages, calibration folds). Retraining from corrections instead keeps everything the model
learned and fits a *correction* on top of it: a weight change ``D`` for the shared weights of the
features seen in the fine-tuning data, and a change of intercept, minimising

    sum_i w_i * crossentropy(softmax(beta * (z_i + x_i D + b)), y_i) + |D|^2 / (2 C)

where ``z_i`` are the model's own logits and ``beta`` its calibration temperature. Anchored by our
training messages, which the model already reads well, the change is driven by what it gets
wrong: the corrections. The result is the same kind of pipeline (the change is added to its
weights), so it saves, loads and serves like any other model.
"""

import copy

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize

from .core import Model
from .errors import DataError
from .labels import LABELS, check_label

__all__ = ["finetune"]


def finetune(base, texts, labels, sample_weight=None, C=4.0, version=None, manifest=None, max_iter=300):
    """A copy of ``base`` that also fits ``texts``/``labels``.

    Parameters
    ----------
    base : Model
        A trained model (its pipeline: features, then a temperature-calibrated
        :class:`~model.classifier.DomainAdaptedLR`, as :func:`model.train.fit` makes).
    texts, labels : sequences of str
        Fine-tuning data: our training messages and the corrections.
    sample_weight : array-like, optional
        Per example (default equal); rescaled to mean 1, as in training.
    C : float
        Inverse strength of the pull back towards ``base``'s weights.

    Returns
    -------
    Model
        With ``manifest`` (default: ``base``'s) and ``version``.
    """
    texts, labels = list(texts), [check_label(y) for y in labels]
    if not texts or len(texts) != len(labels):
        raise DataError("fine-tuning needs as many labels as texts, and at least one of each")
    pipeline = copy.deepcopy(base.pipeline)
    clf = pipeline.named_steps["clf"]
    cals = getattr(clf, "calibrated_classifiers_", None)
    if not cals or len(cals) != 1 or cals[0].method != "temperature":
        raise DataError("this model cannot be fine-tuned (not a temperature-calibrated Attune model): retrain it")
    est, beta = cals[0].estimator, float(cals[0].calibrators[0].beta_)
    X = pipeline.named_steps["features"].transform(texts).tocsr()
    z = est.decision_function(X)  # columns in the order of est.classes_
    classes = list(est.classes_)
    y = np.array([classes.index(LABELS.index(lab)) for lab in labels])
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    w = w * len(w) / w.sum()
    cols = np.unique(X.indices)  # a feature absent from the data keeps its weight
    delta, bias = _fit_correction(X[:, cols].tocsr(), z, y, w, beta, C, max_iter)
    lr = est.lr_
    lr.coef_ = lr.coef_.copy()
    lr.coef_[:, cols] += delta.T  # the shared block: the first n_features_in_ columns
    lr.intercept_ = lr.intercept_ + bias
    man = dict(base.manifest if manifest is None else manifest)
    return Model(pipeline, version or base.version, man)


def _fit_correction(X, z, y, w, beta, C, max_iter):
    """``(D, b)`` minimising the weighted cross-entropy around logits ``z`` plus ``|D|^2 / 2C`` (L-BFGS)."""
    n, k = z.shape
    d = X.shape[1]
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0
    Xt = sp.csr_matrix(X.T)

    def loss_and_grad(theta):
        D, b = theta[: d * k].reshape(d, k), theta[d * k:]
        logits = beta * (z + X @ D + b)
        logits -= logits.max(axis=1, keepdims=True)
        lse = np.log(np.exp(logits).sum(axis=1))
        p = np.exp(logits - lse[:, None])
        loss = float(w @ (lse - logits[np.arange(n), y])) + 0.5 * float((D * D).sum()) / C
        r = beta * w[:, None] * (p - onehot)
        return loss, np.concatenate([(Xt @ r + D / C).ravel(), r.sum(axis=0)])

    res = minimize(loss_and_grad, np.zeros(d * k + k), jac=True, method="L-BFGS-B",
                   options={"maxiter": max_iter, "gtol": 1e-4})
    return res.x[: d * k].reshape(d, k), res.x[d * k:]
