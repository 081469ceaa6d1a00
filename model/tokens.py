"""The tokeniser, token offsets and negation scope: NumPy only, no NLTK package import.

Tokenising follows NLTK's ``TweetTokenizer`` (``reduce_len=True``, lower case,
emoticons kept as they are), built from its own patterns and
``reduce_lengthening``; the pattern is compiled on first use or installed from a
saved runtime (see :func:`token_pattern`). We drop its URL, handle, e-mail and
HTML branches: cleaning has already removed those, and they made it ten times slower.
"""

import re
from itertools import chain

import numpy as np


__all__ = ["char_terms", "negation_marks", "token_pattern", "token_spans", "tokenize", "tokenize_batch",
           "use_token_pattern"]

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


def _lower_and_special(docs, doc_start):
    """The batch in lower case (joined by newlines, offsets kept), its code points, and which texts
    need the exact per-text path: a lengthened word, spaced dots, or case folding that changed a length."""
    joined = "\n".join(docs)
    low = joined.lower()
    special = np.zeros(len(docs), dtype=bool)
    if len(low) != len(joined):  # case folding changed a length ("İ"): find which texts
        lows = [d.lower() for d in docs]
        special[[i for i, (d, lw) in enumerate(zip(docs, lows)) if len(lw) != len(d)]] = True
        low = "\n".join(d if sp_ else lw for d, lw, sp_ in zip(docs, lows, special))  # offsets kept
    codes = np.frombuffer(low.encode("utf-32-le"), dtype=np.uint32)
    same = codes[1:] == codes[:-1]
    runs = (same[:-2] & same[1:-1] & same[2:]).nonzero()[0]  # four equal characters
    dots = [m.start() for m in _SPACED_DOTS.finditer(low)]
    special[np.searchsorted(doc_start, np.concatenate([runs, dots]).astype(np.int64), side="right") - 1] = True
    return low, codes, special


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
    doc_start = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum([len(d) + 1 for d in docs], out=doc_start[1:])
    low, codes, special = _lower_and_special(docs, doc_start)
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
