"""The coach's editable data: tips, finding messages, suggestions, phrase rules and limits.

The shipped ``coach.json`` sits beside this module; a team can put a ``coach.json`` of its own in the
user data directory with only what it changes. :func:`load` merges the two, checks every part and
compiles the phrase rules, so a mistake is reported once, on load, with where it is.

Merging: ``findings``, ``gates``, ``limits``, ``guidance`` and ``situation_tips`` are merged entry by
entry; a rule given as a list replaces the shipped list, given as ``{"add": [...], "remove": [...]}``
it edits it; ``shouting_ok`` and ``plain_acronyms`` replace.
"""

import json
import re
from pathlib import Path

from ..errors import ModelError
from ..labels import LABELS
from .dispatch import Dispatch, starts

__all__ = ["CODES", "ConfigError", "DEFAULT_PATH", "Config", "load"]

DEFAULT_PATH = Path(__file__).with_name("coach.json")
CODES = ("canned_apology", "false_empathy", "blame", "refusal_without_alternative", "no_next_step",
         "no_acknowledgement", "jargon", "too_long", "shouting")
RULES = ("canned_apology", "false_empathy", "blame", "blame_cue", "blame_not", "refusal", "refusal_cue", "refusal_not", "alternative",
         "next_step", "next_step_vague", "acknowledgement", "jargon", "jargon_explained", "jargon_introduced",
         "jargon_known")
LIMITS = ("too_long_words", "short_draft_words", "shouting_min_words", "jargon_common_words")


class ConfigError(ModelError):
    """The coach's data file is not valid (the message says which file and where); the server says 503."""

    code = "coach_config"


class Config:
    """A checked, merged coach configuration with its phrase rules compiled.

    Attributes: ``findings`` (code -> message, suggestion), ``gates`` (code -> labels, when_unknown),
    ``limits``, ``rules`` (name -> compiled pattern), ``shouting_ok`` (a set), ``guidance``,
    ``situation_tips``, ``sources`` (the files it came from).
    """

    def __init__(self, doc, sources):
        self.sources = sources
        self.findings = doc["findings"]
        self.gates = {code: (frozenset(g["labels"]), bool(g["when_unknown"])) for code, g in doc["gates"].items()}
        self.limits = doc["limits"]
        self.shouting_ok = frozenset(w.upper() for w in doc["shouting_ok"])
        self.plain_acronyms = frozenset(w.upper() for w in doc["plain_acronyms"])
        self.guidance = doc["guidance"]
        self.situation_tips = doc["situation_tips"]
        regexes = {name: _compile(name, doc["rules"][name]) for name in RULES}
        # grouped by first characters, for trying at each word start (rules.find_all)
        self.dispatch = {name: Dispatch(rs) for name, rs in regexes.items()}
        self.has_known = bool(doc["rules"]["jargon_known"])
        # whole patterns, for the rules read at one place (what follows or precedes a term)
        self.rules = {name: re.compile("|".join(f"(?:{r})" for r, *_ in regexes[name]), re.IGNORECASE)
                      for name in ("jargon_explained", "jargon_introduced")}

    def applies(self, code, label):
        """Whether a label-dependent check runs for a customer showing ``label`` (None: unknown)."""
        if code not in self.gates:
            return True
        labels, when_unknown = self.gates[code]
        return when_unknown if label is None else label in labels


_SENTENCE_START = r"(?:(?<=^)|(?<=[.!?:;]\s)|(?<=\n)|(?<=[—–]\s)|(?<=\s-\s))"


def phrase_to_regex(phrase):
    """A phrase rule as a regular expression: a space matches any run of spaces (" ?" none too), ' matches ’.

    A phrase starting with ``<`` matches only at the start of a sentence or line (imperatives:
    ``"<go to"``); one starting with ``^`` is anchored where it is tried (``jargon_explained``).

    >>> phrase_to_regex("we can't")
    "(?<!\\\\w)(?:we\\\\s+can['’]t)(?!\\\\w)"
    """
    # " ?" is an optional space (not "one or more, lazily"); "\'" is a plain '
    body = phrase.replace("\\'", "'").replace("'", "['’]").replace(" ?", r"\s*").replace(" ", r"\s+")
    if phrase.startswith("^"):  # anchored rules (jargon_explained) read what follows a term
        return body
    if phrase.startswith("<"):
        return rf"{_SENTENCE_START}(?:{body[1:]})(?!\w)"
    return rf"(?<!\w)(?:{body})(?!\w)"


def _compile(name, phrases):
    """Each phrase checked on its own (so an error names it), then the whole rule as one pattern."""
    regexes = []
    for i, p in enumerate(phrases):
        rx = phrase_to_regex(p)
        try:  # parsing is what checks a pattern, and it gives the first characters too
            regexes.append((rx, *starts(rx)))
        except re.error as exc:
            raise ConfigError(f"rules.{name}[{i}]: not a valid pattern ({exc})") from None
    return regexes


