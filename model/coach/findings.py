"""Checking a draft: phrase rules, learned unit checks, and the finding for each problem with its span.

Which of rule and learned head decides a code, and at which probability, is part of the shipped
learned model (chosen on the training split, see ``train.py``); without that file the rules decide.
Modes: ``rule``; ``learned`` (the head alone); ``boosted`` (the head, trusting units the rule hits a
little more); ``either``; ``both``; for the whole-draft codes also ``stacked`` (a draft-level model) and
``stacked_agreed`` (the same, unless rule and head agree on one unit, see :func:`agreed`) and
``stacked_sure`` (the same, when the head is sure of that unit: p >= 0.9).
"""

import math

from .rules import (find_all, jargon_terms, lexicon_words, rare_words, rarity_bins, rule_hits, shouting, too_long,
                    word_starts)
from .units import explains, features, quoted_spans, says_when, split_units, words

__all__ = ["prepare", "check", "stack_features", "count_scripted", "SPAN_CODES", "WHOLE_CODES"]

SPAN_CODES = ("canned_apology", "false_empathy", "blame", "refusal_without_alternative", "jargon")
WHOLE_CODES = {"no_next_step": "next_step", "no_acknowledgement": "acknowledgement"}  # code -> what is missing
_RULE_OF = {"canned_apology": "canned_apology", "false_empathy": "false_empathy", "blame": "blame",
            "refusal_without_alternative": "refusal", "jargon": "jargon", "no_next_step": "next_step",
            "no_acknowledgement": "acknowledgement"}


# Hits beside a code's rule that mark a flagged sentence more tightly: a lexicon term, a rare word,
# a refusal cue.
_TIGHTER = {"jargon": ("jargon_lex", "jargon_rare"), "refusal_without_alternative": ("refusal_cue",)}
# A reproach is a sentence ("If you'd read the checklist, you'd have seen the step"): a blame finding
# marks the sentence, not the phrase inside it that a rule or cue caught.
WHOLE_SENTENCE = ("blame",)
# "boosted": a unit the phrase rule hits needs this much less probability from the head.
BOOST = 0.15
CUE_BOOST = 0.1  # writer-folded CV, refusals: 0 -> 0.879 / 0.797, 0.05 -> 0.882 / 0.817, 0.1 -> 0.882 / 0.820
# A lexicon term pushes the jargon head in any mode (writer-folded CV, jargon, either: 0.1 -> 0.857 /
# 0.746, 0.15 -> 0.856 / 0.754, 0.2 -> 0.848 / 0.757, 0.3 -> 0.846 / 0.774; none: 0.840 / 0.743)
LEX_BOOST = 0.15
# Hits that push a head less than its rule does: code -> (hit name, push). A refusal cue pushes only
# in "boosted" mode; a lexicon term in any (jargon decides "either": listed terms, or the head).
_CUES = {"refusal_without_alternative": ("refusal_cue", CUE_BOOST), "jargon": ("jargon_lex", LEX_BOOST)}
_CUE_ANY_MODE = ("jargon",)


def _overlaps(a, b):
    return a[0] < b[1] and b[0] < a[1]


def _own_words(draft, hidden):
    """The draft with quoted words, idioms ("can't wait"), owned faults ("you should have had") and
    explained terms replaced by a placeholder each.

    The learned checks judge the agent's own words: a phrase quoted to reject it, or the customer's
    words quoted back, is not what the agent says; an owned fault reads like blame word for word.
    """
    if not hidden:
        return draft
    out, pos = [], 0
    for s, e in sorted(hidden):
        if s < pos:
            continue
        out.append(draft[pos:s])
        out.append((" xquotedx " if e - s >= 10 else "").ljust(e - s))  # same length: offsets hold
        pos = e
    out.append(draft[pos:])
    return "".join(out)


