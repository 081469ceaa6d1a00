"""The feedback store: 201 means a durable row; bad input stores nothing; retraining reads it back."""

import sqlite3
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
