"""The tokeniser (attune.model.tokens): NLTK's tweet tokeniser rebuilt, offsets, negation scope, the batch path."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.tokenize import TweetTokenizer

import attune.model.tokens as mtokens
from attune.model.tokens import negation_marks, token_spans, tokenize, tokenize_batch
from tests.strategies import any_text


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


@settings(max_examples=400, deadline=None)
@given(any_text)
def test_tokenize_fast_path_equals_the_regex(text):
    low = text.lower()
    if mtokens._RUN4.search(low):
        low = mtokens._RUN4.sub(r"\1\1\1", low)
    assert tokenize(text) == mtokens.token_pattern().findall(low)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(any_text, st.just("")), min_size=0, max_size=6))
def test_tokenize_batch_equals_tokenize_and_token_spans(docs):
    tokens, ptr, starts, ends = tokenize_batch(docs)
    plain = mtokens._tokenize_each(docs)  # the fallback, text by text
    assert tokens == plain[0] and np.array_equal(ptr, plain[1])
    assert np.array_equal(starts, plain[2]) and np.array_equal(ends, plain[3])
    for d, doc in enumerate(docs):
        toks = tokens[ptr[d] : ptr[d + 1]]
        assert toks == tokenize(doc)
        assert list(zip(starts[ptr[d] : ptr[d + 1]].tolist(), ends[ptr[d] : ptr[d + 1]].tolist())) == \
            [tuple(s) for s in token_spans(doc, toks)]
