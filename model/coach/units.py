"""A draft cut into units (sentences and lines) with offsets, and the features the learned checks read.

The same :func:`features` serves training and checking, so the two cannot drift apart. Features are
plain strings: words and word pairs (contractions spelt out, so "can't" and "cannot" meet), character
4-grams inside words, which phrase rules hit the unit, its neighbours and the rest of the draft, whether
the hit sits inside quotation marks, and the customer's label.
"""

import re
from functools import lru_cache

__all__ = ["split_units", "quoted_spans", "inside", "features", "words", "says_when", "explains"]

# A unit ends after . ! ? (and closing quotes or brackets) followed by a space, at ; or at a line break;
# a single line break inside a sentence (a wrapped line) is no end: see _ends_line.
_UNIT_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+|;\s+|[ \t]*\n\s*")
_LIST_ITEM = re.compile(r"\s*(?:\d+[.)]|[-•*])\s")
_LIST_MARK = re.compile(r"\s*\d+[.)]")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CONTRACTIONS = ((re.compile(r"\bcan't\b"), "can not"), (re.compile(r"\bwon't\b"), "will not"),
                 (re.compile(r"\bcannot\b"), "can not"), (re.compile(r"n't\b"), " not"),
                 (re.compile(r"'re\b"), " are"), (re.compile(r"'ll\b"), " will"), (re.compile(r"'ve\b"), " have"),
                 (re.compile(r"\bi'm\b"), "i am"), (re.compile(r"'d\b"), " would"), (re.compile(r"\d"), "0"))
# When something happens: a day, a time, a span of hours or days. Next steps name one ("by Friday",
# "within 2 days", "at 3 pm"); a policy statement or a vague promise seldom does.
_WHEN = re.compile(r"\b(?:today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
                   r"morning|afternoon|evening|week|now|straight away|right away|within|by|until|before|"
                   r"0+ ?(?:am|pm)|0+:0+|hours?|days?|minutes?)\b")
_ONWARD = frozenset("instead however but can could option alternatively offer free credit refund refunded "
                    "rebook switch upgrade collect redirect reserved booked will link plan".split())
_YOU = frozenset(("you", "your", "yourself"))
_WE = frozenset(("we", "our", "us", "i", "my", "me"))
# a sentence that explains a term where it uses it: "a deposit hold means we reserve £200", "EPS is the
# Electronic Prescription Service, which is how your GP sends it", "something called value protection"
_EXPLAINS = re.compile(r"\b(?:means|meaning|refers to|stands for|short for|called|known as|in other words|i\.e\.)\b"
                       r"|\(\w|\b(?:which|that) is (?:a|an|the|how|what|where|when|just)\b"
                       r"|\b(?:is|are) (?:just |simply |basically )?(?:a|an|the) (?:code|fee|charge|setting|number|"
                       r"form|way|type|kind|name|sum|amount|figure|date|period|limit|service|scheme|record|payment)\b",
                       re.IGNORECASE)
_QUOTED = re.compile(r"“[^”\n]{1,300}”|\"[^\"\n]{1,300}\"|(?<![\w])['‘][^'’\n]{3,300}['’](?![\w])")


def explains(text):
    """Whether the text explains a term where it uses it ("X means …", "called X", "(the …)")."""
    return bool(_EXPLAINS.search(text))


def says_when(text):
    """Whether the text names a time ("by Friday", "within 2 days", "at 3 pm", "today")."""
    return bool(_WHEN.search(" ".join(words(text))))


def _ends_line(text, m):
    """Whether a line break ends a unit: a blank line, after punctuation, after a short line
    (a greeting, a sign-off), or before a list item; not a line wrapped mid-sentence."""
    if m.group().count("\n") != 1:
        return True
    line_start = text.rfind("\n", 0, m.start()) + 1
    line = text[line_start:m.start()].rstrip()
    return (not line or line[-1] in ".!?…:,;)]" or len(line) < 40
            or bool(_LIST_ITEM.match(text, m.end() - 1 if text[m.end() - 1:m.end()] == " " else m.end())))


