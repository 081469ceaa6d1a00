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
_SLICE = 256  # texts analysed together inside analyze_batch

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
        self._pushes, self._fast = self._compile()

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
        # Slices of a few hundred texts keep the working arrays in the CPU
        # cache: a thousand at once ran 20 % slower per text.
        results = []
        for i in range(0, len(originals), _SLICE):
            results += self._analyze_slice(originals[i : i + _SLICE], truncated[i : i + _SLICE])
        return results

    def _analyze_slice(self, originals, truncated):
        cleaned = [clean(t) for t in originals]
        docs = [c.text for c in cleaned]
        enc = self._vec.encode(docs)
        style_raw = style_batch(docs, enc)
        X_text, order, counts = self._vec.transform_encoded(enc, return_occurrences=True, dtype=np.float32)
        proba, gates = self._predict(X_text, self._style.transform_raw(style_raw))

        squashed = style_raw / (style_raw + 1.0)
        signal = sum(w * squashed[:, STYLE_NAMES.index(n)] for n, w in _INTENSITY_WEIGHTS.items())
        emotional = 1.0 - proba[:, LABELS.index("neutral")]
        intensity = np.clip(emotional * (0.55 + 0.45 * np.minimum(signal * 2.0, 1.0)), 0.0, 1.0)

        all_cues = self._all_cues(originals, cleaned, enc, X_text, order, counts, proba, gates)
        situations = map(tuple, (style_raw[:, [STYLE_NAMES.index(n) for n in _SITUATIONS]] > 0).tolist())
        results = []
        for p, inten, top, cues, present, cut in zip(np.round(proba, 4).tolist(), np.round(intensity, 4).tolist(),
                                                      proba.argmax(axis=1).tolist(), all_cues, situations, truncated):
            scores = dict(zip(LABELS, p))
            label = LABELS[top]
            results.append({
                "label": label,
                "confidence": scores[label],
                "scores": scores,
                "intensity": inten,
                "cues": cues,
                "guidance": _guidance(label, present),
                "truncated": cut,
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
        if base.gate_ is not None:
            sign = 1.0 if list(base.gate_.classes_) == [0, 1] else -1.0
            coef = sign * np.asarray(base.gate_.coef_[0], dtype=float)
            fast["gate"] = (coef[:n_text].astype(np.float32), coef[n_text:],
                            sign * float(base.gate_.intercept_[0]) + getattr(base, "gate_bias", 0.0),
                            base.gate_sharpness)
        probe = ["THIS IS THE THIRD TIME!!! nobody answers", "thank you so much :)", "where do I click?",
                 "please update my billing address", "I'm scared I lost everything"]
        X_text = self._vec.transform(probe)
        S = self._style.transform(probe)
        expected = clf.predict_proba(sp.hstack([X_text, sp.csr_matrix(S)], format="csr"))[:, self._order]
        got = self._linear(pushes, fast, X_text.astype(np.float32), S)[0]
        return pushes, (fast if np.allclose(got, expected, atol=1e-5) else None)

    @staticmethod
    def _linear(pushes, fast, X, S):
        """Probabilities (LABELS order) and gate values; ``X`` float32 text features, ``S`` style features."""
        n_docs, k, sets = X.shape[0], len(LABELS), pushes.shape[1]
        out = (X @ pushes.reshape(-1, k * sets)).astype(float)
        out += S @ fast["style"]
        out = out.reshape(n_docs, k, sets)
        if fast["gate"] is not None:
            text, style, bias, sharpness = fast["gate"]
            g = 1.0 / (1.0 + np.exp(-sharpness * (X @ text + S @ style + bias)))
            logits = out[:, :, 0] + out[:, :, 2] + g[:, None] * (out[:, :, 1] - out[:, :, 2])
        else:
            g = np.ones(n_docs)
            logits = out[:, :, 0]
        logits += fast["intercept"]
        if fast["beta"] is not None:
            logits *= fast["beta"]
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        proba /= proba.sum(axis=1, keepdims=True)
        return proba, g

    def _predict(self, X, S):
        """Probabilities in LABELS order and the gate value of each row."""
        if X.dtype != np.float32:  # else SciPy would convert the whole weight table to float64, per call
            X = X.astype(np.float32)
        if self._fast is not None:
            return self._linear(self._pushes, self._fast, X, S)
        # not the model kind _compile knows: let scikit-learn do it
        X = sp.hstack([X.astype(float), sp.csr_matrix(S)], format="csr")
        return self._clf.predict_proba(X)[:, self._order], self._base.gate(X)

    # -- explanation ---------------------------------------------------------
    @staticmethod
    def _occurrences(enc, X, order, counts):
        """Feature occurrences cell by cell: their token, whether they are a word
        pair, and where each document's run of them starts; and each token's document."""
        return (enc.occ_tok[order], (order >= enc.n_uni) & (order < enc.n_uni + enc.n_pairs),
                np.append(0, np.cumsum(counts))[X.indptr], np.arange(len(enc.tok_ptr) - 1).repeat(enc.tok_ptr[1:] - enc.tok_ptr[:-1]))

    def _token_scores(self, X, counts, occ, labels, gates, rows):
        """Each token's push towards a label, for a whole batch at once.

        ``labels[d]`` is the label explained for document ``d``; only documents
        where ``rows`` is true are scored (others get zeros). ``occ`` says, cell
        by cell, which token each feature occurrence belongs to (see
        :meth:`_all_cues`). Returns one score per token. A token's score sums
        its features' TF-IDF value times the label's push; a word pair's share
        is split over its two words and a repeated feature's over its occurrences.
        """
        owner, half, occ_ptr, doc_of = occ
        everything = rows.mean() > 0.5  # then cheaper to score all and zero the rest afterwards
        if everything:
            cells, picked = slice(None), slice(None)
            row = np.arange(len(rows)).repeat(X.indptr[1:] - X.indptr[:-1])
        else:
            docs = rows.nonzero()[0]
            cells, row = _ranges(X.indptr[docs], (X.indptr[1:] - X.indptr[:-1])[docs], docs)
            picked = _ranges(occ_ptr[docs], (occ_ptr[1:] - occ_ptr[:-1])[docs])[0]
        sets = np.take(self._pushes, X.indices[cells] * len(LABELS) + labels[row], axis=0)  # 4x faster than []
        push = sets[:, 0].astype(float)
        if sets.shape[1] == 3:  # shared + gate * support + (1 - gate) * public
            public = sets[:, 2]
            push += public
            push += gates[row] * (sets[:, 1] - public)
        n = counts[cells]
        share = (X.data[cells] * push / n).repeat(n)  # per occurrence, cell by cell
        owner, half = owner[picked], half[picked]
        share[half] *= 0.5
        scores = np.bincount(owner, share, minlength=len(doc_of))
        scores += np.bincount(owner[half] + 1, share[half], minlength=len(doc_of))
        return scores * rows[doc_of] if everything else scores

    def _all_cues(self, originals, cleaned, enc, X, order, counts, proba, gates, top=6):
        """Cues of every document: its top label's, and a strong second feeling's."""
        occ = self._occurrences(enc, X, order, counts)
        ranked = np.argsort(-proba, axis=1)
        first, second = ranked[:, 0], ranked[:, 1]
        neutral = LABELS.index("neutral")
        n_docs = len(originals)
        has = enc.tok_ptr[1:] > enc.tok_ptr[:-1]  # documents with tokens
        doc_of = occ[3]
        strong_second = (proba[np.arange(n_docs), second] >= 0.25) & (second != neutral)
        out = [[] for _ in range(n_docs)]
        resort = set()  # documents whose cues are no longer in text order
        for labels, rows, limit, is_second in ((first, first != neutral, top, False), (second, strong_second, 3, True)):
            if not rows.any() or not len(doc_of):
                continue
            scores = self._token_scores(X, counts, occ, labels, gates, rows)
            best = np.zeros(n_docs)
            best[has] = np.maximum.reduceat(scores, enc.tok_ptr[:-1][has])
            best_of = best[doc_of]
            picked = ((scores >= 0.2 * best_of) & (scores > 0.02) & rows[doc_of]).nonzero()[0]
            picked = picked[[enc.tokens[i] not in _STOP for i in picked.tolist()]] if len(picked) else picked
            # The strongest `limit` per document, then back in text order.
            by_strength = picked[np.lexsort((picked, -scores[picked], doc_of[picked]))]
            d_of = doc_of[by_strength]
            kept = np.sort(by_strength[np.arange(len(d_of)) - np.searchsorted(d_of, d_of) < limit])
            if not len(kept):
                continue
            # Neighbouring cue tokens become one span ("not working again").
            run_start = np.ones(len(kept), dtype=bool)
            run_start[1:] = ((kept[1:] - kept[:-1]) != 1) | (np.diff(doc_of[kept]) != 0)
            run_id = np.cumsum(run_start) - 1
            heads = kept[run_start]
            tails = kept[np.append(run_start.nonzero()[0][1:] - 1, len(kept) - 1)]
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


def _ranges(starts, lengths, tags=None):
    """``concatenate([arange(a, a + n) for a, n in zip(starts, lengths)])``, and each item's tag."""
    total = int(lengths.sum())
    first = np.cumsum(lengths) - lengths
    idx = np.arange(total) + (starts - first).repeat(lengths)
    return idx, (tags.repeat(lengths) if tags is not None else None)
