"""Local model versions: promote a retrained model only if it is not worse, keep the last for rollback.

Layout under a root folder (the server uses ``user_dir()/models``)::

    models/<version>/      artifacts, one folder each
    models/current  ->     symlink to the promoted version (the server hot-reloads it)
    models/previous ->     symlink to the one before (for rollback)

Switching is an atomic symlink replace, so a reader sees the old or the new
model, never a mix.
"""

import os
from pathlib import Path

from .errors import ModelError

__all__ = ["gate", "promote", "rollback", "current_dir"]


def current_dir(root):
    """The promoted model's folder under ``root``, or None."""
    link = Path(root) / "current"
    return link if (link / "manifest.json").exists() else None


def gate(new_scores, old_scores, tolerance=0.0):
    """Whether a candidate may replace the current model.

    Both are :func:`model.evaluate.scores_of` outputs on the same held-out
    data; the candidate passes when its macro-F1 is not lower than the
    current one's by more than ``tolerance``.

    >>> gate({"macro_f1": 0.90}, {"macro_f1": 0.91})
    False
    """
    return new_scores["macro_f1"] + 1e-9 >= old_scores["macro_f1"] - tolerance


def _relink(link, target):
    tmp = link.with_name(f".{link.name}.tmp")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, link)  # atomic on POSIX


def promote(root, version_dir):
    """Make ``version_dir`` (inside ``root``) current; the old current becomes previous."""
    root, version_dir = Path(root), Path(version_dir)
    current = root / "current"
    if current.is_symlink():
        _relink(root / "previous", os.readlink(current))
    _relink(current, version_dir.name)
    return current


def rollback(root):
    """Swap current and previous; raise :class:`ModelError` when there is nothing to go back to."""
    root = Path(root)
    current, previous = root / "current", root / "previous"
    if not previous.is_symlink() or not (previous / "manifest.json").exists():
        raise ModelError(f"no previous model under {root} to roll back to")
    old_current = os.readlink(current) if current.is_symlink() else None
    _relink(current, os.readlink(previous))
    if old_current:
        _relink(previous, old_current)
    return current
