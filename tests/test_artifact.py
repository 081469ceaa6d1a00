import json
import os

import pytest

import model
from model.artifact import MANIFEST_FILE, MODEL_FILE, sha256_file
from model.errors import CorruptModel, ModelError


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
    assert sorted(os.listdir(tmp_path)) == sorted([MANIFEST_FILE, MODEL_FILE])


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
    assert sorted(os.listdir(tmp_path)) == sorted([MANIFEST_FILE, MODEL_FILE])
    model.load(path)  # still verifies
