"""Cleaning real ticket text while keeping a way back to the original offsets.

Tickets arrive with quoted earlier replies, signatures, footers, HTML remnants,
URLs, addresses and order numbers. None of that is the customer's feeling, and
some of it (quoted agent replies) is someone else's words entirely. We drop or
blank those parts, but keep a small offset map so that cue spans found in the
cleaned text point back into the text the agent sees.
"""

import html
import re
from bisect import bisect_right
from functools import lru_cache

__all__ = ["Cleaned", "clean"]

# Everything after one of these lines is a quoted earlier message or a footer.
_TAIL = re.compile(
    r"""^[ \t]*(?:
        On\b[^\n]{0,300}?\bwrote:[ \t]*$            # Gmail/Apple quote header
      | -{2,}[ \t]*Original[ \t]Message[ \t]*-{2,}   # Outlook
      | From:[^\n]*\n[ \t]*(?:Sent|Date):            # Outlook header block
      | _{10,}[ \t]*$                                # Outlook separator
      | --[ \t]*$                                    # RFC 3676 signature delimiter
      | (?:CONFIDENTIALITY[ \t]NOTICE|DISCLAIMER)\b
      | This[ \t](?:e-?mail|message)[^\n]{0,80}\b(?:confidential|intended[ \t]solely|intended[ \t]only)
    )""",
    re.MULTILINE | re.VERBOSE | re.IGNORECASE,
)

# Spans replaced by a single space: not emotional content, and they would only
# teach the model which shop or order a message came from. Each kind has a
# cheap trigger; the regex is built from the kinds a text can contain, since
# one alternation of all of them, tried at every position, cost more than the
# rest of the analysis.
_KINDS = (
    ("quote", r"^[ \t]*>[^\n]*$"),
    ("sent", r"^[ \t]*(?:Sent\ from\ my\ [^\n]{1,40}|Get\ Outlook\ for\ [^\n]{1,20}|Sent\ via\ [^\n]{1,40})$"),
    ("tag", r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]{0,300})?/?>"),
    ("url", r"\b(?:https?://|www\.)[^\s<>\"']+"),
    ("email", r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),
    ("handle", r"(?<![\w@])@\w{2,30}"),
    # order numbers, IDs, phone numbers: five or more characters, three digits
    ("ident", r"\#?\b(?=[\w-]*\d[\w-]*\d[\w-]*\d)[\w-]{5,}\b"),
    ("entity", r"&(?:\#\d{1,7}|\#x[0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,30});"),
)
_THREE_DIGITS = re.compile(r"\d[\w-]*\d[\w-]*\d")  # what an ID needs; "2 days" does not


def _cp1252(lo, hi):
    """A regex class of what bytes lo..hi look like when UTF-8 was read as cp1252 (or Latin-1)."""
    chars = []
    for b in range(lo, hi + 1):
        try:
            chars.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:  # undefined in cp1252: such tools keep it as a C1 control
            chars.append(chr(b))
    return "[" + "".join(re.escape(c) for c in chars) + "]"


# One UTF-8 character read as cp1252 ("ðŸ˜¡" for 😡, "â€™" for ’): a lead byte and its continuation bytes.
# Matched one character at a time, so each repaired character maps back to its own span.
_CONT = _cp1252(0x80, 0xBF)
_KINDS += (("mojibake", f"{_cp1252(0xC2, 0xDF)}{_CONT}|{_cp1252(0xE0, 0xEF)}{_CONT}{{2}}"
                        f"|{_cp1252(0xF0, 0xF4)}{_CONT}{{3}}"),)
_MOJIBAKE_SIGNS = ("Ã", "Â", "â€", "ðŸ", "Ð")


def _repair(piece):
    """The character ``piece`` was before it was misread, or ``piece`` itself (ftfy decides)."""
    import ftfy

    return ftfy.fix_encoding(piece)


def _kinds_in(text):
    """The kinds of noise ``text`` may hold: each kind's pattern needs what is tested here."""
    kinds = []
    if ">" in text:
        kinds.append("quote")
    if "Sent " in text or "Get Outlook" in text:
        kinds.append("sent")
    if "<" in text:
        kinds.append("tag")
    if "http" in text or "www." in text:
        kinds.append("url")
    if "@" in text:
        kinds += ("email", "handle")
    if "&" in text:
        kinds.append("entity")
    if _THREE_DIGITS.search(text):
        kinds.append("ident")
    if any(sign in text for sign in _MOJIBAKE_SIGNS):
        kinds.append("mojibake")
    return tuple(kinds)


