"""Build ``drafts.jsonl`` from the writers' file: spans from quotes, a fixed split by hash of the id.

    python training_data/drafts/convert.py WRITERS.jsonl

Each finding's ``quote`` must occur in the draft (the first occurrence is the span; shouted words may
repeat, every other quote is unique by the writers' check); whole-draft codes keep ``start``/``end`` null.
A row whose quote is missing stops the build with its id: nothing is dropped silently.

A row may say ``"split": "train"``: drafts written after test results had been seen (writers ``v7``,
``v8``) go to training only, so nobody who has seen the test numbers writes test drafts. No row can
ask for ``test``: the test side is decided by the hash alone.
"""

import hashlib
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "drafts.jsonl"
FIELDS = ("id", "customer", "customer_label", "draft", "findings", "domain", "register", "writer")
TEST_SHARE = 0.25


def split_of(row_id):
    """``test`` for about a quarter of ids, fixed forever by the id's sha256."""
    h = int.from_bytes(hashlib.sha256(row_id.encode()).digest()[:4], "big")
    return "test" if h / 2**32 < TEST_SHARE else "train"


def convert(row):
    missing = [k for k in FIELDS if k not in row]
    if missing:
        raise ValueError(f"{row.get('id', '?')}: missing {missing}")
    findings = []
    for f in row["findings"]:
        quote = f.get("quote")
        if quote is None:
            findings.append({"code": f["code"], "quote": None, "start": None, "end": None})
            continue
        start = row["draft"].find(quote)
        if start < 0:
            raise ValueError(f"{row['id']}: quote for {f['code']} is not in the draft")
        findings.append({"code": f["code"], "quote": quote, "start": start, "end": start + len(quote)})
    out = {k: row[k] for k in FIELDS}
    out["findings"] = findings
    forced = row.get("split")
    if forced not in (None, "train"):
        raise ValueError(f"{row['id']}: split may only be forced to 'train', not {forced!r}")
    out["split"] = forced or split_of(row["id"])
    return out


def main(src):
    rows = [convert(json.loads(line)) for line in open(src, encoding="utf-8") if line.strip()]
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate ids")
    tmp = OUT.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    os.replace(tmp, OUT)
    n_test = sum(r["split"] == "test" for r in rows)
    print(f"{len(rows)} drafts ({n_test} test) -> {OUT}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
