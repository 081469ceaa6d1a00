"""What a good reply does for each emotion, and checks of the agent's draft.

Every tip and check comes from ``shared/support-practice.md``: acknowledge the feeling, listen back,
say what happens next and when, frame positively, offer an alternative with every no, and never hide
behind a canned apology. The tips, finding messages and phrase rules live in the coach's data file
(``model/coach/coach.json``, with a team override in the user data directory); the draft checks are
in :mod:`model.coach`.
"""

from .coach import check_reply, tips_config
from .labels import LABELS, NEGATIVE, check_label

__all__ = ["GUIDANCE", "guidance_for", "check_reply"]

_SITUATIONS = ("repeat_contact", "escalation", "urgency")


def __getattr__(name):
    # GUIDANCE, as the data file has it now: {label: (headline, [tips])}
    if name == "GUIDANCE":
        g = tips_config().guidance
        return {label: (g[label]["headline"], list(g[label]["tips"])) for label in LABELS}
    raise AttributeError(name)


def guidance_for(label, signals=None):
    """Guidance for a reply to a customer showing ``label``.

    Parameters
    ----------
    label : str
        One of :data:`model.LABELS`.
    signals : dict, optional
        Raw style signals (``repeat_contact``, ``escalation``, ``urgency``);
        a present signal adds one situation tip (never more than four tips).

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
    return {"label": label, "headline": entry["headline"], "tips": tips[:4]}
