"""What every reader yields: rows, skipped rows, and the opened export."""

import csv
import itertools
import json
from dataclasses import dataclass, field


#: A CSV record longer than this is taken as broken quoting (no real ticket is 1M characters).
MAX_RECORD_CHARS = 1_000_000
# Long ticket bodies are real; the default 128 KiB cell limit would call them broken.
csv.field_size_limit(max(csv.field_size_limit(), MAX_RECORD_CHARS + 1))



@dataclass
class Row:
    """One readable record: ``row`` is its 1-based position among the data records."""

    row: int
    line: int | None
    fields: dict
    text: str


@dataclass
class Skipped:
    """One record that could not be used, and why (never carries the ticket text)."""

    row: int
    line: int | None
    reason: str


@dataclass
class Export:
    """An opened export: what it is, its columns, and the stream of its rows."""

    kind: str  # csv, json, jsonl, zendesk, freshdesk
    columns: list
    text_column: str
    text_column_guessed: bool
    id_column: str | None
    date_column: str | None
    encoding: str
    _rows: object = field(repr=False)
    _closer: object = field(default=None, repr=False)
    _progress: object = field(default=None, repr=False)
    layout: object = field(default=None, repr=False)  # CSV: a CsvLayout (classify/parallel.py)

    def rows(self):
        """Yield :class:`Row` and :class:`Skipped` in input order."""
        return self._rows

    def progress(self):
        """(bytes read so far, total bytes or None when unknown, e.g. stdin)."""
        if self._progress is None:
            return 0, None
        raw, total = self._progress
        return raw.consumed, total

    def close(self):
        if self._closer is not None:
            self._closer()


def chunked(iterable, size):
    """Yield lists of up to ``size`` items."""
    it = iter(iterable)
    while True:
        chunk = list(itertools.islice(it, size))
        if not chunk:
            return
        yield chunk

def flat(value):
    """A JSON value as one CSV-friendly cell."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return " ".join(value)  # Zendesk tags
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value
