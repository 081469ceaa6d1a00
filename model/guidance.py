"""What a good reply does for each emotion, and checks of the agent's draft.

Every tip and check here comes from ``shared/support-practice.md``: acknowledge
the feeling, listen back, say what happens next and when, frame positively,
offer an alternative with every no, and never hide behind a canned apology.
"""

import re

from .errors import InvalidInput
from .labels import LABELS, NEGATIVE, check_label

__all__ = ["GUIDANCE", "guidance_for", "reading_of", "contacted_before", "check_reply"]

GUIDANCE = {
    "angry": (
        "Angry: stay calm, own the problem, act fast",
        [
            "Name the impact in your own words (\"you were charged twice and nobody answered\") before anything else.",
            "Don't argue, correct or quote policy at them; it is not personal.",
            "Own one concrete next step and give a time: \"I've refunded it now; you'll see it by Friday.\"",
        ],
    ),
    "frustrated": (
        "Frustrated: recognise the effort, skip what they tried, give a path to done",
        [
            "Say you can see they've had to chase this, and that it shouldn't have taken this long.",
            "Don't ask for steps they already tried; list what you checked instead.",
            "Give the path to done: what you're doing now and when they'll hear back.",
        ],
    ),
    "anxious": (
        "Anxious: reassure with facts, give a timeline, stay reachable",
        [
            "Lead with what is safe or known (\"your files are still on the server\").",
            "Give a timeline and how they can reach you, then keep to it.",
            "Keep it short and calm: no jargon, no long caveats, no rushing them.",
        ],
    ),
    "confused": (
        "Confused: plain words, one step at a time",
        [
            "Repeat back what they're trying to do, in one sentence.",
            "Give numbered steps in plain words, one action each, no jargon.",
            "Check understanding: invite them to tell you where it stops matching what they see.",
        ],
    ),
    "disappointed": (
        "Disappointed: acknowledge the missed expectation and rebuild trust",
        [
            "Acknowledge what they expected and didn't get; don't minimise it.",
            "Make it right where you can, and say exactly what you're doing.",
            "Follow up later to check it held: trust is rebuilt by what happens next.",
        ],
    ),
    "grateful": (
        "Grateful: thank them back and close the loop",
        [
            "Thank them back, personally and briefly.",
            "Confirm that everything is settled, or answer the small question they added.",
            "Make sure nothing is left open before you close the ticket.",
        ],
    ),
    "neutral": (
        "Neutral: be efficient and clear",
        [
            "Answer exactly what was asked, first.",
            "Keep it short and concrete; add the next step only if there is one.",
        ],
    ),
}

