"""Validate a writers' file of the fresh batch: fields, codes, moods a code applies to, quotes, lengths.

    python training_data/drafts/fresh/check.py FILE.jsonl

Plain Python, no project install needed (helpers run it). The codes and the moods each code applies to
are read from the shipped coach rules (model/coach/coach.json), so they cannot drift from them.
"""

import json
import sys
from collections import Counter
from pathlib import Path

COACH = json.loads((Path(__file__).resolve().parents[3] / "model" / "coach" / "coach.json").read_text(encoding="utf-8"))
CODES = set(COACH["findings"])
GATES = {code: set(gate["labels"]) for code, gate in COACH["gates"].items()}
LABELS = "angry frustrated anxious confused disappointed grateful neutral".split()
WHOLE = {"no_next_step", "no_acknowledgement", "too_long"}
FIELDS = ("id", "customer", "customer_label", "draft", "findings", "domain", "register", "writer")
LONG, SHORT = 195, 170  # the labelling rule: flagged drafts 195+ words, unflagged at most 170


def finding_errors(rid, label, draft, findings):
    """Errors in one draft's findings (shared with check_second.py)."""
    errs, seen = [], set()
    for f in findings:
        code, quote = f.get("code"), f.get("quote")
        if code not in CODES:
            errs.append(f"{rid}: unknown code {code}")
            continue
        if code in seen:
            errs.append(f"{rid}: {code} twice")
        seen.add(code)
        if code in GATES and label not in GATES[code]:
            errs.append(f"{rid}: {code} not allowed for {label}")
        if code in WHOLE and quote is not None:
            errs.append(f"{rid}: {code} quote must be null")
        if code not in WHOLE and (not quote or quote not in draft):
            errs.append(f"{rid}: {code} quote not found in draft: {quote!r}")
    return errs, seen


def main(path):
    errs, ids, codes, clean = [], set(), Counter(), 0
    rows = [line for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    for i, line in enumerate(rows, 1):
        try:
            r = json.loads(line)
        except ValueError as e:
            errs.append(f"line {i}: bad JSON {e}")
            continue
        missing = [k for k in FIELDS if k not in r]
        if missing:
            errs.append(f"line {i}: missing {missing}")
            continue
        rid, label, draft = r["id"], r["customer_label"], r["draft"]
        if rid in ids:
            errs.append(f"{rid}: duplicate id")
        ids.add(rid)
        if label not in LABELS:
            errs.append(f"{rid}: bad label {label}")
        if r["register"] not in ("email", "chat", "social", "macro"):
            errs.append(f"{rid}: bad register")
        more, seen = finding_errors(rid, label, draft, r["findings"])
        errs += more
        errs += [f"{rid}: {f['code']} quote occurs more than once" for f in r["findings"]
                 if f.get("code") not in WHOLE | {"shouting"} and f.get("quote") and draft.count(f["quote"]) > 1]
        codes.update(seen)
        clean += not r["findings"]
        words = len(draft.split())
        if label in ("anxious", "confused"):
            if "too_long" in seen and words < LONG:
                errs.append(f"{rid}: too_long but only {words} words")
            if "too_long" not in seen and words > SHORT:
                errs.append(f"{rid}: {words} words > {SHORT} without too_long")
    print("\n".join(errs) or "no errors")
    print(f"{len(rows)} drafts, {clean} clean ({clean / max(len(rows), 1):.0%}); codes: {dict(codes)}")


if __name__ == "__main__":
    main(sys.argv[1])
