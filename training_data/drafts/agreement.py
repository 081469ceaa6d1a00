"""Agreement between the writers' findings and a second annotator's, per code.

    python training_data/drafts/agreement.py [second.jsonl]
    python training_data/drafts/agreement.py second_fresh.jsonl --first test_fresh_v12_v15.jsonl

``--first`` compares with a writers' file as written (before disagreements were settled) rather than
with ``drafts.jsonl``.

For each code: Cohen's kappa on draft-level presence (does the draft have this finding?), the raw
agreement, and how many drafts each side flagged; for codes with a span, how often the two spans
overlap when both flag the code. The second annotator saw only the customer message and the draft.
"""

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
CODES = ("canned_apology", "false_empathy", "blame", "refusal_without_alternative", "no_next_step",
         "no_acknowledgement", "jargon", "too_long", "shouting")


def kappa(a, b):
    """Cohen's kappa of two equal-length lists of booleans (None when both sides are constant)."""
    n = len(a)
    po = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return None if pe == 1 else (po - pe) / (1 - pe)


def _with_spans(row):
    """A writers' row gets ``start``/``end`` from its quotes (as convert.py gives them)."""
    for f in row["findings"]:
        if "start" not in f:
            at = row["draft"].find(f["quote"]) if f["quote"] else -1
            f["start"], f["end"] = (at, at + len(f["quote"])) if at >= 0 else (None, None)
    return row


def main(path, first_path=HERE / "drafts.jsonl"):
    first = {}
    for line in Path(first_path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = _with_spans(json.loads(line))
            first[row["id"]] = row
    second = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [(first[s["id"]], s) for s in second]
    print(f"{len(rows)} drafts annotated twice")
    print(f"{'code':30} {'kappa':>6} {'agree':>6} {'writers':>8} {'second':>7} {'spans overlap':>14}")
    for code in CODES:
        a = [any(f["code"] == code for f in r["findings"]) for r, _ in rows]
        b = [any(f["code"] == code for f in s["findings"]) for _, s in rows]
        k = kappa(a, b)
        both = overlap = 0
        for (r, s), x, y in zip(rows, a, b):
            quotes = [f["quote"] for f in s["findings"] if f["code"] == code and f["quote"]]
            spans = [(f["start"], f["end"]) for f in r["findings"] if f["code"] == code and f["start"] is not None]
            if x and y and quotes and spans:
                both += 1
                theirs = [(r["draft"].find(q), r["draft"].find(q) + len(q)) for q in quotes]
                overlap += any(s0 < e1 and s1 < e0 for s0, e0 in spans for s1, e1 in theirs)
        agree = sum(x == y for x, y in zip(a, b)) / len(rows)
        spans_txt = f"{overlap}/{both}" if both else "–"
        print(f"{code:30} {'–' if k is None else f'{k:.2f}':>6} {agree:6.2f} {sum(a):8d} {sum(b):7d} {spans_txt:>14}")
    clean_a = [not r["findings"] for r, _ in rows]
    clean_b = [not s["findings"] for _, s in rows]
    print(f"{'clean (no finding at all)':30} {kappa(clean_a, clean_b):6.2f} "
          f"{sum(x == y for x, y in zip(clean_a, clean_b)) / len(rows):6.2f} {sum(clean_a):8d} {sum(clean_b):7d}")
    if any("mood" in s for _, s in rows):  # the first second pass guessed the mood; later ones were given it
        moods = sum(r["customer_label"] == s.get("mood") for r, s in rows)
        print(f"customer mood read the same: {moods}/{len(rows)}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("second", nargs="?", default=HERE / "second.jsonl")
    ap.add_argument("--first", default=HERE / "drafts.jsonl", help="a writers' file as written (default drafts.jsonl)")
    args = ap.parse_args()
    main(args.second, args.first)
