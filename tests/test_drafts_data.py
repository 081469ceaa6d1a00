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


def _split_of(row_id):
    import importlib.util

    spec = importlib.util.spec_from_file_location("convert", HERE / "convert.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.split_of(row_id)


def test_size_moods_and_clean_share():
    assert len(ROWS) >= 800
    assert Counter(r["customer_label"] for r in ROWS).keys() == set(LABELS)
    assert sum(not r["findings"] for r in ROWS) / len(ROWS) >= 0.35
    assert len({r["writer"] for r in ROWS}) >= 3
    assert len({r["id"] for r in ROWS}) == len(ROWS)


@pytest.mark.parametrize("row", ROWS[::7], ids=lambda r: r["id"])
def test_spans_are_the_quotes_and_the_split_is_fixed(row):
    assert row["split"] == _split_of(row["id"])
    for f in row["findings"]:
        assert f["code"] in CODES
        if f["code"] in WHOLE:
            assert f["start"] is None and f["quote"] is None
        else:
            assert row["draft"][f["start"]:f["end"]] == f["quote"]


def test_test_split_is_about_a_quarter():
    share = sum(r["split"] == "test" for r in ROWS) / len(ROWS)
    assert 0.2 <= share <= 0.3
