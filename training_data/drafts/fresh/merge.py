"""Put the fresh batch into drafts.jsonl, test only, with the adjudicator's decisions applied.

    python training_data/drafts/fresh/merge.py [v12,v14,...] [--train FILE ...]

Reads fresh/{writer}.jsonl (as written) and fresh/decisions_*.jsonl (ADJ.md's output, if any), writes
fresh/fresh_adjudicated.jsonl (add/remove verdicts on the writers' findings) and rebuilds drafts.jsonl
with convert.py. ``--train`` adds writers' files of training-only drafts (rows ``"split": "train"``; a
row already in drafts.jsonl is left as it is). The writers' file of v1–v4 is not in the repository, so the rows already in
drafts.jsonl are fed back in writers' form; the script checks they come out unchanged.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DRAFTS = HERE.parent / "drafts.jsonl"
sys.path.insert(0, str(HERE.parent))
import convert  # noqa: E402  (training_data/drafts/convert.py)


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def verdicts(raw, decisions):
    """An adjudicator's decision overturns the writer only where it differs from what the writer found."""
    by_id = {r["id"]: r for r in raw}
    for d in decisions:
        has = any(f["code"] == d["code"] for f in by_id[d["id"]]["findings"])
        if d["present"] != has:
            yield {"id": d["id"], "code": d["code"], "verdict": "add" if d["present"] else "remove",
                   **({"quote": d["quote"]} if d["present"] else {})}


def main(writers, train_files=()):
    missing = [w for w in convert.FRESH_TEST_WRITERS if (HERE / f"{w}.jsonl").exists() and w not in writers]
    if missing:  # their rows would drop out of drafts.jsonl
        raise SystemExit(f"fresh writers left out: {', '.join(missing)}; name them all or none")
    fresh = [{**r, "split": "test"} for w in writers for r in _rows(HERE / f"{w}.jsonl")]
    # ADJ.md's output for each batch: decisions_raw.jsonl (the first), decisions_batch2.jsonl, ...
    decided = [d for path in sorted(HERE.glob("decisions_*.jsonl")) for d in _rows(path)]
    adjudicated = HERE / "fresh_adjudicated.jsonl"
    adjudicated.write_text("".join(json.dumps(v, ensure_ascii=False) + "\n" for v in verdicts(fresh, decided)),
                           encoding="utf-8")
    before = [r for r in _rows(DRAFTS) if r["writer"] not in convert.FRESH_TEST_WRITERS]
    old = []
    for r in before:  # back to the writers' form: quotes only, the split only where it was forced
        row = {k: r[k] for k in convert.FIELDS}
        # "also" findings come from the *_also.jsonl files, which convert.py applies again
        row["findings"] = [{"code": f["code"], "quote": f["quote"]} for f in _own(r)["findings"]]
        old.append(row | ({"split": r["split"]} if r["split"] != convert.split_of(r["id"]) else {}))
    have = {r["id"] for r in before}
    for path in train_files:
        extra = [r for r in _rows(Path(path)) if r["id"] not in have]
        wrong = [r["id"] for r in extra if r.get("split") != "train"]
        if wrong:
            raise SystemExit(f"{path}: rows must say \"split\": \"train\": {', '.join(wrong[:5])}")
        old += extra
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as tmp:
        tmp.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in old + fresh)
    subprocess.run([sys.executable, str(HERE.parent / "convert.py"), tmp.name, "--adjudicated", str(adjudicated)],
                   check=True)
    Path(tmp.name).unlink()
    assert [_own(r) for r in _rows(DRAFTS)[:len(before)]] == [_own(r) for r in before], \
        "rows already in drafts.jsonl changed"


def _own(row):
    """A row as its writers and adjudicators left it, without convert.py's "also" findings."""
    return {**row, "findings": [f for f in row["findings"] if not f.get("also")]}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("writers", nargs="?", help="the fresh batches' writers, comma-separated (default: every "
                    "writer of convert.FRESH_TEST_WRITERS with a file here)")
    ap.add_argument("--train", nargs="*", default=[], help="writers' files of training-only drafts to add")
    args = ap.parse_args()
    writers = args.writers.split(",") if args.writers else [
        w for w in convert.FRESH_TEST_WRITERS if (HERE / f"{w}.jsonl").exists()]
    main(writers, args.train)
