"""CSV to CSV past one reader: workers parse, classify and format their own rows.

With ``--jobs N`` the plain path's main process reads every record, builds every row and writes
every output line; at about 30,000 rows/s that process is the ceiling, however many workers wait.
Here the main process only cuts the file into byte pieces that end where a record ends, and writes
the bytes the workers send back, in order. Each worker reads its piece with the readers' own code
(``_csv_records``, ``_csv_rows``) and formats rows with the same :class:`CsvWriter`, so the output
bytes, row numbers, line numbers and skip reasons are those of the plain path (tested).

Where a piece is cut is decided by counting quotes: a newline after an even number of ``"`` since
the last cut ends a record in a well-formed file. A stray quote breaks that rule, so each worker
also says whether its piece read to the end cleanly; a piece that did not is joined to the next
one and read again, exactly as the plain reader would read on past it.

Used for CSV input from a file and CSV output, without ``--report`` or ``--strict``, with more
than one job; anything else takes the plain path (``pipeline.classify_export``).
"""

import collections
import concurrent.futures.process
import csv
import io
import itertools
import os
import time

from attune.model.errors import AttuneError, ModelError

from . import pool
from .readers import Skipped
from .readers.delimited import _csv_records, _csv_rows, _unique_columns
from .writers import CsvWriter

__all__ = ["plan", "run", "cut", "classify_piece", "CHUNK_BYTES"]

#: Bytes per piece (about 3,000 tickets of 300 characters).
CHUNK_BYTES = 1 << 20
#: Blocks read without a record end before a piece is cut at any newline.
_FORCE_CUT_BLOCKS = 8
#: Encodings in which a newline byte is always a newline character (not UTF-16).
_SPLITTABLE = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "cp1252": "cp1252", "latin-1": "latin-1",
               "ascii": "ascii"}


def cut(data):
    """The end of the last whole record in ``data`` (which starts at a record), or None."""
    odd = data.count(b'"') & 1
    end = len(data)
    while True:
        newline = data.rfind(b"\n", 0, end)
        if newline < 0:
            return None
        odd ^= data.count(b'"', newline + 1, end) & 1
        if not odd:
            return newline + 1
        end = newline


def _header_end(data):
    """The end of the first record in ``data`` (the header), or None."""
    start = odd = 0
    while True:
        newline = data.find(b"\n", start)
        if newline < 0:
            return None
        odd ^= data.count(b'"', start, newline) & 1
        if not odd:
            return newline + 1
        start = newline + 1


class Plan:
    """A CSV file that the parallel path can read: where its rows start and how to read them."""

    def __init__(self, path, layout, data_start, header_lines):
        self.path, self.layout, self.data_start, self.header_lines = path, layout, data_start, header_lines
        self.data_encoding = _SPLITTABLE[layout.encoding]


def plan(source, export, options, fmt, report):
    """A :class:`Plan` when this run can take the parallel path, else None."""
    layout = getattr(export, "layout", None)
    if (options.jobs <= 1 or options.strict or report or fmt != "csv" or layout is None
            or layout.encoding not in _SPLITTABLE or not isinstance(source, (str, os.PathLike))
            or str(source) == "-" or not os.path.isfile(source)):
        return None
    with open(source, "rb") as f:
        head = f.read(CHUNK_BYTES)
    end = _header_end(head)
    if end is None:
        return None
    text = head[:end].decode(layout.encoding, "surrogateescape")
    header_lines = list(io.StringIO(text, newline=""))
    records = list(csv.reader(header_lines, delimiter=layout.delimiter, strict=True))
    if len(records) != 1 or _unique_columns(records[0]) != list(layout.columns):
        return None  # a header this cut does not read the same way: leave it to the plain path
    return Plan(source, layout, end, len(header_lines))


def _pieces(path, start, size):
    """Yield the file from ``start`` in pieces of about ``size`` bytes that end where a record ends."""
    with open(path, "rb") as f:
        f.seek(start)
        carry = b""
        while True:
            block = f.read(size)
            if not block:
                if carry:
                    yield carry
                return
            data = carry + block
            end = cut(data)
            if end is None and len(data) >= _FORCE_CUT_BLOCKS * size:
                # No even-quote newline for many blocks: a stray quote flipped the count. Cut at a
                # newline anyway; if that is inside a record, the worker says so and the piece is
                # joined to the next (the reader gives up on a record past MAX_RECORD_CHARS).
                end = data.rfind(b"\n") + 1 or None
            if end is None:
                carry = data  # one record longer than a block: read on
                continue
            carry = data[end:]
            yield data[:end]


def _with_last(items):
    """Yield ``(item, is_last)``."""
    items = iter(items)
    try:
        previous = next(items)
    except StopIteration:
        return
    for item in items:
        yield previous, False
        previous = item
    yield previous, True


class _Counted:
    # The piece's lines, counted; ``done`` once the piece has no more to give.
    def __init__(self, text):
        self._lines = iter(io.StringIO(text, newline=""))
        self.count = 0
        self.done = False

    def __iter__(self):
        return self

    def __next__(self):
        try:
            line = next(self._lines)
        except StopIteration:
            self.done = True
            raise
        self.count += 1
        return line


def _watch(records, lines, clean):
    # A record that failed to parse after the piece ran out may have been cut short by the cut,
    # not by the file: the plain reader would have read on into the next piece.
    for record in records:
        if record[1] is None and lines.done:
            clean[0] = False
        yield record


