"""A team's own jargon: terms it adds to the jargon list, and terms its customers know, in the
user's ``coach.json``.

The coach cannot know every trade's words ("corkage", "harbourage"), nor which of them a team's
customers know; the team can. Added terms go into ``rules.jargon`` as ``{"add": [...]}`` (or into
the list itself, when the file already replaces the shipped one); known terms into
``rules.jargon_known``, which no check flags as jargon. The new file is checked by loading it and
replaces the old one in one step, so the server's next look (within a second) sees one or the other,
never half a file.
"""

import json
import os
import re
import tempfile
from pathlib import Path

from . import config as _config

__all__ = ["as_phrase", "team_terms", "edit"]


def as_phrase(term):
    """A term as a phrase rule that matches just it: "C++ SDK" → ``c\\+\\+ sdk`` (spaces stay spaces)."""
    words = term.split()
    if not words:
        raise _config.ConfigError("a term needs at least one word")
    phrase = " ".join(re.escape(w.lower()) for w in words)
    return "\\" + phrase if phrase[0] in "<^" else phrase  # a leading < or ^ means something to a rule


def _read(path):
    return _config._read(path) if Path(path).is_file() else {}


def _parts(doc):
    """``(whole, plus, minus, known)`` of a data file: its own jargon list in place of the shipped one
    (or None), its additions to and removals from the shipped one, and its known terms."""
    rules = doc.get("rules", {})
    rule, known = rules.get("jargon", {}), rules.get("jargon_known", [])
    known = list(known) if isinstance(known, list) else list(known.get("add", []))
    if isinstance(rule, list):
        return list(rule), [], [], known
    return None, list(rule.get("add", [])), list(rule.get("remove", [])), known


def team_terms(path):
    """``(added, known, replaces)``: terms the team added to the jargon list (or its whole list, with
    ``replaces`` true, when the file gives one) and terms it says its customers know."""
    whole, plus, _, known = _parts(_read(path))
    return (plus, known, False) if whole is None else (whole, known, True)


def edit(path, add=(), remove=()):
    """Put ``add`` on the jargon list of the data file at ``path``; take ``remove`` off it and mark
    those terms known, so that no check flags them (not the list, nor the abbreviation rule, nor the
    learned check that reads rare and trade words).

    Returns ``{"added", "removed", "unchanged"}`` (phrases).
    """
    path = Path(path)
    if path.is_file():
        _config.load(path)  # a broken file is reported as it is, never edited blind
    doc = _read(path)
    shipped = _config._read(_config.DEFAULT_PATH)["rules"]["jargon"]
    whole, plus, minus, known = _parts(doc)
    rules = doc.setdefault("rules", {})
    listed = whole if whole is not None else plus  # the team's own terms, where an edit goes
    done = {"added": [], "removed": [], "unchanged": []}
    for term in add:
        phrase = as_phrase(term)
        on = phrase in listed or (whole is None and phrase in shipped and phrase not in minus)
        if on and phrase not in known:
            done["unchanged"].append(phrase)
            continue
        if phrase in known:
            known.remove(phrase)
        if phrase in minus:  # a shipped term taken off earlier: back on
            minus.remove(phrase)
        elif not on:
            listed.append(phrase)
        done["added"].append(phrase)
    for term in remove:
        phrase = as_phrase(term)
        if phrase in listed:
            listed.remove(phrase)
        elif whole is None and phrase in shipped and phrase not in minus:
            minus.append(phrase)
        if phrase in known:
            done["unchanged"].append(phrase)
            continue
        known.append(phrase)
        done["removed"].append(phrase)
    rules["jargon"] = whole if whole is not None else {k: v for k, v in (("add", plus), ("remove", minus)) if v}
    rules["jargon_known"] = known
    if rules["jargon"] == {}:  # nothing left to say (a whole list, even empty, still says something)
        del rules["jargon"]
    if not known:
        del rules["jargon_known"]
    if not rules:
        del doc["rules"]
    _write_checked(path, doc)
    return done


def _write_checked(path, doc):
    """Write ``doc`` to ``path`` only if it loads as a valid override (a temporary file, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            _config.load(tmp)  # the old file stays if the new one would not load
        except _config.ConfigError as exc:
            raise _config.ConfigError(str(exc).replace(tmp, str(path))) from None
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
