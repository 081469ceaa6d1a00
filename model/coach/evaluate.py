"""Scoring the coach against labelled drafts: precision and recall per code, and clean drafts left alone.

A finding counts as right when the draft has that code and, for codes with a span, the found span
overlaps the expected one; each (draft, code) counts once.
"""

import json
from collections import Counter
from pathlib import Path

from .config import CODES

__all__ = ["read_drafts", "score"]


def read_drafts(path, split=None):
    """Rows of ``drafts.jsonl`` (all, or one split)."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split is None or r["split"] == split]


def _match(gold, found):
    # gold/found: lists of (start, end) or None for one code in one draft
    if None in gold or None in found:
        return True
    return any(a[0] < b[1] and b[0] < a[1] for a in gold for b in found)


def score(rows, found_by_row):
    """Per-code ``{tp, fp, fn, precision, recall}``, plus ``clean`` (share of clean drafts with no finding).

    ``found_by_row``: for each row, a list of ``(code, start, end)``.
    """
    tp, fp, fn = Counter(), Counter(), Counter()
    clean = clean_ok = 0
    for row, found in zip(rows, found_by_row):
        gold = {}
        for f in row["findings"]:
            gold.setdefault(f["code"], []).append(None if f["start"] is None else (f["start"], f["end"]))
        got = {}
        for code, s, e in found:
            got.setdefault(code, []).append(None if s is None else (s, e))
        for code in set(gold) | set(got):
            if code in gold and code in got and _match(gold[code], got[code]):
                tp[code] += 1
            else:
                fp[code] += code in got
                fn[code] += code in gold
        if not row["findings"]:
            clean += 1
            clean_ok += not found
    out = {}
    for code in CODES:
        p = tp[code] / (tp[code] + fp[code]) if tp[code] + fp[code] else None
        r = tp[code] / (tp[code] + fn[code]) if tp[code] + fn[code] else None
        out[code] = {"tp": tp[code], "fp": fp[code], "fn": fn[code], "precision": p, "recall": r}
    out["clean"] = {"n": clean, "no_finding": clean_ok, "share": clean_ok / clean if clean else None}
    return out
