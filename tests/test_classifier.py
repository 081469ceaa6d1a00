"""The domain-adapted classifier (attune.model.classifier): the estimator contract and its gate."""

import numpy as np
from sklearn.utils.estimator_checks import parametrize_with_checks

from attune.model.classifier import DomainAdaptedLR


@parametrize_with_checks([DomainAdaptedLR(max_iter=200)])
def test_sklearn_estimator_contract(estimator, check):
    check(estimator)


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


def test_three_sources_get_a_gate_and_a_weight_copy_each():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6))
    domain = np.repeat([0, 1, 2], 100)
    X[:, 0] += 3 * (domain == 2)  # the third source is easy to tell apart
    y = (X[:, 1] + (domain == 2) * X[:, 2] > 0).astype(int)  # and means something of its own
    clf = DomainAdaptedLR(gate_sharpness=1.0).fit(X, y, domain=domain)
    assert clf.domains_ == [1, 0, 2] and clf.lr_.coef_.shape[1] == 4 * 6
    w = clf.domain_weights(X)
    assert w.shape == (300, 3) and np.allclose(w.sum(axis=1), 1)
    assert w[domain == 2, 2].mean() > 0.8 > w[domain != 2, 2].mean()
    assert (clf.predict(X) == y).mean() > 0.9


def test_two_sources_keep_the_binary_gate():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 4))
    domain = np.repeat([0, 1], 100)
    clf = DomainAdaptedLR().fit(X, (X[:, 0] > 0).astype(int), domain=domain)
    g = clf.gate(X)
    assert g.ndim == 1 and np.allclose(clf.domain_weights(X), np.column_stack([g, 1 - g]))


def test_a_class_bias_moves_only_the_text_its_source_gate_weighs():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 6))
    domain = np.repeat([0, 1, 2], 100)
    X[:, 0] += 4 * (domain == 2)
    y = np.digitize(X[:, 1], [-0.5, 0.5])  # three classes
    plain = DomainAdaptedLR(gate_sharpness=1.0).fit(X, y, domain=domain)
    biased = DomainAdaptedLR(gate_sharpness=1.0, class_bias={2: [0.0, 0.0, 8.0]}).fit(X, y, domain=domain)
    p, q = plain.predict(X), biased.predict(X)
    assert (q[domain == 2] == 2).mean() > (p[domain == 2] == 2).mean() + 0.2  # real text leans to class 2
    assert (q[domain != 2] != p[domain != 2]).mean() < 0.05                   # the rest barely moves
    proba = biased.predict_proba(X)
    z = biased.decision_function(X)
    assert np.allclose(proba.sum(axis=1), 1) and (proba.argmax(axis=1) == z.argmax(axis=1)).all()
    assert np.allclose(DomainAdaptedLR(class_bias={2: [0.0] * 3}).fit(X, y, domain=domain).predict_proba(X),
                       DomainAdaptedLR().fit(X, y, domain=domain).predict_proba(X))
