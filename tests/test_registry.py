"""Model versions: unique folders, atomic links, the shipped model as first rollback target, one resolution."""

import os

import pytest

from attune.model import registry
from attune.model.artifact import DEFAULT_DIR
from attune.model.errors import ModelError


def _version(tiny_model, root, name):
    path = registry.commit(_written(tiny_model, root, name))
    return path


def _written(tiny_model, root, name):
    partial = registry.partial_dir(root, name)
    tiny_model.save(partial)
    return partial


def test_new_versions_in_the_same_second_differ():
    names = {registry.new_version() for _ in range(50)}
    assert len(names) == 50


def test_a_version_folder_is_never_written_into(tiny_model, tmp_path):
    _version(tiny_model, tmp_path, "v1")
    with pytest.raises(ModelError, match="already exists"):
        registry.partial_dir(tmp_path, "v1")
    (tmp_path / ".partial-v2").mkdir()
    with pytest.raises(FileExistsError):
        registry.partial_dir(tmp_path, "v2")


def test_first_promotion_can_be_rolled_back_to_the_shipped_model(tiny_model, tmp_path):
    assert registry.resolve(tmp_path) == (DEFAULT_DIR, registry.SHIPPED, None)
    registry.promote(tmp_path, _version(tiny_model, tmp_path, "v1"))
    assert registry.resolve(tmp_path).path == tmp_path / "v1"
    assert os.readlink(tmp_path / "previous") == registry.SHIPPED

    registry.rollback(tmp_path)
    assert registry.resolve(tmp_path) == (DEFAULT_DIR, registry.SHIPPED, None)
    registry.rollback(tmp_path)  # and forward again
    assert registry.resolve(tmp_path).name == "v1"


def test_promoting_the_current_folder_again_is_refused(tiny_model, tmp_path):
    v1 = _version(tiny_model, tmp_path, "v1")
    registry.promote(tmp_path, v1)
    with pytest.raises(ModelError, match="already the current"):
        registry.promote(tmp_path, v1)
    assert os.readlink(tmp_path / "previous") == registry.SHIPPED


def test_rollback_needs_a_previous_model(tiny_model, tmp_path):
    with pytest.raises(ModelError, match="no previous model"):
        registry.rollback(tmp_path)
    registry.promote(tmp_path, _version(tiny_model, tmp_path, "v1"))
    registry.promote(tmp_path, _version(tiny_model, tmp_path, "v2"))
    (tmp_path / "v1" / "manifest.json").unlink()
    with pytest.raises(ModelError, match="missing or incomplete"):
        registry.rollback(tmp_path)
    assert registry.resolve(tmp_path).name == "v2"


@pytest.mark.parametrize("damage, why", [
    (lambda root: (root / "v1" / "manifest.json").unlink(), "no manifest.json"),
    (lambda root: os.rename(root / "v1", root / "gone"), "does not exist"),
])
def test_an_unusable_current_resolves_to_the_shipped_model_and_says_why(tiny_model, tmp_path, damage, why):
    registry.promote(tmp_path, _version(tiny_model, tmp_path, "v1"))
    damage(tmp_path)
    resolved = registry.resolve(tmp_path)
    assert resolved.path == DEFAULT_DIR and resolved.name == registry.SHIPPED
    assert why in resolved.note and "shipped" in resolved.note


def test_partial_folders_of_killed_runs_are_removed(tiny_model, tmp_path):
    _written(tiny_model, tmp_path, "dead")
    _version(tiny_model, tmp_path, "v1")
    assert registry.clean_partial(tmp_path) == [".partial-dead"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v1"]


def test_one_run_at_a_time(tmp_path):
    with registry.locked(tmp_path):
        with pytest.raises(ModelError, match="another attune retrain is running"):
            with registry.locked(tmp_path):
                pass
    with registry.locked(tmp_path):  # released
        pass


def test_cli_and_server_use_the_same_current_model(tiny_model, attune_home):
    from attune.server import create_app
    from attune.store.paths import current_model_dir, models_dir

    assert current_model_dir() == DEFAULT_DIR
    root = models_dir()
    registry.promote(root, _version(tiny_model, root, "v1"))
    assert current_model_dir() == root / "v1"
    app = create_app({"TESTING": True})
    assert app.extensions["attune.model"].version() == tiny_model.version


def test_classify_pool_loads_the_current_model_by_default(tiny_model, attune_home):
    from attune.classify import pool
    from attune.store.paths import models_dir

    root = models_dir()
    registry.promote(root, _version(tiny_model, root, "v1"))
    assert pool.load_model(None).version == tiny_model.version
