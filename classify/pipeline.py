"""One export file through the model: the options, the run and its summary, for every path.

``attune classify`` runs :func:`classify_file` here with a local process pool; the Dask path runs
the same function on a worker, one task per file. Nothing else opens, writes or reports.
"""

import collections
import io
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from attune.model.errors import AttuneError, InvalidInput
from attune.model.labels import LABELS
from attune.model.limits import MAX_TEXT_CHARS

from attune.store.paths import current_model_dir

from . import parallel
from .pool import classify_chunks, load_model
from .readers import Row, Skipped, chunked, open_export
from .writers import make_writer, output_format

__all__ = ["ClassifyOptions", "Summary", "StrictError", "check_writable", "classify_export", "classify_file",
           "output_stream"]

CHUNK_ROWS = 1000
_MAX_SKIPS_KEPT = 1000


@dataclass(frozen=True)
class ClassifyOptions:
    """How to read an export and classify it; the same object serves the local and Dask paths."""

    input_format: str = "auto"  # auto, csv, json, jsonl
    text_column: str | None = None
    id_column: str | None = None
    date_column: str | None = None
    unit: str = "ticket"  # ticket, or comment (Zendesk)
    format: str | None = None  # output: csv or jsonl (None: from the output name)
    model: str | None = None  # model directory (None: the current model)
    max_chars: int = MAX_TEXT_CHARS
    strict: bool = False
    jobs: int = 1
    chunk_rows: int | None = None  # rows per chunk (None: CHUNK_ROWS)

    def open(self, source):
        """The export at ``source`` read as these options say."""
        return open_export(source, input_format=self.input_format, text_column=self.text_column,
                           id_column=self.id_column, date_column=self.date_column, unit=self.unit)

    def replace(self, **changes):
        return replace(self, **changes)


@dataclass
class Summary:
    """What a run did: rows read, per-label counts, and skipped rows with why."""

    rows: int = 0
    read: int = 0  # rows taken from the reader, some still in flight (for the progress bar)
    classified: int = 0
    labels: collections.Counter = field(default_factory=collections.Counter)
    skipped: list = field(default_factory=list)  # the first Skipped rows (bounded)
    skipped_total: int = 0
    skip_reasons: collections.Counter = field(default_factory=collections.Counter)
    seconds: float = 0.0

    def skip(self, skipped):
        self.skipped_total += 1
        self.skip_reasons[_reason_kind(skipped.reason)] += 1
        if len(self.skipped) < _MAX_SKIPS_KEPT:
            self.skipped.append(skipped)

    def merge(self, other):
        self.rows += other.rows
        self.read += other.read
        self.classified += other.classified
        self.labels.update(other.labels)
        self.skipped.extend(other.skipped[: _MAX_SKIPS_KEPT - len(self.skipped)])
        self.skipped_total += other.skipped_total
        self.skip_reasons.update(other.skip_reasons)
        return self


def _reason_kind(reason):
    # "no text in column 'x'" and "has 5 fields, expected 3" are counted by kind, not by detail.
    if reason.startswith("has ") and "fields" in reason:
        return "wrong number of fields"
    return reason.split(" (", 1)[0].split(" in ", 1)[0]


class StrictError(InvalidInput):
    """``--strict``: a bad row stops the run."""


def classify_export(export, writer, model_ref, *, jobs=1, max_chars=MAX_TEXT_CHARS, strict=False,
                    on_result=None, on_skip=None, on_chunk=None, chunk_rows=None):
    """Classify every row of ``export`` into ``writer``; return a :class:`Summary`.

    ``on_result(row, result)`` sees each classified row (the report), ``on_skip(skipped)`` each
    skipped one, ``on_chunk(summary)`` runs after each chunk (the progress bar).
    """
    summary = Summary()
    started = time.monotonic()

    def note_skip(skipped):
        if strict:
            where = f"row {skipped.row}" + (f" (line {skipped.line})" if skipped.line else "")
            raise StrictError(f"{where}: {skipped.reason} (--strict stops at the first bad row)")
        summary.skip(skipped)
        if on_skip:
            on_skip(skipped)

    def chunks():
        for items in chunked(export.rows(), chunk_rows or CHUNK_ROWS):
            summary.read += len(items)
            yield items, [item.text for item in items if isinstance(item, Row)]

    # The writer says which result fields it uses; the report reads them all (cues too).
    keep = None if on_result else getattr(writer, "result_keys", None)
    for items, results in classify_chunks(chunks(), model_ref, jobs, max_chars, keep):
        results = iter(results)
        for item in items:
            summary.rows += 1
            if isinstance(item, Skipped):
                note_skip(item)
                continue
            result = next(results)
            if isinstance(result, AttuneError):
                # Only the code: a model message could quote the (private) text.
                note_skip(Skipped(item.row, item.line, f"the model refused the text ({result.code})"))
                continue
            writer.write(item.fields, result)
            summary.classified += 1
            summary.labels[result["label"]] += 1
            if on_result:
                on_result(item, result)
        summary.seconds = time.monotonic() - started
        if on_chunk:
            on_chunk(summary)
    summary.seconds = time.monotonic() - started
    return summary


