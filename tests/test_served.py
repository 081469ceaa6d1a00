"""The served model after crashes and bad promotions: the last model that loaded, and a health that tells."""

import logging
import os
import signal
import time

import pytest

from attune.model import artifact, registry
from attune.model.errors import ModelError
from attune.server import create_app
from attune.store.paths import models_dir

TOKEN = "t" * 43


def _promote(model, name):
    root = models_dir()
    partial = registry.partial_dir(root, name)
    model.save(partial)
    registry.promote(root, registry.commit(partial))
    return root / name


def _analyze(client):
    return client.post("/v1/analyze", json={"text": "Thank you so much, that fixed it!"},
                       headers={"Authorization": f"Bearer {TOKEN}"})


def _kill_child(app):
    proc = app.extensions["attune.model"].process._proc
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(5)


def _after_restart(client):
    """The first call after the kill may fail (it was in flight); the next ones must not."""
    _analyze(client)
    return _analyze(client)


@pytest.fixture
def served_app(attune_home):
    apps = []

    def make():
        app = create_app({"MODEL_PROCESS": True, "MODEL_RELOAD_INTERVAL": 0, "TOKEN": TOKEN})
        apps.append(app)
        return app

    yield make
    for app in apps:
        if app.extensions["attune.model"].process is not None:
            app.extensions["attune.model"].process.close()


def test_a_restarted_model_process_serves_the_last_model_that_loaded(served_app, tiny_model, caplog):
    import copy

    _promote(tiny_model, "v1")
    app = served_app()
    client = app.test_client()
    assert _analyze(client).get_json()["model"] == tiny_model.version
    broken = copy.copy(tiny_model)
    broken.version = "v2-broken"
    v2 = _promote(broken, "v2")
    (v2 / artifact.RUNTIME_FILE).write_bytes(b"damaged")  # a promotion that went wrong
    with caplog.at_level(logging.ERROR, logger="attune.server"):
        assert _analyze(client).get_json()["model"] == tiny_model.version  # reload refused
    assert "reloading models/current failed" in caplog.text

    _kill_child(app)
    response = _after_restart(client)
    assert response.status_code == 200 and response.get_json()["model"] == tiny_model.version
    assert client.get("/v1/health").get_json() == {"status": "ok", "model_version": tiny_model.version}


def test_damaged_in_place_the_restarted_process_falls_back_to_the_shipped_model(served_app, tiny_model):
    v1 = _promote(tiny_model, "v1")
    app = served_app()
    client = app.test_client()
    assert _analyze(client).status_code == 200
    app.extensions["attune.model"].stamp = None  # not a promotion: keep the holder from reloading
    app.config["MODEL_RELOAD_INTERVAL"] = 3600
    (v1 / artifact.RUNTIME_FILE).write_bytes(b"damaged")

    _kill_child(app)
    response = _after_restart(client)
    shipped = artifact.read_manifest()["version"]
    assert response.status_code == 200 and response.get_json()["model"] == shipped
    health = client.get("/v1/health").get_json()
    assert health["status"] == "degraded" and health["model_version"] == shipped
    assert "could not reload" in health["reason"] and "shipped" in health["reason"]


def test_health_is_degraded_while_analyses_fail(tiny_model, attune_home):
    from attune.server.served import _RemoteModel

    class DeadProcess:
        version, manifest, fallback = tiny_model.version, tiny_model.manifest, None

        def analyze_each(self, *args):
            raise ModelError("the model process stopped (EOFError); it restarts on the next call")

    app = create_app({"TOKEN": TOKEN, "MODEL_RELOAD_INTERVAL": 3600})
    holder = app.extensions["attune.model"]
    holder.model, holder.checked = _RemoteModel(DeadProcess(), holder), time.monotonic()
    client = app.test_client()
    assert _analyze(client).status_code == 503
    health = client.get("/v1/health").get_json()
    assert health["status"] == "degraded" and "model process stopped" in health["reason"]
    assert health["model_version"] == tiny_model.version
    holder.model = _RemoteModel(type("Alive", (DeadProcess,), {"analyze_each": lambda self, *a: [{}]})(), holder)
    holder.model.analyze_each(["x"])
    assert client.get("/v1/health").get_json()["status"] == "ok"


@pytest.mark.parametrize("damage, why", [
    (lambda v1: (v1 / "manifest.json").unlink(), "no manifest.json"),
    (lambda v1: os.rename(v1, v1.with_name("elsewhere")), "does not exist"),
])
def test_an_unusable_current_is_logged_and_the_shipped_model_served(tiny_model, attune_home, caplog, damage, why):
    v1 = _promote(tiny_model, "v1")
    damage(v1)
    with caplog.at_level(logging.WARNING, logger="attune.server"):
        app = create_app({"TESTING": True, "TOKEN": TOKEN})
        body = app.test_client().get("/v1/health").get_json()
    assert body["model_version"] == artifact.read_manifest()["version"]
    assert why in caplog.text and "using the shipped model" in caplog.text
