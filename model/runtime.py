"""Serving a trained model: the fitted pipeline as plain arrays, on NumPy and SciPy only.

A :class:`Runtime` holds what analysing needs - vocabulary, IDF weights, the
table of label pushes, style scales, intercepts, gate and calibration - and
does the analysis: ``analyze_batch`` is the one real code path. It imports
neither scikit-learn nor NLTK's package (together ~2 s and ~170 MB per
process), so the server and classification workers start fast and small.

:class:`~model.core.Model` builds one from a fitted pipeline; an artifact
also carries it as ``attune-runtime.npz`` (plain arrays and UTF-8 text, no
pickle; see :mod:`model.runtime_file`), which :func:`load_runtime` reads without unpickling anything.
"""

import itertools
from functools import lru_cache

import numpy as np

from .clean import clean
from .coach import tips_config
from .errors import AttuneError, EmptyText, InvalidInput
from .guidance import contacted_before, guidance_for, reading_of
from .labels import LABELS
from .limits import MAX_TEXT_CHARS
from .style import STYLE_NAMES, style_batch

__all__ = ["Runtime", "MAX_CHARS"]

RUNTIME_FORMAT = 1

#: Longer texts are read up to this many characters and flagged ``truncated``.
MAX_CHARS = MAX_TEXT_CHARS  # one limit for every part: see limits.py
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


@lru_cache(maxsize=256)
def _frozen_guidance(label, present, reading, config):
    return guidance_for(label, dict(zip(_SITUATIONS, present)), reading)


def _guidance(label, present, scores):
    # Cached per configuration: an edited coach data file (tips) shows in the next result.
    g = _frozen_guidance(label, present, reading_of(scores), tips_config())  # each result gets its own copy
    return {"label": g["label"], "headline": g["headline"], "tips": list(g["tips"])}



