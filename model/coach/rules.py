"""The exact checks, and the phrase-rule hits the learned checks read as features.

Rules stay in charge where a rule is exact: a shouted word, a draft too long for a worried reader, a
listed term that is not explained where it is used, a stock apology or a "know how you feel". Hits
inside quotation marks do not count (a draft quoting a phrase to reject it, or the customer's words).
"""

import re

from .units import inside, quoted_spans

__all__ = ["rule_hits", "shouting", "too_long", "jargon", "phrase_findings"]

_CAPS_WORD = re.compile(r"(?<![\w'’])[A-Z][A-Z'’]*[A-Z](?![\w])")
_WORD = re.compile(r"\S+")


def rule_hits(config, draft):
    """``{rule name: [(start, end), ...]}`` for the phrase rules, quoted hits left out.

    A refusal that is an idiom ("we can't wait to have you back") is no refusal.
    """
    quoted = quoted_spans(draft)
    hits = {}
    for name in ("canned_apology", "false_empathy", "blame", "refusal", "alternative", "next_step",
                 "acknowledgement"):
        spans = [m.span() for m in config.rules[name].finditer(draft) if m.end() > m.start()]
        hits[name] = [sp for sp in spans if not inside(sp, quoted)]
    idioms = [m.span() for m in config.rules["refusal_not"].finditer(draft)]
    hits["refusal"] = [sp for sp in hits["refusal"] if not any(s < sp[1] and sp[0] < e for s, e in idioms)]
    return hits


def phrase_findings(hits, code):
    """Spans of the rule for ``code`` (canned_apology, false_empathy, blame), one per distinct place."""
    return hits[code]


def shouting(config, draft):
    """The first shouted word's span, if at least ``shouting_min_words`` words (not acronyms) are in capitals."""
    caps = [m for m in _CAPS_WORD.finditer(draft)
            if m.group().replace("’", "'").strip("'").upper() not in config.shouting_ok]
    if len(caps) >= config.limits["shouting_min_words"]:
        return caps[0].span()
    return None


def too_long(config, draft):
    return len(_WORD.findall(draft)) > config.limits["too_long_words"]


def jargon(config, draft):
    """Spans of listed terms that the draft does not explain right where they stand."""
    explained = config.rules["jargon_explained"]
    out = []
    for m in config.rules["jargon"].finditer(draft):
        after = draft[m.end():m.end() + 60]
        before = draft[max(0, m.start() - 2):m.start()]
        if explained.match(after) or before.endswith("("):
            continue
        out.append(m.span())
    return out
