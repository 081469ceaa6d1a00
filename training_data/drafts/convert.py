"""Build ``drafts.jsonl`` from the writers' file: spans from quotes, a fixed split by hash of the id.

    python training_data/drafts/convert.py WRITERS.jsonl [--adjudicated DECISIONS.jsonl]

Each finding's ``quote`` must occur in the draft (the first occurrence is the span; shouted words may
repeat, every other quote is unique by the writers' check); whole-draft codes keep ``start``/``end`` null.
A row whose quote is missing stops the build with its id: nothing is dropped silently.

A row may say ``"split": "train"``: drafts written after test results had been seen (writers ``v7``,
``v8``) go to training only, so nobody who has seen the test numbers writes test drafts. No row can
ask for ``test``: the test side is decided by the hash alone, except for the fresh test batch below.

Writers ``v12``–``v17``, ``v23``–``v26``, ``v31``–``v34``, ``v39``–``v42``, ``v43``–``v46``, ``v47``–``v50``, ``v57``–``v60``, ``v67``–``v70``, ``v72``–``v75``, ``v76``–``v79``, ``v80``–``v83``, ``v84``–``v87`` and ``v94``–``v97`` (``FRESH_TEST_WRITERS``) wrote batches for the test split only: helpers who never
saw a test result, given the labelling rules and nothing aimed at the coach's weak spots. Their rows may
say ``"split": "test"`` (no other writer's may). A second annotator labelled every one of them blind;
``--adjudicated`` applies the decisions that settled the disagreements (``{"id", "code", "verdict":
"add" | "remove", "quote"}``), so the writers' file stays as written.

Writers quote one place per code, but a draft may use more than one unexplained term, or reproach the
customer twice. ``jargon_also.jsonl`` and ``blame_also.jsonl`` (beside this script, applied when
present) list, per jargon or blame draft, the other places a second reader found, blind to any
checker (ALSO.md, ALSO_BLAME.md): each becomes one more finding of the code with ``"also": true``, so a check that
marks another real place of the draft is not counted wrong. The draft still counts once for the code.
"""

import argparse
import hashlib
import json
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "drafts.jsonl"
ALSO = {"jargon": HERE / "jargon_also.jsonl", "blame": HERE / "blame_also.jsonl"}
FIELDS = ("id", "customer", "customer_label", "draft", "findings", "domain", "register", "writer")
TEST_SHARE = 0.25
FRESH_TEST_WRITERS = ("v12", "v13", "v14", "v15", "v16", "v17", "v23", "v24", "v25", "v26", "v31", "v32", "v33", "v34",
                      "v39", "v40", "v41", "v42", "v43", "v44", "v45", "v46", "v47", "v48", "v49", "v50",
                      "v57", "v58", "v59", "v60", "v67", "v68", "v69", "v70",
                      "v72", "v73", "v74", "v75", "v76", "v77", "v78", "v79", "v80", "v81", "v82", "v83",
                      "v84", "v85", "v86", "v87", "v94", "v95", "v96", "v97")


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
    allowed = (None, "train", "test") if row["writer"] in FRESH_TEST_WRITERS else (None, "train")
    if forced not in allowed:
        raise ValueError(f"{row['id']}: split may only be forced to 'train' (or 'test' in the fresh test batch), "
                         f"not {forced!r}")
    out["split"] = forced or split_of(row["id"])
    return out


def adjudicate(rows, decisions):
    """Apply settled disagreements to writers' rows (in place): add or remove one code's finding."""
    by_id = {r["id"]: r for r in rows}
    for d in decisions:
        row = by_id.get(d["id"])
        if row is None:
            raise ValueError(f"{d['id']}: adjudicated but not in the writers' file")
        has = [f for f in row["findings"] if f["code"] == d["code"]]
        if d["verdict"] == "remove":
            if not has:
                raise ValueError(f"{d['id']}: cannot remove {d['code']}, the writers did not find it")
            row["findings"] = [f for f in row["findings"] if f["code"] != d["code"]]
        elif d["verdict"] == "add":
            if has:
                raise ValueError(f"{d['id']}: cannot add {d['code']}, the writers found it already")
            row["findings"] = row["findings"] + [{"code": d["code"], "quote": d.get("quote")}]
        else:
            raise ValueError(f"{d['id']}: verdict must be 'add' or 'remove', not {d['verdict']!r}")
    return rows


def add_also(rows, also, code="jargon"):
    """Other places of ``code`` in drafts that have it (see the module docstring), in place: entries
    ``{"id", "terms"}`` (jargon) or ``{"id", "quotes"}``. Ids not in ``rows`` are drafts not merged yet
    (a pending batch); a quote not in the draft, or listed for a draft without the code, stops the build."""
    by_id = {r["id"]: r for r in rows}
    for a in also:
        row = by_id.get(a["id"])
        if row is None:
            continue
        quotes = a["terms"] if "terms" in a else a["quotes"]
        if quotes and not any(f["code"] == code for f in row["findings"]):
            raise ValueError(f"{a['id']}: other {code} places listed, but the draft has no {code} finding")
        for quote in quotes:
            start = row["draft"].find(quote)
            if start < 0:
                raise ValueError(f"{a['id']}: other {code} place {quote!r} is not in the draft")
            row["findings"].append({"code": code, "quote": quote, "start": start, "end": start + len(quote),
                                    "also": True})
    return rows


def apply_also(rows, also=ALSO):
    """:func:`add_also` for each code's file in ``also`` (``{code: path}``) that exists."""
    for code, path in also.items():
        if Path(path).exists():
            add_also(rows, [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()], code)
    return rows


def main(src, decisions=None, also=ALSO):
    raw = [json.loads(line) for line in open(src, encoding="utf-8") if line.strip()]
    if decisions:
        adjudicate(raw, [json.loads(line) for line in open(decisions, encoding="utf-8") if line.strip()])
    rows = [convert(row) for row in raw]
    apply_also(rows, also or {})
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
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("writers", help="the writers' file (JSONL)")
    ap.add_argument("--adjudicated", metavar="DECISIONS", help="settled disagreements to apply first")
    args = ap.parse_args()
    main(args.writers, args.adjudicated)
