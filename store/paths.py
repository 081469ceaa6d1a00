"""Where Attune keeps user data: one directory, overridable by ``ATTUNE_HOME``."""

import os
from pathlib import Path


def user_dir():
    """Return the user data directory (token, feedback DB, retrained models), creating it."""
    env = os.environ.get("ATTUNE_HOME")
    if env:
        path = Path(env).expanduser()
    else:
        base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
        path = Path(base) / "attune"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
