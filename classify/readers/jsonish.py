"""JSON arrays, JSONL, and Zendesk exports: items streamed one by one, bad items skipped in place."""

import itertools
import json
import re

from attune.model.errors import DataError, InvalidInput

from .base import MAX_RECORD_CHARS, Export, Row, Skipped
from .columns import _DATE_NAMES, _ID_NAMES, _guess_text_column, _pick
from .encoding import _undecodable

_WS = re.compile(r"[\s,]*")
_TICKETS_KEY = re.compile(r'"tickets"\s*:\s*\[')
_BRACKETS = re.compile(r'[{}\[\]"\\\n]')
# Where a next item may start: an object after a comma or at the start of a line.
_NEXT_OBJECT = re.compile(r"(?:,|\n)[ \t\r\n]*(?=\{)")
_AFTER_ITEM = re.compile(r"\s*(?:[,\]]|$)")


def _item_end(buf, pos):
    """Where the item opened at ``pos`` closes by its brackets (strings respected), or None.

    A newline ends a string (JSON strings hold none), so an unclosed quote in pretty-printed JSON
    costs one line of bracket counting, not the rest of the file.
    """
    stack, in_string, i = [], False, pos
    while True:
        m = _BRACKETS.search(buf, i)
        if m is None:
            return None
        i, ch = m.start(), m.group()
        if in_string:
            if ch == "\\":
                i += 1
            elif ch in '"\n':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]":
            if not stack or stack.pop() != ch:
                return None
            if not stack:
                return i + 1
        i += 1


def _resync(buf, pos, eof, decoder, first):
    """After a broken item at ``pos``: ("at", p) to go on reading at p; ("more", p) to read more
    (nothing before p can start the next item); ("end", None) when no item follows.
    ``first`` is true when ``pos`` is where the broken item starts (not a later block)."""
    if first and buf[pos:pos + 1] in ("{", "["):
        end = _item_end(buf, pos)
        if end is not None and _AFTER_ITEM.match(buf, end):
            return "at", end
    # The brackets do not balance (an unclosed string on one line, an item cut short): the next
    # item is the first object after a comma or a line start that parses and is followed by , or ].
    at = pos + 1 if first else pos
    while True:
        m = _NEXT_OBJECT.search(buf, at)
        if m is None:
            return ("end", None) if eof else ("more", max(pos + 1, len(buf) - 4096))
        start = m.end()
        try:
            item, end = decoder.raw_decode(buf, start)
        except ValueError:
            if not eof and len(buf) - start < MAX_RECORD_CHARS:
                return "more", m.start()  # this candidate may be cut by the end of the block
            at = start + 1
            continue
        if isinstance(item, dict) and _AFTER_ITEM.match(buf, end):
            return "at", start
        at = start + 1


class _Blocks:
    """The text read so far from ``pos`` on, a block at a time, and the line ``pos`` is on."""

    def __init__(self, stream):
        self.stream, self.buf, self.pos, self.line, self.eof = stream, "", 0, 1, False
        self.fill()

    def fill(self):
        block = self.stream.read(1 << 16)
        if not block:
            self.eof = True
        self.buf = self.buf[self.pos:] + block
        self.pos = 0

    def move(self, to):
        self.line += self.buf.count("\n", self.pos, to)
        self.pos = to


def _open_array(b):
    """Move ``b`` past the ``[`` of the array, or of a Zendesk page's ``"tickets": [``."""
    bom = len(b.buf) - len(b.buf.lstrip("\ufeff"))
    start = _WS.match(b.buf, bom).end()
    while b.buf[start:start + 1] == "{" and not b.eof and not _TICKETS_KEY.search(b.buf):
        b.fill()  # a Zendesk page: look further for its "tickets" key
    if b.buf[start:start + 1] == "{":
        found = _TICKETS_KEY.search(b.buf)
        if not found:
            raise DataError('a JSON object was given; expected an array or a Zendesk "tickets" page')
        start = found.end()
    elif b.buf[start:start + 1] == "[":
        start += 1
    else:
        raise DataError("not a JSON array")
    b.move(start)


