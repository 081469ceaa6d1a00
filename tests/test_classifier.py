"""The domain-adapted classifier (attune.model.classifier): the estimator contract and its gate."""

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