def check_writable(path, what="output"):
    """Raise :class:`InvalidInput` now, before any work, when ``path`` cannot be written."""
    if path in (None, "-"):
        return
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        raise InvalidInput(f"cannot write the {what} {path}: it is a folder")
    if not folder.is_dir():
        raise InvalidInput(f"cannot write the {what} {path}: there is no folder {folder}")
    if not os.access(folder, os.W_OK):
        raise InvalidInput(f"cannot write the {what} {path}: no permission to write in {folder}")


@contextmanager
def output_stream(path):
    """A text stream for ``path`` (``-`` or None: stdout); a file appears only if the block succeeds."""
    if path in (None, "-"):
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", errors="replace",
                                  newline="", write_through=False)
        try:
            yield stream
            stream.flush()
        finally:
            try:
                stream.detach()  # leave sys.stdout open for click
            except (BrokenPipeError, ValueError):
                pass
        return
    target = Path(path)
    tmp = target.with_name(f".{target.name}.part")
    try:
        stream = open(tmp, "w", encoding="utf-8", errors="replace", newline="")
    except OSError as exc:
        raise InvalidInput(f"cannot write the output {path}: {exc.strerror}") from exc
    try:
        yield stream
        stream.close()
        os.replace(tmp, target)
    finally:
        stream.close()
        tmp.unlink(missing_ok=True)


def classify_file(source, output, options, *, report=False, on_open=None, on_skip=None, on_chunk=None):
    """Classify the export at ``source`` into ``output`` (a path, or ``-`` for stdout).

    Returns ``(Summary, Aggregate or None)``; the aggregate (for the HTML report) is built when
    ``report`` is true. ``on_open(export)`` runs once the file is recognised, ``on_skip`` and
    ``on_chunk`` are passed to :func:`classify_export`.
    """
    aggregate = None
    check_writable(output)
    if report:
        from . import report as report_module

        report_module.plotly_js_path()  # no plotly: say so now, not after an hour of classifying
        aggregate = report_module.Aggregate()
    export = options.open(source)
    try:
        if on_open:
            on_open(export)
        if aggregate is not None:
            aggregate.describe(export)
        # One job: load the model here, so a bad model fails before any output is written.
        # Several: only the workers load it (one copy each; this process just reads and writes).
        # Resolved once: every worker must use the model current when the run started.
        model_dir = options.model if options.model is not None else current_model_dir()
        model_ref = load_model(model_dir) if options.jobs == 1 else model_dir
        labels = getattr(model_ref, "labels", LABELS)
        fmt = output_format(output, options.format)
        # CSV to CSV with several jobs: workers read and write their own rows (classify/parallel.py).
        fast = parallel.plan(source, export, options, fmt, report)
        with output_stream(output) as stream:
            writer = make_writer(stream, fmt, export.columns, labels)
            if fast:
                summary = parallel.run(fast, export, stream, model_ref, labels, Summary(), jobs=options.jobs,
                                       max_chars=options.max_chars, on_skip=on_skip, on_chunk=on_chunk)
            else:
                on_result = (lambda row, result: aggregate.add(row, result, export)) if aggregate else None
                summary = classify_export(export, writer, model_ref, jobs=options.jobs,
                                          max_chars=options.max_chars, strict=options.strict,
                                          on_result=on_result, on_skip=on_skip, on_chunk=on_chunk,
                                          chunk_rows=options.chunk_rows)
    finally:
        export.close()
    return summary, aggregate