def _read(path):
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: must be a JSON object")
    return doc


def _merge(base, over):
    doc = dict(base)
    unknown = set(over) - set(base)
    if unknown:
        raise ConfigError(f"unknown part(s) {sorted(unknown)}; known: {sorted(k for k in base if k != '_doc')}")
    for key, value in over.items():
        if key in ("findings", "gates", "limits", "guidance", "situation_tips"):
            _need(isinstance(value, dict), key, "must be an object")
            merged = dict(base[key])
            for k, v in value.items():
                merged[k] = {**base[key][k], **v} if isinstance(v, dict) and isinstance(base[key].get(k), dict) else v
            doc[key] = merged
        elif key == "rules":
            _need(isinstance(value, dict), key, "must be an object")
            rules = dict(base["rules"])
            for name, v in value.items():
                _need(name in rules, f"rules.{name}", f"unknown rule; known: {', '.join(RULES)}")
                if isinstance(v, dict):
                    _need(set(v) <= {"add", "remove"}, f"rules.{name}", "an edit has only 'add' and 'remove'")
                    drop = set(v.get("remove", []))
                    v = [p for p in rules[name] if p not in drop] + list(v.get("add", []))
                rules[name] = v
            doc["rules"] = rules
        else:
            doc[key] = value
    return doc


def _need(ok, where, what):
    if not ok:
        raise ConfigError(f"{where}: {what}")


def _strings(value, where):
    _need(isinstance(value, list) and all(isinstance(s, str) and s for s in value), where,
          "must be a list of non-empty strings")


def _validate(doc):
    _need(set(doc["findings"]) == set(CODES), "findings", f"must have exactly the codes {', '.join(CODES)}")
    for code, f in doc["findings"].items():
        _need(isinstance(f, dict) and set(f) == {"message", "suggestion"}, f"findings.{code}",
              "must have 'message' and 'suggestion'")
        for k in ("message", "suggestion"):
            _need(isinstance(f[k], str) and f[k].strip(), f"findings.{code}.{k}", "must be a non-empty string")
    for code, g in doc["gates"].items():
        _need(code in CODES, f"gates.{code}", "not a finding code")
        _need(isinstance(g, dict) and set(g) == {"labels", "when_unknown"}, f"gates.{code}",
              "must have 'labels' and 'when_unknown'")
        _need(isinstance(g["labels"], list) and set(g["labels"]) <= set(LABELS), f"gates.{code}.labels",
              f"must be a list of labels from {', '.join(LABELS)}")
        _need(isinstance(g["when_unknown"], bool), f"gates.{code}.when_unknown", "must be true or false")
    _need(set(doc["limits"]) == set(LIMITS), "limits", f"must have exactly {', '.join(LIMITS)}")
    for k, v in doc["limits"].items():
        _need(isinstance(v, int) and not isinstance(v, bool) and 0 < v < 100000, f"limits.{k}",
              "must be a positive whole number")
    _need(set(doc["rules"]) == set(RULES), "rules", f"must have exactly {', '.join(RULES)}")
    for name, phrases in doc["rules"].items():
        _strings(phrases, f"rules.{name}")
    _strings(doc["shouting_ok"], "shouting_ok")
    _strings(doc["plain_acronyms"], "plain_acronyms")
    _need(set(doc["guidance"]) == set(LABELS), "guidance", f"must have exactly {', '.join(LABELS)}")
    for label, g in doc["guidance"].items():
        _need(isinstance(g, dict) and isinstance(g.get("headline"), str) and g["headline"].strip(),
              f"guidance.{label}.headline", "must be a non-empty string")
        _strings(g.get("tips"), f"guidance.{label}.tips")
        _need(1 <= len(g["tips"]) <= 4, f"guidance.{label}.tips", "must have one to four tips")
    for k, v in doc["situation_tips"].items():
        _need(isinstance(v, str) and v.strip(), f"situation_tips.{k}", "must be a non-empty string")


def load(override=None):
    """The shipped configuration, with ``override`` (a path, if it exists) merged over it.

    Raises :class:`ConfigError` naming the file and the part at fault.
    """
    base = _read(DEFAULT_PATH)
    sources = [str(DEFAULT_PATH)]
    doc = base
    if override is not None and Path(override).is_file():
        sources.append(str(override))
        try:
            doc = _merge(base, _read(override))
        except ConfigError as exc:
            raise ConfigError(exc.args[0] if str(override) in exc.args[0] else f"{override}: {exc}") from None
    try:
        _validate(doc)
        return Config(doc, sources)
    except ConfigError as exc:
        raise ConfigError(f"{sources[-1]}: {exc}") from None
    except (KeyError, TypeError, AttributeError) as exc:  # a part of the wrong kind where an object was needed
        raise ConfigError(f"{sources[-1]}: malformed near {exc!s}") from None
