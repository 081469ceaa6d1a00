"""Text to feature occurrences: the tokeniser, negation, the token table and style signals.

Everything analysing a text needs, on NumPy and SciPy's sparse matrices only: no
scikit-learn and no NLTK package import (the tokeniser's pattern comes from
NLTK's casual tokeniser, compiled on first use or installed from a saved
runtime; see :func:`token_pattern`). :mod:`model.features` wraps this in
scikit-learn transformers for training; :mod:`model.runtime` uses it to serve.

Tokenising follows NLTK's ``TweetTokenizer`` (``reduce_len=True``, lower case,
emoticons kept as they are), built from its own patterns and
``reduce_lengthening``. We drop its URL, handle, e-mail and HTML branches:
cleaning has already removed those, and they made it ten times slower.
"""

import math
import re
import threading
from itertools import chain, repeat

import numpy as np
import scipy.sparse as sp

__all__ = ["Encoder", "Encoded", "STYLE_NAMES", "char_terms", "negation_marks", "style_batch", "style_vector",
           "token_pattern", "token_spans", "tokenize", "tokenize_batch", "use_token_pattern"]

_TOKEN_RE = None  # compiled on first use: see token_pattern()
_TOKEN_FLAGS = re.VERBOSE | re.IGNORECASE | re.UNICODE
_RUN4 = re.compile(r"(.)\1{3,}")
_SPACED_DOTS = re.compile(r"\.[^\S\r\n]+\.")
_TRAILING = frozenset(".,!?;:)")  # never start a longer token when last in a chunk
# Which code points str.split() treats as white space (the same as the regex \s).
_SPACE = np.zeros(0x110000, dtype=bool)
_SPACE[[c for c in range(0x3000 + 1) if chr(c).isspace()]] = True

_NEGATORS = frozenset(
    """not no never nothing nobody none nowhere neither nor cannot cant can't dont don't
    doesnt doesn't didnt didn't isnt isn't wasnt wasn't arent aren't werent weren't wont won't
    wouldnt wouldn't couldnt couldn't shouldnt shouldn't havent haven't hasnt hasn't hadnt hadn't
    aint ain't without hardly barely""".split()
)
_CLAUSE_END = frozenset(".,:;!?…") | {"but", "though", "however", "..."}


def token_pattern():
    """The tokeniser's regular expression.

    NLTK's casual patterns: emoticons, emoji sequences and flags, words,
    numbers, ellipses and any other non-space character. Importing NLTK's
    package costs a second or two and ~150 MB (it pulls in SciPy's
    statistics), so it happens only when no saved pattern was installed.
    """
    global _TOKEN_RE
    if _TOKEN_RE is None:
        from nltk.tokenize import casual

        _TOKEN_RE = re.compile(
            "(%s)" % "|".join([casual.REGEXPS[9].split("(?:\\S)")[0] + "(?!)"]
                              + [casual.REGEXPS[1], casual.REGEXPS[7], casual.REGEXPS[8], r"(?:\S)"]),
            _TOKEN_FLAGS,
        )
    return _TOKEN_RE


def use_token_pattern(pattern):
    """Install a saved copy of :func:`token_pattern`'s pattern (a runtime file carries one).

    Refuses a pattern that differs from the one already in use: the same
    text must always give the same tokens in one process.
    """
    global _TOKEN_RE
    if _TOKEN_RE is None:
        _TOKEN_RE = re.compile(pattern, _TOKEN_FLAGS)
    elif _TOKEN_RE.pattern != pattern:
        raise ValueError("this model was saved with a different tokeniser pattern (another NLTK version?)")
    return _TOKEN_RE


def tokenize(text):
    """Tokenise like NLTK's TweetTokenizer(reduce_len=True, preserve_case=False).

    >>> tokenize("Sooooo annoyed!!!! :(")
    ['sooo', 'annoyed', '!', '!', '!', ':(']
    """
    low = text.lower()
    if _RUN4.search(low):
        low = _RUN4.sub(r"\1\1\1", low)  # what reduce_lengthening does, on the whole text
    if _SPACED_DOTS.search(low):
        return token_pattern().findall(low)  # ". . ." is one token across spaces
    return _chunk_tokens(low)


