"""Read helpdesk exports as a stream of rows: CSV, JSON arrays, JSONL, Zendesk and Freshdesk.

Every input becomes :class:`Export`, whose ``rows()`` yields :class:`Row` (a record with its text) or
:class:`Skipped` (a bad record with its row number and why). A bad record never stops the file and
never moves another record: CSV lines swallowed by a stray quote are read again on their own.
Memory stays bounded by one record (CSV records are capped at ``MAX_RECORD_CHARS``).
"""

import codecs
import csv
import io
import itertools
import json
import os
import re
import sys
from dataclasses import dataclass, field

from model.errors import DataError, InvalidInput

__all__ = [
    "Export",
    "Row",
    "Skipped",
    "open_export",
    "detect_encoding",
    "chunked",
    "MAX_RECORD_CHARS",
    "CsvWriter",
    "JsonlWriter",
    "make_writer",
    "output_format",
    "result_columns",
]

#: A CSV record longer than this is taken as broken quoting (no real ticket is 1M characters).
MAX_RECORD_CHARS = 1_000_000
_SAMPLE_BYTES = 1 << 20
# Long ticket bodies are real; the default 128 KiB cell limit would call them broken.
csv.field_size_limit(max(csv.field_size_limit(), MAX_RECORD_CHARS + 1))

# Column names tried, in order, when no --text-column is given (compared case-insensitively).
_TEXT_NAMES = (
    "text", "message", "body", "plain_body", "description", "description_text", "comment",
    "content", "customer_message", "ticket_text", "question", "request", "feedback", "subject",
)
_ID_NAMES = ("id", "ticket id", "ticket_id", "ticketid", "comment_id", "message_id", "uuid", "key")
_DATE_NAMES = (
    "created_at", "created time", "created", "created_date", "creation_date", "date_created",
    "createdat", "timestamp", "date", "time", "sent_at", "received_at",
)


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


# --- bytes and encodings ---------------------------------------------------------------------


def detect_encoding(sample):
    """Return ``utf-8-sig``, ``utf-8`` or ``cp1252`` for the first bytes of a file.

    A file whose non-ASCII bytes are mostly valid UTF-8 is UTF-8 (its few bad bytes become bad
    rows); otherwise it is taken as Windows-1252, the usual encoding of spreadsheet exports.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.isascii():
        return "utf-8"
    # Incremental, so a character cut at the end of the sample is not counted as bad.
    text = codecs.getincrementaldecoder("utf-8")("surrogateescape").decode(sample, final=False)
    bad = sum(1 for ch in text if "\udc80" <= ch <= "\udcff")
    good = sum(1 for ch in text if ord(ch) > 127) - bad
    return "utf-8" if bad <= good else "cp1252"


def _undecodable(text):
    """True when ``text`` holds bytes that were not valid in the file's encoding."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class _Prefixed(io.RawIOBase):
    # Lets a non-seekable stream (stdin) be sniffed: the sample is served again before the rest.
    def __init__(self, prefix, stream):
        self._prefix = memoryview(prefix)
        self._stream = stream
        self.consumed = 0  # bytes handed on, for the progress bar

    def readable(self):
        return True

    def readinto(self, buffer):
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            self.consumed += n
            return n
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        self.consumed += len(data)
        return len(data)


def _open_text(source):
    """Open a path, ``-`` (stdin) or binary stream as text: (stream, encoding, head, closer, progress)."""
    if source == "-":
        binary = sys.stdin.buffer
    elif hasattr(source, "read"):
        binary = source
    else:
        try:
            binary = open(source, "rb")
        except OSError as exc:
            raise InvalidInput(f"cannot open {source}: {exc.strerror}") from exc
    sample = binary.read(_SAMPLE_BYTES)
    encoding = detect_encoding(sample)
    raw = _Prefixed(sample, binary)
    text = io.TextIOWrapper(
        io.BufferedReader(raw, 1 << 16), encoding=encoding, errors="surrogateescape", newline=""
    )
    head = sample.decode(encoding, errors="replace")
    closer = binary.close if binary is not sys.stdin.buffer else None
    try:
        total = os.fstat(binary.fileno()).st_size or None
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        total = None
    return text, encoding, head, closer, (raw, total)


