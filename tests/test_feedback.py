"""The feedback store: 201 means a durable row; bad input stores nothing; retraining reads it back."""

import json
import os
import sqlite3
import stat
import threading

import pytest

from attune.store import feedback
from attune.store.paths import user_dir


def _rows(path=None):
    return list(feedback.iter_feedback(path))


def test_feedback_is_stored_and_read_back(client):
    body = {
        "text": "Third time asking. Still broken.",
        "label": "frustrated",
        "predicted": "angry",
        "model_version": "2026.11.22-1",
        "source": "extension",
    }
    response = client.post("/v1/feedback", json=body)
    assert response.status_code == 201
    row_id = response.get_json()["id"]
    assert isinstance(row_id, int)

    # A brand-new connection (another process, e.g. `attune retrain`) sees the row at once.
    conn = sqlite3.connect(user_dir() / "feedback.sqlite3")
    assert conn.execute("SELECT text, label, predicted, model_version, source FROM feedback WHERE id=?",
                        (row_id,)).fetchone() == tuple(body.values())
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()

    (row,) = _rows()
    assert row["id"] == row_id
    assert {k: row[k] for k in body} == body
    assert row["created_at"].endswith("+00:00")


def test_optional_fields_may_be_missing_or_null(client):
    ids = [
        client.post("/v1/feedback", json={"text": "Where is the export?", "label": "confused"}).get_json()["id"],
        client.post("/v1/feedback", json={"text": "Thanks a lot!", "label": "grateful", "predicted": None,
                                          "model_version": None, "source": None}).get_json()["id"],
    ]
    rows = _rows()
    assert [r["id"] for r in rows] == ids == sorted(ids)
    assert all(r["predicted"] is None and r["source"] is None for r in rows)


@pytest.mark.parametrize("body", [
    {"text": "hello", "label": "furious"},
    {"text": "hello"},
    {"label": "angry"},
    {"text": "   ", "label": "angry"},
    {"text": "hello", "label": "angry", "predicted": "nope"},
    {"text": "hello", "label": ["angry"]},
])
def test_bad_feedback_stores_nothing(client, body):
    client.post("/v1/feedback", json={"text": "kept", "label": "neutral"})
    response = client.post("/v1/feedback", json=body)
    assert response.status_code == 400
    assert [r["text"] for r in _rows()] == ["kept"]


def test_store_uses_durable_settings(tmp_path):
    conn = feedback.connect(tmp_path / "fb.sqlite3")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    conn.close()


