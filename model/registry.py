"""Local model versions: one folder each, ``current`` and ``previous`` links, and the one way to find the current model.

Layout under a root folder (the command line and server use ``user_dir()/models``)::

    models/<version>/        artifacts, one folder each, never written into once complete
    models/.partial-<...>/   an artifact being written (left by a killed run: removed by the next one)
    models/current  ->       symlink to the promoted version (the server hot-reloads it)
    models/previous ->       symlink to the one before (for rollback)
    models/.lock             held by the run that writes or switches versions

A link whose target is :data:`SHIPPED` means the model shipped with Attune, so the first
promotion can be undone like any other. Switching is an atomic symlink replace followed by an
fsync of the folder, so a reader (and a power cut) sees the old or the new model, never a mix.
"""

import contextlib
import os
import secrets
import shutil
from collections import namedtuple
from datetime import datetime, timezone
from pathlib import Path

from .artifact import DEFAULT_DIR, MANIFEST_FILE
from .errors import ModelError

__all__ = ["SHIPPED", "Resolved", "resolve", "current_dir", "new_version", "partial_dir", "commit", "promote",
           "rollback", "locked", "clean_partial", "gate"]

SHIPPED = "shipped"  # a link target naming the shipped model; never a folder name (versions start with a date)
PARTIAL = ".partial-"

#: The model to use: ``path`` (an artifact folder), ``name`` (the link target, or SHIPPED), ``note``
#: (why the link was not followed, or None).
Resolved = namedtuple("Resolved", "path name note")


def resolve(root):
    """Which model ``root/current`` means, as a :data:`Resolved`; the shipped model when there is none.

    A ``current`` that cannot be used (dangling link, no manifest) resolves to the shipped model
    with a ``note`` saying why, for the caller to log or print.
    """
    link = Path(root) / "current"
    if not link.is_symlink():
        if (link / MANIFEST_FILE).is_file():  # a plain folder (written by hand or by an old Attune)
            return Resolved(link, "current", None)
        if link.exists():
            return Resolved(DEFAULT_DIR, SHIPPED, f"{link} has no {MANIFEST_FILE}; using the shipped model")
        return Resolved(DEFAULT_DIR, SHIPPED, None)
    target = os.readlink(link)
    if target == SHIPPED:
        return Resolved(DEFAULT_DIR, SHIPPED, None)
    folder = link.parent / target
    if not folder.is_dir():
        return Resolved(DEFAULT_DIR, SHIPPED, f"{link} points to {target}, which does not exist; using the shipped model")
    if not (folder / MANIFEST_FILE).is_file():
        return Resolved(DEFAULT_DIR, SHIPPED, f"{link} -> {target} has no {MANIFEST_FILE}; using the shipped model")
    return Resolved(folder, target, None)


def current_dir(root):
    """The promoted model's folder under ``root``, or None (the shipped model is current)."""
    resolved = resolve(root)
    return None if resolved.name == SHIPPED else resolved.path


def new_version(now=None):
    """A version name no other run will pick: UTC date and time to the second, and a random suffix.

    >>> len(new_version(datetime(2026, 12, 4, 15, 1, 2, tzinfo=timezone.utc)))
    26
    """
    now = now or datetime.now(timezone.utc)
    # 32 random bits: with 16, fifty names in one second collided about once in fifty test runs
    return now.strftime("%Y.%m.%d-%H%M%S") + "-" + secrets.token_hex(4)


def partial_dir(root, version):
    """A fresh folder to write ``version`` into; :func:`commit` gives it its name. Never an existing one."""
    root = Path(root)
    if (root / version).exists():
        raise ModelError(f"{root / version} already exists: refusing to write into it")
    path = root / (PARTIAL + version)
    path.mkdir(parents=True)  # FileExistsError rather than writing into someone else's folder
    return path


def commit(partial):
    """Rename a completely written :func:`partial_dir` to its version name (atomic); return the new path."""
    partial = Path(partial)
    final = partial.with_name(partial.name[len(PARTIAL):])
    if final.exists():
        raise ModelError(f"{final} already exists: refusing to replace it")
    os.rename(partial, final)
    _fsync_dir(final.parent)
    return final


def clean_partial(root):
    """Remove folders left by runs killed while writing; return their names. Call with :func:`locked` held."""
    removed = []
    for path in sorted(Path(root).glob(PARTIAL + "*")):
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    return removed


@contextlib.contextmanager
def locked(root):
    """Hold ``root/.lock`` for the block; :class:`ModelError` at once if another run holds it."""
    import fcntl

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ModelError("another attune retrain is running; try again when it has finished") from None
        yield
    finally:
        os.close(fd)  # releases the lock; the kernel does the same for a killed process


def gate(new_scores, old_scores, tolerance=0.0):
    """Whether ``new_scores``' macro-F1 is at most ``tolerance`` below ``old_scores``'.

    >>> gate({"macro_f1": 0.90}, {"macro_f1": 0.91})
    False
    >>> gate({"macro_f1": 0.90}, {"macro_f1": 0.91}, tolerance=0.01)
    True
    """
    return new_scores["macro_f1"] + 1e-9 >= old_scores["macro_f1"] - tolerance


def _fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)  # the rename or link switch itself must survive a power cut
    finally:
        os.close(fd)


def _relink(link, target):
    tmp = link.with_name(f".{link.name}.tmp")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, link)  # atomic on POSIX


def _target(link):
    """A link's target name; SHIPPED when there is no link (the shipped model was current)."""
    return os.readlink(link) if link.is_symlink() else SHIPPED


def promote(root, version_dir):
    """Make ``version_dir`` (inside ``root``) current; the old current (the shipped model at first) becomes previous."""
    root, version_dir = Path(root), Path(version_dir)
    current = root / "current"
    old = _target(current)
    if old == version_dir.name:
        raise ModelError(f"{version_dir.name} is already the current model")
    _relink(root / "previous", old)
    _relink(current, version_dir.name)
    _fsync_dir(root)
    return current


def rollback(root):
    """Swap current and previous; :class:`ModelError` when there is nothing usable to go back to."""
    root = Path(root)
    current, previous = root / "current", root / "previous"
    if not previous.is_symlink():
        raise ModelError(f"no previous model under {root} to roll back to")
    back = os.readlink(previous)
    if back != SHIPPED and not (root / back / MANIFEST_FILE).is_file():
        raise ModelError(f"the previous model {back} is missing or incomplete under {root}: cannot roll back")
    old = _target(current)
    _relink(current, back)
    _relink(previous, old)
    _fsync_dir(root)
    return current
