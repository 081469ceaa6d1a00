"""Real customer text as labelled references: which units exist, and how to read their text.

The corpora stay in ``../shared/data`` (CFPB narratives: public domain; BANKING77: CC BY 4.0); this
folder keeps only references — file, record id, row, character offsets — plus our labels. ``load``
resolves them to text at training or evaluation time and checks each unit still reads the same.

    python training_data/real/units.py candidates OUT.jsonl   # the sampled units, with text (never commit OUT)
    python training_data/real/units.py agreement [PAIRS.csv]  # Cohen's kappa of two labelling passes
    python training_data/real/units.py add-round CANDIDATES.jsonl OUT_DIR   # append a labelling round
    python training_data/real/units.py round-candidates OUT.jsonl PREFIX SEED N   # draw a later round

``add-round`` reads a round's candidate units (references and text, one JSON object a line, never
committed) and the annotators' label files ``OUT_DIR/out_A.jsonl``, ``out_B.jsonl`` ... (``{"unit",
"label"}`` a line; in round 2 file A is annotator ``b1``, B ``b2`` and so on, in round 3 ``c1``, ``c2``). It appends the labelled units to
``labels.csv`` as references, split train: a unit labelled once gets its annotator, one labelled twice
alike ``bX+bY``; two different labels leave it out and list it in ``roundN_disputed.csv`` for
adjudication (N from the round's id prefix: ``s`` is round 2, ``t`` round 3); a settled dispute is a
``labels.csv`` row whose annotator ends ``+adjudicated``, and it stays when the round is merged again. Every double-labelled unit
goes to ``second_pass_roundN.csv`` for ``agreement``. Running it again replaces that round's earlier
rows, so it can follow annotators who are still at work.

``round-candidates`` draws a later round, all on the train side (``train_side_rows``): half of it at
random, half among the units the shipped model reads as a feeling real text rarely shows (its guess is
often wrong; annotators judge each unit fresh, without it). Such a round is not a natural sample and is
never scored on.
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
LABELS = ("angry", "frustrated", "anxious", "confused", "disappointed", "grateful", "neutral")


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
    return _numbered(units, "r", data_dir)


def _numbered(units, prefix, data_dir):
    """``(file, record, row, start, end, kind)`` tuples as candidate units ``prefix00001`` …, with their text."""
    out = []
    for i, (file, record, row, start, end, kind) in enumerate(units, 1):
        text = _text(data_dir, file, row, start, end)
        out.append({"unit": f"{prefix}{i:05d}", "file": file, "record": record, "row": row, "start": start,
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
    if not pairs:
        return f"{path.name}: no unit labelled twice yet"
    lines = [f"units {len(pairs)}, raw agreement {sum(a == b for a, b in pairs) / len(pairs):.3f}, "
             f"Cohen's kappa {kappa(pairs):.3f}", "label          kappa  first  second"]
    for label in LABELS:
        k = kappa([(a == label, b == label) for a, b in pairs])
        lines.append(f"{label:<13} {k:6.3f} {sum(a == label for a, _ in pairs):6d} {sum(b == label for _, b in pairs):7d}")
    return "\n".join(lines)


ROUNDS = {"s": 2, "t": 3, "u": 4}  # unit id prefix of each later labelling round; the first round's ids are r00001 ...
REF_FIELDS = FIELDS + ("label", "annotator", "split")
PAIR_FIELDS = ("unit", "first", "first_annotator", "second", "second_annotator")


def round_labels(out_dir, who="b"):
    """unit -> {annotator: label} from ``out_X.jsonl`` files (the last label of an annotator counts);
    file A is annotator ``{who}1``, B ``{who}2`` and so on."""
    labels = {}
    for path in sorted(Path(out_dir).glob("out_?.jsonl")):
        annotator = f"{who}{ord(path.stem[-1].upper()) - ord('A') + 1}"
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                item = json.loads(line)
                if item.get("label") not in LABELS:
                    raise ValueError(f"{path}:{n}: unknown label {item.get('label')!r}")
                labels.setdefault(item["unit"], {})[annotator] = item["label"]
    return labels


def _check_train_side(unit, labelled, data_dir):
    """A round's unit must read what was labelled and never touch a test narrative or query."""
    if _text(data_dir, unit["file"], int(unit["row"]), int(unit["start"]), int(unit["end"])) != unit["text"] \
            or digest(unit["text"]) != unit["sha1"]:
        raise ValueError(f"unit {unit['unit']}: reference does not read its text")
    if ("test" in labelled.get((unit["file"], str(unit["row"])), ())) or unit["file"].endswith("test.csv"):
        raise ValueError(f"unit {unit['unit']}: its {unit['file']} row {unit['row']} holds test units")


