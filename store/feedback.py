"""The feedback store: agents' corrections in SQLite, read back by retraining.

WAL lets readers (``attune retrain``) run while the server writes; ``synchronous=FULL``
makes a committed row survive a power cut, so a 201 means the correction is on disk.
"""

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from .paths import user_dir

__all__ = ["db_path", "connect", "add_feedback", "iter_feedback"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at    TEXT NOT NULL,
    text          TEXT NOT NULL,
    label         TEXT NOT NULL,
    predicted     TEXT,
    model_version TEXT,
    source        TEXT
)
"""

COLUMNS = ("id", "created_at", "text", "label", "predicted", "model_version", "source")


def db_path():
    """Default location of the feedback database."""
    return user_dir() / "feedback.sqlite3"


def connect(path=None):
    """Open (and create if needed) the feedback database with durable settings."""
    path = Path(path) if path else db_path()
    conn = sqlite3.connect(path, timeout=10, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(SCHEMA)
    return conn


def add_feedback(conn, text, label, predicted=None, model_version=None, source=None):
    """Insert one correction and commit it; return its id."""
    created_at = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    with conn:  # BEGIN ... COMMIT, rolled back on error
        conn.execute("BEGIN IMMEDIATE")
        cur = conn.execute(
            "INSERT INTO feedback (created_at, text, label, predicted, model_version, source)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (created_at, text, label, predicted, model_version, source),
        )
    return cur.lastrowid


def iter_feedback(path=None):
    """Yield every stored correction as a dict (id, created_at, text, label, ...), oldest first.

    Returns nothing when the database does not exist yet.
    """
    path = Path(path) if path else db_path()
    if not path.exists():
        return
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        for row in conn.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY id"):
            yield dict(zip(COLUMNS, row))
    finally:
        conn.close()
