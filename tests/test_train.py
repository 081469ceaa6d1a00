"""Training (attune.model.train): our messages, public corpora and real customers' text as sources."""

import csv
import hashlib

import pytest

from attune.model import train
from attune.model.errors import DataError
from tests.tiny_corpus import texts_and_labels


def _folder(tmp_path):
    """A training_data folder (messages.csv, real/labels.csv) and a data root with the corpus it points into."""
    texts, labels = texts_and_labels()
    data = tmp_path / "training"
    (data / "real").mkdir(parents=True)
    with open(data / "messages.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text", "label", "domain", "channel", "writer", "split"])
        for i, (t, y) in enumerate(zip(texts, labels)):
            w.writerow([f"m{i}", t, y, "x", "chat", "w1", "test" if i % 5 == 0 else "train"])
    root = tmp_path / "public"
    (root / "cfpb").mkdir(parents=True)
    narratives = [f"They charged me twice and nobody answers. Case {i}. I am done with this bank."
                  if i % 2 else f"Please send me statement {i}." for i in range(40)]
    with open(root / "cfpb" / "narratives.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["complaint_id", "text"])
        w.writerows([[1000 + i, t] for i, t in enumerate(narratives)])
    with open(data / "real" / "labels.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["unit", "file", "record", "row", "start", "end", "kind", "sha1", "label", "annotator", "split"])
        for i, t in enumerate(narratives):
            w.writerow([f"r{i}", "cfpb/narratives.csv", 1000 + i, i, 0, len(t), "narrative",
                        hashlib.sha1(t.encode()).hexdigest()[:12], "frustrated" if i % 2 else "neutral", "a1",
                        "test" if i % 4 == 0 else "train"])
    return data, root


def test_real_text_is_a_source_of_its_own_and_is_scored(tmp_path, monkeypatch):
    data, root = _folder(tmp_path)
    monkeypatch.setenv("ATTUNE_DATA", str(root))
    m = train.train(data, real_weight=1.0, version="t", min_df=1, calibration_folds=2)
    assert m._base.domains_ == [train.SUPPORT, train.REAL]  # no public corpus here: support and real
    real = [s for s in m.manifest["sources"] if s["name"] == "real"][0]
    assert real["rows"] == 30 and real["path"].endswith("labels.csv") and str(tmp_path) not in real["path"]
    assert m.manifest["scores"]["real_test"]["n"] == 10 and "written_test" in m.manifest["scores"]


def test_real_class_bias_offsets_real_text_only_and_is_recorded(tmp_path, monkeypatch):
    data, root = _folder(tmp_path)
    monkeypatch.setenv("ATTUNE_DATA", str(root))
    m = train.train(data, real_weight=1.0, real_class_bias={"neutral": 2.0}, version="t", min_df=1, calibration_folds=2)
    assert m._base.class_bias == {train.REAL: [0.0] * 6 + [2.0]}
    B = m._base.source_bias()
    assert B[m._base.domains_.index(train.REAL)].tolist() == [0.0] * 6 + [2.0] and not B[0].any()
    assert m.manifest["params"]["class_bias"] == {train.REAL: [0.0] * 6 + [2.0]}


def test_real_rounds_keep_only_those_labelling_rounds(tmp_path, monkeypatch):
    data, root = _folder(tmp_path)
    labels = data / "real" / "labels.csv"
    rows = labels.read_text().splitlines()
    # the odd train units become a later round (ids s…)
    rows = [rows[0]] + [("s" + r[1:] if i % 2 else r) for i, r in enumerate(rows[1:])]
    labels.write_text("\n".join(rows) + "\n")
    monkeypatch.setenv("ATTUNE_DATA", str(root))
    m = train.train(data, real_weight=1.0, real_rounds="r", version="t", min_df=1, calibration_folds=2)
    real = [s for s in m.manifest["sources"] if s["name"] == "real"][0]
    n_r_train = sum(1 for i, r in enumerate(rows[1:]) if r.startswith("r") and r.endswith(",train"))
    assert real["rows"] == n_r_train < 30 and real["rounds"] == "r"


def test_a_changed_corpus_is_refused_not_silently_read(tmp_path, monkeypatch):
    data, root = _folder(tmp_path)
    path = root / "cfpb" / "narratives.csv"
    path.write_text(path.read_text().replace("twice", "thrice"))
    monkeypatch.setenv("ATTUNE_DATA", str(root))
    with pytest.raises(DataError, match="no longer reads what was labelled"):
        train.train(data, real_weight=1.0, min_df=1, calibration_folds=2)


def test_real_balance_tilts_rare_labels_up_and_keeps_the_average_weight():
    labels = ["neutral"] * 8 + ["angry"] * 2
    assert train.real_unit_weights(labels, 0.5) == [0.5] * 10  # as labelled
    balanced = train.real_unit_weights(labels, 0.5, balance=1.0)
    assert sum(balanced) == pytest.approx(5.0)
    assert sum(w for w, y in zip(balanced, labels) if y == "angry") == pytest.approx(2.5)  # equal label totals
    half = train.real_unit_weights(labels, 0.5, balance=0.5)
    assert half[0] < half[-1] < balanced[-1]


def test_calibration_folds_mix_the_sources_rows_come_in():
    # Rows arrive source after source; unshuffled stratified folds cut each label into contiguous
    # thirds, so one fold held out a whole source's label and flattened the temperature (docs/model.md).
    import numpy as np
    from sklearn.model_selection import check_cv

    y = np.array([0, 1] * 300)  # source A: rows 0-599, source B: rows 600-1199, same two labels
    y = np.concatenate([y, y])
    source_b = np.arange(len(y)) >= 600
    cv = check_cv(train.build_pipeline().named_steps["clf"].cv, y, classifier=True)
    for _, held_out in cv.split(np.zeros((len(y), 1)), y):
        for label in (0, 1):
            rows = held_out[y[held_out] == label]
            assert 0.3 < source_b[rows].mean() < 0.7  # both sources' rows of each label in every fold
