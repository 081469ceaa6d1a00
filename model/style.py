"""Style signals of a text (repetition, escalation, urgency, politeness, shouting ...) from its tokens."""

import math
import re
from itertools import chain, repeat

import numpy as np


from .tokens import tokenize

__all__ = ["STYLE_NAMES", "style_batch", "style_vector"]

# Style signals are counted on tokens with set look-ups: a dozen regex
# alternations over the raw text cost ten times more.
def _words(text):
    return frozenset(text.split())


_REPEAT = _words("again still already anymore yet repeatedly nobody chasing chase chased")
_REPEAT2 = _words("second_time third_time fourth_time fifth_time many_times several_times multiple_times "
                  "no_response no_reply no_answer no_one keep_getting keeps_happening for_days for_weeks "
                  "for_months once_again every_time still_waiting another_ticket same_problem same_issue")
_ESCALATE = _words("cancel cancelling canceling cancelled lawyer lawyers attorney chargeback dispute refund "
                   "ombudsman regulator review trustpilot manager supervisor complaint unacceptable ridiculous "
                   "worst scam joke disgrace disgraceful incompetent useless pathetic sue fraud bbb outrageous")
_ESCALATE2 = _words("legal_action never_again report_you small_claims")
_URGENT = _words("asap urgent urgently immediately today tonight tomorrow deadline emergency help scared "
                 "panic panicking afraid lost losing stuck hours minutes desperate")
_URGENT2 = _words("right_now as_soon by_tomorrow by_today")
_INTENSE = _words("so very really extremely absolutely totally completely incredibly seriously literally "
                  "beyond utterly such even whatsoever super")
_INTENSE2 = _words("at_all")
_NEG_EMO = _words(":( :-( :'( :/ :-/ >:( d: :[ =( :| ;( :c :'-( 😡 😠 🤬 😤 😞 😟 😢 😭 😩 😫 😰 😱 😕 😔 💔 🙄 😒 👎 😣 😖")
_POS_EMO = _words(":) :-) :d :-d ;) =) <3 :] 😀 😃 😄 😁 😊 🙂 🙏 🥰 😍 🥳 👍 ❤ ❤️ 🎉 🙌 💯 ✅")
_EXCLAIM = re.compile(r"!{2,}")
_QUESTION = re.compile(r"[?!]*\?[?!]+")

# token (or "first_second" word pair) -> the signal it counts towards; a
# word in two lists counts for the first.
_LEXICON, _PAIRS = {}, {}
for _name, _single, _pair in (("repeat_contact", _REPEAT, _REPEAT2), ("escalation", _ESCALATE, _ESCALATE2),
                              ("urgency", _URGENT, _URGENT2), ("intensifiers", _INTENSE, _INTENSE2),
                              ("neg_emoticons", _NEG_EMO, ()), ("pos_emoticons", _POS_EMO, ())):
    for _w in _single:
        _LEXICON.setdefault(_w, _name)
    for _w in _pair:
        _PAIRS.setdefault(_w, _name)

STYLE_NAMES = (
    "caps_share", "exclaim_runs", "question_runs", "neg_emoticons", "pos_emoticons",
    "repeat_contact", "escalation", "urgency", "intensifiers", "log_length",
)


_COUNTED = STYLE_NAMES[3:9]  # the signals counted from the lexicon, in order
_CODE = {w: 1 + _COUNTED.index(name) for w, name in _LEXICON.items()}  # 0: no signal
_PAIR_CODE = {w: 1 + _COUNTED.index(name) for w, name in _PAIRS.items()}
_PAIR_FIRST = frozenset(w.split("_")[0] for w in _PAIRS)


def style_batch(docs, enc=None):
    """Raw style signals of many texts: an ``(n, 10)`` array, columns as :data:`STYLE_NAMES`.

    ``enc`` is the texts' :class:`Encoded` form, when already known (its token
    table has looked the lexicon up). Lexicon words count each time they
    occur; word pairs ("third time") once per text.
    """
    n_docs, width = len(docs), len(_COUNTED) + 1
    if enc is not None:
        doc_of = np.arange(n_docs).repeat(enc.tok_ptr[1:] - enc.tok_ptr[:-1])
        codes, pairs = enc.lex, enc.lex_pairs
    else:
        per_doc = [tokenize(d) for d in docs]
        tokens = list(chain.from_iterable(per_doc))
        doc_of = np.arange(n_docs).repeat([len(t) for t in per_doc])
        codes = np.fromiter(map(_CODE.get, tokens, repeat(0)), np.int64, len(tokens))
        found = {(doc_of[i], tokens[i] + "_" + tokens[i + 1]) for i in range(len(tokens) - 1)
                 if tokens[i] in _PAIR_FIRST and doc_of[i] == doc_of[i + 1]}
        pairs = np.array([(d, _PAIR_CODE[key]) for d, key in found if key in _PAIR_CODE], dtype=np.int64).reshape(-1, 2)
    counts = np.bincount(doc_of * width + codes, minlength=n_docs * width).reshape(n_docs, width)
    np.add.at(counts, (pairs[:, 0], pairs[:, 1]), 1)
    out = np.empty((n_docs, len(STYLE_NAMES)))
    out[:, 3:9] = counts[:, 1:]
    for d, text in enumerate(docs):
        out[d, 0] = 0.0
        if not text.islower():  # else no word can be in capitals
            words = [w for w in text.split() if len(w) > 2]
            caps = sum(1 for w in words if w.isupper())
            n_words = len(words) or 1
            out[d, 0] = min(caps / n_words, 1.0) if caps >= 2 or n_words < 6 else 0.0
        out[d, 1] = len(_EXCLAIM.findall(text)) if "!!" in text else 0
        out[d, 2] = len(_QUESTION.findall(text)) if "?" in text else 0
        out[d, 9] = math.log1p(len(text))
    return out


def style_vector(text):
    """Raw style signals of one text, in the order of :data:`STYLE_NAMES`."""
    return style_batch([text])[0].tolist()
