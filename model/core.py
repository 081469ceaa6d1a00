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
        # per text by its gate value.
        self._fast = self._compile()
        if self._fast is not None:  # read the pushes from the fast path's weights: no second copy
            W, k = self._fast["weights"], self._fast["k"]
            self._blocks = (W.shape[1] - (self._fast["gate"] is not None)) // k
            self._means = np.stack([W[:, b * k : (b + 1) * k].mean(axis=1) for b in range(self._blocks)], axis=1)
        else:
            coef = np.asarray(self._base.lr_.coef_, dtype=float)[self._order]
            n = self._base.n_features_in_
            self._push = [c - c.mean(axis=0) for c in (coef[:, i * n : (i + 1) * n] for i in range(coef.shape[1] // n))]
            self._blocks = len(self._push)

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
        analyzed = [self._vec.analyze_doc(d) for d in docs]
        style_raw = np.array([style_vector(d, a[0]) for d, a in zip(docs, analyzed)], dtype=float)
        X_text, *occurrences = self._vec.transform_analyzed(analyzed, return_occurrences=True)
        proba, gates = self._predict(X_text, self._style.transform_raw(style_raw))

        squashed = style_raw / (style_raw + 1.0)
        signal = sum(w * squashed[:, STYLE_NAMES.index(n)] for n, w in _INTENSITY_WEIGHTS.items())
        emotional = 1.0 - proba[:, LABELS.index("neutral")]
        intensity = np.clip(emotional * (0.55 + 0.45 * np.minimum(signal * 2.0, 1.0)), 0.0, 1.0)

        all_cues = self._all_cues(originals, cleaned, analyzed, X_text, occurrences, proba, gates)
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
    def _token_scores(self, analyzed, X, occurrences, labels, gates, rows):
        """Each token's push towards a label, for many documents at once.

        ``labels[r]`` is the label explained for row ``r``; only ``rows`` are
        scored. Returns ``(scores, offsets)``: document ``r``'s token scores
        are ``scores[offsets[r]:offsets[r + 1]]``. A token's score sums its
        features' TF-IDF value times the label's push; an n-gram's share is
        split over its words and a repeated feature's over its occurrences.
        One vectorised pass: per-document numpy calls would cost more than
        the arithmetic.
        """
        inverse, counts = occurrences
        n_docs = len(analyzed)
        selected = np.zeros(n_docs, dtype=bool)
        selected[rows] = True
        n_toks = np.array([len(a[0]) for a in analyzed])
        n_words = np.array([len(a[1]) for a in analyzed])
        n_chars = np.array([len(a[4]) for a in analyzed])
        doc_start = np.concatenate([[0], np.cumsum(n_words + n_chars)])[:-1]  # in transform order
        tok_off = np.concatenate([[0], np.cumsum(np.where(selected, n_toks, 0))])
        docs = np.flatnonzero(selected)
        if not len(docs) or not tok_off[-1]:
            return np.zeros(tok_off[-1]), tok_off
        # Word n-gram occurrences: position in transform order, first token, width.
        w_doc = np.repeat(docs, n_words[docs])
        w_rank = np.arange(len(w_doc)) - np.repeat(np.cumsum(n_words[docs]) - n_words[docs], n_words[docs])
        w_pos = doc_start[w_doc] + w_rank
        w_first = np.concatenate([analyzed[d][2] for d in docs]) + tok_off[w_doc]
        w_width = np.concatenate([analyzed[d][3] for d in docs])
        # Character n-gram occurrences belong to one token each.
        char_lens = np.concatenate([analyzed[d][5] for d in docs])
        c_doc = np.repeat(docs, n_chars[docs])
        c_rank = np.arange(len(c_doc)) - np.repeat(np.cumsum(n_chars[docs]) - n_chars[docs], n_chars[docs])
        c_pos = doc_start[c_doc] + n_words[c_doc] + c_rank
        c_first = np.repeat(np.arange(tok_off[-1]), char_lens)
        pos = np.concatenate([w_pos, c_pos])
        occ_doc = np.concatenate([w_doc, c_doc])
        first = np.concatenate([w_first, c_first])
        width = np.concatenate([w_width, np.ones(len(c_pos), dtype=np.int64)])
        cell = inverse[pos]  # index into X.data
        fids = X.indices[cell]
        lab = labels[occ_doc]
        push = self._push_of(0, lab, fids)
        if self._blocks == 3:
            g = gates[occ_doc]
            push = push + g * self._push_of(1, lab, fids) + (1 - g) * self._push_of(2, lab, fids)
        value = X.data[cell] * push / counts[cell] / width
        # Spread each n-gram's value over the tokens it covers.
        reps = np.repeat(np.arange(len(pos)), width)
        owners = first[reps] + (np.arange(len(reps)) - np.repeat(np.cumsum(width) - width, width))
        return np.bincount(owners, weights=value[reps], minlength=tok_off[-1]), tok_off

    def _push_of(self, block, labels, fids):
        """Weight of features ``fids`` for ``labels`` minus their average over labels, in one block."""
        if self._fast is None:
            return self._push[block][labels, fids]
        k = self._fast["k"]
        return self._fast["weights"][fids, block * k + self._order[labels]] - self._means[fids, block]

    def _all_cues(self, originals, cleaned, analyzed, X, occurrences, proba, gates, top=6):
        """Cues of every document: its top label's, and a strong second feeling's."""
        order = np.argsort(-proba, axis=1)
        first, second = order[:, 0], order[:, 1]
        neutral = LABELS.index("neutral")
        rows1 = np.flatnonzero(first != neutral)
        with_second = (proba[np.arange(len(proba)), second] >= 0.25) & (second != neutral)
        rows2 = np.flatnonzero(with_second)
        s1, o1 = self._token_scores(analyzed, X, occurrences, first, gates, rows1)
        s2, o2 = (self._token_scores(analyzed, X, occurrences, second, gates, rows2) if len(rows2)
                  else (None, None))
        out = []
        for d, text in enumerate(originals):
            cues, spans = [], None
            for scores, offsets, label, limit in ((s1, o1, first[d], top), (s2, o2, second[d], 3)):
                if scores is None or offsets[d] == offsets[d + 1]:
                    continue
                vals = scores[offsets[d] : offsets[d + 1]].tolist()
                spans = self._add_cues(cues, text, cleaned[d], analyzed[d][0], vals, int(label), limit, spans)
            cues.sort(key=lambda c: c["start"])
            out.append(cues)
        return out

    @staticmethod
    def _add_cues(cues, text, cleaned, toks, vals, label, limit, spans):
        best = max(vals)
        if best <= 0:
            return spans
        keep = sorted((i for i, v in enumerate(vals) if v >= 0.2 * best and v > 0.02 and toks[i] not in _STOP),
                      key=lambda i: -vals[i])[:limit]
        if not keep:
            return spans
        keep.sort()
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
            if any(start < c["end"] and c["start"] < end for c in cues):
                continue  # a word shows one feeling: the stronger label's cue wins
            cues.append({
                "start": start, "end": end, "text": text[start:end], "label": LABELS[label],
                "weight": round(min(sum(vals[i] for i in g) / best, 1.0), 3),
            })
        return spans