def _tokenize_each(docs):
    """:func:`tokenize_batch` done text by text, the plain way."""
    per_doc = [tokenize(d) for d in docs]
    tokens = list(chain.from_iterable(per_doc))
    tok_ptr = np.concatenate([[0], np.cumsum([len(t) for t in per_doc], dtype=np.int64)])
    spans = np.array([s for d, t in zip(docs, per_doc) for s in token_spans(d, t)], dtype=np.int64).reshape(-1, 2)
    return tokens, tok_ptr, spans[:, 0], spans[:, 1]


def _chunk_tokens(low):
    # Tokens never cross white space (but for ". . ."), and most chunks
    # between spaces are a plain word ("refund", "don't") with at most one
    # punctuation mark after it: those are split by hand, the rest by the
    # regex. Half the cost of running the regex over everything, same tokens.
    out = []
    add, extend, findall = out.append, out.extend, token_pattern().findall
    for chunk in low.split():
        if chunk.isalpha():
            add(chunk)
            continue
        last = chunk[-1]
        core = chunk[:-1] if last in _TRAILING else chunk
        if core.isalpha() or (core[:1].isalpha() and core[-1:].isalpha()
                              and core.replace("'", "a").replace("-", "a").isalpha()):
            add(core)
            if core is not chunk:
                add(last)
        else:
            extend(findall(chunk))
    return out


def tokenize_batch(docs):
    """Tokens of many texts, with their offsets, as :func:`tokenize` and :func:`token_spans` give them.

    Returns ``(tokens, tok_ptr, starts, ends)``: all tokens in one list, text
    ``d``'s being ``tokens[tok_ptr[d]:tok_ptr[d + 1]]``, and each token's
    ``[start, end)`` in its text (int arrays). The checks :func:`tokenize`
    makes per text (lengthened words, spaced dots) run once over the batch.
    In the usual case the tokens, joined, are the text without white space,
    so their offsets follow from their lengths and where the non-space
    characters are; texts where that fails take the slow, exact way.
    """
    n_docs = len(docs)
    joined = "\n".join(docs)
    low = joined.lower()
    doc_start = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum([len(d) + 1 for d in docs], out=doc_start[1:])
    special = np.zeros(n_docs, dtype=bool)
    if len(low) != len(joined):  # case folding changed a length ("İ"): find which texts
        lows = [d.lower() for d in docs]
        special[[i for i, (d, lw) in enumerate(zip(docs, lows)) if len(lw) != len(d)]] = True
        low = "\n".join(d if sp_ else lw for d, lw, sp_ in zip(docs, lows, special))  # offsets kept
    codes = np.frombuffer(low.encode("utf-32-le"), dtype=np.uint32)
    same = codes[1:] == codes[:-1]
    runs = (same[:-2] & same[1:-1] & same[2:]).nonzero()[0]  # four equal characters
    dots = [m.start() for m in _SPACED_DOTS.finditer(low)]
    special[np.searchsorted(doc_start, np.concatenate([runs, dots]).astype(np.int64), side="right") - 1] = True

    odd = special.nonzero()[0].tolist()
    if odd:  # blank them: spaces keep every offset; they are tokenised one by one below
        bounds = doc_start.tolist()
        low = "\n".join(" " * len(d) if special[i] else low[bounds[i] : bounds[i + 1] - 1] for i, d in enumerate(docs))
        codes = np.frombuffer(low.encode("utf-32-le"), dtype=np.uint32)

    tokens = _chunk_tokens(low)  # every other text in one pass
    tok_len = np.fromiter(map(len, tokens), np.int64, len(tokens))
    cum = np.zeros(len(tokens) + 1, dtype=np.int64)
    np.cumsum(tok_len, out=cum[1:])  # where each token starts in the text without white space
    solid = (~_SPACE[codes]).nonzero()[0]  # where the non-space characters are
    solid_before = np.searchsorted(solid, doc_start)
    tok_ptr = np.searchsorted(cum[:-1], solid_before)
    if cum[-1] != len(solid) or not np.array_equal(cum[tok_ptr], solid_before):
        return _tokenize_each(docs)  # cannot happen (see test); never guess offsets
    doc = np.arange(n_docs).repeat(tok_ptr[1:] - tok_ptr[:-1])
    starts = solid[cum[:-1]] - doc_start[doc]
    ends = solid[cum[1:] - 1] + 1 - doc_start[doc]
    if odd:
        extra = [tokenize(docs[i]) for i in odd]
        spans = [np.array(token_spans(docs[i], t), dtype=np.int64).reshape(-1, 2) for i, t in zip(odd, extra)]
        at = tok_ptr[odd].repeat([len(t) for t in extra])
        merged, prev = [], 0
        for i, t in zip(odd, extra):
            merged += tokens[prev : tok_ptr[i]]
            merged += t
            prev = tok_ptr[i]
        tokens = merged + tokens[prev:]
        both = np.concatenate(spans) if spans else np.zeros((0, 2), dtype=np.int64)
        starts, ends = np.insert(starts, at, both[:, 0]), np.insert(ends, at, both[:, 1])
        lengths = tok_ptr[1:] - tok_ptr[:-1]
        lengths[odd] = [len(t) for t in extra]
        tok_ptr = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum(lengths, out=tok_ptr[1:])
    return tokens, tok_ptr, starts, ends


