"""The exact checks, and the phrase-rule hits the learned checks read as features.

Rules stay in charge where a rule is exact: a shouted word, a draft too long for a worried reader, a
listed term that is not explained where it is used, a stock apology or a "know how you feel". Hits
inside quotation marks do not count (a draft quoting a phrase to reject it, or the customer's words).
"""

import re
from functools import lru_cache
from pathlib import Path

from ..errors import CorruptModel
from .units import inside, quoted_spans

__all__ = ["find_all", "word_starts", "rule_hits", "shouting", "too_long", "jargon_terms", "jargon", "explained_terms",
           "rare_words", "rarity_bins", "lexicon_terms", "lexicon_words"]

_WORD_START = re.compile(r"(?<!\w)\w")
_ACRONYM = re.compile(r"(?<![\w@./-])[A-Za-z][A-Za-z]{2,5}[0-9]?(?![\w@/-])")
# "text STOP", "reply with YES": a word to type, not a term; "enter your EORI" names a thing, so a
# possessive or article between is no instruction
_INSTRUCTION = re.compile(r"(?:text|reply|type|enter|send|say|write)\s+"
                          r"(?:(?!(?:your|our|their|my|the|an?|this)\s)\w+\s+)?['\"‘“]?$", re.IGNORECASE)
_VOWEL = re.compile(r"[AEIOUY]")
_CAPS_WORD = re.compile(r"(?<![\w'’])[A-Z][A-Z'’]*[A-Z](?![\w])")
_WORD = re.compile(r"\S+")
_LOWER_WORD = re.compile(r"(?<![\w@./'’-])[a-z]{4,}(?:-[a-z]+)*(?![\w@/'’-])")


_EVERYDAY = 10000  # words ranked past this many are rare enough to be a term
_UNRANKED = 10 ** 6
_RANK_BINS = ((30000, "30k"), (50000, "50k"), (100000, "100k"), (200000, "200k"))


@lru_cache(maxsize=1)
def _ranks():
    """Rank of each of the 200,000 most frequent English words (wordfreq's own data, installed with it:
    no download)."""
    from wordfreq import top_n_list

    return {w: i for i, w in enumerate(top_n_list("en", 200000))}


@lru_cache(maxsize=4)
def _common_words(n):
    """The ``n`` most frequent English words."""
    return frozenset(w for w, rank in _ranks().items() if rank < n)


def rarity_bins(text):
    """How rare the unit's lower-case words are: one bin name per word past the 10,000 most frequent
    English words ("30k": ranked 10,000-30,000; "none": on no list), for the learned jargon check."""
    ranks = _ranks()
    out = set()
    for m in _LOWER_WORD.finditer(text):
        r = ranks.get(m.group())
        if r is None:  # "re-rated", on no list: as rare as its commonest part
            r = min(ranks.get(part, _UNRANKED) for part in m.group().split("-"))
        if r >= _EVERYDAY:
            out.add(next((name for top, name in _RANK_BINS if r < top), "none"))
    return out


_TOKEN = re.compile(r"[A-Za-z0-9]+")
LEXICON_PATH = Path(__file__).with_name("jargon-lexicon.txt")


def _key(token):
    """A word as the lexicon compares it: abbreviations by case ("KID", "kVA", "P11D" are not "kid",
    "kva", "p11d"), other words in lower case ("Interchange" is "interchange")."""
    low = token.lower()
    return low if token[1:] == low[1:] and (len(token) > 1 or token == low) else token


