import numpy as np
import pytest
from nltk.tokenize import TweetTokenizer
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from attune.model.features import StyleFeatures, TicketVectorizer, negation_marks, style_vector, token_spans, tokenize


@parametrize_with_checks([TicketVectorizer(min_df=1), StyleFeatures()])
def test_sklearn_estimator_contract(estimator, check):
    check(estimator)


@pytest.mark.parametrize("text", [
    "Third time I'm writing, STILL not fixed :(",
    "can u pls check my order?? thx",
    "I don't understand... which plan am I on?",
    "Wow. Just wow. 👏 Great job breaking it again",
    "Refund of $49.99 on 3/4, order was 12:30",
])
def test_tokens_match_nltk_tweet_tokenizer(text):
    expected = TweetTokenizer(reduce_len=True, preserve_case=False).tokenize(text)
    assert tokenize(text) == [t.lower() for t in expected]


@pytest.mark.parametrize("text", ["Sooooo annoyed!!!! :(", "İstanbul office, no wifi", "a  b\n\nc 😡😡 done"])
def test_token_spans_point_into_the_text(text):
    toks = tokenize(text)
    spans = token_spans(text, toks)
    assert len(spans) == len(toks)
    for (a, b), tok in zip(spans, toks):
        assert 0 <= a < b <= len(text)


def test_lengthening_is_reduced_and_spans_cover_the_whole_word():
    text = "Sooooo annoyed!!!!"
    toks = tokenize(text)
    assert toks[:2] == ["sooo", "annoyed"] and toks.count("!") == 3
    a, b = token_spans(text, toks)[0]
    assert text[a:b] == "Sooooo"


@pytest.mark.parametrize("tokens, expected", [
    (["not", "happy", "."], [False, True, False]),
    (["i", "don't", "like", "it", ",", "but", "ok"], [False, False, True, True, False, False, False]),
    (["never", "again"], [False, True]),
    (["fine", "thanks"], [False, False]),
])
def test_negation_scope_ends_at_clause(tokens, expected):
    assert negation_marks(tokens) == expected


def test_negation_makes_different_features():
    v = TicketVectorizer(min_df=1, char_ngram_range=None).fit(["happy", "not happy"])
    assert "happy_NEG" in v.word_vocabulary_ and "happy" in v.word_vocabulary_
    a, b = v.transform(["happy"]), v.transform(["not happy"])
    assert a[0, v.word_vocabulary_["happy"]] > 0 and b[0, v.word_vocabulary_["happy"]] == 0


def test_word_and_char_blocks_are_each_unit_length():
    v = TicketVectorizer(min_df=1).fit(["still not working", "thanks a lot", "where is it"])
    X = v.transform(["still not working, thanks"]).toarray()[0]
    assert np.linalg.norm(X[: v.n_word_]) == pytest.approx(1.0)
    assert np.linalg.norm(X[v.n_word_ :]) == pytest.approx(1.0)


def test_min_df_and_max_features_prune_the_vocabulary():
    docs = ["alpha beta", "alpha gamma", "alpha delta"]
    v = TicketVectorizer(min_df=2, char_ngram_range=None).fit(docs)
    assert set(v.word_vocabulary_) == {"alpha"}
    v = clone(v).set_params(min_df=1, max_features=2).fit(docs)
    assert len(v.word_vocabulary_) == 2 and "alpha" in v.word_vocabulary_


def test_two_text_columns_are_read_as_one_message():
    v = TicketVectorizer(min_df=1).fit(np.array([["Refund", "still missing"], ["Hi", "thanks"]], dtype=object))
    both = v.transform(np.array([["Refund", "still missing"]], dtype=object))
    assert both.nnz > 0
    with pytest.raises(ValueError, match="expecting 2 features"):
        v.transform(np.array([["one column"]], dtype=object))


@pytest.mark.parametrize("text, name, more_than", [
    ("THIS IS NOT OK AT ALL", "caps_share", 0.9),
    ("why?? why??? nobody answers!!!", "question_runs", 1),
    ("third time I'm writing, again", "repeat_contact", 1),
    ("I will cancel and call my lawyer", "escalation", 1),
    ("so sad :( 😞", "neg_emoticons", 1),
])
def test_style_signals(text, name, more_than):
    from attune.model.features import STYLE_NAMES

    assert style_vector(text)[STYLE_NAMES.index(name)] >= more_than


