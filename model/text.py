"""Text to feature occurrences: the vocabulary encoder and its per-token table.

Everything analysing a text needs, on NumPy and SciPy's sparse matrices only: no
scikit-learn and no NLTK package import. The tokeniser is :mod:`model.tokens`, the
style signals :mod:`model.style`; :mod:`model.features` wraps all three in
scikit-learn transformers for training; :mod:`model.runtime` uses them to serve.
"""

import threading

import numpy as np
import scipy.sparse as sp


from .style import _CODE, _PAIR_CODE
from .tokens import _CLAUSE_END, _NEGATORS, char_terms, tokenize_batch

__all__ = ["Encoder", "Encoded"]


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