@lru_cache(maxsize=None)
def _mask_for(kinds):
    return re.compile("|".join(f"(?P<{name}>{rx})" for name, rx in _KINDS if name in kinds), re.MULTILINE)


_BLOCK_TAGS = re.compile(r"</?(?:br|p|div|li|tr|h\d)\b", re.IGNORECASE)


class Cleaned:
    """Cleaned text plus the map back to the original.

    Parameters
    ----------
    text : str
        The cleaned text.
    anchors : list of (int, int) or (int, int, int)
        ``(clean_offset, original_offset)`` pairs, sorted, one per piece of
        original text that was copied through unchanged; a third item, the
        original end, marks a character that replaced a longer original span.
    """

    __slots__ = ("text", "_clean_starts", "_orig_starts", "_orig_ends")

    def __init__(self, text, anchors):
        self.text = text
        self._clean_starts = [a[0] for a in anchors]
        self._orig_starts = [a[1] for a in anchors]
        # A replacement (a decoded entity, a repaired character) maps as a whole: its original end.
        self._orig_ends = [a[2] if len(a) > 2 else None for a in anchors]

    def to_original(self, offset):
        """Map an offset in the cleaned text to the original text."""
        i = bisect_right(self._clean_starts, offset) - 1
        if i < 0:
            return offset
        return self._orig_starts[i] + (offset - self._clean_starts[i])

    def span(self, start, end):
        """Map a ``[start, end)`` span of the cleaned text to the original."""
        if len(self._clean_starts) == 1 and self._orig_starts[0] == self._clean_starts[0] == 0:
            return start, end  # nothing was removed before the end of the text
        # Map the last character rather than the end so a span ending at a
        # piece boundary does not jump over a removed part.
        i = bisect_right(self._clean_starts, end - 1) - 1
        if i >= 0 and self._orig_ends[i] is not None:
            return self.to_original(start), self._orig_ends[i]
        return self.to_original(start), self.to_original(end - 1) + 1


def clean(text):
    """Remove quoted replies, signatures and markup; keep the way back.

    Returns a :class:`Cleaned`. If cleaning would leave nothing readable (a
    message that is only a URL, say) the original text is kept as it is.

    >>> c = clean("Still broken!!<br>On Mon, 2 Mar 2026, Help <help@x.io> wrote:\\n> we fixed it")
    >>> c.text
    'Still broken!! '
    >>> c.span(0, 6)
    (0, 6)
    """
    end = len(text)
    tail = _TAIL.search(text)
    if tail and text[: tail.start()].strip():
        end = tail.start()

    kinds = _kinds_in(text)
    pieces, anchors = [], []
    pos = out = 0
    for m in (_mask_for(kinds).finditer(text, 0, end) if kinds else ()):
        if m.start() > pos:
            anchors.append((out, pos))
            pieces.append(text[pos : m.start()])
            out += m.start() - pos
        kind = m.lastgroup
        if kind == "mojibake":
            rep = _repair(m.group())
            anchors.append((out, m.start(), m.end()))  # the repaired character stands for the whole span
            pieces.append(rep)
            out += len(rep)
            pos = m.end()
            continue
        if kind == "entity":
            rep = html.unescape(m.group())
            rep = " " if rep == "\xa0" else rep
        elif kind == "tag" and _BLOCK_TAGS.match(m.group()):
            rep = "\n"
        elif kind == "quote":
            rep = ""
        else:
            rep = " "
        if rep and len(rep) == 1 and kind == "entity":
            # A decoded character stands for the whole entity: map it there.
            anchors.append((out, m.start(), m.end()))
        pieces.append(rep)
        out += len(rep)
        pos = m.end()
    if pos == 0 and end == len(text):
        return Cleaned(text, [(0, 0)])
    if pos < end:
        anchors.append((out, pos))
        pieces.append(text[pos:end])
    cleaned = "".join(pieces)
    if not cleaned.strip():
        return Cleaned(text, [(0, 0)])
    return Cleaned(cleaned, anchors)
