import json
import os

import pytest

from attune import model
from attune.model.artifact import MANIFEST_FILE, MODEL_FILE, RUNTIME_FILE, sha256_file
from attune.model.errors import CorruptModel, ModelError


def test_save_and_load_round_trip(tiny_model, tmp_path):
    path = tiny_model.save(tmp_path / "m")
    manifest = json.loads((path / MANIFEST_FILE).read_text())
    assert manifest["sha256"] == sha256_file(path / MODEL_FILE)
    assert manifest["labels"] == list(model.LABELS) and manifest["version"] == "tiny-test"
    assert "scikit-learn" in manifest["libraries"]
    loaded = model.load(path)
    text = "Thank you so much, that fixed it!"
    assert loaded.analyze(text) == tiny_model.analyze(text)


def test_no_temporary_files_are_left(tiny_model, tmp_path):
    tiny_model.save(tmp_path)
    assert sorted(os.listdir(tmp_path)) == sorted([MANIFEST_FILE, MODEL_FILE, RUNTIME_FILE])


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty"])
def test_corrupt_model_file_is_refused(tiny_model_dir, tmp_path, damage):
    target = tmp_path / "m"
    target.mkdir()
    (target / MANIFEST_FILE).write_bytes((tiny_model_dir / MANIFEST_FILE).read_bytes())
    data = bytearray((tiny_model_dir / MODEL_FILE).read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
    elif damage == "truncate":
        data = data[: len(data) // 2]
    else:
        data = b""
    (target / MODEL_FILE).write_bytes(bytes(data))
    with pytest.raises(CorruptModel, match="does not match"):
        model.load(target)


def test_tampered_manifest_is_refused(tiny_model_dir, tmp_path):
    target = tmp_path / "m"
    target.mkdir()
    (target / MODEL_FILE).write_bytes((tiny_model_dir / MODEL_FILE).read_bytes())
    (target / MANIFEST_FILE).write_text("{not json")
    with pytest.raises(CorruptModel):
        model.load(target)


def test_missing_artifact_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="no model"):
        model.load(tmp_path)


def test_a_failed_write_keeps_the_previous_artifact(tiny_model, tmp_path, monkeypatch):
    path = tiny_model.save(tmp_path)
    before = (path / MODEL_FILE).read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("joblib.dump", boom)
    with pytest.raises(OSError):
        tiny_model.save(tmp_path)
    assert (path / MODEL_FILE).read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == sorted([MANIFEST_FILE, MODEL_FILE, RUNTIME_FILE])
    model.load(path)  # still verifies
    model.load_runtime(path)


# --- the runtime file: what serving reads -----------------------------------------------------

_TEXTS = ["Thank you so much, that fixed it!", "THIRD time I'm asking!!! Still not working :(",
          "I'm scared I lost everything, please help asap", "where do I click? the menu isn't there"]


def test_runtime_file_gives_the_same_results(tiny_model_dir, tiny_model):
    manifest = json.loads((tiny_model_dir / MANIFEST_FILE).read_text())
    assert manifest["runtime"] == {"file": RUNTIME_FILE, "sha256": sha256_file(tiny_model_dir / RUNTIME_FILE)}
    rt = model.load_runtime(tiny_model_dir)
    assert rt.version == "tiny-test" and rt.manifest["sha256"] == manifest["sha256"]
    assert rt.analyze_batch(_TEXTS) == tiny_model.analyze_batch(_TEXTS)
    assert rt.analyze(_TEXTS[1]) == tiny_model.analyze(_TEXTS[1])


def test_shipped_runtime_equals_the_shipped_pipeline():
    texts = _TEXTS + ["Hi, could you update the billing address? Thanks", "I expected better. Sooooo let down 😞"]
    assert model.load_runtime().analyze_batch(texts) == model.load().analyze_batch(texts)


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_corrupt_runtime_file_is_refused(tiny_model_dir, tmp_path, damage):
    target = tmp_path / "m"
    target.mkdir()
    for name in (MANIFEST_FILE, MODEL_FILE):
        (target / name).write_bytes((tiny_model_dir / name).read_bytes())
    data = bytearray((tiny_model_dir / RUNTIME_FILE).read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
    else:
        data = data[: len(data) // 2]
    (target / RUNTIME_FILE).write_bytes(bytes(data))
    for load in (model.load_runtime, model.artifact.verify):
        with pytest.raises(CorruptModel, match="does not match"):
            load(target)


def test_runtime_file_that_matches_its_hash_but_not_the_format_is_a_clear_error(tiny_model_dir, tmp_path):
    target = tmp_path / "m"
    target.mkdir()
    (target / MODEL_FILE).write_bytes((tiny_model_dir / MODEL_FILE).read_bytes())
    (target / RUNTIME_FILE).write_bytes(b"PK\x03\x04 not really a zip")
    manifest = json.loads((tiny_model_dir / MANIFEST_FILE).read_text())
    manifest["runtime"]["sha256"] = sha256_file(target / RUNTIME_FILE)
    (target / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(CorruptModel, match="cannot read"):
        model.load_runtime(target)


def test_an_artifact_without_runtime_file_still_loads(tiny_model_dir, tmp_path, tiny_model):
    target = tmp_path / "old"
    target.mkdir()
    (target / MODEL_FILE).write_bytes((tiny_model_dir / MODEL_FILE).read_bytes())
    manifest = json.loads((tiny_model_dir / MANIFEST_FILE).read_text())
    del manifest["runtime"]  # as an older Attune saved it
    (target / MANIFEST_FILE).write_text(json.dumps(manifest))
    assert model.load_runtime(target).analyze_batch(_TEXTS) == tiny_model.analyze_batch(_TEXTS)


def test_loading_the_runtime_imports_neither_scikit_learn_nor_nltk():
    import subprocess
    import sys

    code = ("import sys, model; rt = model.load_runtime(); rt.analyze('Still broken!!! third time');"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'nltk', 'joblib'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(__file__)))
    assert out.stdout.strip() == "[]"