def token_spans(text, tokens):
    """Offsets ``(start, end)`` in ``text`` of each token from :func:`tokenize`.

    Lengthened words ("sooooo") are reduced in tokens but covered whole by
    their span; case folding that changes length ("İ") is allowed for.
    """
    # Rebuild the text the tokens came from, character by character,
    # remembering where each character stood in the original.
    # (Characters from lower-casing the whole text, which knows final sigma.)
    kept = text.lower()
    where = [i for i, c in enumerate(text) for _ in range(len(c.lower()))]
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



def char_terms(tok, lo, hi):
    """Character n-grams of lengths ``lo..hi`` inside ``tok`` padded with spaces (like ``char_wb``)."""
    padded = " " + tok + " "
    size = len(padded)
    return [padded[i : i + n] for n in range(lo, hi + 1) for i in range(size - n + 1)]


class Encoder:
    """A fitted vocabulary and its IDF weights, and the batch machinery that uses them.

    Built by :class:`~model.features.TicketVectorizer` (training) or from a
    saved runtime (serving); both give the same features.
    """

    def __init__(self, word_vocabulary, char_vocabulary, idf, word_ngrams=2, char_ngram_range=(2, 5),
                 negation=True, char_weight=1.0):
        if word_ngrams not in (1, 2):
            raise ValueError(f"word_ngrams must be 1 or 2, got {word_ngrams!r}")
        self.word_vocabulary, self.char_vocabulary = word_vocabulary, char_vocabulary
        self.n_word = len(word_vocabulary)
        self.idf = np.asarray(idf, dtype=float)
        self.word_ngrams, self.negation, self.char_weight = word_ngrams, negation, char_weight
        self.char_ngram_range = tuple(char_ngram_range) if char_ngram_range else None
        self._table = None

    def char_terms(self, tok):
        return char_terms(tok, *self.char_ngram_range)

    def encode(self, docs):
        """Tokenise documents and list every feature occurrence, for a whole batch at once.

        Returns an :class:`Encoded`. Per-token facts (unigram ids, character
        n-grams, negators) come from a table filled on a token's first sight,
        so a batch costs one dictionary look-up per token plus array work.
        """
        table = self._table
        if table is None or table.full():
            table = self._table = _TokenTable(self)  # a running batch keeps the old one
        tokens, tok_ptr, tok_start, tok_end = tokenize_batch(docs)
        lengths = tok_ptr[1:] - tok_ptr[:-1]
        n = len(tokens)
        tids = np.fromiter(map(table.ids.__getitem__, tokens), np.int64, n)
        starts = tok_ptr[:-1][lengths > 0]

        kind = table.kind[tids]
        negated = np.zeros(n, dtype=bool)
        if self.negation and n:
            # A token is negated when the last negator before it in its
            # document comes after the last clause end (negation_marks, vectorised).
            twice = 2 * np.arange(n)
            last_neg = np.maximum.accumulate(np.where(kind == _NEGATOR, twice, -2))
            reset = np.where(kind == _CLAUSE, twice + 1, -1)
            reset[starts] = np.maximum(reset[starts], twice[starts] - 1)
            negated = (last_neg > np.maximum.accumulate(reset)) & (kind == 0)
        uni = np.where(negated, table.uni_neg[tids], table.uni[tids])
        w_tok = (uni >= 0).nonzero()[0]
        parts_fid, parts_tok = [uni[w_tok]], [w_tok]
        n_pairs = 0
        if self.word_ngrams >= 2 and n > 1 and len(table.pair_keys):
            variant = tids * 2 + negated
            keys = (variant[:-1] << 32) | variant[1:]
            at = np.minimum(np.searchsorted(table.pair_keys, keys), len(table.pair_keys) - 1)
            hit = table.pair_keys[at] == keys
            hit[starts[1:] - 1] = False  # no pair across documents
            b_tok = hit.nonzero()[0]
            parts_fid.append(table.pair_fids[at[b_tok]])
            parts_tok.append(b_tok)
            n_pairs = len(b_tok)
        if self.char_ngram_range:
            c_len = table.char_len[tids]
            before = np.cumsum(c_len) - c_len
            pos = (table.char_ptr[tids] - before).repeat(c_len) + np.arange(before[-1] + c_len[-1] if n else 0)
            parts_fid.append(table.char_feat[pos])
            parts_tok.append(np.arange(n).repeat(c_len))
        doc_of_token = np.arange(len(docs)).repeat(lengths)
        occ_tok = np.concatenate(parts_tok)
        lex_pairs = np.zeros((0, 2), dtype=np.int64)
        if n > 1:  # style lexicon pairs, each distinct one once per text
            keys = (tids[:-1] << 32) | tids[1:]
            at = np.minimum(np.searchsorted(table.lex_pair_keys, keys), len(table.lex_pair_keys) - 1)
            hit = ((table.lex_pair_keys[at] == keys) & (doc_of_token[:-1] == doc_of_token[1:])).nonzero()[0]
            if len(hit):
                n_lex = len(table.lex_pair_keys)
                found = np.unique(doc_of_token[hit] * n_lex + at[hit])
                lex_pairs = np.stack([found // n_lex, table.lex_pair_codes[found % n_lex]], axis=1)
        return Encoded(tokens, tok_ptr, tok_start, tok_end, np.concatenate(parts_fid), occ_tok,
                       doc_of_token[occ_tok], len(w_tok), n_pairs, table.lex[tids], lex_pairs)

    def transform_encoded(self, enc, return_occurrences=False, dtype=np.float64):
        """Vectorise documents already passed through :meth:`encode`.

        With ``return_occurrences``, also return ``order`` and ``counts``:
        the occurrences of ``enc`` listed cell by cell (the ``counts[c]``
        occurrences of the matrix's ``c``-th stored value come next in
        ``order``): how cues find a feature's value without searching.
        """
        n_docs, n_features = len(enc.tok_ptr) - 1, len(self.idf)
        keys = enc.occ_doc * n_features + enc.occ_fid
        # Sorting groups every (document, feature) pair and leaves the matrix
        # in canonical CSR order.
        order = _sort_order(enc.occ_doc, enc.occ_fid, n_docs, n_features)
        ordered = keys[order]
        first = np.empty(len(keys), dtype=bool)
        first[:1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
        cell_starts = first.nonzero()[0]
        counts = np.diff(cell_starts, append=len(keys))
        head = order[cell_starts]
        row_of, indices = enc.occ_doc[head], enc.occ_fid[head]
        data = (np.log(counts) + 1.0) * self.idf[indices]
        # Normalise the word and character blocks separately, as two
        # vectorisers in a FeatureUnion would, so neither swamps the other.
        block = 2 * row_of + (indices >= self.n_word)
        norm = np.sqrt(np.bincount(block, data * data, minlength=2 * n_docs))
        norm[norm == 0] = 1.0
        norm[1::2] /= self.char_weight
        data /= norm[block]
        # 32-bit indices: what SciPy would convert them to anyway, at a cost.
        index = np.int32 if max(n_features, len(data)) < 2**31 else np.int64
        indptr = np.searchsorted(row_of, np.arange(n_docs + 1)).astype(index)
        X = sp.csr_matrix((data.astype(dtype, copy=False), indices.astype(index), indptr), shape=(n_docs, n_features))
        return (X, order, counts) if return_occurrences else X



def _sort_order(doc, fid, n_docs, n_features):
    """The order sorting occurrences by (document, feature).

    Two stable radix passes over 16-bit keys (the feature's low bits, then
    document and the feature's high bits), which NumPy sorts in linear time:
    half the cost of one comparison sort of 64-bit keys.
    """
    high_bits = max(int(n_features - 1).bit_length() - 16, 0)
    if n_docs << high_bits > 1 << 16:
        return np.argsort(doc * n_features + fid, kind="stable")
    first = np.argsort(fid.astype(np.uint16), kind="stable")  # low 16 bits (astype wraps)
    high = ((doc << high_bits) | (fid >> 16)).astype(np.uint16)
    return first[np.argsort(high[first], kind="stable")]


class Encoded:
    """A batch of documents as tokens and feature occurrences (see :meth:`Encoder.encode`).

    ``tokens`` is every document's tokens in one list, document ``d``'s being
    ``tokens[tok_ptr[d]:tok_ptr[d + 1]]``, and token ``t`` spans
    ``[tok_start[t], tok_end[t])`` of its document. Occurrence ``i`` is feature
    ``occ_fid[i]`` of document ``occ_doc[i]``, starting at token ``occ_tok[i]``;
    the first ``n_uni`` are word unigrams, the next ``n_pairs`` word pairs
    (two tokens wide), the rest character n-grams. ``lex`` and ``lex_pairs``
    are what :func:`style_batch` counts: each token's lexicon signal (0 for
    none), and ``(document, signal)`` of each distinct lexicon word pair.
    """

    __slots__ = ("tokens", "tok_ptr", "tok_start", "tok_end", "occ_fid", "occ_tok", "occ_doc", "n_uni", "n_pairs",
                 "lex", "lex_pairs")

    def __init__(self, tokens, tok_ptr, tok_start, tok_end, occ_fid, occ_tok, occ_doc, n_uni, n_pairs, lex, lex_pairs):
        self.tokens, self.tok_ptr, self.tok_start, self.tok_end = tokens, tok_ptr, tok_start, tok_end
        self.occ_fid, self.occ_tok, self.occ_doc = occ_fid, occ_tok, occ_doc
        self.n_uni, self.n_pairs = n_uni, n_pairs
        self.lex, self.lex_pairs = lex, lex_pairs


_NEGATOR, _CLAUSE = 1, 2


class _TokenTable:
    """What each distinct token contributes, worked out once per token.

    Row ``t`` holds token ``t``'s unigram feature ids (plain and negated, -1
    when not in the vocabulary), whether it is a negator or ends a clause, and
    where its character n-gram ids sit in ``char_feat``. Word pairs are found
    by integer keys built from two token ids. Rows are added on first sight,
    under a lock; they are never changed afterwards, so readers need none.
    """

    MAX_TOKENS = 300_000  # then encode() starts a fresh table: memory stays bounded

    def __init__(self, vec):
        self._vocab, self._chars = vec.word_vocabulary, vec.char_vocabulary
        self._char_off, self._char_terms = vec.n_word, (vec.char_terms if vec.char_ngram_range else None)
        self._lock = threading.Lock()
        self.n = self.n_char = 0
        # 32-bit: half the memory to pull through the CPU cache per look-up.
        self.uni = np.empty(0, np.int32)
        self.uni_neg = self.char_len = self.uni
        self.char_ptr = np.empty(0, np.int64)
        self.kind = self.lex = np.empty(0, np.int8)
        self.char_feat = np.empty(0, np.int32)
        self.ids = _Ids(self._add)
        keys, fids = [], []
        for term, j in self._vocab.items():
            # Every split at a space: tokens such as ". . ." contain spaces,
            # and any split that rebuilds the term is, as a string, that term.
            at = term.find(" ")
            while at >= 0:
                keys.append((self._variant(term[:at]) << 32) | self._variant(term[at + 1 :]))
                fids.append(j)
                at = term.find(" ", at + 1)
        order = np.argsort(np.array(keys, dtype=np.int64))
        self.pair_keys = np.array(keys, dtype=np.int64)[order]
        self.pair_fids = np.array(fids, dtype=np.int32)[order]
        # Style lexicon pairs ("third time"), by the same kind of key.
        pairs = sorted(((self.ids[a] << 32) | self.ids[b], code)
                       for a, b, code in ((*w.split("_"), c) for w, c in _PAIR_CODE.items()))
        self.lex_pair_keys = np.array([k for k, _ in pairs], dtype=np.int64)
        self.lex_pair_codes = np.array([c for _, c in pairs], dtype=np.int64)
        self.base = self.n

    def _variant(self, word):
        neg = word.endswith("_NEG")  # tokens are lower case: never a real suffix
        return self.ids[word[:-4] if neg else word] * 2 + neg

    def full(self):
        return self.n - self.base > self.MAX_TOKENS

    def _add(self, tok):
        """Give ``tok`` a row; called by ``ids`` on a miss."""
        with self._lock:
            tid = dict.get(self.ids, tok)
            if tid is not None:  # another thread added it meanwhile
                return tid
            if self._char_terms:
                voc, off = self._chars, self._char_off
                chars = [off + voc[g] for g in self._char_terms(tok) if g in voc]
            else:
                chars = []
            tid = self.n
            if tid == len(self.uni):
                self._grow_rows(max(1024, 2 * tid))
            if self.n_char + len(chars) > len(self.char_feat):
                self.char_feat = _grown(self.char_feat, max(16384, 2 * (self.n_char + len(chars))))
            self.char_feat[self.n_char : self.n_char + len(chars)] = chars
            self.char_ptr[tid], self.char_len[tid] = self.n_char, len(chars)
            self.uni[tid] = self._vocab.get(tok, -1)
            self.uni_neg[tid] = self._vocab.get(tok + "_NEG", -1)
            self.kind[tid] = (_CLAUSE if tok in _CLAUSE_END else
                              _NEGATOR if tok in _NEGATORS or tok.endswith("n't") else 0)
            self.lex[tid] = _CODE.get(tok, 0)
            self.n_char += len(chars)
            self.n = tid + 1
            dict.__setitem__(self.ids, tok, tid)  # publish last: the row is complete
            return tid

    def _grow_rows(self, size):
        # New arrays are filled before they replace the old ones, so a reader
        # holding either sees every row published so far.
        self.uni, self.uni_neg = _grown(self.uni, size), _grown(self.uni_neg, size)
        self.char_ptr, self.char_len = _grown(self.char_ptr, size), _grown(self.char_len, size)
        self.kind, self.lex = _grown(self.kind, size), _grown(self.lex, size)


class _Ids(dict):
    """token -> row id; a missing token gets a row (``dict`` lookups stay in C)."""

    def __init__(self, add):
        super().__init__()
        self._add = add

    def __missing__(self, tok):
        return self._add(tok)


def _grown(a, size):
    out = np.zeros(size, dtype=a.dtype)
    out[: len(a)] = a
    return out


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


_COUNTED = STYLE_NAMES[3:9]  # the signals counted from the lexicon, in order
_CODE = {w: 1 + _COUNTED.index(name) for w, name in _LEXICON.items()}  # 0: no signal
_PAIR_CODE = {w: 1 + _COUNTED.index(name) for w, name in _PAIRS.items()}
_PAIR_FIRST = frozenset(w.split("_")[0] for w in _PAIRS)


def style_batch(docs, enc=None):
    """Raw style signals of many texts: an ``(n, 10)`` array, columns as :data:`STYLE_NAMES`.

    ``enc`` is the texts' :class:`Encoded` form, when already known (its token
    table has looked the lexicon up). Lexicon words count each time they
    occur; word pairs ("third time") once per text.
    """
    n_docs, width = len(docs), len(_COUNTED) + 1
    if enc is not None:
        doc_of = np.arange(n_docs).repeat(enc.tok_ptr[1:] - enc.tok_ptr[:-1])
        codes, pairs = enc.lex, enc.lex_pairs
    else:
        per_doc = [tokenize(d) for d in docs]
        tokens = list(chain.from_iterable(per_doc))
        doc_of = np.arange(n_docs).repeat([len(t) for t in per_doc])
        codes = np.fromiter(map(_CODE.get, tokens, repeat(0)), np.int64, len(tokens))
        found = {(doc_of[i], tokens[i] + "_" + tokens[i + 1]) for i in range(len(tokens) - 1)
                 if tokens[i] in _PAIR_FIRST and doc_of[i] == doc_of[i + 1]}
        pairs = np.array([(d, _PAIR_CODE[key]) for d, key in found if key in _PAIR_CODE], dtype=np.int64).reshape(-1, 2)
    counts = np.bincount(doc_of * width + codes, minlength=n_docs * width).reshape(n_docs, width)
    np.add.at(counts, (pairs[:, 0], pairs[:, 1]), 1)
    out = np.empty((n_docs, len(STYLE_NAMES)))
    out[:, 3:9] = counts[:, 1:]
    for d, text in enumerate(docs):
        out[d, 0] = 0.0
        if not text.islower():  # else no word can be in capitals
            words = [w for w in text.split() if len(w) > 2]
            caps = sum(1 for w in words if w.isupper())
            n_words = len(words) or 1
            out[d, 0] = min(caps / n_words, 1.0) if caps >= 2 or n_words < 6 else 0.0
        out[d, 1] = len(_EXCLAIM.findall(text)) if "!!" in text else 0
        out[d, 2] = len(_QUESTION.findall(text)) if "?" in text else 0
        out[d, 9] = math.log1p(len(text))
    return out


def style_vector(text):
    """Raw style signals of one text, in the order of :data:`STYLE_NAMES`."""
    return style_batch([text])[0].tolist()


