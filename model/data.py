"""Reading labelled text: our training data, public corpora, evaluation files.

Corpora are read from wherever they are (``--corpus NAME=PATH:WEIGHT``); their
text is never copied into the repository.
"""

import csv
import json
from pathlib import Path

from .errors import DataError
from .labels import LABELS

__all__ = ["read_labelled", "read_training_data", "parse_corpus_spec", "TRAINING_DIR"]

TRAINING_DIR = Path(__file__).resolve().parent.parent / "training_data"
TRAINING_FILE = "messages.csv"
#: Sarcasm and bitter thanks, read with the messages (same columns); its test split is scored on its own.
SARCASM_FILE = "sarcasm.csv"


def read_labelled(path, allow_unknown=False):
    """Read ``(texts, labels)`` from a CSV (``text,label`` columns) or JSONL file.

    Rows with an empty text are skipped. A label outside the seven raises
    :class:`DataError` naming the row, unless ``allow_unknown`` (then the row
    is skipped).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"no such file: {path}")
    texts, labels = [], []
    for lineno, row in _rows(path):
        text, label = row.get("text"), row.get("label")
        if not isinstance(text, str) or not text.strip():
            continue
        label = label.strip().lower() if isinstance(label, str) else label
        if label not in LABELS:
            if allow_unknown:
                continue
            raise DataError(f"{path}:{lineno}: unknown label {label!r} (expected one of {', '.join(LABELS)})")
        texts.append(text)
        labels.append(label)
    if not texts:
        raise DataError(f"{path}: no labelled rows (need columns 'text' and 'label')")
    return texts, labels


def _rows(path):
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        with open(path, encoding="utf-8-sig") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataError(f"{path}:{lineno}: not JSON ({exc.msg})") from exc
                if not isinstance(obj, dict):
                    raise DataError(f"{path}:{lineno}: expected a JSON object")
                yield lineno, obj
        return
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or not {"text", "label"} <= set(reader.fieldnames):
            raise DataError(f"{path}: CSV needs a header with 'text' and 'label' columns")
        for row in reader:
            yield reader.line_num, row


def read_training_data(directory=None, split=None):
    """Read our own labelled messages as a list of row dicts.

    Parameters
    ----------
    directory : path, optional
        Folder holding ``messages.csv`` (default: the repository's ``training_data/``).
    split : {"train", "test"}, optional
        Only rows of that split.
    """
    path = Path(directory or TRAINING_DIR) / TRAINING_FILE
    if not path.is_file():
        raise DataError(f"no training data at {path}")
    rows = []
    for file in (path, path.with_name(SARCASM_FILE)):  # the sarcasm set is optional
        if file == path or file.is_file():
            rows += _read_messages(file)
    return [r for r in rows if split is None or r.get("split") == split]


def _read_messages(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for i, row in enumerate(rows, 2):
        if row.get("label") not in LABELS:
            raise DataError(f"{path}:{i}: unknown label {row.get('label')!r}")
    return rows


def parse_corpus_spec(spec):
    """Parse ``NAME=PATH[:WEIGHT]`` into ``(name, Path, weight)``.

    ``WEIGHT`` is the corpus's total training weight relative to our own data
    (0.5 = half as much say), default 1.

    >>> parse_corpus_spec("goemotions7=/data/train.csv:0.25")
    ('goemotions7', PosixPath('/data/train.csv'), 0.25)
    """
    name, sep, rest = spec.partition("=")
    if not sep or not name or not rest:
        raise DataError(f"corpus {spec!r}: expected NAME=PATH[:WEIGHT]")
    path, weight = rest, 1.0
    head, colon, tail = rest.rpartition(":")
    if colon and head:
        try:
            path, weight = head, float(tail)
        except ValueError:
            path, weight = rest, 1.0
    if not weight > 0:
        raise DataError(f"corpus {spec!r}: weight must be positive")
    return name, Path(path), weight
