"""Features that carry emotion in support text.

Two scikit-learn transformers, both following the estimator contract (``__init__``
stores arguments, ``fit`` learns attributes ending in ``_``):

* :class:`TicketVectorizer` - TF-IDF over word 1-2-grams with negation scope and
  character n-grams inside words, from one tokenisation pass. It also says
  which tokens produced which features, which is how cues are explained.
* :class:`StyleFeatures` - a handful of dense intensity signals: ALL-CAPS share,
  ``!!!``/``??`` runs, emoticons and emoji, repeated-contact and escalation
  phrases, length.

Tokenising follows NLTK's ``TweetTokenizer`` (``reduce_len=True``, lower case,
emoticons kept as they are), built from its own patterns and
``reduce_lengthening``. We drop its URL, handle, e-mail and HTML branches:
cleaning has already removed those, and they made it ten times slower.
"""

import math
import re
import weakref
from collections import Counter

import numpy as np
import scipy.sparse as sp
from nltk.tokenize import casual
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

__all__ = ["TicketVectorizer", "StyleFeatures", "tokenize", "negation_marks", "STYLE_NAMES", "token_spans"]

# NLTK's casual patterns: 1 emoticons, 7-8 emoji sequences and flags, 9 words,
# numbers, ellipses and any other non-space character.
_TOKEN_RE = re.compile(
    "(%s)" % "|".join([casual.REGEXPS[9].split("(?:\\S)")[0] + "(?!)"]
                      + [casual.REGEXPS[1], casual.REGEXPS[7], casual.REGEXPS[8], r"(?:\S)"]),
    re.VERBOSE | re.IGNORECASE | re.UNICODE,
)
_EMOTICON_RE = re.compile(casual.EMOTICONS, re.VERBOSE | re.IGNORECASE | re.UNICODE)
_CHAR_CACHE = weakref.WeakKeyDictionary()  # TicketVectorizer -> {token: char feature ids}
_RUN4 = re.compile(r"(.)\1{3,}")

_NEGATORS = frozenset(
    """not no never nothing nobody none nowhere neither nor cannot cant can't dont don't
    doesnt doesn't didnt didn't isnt isn't wasnt wasn't arent aren't werent weren't wont won't
    wouldnt wouldn't couldnt couldn't shouldnt shouldn't havent haven't hasnt hasn't hadnt hadn't
    aint ain't without hardly barely""".split()
)
_CLAUSE_END = frozenset(".,:;!?…") | {"but", "though", "however", "..."}


def tokenize(text):
    """Tokenise like NLTK's TweetTokenizer(reduce_len=True, preserve_case=False).

    Returns the list of tokens; :func:`token_spans` finds their offsets when
    they are needed (for cues only, so batch vectorising skips that work).

    >>> tokenize("Sooooo annoyed!!!! :(")
    ['sooo', 'annoyed', '!', '!', '!', ':(']
    """
    low = text.lower()
    if _RUN4.search(low):
        low = _RUN4.sub(r"\1\1\1", low)  # what reduce_lengthening does, on the whole text
    return _TOKEN_RE.findall(low)


def token_spans(text, tokens):
    """Offsets ``(start, end)`` in ``text`` of each token from :func:`tokenize`."""
    low = text.lower()
    if len(low) == len(text) and not _RUN4.search(low):
        spans, pos = [], 0
        for tok in tokens:
            i = low.find(tok, pos)
            if i < 0:
                break
            spans.append((i, i + len(tok)))
            pos = i + len(tok)
        else:
            return spans
    return _spans_slow(text, tokens)


def _spans_slow(text, tokens):
    # Rare case: lengthened words ("sooooo") or case folding that changes
    # length ("İ"). Rebuild the text the tokens came from, character by
    # character, remembering where each character stood in the original.
    chars, where = [], []
    for i, c in enumerate(text):
        for lc in c.lower():
            chars.append(lc)
            where.append(i)
    kept = "".join(chars)
    drop = set()
    for m in _RUN4.finditer(kept):
        drop.update(range(m.start() + 3, m.end()))
    if drop:
        where = [w for k, w in enumerate(where) if k not in drop]
        kept = "".join(c for k, c in enumerate(kept) if k not in drop)
    where.append(len(text))
    spans, pos = [], 0
    for tok in tokens:
        i = kept.find(tok, pos)
        if i < 0:  # cannot happen for tokens of this text; keep lengths equal anyway
            spans.append((where[pos], where[pos]))
            continue
        end = i + len(tok)
        # A token ends where the next kept character starts, so it also
        # covers the extra letters of a lengthened word.
        spans.append((where[i], _end_of_run(text, where[end - 1], where[end])))
        pos = end
    return spans


def _end_of_run(text, last, stop):
    """Extend a token's end over repeats of its last character dropped by reduction."""
    end = last + 1
    while end < stop and end < len(text) and text[end].lower() == text[last].lower():
        end += 1
    return end