def split_units(text):
    """``(start, end)`` of each non-blank unit of ``text``, trimmed of surrounding spaces.

    >>> split_units("Hi Sam. We can't do that!\\nSorry.")
    [(0, 7), (8, 25), (26, 32)]
    """
    spans, start = [], 0
    for m in _UNIT_END.finditer(text):
        if "\n" in m.group() and not _ends_line(text, m):
            continue
        if "\n" not in m.group() and _LIST_MARK.fullmatch(text, text.rfind("\n", 0, m.start()) + 1, m.start()):
            continue  # "1. Open Settings": the number belongs to its item
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        piece = text[s:e]
        if piece.strip():
            s += len(piece) - len(piece.lstrip())
            e -= len(piece) - len(piece.rstrip())
            out.append((s, e))
    return out


def quoted_spans(text):
    """Spans of text inside quotation marks (quoted customer words, phrases quoted to reject them)."""
    return [m.span() for m in _QUOTED.finditer(text)]


def inside(span, regions):
    """Whether ``span`` lies within one of ``regions``."""
    return any(s <= span[0] and span[1] <= e for s, e in regions)


def normalise(text):
    text = text.lower().replace("’", "'").replace("‘", "'")
    for rx, repl in _CONTRACTIONS:
        text = rx.sub(repl, text)
    return text


def words(text):
    return _WORD.findall(normalise(text))


@lru_cache(maxsize=50000)
def _char_grams(word):
    # character 4-grams inside one word, padded with a space each side ("c: can", "c:can ")
    padded = f" {word} "
    return tuple(f"c:{padded[i:i + 4]}" for i in range(max(len(padded) - 3, 1)))


def features(unit_words, hits, context, label):
    """Feature strings of one unit.

    Parameters
    ----------
    unit_words : list of str
        :func:`words` of the unit.
    hits : set of str
        Phrase rules that hit the unit outside quotation marks (``"q:"``-prefixed when only inside).
    context : dict
        ``prev``, ``next`` (sets of rule names hitting the neighbouring units), ``draft`` (rules hitting
        any other unit), ``next_words`` (words of the next unit), ``first``/``last`` (bool), ``index``,
        ``after_words`` (words of the units after it), ``mark`` (its last character), ``rarity``
        (:func:`~model.coach.rules.rarity_bins` of the unit), ``explains`` (:func:`explains` of it).
    label : str or None
        The customer's label.
    """
    f = [f"w:{w}" for w in unit_words]
    f += [f"b:{a} {b}" for a, b in zip(unit_words, unit_words[1:])]
    for w in unit_words:
        f += _char_grams(w)
    f += [f"r:{h}" for h in hits]
    f += [f"p:{h}" for h in context["prev"]] + [f"n:{h}" for h in context["next"]]
    f += [f"d:{h}" for h in context["draft"]]
    f += [f"nw:{w}" for w in context["next_words"]]
    f.append(f"l:{label}")
    f.append(f"len:{min(len(unit_words) // 5, 6)}")
    # how the unit opens ("click", "please reply", "as outlined") and whether it says when
    if unit_words:
        f.append(f"f:{unit_words[0]}")
        f.append(f"f2:{' '.join(unit_words[:2])}")
    ws = set(unit_words)
    if _WHEN.search(" ".join(unit_words)):
        f.append("when")
        if {"i", "we", "you", "it", "will", "have", "has", "been"} & ws:
            f.append("when+who")
    f.append(f"idx:{min(context.get('index', 0), 4)}")
    # words that often carry an alternative or a way forward, seen in the units after this one: a
    # "no" followed three sentences later by "instead, you can" is no refusal without alternative
    f += [f"after:{w}" for w in context.get("after_words", ()) if w in _ONWARD]
    # who a sentence is about: a word beside "you"/"your" reads differently beside "we"/"our"
    # ("you should have read" is a reproach, "we should have said" an owned fault)
    if ws & _YOU:
        f += [f"y:{w}" for w in unit_words]
    if ws & _WE:
        f += [f"o:{w}" for w in unit_words]
    if context.get("mark") in ("?", "!"):  # a pointed question ("Did you read the label?")
        f.append(f"end:{context['mark']}")
        if ws & _YOU:
            f.append(f"end:{context['mark']}+you")
    f += [f"rare:{b}" for b in context.get("rarity", ())]  # how rare its words are (a term?)
    if context.get("explains"):  # "X means …", "something called X", "(…)": the sentence explains a term
        f.append("explains")
    if context["first"]:
        f.append("pos:first")
    if context["last"]:
        f.append("pos:last")
    return f
