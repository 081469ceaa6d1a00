"""Add newly written examples to messages.csv, with ids and a fixed split.

Usage: python training_data/merge.py NEW.jsonl [NEW2.jsonl ...] --writer NAME

Each input line is {"text", "label", "domain", "channel"}. Rows get the next
free ids; their split is fixed once, here: near-duplicates (same word 3-grams
for half or more) share one cluster, and a cluster goes to test when the hash
of its first text falls in the test fifth. Existing rows never change split.
"""

import argparse
import csv
import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILE = HERE / "messages.csv"
COLUMNS = ["id", "text", "label", "domain", "channel", "writer", "split"]
LABELS = ("angry", "frustrated", "anxious", "confused", "disappointed", "grateful", "neutral")
CHANNELS = ("email", "chat", "web-form", "social", "phone-transcript")
_WORD = re.compile(r"[a-z0-9']+")


def norm(text):
    return " ".join(_WORD.findall(text.lower()))


def shingles(text, n=3):
    words = norm(text).split()
    if len(words) < n:
        return {" ".join(words)}
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def near_duplicate_clusters(texts, threshold=0.5):
    """Union-find over texts whose 3-gram Jaccard similarity is >= threshold."""
    parent = list(range(len(texts)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    sh = [shingles(t) for t in texts]
    index = {}
    for i, s in enumerate(sh):
        candidates = set()
        for g in s:
            candidates.update(index.get(g, ()))
        for j in candidates:
            if len(sh[i] & sh[j]) / len(sh[i] | sh[j]) >= threshold:
                parent[find(i)] = find(j)
        for g in s:
            index.setdefault(g, []).append(i)
    return [find(i) for i in range(len(texts))]


def split_of(text):
    h = int(hashlib.sha256(norm(text).encode()).hexdigest(), 16)
    return "test" if h % 5 == 0 else "train"


def read_rows(file=FILE):
    if not file.exists():
        return []
    with open(file, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write_rows(rows, file=FILE):
    fd, tmp = tempfile.mkstemp(dir=file.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, file)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--writer", help="who wrote them (default: the file's stem)")
    ap.add_argument("--into", type=Path, default=FILE,
                    help="the CSV to add to (default: messages.csv; sarcasm.csv holds the sarcasm set)")
    args = ap.parse_args(argv)

    target = args.into if args.into.is_absolute() else HERE / args.into.name
    prefix = target.stem[0]  # m00001 in messages.csv, s00001 in sarcasm.csv
    rows = read_rows(target)
    # Texts are unique across all our files, so none is trained on in one and tested in another.
    seen = {norm(r["text"]) for f in {FILE, *HERE.glob("*.csv")} for r in read_rows(f)}
    next_id = max((int(r["id"][1:]) for r in rows), default=0) + 1
    new = []
    for path in args.files:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            obj = json.loads(line)
            text, label = obj["text"].strip(), obj["label"].strip().lower()
            if label not in LABELS:
                sys.exit(f"{path}:{lineno}: unknown label {label!r}")
            if obj.get("channel") not in CHANNELS:
                sys.exit(f"{path}:{lineno}: unknown channel {obj.get('channel')!r}")
            if norm(text) in seen:
                print(f"{path}:{lineno}: duplicate text, skipped", file=sys.stderr)
                continue
            seen.add(norm(text))
            new.append({"id": f"{prefix}{next_id:05d}", "text": text, "label": label,
                        "domain": obj.get("domain", "").strip().lower(), "channel": obj["channel"],
                        "writer": args.writer or path.stem, "split": ""})
            next_id += 1

    # A new row joins the split of any existing near-duplicate; otherwise its
    # cluster's first text decides.
    everything = rows + new
    roots = near_duplicate_clusters([r["text"] for r in everything])
    cluster_split = {}
    for r, root in zip(everything, roots):
        if r["split"]:
            cluster_split.setdefault(root, r["split"])
    for r, root in zip(everything, roots):
        if not r["split"]:
            r["split"] = cluster_split.setdefault(root, split_of(everything[root]["text"]))
    write_rows(everything, target)
    print(f"added {len(new)} rows; {len(everything)} in {target.name}")


if __name__ == "__main__":
    main()
