"""The model object: a fitted scikit-learn pipeline, and the runtime that serves it.

Training makes a :class:`Model`; analysing is done by its
:class:`~model.runtime.Runtime`, which holds the pipeline's weights as plain
arrays and runs the pipeline's steps by hand (rather than
``pipeline.predict_proba``), so that the tokens and style signals computed for
the features are reused for cues and intensity instead of being computed twice.
"""

import copy

import numpy as np
import scipy.sparse as sp

from .labels import LABELS
from .runtime import MAX_CHARS, Runtime

__all__ = ["Model", "MAX_CHARS"]


class Model:
    """A trained emotion model.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        ``features`` (a FeatureUnion of ``text``: :class:`TicketVectorizer` and
        ``style``: :class:`StyleFeatures`) then ``clf`` (a calibrated linear classifier).
    version : str
        Shown in every result as ``model``.
    manifest : dict, optional
        Metadata written beside the artifact (training data, scores, ...).
    """

    def __init__(self, pipeline, version, manifest=None):
        self.pipeline = pipeline
        self.version = version
        self.manifest = manifest or {}
        self.labels = LABELS
        union = pipeline.named_steps["features"]
        steps = dict(union.transformer_list)
        self._vec, self._style = steps["text"], steps["style"]
        clf = pipeline.named_steps["clf"]
        self._clf = clf
        # Classes are label indices (see train.fit); map them to LABELS order.
        self._order = np.array([list(clf.classes_).index(i) for i in range(len(LABELS))])
        self._base = clf.calibrated_classifiers_[0].estimator if hasattr(clf, "calibrated_classifiers_") else clf
        pushes, fast = self._compile()
        self._runtime = Runtime(self._vec.encoder(), self._style.scale_, self._style.weight, pushes, fast, version,
                                self.manifest, predict=None if fast is not None else self._sklearn_predict)

    @property
    def runtime(self):
        """The :class:`~model.runtime.Runtime` that analyses for this model (same version and manifest)."""
        rt = self._runtime
        if rt.version != self.version or rt.manifest is not self.manifest:  # reassigned since (saving, copies)
            rt = self._runtime = copy.copy(rt)
            rt.version, rt.manifest = self.version, self.manifest
        return rt

    # -- public ------------------------------------------------------------
    def save(self, directory):
        """Write this model atomically to ``directory``; see :func:`model.artifact.save`."""
        from .artifact import save

        return save(self, directory)

    def analyze(self, text, max_chars=MAX_CHARS, explain=True):
        """Analyse one customer message; see :meth:`analyze_batch`."""
        return self.runtime.analyze_batch([text], max_chars=max_chars, explain=explain)[0]

    def analyze_batch(self, texts, max_chars=MAX_CHARS, explain=True, guide=True):
        """Analyse many customer messages at once; see :meth:`model.runtime.Runtime.analyze_batch`."""
        return self.runtime.analyze_batch(texts, max_chars=max_chars, explain=explain, guide=guide)

    def analyze_each(self, texts, max_chars=MAX_CHARS, explain=True, guide=True):
        """Like :meth:`analyze_batch`, but a refused text does not fail the others; see :meth:`model.runtime.Runtime.analyze_each`."""
        return self.runtime.analyze_each(texts, max_chars=max_chars, explain=explain, guide=guide)

    # -- prediction ----------------------------------------------------------
    def _compile(self):
        """The fitted linear model as plain arrays: ``(pushes, fast)``.

        ``pushes`` is a float32 ``(n_text_features * 7, sets)`` table: row
        ``f * 7 + label`` holds feature ``f``'s weight for that label minus its
        mean weight over labels, one column per weight set (shared, support,
        public, see :class:`~model.classifier.DomainAdaptedLR`). That is a
        feature's push towards the label rather than towards any, which is
        what cues show; and as the mean only adds the same amount to every
        label's logit of a text, which softmax ignores, the same table gives
        the probabilities. One table, half the size of the weights in float64:
        the model's hottest memory fits in the CPU cache.

        ``fast`` holds the rest (style weights, intercepts, gate, calibration),
        or is None if this is not the model kind expected, in which case
        scikit-learn predicts. scikit-learn's predict_proba spends most of a
        single-text call on input validation and dispatch, so we do the
        arithmetic directly, after checking on sample texts that it agrees.
        """
        base, clf = self._base, self._clf
        lr, n = base.lr_, base.n_features_in_
        n_text, k = len(self._vec.idf_), len(LABELS)
        W = np.asarray(lr.coef_, dtype=float)[self._order]  # rows in LABELS order
        blocks = [W[:, b * n : (b + 1) * n] for b in range(W.shape[1] // n)]
        text = np.stack([blk[:, :n_text].T - blk[:, :n_text].mean(axis=0)[:, None] for blk in blocks], axis=2)
        pushes = np.ascontiguousarray(text.reshape(n_text * k, len(blocks)), dtype=np.float32)
        cals = getattr(clf, "calibrated_classifiers_", None)
        beta = None
        if cals is not None:
            if len(cals) != 1 or cals[0].method != "temperature":
                return pushes, None
            beta = float(cals[0].calibrators[0].beta_)
        fast = {"style": np.stack([blk[:, n_text:].T for blk in blocks], axis=2).reshape(n - n_text, k * len(blocks)),
                "intercept": np.asarray(lr.intercept_, dtype=float)[self._order], "beta": beta, "gate": None}
        if base.gate_ is not None and len(base._domains()) == 2:
            sign = 1.0 if list(base.gate_.classes_) == [0, 1] else -1.0
            coef = sign * np.asarray(base.gate_.coef_[0], dtype=float)
            fast["gate"] = (coef[:n_text].astype(np.float32), coef[n_text:],
                            sign * float(base.gate_.intercept_[0]) + getattr(base, "gate_bias", 0.0),
                            base.gate_sharpness)
        elif base.gate_ is not None:  # one column per source, in the weight blocks' order
            rows = [list(base.gate_.classes_).index(d) for d in base._domains()]
            coef = np.asarray(base.gate_.coef_, dtype=float)[rows]
            bias = np.asarray(base.gate_.intercept_, dtype=float)[rows]
            bias[0] += getattr(base, "gate_bias", 0.0)
            fast["gate"] = (np.ascontiguousarray(coef[:, :n_text].T, dtype=np.float32),
                            np.ascontiguousarray(coef[:, n_text:].T), bias, base.gate_sharpness)
        B = base.source_bias()
        fast["source_bias"] = None if B is None else np.ascontiguousarray(B[:, self._order])
        probe = ["THIS IS THE THIRD TIME!!! nobody answers", "thank you so much :)", "where do I click?",
                 "please update my billing address", "I'm scared I lost everything"]
        X_text = self._vec.transform(probe)
        S = self._style.transform(probe)
        expected = clf.predict_proba(sp.hstack([X_text, sp.csr_matrix(S)], format="csr"))[:, self._order]
        got = Runtime._linear(pushes, fast, X_text.astype(np.float32), S)[0]
        return pushes, (fast if np.allclose(got, expected, atol=1e-5) else None)

    def _sklearn_predict(self, X, S):
        """Not the model kind _compile knows: let scikit-learn predict."""
        X = sp.hstack([X.astype(float), sp.csr_matrix(S)], format="csr")
        return self._clf.predict_proba(X)[:, self._order], self._base.gate(X)
