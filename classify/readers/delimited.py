"""CSV and TSV: records streamed with their line numbers; a stray quote costs one row, not the rest."""

import csv
import itertools
import tempfile
from dataclasses import dataclass

from attune.model.errors import DataError

from .base import MAX_RECORD_CHARS, Export, Row, Skipped
from .columns import _DATE_NAMES, _ID_NAMES, _detect_delimiter, _guess_text_column, _pick
from .encoding import _undecodable


class _Pending:
    """The physical lines of the record being read, kept so a bad record can be read again line
    by line. Past ``MAX_RECORD_CHARS`` they go to an unnamed temporary file (gone when closed):
    a giant field is held once, by csv.reader, not twice."""

    def __init__(self):
        self.count, self._lines, self._chars, self._file = 0, [], 0, None

    def add(self, line):
        self.count += 1
        if self._file is not None:
            self._file.write(line)
            return
        self._lines.append(line)
        self._chars += len(line)
        if self._chars > MAX_RECORD_CHARS:
            self._file = tempfile.TemporaryFile("w+", encoding="utf-8", errors="surrogatepass",
                                                newline="")
            self._file.writelines(self._lines)
            self._lines = []

    def lines_after_first(self):
        """The lines after the record's first, to be read again (from disk when spilled)."""
        if self._file is None:
            return iter(self._lines[1:])
        spill, self._file = self._file, None
        spill.seek(0)
        return _closing_lines(spill)

    def close(self):
        if self._file is not None:
            self._file.close()


def _closing_lines(f):
    # The same line breaks as the input (newline=""), so line numbers stay right.
    with f:
        next(f, None)
        yield from f


class _Lines:
    # Feeds physical lines to csv.reader and remembers them, so a record can be taken apart again.
    def __init__(self, lines, first_line):
        self._lines = lines
        self.pending = _Pending()
        self.next_line = first_line  # physical line number of the next line handed out

    def __iter__(self):
        return self

    def __next__(self):
        line = next(self._lines)
        self.pending.add(line)
        return line

    def take(self):
        pending, self.pending = self.pending, _Pending()
        start = self.next_line
        self.next_line += pending.count
        return start, pending


def _csv_records(stream, delimiter, expected=None, first_line=1):
    """Yield (line, fields or None, reason) for each CSV record, the header first.

    csv.reader does the parsing at C speed, and a quoted field may be of any length. When a
    record spans several lines and does not parse cleanly (wrong field count, stray quote, a
    quote never closed), only its first line is reported and the lines after it are parsed
    again, so a stray quote cannot swallow the rows that follow. ``expected`` (the header's field
    count) and ``first_line`` let a piece of a file that starts after its header be read the same
    way (the parallel path's workers, ``classify/parallel.py``).
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
                if not lines.pending.count:
                    return
                fields, reason = None, "broken quoting (quoted field never closed)"
            except csv.Error as exc:
                too_long = "field limit" in str(exc)
                fields, reason = None, "broken quoting (quote still open after the longest field)" if too_long \
                    else "broken quoting"
            start, pending = lines.take()
            if expected is None:
                expected = len(fields) if fields is not None else 0
            elif fields is not None and len(fields) != expected:
                if pending.count == 1 and not any(f.strip() for f in fields):
                    continue  # blank line
                if len(fields) > expected and not any(f.strip() for f in fields[expected:]):
                    fields = fields[:expected]  # trailing empty cells from a spreadsheet
                else:
                    fields, reason = None, f"has {len(fields)} fields, expected {expected}"
            if reason is not None and pending.count > 1:
                # Report the line that opened the bad record; read the lines after it again.
                redo = pending.lines_after_first()
            pending.close()
            yield start, fields, reason
        lines = _Lines(itertools.chain(redo, lines._lines), start + 1)


def _csv_export(stream, encoding, head, text_column, id_column, date_column, closer):
    header_line = head.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = _detect_delimiter(header_line)
    records = _csv_records(stream, delimiter)
    try:
        _, header, reason = next(records)
    except StopIteration:
        raise DataError("the file is empty") from None
    if header is None:
        raise DataError(f"cannot read the CSV header: {reason}")
    if not any(name.strip() for name in header):
        raise DataError("the file is empty or its first line is blank (expected the column names)")
    columns = _unique_columns(header)
    lower = {c.lower() for c in columns}
    # Freshdesk's ticket export: Ticket ID and Description (docs/classify.md).
    kind = "freshdesk" if {"ticket id", "description"} <= lower else "csv"

    # Look ahead at a few rows to guess the text column, then replay them.
    peeked = list(itertools.islice(records, 50))
    samples = [dict(zip(columns, f)) for _, f, _ in peeked if f is not None]
    if text_column is not None:
        text_col, how = _pick(columns, text_column, (), "text"), "given"
    elif not peeked:
        text_col, how = None, "guessed"  # no records: nothing to read, nothing to guess from
    elif kind == "freshdesk":
        text_col, how = _pick(columns, None, ("description",), "text"), "format"
    else:
        text_col, how = _guess_text_column(columns, samples), "guessed"
    id_col = _pick(columns, id_column, _ID_NAMES, "id")
    date_col = _pick(columns, date_column, _DATE_NAMES, "date")
    text_index = columns.index(text_col) if text_col is not None else None

    rows = _csv_rows(itertools.chain(peeked, records), columns, text_index, encoding)
    export = Export(kind, columns, text_col, how == "guessed", id_col, date_col, encoding, rows, closer,
                    text_column_how=how, empty=not peeked)
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
    text_col = columns[text_index] if text_index is not None else None  # no records: nothing read
    for number, (line, fields, reason) in enumerate(records, 1):
        if reason is None and any(_undecodable(f) for f in fields):
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


