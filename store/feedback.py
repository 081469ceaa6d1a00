"""The feedback store: agents' corrections in SQLite, read back by retraining.

WAL lets readers (``attune retrain``) run while the server writes; ``synchronous=FULL``
makes a committed row survive a power cut, so a 201 means the correction is on disk.
The rows are customers' words: the database and its ``-wal``/``-shm`` files are 0600.
A database that cannot be opened, read or written (corrupt, locked, full disk) raises
:class:`StorageUnavailable` (HTTP 503, one line on the command line), never a traceback.
"""

import os
import sqlite3
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from attune.model.errors import AttuneError

from .paths import user_dir

__all__ = ["db_path", "connect", "add_feedback", "iter_feedback", "read_feedback", "purge_feedback",
           "StorageUnavailable"]

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


class StorageUnavailable(AttuneError):
    """The feedback database cannot be used now (corrupt, locked by another program, disk full)."""

    code = "storage_unavailable"


@contextmanager
def _storage(path):
    """Turn SQLite's errors into :class:`StorageUnavailable` naming the file (never a row's text)."""
    try:
        yield
    except sqlite3.Error as exc:
        kind = "locked" if "locked" in str(exc) or "busy" in str(exc) else "unreadable or damaged"
        where = f" {path}" if path else ""
        raise StorageUnavailable(f"the feedback database{where} is {kind} ({type(exc).__name__}); "
                                 "nothing was changed") from None


def db_path():
    """Default location of the feedback database."""
    return user_dir() / "feedback.sqlite3"


def _private(path):
    # SQLite creates files with the umask's mode; corrections are customers' words.
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if name.stat().st_mode & 0o077:
                os.chmod(name, 0o600)
        except FileNotFoundError:
            pass


def _use_wal(conn):
    """Put the database in WAL mode (stored in the file, so once is enough).

    Two connections switching a new database at once would each hold a shared lock and want an
    exclusive one; SQLite avoids that deadlock by failing one at once ("locked") instead of waiting
    out the busy timeout. The loser retries for a moment: by then the winner has made the switch.
    """
    for delay in (0.01, 0.03, 0.1, 0.3, 1.0, 0):
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or not delay:
                raise
            time.sleep(delay)


def connect(path=None):
    """Open (and create if needed) the feedback database with durable settings, private to this user."""
    path = Path(path) if path else db_path()
    user_dir()  # makes the data directory private again if something loosened it
    with _storage(path):
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # born private, not chmod-ed later
        conn = sqlite3.connect(path, timeout=10, isolation_level=None)
        try:
            _use_wal(conn)
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(SCHEMA)
        except BaseException:
            conn.close()
            raise
    _private(path)
    return conn


def add_feedback(conn, text, label, predicted=None, model_version=None, source=None):
    """Insert one correction and commit it; return its id."""
    created_at = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    with _storage(None), conn:  # BEGIN ... COMMIT, rolled back on error
        conn.execute("BEGIN IMMEDIATE")
        cur = conn.execute(
            "INSERT INTO feedback (created_at, text, label, predicted, model_version, source)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (created_at, text, label, predicted, model_version, source),
        )
    return cur.lastrowid


def iter_feedback(path=None, before=None):
    """Yield stored corrections as dicts (id, created_at, text, label, ...), oldest first.

    ``before``: only rows created before this ISO date or time (UTC). Nothing when the database
    does not exist yet.
    """
    path = Path(path) if path else db_path()
    if not path.exists():
        return
    with _storage(path):
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            where, args = ("WHERE created_at < ?", (before,)) if before else ("", ())
            for row in conn.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback {where} ORDER BY id", args):
                yield dict(zip(COLUMNS, row))
        finally:
            conn.close()


def read_feedback(path=None, before=None):
    """All stored corrections as a list (see :func:`iter_feedback`)."""
    return list(iter_feedback(path, before))


def purge_feedback(path=None, before=None, ids=None):
    """Delete corrections created before ``before`` (ISO date/time, UTC) or with the given ``ids``; return how many.

    With neither, every correction is deleted. The freed pages are overwritten (``secure_delete``)
    and the WAL is checkpointed and truncated, so the text does not linger in the files.
    """
    path = Path(path) if path else db_path()
    if not path.exists():
        return 0
    conn = connect(path)
    try:
        with _storage(path):
            conn.execute("PRAGMA secure_delete=ON")
            clauses, args = [], []
            if before:
                clauses.append("created_at < ?")
                args.append(before)
            if ids:
                clauses.append(f"id IN ({', '.join('?' * len(ids))})")
                args += list(ids)
            where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                n = conn.execute(f"DELETE FROM feedback {where}", args).rowcount
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return n
    finally:
        conn.close()