def test_concurrent_posts_all_land(app):
    token = app.extensions["attune.token"].get()
    errors = []

    def post_many(n):
        client = app.test_client()
        for i in range(10):
            r = client.post("/v1/feedback", json={"text": f"message {n}-{i}", "label": "neutral"},
                            headers={"Authorization": f"Bearer {token}"})
            if r.status_code != 201:
                errors.append(r.status_code)

    threads = [threading.Thread(target=post_many, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = _rows()
    assert len(rows) == 40
    assert len({r["id"] for r in rows}) == 40
    assert {r["text"] for r in rows} == {f"message {n}-{i}" for n in range(4) for i in range(10)}


def test_iter_feedback_without_database(tmp_path):
    assert _rows(tmp_path / "missing.sqlite3") == []


def test_iter_feedback_reads_an_explicit_path(tmp_path):
    path = tmp_path / "fb.sqlite3"
    conn = feedback.connect(path)
    first = feedback.add_feedback(conn, "I'm scared I lost everything", "anxious", source="cli")
    conn.close()
    (row,) = _rows(path)
    assert row["id"] == first and row["label"] == "anxious" and row["source"] == "cli"


# --- surrogates, privacy, a damaged store -------------------------------------------------------

@pytest.mark.parametrize("field", ["text", "label", "predicted", "model_version", "source"])
def test_lone_surrogates_are_refused_in_every_field(client, field):
    body = {"text": "Third time asking.", "label": "frustrated", "predicted": "angry",
            "model_version": "v1", "source": "extension"}
    raw = json.dumps(body).replace(json.dumps(body[field]), '"\\ud800 x"')
    response = client.post("/v1/feedback", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert _rows() == []


def test_database_files_and_folder_are_private_even_if_they_existed(client, attune_home):
    os.chmod(attune_home, 0o755)  # made by an older Attune, or by hand
    path = attune_home / "feedback.sqlite3"
    old = sqlite3.connect(path)  # a database from before, with the umask's mode
    old.execute(feedback.SCHEMA)
    old.close()
    os.chmod(path, 0o644)
    assert client.post("/v1/feedback", json={"text": "hello", "label": "neutral"}).status_code == 201
    assert stat.S_IMODE(os.stat(attune_home).st_mode) == 0o700
    conn = feedback.connect()  # while open, the -wal and -shm files exist
    try:
        for suffix in ("", "-wal", "-shm"):
            assert stat.S_IMODE(os.stat(f"{path}{suffix}").st_mode) == 0o600, suffix
    finally:
        conn.close()


def _damage(path):
    path.write_bytes(b"this is not a database" * 100)


def test_a_damaged_store_is_a_json_503_and_no_traceback(client, attune_home, caplog):
    _damage(user_dir() / "feedback.sqlite3")
    response = client.post("/v1/feedback", json={"text": "secret words", "label": "neutral"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "storage_unavailable"
    assert "secret words" not in caplog.text


def test_a_locked_store_is_a_json_503(app, attune_home, monkeypatch):
    from attune.store.feedback import connect as real_connect

    blocker = feedback.connect()
    blocker.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr("attune.server.feedback.connect",
                        lambda path: _short_timeout(real_connect(path)))
    try:
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.extensions['attune.token'].get()}"
        response = client.post("/v1/feedback", json={"text": "hello", "label": "neutral"})
    finally:
        blocker.rollback()
        blocker.close()
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "storage_unavailable"


def _short_timeout(conn):
    conn.execute("PRAGMA busy_timeout=50")
    return conn


@pytest.mark.parametrize("args", [["retrain"], ["feedback", "list"], ["feedback", "export", "-o", "-"],
                                  ["feedback", "purge", "--all", "--yes"]])
def test_a_damaged_store_is_one_clear_line_on_the_command_line(attune_home, args):
    from click.testing import CliRunner

    from attune.cli import cli

    _damage(user_dir() / "feedback.sqlite3")
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 1, res.output
    assert "feedback database" in res.output and "Traceback" not in res.output


# --- attune feedback ----------------------------------------------------------------------------

def _seed():
    conn = feedback.connect()
    ids = [feedback.add_feedback(conn, text, label, predicted="neutral", source="extension")
           for text, label in [("the goose is napping again, my whole team waits", "frustrated"),
                               ("Thanks, sorted!", "grateful")]]
    conn.execute("UPDATE feedback SET created_at = '2026-01-05T10:00:00.000+00:00' WHERE id = ?", (ids[0],))
    conn.close()
    return ids


def test_feedback_list_shows_text_only_when_asked(attune_home):
    from click.testing import CliRunner

    from attune.cli import cli

    ids = _seed()
    res = CliRunner().invoke(cli, ["feedback", "list"])
    assert res.exit_code == 0, res.output
    assert "goose" not in res.output and "frustrated" in res.output and str(ids[0]) in res.output
    assert "2026-01-05 10:00:00" in res.output
    res = CliRunner().invoke(cli, ["feedback", "list", "--text", "--width", "20"])
    assert "the goose is nappin…" in res.output and "waits" not in res.output
    res = CliRunner().invoke(cli, ["feedback", "list", "--before", "2026-02-01"])
    assert "frustrated" in res.output and "grateful" not in res.output


def test_feedback_export_and_purge(attune_home, tmp_path):
    from click.testing import CliRunner

    from attune.cli import cli

    ids = _seed()
    out = tmp_path / "fb.jsonl"
    res = CliRunner().invoke(cli, ["feedback", "export", "-o", str(out)])
    assert res.exit_code == 0, res.output
    exported = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in exported] == ids and exported[0]["text"].startswith("the goose")

    assert CliRunner().invoke(cli, ["feedback", "purge"]).exit_code == 2  # says what to delete
    res = CliRunner().invoke(cli, ["feedback", "purge", "--before", "2026-02-01"], input="n\n")
    assert res.exit_code == 1 and len(_rows()) == 2  # not confirmed: nothing deleted
    res = CliRunner().invoke(cli, ["feedback", "purge", "--before", "2026-02-01", "--yes"])
    assert res.exit_code == 0 and "deleted 1 correction" in res.output
    assert [r["id"] for r in _rows()] == ids[1:]
    res = CliRunner().invoke(cli, ["feedback", "purge", "--id", str(ids[1]), "--yes"])
    assert "deleted 1" in res.output and _rows() == []
    raw = (user_dir() / "feedback.sqlite3").read_bytes()
    assert b"goose" not in raw  # secure_delete + truncated WAL: the text is gone from the files
