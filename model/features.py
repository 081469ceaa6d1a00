"""Features that carry emotion in support text, as scikit-learn transformers.

Two transformers, both following the estimator contract (``__init__`` stores
arguments, ``fit`` learns attributes ending in ``_``):

* :class:`TicketVectorizer` - TF-IDF over word 1-2-grams with negation scope and
  character n-grams inside words, from one tokenisation pass. It also says
  which tokens produced which features, which is how cues are explained.
* :class:`StyleFeatures` - a handful of dense intensity signals: ALL-CAPS share,
  ``!!!``/``??`` runs, emoticons and emoji, repeated-contact and escalation
  phrases, length.

The text machinery itself (tokeniser, token table, style lexicon) lives in
:mod:`model.text`, which serving uses without scikit-learn.
"""

import math
import weakref
from collections import Counter

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .style import STYLE_NAMES, style_batch, style_vector
from .text import Encoder
from .tokens import char_terms, negation_marks, token_spans, tokenize, tokenize_batch

__all__ = ["TicketVectorizer", "StyleFeatures", "tokenize", "tokenize_batch", "negation_marks", "STYLE_NAMES",
           "token_spans", "style_batch", "style_vector"]

_ENCODERS = weakref.WeakKeyDictionary()  # TicketVectorizer -> its Encoder (kept out of pickles and clones)


class TicketVectorizer(TransformerMixin, BaseEstimator):
    """Word and character n-gram TF-IDF from one tokenisation.

    Parameters
    ----------
    word_ngrams : {1, 2}, default=2
        Longest word n-gram (1 = unigrams only).
    char_ngram_range : tuple of int, default=(2, 5)
        Character n-gram lengths, taken inside each token padded with spaces
        (like scikit-learn's ``char_wb``). ``None`` disables them.
    negation : bool, default=True
        Suffix words in a negation scope with ``_NEG``.
    min_df : int, default=2
        Ignore features seen in fewer documents.
    max_features : int or None, default=None
        Keep only the most frequent features of each kind.
    char_weight : float, default=1.0
        Scale of the character block against the word block.

    Examples
    --------
    >>> v = TicketVectorizer(min_df=1).fit(["not working again", "works great"])
    >>> v.transform(["still not working"]).shape[0]
    1
    """

    def __init__(self, word_ngrams=2, char_ngram_range=(2, 5), negation=True, min_df=2,
                 max_features=None, char_weight=1.0):
        self.word_ngrams = word_ngrams
        self.char_ngram_range = char_ngram_range
        self.negation = negation
        self.min_df = min_df
        self.max_features = max_features
        self.char_weight = char_weight

    # -- analysis -------------------------------------------------------
    def _word_terms(self, toks):
        """Word n-grams of one document, one list per n; item i starts at token i."""
        words = toks
        if self.negation:
            words = [t + "_NEG" if m else t for t, m in zip(toks, negation_marks(toks))]
        grams = [words]
        if self.word_ngrams >= 2:
            grams.append([a + " " + b for a, b in zip(words, words[1:])])
        return grams

    def _char_terms(self, tok):
        return char_terms(tok, *self.char_ngram_range)

    # -- fitting ---------------------------------------------------------
    def fit(self, X, y=None):
        """Learn the vocabulary and inverse document frequencies from texts ``X``."""
        if self.word_ngrams not in (1, 2):
            raise ValueError(f"word_ngrams must be 1 or 2, got {self.word_ngrams!r}")
        docs = _as_texts(X, self, reset=True)
        word_df, char_df = Counter(), Counter()
        char_cache = {}
        for doc in docs:
            toks = tokenize(doc)
            word_df.update({t for grams in self._word_terms(toks) for t in grams})
            if self.char_ngram_range:
                grams = set()
                for tok in set(toks):
                    if tok not in char_cache:
                        char_cache[tok] = self._char_terms(tok)
                    grams.update(char_cache[tok])
                char_df.update(grams)
        n = len(docs)
        self.word_vocabulary_ = _select(word_df, self.min_df, self.max_features)
        self.char_vocabulary_ = _select(char_df, self.min_df, self.max_features)
        self.n_word_ = len(self.word_vocabulary_)
        idf = np.empty(self.n_word_ + len(self.char_vocabulary_))
        for term, j in self.word_vocabulary_.items():
            idf[j] = math.log((1 + n) / (1 + word_df[term])) + 1
        for term, j in self.char_vocabulary_.items():
            idf[self.n_word_ + j] = math.log((1 + n) / (1 + char_df[term])) + 1
        self.idf_ = idf
        _ENCODERS.pop(self, None)
        return self

    def __sklearn_tags__(self):
        return _text_tags(super().__sklearn_tags__())

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "idf_")
        names = np.empty(len(self.idf_), dtype=object)
        for term, j in self.word_vocabulary_.items():
            names[j] = "w:" + term
        for term, j in self.char_vocabulary_.items():
            names[self.n_word_ + j] = "c:" + term
        return names

    # -- transforming ----------------------------------------------------    # -- transforming ----------------------------------------------------
    def encoder(self):
        """The fitted vocabulary as a :class:`~model.text.Encoder` (made once, then kept)."""
        check_is_fitted(self, "idf_")
        enc = _ENCODERS.get(self)
        if enc is None:
            enc = _ENCODERS[self] = Encoder(self.word_vocabulary_, self.char_vocabulary_, self.idf_, self.word_ngrams,
                                            self.char_ngram_range, self.negation, self.char_weight)
        return enc

    def encode(self, docs):
        """Tokens and feature occurrences of a batch; see :meth:`model.text.Encoder.encode`."""
        return self.encoder().encode(docs)

    def transform(self, X):
        """Return the L2-normalised, sublinear TF-IDF matrix of texts ``X``."""
        check_is_fitted(self, "idf_")
        return self.transform_encoded(self.encode(_as_texts(X, self)))

    def transform_encoded(self, enc, return_occurrences=False, dtype=np.float64):
        """See :meth:`model.text.Encoder.transform_encoded`."""
        return self.encoder().transform_encoded(enc, return_occurrences, dtype)


