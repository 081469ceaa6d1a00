"""The training data is ours: valid labels, unique ids and texts, a clean split, nothing copied."""

import csv
import glob
from collections import Counter
from pathlib import Path

import pytest

from attune.model import LABELS

ROOT = Path(__file__).resolve().parent.parent / "training_data"
SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def _rows(name):
    with open(ROOT / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def rows():
    return _rows("messages.csv")


@pytest.fixture(scope="module")
def sarcasm():
    return _rows("sarcasm.csv")


@pytest.fixture(scope="module")
def holdout():
    return _rows("holdout/independent.csv")


def test_schema_and_labels(rows):
    assert set(rows[0]) >= {"id", "text", "label", "domain", "channel", "split"}
    assert {r["label"] for r in rows} == set(LABELS)
    assert {r["split"] for r in rows} == {"train", "test"}
    assert all(r["text"].strip() and r["domain"] and r["channel"] for r in rows)


def test_enough_examples_per_label(rows):
    counts = Counter(r["label"] for r in rows)
    assert len(rows) >= 2800 and min(counts.values()) >= 400, counts


def test_ids_and_texts_are_unique(rows, holdout, sarcasm):
    assert len({r["id"] for r in rows + sarcasm}) == len(rows) + len(sarcasm)
    norm = [" ".join(r["text"].lower().split()) for r in rows + holdout + sarcasm]
    dupes = [t for t, c in Counter(norm).items() if c > 1]
    assert not dupes, dupes[:3]


def test_test_split_is_about_a_fifth_for_every_label(rows):
    for label in LABELS:
        of_label = [r for r in rows if r["label"] == label]
        share = sum(r["split"] == "test" for r in of_label) / len(of_label)
        assert 0.12 <= share <= 0.30, (label, share)


def test_near_duplicates_never_straddle_the_split(rows):
    import importlib.util

    spec = importlib.util.spec_from_file_location("merge", ROOT / "merge.py")
    merge = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(merge)
    roots = merge.near_duplicate_clusters([r["text"] for r in rows])
    splits = {}
    for r, root in zip(rows, roots):
        splits.setdefault(root, set()).add(r["split"])
    straddling = [root for root, s in splits.items() if len(s) > 1]
    assert not straddling, [rows[i]["text"][:60] for i in straddling[:3]]


def test_holdout_is_balanced_and_separate(rows, holdout):
    counts = Counter(r["label"] for r in holdout)
    assert set(counts) == set(LABELS) and min(counts.values()) >= 55, counts
    train_texts = {r["text"] for r in rows}
    assert not [r for r in holdout if r["text"] in train_texts]


@pytest.mark.skipif(not SHARED.is_dir(), reason="public corpora not beside the checkout")
def test_no_text_copied_from_public_corpora(rows, holdout, sarcasm):
    ours = "\n".join(r["text"].lower() for r in rows + holdout + sarcasm)
    # A copied cell's first five words appear in our text: look those up in a
    # set first, and confirm the few hits with a substring search.
    words = ours.split()
    starts = {tuple(words[i : i + 5]) for i in range(len(words) - 4)}
    copied = []
    for path in glob.glob(str(SHARED / "**" / "*.*sv"), recursive=True) + glob.glob(
            str(SHARED / "**" / "*.txt"), recursive=True):
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            if path.endswith(".csv"):
                cells = (c for row in csv.reader(f) for c in row)
            else:
                cells = (c for line in f for c in line.rstrip("\n").split("\t"))
            copied += [c for c in cells if len(c.strip()) > 40
                       and (len(c.split()) < 5 or tuple(c.lower().split()[:5]) in starts)
                       and c.strip().lower() in ours]
    assert not copied, copied[:3]


def test_sarcasm_set_reads_what_it_means_and_keeps_a_hold_out(sarcasm):
    counts = Counter((r["split"], r["label"]) for r in sarcasm)
    assert len(sarcasm) >= 300 and sum(n for (split, _), n in counts.items() if split == "test") >= 50
    # Mostly negative feelings in positive words, with sincere thanks beside them as controls.
    assert {label for _, label in counts} <= {"angry", "frustrated", "disappointed", "grateful"}
    assert 0.05 <= sum(n for (_, label), n in counts.items() if label == "grateful") / len(sarcasm) <= 0.25


def test_social_posts_cover_every_label(rows):
    social = [r for r in rows if r["channel"] == "social" and r["writer"] in ("w10", "w11", "w12", "w13")]
    assert len(social) >= 800 and min(Counter(r["label"] for r in social).values()) >= 100


# -- real customer text, kept as references into ../shared/data -------------------------------

def _real():
    return _rows("real/labels.csv")


def test_real_text_labels_are_references_not_text():
    real = _real()
    assert len(real) >= 4000 and len({r["unit"] for r in real}) == len(real)
    assert set(real[0]) == {"unit", "file", "record", "row", "start", "end", "kind", "sha1", "label", "annotator", "split"}
    assert {r["label"] for r in real} <= set(LABELS) and {r["split"] for r in real} == {"train", "test"}
    assert sum(r["split"] == "test" for r in real) >= 1000
    assert {r["kind"] for r in real} == {"sentence", "passage", "narrative", "query"}


def test_one_narrative_never_straddles_the_real_split():
    splits = {}
    for r in _real():
        splits.setdefault((r["file"], r["row"]), set()).add(r["split"])
    assert all(len(s) == 1 for s in splits.values())


def test_second_pass_covers_enough_units():
    units = {r["unit"] for r in _real()}
    second = _rows("real/second_pass.csv")
    assert len(second) >= 600 and {r["unit"] for r in second} <= units


@pytest.mark.skipif(not SHARED.is_dir(), reason="public corpora not beside the checkout")
def test_real_text_references_still_read_what_was_labelled():
    units = _units_module()
    loaded = units.load(ROOT / "real" / "labels.csv", SHARED)  # raises on any reference that drifted
    assert len(loaded) == len(_real()) and all(r["text"].strip() for r in loaded)


def _units_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("real_units", ROOT / "real" / "units.py")
    units = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(units)
    return units


def _corpus(tmp_path, units, texts, test_rows=()):
    data, real = tmp_path / "data", tmp_path / "real"
    (data / "cfpb").mkdir(parents=True)
    real.mkdir()
    with open(data / "cfpb" / "narratives.csv", "w", newline="") as fh:
        csv.writer(fh).writerows([["complaint_id", "text"]] + [[100 + i, t] for i, t in enumerate(texts)])
    ref = lambda i, unit: {"unit": unit, "file": "cfpb/narratives.csv", "record": str(100 + i), "row": i, "start": 0,
                           "end": len(texts[i]), "kind": "narrative", "sha1": units.digest(texts[i])}
    with open(real / "labels.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=units.REF_FIELDS)
        w.writeheader()
        for i in test_rows:
            w.writerow(ref(i, f"r0000{i}") | {"label": "neutral", "annotator": "a1", "split": "test"})
    return data, real, ref


def test_add_round_appends_references_keeps_agreeing_pairs_and_lists_disputes(tmp_path):
    import json

    units = _units_module()
    texts = ["They took my money twice. I called again and again.", "I am worried I will lose my house.",
             "Thank you for fixing it."]
    data, real, ref = _corpus(tmp_path, units, texts, test_rows=(2,))
    cands = tmp_path / "cands.jsonl"
    cands.write_text("".join(json.dumps(ref(i, f"s0000{i}") | {"text": texts[i]}) + "\n" for i in range(3)))
    (tmp_path / "out_A.jsonl").write_text('{"unit": "s00000", "label": "frustrated"}\n{"unit": "s00001", "label": "anxious"}\n')
    (tmp_path / "out_B.jsonl").write_text('{"unit": "s00000", "label": "frustrated"}\n{"unit": "s00001", "label": "neutral"}\n')
    assert units.add_round(cands, tmp_path, real / "labels.csv", data) == (1, 1, 2)
    rows = _rows_at(real / "labels.csv")
    assert [(r["unit"], r["label"], r["annotator"], r["split"]) for r in rows[1:]] == [("s00000", "frustrated", "b1+b2", "train")]
    assert "text" not in rows[1] and [r["unit"] for r in _rows_at(real / "round2_disputed.csv")] == ["s00001"]
    assert "kappa" in units.agreement(real / "second_pass_round2.csv")
    (tmp_path / "out_C.jsonl").write_text('{"unit": "s00002", "label": "grateful"}\n')  # a test narrative's row
    with pytest.raises(ValueError, match="holds test units"):
        units.add_round(cands, tmp_path, real / "labels.csv", data)


def test_a_third_round_has_its_own_annotators_and_keeps_an_adjudicated_dispute_when_merged_again(tmp_path):
    import json

    units = _units_module()
    texts = ["They took my money twice. I called again and again.", "I am worried I will lose my house."]
    data, real, ref = _corpus(tmp_path, units, texts)
    cands = tmp_path / "cands.jsonl"
    cands.write_text("".join(json.dumps(ref(i, f"t0000{i}") | {"text": texts[i]}) + "\n" for i in range(2)))
    (tmp_path / "out_A.jsonl").write_text('{"unit": "t00000", "label": "frustrated"}\n{"unit": "t00001", "label": "anxious"}\n')
    (tmp_path / "out_B.jsonl").write_text('{"unit": "t00001", "label": "neutral"}\n')
    assert units.add_round(cands, tmp_path, real / "labels.csv", data) == (1, 1, 1)
    assert [(r["unit"], r["annotator"]) for r in _rows_at(real / "labels.csv")] == [("t00000", "c1")]
    disputed = _rows_at(real / "round3_disputed.csv")
    assert [(r["unit"], r["first"], r["second"], r["adjudicated"]) for r in disputed] == [("t00001", "anxious", "neutral", "")]
    # Settle the dispute by hand, as the README says; merging the round again must not lose it.
    with open(real / "labels.csv", "a", newline="") as fh:
        csv.DictWriter(fh, fieldnames=units.REF_FIELDS).writerow(
            {k: disputed[0][k] for k in units.FIELDS} | {"label": "anxious", "annotator": "c1+c2+adjudicated", "split": "train"})
    assert units.add_round(cands, tmp_path, real / "labels.csv", data) == (1, 1, 1)
    assert sorted((r["unit"], r["label"]) for r in _rows_at(real / "labels.csv")) == [("t00000", "frustrated"), ("t00001", "anxious")]
    assert _rows_at(real / "round3_disputed.csv")[0]["adjudicated"] == "anxious"


def test_a_later_round_draws_only_from_narratives_that_share_nothing_with_the_test_split(tmp_path):
    units = _units_module()
    texts = ["The bank charged me a fee twice this month. Nobody answered my calls for a week.",
             "I was told the loan was approved. Nobody answered my calls for a week.",  # repeats a test sentence
             "My payment was applied to the wrong account. I sent the proof three times already."]
    data, real, _ = _corpus(tmp_path, units, texts, test_rows=(0,))
    assert units.train_side_rows(data, real / "labels.csv") == [2]


def test_round_candidates_skip_labelled_units_and_test_narratives_and_read_what_they_point_at(tmp_path):
    units = _units_module()
    names = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima".split()
    texts = [f"Complaint {w}: the bank charged me a {w} fee again. I called {w} support about it. "
             f"Nobody fixed the {w} account error. I have written to the {w} branch manager and to the {w} "
             f"complaints office and still have no answer about it." for w in names]
    data, real, _ = _corpus(tmp_path, units, texts, test_rows=(0, 1))
    (data / "banking77").mkdir()
    with open(data / "banking77" / "train.csv", "w", newline="") as fh:
        csv.writer(fh).writerows([["text", "category"]] + [[f"Where is my card number {i}?", "card"] for i in range(10)])
    guess = lambda texts: ["disappointed" if "7" in t else "neutral" for t in texts]
    drawn = units.round_candidates("t", 5, 20, data, real / "labels.csv", predict=guess)
    assert len(drawn) == 20 and all(u["unit"].startswith("t") for u in drawn)
    assert not any(u["file"] == "cfpb/narratives.csv" and u["row"] in (0, 1) for u in drawn)
    assert {u["kind"] for u in drawn} == set(units.ROUND_KINDS)
    for u in drawn:
        assert units._text(data, u["file"], u["row"], u["start"], u["end"]) == u["text"] and units.digest(u["text"]) == u["sha1"]


def _rows_at(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
