"""Writing results: the input row plus label, confidence, intensity and scores (CSV), or the full result (JSONL)."""

import csv
import json

from attune.model.errors import InvalidInput

from .readers.base import flat

#: Columns added to each CSV row, before one ``score_<label>`` per label.
RESULT_COLUMNS = ("label", "confidence", "intensity")


def result_columns(columns, labels):
    """Names of the added CSV columns; ``attune_`` is prefixed where an input column has the name."""
    taken = set(columns)
    names = list(RESULT_COLUMNS) + [f"score_{label}" for label in labels]
    return [f"attune_{name}" if name in taken else name for name in names]


class CsvWriter:
    """The input's columns plus label, confidence, intensity and one score column per label."""

    result_keys = ("label", "confidence", "intensity", "scores")  # the result fields written

    def __init__(self, stream, columns, labels, header=True):
        self._labels = tuple(labels)
        self._columns = list(columns)
        self._writer = csv.writer(stream)
        if header:  # parallel workers write rows only; the main process writes the header
            self._writer.writerow(self._columns + result_columns(self._columns, self._labels))

    def write(self, fields, result):
        scores = result["scores"]
        self._writer.writerow(
            [flat(fields.get(c)) for c in self._columns]
            + [result["label"], result["confidence"], result["intensity"]]
            + [scores[label] for label in self._labels]
        )


class JsonlWriter:
    """The input object with the full analysis result under ``attune``."""

    result_keys = None  # all of them

    def __init__(self, stream, columns=None, labels=None):
        self._stream = stream

    def write(self, fields, result):
        self._stream.write(json.dumps({**fields, "attune": result}, ensure_ascii=False) + "\n")


def output_format(path, fmt=None):
    """``csv`` or ``jsonl``: as asked, else from the file name, else ``csv``."""
    if fmt:
        if fmt not in ("csv", "jsonl"):
            raise InvalidInput(f"unknown output format {fmt!r}; expected csv or jsonl")
        return fmt
    name = str(path or "").lower()
    return "jsonl" if name.endswith((".jsonl", ".ndjson", ".json")) else "csv"


def make_writer(stream, fmt, columns, labels):
    return (JsonlWriter if fmt == "jsonl" else CsvWriter)(stream, columns, labels)

