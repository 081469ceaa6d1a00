"""Phrase rules split by the first character a phrase can start with, so each place tries few of them.

Python's regular expressions try every branch of an alternation at every place; with hundreds of
phrases that is most of a check's time. The first characters of each phrase are read from its parsed
form (the standard library's own parser); a phrase whose start cannot be read is tried everywhere.
"""

import re

try:  # Python >= 3.11
    from re import _constants as _c, _parser as _p
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _c
    import sre_parse as _p

__all__ = ["Dispatch", "first_chars"]

_ZERO_WIDTH = {_c.AT, _c.ASSERT, _c.ASSERT_NOT}
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT} | ({_c.POSSESSIVE_REPEAT} if hasattr(_c, "POSSESSIVE_REPEAT") else set())


def _in_set(items):
    chars = set()
    for op, av in items:
        if op == _c.LITERAL:
            chars.add(chr(av).lower())
        elif op == _c.RANGE and av[1] - av[0] < 300:
            chars.update(chr(i).lower() for i in range(av[0], av[1] + 1))
        else:
            return None
    return chars


def _first(seq):
    """``(chars or None for any, can_be_empty)`` for a parsed sequence."""
    acc = set()
    for op, av in seq:
        if op in _ZERO_WIDTH:
            continue
        if op == _c.LITERAL:
            return acc | {chr(av).lower()}, False
        if op == _c.IN:
            chars = _in_set(av)
            return (None, False) if chars is None else (acc | chars, False)
        if op == _c.SUBPATTERN:
            chars, empty = _first(av[-1])
        elif op == _c.BRANCH:
            parts = [_first(branch) for branch in av[1]]
            if any(ch is None for ch, _ in parts):
                return None, False
            chars, empty = set().union(*(ch for ch, _ in parts)), any(e for _, e in parts)
        elif op in _REPEATS:
            chars, empty = _first(av[2])
            empty = empty or av[0] == 0
        else:
            return None, False
        if chars is None:
            return None, False
        acc |= chars
        if not empty:
            return acc, False
    return acc, True


def first_chars(pattern):
    """Lower-case characters a match of ``pattern`` can start with, or ``None`` if any.

    >>> sorted(first_chars(r"(?<!\\w)(?:we|i) can"))
    ['i', 'w']
    """
    chars, empty = _first(_p.parse(pattern, re.IGNORECASE))
    return None if chars is None or empty else chars


class Dispatch:
    """Regexes grouped by first character: ``match(text, pos)``.

    ``regexes``: ``(regex, first_chars(regex))`` pairs (the caller has parsed them already).
    """

    def __init__(self, regexes):
        groups, anywhere = {}, []
        for rx, chars in regexes:
            if chars is None:
                anywhere.append(rx)
            else:
                for ch in chars:
                    groups.setdefault(ch, []).append(rx)
        # first character -> compiled regex (or None), compiled on first use: a draft meets a few
        # dozen first characters, and compiling all of them would slow loading
        self.by_char = _Compiled({ch: rs + anywhere for ch, rs in groups.items()}, anywhere)

    def match(self, text, pos):
        rx = self.by_char[text[pos].lower()]
        return rx.match(text, pos) if rx is not None else None


class _Compiled(dict):
    def __init__(self, groups, anywhere):
        super().__init__()
        self.groups, self.anywhere = groups, anywhere

    def __missing__(self, ch):
        rs = self.groups.get(ch, self.anywhere)
        rx = re.compile("|".join(f"(?:{r})" for r in rs), re.IGNORECASE) if rs else None
        self[ch] = rx
        return rx
