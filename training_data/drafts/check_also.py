"""Validate a reader's other places of a code (ALSO.md, ALSO_BLAME.md) against the input it was given.

    python training_data/drafts/check_also.py INPUT OUTPUT

INPUT lines carry ``quoted_term`` (jargon) or ``quoted`` (blame); OUTPUT lines ``{"id", "terms"}`` or
``{"id", "quotes"}``, same ids in the same order. Every place must be in the draft, not overlap the
place already quoted, and be listed once.
"""

import json
import sys


def problems(inp, out):
    if [r["id"] for r in inp] != [r.get("id") for r in out]:
        return ["ids differ from the input (same ids, same order)"]
    errs = []
    for a, b in zip(inp, out):
        places = b.get("terms", b.get("quotes"))
        if not isinstance(places, list) or not all(isinstance(t, str) and t.strip() for t in places):
            errs.append(f"{a['id']}: terms/quotes must be a list of non-empty strings")
            continue
        quoted = a.get("quoted_term", a.get("quoted"))
        qs = a["draft"].find(quoted)
        for t in places:
            s = a["draft"].find(t)
            if s < 0:
                errs.append(f"{a['id']}: {t!r} is not in the draft (copy it exactly)")
            elif s < qs + len(quoted) and qs < s + len(t):
                errs.append(f"{a['id']}: {t!r} overlaps the place already quoted")
        if len(set(places)) != len(places):
            errs.append(f"{a['id']}: a place is listed twice")
    return errs


def main(inp_path, out_path):
    read = lambda p: [json.loads(line) for line in open(p, encoding="utf-8") if line.strip()]  # noqa: E731
    inp, out = read(inp_path), read(out_path)
    errs = problems(inp, out)
    print("\n".join(errs) or f"ok: {len(out)} lines, {sum(len(b.get('terms', b.get('quotes', []))) for b in out)} places")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