def prepare(config, draft, label, with_features=True):
    """Units of ``draft``, rule hits (whole draft and per unit) and each unit's features."""
    units, starts, quoted = split_units(draft), word_starts(draft), quoted_spans(draft)
    hits = rule_hits(config, draft, starts, quoted)
    # unexplained terms (whether jargon applies is the label's gate), and explained ones the heads do not see
    hits["jargon"], explained = jargon_terms(config, draft, starts)
    # words too rare to be everyday English, on no list: for the learned jargon check to weigh
    hits["jargon_rare"] = [sp for sp in rare_words(config, draft, quoted)
                           if not any(_overlaps(sp, j) for j in hits["jargon"])]
    # trade terms from the lexicon ("interchange", "bell box"): evidence for the jargon head only
    hits["jargon_lex"] = [sp for sp in lexicon_words(config, draft, quoted)
                          if not any(_overlaps(sp, j) for j in hits["jargon"])]
    # "we'll look into it", "passed to the team" with no time said: a promise, not a next step
    # ("anything else I can help with today?" names a day, but not for a step)
    vague = [sp for sp in hits["next_step_vague"]
             if not any(_overlaps(u, sp) and says_when(draft[u[0]:sp[0]] + " " + draft[sp[1]:u[1]]) for u in units)]
    hits["next_step_vague"] = vague
    # a sentence whose promise is vague is no step, whatever else it says ("I've asked the depot to
    # look into it", "I've flagged it and someone will be in touch")
    vague_units = [u for u in units if any(_overlaps(u, v) for v in vague)]
    hits["next_step"] = [sp for sp in hits["next_step"] if not any(_overlaps(sp, u) for u in vague_units)]
    per_unit = [{name for name, spans in hits.items() if any(_overlaps(u, sp) for sp in spans)} for u in units]
    feats = []
    if with_features:
        own = _own_words(draft, quoted + hits["idioms"] + hits["owning"] + explained)
        unit_words = [words(own[s:e]) for s, e in units]
        for i in range(len(units)):
            others = set().union(*(per_unit[:i] + per_unit[i + 1:])) if len(units) > 1 else set()
            context = {"prev": per_unit[i - 1] if i else set(),
                       "next": per_unit[i + 1] if i + 1 < len(units) else set(),
                       "draft": others, "next_words": unit_words[i + 1] if i + 1 < len(units) else [],
                       "first": i == 0, "last": i == len(units) - 1, "index": i,
                       "mark": own[units[i][1] - 1], "rarity": rarity_bins(own[units[i][0]:units[i][1]]),
                       "explains": explains(draft[units[i][0]:units[i][1]]),
                       "after_words": set().union(*unit_words[i + 1:]) if i + 1 < len(units) else set()}
            feats.append(features(unit_words[i], per_unit[i], context, label))
    return {"units": units, "starts": starts, "hits": hits, "per_unit": per_unit, "features": feats}


def _rule_spans(code, prep):
    hits = prep["hits"]
    if code == "refusal_without_alternative":
        return [] if hits["alternative"] else hits["refusal"]
    return hits[_RULE_OF[code]]


def _span_findings(code, prep, probs, decision):
    """Spans for a span code: the rule's, the learned head's units, or their union or agreement."""
    rule = _rule_spans(code, prep)
    if decision is None or decision[1] == "rule":
        return rule
    head, mode, threshold = decision
    units = prep["units"]
    on_rule = [mode == "boosted" and any(_overlaps(sp, u) for sp in rule) for u in units]
    # a cue (weaker evidence: "the charge stands") pushes the head less than the rule does
    name, push = _CUES.get(code, (None, 0.0))
    cues = prep["hits"][name] if name and (mode == "boosted" or code in _CUE_ANY_MODE) else []
    boost = [BOOST if r else push * any(_overlaps(sp, u) for sp in cues) for r, u in zip(on_rule, units)]
    flagged = [i for i in range(len(units)) if probs[i][head] + boost[i] >= threshold]
    if code == "refusal_without_alternative" and mode == "boosted" and prep["features"]:
        # a "no" the rule found with no word of a way forward after it: nothing for the head to weigh
        flagged += [i for i in range(len(units)) if on_rule[i] and i not in flagged
                    and not any(f.startswith("after:") for f in prep["features"][i])]
    if code == "jargon":  # a sentence explaining a term is no jargon by the head alone
        flagged = [i for i in flagged if "explains" not in prep["features"][i]]
    if code == "blame":  # an agent owning a fault ("you should have had this") is not blame, whatever else
        flagged = [i for i in flagged if not any(_overlaps(sp, units[i]) for sp in prep["hits"]["owning"])]
    if mode == "both":
        return [sp for sp in rule if any(_overlaps(sp, units[i]) for i in flagged)]
    out = []
    # the rule's span inside the unit when there is one: it is the tighter mark (for jargon, a rare word)
    tight = [] if code in WHOLE_SENTENCE else rule + [sp for n in _TIGHTER.get(code, ()) for sp in prep["hits"][n]]
    for i in flagged:
        inner = [sp for sp in tight if _overlaps(sp, units[i])]
        out.append(inner[0] if inner else units[i])
    if mode == "either":
        out += [sp for sp in rule if not any(_overlaps(sp, o) for o in out)]
    return sorted(set(out))


_STACK_LABELS = ("angry", "frustrated", "anxious", "confused", "disappointed")


def scripted(code, prep):
    """Units that cannot be what ``code`` looks for whatever the head says: for an acknowledgement, a
    sentence whose only feeling is a canned apology or claimed empathy; for a next step, a sentence
    whose only promise is a vague one with no time (the labelling rules)."""
    if code == "no_acknowledgement":
        return {i for i, hits in enumerate(prep["per_unit"])
                if hits & {"canned_apology", "false_empathy"} and "acknowledgement" not in hits}
    if code == "no_next_step":
        return {i for i, hits in enumerate(prep["per_unit"]) if "next_step_vague" in hits and "next_step" not in hits}
    return set()


