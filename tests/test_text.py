"""The encoder's batch path (attune.model.text) against plain references: sorting, the token table under threads."""

import threading
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import attune.model.text as mtext
from attune.model.features import TicketVectorizer
from attune.model.tokens import tokenize
from tests.strategies import CORPUS, any_text


def test_radix_grouping_equals_a_plain_sort():
    rng = np.random.default_rng(0)
    doc = np.sort(rng.integers(0, 300, 5000))
    for n_features in (50, 70_000, 300_000, 5_000_000):
        fid = rng.integers(0, n_features, 5000)
        order = mtext._sort_order(doc, fid, 300, n_features)
        keys = doc * n_features + fid
        assert np.array_equal(order, np.argsort(keys, kind="stable"))


def test_token_table_is_safe_across_threads_and_when_renewed(monkeypatch):
    v = TicketVectorizer(min_df=1).fit(CORPUS)
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


@settings(max_examples=150, deadline=None)
@given(st.lists(any_text, min_size=1, max_size=5))
def test_transform_equals_plain_tf_idf(docs):
    v = TicketVectorizer(min_df=1, char_weight=0.7).fit(CORPUS + ["not . . . ok", "x x x"])
    assert np.allclose(v.transform(docs).toarray(), _reference_matrix(v, docs))


@pytest.mark.parametrize("params", [{"word_ngrams": 1}, {"negation": False}, {"char_ngram_range": None},
                                    {"char_ngram_range": (3, 3)}])
def test_transform_equals_plain_tf_idf_for_other_settings(params):
    v = TicketVectorizer(min_df=1, **params).fit(CORPUS)
    docs = CORPUS + ["never ever happy", "new words only qwxz"]
    assert np.allclose(v.transform(docs).toarray(), _reference_matrix(v, docs))
