"""Crashes with real processes: kill -9 of the server, of its model process and of a retrain.

After each: no acknowledged correction is lost and a model can be served.
"""

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from attune import model
from attune.model import registry
from attune.store.feedback import add_feedback, connect, read_feedback
from tests.test_cli_model import _write_data
from tests.tiny_corpus import CORPUS

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from attune.cli import cli; cli()"]


def _env(home, **extra):
    return dict(os.environ, ATTUNE_HOME=str(home), PYTHONPATH=str(ROOT), **extra)


def _serve(home, *args):
    proc = subprocess.Popen(CLI + ["serve", "--port", "0", "--threads", "4", *args], cwd=ROOT, env=_env(home),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if match:
            return proc, int(match.group(1)), (home / "token").read_text().strip()
    raise AssertionError("the server did not start")


def _call(port, method, path, token=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    status, payload = response.status, json.loads(response.read())
    conn.close()
    return status, payload


def _model_process(pid):
    """The server's model process (not multiprocessing's resource tracker)."""
    kids = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids += [int(k) for k in (task / "children").read_text().split()]
    return [k for k in kids if b"resource_tracker" not in Path(f"/proc/{k}/cmdline").read_bytes()]


def _kill(proc):
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)


def test_kill_9_of_the_server_loses_no_acknowledged_correction(tiny_model_dir, attune_home):
    proc, port, token = _serve(attune_home, "--model", str(tiny_model_dir))
    acknowledged, stop = [], threading.Event()

    def post():
        i = 0
        while not stop.is_set():
            try:
                status, body = _call(port, "POST", "/v1/feedback", token, {"text": f"row {i}", "label": "neutral"})
            except (OSError, http.client.HTTPException, ValueError):
                return  # the server is gone
            if status == 201:
                acknowledged.append((body["id"], f"row {i}"))
            i += 1

    writers = [threading.Thread(target=post) for _ in range(3)]
    for t in writers:
        t.start()
    deadline = time.monotonic() + 20
    while len(acknowledged) < 30 and time.monotonic() < deadline:
        time.sleep(0.01)
    _kill(proc)
    stop.set()
    for t in writers:
        t.join(10)
    assert len(acknowledged) >= 30
    stored = {r["id"]: r["text"] for r in read_feedback(attune_home / "feedback.sqlite3")}
    assert all(stored.get(row_id) == text for row_id, text in acknowledged)

    proc, port, token = _serve(attune_home, "--model", str(tiny_model_dir))  # and it serves again
    try:
        assert _call(port, "POST", "/v1/analyze", token, {"text": "thanks!"})[0] == 200
    finally:
        _kill(proc)


def test_kill_9_of_the_model_process_and_the_server_carries_on(tiny_model_dir, attune_home):
    proc, port, token = _serve(attune_home, "--model", str(tiny_model_dir))
    try:
        assert _call(port, "POST", "/v1/analyze", token, {"text": "thanks!"})[0] == 200
        (child,) = _model_process(proc.pid)
        os.kill(child, signal.SIGKILL)
        time.sleep(0.2)
        statuses = [_call(port, "POST", "/v1/analyze", token, {"text": "thanks!"})[0] for _ in range(3)]
        assert statuses[1:] == [200, 200]  # at most the first call notices the death
        assert _call(port, "GET", "/v1/health") == (200, {"status": "ok", "model_version": "tiny-test"})
    finally:
        _kill(proc)


@pytest.fixture
def retrain_setup(tiny_model, attune_home, tmp_path):
    root = attune_home / "models"
    partial = registry.partial_dir(root, "good")
    tiny_model.save(partial)
    registry.promote(root, registry.commit(partial))
    conn = connect()
    for i in range(10):
        add_feedback(conn, f"my parcel {i} is lost and the party is tomorrow, please help", "anxious")
    conn.close()
    return root, _write_data(tmp_path / "data", CORPUS)


@pytest.mark.parametrize("point", ["trained", "saving", "saved", "promoted"])
def test_kill_9_of_a_retrain_leaves_a_servable_model(retrain_setup, attune_home, point):
    root, data = retrain_setup
    before = read_feedback()
    proc = subprocess.Popen(CLI + ["retrain", "--data", str(data)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True,
                            env=_env(attune_home, ATTUNE_RETRAIN_PAUSE=f"{point}:60"))
    for line in proc.stderr:
        if f"paused at {point}" in line:
            break
    _kill(proc)

    assert read_feedback() == before
    current = registry.resolve(root)
    assert current.note is None and model.load_runtime(current.path).analyze("thanks!")["label"]
    assert current.name == ("good" if point != "promoted" else os.readlink(root / "current"))

    res = subprocess.run(CLI + ["retrain", "--data", str(data)], cwd=ROOT, env=_env(attune_home),
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert not list(root.glob(".partial-*"))
    assert ("removed .partial-" in res.stderr) == (point in ("saving", "saved"))
    assert model.load_runtime(registry.resolve(root).path).version != "good"
