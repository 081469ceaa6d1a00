"""The model object: a fitted pipeline plus everything needed to explain it.

``Model.analyze_batch`` is the one real code path; ``analyze`` is a batch of one.
It runs the pipeline's steps by hand (rather than ``pipeline.predict_proba``)
so that the tokens and style signals computed for the features are reused for
cues and intensity instead of being computed twice.
"""

from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from .clean import clean
from .errors import AttuneError, EmptyText, InvalidInput
from .features import STYLE_NAMES, style_batch
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
    over only own same too very s t ll ve re d m o y i'm i've i'd i'll it's that's there's we're you're
    they're we've you've hi hello dear ! ? . , ; : ' " - ( ) ... … / & *""".split()
)
# How much each style signal adds to intensity (squashed x/(x+1) counts).
_INTENSITY_WEIGHTS = {
    "caps_share": 0.30, "exclaim_runs": 0.20, "question_runs": 0.05, "neg_emoticons": 0.10,
    "repeat_contact": 0.10, "escalation": 0.15, "intensifiers": 0.10,
}


_SITUATIONS = ("repeat_contact", "escalation", "urgency")


@lru_cache(maxsize=None)
def _frozen_guidance(label, present):
    return guidance_for(label, dict(zip(_SITUATIONS, present)))


def _guidance(label, present):
    g = _frozen_guidance(label, present)  # cached; each result gets its own copy
    return {"label": g["label"], "headline": g["headline"], "tips": list(g["tips"])}


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
        # per text by its gate value. Kept as rows (feature, label) of one
        # value per set, so one look-up fetches all three; float32 is plenty for cues.
        self._fast = self._compile()
        n_text = len(self._vec.idf_)
        if self._fast is not None:
            W, k = self._fast["weights"], self._fast["k"]
            blocks = [W[:n_text, b * k : (b + 1) * k][:, self._order] for b in range((W.shape[1] - (self._fast["gate"] is not None)) // k)]
        else:
            coef = np.asarray(self._base.lr_.coef_, dtype=float)[self._order]
            n = self._base.n_features_in_
            blocks = [coef[:, b * n : b * n + n_text].T for b in range(coef.shape[1] // n)]
        self._pushes = np.ascontiguousarray(np.stack([c - c.mean(axis=1, keepdims=True) for c in blocks], axis=2),
                                            dtype=np.float32).reshape(-1, len(blocks))

    # -- public ------------------------------------------------------------
    def save(self, directory):
        """Write this model atomically to ``directory``; see :func:`model.artifact.save`."""
        from .artifact import save

        return save(self, directory)

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
        enc = self._vec.encode(docs)
        style_raw = style_batch(docs, enc.tokens, enc.tok_ptr)
        X_text, inverse, counts = self._vec.transform_encoded(enc, return_occurrences=True)
        proba, gates = self._predict(X_text, self._style.transform_raw(style_raw))

        squashed = style_raw / (style_raw + 1.0)
        signal = sum(w * squashed[:, STYLE_NAMES.index(n)] for n, w in _INTENSITY_WEIGHTS.items())
        emotional = 1.0 - proba[:, LABELS.index("neutral")]
        intensity = np.clip(emotional * (0.55 + 0.45 * np.minimum(signal * 2.0, 1.0)), 0.0, 1.0)

        all_cues = self._all_cues(originals, cleaned, enc, X_text, inverse, counts, proba, gates)
        situations = style_raw[:, [STYLE_NAMES.index(n) for n in _SITUATIONS]].tolist()
        results = []
        for i, (p, inten) in enumerate(zip(np.round(proba, 4).tolist(), np.round(intensity, 4).tolist())):
            scores = dict(zip(LABELS, p))
            label = LABELS[int(proba[i].argmax())]
            results.append({
                "label": label,
                "confidence": scores[label],
                "scores": scores,
                "intensity": inten,
                "cues": all_cues[i],
                "guidance": _guidance(label, tuple(v > 0 for v in situations[i])),
                "truncated": truncated[i],
                "model": self.version,
            })
        return results

    def analyze_each(self, texts, max_chars=MAX_CHARS):
        """Like :meth:`analyze_batch`, but a text the model refuses does not fail the others.

        Returns one item per text, in order: its result, or the
        :class:`~model.errors.AttuneError` that text raised.
        """
        try:
            return self.analyze_batch(texts, max_chars=max_chars)
        except AttuneError:
            out = []
            for text in texts:  # find the bad ones item by item
                try:
                    out.append(self.analyze(text, max_chars=max_chars))
                except AttuneError as exc:
                    out.append(exc)
            return out

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
        # One (n_features, 7 * blocks [+ 1 gate]) matrix: a single sparse
        # product instead of one per block.
        columns = [W[:, i * n : (i + 1) * n].T for i in range(W.shape[1] // n)]
        gate = None
        if base.gate_ is not None:
            sign = 1.0 if list(base.gate_.classes_) == [0, 1] else -1.0
            columns.append(sign * base.gate_.coef_[0][:, None])
            gate = (sign * float(base.gate_.intercept_[0]) + getattr(base, "gate_bias", 0.0), base.gate_sharpness)
        fast = {"weights": np.ascontiguousarray(np.hstack(columns)), "intercept": np.asarray(lr.intercept_, dtype=float),
                "beta": beta, "gate": gate, "k": W.shape[0]}
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
        n, k, W = X.shape[1], fast["k"], fast["weights"]
        out = X @ W[:n] + S @ W[n:]
        logits = out[:, :k]
        if fast["gate"] is not None:
            b, sharpness = fast["gate"]
            g = 1.0 / (1.0 + np.exp(-sharpness * (out[:, 3 * k] + b)))
            logits = logits + g[:, None] * out[:, k : 2 * k] + (1.0 - g)[:, None] * out[:, 2 * k : 3 * k]
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
        else:  # not the model kind _compile knows: let scikit-learn do it
            X = sp.hstack([X, sp.csr_matrix(S)], format="csr")
            proba, g = self._clf.predict_proba(X), self._base.gate(X)
        return proba[:, self._order], g

    # -- explanation ---------------------------------------------------------
    def _token_scores(self, enc, X, inverse, counts, labels, gates, rows):
        """Each token's push towards a label, for a whole batch at once.

        ``labels[d]`` is the label explained for document ``d``; only documents
        where ``rows`` is true are scored (others get zeros). Returns one score
        per token of ``enc.tokens``. A token's score sums its features' TF-IDF
        value times the label's push; a word pair's share is split over its
        two words and a repeated feature's over its occurrences.
        """
        n_docs, n_tokens = len(enc.tok_ptr) - 1, len(enc.tokens)
        cell_row = np.repeat(np.arange(n_docs), np.diff(X.indptr))
        cells = np.flatnonzero(rows[cell_row])
        row = cell_row[cells]
        sets = np.take(self._pushes, X.indices[cells] * len(LABELS) + labels[row], axis=0)  # 4x faster than []
        push = sets[:, 0].astype(float)
        if sets.shape[1] == 3:  # shared + gate * support + (1 - gate) * public
            public = sets[:, 2]
            push += public
            push += gates[row] * (sets[:, 1] - public)
        value = np.zeros(len(X.data))
        value[cells] = X.data[cells] * push / counts[cells]
        # Occurrences of the scored documents only (all of them, usually);
        # word pairs, a contiguous run of them, give half to each word.
        if rows.all():
            share, owner = value[inverse], enc.occ_tok
            lo, hi = enc.n_uni, enc.n_uni + enc.n_pairs
        else:
            occ = np.flatnonzero(rows[enc.occ_doc])
            share, owner = value[inverse[occ]], enc.occ_tok[occ]
            lo, hi = np.searchsorted(occ, [enc.n_uni, enc.n_uni + enc.n_pairs])
        share[lo:hi] *= 0.5
        scores = np.bincount(owner, share, minlength=n_tokens)
        scores += np.bincount(owner[lo:hi] + 1, share[lo:hi], minlength=n_tokens)
        return scores

    def _all_cues(self, originals, cleaned, enc, X, inverse, counts, proba, gates, top=6):
        """Cues of every document: its top label's, and a strong second feeling's."""
        order = np.argsort(-proba, axis=1)
        first, second = order[:, 0], order[:, 1]
        neutral = LABELS.index("neutral")
        n_docs = len(originals)
        lengths = np.diff(enc.tok_ptr)
        doc_of = np.repeat(np.arange(n_docs), lengths)
        strong_second = (proba[np.arange(n_docs), second] >= 0.25) & (second != neutral)
        out = [[] for _ in range(n_docs)]
        resort = set()  # documents whose cues are no longer in text order
        for labels, rows, limit, is_second in ((first, first != neutral, top, False), (second, strong_second, 3, True)):
            if not rows.any() or not len(doc_of):
                continue
            scores = self._token_scores(enc, X, inverse, counts, labels, gates, rows)
            best = np.zeros(n_docs)
            has = lengths > 0
            best[has] = np.maximum.reduceat(scores, enc.tok_ptr[:-1][has])
            best_of = best[doc_of]
            picked = np.flatnonzero((scores >= 0.2 * best_of) & (scores > 0.02) & rows[doc_of])
            picked = picked[[enc.tokens[i] not in _STOP for i in picked.tolist()]] if len(picked) else picked
            # The strongest `limit` per document, then back in text order.
            by_strength = picked[np.lexsort((picked, -scores[picked], doc_of[picked]))]
            d_of = doc_of[by_strength]
            kept = np.sort(by_strength[np.arange(len(d_of)) - np.searchsorted(d_of, d_of) < limit])
            if not len(kept):
                continue
            # Neighbouring cue tokens become one span ("not working again").
            run_start = np.ones(len(kept), dtype=bool)
            run_start[1:] = (np.diff(kept) != 1) | (np.diff(doc_of[kept]) != 0)
            run_id = np.cumsum(run_start) - 1
            heads = kept[run_start]
            tails = kept[np.append(np.flatnonzero(run_start)[1:] - 1, len(kept) - 1)]
            weights = np.minimum(np.bincount(run_id, scores[kept]) / best_of[heads], 1.0)
            label_of = labels[doc_of[heads]]
            for d, a, b, w, lab in zip(doc_of[heads].tolist(), enc.tok_start[heads].tolist(),
                                       enc.tok_end[tails].tolist(), np.round(weights, 3).tolist(), label_of.tolist()):
                start, end = cleaned[d].span(a, b)
                cues = out[d]
                if is_second:  # a word shows one feeling: the stronger label's cue wins
                    if any(start < c["end"] and c["start"] < end for c in cues):
                        continue
                    resort.add(d)
                cues.append({"start": start, "end": end, "text": originals[d][start:end], "label": LABELS[lab],
                             "weight": w})
        for d in resort:
            out[d].sort(key=lambda c: c["start"])
        return out
