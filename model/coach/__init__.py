"""The reply coach: reads an agent's draft like a colleague over their shoulder.

:func:`check_reply` returns findings with spans in the draft. Exact problems are found by phrase
rules (``coach.json``, editable); meaning-level ones (a no without an alternative, a missing next step
or acknowledgement, blame) by small linear models over sentence features, with rule hits among them
(``coach-model.npz``, trained by ``train.py`` on ``training_data/drafts``).

The data files are looked at again at most once a second and re-read when they changed, so a running
server picks up an edited override without a restart. The override is ``coach.json`` in the user data
directory (:func:`use_override` names another). If an edited file is broken, the last good configuration
stays in use and the error is logged (file and place, never draft text); a broken file at the first load
raises :class:`ConfigError`.
"""

import logging
import os
import threading
import time

from ..errors import InvalidInput
from ..labels import check_label
from . import config as _config
from . import learned as _learned
from .findings import check

__all__ = ["check_reply", "current_config", "edit_terms", "team_terms", "tips_config", "use_override", "ConfigError"]

ConfigError = _config.ConfigError
RELOAD_INTERVAL = 1.0  # seconds between looks at the data files' modification times
log = logging.getLogger("attune.model")


def _default_override():
    from attune.store.paths import user_dir  # user data lives in one place (store/), not in model/

    return user_dir() / "coach.json"


class _Coach:
    # The configuration in use and the files' modification times it was read at.
    def __init__(self):
        self.lock = threading.Lock()
        self.explicit = None  # a path given by use_override(); None: coach.json in the user data directory
        self.override = None  # the path in use
        self.stamp = None
        self.checked = 0.0
        self.config = None
        self.learned = None
        self.learned_loaded = False

    def path(self):
        """The team's data file in use: the one given to use_override(), or coach.json in the user data directory."""
        return self.explicit or os.fspath(_default_override())

    def _stamp(self):
        out = [self.override]
        for path in (_config.DEFAULT_PATH, self.override):
            try:
                st = os.stat(path) if path is not None else None
                out.append((st.st_mtime_ns, st.st_size) if st else None)
            except OSError:
                out.append(None)
        return tuple(out)

    def current(self):
        now = time.monotonic()
        if self.config is None or now - self.checked >= RELOAD_INTERVAL:
            with self.lock:
                self.override = self.path()
                self.checked = now
                stamp = self._stamp()
                if stamp != self.stamp or self.config is None:
                    self._reload(stamp)
        if not self.learned_loaded:
            self.learned = _learned.load()
            self.learned_loaded = True
        return self.config, self.learned

    def _reload(self, stamp):
        try:
            config = _config.load(self.override)
        except ConfigError as exc:
            if self.config is None:
                raise
            log.error("coach data file not reloaded, the previous one stays in use: %s", exc)
        else:
            self.config = config
            if self.stamp is not None:
                log.info("coach data reloaded from %s", ", ".join(config.sources))
        self.stamp = stamp  # a broken file is reported once, not on every check


_coach = _Coach()


def use_override(path):
    """Merge the data file at ``path`` (if it exists, now or later) over the shipped one.

    ``None`` goes back to ``coach.json`` in the user data directory. The files are read now, so a
    broken one raises :class:`ConfigError` here.
    """
    with _coach.lock:
        _coach.explicit = os.fspath(path) if path is not None else None
        _coach.stamp = None
        _coach.config = None
    _coach.current()


def edit_terms(add=(), remove=()):
    """Flag ``add`` as jargon and never flag ``remove`` (words the team's customers know), in the data
    file in use (:mod:`model.coach.terms`); the next check uses the edit. Returns what changed."""
    from . import terms

    with _coach.lock:
        done = terms.edit(_coach.path(), add=add, remove=remove)
        _coach.checked = 0.0  # look at the file on the next check, not up to a second later
    return done


def team_terms():
    """``(added, known, replaces)`` of the data file in use (see :func:`model.coach.terms.team_terms`)
    and its path."""
    from . import terms

    return (*terms.team_terms(_coach.path()), _coach.path())


def current_config():
    """The configuration in use (reloaded if a data file changed). Raises :class:`ConfigError`."""
    return _coach.current()[0]


_shipped = None


def tips_config():
    """The configuration for reply tips: the one in use, or the shipped one while a broken data file
    has nothing good to fall back on. Tips come with every analysis, and a typo in the team's file
    must not stop the emotion badges; the reply check still reports the file."""
    global _shipped
    try:
        return current_config()
    except ConfigError:
        if _shipped is None:
            _shipped = _config.load(None)
        return _shipped


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
    if not draft.strip():
        return {"label": label, "ok": True, "issues": [], "strengths": []}
    config, learned = _coach.current()
    found, strengths = check(config, learned, draft, label)
    issues = [{"code": code, "message": config.findings[code]["message"],
               "suggestion": config.findings[code]["suggestion"], "start": start, "end": end}
              for code, start, end in found]
    return {"label": label, "ok": not issues, "issues": issues, "strengths": strengths}
