"""CSV and TSV: records streamed with their line numbers; a stray quote costs one row, not the rest."""

import csv
import itertools
from dataclasses import dataclass

from attune.model.errors import DataError

from .base import MAX_RECORD_CHARS, Export, Row, Skipped
from .columns import _DATE_NAMES, _ID_NAMES, _detect_delimiter, _guess_text_column, _pick
from .encoding import _undecodable


class _RecordTooLong(Exception):
    pass


class _Lines:
    # Feeds physical lines to csv.reader and remembers them, so a record can be taken apart again.
    def __init__(self, lines, first_line):
        self._lines = lines
        self.pending = []
        self.pending_chars = 0
        self.next_line = first_line  # physical line number of the next line handed out

    def __iter__(self):
        return self

    def __next__(self):
        if self.pending_chars > MAX_RECORD_CHARS:
            raise _RecordTooLong
        line = next(self._lines)
        self.pending.append(line)
        self.pending_chars += len(line)
        return line

    def take(self):
        lines, self.pending, self.pending_chars = self.pending, [], 0
        start = self.next_line
        self.next_line += len(lines)
        return start, lines


def _csv_records(stream, delimiter, expected=None, first_line=1):
    """Yield (line, fields or None, raw_lines, reason) for each CSV record, the header first.

    csv.reader does the parsing at C speed; when a record spans several lines and does not parse
    cleanly (wrong field count, stray quote, too long), only its first line is reported and the
    lines after it are parsed again, so a stray quote cannot swallow the rows that follow.
    ``expected`` (the header's field count) and ``first_line`` let a piece of a file that starts
    after its header be read the same way (the parallel path's workers, ``classify/parallel.py``).
    """
    lines = _Lines(iter(stream), first_line)
    while True:
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        redo = None
        while redo is None:
            reason = None
            try:
                fields = next(reader)
            except StopIteration:
                if not lines.pending:
                    return
                fields, reason = None, "broken quoting (quoted field never closed)"
            except _RecordTooLong:
                fields, reason = None, "broken quoting (record too long)"
            except csv.Error:
                fields, reason = None, "broken quoting"
            start, raw = lines.take()
            if expected is None:
                expected = len(fields) if fields is not None else 0
            elif fields is not None and len(fields) != expected:
                if len(raw) == 1 and not any(f.strip() for f in fields):
                    continue  # blank line
                if len(fields) > expected and not any(f.strip() for f in fields[expected:]):
                    fields = fields[:expected]  # trailing empty cells from a spreadsheet
                else:
                    fields, reason = None, f"has {len(fields)} fields, expected {expected}"
            if reason is not None and len(raw) > 1:
                # Report the line that opened the bad record; read the lines after it again.
                redo = raw[1:]
                raw = raw[:1]
            yield start, fields, raw, reason
        lines = _Lines(itertools.chain(redo, lines._lines), start + 1)


def _csv_export(stream, encoding, head, text_column, id_column, date_column, closer):
    header_line = head.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = _detect_delimiter(header_line)
    records = _csv_records(stream, delimiter)
    try:
        _, header, _, reason = next(records)
    except StopIteration:
        raise DataError("the file is empty") from None
    if header is None:
        raise DataError(f"cannot read the CSV header: {reason}")
    columns = _unique_columns(header)
    lower = {c.lower() for c in columns}
    kind = "freshdesk" if "ticket id" in lower and ("description" in lower or "subject" in lower) else "csv"

    # Look ahead at a few rows to guess the text column, then replay them.
    peeked = list(itertools.islice(records, 50))
    samples = [dict(zip(columns, f)) for _, f, _, _ in peeked if f is not None]
    guessed = text_column is None and kind != "freshdesk"
    if text_column is not None:
        text_col = _pick(columns, text_column, (), "text")
    elif kind == "freshdesk":
        text_col = _pick(columns, None, ("description", "description_text", "subject"), "text")
    else:
        text_col = _guess_text_column(columns, samples)
    id_col = _pick(columns, id_column, _ID_NAMES, "id")
    date_col = _pick(columns, date_column, _DATE_NAMES, "date")
    text_index = columns.index(text_col)

    rows = _csv_rows(itertools.chain(peeked, records), columns, text_index, encoding)
    export = Export(kind, columns, text_col, guessed, id_col, date_col, encoding, rows, closer)
    export.layout = CsvLayout(delimiter, columns, text_index, encoding)
    return export


@dataclass(frozen=True)
class CsvLayout:
    """What a piece of this CSV file needs to be read on its own, as its rows would be read here."""

    delimiter: str
    columns: list
    text_index: int
    encoding: str


def _csv_rows(records, columns, text_index, encoding):
    """:class:`Row` or :class:`Skipped` for each record of :func:`_csv_records` (header excluded)."""
    text_col = columns[text_index]
    for number, (line, fields, raw, reason) in enumerate(records, 1):
        if reason is None and any(_undecodable(r) for r in raw):
            reason = f"undecodable bytes (not valid {encoding})"
        if reason is not None:
            yield Skipped(number, line, reason)
            continue
        text = fields[text_index]
        if not text.strip():
            yield Skipped(number, line, f"no text in column {text_col!r}")
            continue
        yield Row(number, line, dict(zip(columns, fields)), text)


def _unique_columns(header):
    columns, seen = [], set()
    for index, name in enumerate(header, 1):
        name = name.strip().lstrip("\ufeff") or f"column_{index}"
        base, n = name, 2
        while name in seen:
            name, n = f"{base}_{n}", n + 1
        seen.add(name)
        columns.append(name)
    return columns


