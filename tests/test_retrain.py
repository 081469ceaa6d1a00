"""Retraining from corrections: the gate weighs the corrections, versions never collide, corrections teach."""

import csv
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from attune.cli import cli
from attune.model import registry
from attune.model.retrain import is_held_out, judge, split_feedback
from attune.store.feedback import add_feedback, connect
from tests.test_cli_model import _write_data
from tests.tiny_corpus import CORPUS

ROOT = Path(__file__).resolve().parents[1]


class _Lookup:
    """A stand-in model that answers from a table (text -> label), 'neutral' otherwise."""

    def __init__(self, table):
        self.table = table

    def analyze_batch(self, texts):
        return [{"label": self.table.get(t, "neutral")} for t in texts]


def _held(texts_labels):
    return [t for t, _ in texts_labels], [y for _, y in texts_labels]


TEST = [(f"test message {i}", label) for i, label in enumerate(["angry", "grateful", "neutral"] * 34)]
FIXES = [(f"the goose is napping {i}", "frustrated") for i in range(8)]


def _model(test_wrong=0, fixes_right=0):
    table = dict(TEST)
    for text, _ in TEST[:test_wrong]:
        table[text] = "neutral" if table[text] != "neutral" else "angry"
    table.update(FIXES[:fixes_right])
    return _Lookup(table)


@pytest.mark.parametrize("candidate, ok, why", [
    (_model(test_wrong=1, fixes_right=7), True, None),  # teaches, costs < 0.01 on the test split
    (_model(test_wrong=6, fixes_right=8), False, "loses"),  # teaches, but costs too much
    (_model(test_wrong=0, fixes_right=1), False, "does not read the held-out corrections better"),
])
def test_gate_weighs_the_held_out_corrections(candidate, ok, why):
    current = _model(test_wrong=0, fixes_right=1)
    passed, scores, reason, advice = judge(candidate, current, _held(TEST), FIXES)
    assert passed is ok
    assert scores["corrections"]["n"] == 8 and scores["held_out"]["n"] == len(TEST)
    if not ok:
        assert why in reason and "attune" in advice


def test_the_issue_case_passes_now():
    """0.907 against 0.908 on the test split, but the held-out corrections are read right: promoted."""
    current, candidate = _model(fixes_right=0), _model(test_wrong=1, fixes_right=8)
    assert judge(candidate, current, _held(TEST), FIXES)[0]


def test_held_out_corrections_are_a_fixed_fifth():
    rows = [{"text": f"correction number {i}", "label": "neutral"} for i in range(1000)]
    train, held = split_feedback(rows)
    assert 150 < len(held) < 250 and len(train) + len(held) == 1000
    assert split_feedback(rows) == (train, held)
    assert is_held_out("Goose  is NAPPING") == is_held_out("goose is napping")  # same text, same side


def _store(rows):
    conn = connect()
    for text, label in rows:
        add_feedback(conn, text, label)
    conn.close()


def _current_is(tmp_path, attune_home, model, name):
    root = attune_home / "models"
    partial = registry.partial_dir(root, name)
    model.save(partial)
    registry.promote(root, registry.commit(partial))
    return root


def test_refusal_prints_both_numbers_and_what_to_do(tmp_path, attune_home, tiny_model):
    root = _current_is(tmp_path, attune_home, tiny_model, "good")
    data = _write_data(tmp_path / "data", CORPUS)
    # Corrections that contradict the training data: "thank you" is angry, say.
    _store([(f"Thank you so much, that fixed it! ({i})", "angry") for i in range(30)])
    res = CliRunner().invoke(cli, ["retrain", "--data", str(data), "--tolerance", "0"])
    assert res.exit_code == 1, res.output
    assert "macro-F1 candidate" in res.output and "current" in res.output
    assert "held-out corrections (n=" in res.output
    assert "kept the current model" in res.output and "Next:" in res.output and "Traceback" not in res.output
    assert registry.resolve(root).name == "good"


def test_two_retrains_in_a_row_get_their_own_folders(tmp_path, attune_home, tiny_model):
    root = _current_is(tmp_path, attune_home, tiny_model, "good")
    data = _write_data(tmp_path / "data", CORPUS)
    _store([("my parcel is lost and the party is tomorrow, please help", "anxious")])
    runner = CliRunner()
    for _ in range(2):
        res = runner.invoke(cli, ["retrain", "--data", str(data)])
        assert res.exit_code == 0, res.output
    versions = sorted(p.name for p in root.iterdir() if not p.is_symlink() and not p.name.startswith("."))
    assert len(versions) == 3
    first, second = os.readlink(root / "previous"), os.readlink(root / "current")
    assert first != second and {first, second} <= set(versions)
    # Both were fine-tuned from the same base, not one from the other.
    for name in (first, second):
        assert json.loads((root / name / "manifest.json").read_text())["fine_tuned_from"]["artifact"] == "good"
    assert runner.invoke(cli, ["retrain", "--rollback"]).exit_code == 0
    assert os.readlink(root / "current") == first