def test_style_signals_absent_in_calm_text():
    from attune.model.features import STYLE_NAMES

    raw = dict(zip(STYLE_NAMES, style_vector("Please update the billing address on my account.")))
    assert raw["caps_share"] == 0 and raw["exclaim_runs"] == 0 and raw["escalation"] == 0


# -- the batch path against plain, obviously-correct references ---------------
import re  # noqa: E402
import threading  # noqa: E402
from collections import Counter  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import attune.model.text as mtext  # noqa: E402
from attune.model.features import STYLE_NAMES, style_batch, tokenize_batch  # noqa: E402

# Pieces that exercise every tokeniser branch: words with apostrophes and
# dashes, numbers, emoticons, emoji (with skin tone and ZWJ), flags, spaced
# dots, lengthened words, case folding that changes length, odd white space.
_PIECES = ["refund", "Don't", "e-mail", "re-re-sent", "x", "ok", "3/4", "12:30", "-5", "$49.99", ":(", ":-)", "<3",
           ":D", "d:", "(8", "😡", "👍🏽", "👨‍👩‍👧", "🇬🇧", ". . .", "...", "…", "sooooo", "!!!!", "??", "İstanbul",
           "ΟΔΟΣ", "über", "_x_", "a_b", "'quoted'", "it.", "why?", "(ref", "x)", "\u200b", "\t", "\n", "  ", " ",
           "\u3000", "@bob", "#123", "—", "ＡＢＣ"]
texts = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12).map("".join)
spaced = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12).map(" ".join)
any_text = st.one_of(texts, spaced, st.text(max_size=60))


@settings(max_examples=400, deadline=None)
@given(any_text)
def test_tokenize_fast_path_equals_the_regex(text):
    low = text.lower()
    if mtext._RUN4.search(low):
        low = mtext._RUN4.sub(r"\1\1\1", low)
    assert tokenize(text) == mtext.token_pattern().findall(low)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(any_text, st.just("")), min_size=0, max_size=6))
def test_tokenize_batch_equals_tokenize_and_token_spans(docs):
    tokens, ptr, starts, ends = tokenize_batch(docs)
    plain = mtext._tokenize_each(docs)  # the fallback, text by text
    assert tokens == plain[0] and np.array_equal(ptr, plain[1])
    assert np.array_equal(starts, plain[2]) and np.array_equal(ends, plain[3])
    for d, doc in enumerate(docs):
        toks = tokens[ptr[d] : ptr[d + 1]]
        assert toks == tokenize(doc)
        assert list(zip(starts[ptr[d] : ptr[d + 1]].tolist(), ends[ptr[d] : ptr[d + 1]].tolist())) == \
            [tuple(s) for s in token_spans(doc, toks)]


def _reference_matrix(v, docs):
    """TF-IDF built the slow, plain way from the string features fit() counts."""
    X = np.zeros((len(docs), len(v.idf_)))
    for i, doc in enumerate(docs):
        toks = tokenize(doc)
        words = Counter(v.word_vocabulary_[t] for grams in v._word_terms(toks) for t in grams
                        if t in v.word_vocabulary_)
        chars = Counter(v.n_word_ + v.char_vocabulary_[g] for t in toks for g in v._char_terms(t)
                        if g in v.char_vocabulary_) if v.char_ngram_range else Counter()
        for block, scale in ((words, 1.0), (chars, v.char_weight)):
            row = {j: (np.log(c) + 1) * v.idf_[j] for j, c in block.items()}
            norm = np.sqrt(sum(x * x for x in row.values())) or 1.0
            for j, x in row.items():
                X[i, j] = scale * x / norm
    return X


_CORPUS = ["I'm not happy, the refund never came . . . again!!", "thanks so much :) you're great",
           "where do I find the e-mail settings?", "not working, not working, NOT working 😡",
           "İstanbul office: no wifi since Monday", "sooooo slow. can't log in, don't know why",
           "Order #12345 arrived broken :( and nobody answers", "ok"]