# --- format detection ------------------------------------------------------------------------


def _detect_kind(source, head):
    name = source.lower() if isinstance(source, str) else ""
    for suffix, kind in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "json"),
                         (".csv", "csv"), (".tsv", "csv")):
        if name.endswith(suffix):
            return kind
    stripped = head.lstrip("\ufeff \t\r\n")
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        first = stripped.split("\n", 1)[0]
        try:
            json.loads(first)
            return "jsonl"
        except ValueError:
            return "json"
    return "csv"


def _detect_delimiter(header_line):
    counts = {d: header_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _pick(columns, wanted, names, what):
    """Return the column asked for, or the first known name present, or None."""
    if wanted is not None:
        if wanted in columns:
            return wanted
        lowered = {c.lower(): c for c in columns}
        if wanted.lower() in lowered:
            return lowered[wanted.lower()]
        raise InvalidInput(
            f"no {what} column {wanted!r}; columns are: {', '.join(map(str, columns)) or '(none)'}"
        )
    lowered = {str(c).strip().lower(): c for c in columns}
    for name in names:
        if name in lowered:
            return lowered[name]
    return None


def _guess_text_column(columns, samples):
    """Prefer a known name; else the column whose sampled values are the longest prose."""
    known = _pick(columns, None, _TEXT_NAMES, "text")
    if known is not None:
        return known
    best, best_len = None, 0.0
    for column in columns:
        values = [s.get(column) for s in samples]
        values = [v for v in values if isinstance(v, str) and v.strip()]
        if not values:
            continue
        mean = sum(len(v) for v in values) / len(values)
        wordy = sum(1 for v in values if " " in v.strip()) / len(values)
        if wordy >= 0.5 and mean > best_len:
            best, best_len = column, mean
    if best is None:
        raise InvalidInput(
            "cannot tell which column holds the ticket text; pass --text-column "
            f"(columns are: {', '.join(map(str, columns))})"
        )
    return best


# --- CSV -------------------------------------------------------------------------------------


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


def _csv_records(stream, delimiter):
    """Yield (line, fields or None, raw_lines, reason) for each CSV record, the header first.

    csv.reader does the parsing at C speed; when a record spans several lines and does not parse
    cleanly (wrong field count, stray quote, too long), only its first line is reported and the
    lines after it are parsed again, so a stray quote cannot swallow the rows that follow.
    """
    lines = _Lines(iter(stream), 1)
    expected = None
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

    def rows():
        for number, (line, fields, raw, reason) in enumerate(itertools.chain(peeked, records), 1):
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

    return Export(kind, columns, text_col, guessed, id_col, date_col, encoding, rows(), closer)


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


# --- JSON and JSONL --------------------------------------------------------------------------

_WS = re.compile(r"[\s,]*")
_RESYNC = re.compile(r"\n[ \t]*\{")
_TICKETS_KEY = re.compile(r'"tickets"\s*:\s*\[')


def _json_array_items(stream):
    """Yield (line, item or None, reason) from a JSON array, or the ``tickets`` array of a
    Zendesk page, reading a block at a time. A broken item is skipped by finding the next
    line that starts an object."""
    decoder = json.JSONDecoder()
    buf, pos, line, eof = "", 0, 1, False

    def fill():
        nonlocal buf, pos, eof
        block = stream.read(1 << 16)
        if not block:
            eof = True
        buf = buf[pos:] + block
        pos = 0

    fill()
    start = _WS.match(buf.lstrip("\ufeff")).end() + (len(buf) - len(buf.lstrip("\ufeff")))
    while buf[start:start + 1] == "{" and not eof and not _TICKETS_KEY.search(buf):
        fill()  # a Zendesk page: look further for its "tickets" key
    if buf[start:start + 1] == "{":
        found = _TICKETS_KEY.search(buf)
        if not found:
            raise DataError('a JSON object was given; expected an array or a Zendesk "tickets" page')
        start = found.end()
    elif buf[start:start + 1] == "[":
        start += 1
    else:
        raise DataError("not a JSON array")
    line += buf.count("\n", 0, start)
    pos = start
    while True:
        m = _WS.match(buf, pos)
        line += buf.count("\n", pos, m.end())
        pos = m.end()
        if pos >= len(buf) - 1 and not eof:
            fill()
            continue
        if pos >= len(buf) or buf[pos] == "]":
            return
        try:
            item, end = decoder.raw_decode(buf, pos)
        except ValueError:
            if not eof and len(buf) - pos < MAX_RECORD_CHARS:
                fill()  # the item may just be cut at the end of the block
                continue
            yield line, None, "broken JSON"
            nxt = _RESYNC.search(buf, pos + 1)
            while nxt is None and not eof:
                line += buf.count("\n", pos)
                pos = len(buf)
                fill()
                nxt = _RESYNC.search(buf)
            if nxt is None:
                return
            line += buf.count("\n", pos, nxt.start() + 1)
            pos = nxt.start() + 1
            continue
        if end >= len(buf) and not eof:
            fill()  # a number or literal may continue in the next block
            continue
        raw_line = line
        line += buf.count("\n", pos, end)
        pos = end
        if len(buf) - pos < 1 << 15 and not eof:
            fill()
        yield raw_line, item, None


def _jsonl_items(stream):
    for line_no, text in enumerate(stream, 1):
        if not text.strip():
            continue
        try:
            item = json.loads(text)
        except ValueError:
            yield line_no, None, "broken JSON"
            continue
        if isinstance(item, dict) and isinstance(item.get("tickets"), list):
            for ticket in item["tickets"]:  # a Zendesk API page per line
                yield line_no, ticket, None
            continue
        yield line_no, item, None


def _is_zendesk(item):
    return isinstance(item, dict) and "description" in item and (
        "requester_id" in item or "via" in item or "comments" in item or "ticket_form_id" in item
    )


def _flat(value):
    """A JSON value as one CSV-friendly cell."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return " ".join(value)  # Zendesk tags
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _zendesk_units(item, unit):
    """Rows of one Zendesk ticket: the ticket (its description) or each requester comment."""
    ticket = {k: v for k, v in item.items() if k != "comments"}
    if unit == "ticket" or not isinstance(item.get("comments"), list):
        return [(ticket, item.get("description"))]
    requester = item.get("requester_id")
    rows = []
    for comment in item["comments"]:
        if not isinstance(comment, dict):
            continue
        if requester is not None and comment.get("author_id") not in (None, requester):
            continue  # agents' replies are not the customer's feelings
        row = dict(ticket)
        row.pop("description", None)
        row.pop("id", None)
        row["ticket_id"] = item.get("id")
        row["comment_id"] = comment.get("id")
        row["comment_created_at"] = comment.get("created_at")
        row["comment_public"] = comment.get("public")
        text = comment.get("plain_body") or comment.get("body") or ""
        row["comment_body"] = text
        rows.append((row, text))
    return rows


def _json_export(items, encoding, text_column, id_column, date_column, unit, closer, kind):
    items = iter(items)
    peeked = list(itertools.islice(items, 50))
    first = [item for _, item, _ in peeked if isinstance(item, dict)]
    if first and all(_is_zendesk(item) for item in first):
        kind = "zendesk"
    if unit == "comment" and kind != "zendesk":
        raise InvalidInput("--unit comment needs a Zendesk export (tickets with comments)")
    strings = bool(peeked) and all(isinstance(item, str) for _, item, _ in peeked if item is not None)

    if kind == "zendesk":
        columns = []
        for item in first:
            for row, _ in _zendesk_units(item, unit):
                columns.extend(k for k in row if k not in columns)
        text_col = "comment_body" if unit == "comment" else "description"
        if text_column is not None:
            text_col = _pick(columns, text_column, (), "text")
        id_col = "comment_id" if unit == "comment" else "id"
        id_col = id_column or id_col
        date_col = date_column or ("comment_created_at" if unit == "comment" else "created_at")
        guessed = False
    elif strings:
        columns, text_col, guessed, id_col, date_col = ["text"], "text", True, None, None
    else:
        columns = []
        for item in first:
            columns.extend(k for k in item if k not in columns)
        guessed = text_column is None
        if text_column is not None:
            text_col = text_column if any(text_column in i for i in first) else None
            if text_col is None:
                text_col = _pick(columns, text_column, (), "text")
        else:
            text_col = _guess_text_column(columns, first)
        id_col = _pick(columns, id_column, _ID_NAMES, "id") if columns else id_column
        date_col = _pick(columns, date_column, _DATE_NAMES, "date") if columns else date_column

    def rows():
        number = 0
        for line, item, reason in itertools.chain(peeked, items):
            if reason is None and not isinstance(item, (dict, str)):
                reason = "not an object"
            if reason is not None:
                number += 1
                yield Skipped(number, line, reason)
                continue
            if isinstance(item, str):
                units = [({"text": item}, item)]
            elif kind == "zendesk":
                units = _zendesk_units(item, unit)
            else:
                units = [(item, item.get(text_col))]
            for fields, text in units:
                number += 1
                if not isinstance(text, str) or not text.strip():
                    yield Skipped(number, line, f"no text in {text_col!r}")
                elif _undecodable(text):
                    yield Skipped(number, line, f"undecodable bytes (not valid {encoding})")
                else:
                    yield Row(number, line, fields, text)

    return Export(kind, columns, text_col, guessed, id_col, date_col, encoding, rows(), closer)


# --- entry point -----------------------------------------------------------------------------


def open_export(source, *, input_format="auto", text_column=None, id_column=None,
                date_column=None, unit="ticket"):
    """Open ``source`` (a path, ``-`` for stdin, or a binary stream) as an :class:`Export`.

    ``input_format`` is ``auto`` (by extension, else by content), ``csv``, ``json`` or ``jsonl``;
    ``unit`` is ``ticket`` or ``comment`` (one row per requester comment of a Zendesk export).
    Raises :class:`InvalidInput` or :class:`DataError` with a clear message when the file as a
    whole cannot be read; single bad records are yielded as :class:`Skipped` instead.
    """
    if unit not in ("ticket", "comment"):
        raise InvalidInput(f"unknown unit {unit!r}; expected ticket or comment")
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    stream, encoding, head, closer, progress = _open_text(source)
    try:
        kind = _detect_kind(source, head) if input_format == "auto" else input_format
        if kind == "csv":
            if unit == "comment":
                raise InvalidInput("--unit comment needs a Zendesk JSON or JSONL export")
            export = _csv_export(stream, encoding, head, text_column, id_column, date_column, closer)
        elif kind in ("json", "jsonl"):
            items = _json_array_items(stream) if kind == "json" else _jsonl_items(stream)
            export = _json_export(items, encoding, text_column, id_column, date_column, unit,
                                  closer, kind)
        else:
            raise InvalidInput(f"unknown input format {input_format!r}; expected csv, json or jsonl")
        export._progress = progress
        return export
    except Exception:
        if closer:
            closer()
        raise


# --- writing results -------------------------------------------------------------------------

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

    def __init__(self, stream, columns, labels):
        self._labels = tuple(labels)
        self._columns = list(columns)
        self._writer = csv.writer(stream)
        self._writer.writerow(self._columns + result_columns(self._columns, self._labels))

    def write(self, fields, result):
        scores = result["scores"]
        self._writer.writerow(
            [_flat(fields.get(c)) for c in self._columns]
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
