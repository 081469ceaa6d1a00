"""Where Attune keeps user data: one directory, overridable by ``ATTUNE_HOME``; and which model is current."""

import logging
import os
from pathlib import Path

log = logging.getLogger("attune")


def user_dir():
    """Return the user data directory (token, feedback DB, retrained models), creating it, private (0700)."""
    env = os.environ.get("ATTUNE_HOME")
    if env:
        path = Path(env).expanduser()
    else:
        base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
        path = Path(base) / "attune"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o700)  # an existing folder too: it holds customers' text
    return path


def models_dir():
    """The folder of retrained model versions and the ``current``/``previous`` links."""
    return user_dir() / "models"


def current_model():
    """The current model as :data:`attune.model.registry.Resolved` (``path``, ``name``, ``note``).

    What the server serves and what ``attune analyze``/``classify``/``evaluate`` use: the promoted
    model (``models/current``), else the shipped one. An unusable ``models/current`` is logged.
    """
    from attune.model.registry import resolve

    resolved = resolve(models_dir())
    if resolved.note:
        log.warning("%s", resolved.note)
    return resolved


def current_model_dir():
    """The current model's artifact folder (see :func:`current_model`)."""
    return current_model().path
