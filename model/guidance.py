"""What a good reply does for each emotion, and checks of the agent's draft.

Every tip and check comes from ``shared/support-practice.md``: acknowledge the feeling, listen back,
say what happens next and when, frame positively, offer an alternative with every no, and never hide
behind a canned apology. The tips, finding messages and phrase rules live in the coach's data file
(``model/coach/coach.json``, with a team override in the user data directory); the draft checks are
in :mod:`model.coach`.
"""

import re

from .coach import check_reply, tips_config
from .labels import LABELS, NEGATIVE, check_label

__all__ = ["GUIDANCE", "guidance_for", "reading_of", "contacted_before", "check_reply"]

_SITUATIONS = ("repeat_contact", "escalation", "urgency")


def __getattr__(name):
    # GUIDANCE, as the data file has it now: {label: (headline, [tips])}
    if name == "GUIDANCE":
        g = tips_config().guidance
        return {label: (g[label]["headline"], list(g[label]["tips"])) for label in LABELS}
    raise AttributeError(name)


def guidance_for(label, signals=None, reading=None):
    """Guidance for a reply to a customer showing ``label``.

    Parameters
    ----------
    label : str
        One of :data:`model.LABELS`.
    signals : dict, optional
        Raw style signals (``repeat_contact``, ``escalation``, ``urgency``);
        a present signal adds one situation tip (never more than four tips).
    reading : tuple, optional
        How sure the reading is, from :func:`reading_of`: ``("mixed", other)``,
        ``("unsure", other)`` or ``("thanks_but", negative)``; the advice then
        says less, and never "thank them back" over a complaint.

    >>> guidance_for("confused")["headline"]
    'Confused: plain words, one step at a time'
    """
    config = tips_config()
    entry = config.guidance[check_label(label)]
    tips = list(entry["tips"])
    if signals and label in NEGATIVE:
        for key in _SITUATIONS:
            if signals.get(key) and key in config.situation_tips:
                tips.append(config.situation_tips[key])
                break
    headline = entry["headline"]
    if reading:
        headline, tips = _hedged(config, label, headline, tips, *reading)
    return {"label": label, "headline": headline, "tips": tips[:4]}


# The "you contacted us before" tip needs the customer to say so; "still" or "yet" alone does not.
_CONTACTED_BEFORE = re.compile(
    r"\b(?:(?:second|third|fourth|fifth|sixth|\d+(?:st|nd|rd|th))\s+(?:time|email|e-mail|message|call|ticket|request)"
    r"|(?:write|writing|ask|asking|call|calling|email|emailing|messaging|contacting|chasing|explaining|reporting)"
    r"\s+(?:you\s+)?again"
    r"|(?:called|emailed|e-mailed|written|wrote|messaged|contacted|chased|asked|reported|raised|explained|told\s+you)"
    r"\b[^.!?\n]{0,40}?\b(?:before|already|twice|three\s+times|several\s+times|multiple\s+times|many\s+times|"
    r"last\s+week|yesterday|days\s+ago|weeks\s+ago)"
    r"|(?:still|yet\s+to\s+(?:hear|get))\s+(?:waiting\s+(?:for|on)\s+(?:a\s+)?(?:reply|answer|response|call\s*back)|no\s+(?:reply|answer|response))"
    r"|no\s+(?:reply|answer|response)\s+(?:yet|since|from\s+(?:you|anyone|support))"
    r"|(?:another|new|same|previous|earlier|my\s+last)\s+(?:ticket|case|complaint)"
    r"|follow(?:ing)?[\s-]?up\s+(?:on|to)\s+my)\b",
    re.IGNORECASE,
)


def contacted_before(text):
    """Whether the customer says they contacted support before (for the situation tip)."""
    return bool(_CONTACTED_BEFORE.search(text))


# --- advice for an uncertain reading ----------------------------------------
# A confident headline over a wrong label does harm ("thank them back" to a customer charged twice),
# so below these the advice names the doubt and keeps to what is safe for both readings.
_UNSURE_BELOW = 0.40  # top score
_MIXED_RATIO = 0.6  # runner-up at least this share of the top score
_THANKS_BUT_NEGATIVE = 0.25  # negative labels' total beside a grateful reading


def reading_of(scores):
    """How sure a result's scores are: None (sure), or a ``reading`` for :func:`guidance_for`."""
    ranked = sorted(scores, key=scores.get, reverse=True)
    top, second = ranked[0], ranked[1]
    negative = sum(scores[lab] for lab in NEGATIVE)
    if top == "grateful" and negative >= _THANKS_BUT_NEGATIVE:
        return ("thanks_but", max(NEGATIVE, key=scores.get))
    if scores[top] < _UNSURE_BELOW:
        return ("unsure", second)
    if scores[second] >= _MIXED_RATIO * scores[top]:
        return ("mixed", second)
    return None


def _hedged(config, label, headline, tips, kind, other):
    if kind == "thanks_but":
        return (f"Thanks, but maybe still {other}: check nothing is left open",
                ["Before you thank and close, check whether a problem is still open.",
                 config.guidance[other]["tips"][0]])
    if kind == "mixed":
        return (f"Mixed: {label}, or {other}", [tips[0], config.guidance[other]["tips"][0]])
    return (f"Unclear tone (maybe {label}): read it yourself", [tips[0]])
