import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from attune.model.features import StyleFeatures, TicketVectorizer
from tests.strategies import CORPUS


@parametrize_with_checks([TicketVectorizer(min_df=1), StyleFeatures()])
def test_sklearn_estimator_contract(estimator, check):
    check(estimator)


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


def test_word_ngrams_other_than_one_or_two_are_refused():
    with pytest.raises(ValueError, match="word_ngrams"):
        TicketVectorizer(word_ngrams=3).fit(CORPUS)