def count_scripted(prep, probs):
    """The heads' unit probabilities with :func:`scripted` units at 0 for what they cannot be; applied
    once where the probabilities are made (checking and training), so every decision reads the same."""
    for code in WHOLE_CODES:
        masked = scripted(code, prep)
        if masked:
            probs = [{**p, code: 0.0} if i in masked else p for i, p in enumerate(probs)]
    return probs


def stack_features(code, prep, probs, label, n_words):
    """What the draft-level ("stacked") decision reads: the head's strongest units, where the rule
    hits, the draft's length and the customer's label."""
    ps = sorted((p[code] for p in probs), reverse=True) or [0.0]
    hits = [WHOLE_CODES[code] in u for u in prep["per_unit"]]
    on_rule = [p[code] for p, h in zip(probs, hits) if h]
    return [ps[0], ps[1] if len(ps) > 1 else 0.0, sum(ps) / len(ps), float(sum(hits)), float(any(hits)),
            max(on_rule) if on_rule else 0.0, math.log(max(len(ps), 1)), math.log(max(n_words, 1))] + \
        [float(label == lab) for lab in _STACK_LABELS]


AGREE_AT = {"stacked_agreed": 0.5, "stacked_sure": 0.9}  # the head's probability an agreement needs


def agreed(code, prep, probs, at=0.5):
    """Whether one unit has what ``code`` looks for by both its phrase rule and its head (p >= ``at``):
    "stacked_agreed" lets that stand even where the draft-level model, fitted mostly on longer
    drafts, says missing."""
    return any(WHOLE_CODES[code] in hits and p[code] >= at for hits, p in zip(prep["per_unit"], probs))


def _present(code, prep, probs, decision, stack=None, label=None, n_words=0):
    """Whether the draft has what ``code`` looks for (a next step, an acknowledgement)."""
    rule = bool(prep["hits"][WHOLE_CODES[code]])
    if decision is None or decision[1] == "rule":
        return rule
    head, mode, threshold = decision
    rule_units = [WHOLE_CODES[code] in hits for hits in prep["per_unit"]]
    if mode.startswith("stacked"):  # a small draft-level model over stack_features says "missing"
        w, b = stack
        z = b + sum(wi * fi for wi, fi in zip(w, stack_features(code, prep, probs, label, n_words)))
        return 1.0 / (1.0 + math.exp(-z)) < threshold or (mode in AGREE_AT and agreed(code, prep, probs, AGREE_AT[mode]))
    boost = [BOOST * (mode == "boosted" and hit) for hit in rule_units]
    learned = any(p[head] + b >= threshold for p, b in zip(probs, boost))
    return {"learned": learned, "boosted": learned, "either": rule or learned, "both": rule and learned}[mode]


def check(config, learned, draft, label):
    """Findings ``[(code, start, end)]`` and strengths for a non-blank draft (see :func:`check_reply`)."""
    prep = prepare(config, draft, label, with_features=learned is not None)
    probs = []
    decisions = {}
    if learned is not None and prep["units"]:
        raw = learned.probs(prep["features"])
        heads = {h: j for j, h in enumerate(learned.heads)}
        probs = count_scripted(prep, [dict(zip(heads, row)) for row in raw.tolist()])
        decisions = learned.decisions
    found, strengths = [], []
    # words the team says its customers know ("attune coach-terms remove"): never jargon, whoever finds them
    known = find_all(config.dispatch["jargon_known"], draft, prep["starts"]) if config.has_known else []
    for code in SPAN_CODES:
        if not config.applies(code, label):
            continue
        for s, e in _span_findings(code, prep, probs, decisions.get(code)):
            if code != "jargon" or not any(_overlaps((s, e), k) for k in known):
                found.append((code, s, e))
    if prep["hits"]["refusal"] and not any(c == "refusal_without_alternative" for c, _, _ in found):
        strengths.append("offers an alternative to the no")
    n_words = len(draft.split())
    for code, strength in (("no_next_step", "says what happens next"),
                           ("no_acknowledgement", "acknowledges the customer")):
        stack = learned.stacks.get(code) if learned is not None else None
        if _present(code, prep, probs, decisions.get(code), stack, label, n_words):
            strengths.append(strength)
        elif n_words >= config.limits["short_draft_words"] and config.applies(code, label):
            found.append((code, None, None))
    if config.applies("too_long", label) and too_long(config, draft):
        found.append(("too_long", None, None))
    shout = shouting(config, draft)
    if shout:
        found.append(("shouting", *shout))
    return found, strengths
