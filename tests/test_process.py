"""The model in a child process (what `attune serve` uses): same answers, errors in place, restarts."""

import json
import os
import signal

import pytest

from attune.model.errors import CorruptModel, EmptyText, ModelError
from attune.model.process import ModelProcess

TEXTS = ["Thank you so much, that fixed it!", "   ", "THIRD time I'm asking!!! Still not working :("]


@pytest.fixture
def proc():
    p = ModelProcess()
    yield p
    p.close()


def test_same_results_as_in_process_with_errors_in_place(proc, tiny_model_dir, tiny_model):
    assert proc.load(tiny_model_dir) == "tiny-test"
    assert proc.manifest["version"] == "tiny-test"
    got = proc.analyze_each(TEXTS, 20_000)
    want = tiny_model.analyze_each(TEXTS)
    assert isinstance(got[1], EmptyText) and isinstance(want[1], EmptyText)
    assert [got[0], got[2]] == [want[0], want[2]]
    as_json = proc.analyze_each(TEXTS, 20_000, as_json=True)
    assert isinstance(as_json[1], EmptyText)
    assert [json.loads(as_json[0]), json.loads(as_json[2])] == [want[0], want[2]]


def test_a_model_that_fails_to_load_leaves_the_old_one(proc, tiny_model_dir, tmp_path):
    proc.load(tiny_model_dir)
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in tiny_model_dir.iterdir():
        (bad / f.name).write_bytes(f.read_bytes()[:100])
    with pytest.raises(CorruptModel):
        proc.load(bad)
    assert proc.version == "tiny-test"
    assert proc.analyze_each(TEXTS[:1], 20_000)[0]["model"] == "tiny-test"


def test_a_dead_child_fails_one_call_then_comes_back_with_its_model(proc, tiny_model_dir):
    proc.load(tiny_model_dir)
    os.kill(proc._proc.pid, signal.SIGKILL)
    proc._proc.join(5)
    with pytest.raises(ModelError, match="model process stopped"):
        proc._round_trip(("analyze", TEXTS[:1], 20_000, False))  # the call in flight when it died
    assert proc.analyze_each(TEXTS[:1], 20_000)[0]["model"] == "tiny-test"  # restarted, reloaded


def test_server_answers_the_same_through_the_model_process(tiny_model_dir, tmp_path, monkeypatch):
    from attune.server import create_app

    monkeypatch.setenv("ATTUNE_HOME", str(tmp_path))
    headers = {"Authorization": "Bearer " + "t" * 43}
    answers = {}
    for in_child in (False, True):
        app = create_app({"MODEL_PATH": str(tiny_model_dir), "MODEL_PROCESS": in_child, "TOKEN": "t" * 43})
        client = app.test_client()
        ok = client.post("/v1/analyze", json={"text": TEXTS[2]}, headers=headers)
        empty = client.post("/v1/analyze", json={"text": "\u00a0"}, headers=headers)
        # Ids of every kind and refused items beside good ones: the child's JSON text is spliced.
        items = [{"id": i, "text": t} for i, t in enumerate(TEXTS)] + [
            {"id": 'q"uote\u2028é', "text": TEXTS[0]}, {"id": None, "text": TEXTS[1]}, {"id": "blank", "text": " "}, 7]
        batch = client.post("/v1/analyze/batch", json={"items": items}, headers=headers)
        info = client.get("/v1/model", headers=headers)
        answers[in_child] = [(r.status_code, r.mimetype, r.get_json()) for r in (ok, empty, batch, info)]
        if in_child:
            app.extensions["attune.model"].process.close()
    assert answers[True] == answers[False]
    assert answers[True][0][0] == 200 and answers[True][1][0] == 400