def negation_marks(tokens):
    """Return, per token, whether it lies in a negation scope.

    The scope runs from a negator to the end of the clause (Das and Chen
    style, as ``nltk.sentiment.util.mark_negation``): "not happy" and "happy"
    then become different features.
    """
    marks, neg = [], False
    for tok in tokens:
        if tok in _CLAUSE_END:
            neg = False
            marks.append(False)
        elif tok in _NEGATORS or tok.endswith("n't"):
            marks.append(False)
            neg = True
        else:
            marks.append(neg)
    return marks


class TicketVectorizer(TransformerMixin, BaseEstimator):
    """Word and character n-gram TF-IDF from one tokenisation.

    Parameters
    ----------
    word_ngrams : int, default=2
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
        for n in range(3, self.word_ngrams + 1):
            grams.append([" ".join(words[i : i + n]) for i in range(len(words) - n + 1)])
        return grams

    def _char_terms(self, tok):
        lo, hi = self.char_ngram_range
        padded = " " + tok + " "
        size = len(padded)
        return [padded[i : i + n] for n in range(lo, hi + 1) for i in range(size - n + 1)]

    # -- fitting ---------------------------------------------------------
    def fit(self, X, y=None):
        """Learn the vocabulary and inverse document frequencies from texts ``X``."""
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
        _CHAR_CACHE.pop(self, None)
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

    # -- transforming ----------------------------------------------------
    def _char_ids(self, toks):
        # Character features depend only on the token: cache them (bounded),
        # outside the estimator so transform leaves its state untouched.
        cache = _CHAR_CACHE.get(self)
        if cache is None or len(cache) > 200_000:
            cache = _CHAR_CACHE[self] = {}
        out = []
        for tok in toks:
            ids = cache.get(tok)
            if ids is None:
                voc, off = self.char_vocabulary_, self.n_word_
                ids = cache[tok] = np.array([off + voc[g] for g in self._char_terms(tok) if g in voc],
                                            dtype=np.int64)
            out.append(ids)
        return out

    def analyze_doc(self, doc):
        """Tokenise one document and list its features with the tokens they come from.

        Returns ``(tokens, word_ids, word_start, word_len, char_ids, char_len)``:
        the tokens from :func:`tokenize`; for each word n-gram in the
        vocabulary its feature id, first token and length in tokens; the
        character n-gram feature ids of all tokens in order, and how many
        belong to each token (all int arrays).
        """
        check_is_fitted(self, "idf_")
        toks = tokenize(doc)
        get = self.word_vocabulary_.get
        ids, start, length = [], [], []
        for n, grams in enumerate(self._word_terms(toks), 1):
            found = [get(term, -1) for term in grams]
            idx = np.array(found, dtype=np.int64)
            hit = np.flatnonzero(idx >= 0)
            ids.append(idx[hit])
            start.append(hit)
            length.append(np.full(len(hit), n, dtype=np.int64))
        per_token = self._char_ids(toks) if self.char_ngram_range and toks else []
        char_ids = np.concatenate(per_token) if per_token else np.zeros(0, dtype=np.int64)
        char_len = np.array([len(c) for c in per_token], dtype=np.int64) if per_token else np.zeros(len(toks), np.int64)
        return toks, np.concatenate(ids), np.concatenate(start), np.concatenate(length), char_ids, char_len

    def transform(self, X):
        """Return the L2-normalised, sublinear TF-IDF matrix of texts ``X``."""
        check_is_fitted(self, "idf_")
        return self.transform_analyzed([self.analyze_doc(d) for d in _as_texts(X, self)])

    def transform_analyzed(self, analyzed, return_occurrences=False):
        """Vectorise documents already passed through :meth:`analyze_doc`.

        With ``return_occurrences``, also return for every feature occurrence
        (in the order: each document's word ids, then its tokens' character
        ids) its position in the matrix's ``data``: how cues find a feature's
        value without searching.
        """
        n_docs, n_features = len(analyzed), len(self.idf_)
        parts, lengths = [], []
        for _, word_ids, _, _, char_ids, _ in analyzed:
            parts += (word_ids, char_ids)
            lengths.append(len(word_ids) + len(char_ids))
        cols = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        rows = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        # One sort counts every (document, feature) pair and leaves the
        # matrix in canonical CSR order: cheaper than COO -> CSR.
        keys, inverse, counts = np.unique(rows * n_features + cols, return_inverse=True, return_counts=True)
        row_of, indices = np.divmod(keys, n_features)
        data = (np.log(counts) + 1.0) * self.idf_[indices]
        # Normalise the word and character blocks separately, as two
        # vectorisers in a FeatureUnion would, so neither swamps the other.
        is_char = indices >= self.n_word_
        sq = data * data
        word_norm = np.sqrt(np.bincount(row_of[~is_char], sq[~is_char], minlength=n_docs))
        char_norm = np.sqrt(np.bincount(row_of[is_char], sq[is_char], minlength=n_docs))
        word_norm[word_norm == 0] = 1.0
        char_norm[char_norm == 0] = 1.0
        data /= np.where(is_char, char_norm[row_of] / self.char_weight, word_norm[row_of])
        indptr = np.concatenate([[0], np.cumsum(np.bincount(row_of, minlength=n_docs))])
        X = sp.csr_matrix((data, indices, indptr), shape=(n_docs, n_features))
        return (X, inverse, counts) if return_occurrences else X


# ---------------------------------------------------------------------------
# Style signals are counted on tokens with set look-ups: a dozen regex
# alternations over the raw text cost ten times more.
def _words(text):
    return frozenset(text.split())


_REPEAT = _words("again still already anymore yet repeatedly nobody chasing chase chased")
_REPEAT2 = _words("second_time third_time fourth_time fifth_time many_times several_times multiple_times "
                  "no_response no_reply no_answer no_one keep_getting keeps_happening for_days for_weeks "
                  "for_months once_again every_time still_waiting another_ticket same_problem same_issue")
_ESCALATE = _words("cancel cancelling canceling cancelled lawyer lawyers attorney chargeback dispute refund "
                   "ombudsman regulator review trustpilot manager supervisor complaint unacceptable ridiculous "
                   "worst scam joke disgrace disgraceful incompetent useless pathetic sue fraud bbb outrageous")
_ESCALATE2 = _words("legal_action never_again report_you small_claims")
_URGENT = _words("asap urgent urgently immediately today tonight tomorrow deadline emergency help scared "
                 "panic panicking afraid lost losing stuck hours minutes desperate")
_URGENT2 = _words("right_now as_soon by_tomorrow by_today")
_INTENSE = _words("so very really extremely absolutely totally completely incredibly seriously literally "
                  "beyond utterly such even whatsoever super")
_INTENSE2 = _words("at_all")
_NEG_EMO = _words(":( :-( :'( :/ :-/ >:( d: :[ =( :| ;( :c :'-( 😡 😠 🤬 😤 😞 😟 😢 😭 😩 😫 😰 😱 😕 😔 💔 🙄 😒 👎 😣 😖")
_POS_EMO = _words(":) :-) :d :-d ;) =) <3 :] 😀 😃 😄 😁 😊 🙂 🙏 🥰 😍 🥳 👍 ❤ ❤️ 🎉 🙌 💯 ✅")
_EXCLAIM = re.compile(r"!{2,}")
_QUESTION = re.compile(r"[?!]*\?[?!]+")

# token (or "first_second" word pair) -> the signal it counts towards; a
# word in two lists counts for the first.
_LEXICON, _PAIRS = {}, {}
for _name, _single, _pair in (("repeat_contact", _REPEAT, _REPEAT2), ("escalation", _ESCALATE, _ESCALATE2),
                              ("urgency", _URGENT, _URGENT2), ("intensifiers", _INTENSE, _INTENSE2),
                              ("neg_emoticons", _NEG_EMO, ()), ("pos_emoticons", _POS_EMO, ())):
    for _w in _single:
        _LEXICON.setdefault(_w, _name)
    for _w in _pair:
        _PAIRS.setdefault(_w, _name)

STYLE_NAMES = (
    "caps_share", "exclaim_runs", "question_runs", "neg_emoticons", "pos_emoticons",
    "repeat_contact", "escalation", "urgency", "intensifiers", "log_length",
)


def style_vector(text, toks=None):
    """Raw style signals of one text, in the order of :data:`STYLE_NAMES`.

    ``toks`` are the text's tokens from :func:`tokenize`, when already known.
    """
    if toks is None:
        toks = tokenize(text)
    words = [w for w in text.split() if len(w) > 2]
    caps = sum(1 for w in words if w.isupper())
    n_words = len(words) or 1
    counts = Counter(_LEXICON.get(t) for t in toks)  # repeated words count each time
    counts.update(_PAIRS.get(a + "_" + b) for a, b in set(zip(toks, toks[1:])))
    return [
        min(caps / n_words, 1.0) if caps >= 2 or n_words < 6 else 0.0,
        len(_EXCLAIM.findall(text)),
        len(_QUESTION.findall(text)),
        counts["neg_emoticons"],
        counts["pos_emoticons"],
        counts["repeat_contact"],
        counts["escalation"],
        counts["urgency"],
        counts["intensifiers"],
        math.log1p(len(text)),
    ]


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
        raw = np.array([style_vector(t) for t in _as_texts(X, self, reset=True)], dtype=float)
        self.scale_ = np.maximum(raw.mean(axis=0), 1e-3)
        return self

    def transform(self, X):
        """Return an ``(n, 10)`` array of squashed signals."""
        check_is_fitted(self, "scale_")
        return self.transform_raw(np.array([style_vector(t) for t in _as_texts(X, self)], dtype=float))

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
