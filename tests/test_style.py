"""Style signals (attune.model.style): counted per text, in a batch, and from the token table alike."""

import re
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import attune.model.style as mstyle
from attune.model.style import STYLE_NAMES, style_batch, style_vector
from attune.model.tokens import tokenize
from attune.model.features import TicketVectorizer
from tests.strategies import CORPUS, any_text

_EXCLAIM, _QUESTION = re.compile(r"!{2,}"), re.compile(r"[?!]*\?[?!]+")


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
    v = TicketVectorizer(min_df=1).fit(CORPUS)
    assert np.array_equal(style_batch(docs, v.encode(docs)), style_batch(docs))


def _reference_style(text):
    toks = tokenize(text)
    words = [w for w in text.split() if len(w) > 2]
    caps = sum(1 for w in words if w.isupper())
    n_words = len(words) or 1
    counts = Counter(mstyle._LEXICON.get(t) for t in toks)
    counts.update(mstyle._PAIRS.get(a + "_" + b) for a, b in set(zip(toks, toks[1:])))
    return [min(caps / n_words, 1.0) if caps >= 2 or n_words < 6 else 0.0, len(_EXCLAIM.findall(text)),
            len(_QUESTION.findall(text))] + [counts[n] for n in STYLE_NAMES[3:9]] + [np.log1p(len(text))]
