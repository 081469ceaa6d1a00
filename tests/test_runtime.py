"""The serving runtime (attune.model.runtime): its fast path equals scikit-learn's pipeline."""

import numpy as np
import pytest

from attune.model import LABELS
from tests.test_core import MESSAGES


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


@pytest.fixture(scope="module")
def three_source_model():
    """A tiny model trained on three sources: the gate weighs three weight copies."""
    from attune import model
    from tests.tiny_corpus import texts_and_labels

    texts, labels = texts_and_labels()
    domain = [i % 3 for i in range(len(texts))]
    return model.train.fit(texts, labels, domain=domain, min_df=1, calibration_folds=2, gate_bias=0.5)


def test_three_sources_fast_path_equals_scikit_learn_and_survives_the_runtime_file(three_source_model, tmp_path):
    from attune import model
    from attune.model.clean import clean

    m = three_source_model
    assert m.runtime.fast is not None and m.runtime.fast["gate"][0].ndim == 2
    expected = m.pipeline.predict_proba([clean(t).text for t in MESSAGES])[:, m._order]
    got = np.array([[r["scores"][label] for label in LABELS] for r in m.analyze_batch(MESSAGES)])
    assert np.abs(got - expected).max() < 1e-4
    loaded = model.load_runtime(m.save(tmp_path / "three"))
    assert loaded.analyze_batch(MESSAGES) == m.analyze_batch(MESSAGES)


def test_a_per_source_class_bias_is_compiled_saved_as_format_2_and_read_back(tmp_path):
    import json

    from attune import model
    from attune.model.clean import clean
    from tests.tiny_corpus import texts_and_labels

    texts, labels = texts_and_labels()
    domain = [i % 3 for i in range(len(texts))]
    offsets = {2: [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.5]}  # real text leans to neutral
    m = model.train.fit(texts, labels, domain=domain, min_df=1, calibration_folds=2, class_bias=offsets)
    assert m.runtime.fast is not None and m.runtime.fast["source_bias"].shape == (3, len(LABELS))
    expected = m.pipeline.predict_proba([clean(t).text for t in MESSAGES])[:, m._order]
    got = np.array([[r["scores"][label] for label in LABELS] for r in m.analyze_batch(MESSAGES)])
    assert np.abs(got - expected).max() < 1e-4
    path = m.save(tmp_path / "biased")
    with np.load(path / model.artifact.RUNTIME_FILE) as z:
        assert json.loads(z["meta"].tobytes())["format"] == 2 and "source_bias" in z.files
    assert model.load_runtime(path).analyze_batch(MESSAGES) == m.analyze_batch(MESSAGES)