def test_first_promotion_rolls_back_to_the_shipped_model(tmp_path, attune_home, monkeypatch, tiny_model_dir):
    from attune.model import artifact

    monkeypatch.setattr(artifact, "DEFAULT_DIR", tiny_model_dir)  # the tiny model plays the shipped one
    monkeypatch.setattr(registry, "DEFAULT_DIR", tiny_model_dir)
    data = _write_data(tmp_path / "data", CORPUS)
    _store([("my parcel is lost and the party is tomorrow, please help", "anxious")])
    runner = CliRunner()
    res = runner.invoke(cli, ["retrain", "--data", str(data)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["retrain", "--rollback"])
    assert res.exit_code == 0, res.output
    assert "(shipped)" in res.output
    assert registry.resolve(attune_home / "models").name == registry.SHIPPED


def test_analyze_and_evaluate_use_the_promoted_model(tmp_path, attune_home, tiny_model):
    _current_is(tmp_path, attune_home, tiny_model, "promoted")
    res = CliRunner().invoke(cli, ["analyze", "--json", "thanks, that fixed it"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["model"] == tiny_model.version


def test_shipped_manifest_names_its_sources_without_machine_paths():
    from attune.model import artifact
    from attune.model.data import resolve_source

    manifest = artifact.verify()  # only "sources" changed: the model files' sha256 still match
    for source in manifest["sources"]:
        assert not Path(source["path"]).is_absolute() and source["root"] in ("training_data", "data")
    assert resolve_source(manifest["sources"][0]).is_file()


def test_a_missing_corpus_is_named_with_where_to_put_it(tmp_path, monkeypatch):
    from attune.model.errors import DataError

    monkeypatch.setenv("ATTUNE_DATA", str(tmp_path))
    res = CliRunner().invoke(cli, ["train", "-o", str(tmp_path / "m"), "--corpora-of", "shipped"])
    assert res.exit_code == 1
    assert "goemotions7" in res.output and "ATTUNE_DATA" in res.output and "Traceback" not in res.output
    with pytest.raises(DataError):
        from attune.model.data import resolve_source

        resolve_source({"name": "x", "root": None, "path": "x.csv"})


def test_training_records_corpora_relative_to_the_data_root(tmp_path, monkeypatch):
    from attune.model import train
    from tests.tiny_corpus import texts_and_labels

    monkeypatch.setenv("ATTUNE_DATA", str(tmp_path))
    (tmp_path / "mini").mkdir()
    with open(tmp_path / "mini" / "c.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(zip(*texts_and_labels()))
    data = _write_data(tmp_path / "data", CORPUS)
    m = train.train(data, corpora=[("mini", tmp_path / "mini" / "c.csv", 0.5)], min_df=1, calibration_folds=2)
    entry = m.manifest["sources"][1]
    assert (entry["root"], entry["path"]) == ("data", "mini/c.csv")
    assert str(tmp_path) not in json.dumps(m.manifest["sources"])


@pytest.mark.slow
def test_corrections_teach_the_shipped_model(attune_home):
    """40 corrections of a product's outage slang ("the goose is napping", written for this test):
    the shipped model gets them wrong; after retraining it reads 10 new ones right, and macro-F1 on
    our held-out messages moves by at most 0.01."""
    from attune import model

    with open(ROOT / "tests" / "data" / "goose_outage.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    corrections = [(r["text"], r["label"]) for r in rows if r["use"] == "correction"]
    checks = [r["text"] for r in rows if r["use"] == "check"]
    assert len(corrections) == 40 and len(checks) == 10
    shipped = model.load_runtime()
    assert sum(r["label"] != "frustrated" for r in shipped.analyze_batch([t for t, _ in corrections])) >= 36
    _store(corrections)

    res = CliRunner().invoke(cli, ["retrain"])
    assert res.exit_code == 0, res.output
    retrained = model.load_runtime(registry.current_dir(attune_home / "models"))
    assert [r["label"] for r in retrained.analyze_batch(checks)] == ["frustrated"] * 10
    gate = retrained.manifest["gate"]["held_out"]
    assert abs(gate["candidate"] - gate["current"]) <= 0.01


@pytest.mark.slow
def test_retrain_works_from_an_installed_wheel(tmp_path):
    """`pip install .` (not editable): the training data is in the package, retrain finds it from any folder."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(tmp_path / "wheel"), str(ROOT)], check=True, capture_output=True)
    (wheel,) = (tmp_path / "wheel").glob("attune-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "attune/data/messages.csv" in names and "attune/data/holdout/independent.csv" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = dict(os.environ, ATTUNE_HOME=str(home), PYTHONPATH=str(site))
    probe = "import attune.model.data as d; print(d.TRAINING_DIR)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert out.stdout.strip() == str(site / "attune" / "data"), out.stderr
    home.mkdir()
    conn = connect(home / "feedback.sqlite3")
    add_feedback(conn, "the goose is napping, team", "frustrated")
    conn.close()
    res = subprocess.run([sys.executable, "-c", "from attune.cli import cli; cli()", "retrain"], cwd=elsewhere,
                         env=env, capture_output=True, text=True, timeout=600)
    assert "messages.csv" not in res.stderr, res.stderr
    assert res.returncode in (0, 1) and "fine-tuning" in res.stderr, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
