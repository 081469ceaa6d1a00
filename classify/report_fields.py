"""What the report reads from an export besides the text: links, status, breakdown columns, and
where a ticket's body ends (so sign-offs and "Sent from my iPhone" are never cue words).

Columns are found by name, case-insensitively, the way the readers find the id and date columns.
"""

import re

__all__ = ["Columns", "body_filter", "is_done", "ticket_url", "breakdown_value"]

_URL_NAMES = ("url", "ticket url", "ticket_url", "ticket link", "link", "permalink", "html_url",
              "web_url", "agent_url")
_STATUS_NAMES = ("status", "ticket status", "ticket_status", "state")
# Breakdowns: (what it is called in the report, column names tried in order).
_BREAKDOWNS = (
    ("channel", ("channel", "via", "source", "ticket source", "medium")),
    ("group", ("group", "group name", "group_name", "team", "queue", "department")),
    ("product", ("product", "product name", "product_name", "brand", "category")),
)
#: Statuses of tickets that need no reply any more.
DONE = frozenset({"solved", "closed", "resolved", "done", "completed", "archived", "deleted"})
_ZENDESK_API = re.compile(r"^(https://[A-Za-z0-9.-]+)/api/v2/tickets/(\d+)\.json$")

# A sign-off: a closing phrase alone on its line, or as the last sentence of the last line.
_CLOSING = re.compile(
    r"""(?:thanks|thank[ \t]you|many[ \t]thanks|thanks[ \t]again|thx|cheers|regards|best[ \t]regards
      |kind[ \t]regards|warm[ \t]regards|best[ \t]wishes|best|all[ \t]the[ \t]best|sincerely
      |yours[ \t]sincerely|yours[ \t]truly|yours|respectfully|br|kr|mfg|gruß|grüße|cordialement)
    [ \t]*[,.!]?""",
    re.IGNORECASE | re.VERBOSE,
)
_SIGNATURE_LINES = 4  # short lines (name, company, phone) that may follow the closing phrase
_SHORT_LINE = 60
# Mail-app footers, wherever they stand (model/clean.py drops them only on a line of their own).
_FOOTER = re.compile(r"(?:Sent from my|Sent via|Get Outlook for)\b[^\n.!?]{0,40}", re.IGNORECASE)


class Columns:
    """The columns of one export that the report uses (None where the export has none)."""

    def __init__(self, columns):
        lowered = {str(c).strip().lower(): c for c in columns or ()}
        find = lambda names: next((lowered[n] for n in names if n in lowered), None)  # noqa: E731
        self.url = find(_URL_NAMES)
        self.status = find(_STATUS_NAMES)
        self.breakdowns = [(what, find(names)) for what, names in _BREAKDOWNS if find(names)]


def ticket_url(fields, column):
    """The ticket's web address from ``column``: http(s) only; Zendesk API links become agent links."""
    value = fields.get(column) if column else None
    if not isinstance(value, str):
        return None
    value = value.strip()
    api = _ZENDESK_API.match(value)
    if api:
        return f"{api.group(1)}/agent/tickets/{api.group(2)}"
    return value if value.lower().startswith(("https://", "http://")) and " " not in value else None


def is_done(fields, column):
    """True when the status column says the ticket is solved or closed."""
    value = fields.get(column) if column else None
    return isinstance(value, str) and value.strip().lower() in DONE


def breakdown_value(fields, column):
    """The value to group by: Zendesk's ``via`` is an object whose ``channel`` is meant."""
    value = fields.get(column)
    if isinstance(value, dict):
        value = value.get("channel")
    if value is None or isinstance(value, (dict, list)):
        return None
    value = str(value).strip()
    return value[:60] or None


def body_filter(text):
    """(where the body ends, footer spans): the part of ``text`` whose words may be cue words."""
    end = _sign_off_start(text)
    if end is None or not text[:end].strip():
        end = len(text)  # a message that is only "Thanks!" is its own body
    footers = []
    if "Sent " in text or "sent " in text or "Outlook" in text:
        footers = [(m.start(), m.end()) for m in _FOOTER.finditer(text, 0, end)]
    return end, footers


def _sign_off_start(text):
    """Where a sign-off starts: a closing phrase followed only by a few short lines, or None.

    Walks up from the last line (a regex search over the whole text cost more than the rest of
    the report's bookkeeping for a row).
    """
    line_end = len(text.rstrip())
    found, below = None, 0
    while below <= _SIGNATURE_LINES:
        start = text.rfind("\n", 0, line_end) + 1
        line = text[start:line_end].strip()
        if _CLOSING.fullmatch(line):
            found = start
        if start == 0 or len(line) > _SHORT_LINE:
            break
        line_end, below = start - 1, below + 1
    if found is not None:
        return found
    # "Can you confirm it renews on the 1st? Thanks": the closing phrase ends the last line.
    start = text.rfind("\n", 0, len(text.rstrip())) + 1
    last = text[start:].rstrip()
    cut = max(last.rfind(". "), last.rfind("! "), last.rfind("? "))
    if cut >= 0 and _CLOSING.fullmatch(last[cut + 2:].strip()):
        return start + cut + 1
    return None


def in_body(cue, body):
    """True when ``cue`` lies in the body: before the sign-off and outside any mail-app footer."""
    end, footers = body
    return cue["end"] <= end and not any(cue["start"] < b and a < cue["end"] for a, b in footers)


def body_key(text, body):
    """The body's words, lower-cased: copies that differ only in signature are one ticket."""
    end, footers = body
    kept, at = [], 0
    for a, b in footers:
        kept.append(text[at:a])
        at = b
    kept.append(text[at:end])
    return " ".join("".join(kept).lower().split())
