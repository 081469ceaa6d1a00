import numpy as np
import pytest
from nltk.tokenize import TweetTokenizer
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from model.features import StyleFeatures, TicketVectorizer, negation_marks, style_vector, token_spans, tokenize


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
    from model.features import STYLE_NAMES

    assert style_vector(text)[STYLE_NAMES.index(name)] >= more_than


def test_style_signals_absent_in_calm_text():
    from model.features import STYLE_NAMES

    raw = dict(zip(STYLE_NAMES, style_vector("Please update the billing address on my account.")))
    assert raw["caps_share"] == 0 and raw["exclaim_runs"] == 0 and raw["escalation"] == 0