# Extra tips when the message shows a specific situation (style signals).
_SITUATION_TIPS = {
    "repeat_contact": "They mention contacting you before: own that it took more than one try.",
    "escalation": "They mention cancelling, refunds or escalating: no pushback; give a concrete option and a time.",
    "urgency": "There's a time pressure: say by when they'll have an answer, and meet it.",
}


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
        ``("unsure", None)`` or ``("thanks_but", negative)``; the advice then
        says less, and never "thank them back" over a complaint.

    >>> guidance_for("confused")["headline"]
    'Confused: plain words, one step at a time'
    """
    headline, tips = GUIDANCE[check_label(label)]
    tips = list(tips)
    if signals and label in NEGATIVE:
        for key in ("repeat_contact", "escalation", "urgency"):
            if signals.get(key):
                tips.append(_SITUATION_TIPS[key])
                break
    if reading:
        headline, tips = _hedged(label, headline, tips, *reading)
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


def _hedged(label, headline, tips, kind, other):
    if kind == "thanks_but":
        return (f"Thanks, but maybe still {other}: check nothing is left open",
                ["Before you thank and close, check whether a problem is still open.",
                 GUIDANCE[other][1][0]])
    if kind == "mixed":
        return (f"Mixed: {label}, or {other}", [tips[0], GUIDANCE[other][1][0]])
    return (f"Unclear tone (maybe {label}): read it yourself", [tips[0]])


# --- reply checks ---------------------------------------------------------
_I = re.IGNORECASE
_CANNED = re.compile(
    r"\b(?:(?:we|i)\s+(?:do\s+|sincerely\s+|truly\s+)?apologi[sz]e\s+for\s+(?:any|the)\s+(?:inconvenience|trouble|issues?)"
    r"|sorry\s+for\s+(?:any|the)\s+inconvenience(?:\s+(?:this|it)\s+(?:may\s+have\s+|has\s+)?caused)?"
    r"|(?:we|i)\s+regret\s+any\s+inconvenience"
    r"|(?:i|we)\s+do\s+apologi[sz]e"
    r"|apologi[sz]e\s+for\s+any\s+inconvenience"
    r"|your\s+(?:call|business|patience)\s+is\s+(?:important|valued)\s+to\s+us)",
    _I,
)
_FALSE_EMPATHY = re.compile(
    r"\b(?:i\s+know\s+exactly\s+how\s+you\s+feel|i\s+feel\s+your\s+pain|i\s+know\s+just\s+how\s+you\s+feel"
    r"|i\s+completely\s+understand\s+how\s+you\s+feel|i\s+totally\s+get\s+how\s+you\s+feel)\b",
    _I,
)
_BLAME = re.compile(
    r"\b(?:as\s+i\s+(?:already\s+|previously\s+)?(?:said|mentioned|explained|stated)"
    r"|as\s+(?:previously\s+)?(?:stated|mentioned)\s+(?:before|previously|in\s+my\s+(?:last|previous))"
    r"|per\s+my\s+(?:last|previous)\s+(?:e-?mail|message|reply)"
    r"|you\s+should\s+have|you\s+(?:failed|forgot|neglected)\s+to|if\s+you\s+had\s+(?:read|followed|checked)"
    r"|you\s+(?:didn'?t|did\s+not)\s+(?:read|follow)|user\s+error|that'?s\s+on\s+you|your\s+(?:own\s+)?fault)\b",
    _I,
)
_REFUSAL = re.compile(
    r"\b(?:(?:i|we)\s+(?:can(?:'?t|not)|won'?t\s+be\s+able\s+to|(?:are|am)\s+(?:unable|not\s+able)\s+to)"
    r"|(?:it'?s|this\s+is|that'?s)\s+(?:not\s+possible|impossible)|not\s+(?:something\s+)?we\s+(?:can|do|offer|allow)"
    r"|against\s+(?:our\s+)?policy|(?:we|i)\s+(?:don'?t|do\s+not)\s+(?:offer|allow|support|provide))\b",
    _I,
)
_ALTERNATIVE = re.compile(
    r"\b(?:instead|alternatively|what\s+(?:i|we)\s+can\s+do|(?:i|we)\s+can\s+(?!not\b)|(?:i|we)\s+could"
    r"|happy\s+to|here'?s\s+(?:what|how)|an?\s+(?:option|alternative|workaround)|options?\s+(?:is|are)"
    r"|would\s+you\s+like|i'?(?:ll|ve)\s+|we'?(?:ll|ve)\s+)",
    _I,
)
_NEXT_STEP = re.compile(
    r"\b(?:i'?ll|we'?ll|i\s+will|we\s+will|i'?ve\s+(?:\w+\s+){0,2}(?:sent|refunded|reset|escalated|created|booked|updated|fixed|restored|credited|raised|passed|asked|scheduled|added|issued|cancell?ed|changed|switched|applied)"
    r"|we'?ve\s+(?:\w+\s+){0,2}(?:sent|refunded|reset|escalated|created|booked|updated|fixed|restored|credited|raised|passed|scheduled|added|issued|cancell?ed|changed|switched|applied)"
    r"|next\s+step|by\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|tonight|end\s+of|\d)"
    r"|within\s+(?:\d+|an?|one|two|the\s+next)|today|tomorrow|here'?s\s+how|follow\s+these|step\s+\d|^\s*\d+[.)]\s"
    r"|you'?ll\s+(?:see|get|receive|hear)|is\s+on\s+its\s+way|has\s+been\s+(?:sent|refunded|fixed|resolved|restored|credited))",
    _I | re.MULTILINE,
)
_ACKNOWLEDGE = re.compile(
    r"\b(?:that'?s\s+not\s+(?:right|ok|okay|good\s+enough|what\s+you)|i\s+(?:can\s+)?see\s+(?:why|how|that)|i\s+understand"
    r"|you'?re\s+right|i'?m\s+(?:so\s+|really\s+|very\s+)?sorry\s+(?:that|this|you|to\s+hear)|sorry\s+(?:that|this|you)"
    r"|that\s+must\s+(?:be|have)|i\s+hear\s+you|thank\s+you\s+for\s+(?:your\s+patience|bearing|flagging|letting|sticking|telling|raising)"
    r"|thanks\s+for\s+(?:your\s+patience|bearing|flagging|letting|sticking|telling|raising)"
    r"|understandabl\w*|no\s+wonder|shouldn'?t\s+have\s+(?:happened|had\s+to)|frustrat\w*|worr\w*|stressful|annoying"
    r"|(?:let|i)\s+(?:you|me)\s+down|disappoint\w*|i\s+get\s+(?:it|why)|fair\s+point|completely\s+fair"
    r"|(?:is|are)\s+(?:safe|secure|not\s+lost)|nothing\s+(?:is|was|has\s+been)\s+lost|you'?re\s+not\s+alone)\b",
    _I,
)
_JARGON = re.compile(
    r"\b(?:cache|dns|api|sso|oauth|token|backend|back-end|propagat\w*|config\w*|endpoint|tls|ssl|smtp|imap|cname"
    r"|payload|repro\w*|sync\w*|latency|firmware|ticket\s+id|escalation\s+queue|tier\s+[123]|kb\s+article|sla"
    r"|workaround|hotfix|deploy\w*|server-side|client-side|cookies?|browser\s+console|regex|json|csv|vpn|mfa|2fa)\b",
    _I,
)
_CAPS_WORD = re.compile(r"\b[A-Z]{3,}\b")
_WORD = re.compile(r"\b\w+\b")

_ISSUES = {
    "canned_apology": (
        "Reads as a scripted apology from a bystander.",
        "Say what went wrong in your own words (\"that's not right - let's fix it\") and act.",
    ),
    "false_empathy": (
        "\"I know exactly how you feel\" sounds false; you don't, and the customer knows it.",
        "Name what they are dealing with instead (\"losing a day's orders is a big deal\").",
    ),
    "blame": (
        "Corrects or blames the customer.",
        "Drop the reproach; restate the step plainly as if for the first time.",
    ),
    "refusal_without_alternative": (
        "A no with nothing offered.",
        "Pair every no with what you can do: \"here's what we can do instead...\"",
    ),
    "no_next_step": (
        "Doesn't say what happens next.",
        "Say who does what, and by when (\"I'll check with billing and write back by 3 pm\").",
    ),
    "no_acknowledgement": (
        "Goes straight to the fix without acknowledging how the customer feels.",
        "Open with one genuine sentence about their situation before the solution.",
    ),
    "jargon": (
        "Uses technical terms a confused customer may not know.",
        "Swap the term for what the customer sees on screen, or explain it in a few words.",
    ),
    "too_long": (
        "Long for someone who is worried or lost.",
        "Cut to the essentials: what's safe, the one next step, when you'll be back.",
    ),
    "shouting": (
        "Several words in capitals read as shouting.",
        "Use normal case; bold one key word if the tool allows.",
    ),
}


def check_reply(draft, label=None):
    """Check an agent's draft reply against good support practice.

    Parameters
    ----------
    draft : str
        The reply the agent is writing.
    label : str, optional
        The customer's emotion, when known; some checks depend on it.

    Returns
    -------
    dict
        ``{"label", "ok", "issues": [{code, message, suggestion, start, end}], "strengths": [...]}``;
        ``start``/``end`` point into ``draft`` or are ``None`` for whole-draft issues.

    >>> check_reply("I apologize for any inconvenience.", "angry")["issues"][0]["code"]
    'canned_apology'
    """
    if not isinstance(draft, str):
        raise InvalidInput("draft must be a string")
    if label is not None:
        label = check_label(label)
    issues, strengths = [], []

    def add(code, match=None):
        message, suggestion = _ISSUES[code]
        start, end = (match.start(), match.end()) if match else (None, None)
        issues.append({"code": code, "message": message, "suggestion": suggestion, "start": start, "end": end})

    for code, rx in (("canned_apology", _CANNED), ("false_empathy", _FALSE_EMPATHY), ("blame", _BLAME)):
        for m in rx.finditer(draft):
            add(code, m)
    if not draft.strip():
        return {"label": label, "ok": True, "issues": [], "strengths": []}

    refusal = _REFUSAL.search(draft)
    has_alternative = bool(_ALTERNATIVE.search(draft))
    if refusal and not has_alternative:
        add("refusal_without_alternative", refusal)
    elif refusal:
        strengths.append("offers an alternative to the no")

    words = _WORD.findall(draft)
    long_enough = len(words) >= 12  # don't nag a half-typed draft
    if _NEXT_STEP.search(draft):
        strengths.append("says what happens next")
    elif long_enough and label not in ("grateful", "neutral"):
        add("no_next_step")

    canned_free = _CANNED.sub(" ", draft)
    if _ACKNOWLEDGE.search(canned_free):
        strengths.append("acknowledges the customer")
    elif long_enough and label in NEGATIVE and label != "confused":
        add("no_acknowledgement")

    if label == "confused":
        for m in _JARGON.finditer(draft):
            add("jargon", m)
    if label in ("anxious", "confused") and len(words) > 180:
        add("too_long")
    caps = [m for m in _CAPS_WORD.finditer(draft) if len(m.group()) > 3 or m.group() not in _ACRONYM_OK]
    if len(caps) >= 3 and len(caps) > 0.2 * max(len(words), 1):
        add("shouting", caps[0])

    return {"label": label, "ok": not issues, "issues": issues, "strengths": strengths}


_ACRONYM_OK = frozenset("API FAQ PDF URL USB VPN SMS ETA CEO".split())

assert set(GUIDANCE) == set(LABELS)