@settings(max_examples=150, deadline=None)
@given(st.lists(any_text, min_size=1, max_size=5))
def test_transform_equals_plain_tf_idf(docs):
    v = TicketVectorizer(min_df=1, char_weight=0.7).fit(_CORPUS + ["not . . . ok", "x x x"])
    assert np.allclose(v.transform(docs).toarray(), _reference_matrix(v, docs))


@pytest.mark.parametrize("params", [{"word_ngrams": 1}, {"negation": False}, {"char_ngram_range": None},
                                    {"char_ngram_range": (3, 3)}])
def test_transform_equals_plain_tf_idf_for_other_settings(params):
    v = TicketVectorizer(min_df=1, **params).fit(_CORPUS)
    docs = _CORPUS + ["never ever happy", "new words only qwxz"]
    assert np.allclose(v.transform(docs).toarray(), _reference_matrix(v, docs))


def test_word_ngrams_other_than_one_or_two_are_refused():
    with pytest.raises(ValueError, match="word_ngrams"):
        TicketVectorizer(word_ngrams=3).fit(_CORPUS)


def test_radix_grouping_equals_a_plain_sort():
    rng = np.random.default_rng(0)
    doc = np.sort(rng.integers(0, 300, 5000))
    for n_features in (50, 70_000, 300_000, 5_000_000):
        fid = rng.integers(0, n_features, 5000)
        order = mtext._sort_order(doc, fid, 300, n_features)
        keys = doc * n_features + fid
        assert np.array_equal(order, np.argsort(keys, kind="stable"))


def test_token_table_is_safe_across_threads_and_when_renewed(monkeypatch):
    v = TicketVectorizer(min_df=1).fit(_CORPUS)
    docs = [f"{w} not working again {i} zq{i}x" for i, w in enumerate(["refund", "wifi", "order"] * 40)]
    expected = _reference_matrix(v, docs)
    monkeypatch.setattr(mtext._TokenTable, "MAX_TOKENS", 25)  # renew the table while threads run
    results, errors = [], []

    def work():
        try:
            for k in range(0, len(docs), 7):
                results.append((k, v.transform(docs[k : k + 7]).toarray()))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 4 * len(range(0, len(docs), 7))
    for k, X in results:
        assert np.allclose(X, expected[k : k + 7])


_EXCLAIM, _QUESTION = re.compile(r"!{2,}"), re.compile(r"[?!]*\?[?!]+")


def _reference_style(text):
    toks = tokenize(text)
    words = [w for w in text.split() if len(w) > 2]
    caps = sum(1 for w in words if w.isupper())
    n_words = len(words) or 1
    counts = Counter(mtext._LEXICON.get(t) for t in toks)
    counts.update(mtext._PAIRS.get(a + "_" + b) for a, b in set(zip(toks, toks[1:])))
    return [min(caps / n_words, 1.0) if caps >= 2 or n_words < 6 else 0.0, len(_EXCLAIM.findall(text)),
            len(_QUESTION.findall(text))] + [counts[n] for n in STYLE_NAMES[3:9]] + [np.log1p(len(text))]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(any_text, st.lists(st.sampled_from(
    ["third", "time", "again", "LAWYER", "asap", "so", "at", "all", ":(", "😡", "🙂", "THIS", "IS", "BAD", "!!", "?!?"]),
    max_size=10).map(" ".join)), min_size=1, max_size=5))
def test_style_batch_equals_counting_each_text(docs):
    assert np.allclose(style_batch(docs), [_reference_style(d) for d in docs])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(any_text, st.lists(st.sampled_from(
    ["third", "time", "no", "one", "again", "lawyer", "at", "all", ":(", "so"]), max_size=10).map(" ".join)),
    min_size=1, max_size=5))
def test_style_from_the_token_table_equals_style_from_text(docs):
    v = TicketVectorizer(min_df=1).fit(_CORPUS)
    assert np.array_equal(style_batch(docs, v.encode(docs)), style_batch(docs))
