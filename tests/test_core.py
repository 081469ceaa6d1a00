import pytest

from attune.model import LABELS
from attune.model.errors import EmptyText, InvalidInput

MESSAGES = [
    "This is absolutely unacceptable, I want my money back NOW!!!",
    "Third time I'm writing about this and it's still not working",
    "Please help asap, I think I lost all my files",
    "Hi,<br>I don&#39;t understand which plan I'm on?\n\nOn Mon, 2 Mar 2026, Support wrote:\n> Your plan is Pro",
    "Thank you so much, that fixed it! 😊",
    "Please update the billing address to 12 Elm Street",
    "I expected better. Sooooo let down 😞 by this update",
]


@pytest.mark.parametrize("text", MESSAGES)
def test_result_shape(tiny_model, text):
    r = tiny_model.analyze(text)
    assert r["label"] in LABELS
    assert set(r["scores"]) == set(LABELS)
    assert sum(r["scores"].values()) == pytest.approx(1.0, abs=1e-3)
    assert r["confidence"] == r["scores"][r["label"]] == max(r["scores"].values())
    assert 0.0 <= r["intensity"] <= 1.0
    assert r["model"] == "tiny-test" and r["truncated"] is False
    assert r["guidance"]["label"] == r["label"] and 2 <= len(r["guidance"]["tips"]) <= 4


@pytest.mark.parametrize("text", MESSAGES)
def test_cues_are_spans_of_the_original_text(tiny_model, text):
    for cue in tiny_model.analyze(text)["cues"]:
        assert 0 <= cue["start"] < cue["end"] <= len(text)
        assert text[cue["start"] : cue["end"]] == cue["text"]
        assert cue["label"] in LABELS and 0 < cue["weight"] <= 1


def test_cues_name_the_words_that_carry_the_feeling(tiny_model):
    r = tiny_model.analyze("Thank you so much, that fixed it!")
    assert r["label"] == "grateful"
    assert any("thank" in c["text"].lower() for c in r["cues"])


def test_cues_never_point_into_quoted_replies(tiny_model):
    text = "Still broken.\n\nOn Mon, 2 Mar 2026, Support wrote:\n> Thank you so much, we fixed it"
    cut = text.index("On Mon")
    assert all(c["end"] <= cut for c in tiny_model.analyze(text)["cues"])


def test_without_explaining_only_the_cues_are_left_out(tiny_model):
    full = tiny_model.analyze_batch(MESSAGES)
    bare = tiny_model.analyze_batch(MESSAGES, explain=False)
    assert any(r["cues"] for r in full)
    assert bare == [{k: v for k, v in r.items() if k != "cues"} for r in full]


def test_batch_equals_single(tiny_model):
    batch = tiny_model.analyze_batch(MESSAGES)
    assert [tiny_model.analyze(t) for t in MESSAGES] == batch


@pytest.mark.parametrize("bad", ["", "   ", "\n\t"])
def test_empty_text_is_refused(tiny_model, bad):
    with pytest.raises(EmptyText):
        tiny_model.analyze(bad)


@pytest.mark.parametrize("bad", [None, 42, b"bytes", ["list"]])
def test_non_text_is_refused(tiny_model, bad):
    with pytest.raises(InvalidInput):
        tiny_model.analyze(bad)


def test_batch_rejects_a_single_string(tiny_model):
    with pytest.raises(InvalidInput):
        tiny_model.analyze_batch("one string")


def test_one_megabyte_text_is_truncated_with_a_flag(tiny_model):
    text = ("I am still waiting for my refund and nobody answers. " * 20_000)[:1_000_000]
    r = tiny_model.analyze(text)
    assert r["truncated"] is True
    assert all(c["end"] <= 20_000 for c in r["cues"])
    assert tiny_model.analyze(text[:500])["truncated"] is False


def test_intensity_rises_with_shouting(tiny_model):
    calm = tiny_model.analyze("this is unacceptable, I want my money back")
    loud = tiny_model.analyze("THIS IS UNACCEPTABLE!!! I WANT MY MONEY BACK NOW!!!")
    assert loud["intensity"] > calm["intensity"]


def test_guidance_adds_a_situation_tip(tiny_model):
    r = tiny_model.analyze("Third time I'm writing about this and it's still not working")
    assert r["label"] == "frustrated"
    assert any("before" in tip or "more than one" in tip for tip in r["guidance"]["tips"])


@pytest.fixture(scope="module")
def two_domain_model():
    """A tiny model trained on two sources, so the domain gate is in play."""
    from attune import model
    from tests.tiny_corpus import texts_and_labels

    texts, labels = texts_and_labels()
    domain = [i % 2 for i in range(len(texts))]
    return model.train.fit(texts, labels, domain=domain, min_df=1, calibration_folds=2, gate_bias=0.0)