def add_round(candidates_path, out_dir, path=HERE / "labels.csv", data_dir=DEFAULT_DATA):
    """Merge a labelling round into ``labels.csv`` (see the module's help); returns (added, disputed, pairs)."""
    with open(candidates_path, encoding="utf-8") as fh:
        cands = [json.loads(line) for line in fh if line.strip()]
    prefixes = {c["unit"][0] for c in cands}
    if len(prefixes) != 1 or not prefixes <= ROUNDS.keys():
        raise ValueError(f"{candidates_path}: a round's unit ids share one prefix of {sorted(ROUNDS)}")
    prefix = prefixes.pop()
    with open(path, newline="", encoding="utf-8") as fh:
        # A dispute settled by adjudication (annotator ``…+adjudicated``) keeps its row.
        rows = [r for r in csv.DictReader(fh) if not r["unit"].startswith(prefix) or r["annotator"].endswith("+adjudicated")]
    settled = {r["unit"]: r["label"] for r in rows if r["unit"].startswith(prefix)}
    splits = {}
    for r in rows:
        splits.setdefault((r["file"], r["row"]), set()).add(r["split"])
    n = ROUNDS[prefix]
    # Round 2's annotators are b1, b2 ...; round 3's c1, c2 ...
    labels, added, disputed, pairs = round_labels(out_dir, who=chr(ord("a") + n - 1)), [], [], []
    for unit in cands:
        given = labels.get(unit["unit"])
        if not given:
            continue
        _check_train_side(unit, splits, data_dir)
        names = sorted(given, key=lambda a: int(a[1:]))
        ref = {k: unit[k] for k in FIELDS}
        if len(names) >= 2:
            (a, b) = names[:2]
            pairs.append({"unit": unit["unit"], "first": given[a], "first_annotator": a,
                          "second": given[b], "second_annotator": b})
            if given[a] != given[b]:
                disputed.append(ref | {"first": given[a], "first_annotator": a, "second": given[b], "second_annotator": b,
                                       "adjudicated": settled.get(unit["unit"], "")})
                continue
        added.append(ref | {"label": given[names[0]], "annotator": "+".join(names[:2]), "split": "train"})
    _write_csv(path, REF_FIELDS, rows + added)
    _write_csv(Path(path).with_name(f"second_pass_round{n}.csv"), PAIR_FIELDS, pairs)
    _write_csv(Path(path).with_name(f"round{n}_disputed.csv"), FIELDS + PAIR_FIELDS[1:] + ("adjudicated",), disputed)
    return len(added), len(disputed), len(pairs)


def _norm(sentence):
    return " ".join(_WORD.findall(sentence.lower()))


def train_side_rows(data_dir=DEFAULT_DATA, path=HERE / "labels.csv"):
    """CFPB rows a later round may draw from: no test unit in the narrative, and no sentence shared with
    a test narrative (refiled complaints repeat text, and a repeat would leak the test split)."""
    with open(path, newline="", encoding="utf-8") as fh:
        test_rows = {int(r["row"]) for r in csv.DictReader(fh)
                     if r["split"] == "test" and r["file"] == "cfpb/narratives.csv"}
    cfpb = read_rows(data_dir, "cfpb/narratives.csv")
    seen = {_norm(cfpb[row]["text"][s:e]) for row in test_rows for s, e in sentences(cfpb[row]["text"])}
    seen.discard("")
    return [row for row in range(len(cfpb)) if row not in test_rows
            and not any(_norm(cfpb[row]["text"][s:e]) in seen for s, e in sentences(cfpb[row]["text"]))]