@lru_cache(maxsize=4)
def _lexicon(path=LEXICON_PATH):
    """Trade terms as tuples of :func:`_key` words, and for each first word the terms' lengths in
    words, longest first (most words start no term: one lookup each).

    One term per line; ``#`` starts a comment. Hyphens and spaces are alike ("pre-auth", "pre auth").
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:  # a broken install: say which file, not a traceback
        raise CorruptModel(f"{Path(path).name}: cannot read the coach's lexicon ({exc.__class__.__name__})") from None
    terms = set()
    for line in text.splitlines():
        words = tuple(_key(t) for t in _TOKEN.findall(line.split("#", 1)[0]))
        if words:
            terms.add(words)
    for t in list(terms):
        if len(t) > 1:
            terms.add(t[:-1] + (_stem(t[-1]),))
    lengths = {}
    for t in terms:
        lengths.setdefault(t[0], set()).add(len(t))
    return frozenset(terms), {w: sorted(ns, reverse=True) for w, ns in lengths.items()}


def _stem(word):
    """A crude stem, marked so that it never equals a word: a phrase's last word matches in any
    inflection ("billing anchored", "prorated charging"). Writer-folded CV, jargon: 0.816 / 0.740 ->
    0.816 / 0.744; a lone word not (its inflections are more often another sense: "posting")."""
    for end in ("ing", "ed", "es", "s", "e"):
        if len(word) > len(end) + 2 and word.endswith(end):
            return "~" + word[:-len(end)]
    return "~" + word


def lexicon_terms(text, path=LEXICON_PATH):
    """Spans of the longest lexicon terms in ``text``, left to right, not overlapping; a plural
    ("interchange fees", "diverter valves") matches its singular, a phrase's inflected last word
    ("billing anchored") its base."""
    terms, lengths = _lexicon(path)
    tokens = [(m.start(), m.end(), _key(m.group())) for m in _TOKEN.finditer(text)]
    out, i = [], 0
    while i < len(tokens):
        for n in lengths.get(tokens[i][2], ()):  # most words start no term: no loop
            # words of one term are joined by a space or a hyphen only (not "pension. Sharing")
            if i + n > len(tokens) or any(text[tokens[k][1]:tokens[k + 1][0]] not in (" ", "-")
                                          for k in range(i, i + n - 1)):
                continue
            gram = tuple(t[2] for t in tokens[i:i + n])
            last = gram[-1]
            if gram in terms or (len(last) > 3 and last[-1] == "s" and gram[:-1] + (last[:-1],) in terms) \
                    or (n > 1 and gram[:-1] + (_stem(last),) in terms):
                out.append((tokens[i][0], tokens[i + n - 1][1]))
                i += n
                break
        else:
            i += 1
    return out


def word_starts(text):
    """``(position, (lower-case first character, lower-case next character))`` of each word."""
    return [(m.start(), (m.group().lower(), text[m.end():m.end() + 1].lower())) for m in _WORD_START.finditer(text)]


def find_all(rule, text, starts):
    """Non-overlapping matches of a :class:`~model.coach.dispatch.Dispatch` that begin at a word start.

    Every phrase rule begins at a word edge, so trying only there gives what ``finditer`` gives, several
    times faster: Python's regex engine would try each of a rule's many branches at every character.
    """
    spans, last = [], -1
    by_pair = rule.by_pair
    for pos, pair in starts:
        if pos < last:
            continue
        rx = by_pair[pair]
        m = rx.match(text, pos) if rx is not None else None
        if m and m.end() > m.start():
            spans.append(m.span())
            last = m.end()
    return spans


def _clear(spans, of):
    """``spans`` that overlap none of ``of``."""
    return [sp for sp in spans if not any(s < sp[1] and sp[0] < e for s, e in of)]


def rule_hits(config, draft, starts=None, quoted=None):
    """``{rule name: [(start, end), ...]}`` for the phrase rules, quoted hits left out, plus ``idioms``
    and ``owning``.

    A refusal that is an idiom ("we can't wait to have you back") is no refusal; words where the agent
    owns a fault ("you should have had this the first time") are no blame.
    """
    starts = word_starts(draft) if starts is None else starts
    quoted = quoted_spans(draft) if quoted is None else quoted
    hits = {}
    for name in ("canned_apology", "false_empathy", "blame", "blame_cue", "refusal", "refusal_cue", "alternative",
                 "next_step", "next_step_vague", "acknowledgement"):
        hits[name] = [sp for sp in find_all(config.dispatch[name], draft, starts) if not inside(sp, quoted)]
    idioms = find_all(config.dispatch["refusal_not"], draft, starts)
    hits["idioms"] = idioms
    # the agent owning a fault ("you should have had this the first time") is not blame
    owning = find_all(config.dispatch["blame_not"], draft, starts)
    hits["owning"] = owning
    hits["blame"] = _clear(hits["blame"], owning)
    hits["blame_cue"] = _clear(hits["blame_cue"], owning + hits["blame"])
    hits["refusal"] = _clear(hits["refusal"], idioms)
    hits["refusal_cue"] = _clear(hits["refusal_cue"], idioms + hits["refusal"])
    # "we're sorry for any inconvenience" or "I know exactly how you feel" is no acknowledgement, and
    # "please accept our apologies" no next step
    hits["acknowledgement"] = _clear(hits["acknowledgement"], hits["canned_apology"] + hits["false_empathy"])
    hits["next_step"] = _clear(hits["next_step"], hits["canned_apology"])
    return hits


def shouting(config, draft):
    """The first shouted word's span, if at least ``shouting_min_words`` words (not acronyms) are in capitals."""
    # YYYY-MM-DD is a date format, and a word without a vowel (HDCP, MRC, DPD) an abbreviation used
    # three times in a technical reply: neither is a raised voice
    caps = [m for m in _CAPS_WORD.finditer(draft)
            if m.group().replace("’", "'").strip("'").upper() not in config.shouting_ok
            and len(set(m.group())) > 1 and _VOWEL.search(m.group())]
    if len(caps) >= config.limits["shouting_min_words"]:
        return caps[0].span()
    return None


