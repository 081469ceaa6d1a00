"""The model object: a fitted pipeline plus everything needed to explain it.

``Model.analyze_batch`` is the one real code path; ``analyze`` is a batch of one.
It runs the pipeline's steps by hand (rather than ``pipeline.predict_proba``)
so that the tokens and style signals computed for the features are reused for
cues and intensity instead of being computed twice.
"""

import numpy as np
import scipy.sparse as sp
from sklearn import config_context

from .artifact import save as _save
from .clean import clean
from .errors import EmptyText, InvalidInput
from .features import STYLE_NAMES, style_vector, token_spans
from .guidance import guidance_for
from .labels import LABELS

__all__ = ["Model", "MAX_CHARS"]

#: Longer texts are read up to this many characters and flagged ``truncated``.
MAX_CHARS = 20_000

# Function words never shown as cues on their own.
_STOP = frozenset(
    """a an the and or of to in on at for with by from as is are was were be been am i me my we our
    you your it its this that these those he she they them his her their there here so if then than
    do does did have has had will would can could should may might must just also up out about into
    over only own same too very s t ll ve re d m o y ! ? . , ; : ' " - ( ) ... … / & *""".split()
)
# How much each style signal adds to intensity (squashed x/(x+1) counts).
_INTENSITY_WEIGHTS = {
    "caps_share": 0.30, "exclaim_runs": 0.20, "question_runs": 0.05, "neg_emoticons": 0.10,
    "repeat_contact": 0.10, "escalation": 0.15, "intensifiers": 0.10,
}


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
        # A feature's push towards a label, relative to the average label:
        # what makes it evidence *for* that label rather than for any. With a
        # domain gate there are three sets (shared, support, public), mixed
        # per text by its gate value.
        coef = np.asarray(self._base.lr_.coef_, dtype=float)[self._order]
        n = self._base.n_features_in_
        self._push = [c - c.mean(axis=0) for c in (coef[:, i * n : (i + 1) * n] for i in range(coef.shape[1] // n))]
        self._fast = self._compile()

    # -- public ------------------------------------------------------------
    def save(self, directory):
        """Write this model atomically to ``directory``; see :func:`model.artifact.save`."""
        return _save(self, directory)

    def analyze(self, text, max_chars=MAX_CHARS):
        """Analyse one customer message; see :meth:`analyze_batch`."""
        return self.analyze_batch([text], max_chars=max_chars)[0]

    def analyze_batch(self, texts, max_chars=MAX_CHARS):
        """Analyse many customer messages at once.

        Parameters
        ----------
        texts : sequence of str
            Non-empty texts. A text longer than ``max_chars`` is read up to
            that length and its result says ``"truncated": true``.
        max_chars : int
            See above.

        Returns
        -------
        list of dict
            One result per text, in order (shape in ``docs/architecture.md``).

        Raises
        ------
        EmptyText
            A text is empty or only whitespace.
        InvalidInput
            A text is not a string.
        """
        if isinstance(texts, str):
            raise InvalidInput("analyze_batch expects a list of texts, not one string")
        texts = list(texts)
        if not texts:
            return []
        originals, truncated = [], []
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise InvalidInput(f"text #{i} is {type(text).__name__}, expected a string")
            if not text.strip():
                raise EmptyText("text is empty" if len(texts) == 1 else f"text #{i} is empty")
            truncated.append(len(text) > max_chars)
            originals.append(text[:max_chars] if len(text) > max_chars else text)

        cleaned = [clean(t) for t in originals]
        docs = [c.text for c in cleaned]
        analyzed = [self._vec.analyze_doc(d) for d in docs]
        style_raw = np.array([style_vector(d, a[0]) for d, a in zip(docs, analyzed)], dtype=float)
        with config_context(assume_finite=True, skip_parameter_validation=True):
            X_text = self._vec.transform_analyzed(analyzed)
            proba, gates = self._predict(X_text, self._style.transform_raw(style_raw))
        proba = proba / proba.sum(axis=1, keepdims=True)

        squashed = style_raw / (style_raw + 1.0)
        signal = sum(w * squashed[:, STYLE_NAMES.index(n)] for n, w in _INTENSITY_WEIGHTS.items())
        emotional = 1.0 - proba[:, LABELS.index("neutral")]
        intensity = np.clip(emotional * (0.55 + 0.45 * np.minimum(signal * 2.0, 1.0)), 0.0, 1.0)

        results = []
        for i, text in enumerate(originals):
            p = proba[i]
            k = int(p.argmax())
            label = LABELS[k]
            scores = {lab: round(float(v), 4) for lab, v in zip(LABELS, p)}
            signals = {n: style_raw[i, j] for j, n in enumerate(STYLE_NAMES)}
            results.append({
                "label": label,
                "confidence": scores[label],
                "scores": scores,
                "intensity": round(float(intensity[i]), 4),
                "cues": self._cues(text, cleaned[i], analyzed[i], X_text, i, p, gates[i]),
                "guidance": guidance_for(label, signals),
                "truncated": truncated[i],
                "model": self.version,
            })
        return results

    # -- prediction ----------------------------------------------------------
    def _compile(self):
        """The fitted linear model as plain arrays, or None if it is not the expected kind.

        scikit-learn's predict_proba spends most of a single-text call on
        input validation and dispatch; the arithmetic is a few sparse-dense
        products. We do that arithmetic directly, and only after checking on
        sample texts that it gives what scikit-learn gives.
        """
        base, clf = self._base, self._clf
        cals = getattr(clf, "calibrated_classifiers_", None)
        beta = None
        if cals is not None:
            if len(cals) != 1 or cals[0].method != "temperature":
                return None
            beta = float(cals[0].calibrators[0].beta_)
        lr, n = base.lr_, base.n_features_in_
        W = np.asarray(lr.coef_, dtype=float)
        blocks = [np.ascontiguousarray(W[:, i * n : (i + 1) * n].T) for i in range(W.shape[1] // n)]
        gate = None
        if base.gate_ is not None:
            sign = 1.0 if list(base.gate_.classes_) == [0, 1] else -1.0
            gate = (sign * base.gate_.coef_[0], sign * float(base.gate_.intercept_[0]), base.gate_sharpness)
        fast = {"blocks": blocks, "intercept": np.asarray(lr.intercept_, dtype=float), "beta": beta, "gate": gate}
        probe = ["THIS IS THE THIRD TIME!!! nobody answers", "thank you so much :)", "where do I click?",
                 "please update my billing address", "I'm scared I lost everything"]
        X_text = self._vec.transform(probe)
        S = self._style.transform(probe)
        expected = clf.predict_proba(sp.hstack([X_text, sp.csr_matrix(S)], format="csr"))
        got = self._linear(fast, X_text, S)[0]
        return fast if np.allclose(got, expected, atol=1e-7) else None

    @staticmethod
    def _linear(fast, X, S):
        # X: sparse text features, S: dense style features; the model's
        # columns are X's then S's, so each weight block splits the same way.
        n = X.shape[1]
        blocks = fast["blocks"]

        def product(w):
            return X @ w[:n] + S @ w[n:]

        logits = product(blocks[0])
        if fast["gate"] is not None:
            w, b, sharpness = fast["gate"]
            g = 1.0 / (1.0 + np.exp(-sharpness * (product(w) + b)))
            logits += g[:, None] * product(blocks[1]) + (1.0 - g)[:, None] * product(blocks[2])
        else:
            g = np.ones(X.shape[0])
        logits += fast["intercept"]
        if fast["beta"] is not None:
            logits *= fast["beta"]
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        proba /= proba.sum(axis=1, keepdims=True)
        return proba, g

    def _predict(self, X, S):
        """Probabilities in LABELS order and the gate value of each row."""
        if self._fast is not None:
            proba, g = self._linear(self._fast, X, S)
        else:
            X = sp.hstack([X, sp.csr_matrix(S)], format="csr")
            proba, g = self._clf.predict_proba(X), self._base.gate(X)
        return proba[:, self._order], g

    # -- explanation ---------------------------------------------------------
    def _token_scores(self, analyzed, X, row, label_idx, gate):
        """Each token's contribution to the logit of ``label_idx`` (vs the average label)."""
        toks, word_ids, word_start, word_len, char_ids = analyzed
        n = len(toks)
        if not n:
            return np.zeros(0)
        # Every feature occurrence with the token that owns it; an n-gram's
        # push is shared equally by its n words.
        reps = np.repeat(np.arange(len(word_ids)), word_len)
        first = np.cumsum(word_len) - word_len
        owners = word_start[reps] + (np.arange(len(reps)) - first[reps])
        fids = word_ids[reps]
        share = 1.0 / word_len[reps]
        if char_ids:
            lens = [len(c) for c in char_ids]
            fids = np.concatenate([fids, *char_ids])
            owners = np.concatenate([owners, np.repeat(np.arange(n), lens)])
            share = np.concatenate([share, np.ones(sum(lens))])
        if not len(fids):
            return np.zeros(n)
        lo, hi = X.indptr[row], X.indptr[row + 1]
        if hi == lo:
            return np.zeros(n)
        idx, val = X.indices[lo:hi], X.data[lo:hi]
        pos = np.minimum(np.searchsorted(idx, fids), len(idx) - 1)
        present = idx[pos] == fids
        push = self._push[0][label_idx, fids]
        if len(self._push) == 3:
            push = push + gate * self._push[1][label_idx, fids] + (1 - gate) * self._push[2][label_idx, fids]
        # A feature occurring in several tokens splits its weight among them.
        counts = np.bincount(pos[present], minlength=len(idx))
        contrib = np.where(present, val[pos] * push / np.maximum(counts[pos], 1), 0.0) * share
        return np.bincount(owners, weights=contrib, minlength=n)

    def _cues(self, text, cleaned, analyzed, X, row, proba, gate, top=6):
        order = np.argsort(proba)[::-1]
        labels = [int(order[0])]
        if proba[order[1]] >= 0.25 and LABELS[order[1]] != "neutral":
            labels.append(int(order[1]))  # a strong second feeling gets its own cues
        toks = analyzed[0]
        spans = None
        cues = []
        for rank, k in enumerate(labels):
            if LABELS[k] == "neutral":
                continue
            scores = self._token_scores(analyzed, X, row, k, gate)
            if not len(scores) or scores.max() <= 0:
                continue
            best = scores.max()
            keep = [i for i in np.argsort(scores)[::-1][: (top if rank == 0 else 3) * 2]
                    if scores[i] >= 0.2 * best and scores[i] > 0.02 and toks[i] not in _STOP]
            keep = sorted(keep[: top if rank == 0 else 3])
            if not keep:
                continue
            if spans is None:
                spans = token_spans(cleaned.text, toks)
            # Neighbouring cue tokens become one span ("not working again").
            groups = [[keep[0]]]
            for i in keep[1:]:
                (groups[-1].append(i) if i == groups[-1][-1] + 1 else groups.append([i]))
            for g in groups:
                if g[-1] >= len(spans):
                    continue
                start, end = cleaned.span(spans[g[0]][0], spans[g[-1]][1])
                cues.append({
                    "start": start, "end": end, "text": text[start:end], "label": LABELS[k],
                    "weight": round(float(min(scores[g].sum() / best, 1.0)), 3),
                })
        cues.sort(key=lambda c: c["start"])
        return cues

