import json

import pytest

from attune.model import LABELS
from attune.cli import cli




def _write_data(folder, corpus, test_per_label=2):
    """A training_data folder from a {label: texts} corpus; the first texts of each label are the test split."""
    import csv

    folder.mkdir()
    with open(folder / "messages.csv", "w", newline="") as f:
        w = csv.DictWriter(f, ["id", "text", "label", "domain", "channel", "split"])
        w.writeheader()
        n = 0
        for label, texts in corpus.items():
            for i, t in enumerate(texts):
                n += 1
                w.writerow({"id": f"t{n}", "text": t, "label": label, "domain": "x", "channel": "chat",
                            "split": "test" if i < test_per_label else "train"})
    return folder


def test_analyze_json(runner, tiny_model_dir):
    res = runner.invoke(cli, ["analyze", "--model", str(tiny_model_dir), "--json",
                              "Thank you so much, that fixed it!"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["label"] == "grateful" and set(out["scores"]) == set(LABELS)


def test_analyze_readable(runner, tiny_model_dir):
    res = runner.invoke(cli, ["analyze", "--model", str(tiny_model_dir), "Please help asap, I lost all my files"])
    assert res.exit_code == 0, res.output
    assert "ANXIOUS" in res.output and "intensity" in res.output and "•" in res.output


def test_analyze_reads_stdin(runner, tiny_model_dir):
    res = runner.invoke(cli, ["analyze", "--model", str(tiny_model_dir), "--json", "-"],
                        input="Where do I find the settings page?")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["label"] == "confused"


@pytest.mark.parametrize("text, stdin", [("", None), ("   ", None), ("-", "  \n ")])
def test_analyze_empty_text_is_an_error(runner, tiny_model_dir, text, stdin):
    res = runner.invoke(cli, ["analyze", "--model", str(tiny_model_dir), text], input=stdin)
    assert res.exit_code != 0
    assert "empty" in res.output and "Traceback" not in res.output


def test_analyze_corrupt_model_is_one_clear_line(runner, tiny_model_dir, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in tiny_model_dir.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    (bad / "attune-model.joblib").write_bytes(b"garbage")
    res = runner.invoke(cli, ["analyze", "--model", str(bad), "hello there"])
    assert res.exit_code == 1
    assert res.output.startswith("Error: ") and "does not match" in res.output


def test_evaluate_json_has_exactly_the_keys(runner, tiny_model_dir, tmp_path):
    data = tmp_path / "eval.csv"
    data.write_text("text,label\nThank you so much!,grateful\nWhere is the settings page?,confused\n"
                    "\"I want my money back NOW, this is a scam\",angry\n")
    res = runner.invoke(cli, ["evaluate", "--data", str(data), "--model", str(tiny_model_dir), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert set(out) == {"n", "macro_f1", "accuracy", "labels", "per_label", "confusion"}
    assert out["n"] == 3 and len(out["confusion"]) == 7
    assert sum(map(sum, out["confusion"])) == 3


def test_evaluate_jsonl_and_text_report(runner, tiny_model_dir, tmp_path):
    data = tmp_path / "eval.jsonl"
    data.write_text('{"text": "thanks a lot, works now", "label": "grateful"}\n'
                    '{"text": "I keep getting the same error", "label": "frustrated"}\n')
    res = runner.invoke(cli, ["evaluate", "--data", str(data), "--model", str(tiny_model_dir)])
    assert res.exit_code == 0, res.output
    assert "macro-F1" in res.output and "confusion" in res.output


def test_evaluate_unknown_label_is_reported_with_its_row(runner, tiny_model_dir, tmp_path):
    data = tmp_path / "eval.csv"
    data.write_text("text,label\nfine,neutral\nhmm,furious\n")
    res = runner.invoke(cli, ["evaluate", "--data", str(data), "--model", str(tiny_model_dir)])
    assert res.exit_code == 1 and "furious" in res.output and ":3" in res.output


def test_train_writes_a_loadable_artifact(runner, tmp_path):
    from tests.tiny_corpus import CORPUS

    data = _write_data(tmp_path / "data", CORPUS, test_per_label=1)
    out = tmp_path / "model"
    res = runner.invoke(cli, ["train", "--data", str(data), "-o", str(out), "--version", "t-1"])
    assert res.exit_code == 0, res.output
    assert "training_data_test: macro-F1" in res.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["version"] == "t-1" and manifest["sources"][0]["name"] == "training_data"
    assert manifest["scores"]["training_data_test"]["n"] == 7
    res = runner.invoke(cli, ["analyze", "--model", str(out), "--json", "thanks, that fixed it"])
    assert json.loads(res.output)["model"] == "t-1"


def test_retrain_promotes_a_better_model_and_rolls_back(runner, tmp_path, attune_home):
    from attune import model
    from attune.store.feedback import add_feedback, connect
    from tests.tiny_corpus import CORPUS, texts_and_labels

    data = _write_data(tmp_path / "data", CORPUS)
    # The current model learned shuffled labels: any honest retrain beats it.
    texts, labels = texts_and_labels()
    weak = model.train.fit(texts, labels[7:] + labels[:7], version="weak", min_df=1, calibration_folds=2)
    root = attune_home / "models"
    weak.save(root / "weak")
    (root / "current").symlink_to("weak")
    conn = connect()
    add_feedback(conn, "my parcel is lost and the party is tomorrow, please help", "anxious")
    conn.close()

    res = runner.invoke(cli, ["retrain", "--data", str(data)])
    assert res.exit_code == 0, res.output
    assert "promoted" in res.output and "+ 1 corrections" in res.output
    current = model.read_manifest(root / "current")
    assert current["version"] != "weak" and current["n_extra"] == 1
    assert (root / "previous").resolve().name == "weak"

    res = runner.invoke(cli, ["retrain", "--rollback"])
    assert res.exit_code == 0, res.output
    assert model.read_manifest(root / "current")["version"] == "weak"


def test_retrain_without_corrections_is_refused(runner):
    res = runner.invoke(cli, ["retrain"])
    assert res.exit_code == 1 and "no corrections" in res.output


def test_rollback_with_nothing_to_go_back_to(runner):
    res = runner.invoke(cli, ["retrain", "--rollback"])
    assert res.exit_code == 1 and "no previous model" in res.output


@pytest.mark.parametrize("new, old, ok", [(0.9, 0.9, True), (0.91, 0.9, True), (0.89, 0.9, False)])
def test_promotion_gate(new, old, ok):
    from attune.model.registry import gate

    assert gate({"macro_f1": new}, {"macro_f1": old}) is ok


@pytest.mark.parametrize("split", ["written", "holdout", "sarcasm"])
def test_evaluate_a_shipped_split(runner, tiny_model_dir, split):
    result = runner.invoke(cli, ["evaluate", "--split", split, "--model", str(tiny_model_dir), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["n"] >= 50


def test_evaluate_needs_data_or_split(runner, tiny_model_dir):
    result = runner.invoke(cli, ["evaluate", "--model", str(tiny_model_dir)])
    assert result.exit_code == 2 and "--data FILE or --split NAME" in result.output


def test_evaluate_real_split_without_corpora_is_one_clear_line(runner, tiny_model_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("ATTUNE_DATA", str(tmp_path / "nothing-here"))
    result = runner.invoke(cli, ["evaluate", "--split", "real", "--model", str(tiny_model_dir)])
    assert result.exit_code == 1 and "ATTUNE_DATA" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("body", [b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 4, b"text,label\n\xff\xfe\xfa,angry\n"],
                         ids=["png", "latin-1"])
def test_evaluate_on_a_binary_or_undecodable_file_is_one_clear_line(runner, tiny_model_dir, tmp_path, body):
    data = tmp_path / "data.csv"
    data.write_bytes(body)
    res = runner.invoke(cli, ["evaluate", "--data", str(data), "--model", str(tiny_model_dir)])
    assert res.exit_code == 1
    assert res.stderr.strip().splitlines()[-1].startswith(f"Error: cannot read {data}")
    assert "Traceback" not in res.output and res.exception.__class__ is SystemExit


@pytest.mark.parametrize("spec, says", [("angry=-1,sad=2", "sad"), ("angry=lots", "not a number"), ("angry", "LABEL=OFFSET")])
def test_train_refuses_a_bad_real_class_bias_before_any_training(runner, tmp_path, spec, says):
    res = runner.invoke(cli, ["train", "-o", str(tmp_path / "m"), "--real", "1", "--real-class-bias", spec])
    assert res.exit_code == 2 and says in res.output and not (tmp_path / "m").exists()