def too_long(config, draft):
    return len(_WORD.findall(draft)) > config.limits["too_long_words"]


def _acronyms(config, draft):
    # Unexplained abbreviations (MPAN, kVA, VoLTE): more capitals than small letters, not everyday ones.
    plain = config.plain_acronyms
    for m in _ACRONYM.finditer(draft):
        word = m.group()
        upper = sum(c.isupper() for c in word)
        if word.upper() in plain or (word[-1] == "s" and word[:-1].upper() in plain):  # "PDFs" as "PDF"
            continue
        if (upper >= 2 and upper >= len(word) - upper
                and len(set(word)) > 1 and not _INSTRUCTION.search(draft[max(0, m.start() - 12):m.start()])):
            yield m.span()


def _explained(config, draft, s, e):
    return bool(config.rules["jargon_explained"].match(draft[e:e + 60]) or draft[max(0, s - 2):s].endswith("(")
                or config.rules["jargon_introduced"].search(draft[max(0, s - 30):s]))


def rare_words(config, draft, quoted=None):
    """Spans of lower-case words outside the ``jargon_common_words`` most frequent English words
    ("subrogation", "codeshare", "iframe"), outside quotation marks and not explained where they stand.

    Not findings by themselves: candidates the learned jargon check weighs, for terms on no list.
    Capitalised words are left out (names, products, the start of a sentence).
    """
    common = _common_words(config.limits["jargon_common_words"])
    quoted = quoted_spans(draft) if quoted is None else quoted
    out = []
    for m in _LOWER_WORD.finditer(draft):
        word = m.group()
        if word in common or all(part in common for part in word.split("-")):
            continue
        if not inside(m.span(), quoted) and not _explained(config, draft, *m.span()):
            out.append(m.span())
    return out


def lexicon_words(config, draft, quoted=None):
    """Spans of trade terms from the lexicon (``jargon-lexicon.txt``: "interchange", "billing anchor",
    "bell box") outside quotation marks and not explained where they stand.

    Not findings by themselves: evidence the learned jargon check weighs, as for :func:`rare_words`.
    """
    quoted = quoted_spans(draft) if quoted is None else quoted
    return [sp for sp in lexicon_terms(draft) if not inside(sp, quoted) and not _explained(config, draft, *sp)]


def jargon_terms(config, draft, starts=None):
    """``(unexplained, hidden)``: spans of listed terms and abbreviations the draft does not explain
    right where they stand (the jargon findings), and spans of terms it does explain, with their later
    uses (listed, abbreviations, words past the 10,000 most frequent), which the learned checks do not
    see.

    In a shouting draft, words in capitals are shouting, not abbreviations.
    """
    starts = word_starts(draft) if starts is None else starts
    listed, acronyms = find_all(config.dispatch["jargon"], draft, starts), list(_acronyms(config, draft))
    ranks = _ranks()
    rare = [m.span() for m in _LOWER_WORD.finditer(draft) if ranks.get(m.group(), _UNRANKED) >= _EVERYDAY]
    candidates = listed + acronyms + rare
    here = {sp for sp in candidates if _explained(config, draft, *sp)}
    said = {draft[s:e].lower() for s, e in here}
    hidden = sorted({sp for sp in candidates if draft[sp[0]:sp[1]].lower() in said})

    spans = listed
    if shouting(config, draft) is None:
        spans = spans + [sp for sp in acronyms if not any(s <= sp[0] < e for s, e in listed)]
    # a term explained once is explained for the rest of the draft ("the APN ... add the APN")
    explained = {draft[s:e].lower() for s, e in spans if (s, e) in here}

    def known(term):  # "TXT" after "a TXT record is ..." was explained too
        return any(term == x or term in x.split() or x in term.split() for x in explained)
    return [(s, e) for s, e in sorted(spans) if not known(draft[s:e].lower())], hidden


def jargon(config, draft, starts=None):
    """The jargon findings' spans (see :func:`jargon_terms`)."""
    return jargon_terms(config, draft, starts)[0]


def explained_terms(config, draft, starts=None):
    """Spans the learned checks do not see as terms (see :func:`jargon_terms`)."""
    return jargon_terms(config, draft, starts)[1]