class Runtime:
    """A trained model, ready to analyse text.

    Parameters
    ----------
    encoder : model.text.Encoder
        The fitted vocabulary and IDF weights.
    style_scale, style_weight : array of float, float
        :class:`~model.features.StyleFeatures`' learned scales and weight.
    pushes : float32 array, shape (n_text_features * 7, sets)
        Row ``f * 7 + label``: feature ``f``'s weight for the label minus its mean
        over labels, one column per weight set (see :meth:`model.core.Model._compile`).
    fast : dict or None
        ``style`` weights, ``intercept``, calibration ``beta`` and ``gate``
        (text weights, style weights, bias, sharpness; or None). None when the
        classifier is not the kind compiled: then ``predict`` must be given.
    version : str
        Shown in every result as ``model``.
    manifest : dict, optional
        The artifact's metadata.
    predict : callable, optional
        ``predict(X, S) -> (proba, gates)`` for classifiers ``fast`` cannot describe.
    """

    def __init__(self, encoder, style_scale, style_weight, pushes, fast, version, manifest=None, predict=None):
        if fast is None and predict is None:
            raise ValueError("a Runtime needs the compiled weights or a predict function")
        self.encoder = encoder
        self.style_scale = np.asarray(style_scale, dtype=float)
        self.style_weight = float(style_weight)
        self.pushes, self.fast, self._fallback = pushes, fast, predict
        self.version = version
        self.manifest = manifest or {}
        self.labels = LABELS

    # -- public ------------------------------------------------------------
    def analyze(self, text, max_chars=MAX_CHARS, explain=True, guide=True):
        """Analyse one customer message; see :meth:`analyze_batch`."""
        return self.analyze_batch([text], max_chars=max_chars, explain=explain, guide=guide)[0]

    def analyze_batch(self, texts, max_chars=MAX_CHARS, explain=True, guide=True):
        """Analyse many customer messages at once.

        Parameters
        ----------
        texts : sequence of str
            Non-empty texts. A text longer than ``max_chars`` is read up to
            that length and its result says ``"truncated": true``.
        max_chars : int
            See above.
        explain : bool
            False leaves out ``cues`` (a fifth of the cost): for bulk
            scoring, where nobody reads them.
        guide : bool
            False leaves out ``guidance`` (its "contacted before" check alone
            was a sixth of a long ticket's cost): for a CSV of scores.

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
            results += self._analyze_slice(originals[i : i + _SLICE], truncated[i : i + _SLICE], explain, guide)
        return results

    def _analyze_slice(self, originals, truncated, explain=True, guide=True):
        cleaned = [clean(t) for t in originals]
        docs = [c.text for c in cleaned]
        enc = self.encoder.encode(docs)
        style_raw = style_batch(docs, enc)
        X_text, order, counts = self.encoder.transform_encoded(enc, return_occurrences=True, dtype=np.float32)
        proba, gates = self._predict(X_text, self._style(style_raw))

        squashed = style_raw / (style_raw + 1.0)
        signal = sum(w * squashed[:, STYLE_NAMES.index(n)] for n, w in _INTENSITY_WEIGHTS.items())
        emotional = 1.0 - proba[:, LABELS.index("neutral")]
        intensity = np.clip(emotional * (0.55 + 0.45 * np.minimum(signal * 2.0, 1.0)), 0.0, 1.0)

        all_cues = (self._all_cues(originals, cleaned, enc, X_text, order, counts, proba, gates) if explain
                    else [None] * len(originals))
        if guide:
            present = style_raw[:, [STYLE_NAMES.index(n) for n in _SITUATIONS]] > 0
            # The style signal counts "still" and "yet" too; the tip needs the customer to say it.
            present[:, 0] = [contacted_before(c.text) for c in cleaned]
            situations = map(tuple, present.tolist())
        else:
            situations = itertools.repeat(None)
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
                "guidance": _guidance(label, present, scores) if guide else None,
                "truncated": cut,
                "model": self.version,
            })
            if cues is None:
                del results[-1]["cues"]
            if not guide:
                del results[-1]["guidance"]
        return results

    def analyze_each(self, texts, max_chars=MAX_CHARS, explain=True, guide=True):
        """Like :meth:`analyze_batch`, but a text the model refuses does not fail the others.

        Returns one item per text, in order: its result, or the
        :class:`~model.errors.AttuneError` that text raised.
        """
        try:
            return self.analyze_batch(texts, max_chars=max_chars, explain=explain, guide=guide)
        except AttuneError:
            out = []
            for text in texts:  # find the bad ones item by item
                try:
                    out.append(self.analyze(text, max_chars=max_chars, explain=explain, guide=guide))
                except AttuneError as exc:
                    out.append(exc)
            return out

    # -- prediction ----------------------------------------------------------
    @staticmethod
    def _linear(pushes, fast, X, S):
        """Probabilities (LABELS order) and gate values; ``X`` float32 text features, ``S`` style features."""
        n_docs, k, sets = X.shape[0], len(LABELS), pushes.shape[1]
        out = (X @ pushes.reshape(-1, k * sets)).astype(float)
        out += S @ fast["style"]
        out = out.reshape(n_docs, k, sets)
        if fast["gate"] is not None and fast["gate"][0].ndim == 2:  # more than two sources
            text, style, bias, sharpness = fast["gate"]
            z = sharpness * (X @ text + S @ style + bias)
            z -= z.max(axis=1, keepdims=True)
            g = np.exp(z)
            g /= g.sum(axis=1, keepdims=True)  # each source's weight per text
            logits = out[:, :, 0] + np.einsum("nd,nkd->nk", g, out[:, :, 1:])
        elif fast["gate"] is not None:
            text, style, bias, sharpness = fast["gate"]
            g = 1.0 / (1.0 + np.exp(-sharpness * (X @ text + S @ style + bias)))
            logits = out[:, :, 0] + out[:, :, 2] + g[:, None] * (out[:, :, 1] - out[:, :, 2])
        else:
            g = np.ones(n_docs)
            logits = out[:, :, 0]
        bias = fast.get("source_bias")
        if bias is not None:  # per-source class offsets, weighed by the gate (DomainAdaptedLR.class_bias)
            logits += (g if g.ndim == 2 else np.column_stack([g, 1.0 - g])) @ bias
        logits += fast["intercept"]
        if fast["beta"] is not None:
            logits *= fast["beta"]
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        proba /= proba.sum(axis=1, keepdims=True)
        return proba, g

    def _style(self, raw):
        """Squashed style features from raw signals (as StyleFeatures.transform_raw)."""
        return self.style_weight * raw / (raw + self.style_scale)

    def _predict(self, X, S):
        """Probabilities in LABELS order and the gate value of each row."""
        if X.dtype != np.float32:  # else SciPy would convert the whole weight table to float64, per call
            X = X.astype(np.float32)
        if self.fast is not None:
            return self._linear(self.pushes, self.fast, X, S)
        return self._fallback(X, S)


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
        sets = np.take(self.pushes, X.indices[cells] * len(LABELS) + labels[row], axis=0)  # 4x faster than []
        push = sets[:, 0].astype(float)
        if gates.ndim == 2:  # shared + each source's weights times its gate value
            push += np.einsum("nd,nd->n", gates[row], sets[:, 1:])
        elif sets.shape[1] == 3:  # shared + gate * support + (1 - gate) * public
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