# A later round's mix: share of each kind, and the labels its targeted half looks for (with their share).
ROUND_KINDS = {"sentence": 0.6, "passage": 0.15, "narrative": 0.05, "query": 0.2}
TARGETS = {"disappointed": 0.3, "confused": 0.2, "grateful": 0.15, "anxious": 0.15, "angry": 0.1, "frustrated": 0.1}


def round_candidates(prefix, seed, n, data_dir=DEFAULT_DATA, path=HERE / "labels.csv", predict=None):
    """``n`` new train-side units for a labelling round (see the module's help); ``predict`` maps texts
    to the shipped model's labels (default: the shipped model)."""
    if predict is None:
        from attune.model import default_model

        model = default_model()
        predict = lambda texts: [r["label"] for r in model.analyze_batch(texts, explain=False, guide=False)]
    rng = random.Random(seed)
    taken = set()
    for name in [path] + sorted(Path(path).parent.glob("round*_disputed.csv")):
        with open(name, newline="", encoding="utf-8") as fh:
            taken |= {(r["file"], int(r["row"]), int(r["start"]), int(r["end"])) for r in csv.DictReader(fh)}
    cfpb = read_rows(data_dir, "cfpb/narratives.csv")
    pool = {kind: [] for kind in ROUND_KINDS}
    for row in train_side_rows(data_dir, path):
        text = cfpb[row]["text"]
        spans = [s for s in sentences(text) if _usable(text[s[0]:s[1]])]
        # At most three sentences and one passage of a narrative, so no single writer dominates.
        for s in rng.sample(spans, min(3, len(spans))):
            pool["sentence"].append(("cfpb/narratives.csv", cfpb[row]["complaint_id"], row, s[0], s[1], "sentence"))
        if len(spans) >= 3:
            i = rng.randrange(len(spans) - 2)
            pool["passage"].append(("cfpb/narratives.csv", cfpb[row]["complaint_id"], row, spans[i][0], spans[i + 2][1], "passage"))
        if 200 <= len(text) <= 1500:
            pool["narrative"].append(("cfpb/narratives.csv", cfpb[row]["complaint_id"], row, 0, len(text), "narrative"))
    queries = read_rows(data_dir, "banking77/train.csv")
    pool["query"] = [("banking77/train.csv", str(row), row, 0, len(q["text"]), "query") for row, q in enumerate(queries)]
    chosen = []
    for kind, share in ROUND_KINDS.items():
        units = [u for u in pool[kind] if (u[0], u[2], u[3], u[4]) not in taken]
        rng.shuffle(units)
        want = round(n * share)
        guesses = predict([_text(data_dir, u[0], u[2], u[3], u[4]) for u in units])
        picked = set()
        for label, part in TARGETS.items():
            among = [i for i, g in enumerate(guesses) if g == label and i not in picked]
            picked |= set(among[:round(want / 2 * part)])
        rest = [i for i in range(len(units)) if i not in picked]
        picked |= set(rest[:want - len(picked)])
        chosen += [units[i] for i in sorted(picked)]
    rng.shuffle(chosen)
    return _numbered(chosen, prefix, data_dir)


def _write_csv(path, fields, rows):
    """Write through a temporary file and rename, so a crash leaves the old file or the new one."""
    tmp = Path(f"{path}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def main(argv):
    if len(argv) in (2, 3) and argv[1] == "agreement":
        print(agreement(*([Path(argv[2])] if len(argv) == 3 else [])))
        return 0
    if len(argv) == 4 and argv[1] == "add-round":
        added, disputed, pairs = add_round(argv[2], argv[3])
        print(f"added {added} units, {disputed} disputed (roundN_disputed.csv), {pairs} labelled twice")
        return 0
    if len(argv) == 3 and argv[1] == "candidates":
        with open(argv[2], "w", encoding="utf-8") as fh:
            for u in candidates():
                fh.write(json.dumps(u, ensure_ascii=False) + "\n")
        return 0
    if len(argv) == 6 and argv[1] == "round-candidates":
        with open(argv[2], "w", encoding="utf-8") as fh:
            for u in round_candidates(argv[3], int(argv[4]), int(argv[5])):
                fh.write(json.dumps(u, ensure_ascii=False) + "\n")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
