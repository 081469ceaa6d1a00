"""Read helpdesk exports as a stream of rows: CSV, JSON arrays, JSONL, Zendesk and Freshdesk.

Every input becomes :class:`Export`, whose ``rows()`` yields :class:`Row` (a record with its text) or
:class:`Skipped` (a bad record with its row number and why). A bad record never stops the file and
never moves another record: CSV lines swallowed by a stray quote are read again on their own.
Memory stays bounded by one record (a CSV record's lines past ``MAX_RECORD_CHARS`` wait on disk).
"""

import os

from attune.model.errors import InvalidInput

from .base import MAX_RECORD_CHARS, Export, Row, Skipped, chunked
from .columns import _detect_kind
from .delimited import _csv_export
from .encoding import _open_text, detect_encoding
from .jsonish import _json_array_items, _json_export, _jsonl_items

__all__ = ["Export", "Row", "Skipped", "open_export", "detect_encoding", "chunked", "MAX_RECORD_CHARS"]


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
            # A Zendesk API page ({"tickets": [...]}) rather than a bare array.
            page = kind == "json" and head.lstrip("\ufeff \t\r\n").startswith("{")
            items = _json_array_items(stream) if kind == "json" else _jsonl_items(stream)
            export = _json_export(items, encoding, text_column, id_column, date_column, unit,
                                  closer, kind, page)
        else:
            raise InvalidInput(f"unknown input format {input_format!r}; expected csv, json or jsonl")
        export._progress = progress
        return export
    except Exception:
        if closer:
            closer()
        raise


