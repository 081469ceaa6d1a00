"""Reading labelled text: our training data, public corpora, evaluation files.

Our own messages ship with Attune (package ``attune.data``, the repository's
``training_data/``). Public corpora are read from wherever they are
(``--corpus NAME=PATH:WEIGHT``), never copied into the repository; an artifact
records them by a path relative to the *data root* (``$ATTUNE_DATA``, else
``../shared/data`` beside the repository), so retraining on another machine
finds them again (:func:`resolve_source`).
"""

import csv
import json
import os
from pathlib import Path

from .errors import DataError
from .labels import LABELS

__all__ = ["read_labelled", "read_training_data", "read_held_out", "read_references", "read_split", "SPLITS", "parse_corpus_spec", "data_root",
           "source_entry", "resolve_source", "TRAINING_DIR", "DATA_ENV"]

TRAINING_FILE = "messages.csv"
#: Sarcasm and bitter thanks, read with the messages (same columns); its test split is scored on its own.
SARCASM_FILE = "sarcasm.csv"
HOLDOUT_FILE = Path("holdout") / "independent.csv"
DATA_ENV = "ATTUNE_DATA"


def _training_dir():
    # attune.data is the repository's training_data/ (package_dir), installed or editable alike.
    import attune.data

    return Path(attune.data.__file__).resolve().parent


TRAINING_DIR = _training_dir()


def data_root():
    """The folder public corpora are recorded against: ``$ATTUNE_DATA``, else ``../shared/data``
    beside the repository when it exists, else None."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser().resolve()
    beside = Path(__file__).resolve().parents[2] / "shared" / "data"
    return beside if beside.is_dir() else None


def source_entry(name, path):
    """How an artifact names a training file: ``{"name", "root", "path"}``, never this machine's absolute path.

    ``root`` is ``"training_data"`` for our shipped messages, ``"data"`` for a file under
    :func:`data_root` (``path`` relative to it), or None for a file elsewhere (``path`` is then
    its file name only, and retraining needs ``--corpus`` to find it).
    """
    path = Path(path).resolve()
    for root_name, root in (("training_data", TRAINING_DIR), ("data", data_root())):
        if root is not None and path.is_relative_to(root):
            return {"name": name, "root": root_name, "path": path.relative_to(root).as_posix()}
    return {"name": name, "root": None, "path": path.name}


def resolve_source(entry):
    """The file a manifest's source entry names, on this machine; :class:`DataError` saying where it looked."""
    root_name, rel = entry.get("root"), entry.get("path") or ""
    if Path(rel).is_absolute():  # recorded by an older Attune: a machine's path, worth a try
        root, root_name = Path("/"), "absolute"
    elif root_name == "training_data":
        root = TRAINING_DIR
    elif root_name == "data":
        root = data_root()
        if root is None:
            raise DataError(f"corpus {entry.get('name')} ({rel}) not found: no data root; set {DATA_ENV} to the "
                            f"folder that holds {rel}, or pass --corpus {entry.get('name')}=PATH:WEIGHT")
    else:
        raise DataError(f"corpus {entry.get('name')} was read from a file outside the data root ({rel}); "
                        f"pass --corpus {entry.get('name')}=PATH:WEIGHT to use it")
    path = root / rel
    if not path.is_file():
        raise DataError(f"corpus {entry.get('name')} not found at {path} (root {root_name}); set {DATA_ENV} to "
                        f"the folder that holds {rel}, or pass --corpus {entry.get('name')}=PATH:WEIGHT")
    return path


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
        Folder holding ``messages.csv`` (default: the copy shipped with Attune, ``attune.data``).
    split : {"train", "test"}, optional
        Only rows of that split.
    """
    path = Path(directory or TRAINING_DIR) / TRAINING_FILE
    if not path.is_file():
        raise DataError(f"no training data at {path}: give --data FOLDER holding {TRAINING_FILE}")
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


def read_held_out(directory=None):
    """``(texts, labels)`` a model is judged on: our test split plus, when present, the independent hold-out."""
    rows = read_training_data(directory, split="test")
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    holdout = Path(directory or TRAINING_DIR) / HOLDOUT_FILE
    if holdout.is_file():
        t, y = read_labelled(holdout)
        texts, labels = texts + t, labels + y
    return texts, labels


REAL_FILE = Path("real") / "labels.csv"
#: What each labelled split is called (``attune evaluate --split``).
SPLITS = ("written", "holdout", "sarcasm", "real")


def read_references(path, root=None, split=None):
    """Labelled units that point into public corpora (file, row, offsets) with their text resolved.

    ``root`` is the data root the files are relative to (default :func:`data_root`). Each unit's
    text is checked against the sha1 it was labelled on: a changed corpus is an error, not a
    silently different test. Returns a list of dicts (``unit``, ``text``, ``label``, ``split`` ...).
    """
    import hashlib

    root = Path(root) if root else data_root()
    if root is None:
        raise DataError(f"{path} refers to public corpora: set {DATA_ENV} to the folder that holds them")
    with open(path, encoding="utf-8", newline="") as f:
        units = [u for u in csv.DictReader(f) if split is None or u["split"] == split]
    csv.field_size_limit(1 << 30)
    texts = {}
    for name in sorted({u["file"] for u in units}):
        try:
            with open(root / name, encoding="utf-8", newline="") as f:
                texts[name] = [r["text"] for r in csv.DictReader(f)]
        except OSError as exc:
            raise DataError(f"{path}: cannot read {root / name} ({exc.strerror}); set {DATA_ENV}") from None
    for u in units:
        text = texts[u["file"]][int(u["row"])][int(u["start"]) : int(u["end"])]
        if hashlib.sha1(text.encode("utf-8")).hexdigest()[:12] != u["sha1"]:
            raise DataError(f"{path}: unit {u['unit']} no longer reads what was labelled ({u['file']} row {u['row']})")
        u["text"] = text
    return units


def read_split(name, directory=None):
    """``(texts, labels)`` of a named held-out split: our written test split, the independent
    hold-out, the sarcasm hold-out, or real customers' text (never trained on)."""
    directory = Path(directory or TRAINING_DIR)
    if name == "written":
        rows = [r for r in _read_messages(directory / TRAINING_FILE) if r["split"] == "test"]
    elif name == "sarcasm":
        rows = [r for r in _read_messages(directory / SARCASM_FILE) if r["split"] == "test"]
    elif name == "real":
        rows = read_references(directory / REAL_FILE, split="test")
    elif name == "holdout":
        return read_labelled(directory / HOLDOUT_FILE)
    else:
        raise DataError(f"unknown split {name!r}; expected one of: {', '.join(SPLITS)}")
    return [r["text"] for r in rows], [r["label"] for r in rows]


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
    path = Path(path)
    root = data_root()
    if not path.is_absolute() and not path.exists() and root is not None and (root / path).exists():
        path = root / path  # a name under the data root, as manifests record it
    return name, path, weight
