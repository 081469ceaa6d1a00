"""Shared fixtures: a private ATTUNE_HOME per test and a tiny model trained once per session."""

import pytest

from attune import model
from tests.tiny_corpus import texts_and_labels


@pytest.fixture(autouse=True)
def attune_home(tmp_path, monkeypatch):
    """Point the user data directory at a fresh temporary folder for every test."""
    home = tmp_path / "attune-home"
    monkeypatch.setenv("ATTUNE_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def tiny_model():
    """A model trained in memory on the tests' own small corpus (fast, independent of the shipped one)."""
    texts, labels = texts_and_labels()
    return model.train.fit(texts, labels, version="tiny-test", min_df=1, calibration_folds=2)


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_model, tmp_path_factory):
    """The tiny model saved as an artifact directory."""
    return tiny_model.save(tmp_path_factory.mktemp("tiny-model"))


# --- server fixtures (flaskr style) ------------------------------------------------------------

@pytest.fixture
def runner():
    """Runs ``attune`` commands in-process (click's CliRunner), in the test's ATTUNE_HOME."""
    from click.testing import CliRunner

    return CliRunner()


@pytest.fixture
def app(tiny_model):
    """The server app on the tiny model; token and feedback DB live in the test's ATTUNE_HOME."""
    from attune.server import create_app

    return create_app({"TESTING": True, "MODEL": tiny_model})


@pytest.fixture
def client(app):
    """A test client that sends the pairing token (use ``app.test_client()`` for an anonymous one)."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.extensions['attune.token'].get()}"
    return client


@pytest.fixture(scope="session")
def two_domain_model():
    """A tiny model trained on two sources, so the domain gate is in play."""
    from attune import model
    from tests.tiny_corpus import texts_and_labels

    texts, labels = texts_and_labels()
    domain = [i % 2 for i in range(len(texts))]
    return model.train.fit(texts, labels, domain=domain, min_df=1, calibration_folds=2, gate_bias=0.0)
