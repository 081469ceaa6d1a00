"""The labelled drafts (training_data/drafts): spans match quotes, a fixed split, enough clean drafts."""

import json
from collections import Counter
from pathlib import Path

import pytest

from attune.model.coach.config import CODES
from attune.model.labels import LABELS

HERE = Path(__file__).resolve().parent.parent / "training_data" / "drafts"
ROWS = [json.loads(line) for line in (HERE / "drafts.jsonl").read_text(encoding="utf-8").splitlines()]
WHOLE = {"no_next_step", "no_acknowledgement", "too_long"}


# drafts written after test results had been seen: training only (README, "Training-only drafts")
TRAIN_ONLY_FILES = sorted(HERE.glob("train_only_*.jsonl"))
TRAIN_ONLY = {json.loads(line)["id"] for path in TRAIN_ONLY_FILES
              for line in path.read_text(encoding="utf-8").splitlines()}


def _convert():
    import importlib.util

    spec = importlib.util.spec_from_file_location("convert", HERE / "convert.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


FRESH = _convert().FRESH_TEST_WRITERS  # a batch written for the test split only (convert.py)


def _split_of(row):
    if row["writer"] in FRESH:
        return "test"
    return "train" if row["id"] in TRAIN_ONLY else _convert().split_of(row["id"])


def test_size_moods_and_clean_share():
    assert len(ROWS) >= 800
    assert Counter(r["customer_label"] for r in ROWS).keys() == set(LABELS)
    assert sum(not r["findings"] for r in ROWS) / len(ROWS) >= 0.35
    assert len({r["writer"] for r in ROWS}) >= 3
    assert len({r["id"] for r in ROWS}) == len(ROWS)


@pytest.mark.parametrize("row", ROWS[::7], ids=lambda r: r["id"])
def test_spans_are_the_quotes_and_the_split_is_fixed(row):
    assert row["split"] == _split_of(row)
    for f in row["findings"]:
        assert f["code"] in CODES
        if f["code"] in WHOLE:
            assert f["start"] is None and f["quote"] is None
        else:
            assert row["draft"][f["start"]:f["end"]] == f["quote"]


def test_test_split_is_about_a_quarter_of_the_hashed_drafts():
    hashed = [r for r in ROWS if r["writer"] not in FRESH and r["id"] not in TRAIN_ONLY]
    share = sum(r["split"] == "test" for r in hashed) / len(hashed)
    assert 0.2 <= share <= 0.3


def test_train_only_drafts_are_in_training_and_the_test_side_is_the_hash_alone():
    by_id = {r["id"]: r for r in ROWS}
    assert TRAIN_ONLY and all(by_id[i]["split"] == "train" for i in TRAIN_ONLY)
    convert = _convert()
    assert all(convert.split_of(r["id"]) == "test" for r in ROWS if r["split"] == "test" and r["writer"] not in FRESH)


def test_convert_honours_a_forced_train_split_and_refuses_a_forced_test():
    convert = _convert()
    test_id = next(r["id"] for r in ROWS if r["split"] == "test")  # an id the hash sends to test
    row = {"id": test_id, "customer": "c", "customer_label": "neutral", "draft": "We can't.",
           "findings": [{"code": "refusal_without_alternative", "quote": "We can't."}],
           "domain": "retail", "register": "chat", "writer": "v7"}
    assert convert.convert(row)["split"] == "test"
    assert convert.convert({**row, "split": "train"})["split"] == "train"
    with pytest.raises(ValueError, match="only be forced to 'train'"):
        convert.convert({**row, "split": "test"})
    # only the fresh test batch may ask for test, and even it may not ask for anything else
    train_id = next(r["id"] for r in ROWS if r["split"] == "train" and r["id"] not in TRAIN_ONLY)
    fresh = {**row, "id": train_id, "writer": FRESH[0]}
    assert convert.convert({**fresh, "split": "test"})["split"] == "test"
    with pytest.raises(ValueError, match="only be forced"):
        convert.convert({**fresh, "split": "dev"})


def test_adjudication_adds_and_removes_one_code_and_refuses_what_does_not_fit():
    convert = _convert()
    row = {"id": "x1", "customer": "c", "customer_label": "angry", "draft": "As I said, we can't.",
           "findings": [{"code": "refusal_without_alternative", "quote": "we can't."}],
           "domain": "retail", "register": "chat", "writer": FRESH[0], "split": "test"}
    rows = convert.adjudicate([dict(row)], [{"id": "x1", "code": "blame", "verdict": "add", "quote": "As I said"},
                                            {"id": "x1", "code": "refusal_without_alternative", "verdict": "remove"}])
    done = convert.convert(rows[0])
    assert [(f["code"], f["start"], f["end"]) for f in done["findings"]] == [("blame", 0, 9)]
    for bad, message in [({"id": "x2", "code": "blame", "verdict": "add"}, "not in the writers' file"),
                         ({"id": "x1", "code": "blame", "verdict": "remove"}, "did not find it"),
                         ({"id": "x1", "code": "refusal_without_alternative", "verdict": "add"}, "found it already"),
                         ({"id": "x1", "code": "blame", "verdict": "maybe"}, "verdict must be")]:
        with pytest.raises(ValueError, match=message):
            convert.adjudicate([dict(row)], [bad])


@pytest.mark.parametrize("path", TRAIN_ONLY_FILES, ids=lambda p: p.name)
def test_every_training_only_file_is_in_the_corpus_as_written(path):
    aside = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    convert = _convert()
    by_id = {r["id"]: r for r in ROWS}
    assert len(aside) == len({r["id"] for r in aside})
    done = convert.apply_also([convert.convert(row) for row in aside])  # raises on a quote not in the draft
    for row in done:
        assert row["split"] == "train" and row["customer_label"] in LABELS
        assert by_id[row["id"]] == row


def test_other_jargon_terms_join_jargon_drafts_only_and_must_be_in_the_draft():
    convert = _convert()
    row = {"id": "d9", "draft": "Your APR and the settlement date are on the statement.", "split": "train",
           "findings": [{"code": "jargon", "quote": "APR", "start": 5, "end": 8}]}
    convert.add_also([row], [{"id": "d9", "terms": ["settlement date"]}, {"id": "d10", "terms": ["x"]}])
    assert row["findings"][1] == {"code": "jargon", "quote": "settlement date", "start": 17, "end": 32,
                                  "also": True}
    with pytest.raises(ValueError, match="not in the draft"):
        convert.add_also([row], [{"id": "d9", "terms": ["escrow"]}])
    clean = {"id": "d11", "draft": "Your APR is 5%.", "findings": []}
    with pytest.raises(ValueError, match="no jargon finding"):
        convert.add_also([clean], [{"id": "d11", "terms": ["APR"]}])
    blamed = {"id": "d12", "draft": "As I said, read the guide. Next time, check first.",
              "findings": [{"code": "blame", "quote": "As I said", "start": 0, "end": 9}]}
    convert.add_also([blamed], [{"id": "d12", "quotes": ["Next time, check first"]}], "blame")
    assert blamed["findings"][1]["code"] == "blame" and blamed["findings"][1]["start"] == 27


@pytest.mark.parametrize("code", ["jargon", "blame"])
def test_every_jargon_and_blame_draft_was_read_for_other_places(code):
    also = {json.loads(line)["id"] for line in (HERE / f"{code}_also.jsonl").read_text(encoding="utf-8").splitlines()}
    assert {r["id"] for r in ROWS if any(f["code"] == code for f in r["findings"])} <= also
    assert all(f["code"] in ("jargon", "blame") for r in ROWS for f in r["findings"] if f.get("also"))
