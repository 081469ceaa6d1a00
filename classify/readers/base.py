"""What every reader yields: rows, skipped rows, and the opened export."""

import csv
import itertools
import json
from dataclasses import dataclass, field


#: Past this many characters a record being read is kept on disk, not in memory (CSV), and a JSON
#: array item that does not parse is judged broken rather than cut by the end of a block.
MAX_RECORD_CHARS = 1_000_000
#: A quoted CSV field may be this long (a pasted log of a million lines): csv's default 128 KiB
#: would call it broken and read its lines as records. A quote still open after this many
#: characters is a stray one (no helpdesk stores a 100-million-character ticket): it is reported
#: once and the lines after it are read again, and memory stays bounded (csv holds the field).
MAX_FIELD_CHARS = 100_000_000
csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_CHARS))



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
    #: how the text column was chosen: "given" (--text-column), "format" (Zendesk, Freshdesk, a
    #: list of strings) or "guessed"
    text_column_how: str = ""
    #: the export holds no records at all (``{"tickets": []}``, a CSV header alone): no rows, no error
    empty: bool = False

    def __post_init__(self):
        if not self.text_column_how:
            self.text_column_how = "guessed" if self.text_column_guessed else "format"

    def text_source(self):
        """How the text column was chosen, in words: "guessed", "given with --text-column", ..."""
        if self.text_column_how == "given":
            return "given with --text-column"
        if self.text_column_how == "guessed":
            return "guessed; --text-column to choose"
        if self.kind in ("zendesk", "freshdesk"):
            return f"{self.kind.capitalize()} format"
        return "each item is the text"

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