@pytest.mark.parametrize("which", ["tiny_model", "two_domain_model"])
def test_fast_path_equals_scikit_learn(request, which):
    m = request.getfixturevalue(which)
    assert m.runtime.fast is not None
    import numpy as np

    from attune.model.clean import clean

    # scikit-learn's own predict_proba on the same cleaned texts
    expected = m.pipeline.predict_proba([clean(t).text for t in MESSAGES])[:, m._order]
    got = np.array([[r["scores"][label] for label in LABELS] for r in m.analyze_batch(MESSAGES)])
    assert np.abs(got - expected).max() < 1e-4  # results are rounded to 4 places


def test_gate_separates_the_two_sources(two_domain_model):
    feats = two_domain_model.pipeline.named_steps["features"]
    from tests.tiny_corpus import texts_and_labels

    texts, _ = texts_and_labels()
    g = two_domain_model._base.gate(feats.transform(texts))
    assert ((g > 0.5) == [i % 2 == 1 for i in range(len(texts))]).mean() > 0.9


def test_gate_bias_shifts_towards_support(two_domain_model):
    from tests.tiny_corpus import texts_and_labels

    feats = two_domain_model.pipeline.named_steps["features"]
    X = feats.transform(texts_and_labels()[0])
    base = two_domain_model._base
    before = base.gate(X)
    base.gate_bias = 2.0
    try:
        after = base.gate(X)
    finally:
        base.gate_bias = 0.0
    assert (after > before).all()


@pytest.mark.parametrize("which", ["tiny_model", "two_domain_model"])
def test_token_scores_equal_a_per_token_sum(request, which):
    """Each token's cue score is the sum, over the features it takes part in, of
    TF-IDF value x (label weight - mean weight) / occurrences, a word pair's
    value split over its two words; gate-mixed when there is a gate."""
    from collections import Counter

    import numpy as np

    from attune.model.clean import clean
    from attune.model.features import negation_marks, tokenize

    m = request.getfixturevalue(which)
    v = m._vec
    docs = [clean(t).text for t in MESSAGES]
    enc = v.encode(docs)
    X, order, counts = v.transform_encoded(enc, return_occurrences=True, dtype=np.float32)
    _, gates = m.runtime._predict(X, m._style.transform(docs))
    labels = np.arange(len(docs)) % len(LABELS)
    occ = m.runtime._occurrences(enc, X, order, counts)
    got = m.runtime._token_scores(X, counts, occ, labels, gates, np.ones(len(docs), dtype=bool))
    some = np.arange(len(docs)) % 3 == 0  # scoring some documents leaves the others at zero
    part = m.runtime._token_scores(X, counts, occ, labels, gates, some)
    in_some = np.repeat(some, np.diff(enc.tok_ptr))
    assert np.allclose(part[in_some], got[in_some]) and not part[~in_some].any()

    clf = m._base.lr_
    n_in = m._base.n_features_in_
    for d, doc in enumerate(docs):
        toks = tokenize(doc)
        words = [t + "_NEG" if neg else t for t, neg in zip(toks, negation_marks(toks))]
        feats = []  # (feature id, first token, width)
        feats += [(v.word_vocabulary_[w], i, 1) for i, w in enumerate(words) if w in v.word_vocabulary_]
        feats += [(v.word_vocabulary_[a + " " + b], i, 2) for i, (a, b) in enumerate(zip(words, words[1:]))
                  if a + " " + b in v.word_vocabulary_]
        feats += [(v.n_word_ + v.char_vocabulary_[g], i, 1) for i, t in enumerate(toks) for g in v._char_terms(t)
                  if g in v.char_vocabulary_]
        n_occ = Counter(f for f, _, _ in feats)
        row = X[d].toarray()[0]
        coef = np.asarray(clf.coef_)[m._order]
        blocks = [coef[:, b * n_in : b * n_in + len(row)] for b in range(coef.shape[1] // n_in)]
        pushes = [blk[labels[d]] - blk.mean(axis=0) for blk in blocks]
        push = pushes[0] if len(pushes) == 1 else pushes[0] + gates[d] * pushes[1] + (1 - gates[d]) * pushes[2]
        expected = np.zeros(len(toks))
        for f, i, width in feats:
            expected[i : i + width] += row[f] * push[f] / n_occ[f] / width
        assert np.allclose(got[enc.tok_ptr[d] : enc.tok_ptr[d + 1]], expected, atol=1e-5)