def _skip_broken(b, decoder):
    """Move ``b`` past the broken item at its position; False when no item follows."""
    first = True
    while True:
        how, at = _resync(b.buf, b.pos, b.eof, decoder, first)
        if how == "end":
            return False
        b.move(at)
        if how == "at":
            return True
        first = False
        b.fill()


def _json_array_items(stream):
    """Yield (line, item or None, reason) from a JSON array, or the ``tickets`` array of a
    Zendesk page, reading a block at a time. A broken item is skipped by its brackets, or by
    finding the next object that parses, on the same line or a later one."""
    decoder = json.JSONDecoder()
    b = _Blocks(stream)
    _open_array(b)
    while True:
        b.move(_WS.match(b.buf, b.pos).end())
        if b.pos >= len(b.buf) - 1 and not b.eof:
            b.fill()
            continue
        if b.pos >= len(b.buf) or b.buf[b.pos] == "]":
            return
        try:
            item, end = decoder.raw_decode(b.buf, b.pos)
        except ValueError:
            if not b.eof and len(b.buf) - b.pos < MAX_RECORD_CHARS:
                b.fill()  # the item may just be cut at the end of the block
                continue
            yield b.line, None, "broken JSON"
            if not _skip_broken(b, decoder):
                return
            continue
        if end >= len(b.buf) and not b.eof:
            b.fill()  # a number or literal may continue in the next block
            continue
        line = b.line
        b.move(end)
        if len(b.buf) - b.pos < 1 << 15 and not b.eof:
            b.fill()
        yield line, item, None


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


def _zendesk_columns(first, unit, text_column, id_column, date_column):
    """(columns, text column, how it was chosen, id column, date column) of Zendesk tickets."""
    columns = []
    for item in first:
        for row, _ in _zendesk_units(item, unit):
            columns.extend(k for k in row if k not in columns)
    comment = unit == "comment"
    if text_column is not None:
        text_col, how = _pick(columns, text_column, (), "text"), "given"
    else:
        text_col, how = ("comment_body" if comment else "description"), "format"
    id_col = id_column or ("comment_id" if comment else "id")
    date_col = date_column or ("comment_created_at" if comment else "created_at")
    return columns, text_col, how, id_col, date_col


def _item_columns(first, text_column, id_column, date_column):
    """The same for objects of any other kind: keys of the first items, the text key guessed."""
    columns = []
    for item in first:
        columns.extend(k for k in item if k not in columns)
    if text_column is not None:
        how = "given"
        text_col = text_column if any(text_column in i for i in first) else None
        if text_col is None:
            text_col = _pick(columns, text_column, (), "text")
    else:
        text_col, how = _guess_text_column(columns, first), "guessed"
    id_col = _pick(columns, id_column, _ID_NAMES, "id") if columns else id_column
    date_col = _pick(columns, date_column, _DATE_NAMES, "date") if columns else date_column
    return columns, text_col, how, id_col, date_col


def _json_export(items, encoding, text_column, id_column, date_column, unit, closer, kind, page=False):
    items = iter(items)
    peeked = list(itertools.islice(items, 50))
    if not peeked:  # [] or {"tickets": []}: no tickets, no error
        kind = "zendesk" if page else kind  # an empty Zendesk page is still Zendesk
        how = "given" if text_column is not None else "guessed"
        return Export(kind, [], text_column, False, id_column, date_column, encoding, iter(()), closer,
                      text_column_how=how, empty=True)
    first = [item for _, item, _ in peeked if isinstance(item, dict)]
    if first and all(_is_zendesk(item) for item in first):
        kind = "zendesk"
    if unit == "comment" and kind != "zendesk":
        raise InvalidInput("--unit comment needs a Zendesk export (tickets with comments)")
    strings = bool(peeked) and all(isinstance(item, str) for _, item, _ in peeked if item is not None)

    if kind == "zendesk":
        columns, text_col, how, id_col, date_col = _zendesk_columns(first, unit, text_column, id_column,
                                                                    date_column)
    elif strings:
        columns, text_col, how, id_col, date_col = ["text"], "text", "format", None, None
    else:
        columns, text_col, how, id_col, date_col = _item_columns(first, text_column, id_column, date_column)
    guessed = how == "guessed"

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

    return Export(kind, columns, text_col, guessed, id_col, date_col, encoding, rows(), closer,
                  text_column_how=how)


