"""Which format a file is, and which columns hold the text, the id and the date."""

import json
import re

from attune.model.errors import InvalidInput


# Column names tried, in order, when no --text-column is given (compared case-insensitively).
_TEXT_NAMES = (
    "text", "message", "body", "plain_body", "description", "description_text", "comment",
    "content", "customer_message", "ticket_text", "question", "request", "feedback",
)
_WORD = re.compile(r"[^\W\d_]{2,}")
_ID_NAMES = ("id", "ticket id", "ticket_id", "ticketid", "comment_id", "message_id", "uuid", "key")
_DATE_NAMES = (
    "created_at", "created time", "created at", "created", "created_date", "creation_date", "date_created",
    "createdat", "timestamp", "date", "time", "sent_at", "received_at",
)


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
    """A known text name whose sampled cells hold text; else the column whose sampled values are
    the longest prose. A subject line is no known name: it is read only when nothing longer is."""
    lowered = {str(c).strip().lower(): c for c in columns}
    for name in _TEXT_NAMES:
        column = lowered.get(name)
        if column is not None and (not samples or any(_is_text(s.get(column)) for s in samples)):
            return column
    best, best_len = None, 0.0
    for column in columns:
        values = [s.get(column) for s in samples]
        values = [v for v in values if _is_text(v)]
        if not values:
            continue
        mean = sum(len(v) for v in values) / len(values)
        wordy = sum(1 for v in values if len(_WORD.findall(v)) >= 2) / len(values)
        if wordy >= 0.5 and mean > best_len:
            best, best_len = column, mean
    if best is None:
        raise InvalidInput(
            "cannot tell which column holds the ticket text; pass --text-column "
            f"(columns are: {', '.join(map(str, columns))})"
        )
    return best


def _is_text(value):
    return isinstance(value, str) and bool(value.strip())
