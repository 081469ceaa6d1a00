"""Real customer text as labelled references: which units exist, and how to read their text.

The corpora stay in ``../shared/data`` (CFPB narratives: public domain; BANKING77: CC BY 4.0); this
folder keeps only references — file, record id, row, character offsets — plus our labels. ``load``
resolves them to text at training or evaluation time and checks each unit still reads the same.

    python training_data/real/units.py candidates OUT.jsonl   # the sampled units, with text (never commit OUT)
    python training_data/real/units.py agreement              # Cohen's kappa of the two labelling passes
"""

import csv
import hashlib
import json
import os
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The public corpora: $ATTUNE_DATA, else ../shared/data beside the repository.
DEFAULT_DATA = Path(os.environ.get("ATTUNE_DATA") or HERE.parent.parent.parent / "shared" / "data")
FIELDS = ("unit", "file", "record", "row", "start", "end", "kind", "sha1")

# A sentence ends at . ! or ? before white space, or at a blank line; CFPB's XX/XX/XXXX never ends one.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(A-Z0-9{])|\n\s*\n")
_WORD = re.compile(r"[A-Za-z']+")


def digest(text):
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def read_rows(data_dir, file):
    """The data rows of one corpus file, in order (header excluded)."""
    csv.field_size_limit(1 << 30)
    with open(Path(data_dir) / file, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def sentences(text):
    """(start, end) of each sentence, trimmed of surrounding white space."""
    spans, pos = [], 0
    for m in list(_SENTENCE_END.finditer(text)) + [None]:
        end = m.start() if m else len(text)
        chunk = text[pos:end]
        lead = len(chunk) - len(chunk.lstrip())
        s, e = pos + lead, pos + len(chunk.rstrip())
        if e > s:
            spans.append((s, e))
        pos = m.end() if m else len(text)
    return spans


def _usable(text):
    words = _WORD.findall(text)
    real = [w for w in words if not w.upper().startswith("XX")]
    return 4 <= len(real) and 20 <= len(text) <= 500


def candidates(data_dir=DEFAULT_DATA, seed=12):
    """The units we label: CFPB sentences, short passages and whole narratives; BANKING77 queries."""
    rng = random.Random(seed)
    units = []
    cfpb = read_rows(data_dir, "cfpb/narratives.csv")
    order = list(range(len(cfpb)))
    rng.shuffle(order)
    whole, passages, sent_rows = order[:250], order[250:500], order[500:1250]
    for row in whole:
        text = cfpb[row]["text"]
        units.append(("cfpb/narratives.csv", cfpb[row]["complaint_id"], row, 0, len(text), "narrative"))
    for row in passages:
        text = cfpb[row]["text"]
        spans = [s for s in sentences(text) if _usable(text[s[0]:s[1]])]
        if len(spans) >= 3:
            i = rng.randrange(len(spans) - 2)
            units.append(("cfpb/narratives.csv", cfpb[row]["complaint_id"], row, spans[i][0], spans[i + 2][1], "passage"))
    for row in sent_rows:
        text = cfpb[row]["text"]
        spans = [s for s in sentences(text) if _usable(text[s[0]:s[1]])]
        for s in sorted(rng.sample(spans, min(4, len(spans)))):
            units.append(("cfpb/narratives.csv", cfpb[row]["complaint_id"], row, s[0], s[1], "sentence"))
    for file, n in (("banking77/train.csv", 900), ("banking77/test.csv", 300)):
        rows = read_rows(data_dir, file)
        for row in sorted(rng.sample(range(len(rows)), n)):
            units.append((file, str(row), row, 0, len(rows[row]["text"]), "query"))
    out = []
    for i, (file, record, row, start, end, kind) in enumerate(units, 1):
        text = _text(data_dir, file, row, start, end)
        out.append({"unit": f"r{i:05d}", "file": file, "record": record, "row": row, "start": start,
                    "end": end, "kind": kind, "sha1": digest(text), "text": text})
    return out


_cache = {}


def _text(data_dir, file, row, start, end):
    key = (str(data_dir), file)
    if key not in _cache:
        _cache[key] = read_rows(data_dir, file)
    return _cache[key][row]["text"][start:end]


def load(path=HERE / "labels.csv", data_dir=DEFAULT_DATA):
    """Labelled units with their text resolved (see ``attune.model.data.read_references``, which
    raises when a reference no longer reads the text it was labelled on)."""
    from attune.model.data import read_references

    return read_references(path, data_dir)


def kappa(pairs):
    """Cohen's kappa of (first, second) label pairs; nan when chance agreement is total."""
    from collections import Counter

    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    chance = sum(first[k] * second[k] for k in first) / n / n
    return (observed - chance) / (1 - chance) if chance < 1 else float("nan")


def agreement(path=HERE / "second_pass.csv"):
    """Agreement of the two independent passes: overall, and per label (that label or not)."""
    with open(path, newline="", encoding="utf-8") as fh:
        pairs = [(r["first"], r["second"]) for r in csv.DictReader(fh)]
    labels = ("angry", "frustrated", "anxious", "confused", "disappointed", "grateful", "neutral")
    lines = [f"units {len(pairs)}, raw agreement {sum(a == b for a, b in pairs) / len(pairs):.3f}, "
             f"Cohen's kappa {kappa(pairs):.3f}", "label          kappa  first  second"]
    for label in labels:
        k = kappa([(a == label, b == label) for a, b in pairs])
        lines.append(f"{label:<13} {k:6.3f} {sum(a == label for a, _ in pairs):6d} {sum(b == label for _, b in pairs):7d}")
    return "\n".join(lines)


def main(argv):
    if len(argv) == 2 and argv[1] == "agreement":
        print(agreement())
        return 0
    if len(argv) == 3 and argv[1] == "candidates":
        with open(argv[2], "w", encoding="utf-8") as fh:
            for u in candidates():
                fh.write(json.dumps(u, ensure_ascii=False) + "\n")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