def classify_piece(data, layout, encoding, labels, max_chars, keep, model=None):
    """Read, classify and format one piece; return its output bytes and what happened to its rows.

    Row and line numbers in ``skipped`` count from the piece's start (1); the caller adds the
    rows and lines before it. ``clean`` is false when the piece ended inside a broken record.
    """
    lines = _Counted(data.decode(encoding, "surrogateescape"))
    clean = [True]
    records = _watch(_csv_records(lines, layout.delimiter, expected=len(layout.columns)), lines, clean)
    items = list(_csv_rows(records, layout.columns, layout.text_index, layout.encoding))
    texts = [item.text for item in items if not isinstance(item, Skipped)]
    m = model if model is not None else pool._worker_model
    results = iter(pool.analyze_texts(m, texts, max_chars, keep) if texts else ())
    out = io.StringIO()
    writer = CsvWriter(out, layout.columns, labels, header=False)
    skipped, seen, classified = [], collections.Counter(), 0
    for item in items:
        if isinstance(item, Skipped):
            skipped.append((item.row, item.line, item.reason))
            continue
        result = next(results)
        if isinstance(result, AttuneError):
            # Only the code: a model message could quote the (private) text.
            skipped.append((item.row, item.line, f"the model refused the text ({result.code})"))
            continue
        writer.write(item.fields, result)
        classified += 1
        seen[result["label"]] += 1
    # The output file is UTF-8 with errors="replace" (pipeline.output_stream): the same bytes.
    return {"out": out.getvalue().encode("utf-8", "replace"), "rows": len(items), "lines": lines.count,
            "skipped": skipped, "labels": seen, "classified": classified, "clean": clean[0]}


class _Sent:
    # Bytes handed to the workers so far, for the progress bar (Export.progress).
    consumed = 0


class _Run:
    """One parallel run: the summary, and the rows and lines before the next piece."""

    def __init__(self, summary, plan, stream, on_skip):
        self.summary, self.on_skip = summary, on_skip
        self.rows, self.lines = 0, plan.header_lines
        stream.flush()  # the header, written as text; the rows follow as bytes
        self.out = stream.buffer

    def apply(self, result):
        summary = self.summary
        for row, line, reason in result["skipped"]:
            skipped = Skipped(row + self.rows, line + self.lines if line else line, reason)
            summary.skip(skipped)
            if self.on_skip:
                self.on_skip(skipped)
        self.out.write(result["out"])
        self.rows += result["rows"]
        self.lines += result["lines"]
        summary.rows += result["rows"]
        summary.read += result["rows"]
        summary.classified += result["classified"]
        summary.labels.update(result["labels"])


def run(plan, export, stream, model_ref, labels, summary, *, jobs, max_chars, on_skip=None,
        on_chunk=None, chunk_bytes=None, clock=None):
    """Classify ``plan``'s file into ``stream`` (its header already written); fill ``summary``."""
    clock = clock or time.monotonic
    started = clock()
    sent = _Sent()
    export._progress = (sent, os.path.getsize(plan.path))
    state = _Run(summary, plan, stream, on_skip)
    args = (plan.layout, plan.data_encoding, tuple(labels), max_chars, CsvWriter.result_keys)
    pieces = _with_last(_pieces(plan.path, plan.data_start, chunk_bytes or CHUNK_BYTES))
    head = list(itertools.islice(pieces, 2))

    def done(result):
        state.apply(result)
        summary.seconds = clock() - started
        if on_chunk:
            on_chunk(summary)

    if len(head) < 2:  # one piece: no pool to start for a small file
        m = pool.load_model(model_ref)
        for data, _ in head:
            sent.consumed += len(data)
            done(classify_piece(data, *args, model=m))
        summary.seconds = clock() - started
        return summary
    source = itertools.chain(head, pieces)
    with pool._pool(jobs, model_ref) as executor:
        pending = collections.deque()

        def submit(data, last):
            sent.consumed += len(data)
            pending.append((data, last, executor.submit(classify_piece, data, *args)))

        try:
            for data, last in itertools.islice(source, 2 * jobs):
                submit(data, last)
            while pending:
                data, last, future = pending.popleft()
                result = future.result()
                if not result["clean"] and not last:
                    _join_and_resubmit(data, pending, source, submit, sent)
                    continue
                done(result)
                for data, last in itertools.islice(source, 1):
                    submit(data, last)
        except concurrent.futures.process.BrokenProcessPool as exc:
            pool.load_model(model_ref)  # a model that cannot load says why, here, in one line
            raise ModelError(f"a worker process stopped: {exc}") from exc
    summary.seconds = clock() - started
    return summary


def _join_and_resubmit(data, pending, source, submit, sent):
    # The piece ended inside a broken record: join it to the next piece and read both again;
    # the pieces after it started where the plain reader might not have, so they go again too.
    later = [(d, last) for d, last, _ in pending]
    for _, _, future in pending:
        future.cancel()
    pending.clear()
    sent.consumed -= len(data) + sum(len(d) for d, _ in later)  # submit counts them again
    if not later:
        later = [next(source)]  # there is one: this piece was not the last
    (following, last), rest = later[0], later[1:]
    submit(data + following, last)
    for d, last in rest:
        submit(d, last)
