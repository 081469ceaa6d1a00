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

__all__ = ["Dispatch", "first_chars", "first_two", "starts"]

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


def _charset(item):
    op, av = item
    if op == _c.LITERAL:
        return {chr(av).lower()}
    if op == _c.IN:
        return _in_set(av)
    return None


def _first_two(seq):
    """Lower-case two-character strings a match of a parsed sequence can start with, or ``None``
    when its second character cannot be read (a repeat, a category like ``\\s``, an optional part)."""
    items = [x for x in seq if x[0] not in _ZERO_WIDTH]
    if not items:
        return None
    op, av = items[0]
    if op == _c.SUBPATTERN:  # a group is its contents followed by the rest
        return _first_two(list(av[-1]) + items[1:])
    if op == _c.BRANCH:
        parts = [_first_two(list(branch) + items[1:]) for branch in av[1]]
        return None if any(p is None for p in parts) else set().union(*parts)
    first = _charset(items[0])
    if first is None or len(items) < 2:
        return None
    second, empty = _first(items[1:2])
    if second is None or empty:
        return None
    return {a + b for a in first for b in second}


def first_two(pattern):
    """Lower-case two-character strings a match of ``pattern`` can start with, or ``None`` if unknown.

    >>> sorted(first_two(r"(?<!\\w)(?:we|i['’]m) can"))
    ["i'", 'i’', 'we']
    """
    return _first_two(_p.parse(pattern, re.IGNORECASE))


def starts(pattern):
    """``(first_chars(pattern), first_two(pattern))`` from one parse (which is also what checks it)."""
    parsed = _p.parse(pattern, re.IGNORECASE)
    return _first_chars(parsed), _first_two(parsed)


def first_chars(pattern):
    """Lower-case characters a match of ``pattern`` can start with, or ``None`` if any.

    >>> sorted(first_chars(r"(?<!\\w)(?:we|i) can"))
    ['i', 'w']
    """
    return _first_chars(_p.parse(pattern, re.IGNORECASE))


def _first_chars(parsed):
    chars, empty = _first(parsed)
    return None if chars is None or empty else chars


class Dispatch:
    """Regexes grouped by the first two characters they can start with (or the first one, where the
    second cannot be read): ``match(text, pos)``. A word start meets only the phrases that can begin
    with its first two characters, so common words ("the", "to") try few or none.

    ``regexes``: ``(regex, *starts(regex))`` triples (the caller has parsed them already).
    """

    def __init__(self, regexes):
        two, one, anywhere = {}, {}, []
        for i, (rx, chars, pairs) in enumerate(regexes):
            if chars is None:
                anywhere.append((i, rx))
                continue
            keys, groups = (pairs, two) if pairs is not None else (chars, one)
            for key in keys:
                groups.setdefault(key, []).append((i, rx))
        # (first character, second character) -> compiled regex (or None), compiled on first use: a
        # draft meets a few hundred pairs, and compiling all of them would slow loading
        self.by_pair = _Compiled(two, one, anywhere)

    def match(self, text, pos):
        rx = self.by_pair[text[pos].lower(), text[pos + 1:pos + 2].lower()]
        return rx.match(text, pos) if rx is not None else None


class _Compiled(dict):
    def __init__(self, two, one, anywhere):
        super().__init__()
        self.two, self.one, self.anywhere = two, one, anywhere

    def __missing__(self, pair):
        ch, nxt = pair
        # in the rule's own order: at one place, the first phrase that matches wins, as in one regex
        rs = sorted(self.two.get(ch + nxt, []) + self.one.get(ch, []) + self.anywhere)
        rx = re.compile("|".join(f"(?:{r})" for _, r in rs), re.IGNORECASE) if rs else None
        self[pair] = rx
        return rx