class StyleFeatures(TransformerMixin, BaseEstimator):
    """Dense intensity signals, squashed to 0..1.

    Counts are squashed with ``x / (x + scale)``, ``scale`` learned as the
    mean of each signal on the training texts, so a signal at its usual level
    maps to about 0.5 whatever the corpus.

    Parameters
    ----------
    weight : float, default=1.0
        Multiplies the features, i.e. how much the linear model may lean on them.
    """

    def __init__(self, weight=1.0):
        self.weight = weight

    def fit(self, X, y=None):
        """Learn each signal's typical level from texts ``X``."""
        raw = style_batch(_as_texts(X, self, reset=True))
        self.scale_ = np.maximum(raw.mean(axis=0), 1e-3)
        return self

    def transform(self, X):
        """Return an ``(n, 10)`` array of squashed signals."""
        check_is_fitted(self, "scale_")
        return self.transform_raw(style_batch(_as_texts(X, self)))

    def transform_raw(self, raw):
        check_is_fitted(self, "scale_")
        raw = np.asarray(raw, dtype=float).reshape(-1, len(STYLE_NAMES))
        return self.weight * raw / (raw + self.scale_)

    def __sklearn_tags__(self):
        return _text_tags(super().__sklearn_tags__())

    def get_feature_names_out(self, input_features=None):
        return np.array(["style:" + n for n in STYLE_NAMES], dtype=object)


def _as_texts(X, est=None, reset=False):
    """Texts from ``X``: a list of strings, or a 2-D array whose cells in a
    row are joined (so ``[subject, body]`` columns read as one message).

    Records ``n_features_in_`` on ``est`` when ``reset``, and checks it
    otherwise, as every scikit-learn transformer does.
    """
    if isinstance(X, str):
        raise ValueError("expected an iterable of texts, got a single string")
    if sp.issparse(X):
        raise TypeError("sparse input is not supported: pass texts")
    if hasattr(X, "iloc") and hasattr(X, "columns"):  # DataFrame without importing pandas
        X = X.to_numpy(dtype=object)
    elif hasattr(X, "__array__") and not isinstance(X, np.ndarray):
        X = np.asarray(X)
    if isinstance(X, np.ndarray) and X.ndim == 1 and X.dtype.kind in "biufc":
        raise ValueError("Expected 2D array or a list of texts, got a 1D array of numbers instead. "
                         "Reshape your data, or pass texts as strings.")
    if isinstance(X, np.ndarray) and X.ndim == 2:
        if np.iscomplexobj(X):
            raise ValueError("Complex data not supported")
        if X.shape[1] == 0:
            raise ValueError(f"0 feature(s) (shape={X.shape}) while a minimum of 1 is required.")
        n_features, rows = X.shape[1], [" ".join(_cell(c) for c in row) for row in X.tolist()]
    else:
        rows = [_cell(x) for x in (X.tolist() if isinstance(X, np.ndarray) else X)]
        n_features = 1
    if est is not None:
        if reset:
            est.n_features_in_ = n_features
        elif n_features != getattr(est, "n_features_in_", n_features):
            raise ValueError(f"X has {n_features} features, but {type(est).__name__} "
                             f"is expecting {est.n_features_in_} features as input")
    if reset and not rows:
        raise ValueError(f"Found array with 0 sample(s) while a minimum of 1 is required by {type(est).__name__}.")
    return rows


def _cell(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""  # a missing cell is no text, not the word "nan"
    return str(x)


def _text_tags(tags):
    tags.input_tags.string = True
    tags.input_tags.allow_nan = True
    return tags


def _select(df, min_df, max_features):
    """Vocabulary of terms seen in at least ``min_df`` documents, most frequent first."""
    terms = [t for t, c in df.items() if c >= min_df]
    if max_features is not None and len(terms) > max_features:
        terms = sorted(terms, key=lambda t: (-df[t], t))[:max_features]
    return {t: j for j, t in enumerate(sorted(terms))}
