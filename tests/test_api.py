"""The /v1 JSON API: results, batch, reply checks, model info, and every kind of bad request."""

import copy
import json
import logging
import threading
import time

import pytest

from attune.model.errors import EmptyText
from attune.model.labels import LABELS
from attune.server import create_app
from attune.server.served import Coalescer

RESULT_KEYS = {"label", "confidence", "scores", "intensity", "cues", "guidance", "truncated", "model"}


def test_health_needs_no_token_and_says_little(app, tiny_model):
    response = app.test_client().get("/v1/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "model_version": tiny_model.version}


def test_analyze_returns_the_result_shape(client, tiny_model):
    text = "This is the third time I'm writing, it is still not working!"
    response = client.post("/v1/analyze", json={"text": text})
    assert response.status_code == 200
    result = response.get_json()
    assert RESULT_KEYS <= set(result)
    assert result["label"] in LABELS
    assert set(result["scores"]) == set(LABELS)
    assert sum(result["scores"].values()) == pytest.approx(1, abs=1e-3)
    assert result["confidence"] == result["scores"][result["label"]]
    assert result["truncated"] is False
    assert result["model"] == tiny_model.version
    for cue in result["cues"]:
        assert text[cue["start"]:cue["end"]] == cue["text"]
    # The API adds nothing and loses nothing compared with the library.
    assert result == json.loads(json.dumps(tiny_model.analyze(text)))


def test_long_text_is_analysed_truncated(client):
    text = "I am so worried about my lost data. " * 700  # ~25,000 characters
    result = client.post("/v1/analyze", json={"text": text}).get_json()
    assert len(text) > 20_000
    assert result["truncated"] is True
    assert all(cue["end"] <= 20_000 for cue in result["cues"])


def test_batch_answers_each_item_and_isolates_bad_ones(client, tiny_model):
    items = [
        {"id": "a", "text": "Thank you so much, that fixed it!"},
        {"id": "b", "text": "   "},
        {"id": 3, "text": 42},
        "not an object",
        {"id": {"x": 1}, "text": "hello"},
        {"id": "f", "text": "Where do I find the export button? I don't understand."},
    ]
    response = client.post("/v1/analyze/batch", json={"items": items})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["id"] for r in results] == ["a", "b", 3, None, None, "f"]
    assert [r.get("error", {}).get("code") for r in results] == [
        None, "empty_text", "invalid_input", "invalid_input", "invalid_input", None,
    ]
    for item, result in zip((items[0], items[5]), (results[0], results[5])):
        expected = json.loads(json.dumps(tiny_model.analyze(item["text"])))
        assert {k: v for k, v in result.items() if k != "id"} == expected


def test_batch_limits(client):
    ok = client.post("/v1/analyze/batch", json={"items": [{"id": i, "text": "hi there"} for i in range(256)]})
    assert ok.status_code == 200 and len(ok.get_json()["results"]) == 256
    too_many = client.post("/v1/analyze/batch", json={"items": [{"id": i, "text": "hi"} for i in range(257)]})
    assert too_many.status_code == 400
    assert too_many.get_json()["error"]["code"] == "too_many_items"
    empty = client.post("/v1/analyze/batch", json={"items": []})
    assert empty.status_code == 200 and empty.get_json() == {"results": []}


def test_reply_check(client):
    draft = "I apologize for any inconvenience. As I already said, you should have read the manual."
    response = client.post("/v1/reply/check", json={"text": draft, "label": "angry"})
    assert response.status_code == 200
    result = response.get_json()
    assert {"ok", "issues", "strengths"} <= set(result)
    assert result["ok"] is False
    assert result["truncated"] is False
    assert {issue["code"] for issue in result["issues"]} & {"canned_apology", "blame"}
    no_label = client.post("/v1/reply/check", json={"text": "Here's what we can do next: ..."})
    assert no_label.status_code == 200


def test_model_info(client, tiny_model):
    info = client.get("/v1/model").get_json()
    assert info["version"] == tiny_model.version
    assert info["labels"] == list(LABELS)
    assert isinstance(info["scores"], dict)


def test_openapi_lists_every_route(client, app):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    served = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == served


def test_openapi_documents_the_http_servers_own_errors(client):
    # waitress answers these itself (server/waitress_errors.py): 431 on any call, 413 on a body.
    for path, ops in client.get("/openapi.json").get_json()["paths"].items():
        for method, op in ops.items():
            assert "431" in op["responses"], (method, path)
            assert "413" in op["responses"] or method != "post", (method, path)


BIG = "x" * (1024 * 1024)

# (method, path, request kwargs) -> (status, error code)
BAD_REQUESTS = [
    ("POST", "/v1/analyze", {"data": "hello", "content_type": "text/plain"}, 415, "unsupported_media_type"),
    ("POST", "/v1/analyze", {}, 415, "unsupported_media_type"),
    ("POST", "/v1/analyze", {"data": "text=hi", "content_type": "application/x-www-form-urlencoded"},
     415, "unsupported_media_type"),
    ("POST", "/v1/analyze", {"data": "{bad json", "content_type": "application/json"}, 400, "bad_json"),
    ("POST", "/v1/analyze", {"data": "", "content_type": "application/json"}, 400, "bad_json"),
    ("POST", "/v1/analyze", {"data": b"\xff\xfe\xfa", "content_type": "application/json"}, 400, "bad_json"),
    ("POST", "/v1/analyze", {"data": "[" * 100_000, "content_type": "application/json"}, 400, "bad_json"),
    # json.loads(bytes) would guess these encodings; the API reads UTF-8 only.
    *[("POST", "/v1/analyze", {"data": '{"text": "hi"}'.encode(enc), "content_type": "application/json"},
       400, "bad_json") for enc in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")],
    ("POST", "/v1/analyze", {"json": ["text"]}, 400, "invalid_input"),
    ("POST", "/v1/analyze", {"json": "text"}, 400, "invalid_input"),
    ("POST", "/v1/analyze", {"json": {}}, 400, "invalid_input"),
    ("POST", "/v1/analyze", {"json": {"text": 5}}, 400, "invalid_input"),
    ("POST", "/v1/analyze", {"json": {"text": ["a"]}}, 400, "invalid_input"),
    ("POST", "/v1/analyze", {"json": {"text": None}}, 400, "invalid_input"),
    ("POST", "/v1/analyze", {"json": {"text": ""}}, 400, "empty_text"),
    ("POST", "/v1/analyze", {"json": {"text": " \n\t "}}, 400, "empty_text"),
    ("POST", "/v1/analyze", {"data": '{"text": "\\ud800 lone surrogate"}', "content_type": "application/json"},
     400, "invalid_input"),
    ("POST", "/v1/analyze", {"data": json.dumps({"text": BIG}), "content_type": "application/json"},
     413, "payload_too_large"),
    ("POST", "/v1/analyze/batch", {"json": {"items": "hello"}}, 400, "invalid_input"),
    ("POST", "/v1/analyze/batch", {"json": {}}, 400, "invalid_input"),
    ("POST", "/v1/analyze/batch", {"json": {"items": [{"text": "hi"}] * 300}}, 400, "too_many_items"),
    ("POST", "/v1/reply/check", {"json": {"text": "ok", "label": "furious"}}, 400, "unknown_label"),
    ("POST", "/v1/reply/check", {"json": {"label": "angry"}}, 400, "invalid_input"),
    ("POST", "/v1/feedback", {"json": {"text": "hi", "label": "furious"}}, 400, "unknown_label"),
    ("POST", "/v1/feedback", {"json": {"text": "hi", "label": "Angry"}}, 400, "unknown_label"),
    ("POST", "/v1/feedback", {"json": {"text": "hi"}}, 400, "invalid_input"),
    ("POST", "/v1/feedback", {"json": {"text": "", "label": "angry"}}, 400, "empty_text"),
    ("POST", "/v1/feedback", {"json": {"text": "hi", "label": "angry", "predicted": "meh"}}, 400, "unknown_label"),
    ("POST", "/v1/feedback", {"json": {"text": "hi", "label": "angry", "source": "s" * 201}}, 400, "invalid_input"),
    ("POST", "/v1/feedback", {"json": {"text": "hi", "label": "angry", "model_version": 7}}, 400, "invalid_input"),
    *[("POST", "/v1/feedback", {"data": f'{{"text": "hi", "label": "angry", "{field}": "\\udc80"}}',
                                "content_type": "application/json"}, 400, "invalid_input")
      for field in ("source", "model_version")],
    ("GET", "/v1/nothing-here", {}, 404, "not_found"),
    ("GET", "/", {}, 404, "not_found"),
    ("GET", "/v2/analyze", {}, 404, "not_found"),
    ("GET", "/v1/analyze", {}, 405, "method_not_allowed"),
    ("DELETE", "/v1/feedback", {}, 405, "method_not_allowed"),
    ("POST", "/v1/health", {"json": {}}, 405, "method_not_allowed"),
]


@pytest.mark.parametrize("method, path, kwargs, status, code", BAD_REQUESTS)
def test_bad_requests_get_json_errors(client, method, path, kwargs, status, code):
    response = client.open(path, method=method, **kwargs)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_utf8_byte_order_mark_is_accepted(client):
    # RFC 8259 lets a parser ignore it; Windows tools add it. Only UTF-8 itself is required.
    response = client.post("/v1/analyze", data=b"\xef\xbb\xbf" + '{"text": "Merci, ça marche"}'.encode(),
                           content_type="application/json")
    assert response.status_code == 200


def test_method_not_allowed_says_what_is(client):
    response = client.get("/v1/analyze")
    assert response.headers["Allow"] and "POST" in response.headers["Allow"]


class _BrokenModel:
    """A real model whose analyze fails unexpectedly, with the text in the exception message."""

    def __init__(self, model):
        self._model = model
        self.version = model.version

    def analyze_each(self, texts, max_chars=20000):
        raise RuntimeError(f"kaboom while reading {texts!r}")


def test_unexpected_error_is_json_500_and_text_stays_out_of_logs(tiny_model, caplog, tmp_path, monkeypatch):
    monkeypatch.setenv("ATTUNE_HOME", str(tmp_path))
    app = create_app({"MODEL": _BrokenModel(tiny_model), "TOKEN": "t" * 43})
    client = app.test_client()
    secret = "my account number is 99-SECRET-42"
    with caplog.at_level(logging.DEBUG):
        response = client.post("/v1/analyze", json={"text": secret},
                               headers={"Authorization": "Bearer " + "t" * 43})
    assert response.status_code == 500
    assert response.get_json() == {"error": {"code": "internal_error", "message": "internal server error"}}
    assert "kaboom" not in response.get_data(as_text=True)
    assert "RuntimeError" in caplog.text  # the failure is logged...
    assert "SECRET" not in caplog.text  # ...without the text


def test_logs_carry_method_route_status_duration_only(client, caplog):
    secret = "Please help, my password hunter2-SECRET leaked and I'm panicking"
    with caplog.at_level(logging.DEBUG):
        client.post("/v1/analyze", json={"text": secret})
        client.post("/v1/feedback", json={"text": secret, "label": "anxious"})
        client.post("/v1/analyze/batch", json={"items": [{"id": "SECRET-id", "text": secret}]})
        client.post("/v1/analyze", json={"text": 12})
        client.get("/v1/SECRET-path")
    assert "SECRET" not in caplog.text
    lines = [r.getMessage() for r in caplog.records if r.name == "attune.server"]
    assert any(line.startswith("POST /v1/analyze 200 ") and line.endswith("ms") for line in lines)
    assert any(line.startswith("POST /v1/feedback 201 ") for line in lines)
    assert any(line.startswith("GET <no route> 404 ") for line in lines)


# --- the model accessor: resolution order and hot reload of models/current ----------------------

def _save_as(tiny_model, directory, version):
    clone = copy.copy(tiny_model)
    clone.version = version
    clone.manifest = {k: v for k, v in tiny_model.manifest.items() if k not in ("created", "sha256")}
    clone.save(directory)
    return clone


def _version(app):
    """The version of the model actually serving (GET /v1/model loads it)."""
    token = app.extensions["attune.token"].get()
    return app.test_client().get("/v1/model", headers={"Authorization": f"Bearer {token}"}).get_json()["version"]


def test_health_answers_before_the_model_is_loaded(tiny_model, attune_home):
    current = attune_home / "models" / "current"
    _save_as(tiny_model, current, "promoted-1")
    app = create_app({"TESTING": True})
    body = app.test_client().get("/v1/health").get_json()
    assert body == {"status": "ok", "model_version": "promoted-1"}
    assert app.extensions["attune.model"].model is None  # read from the manifest, nothing unpickled
    assert _version(app) == "promoted-1"


def test_promoted_model_is_served_and_hot_reloaded(tiny_model, attune_home):
    current = attune_home / "models" / "current"
    _save_as(tiny_model, current, "promoted-1")
    app = create_app({"TESTING": True, "MODEL_RELOAD_INTERVAL": 0})
    assert _version(app) == "promoted-1"
    _save_as(tiny_model, current, "promoted-2")
    assert _version(app) == "promoted-2"


def test_reload_waits_for_the_interval(tiny_model, attune_home):
    current = attune_home / "models" / "current"
    _save_as(tiny_model, current, "promoted-1")
    app = create_app({"TESTING": True, "MODEL_RELOAD_INTERVAL": 3600})
    assert _version(app) == "promoted-1"
    _save_as(tiny_model, current, "promoted-2")
    assert _version(app) == "promoted-1"


def test_broken_promotion_keeps_the_old_model(tiny_model, attune_home, caplog):
    current = attune_home / "models" / "current"
    _save_as(tiny_model, current, "promoted-1")
    app = create_app({"TESTING": True, "MODEL_RELOAD_INTERVAL": 0})
    assert _version(app) == "promoted-1"
    (current / "attune-runtime.npz").write_bytes(b"not a model")  # what the server reads
    manifest = current / "manifest.json"
    manifest.write_text(manifest.read_text())  # a new manifest stamp triggers the reload
    with caplog.at_level(logging.ERROR, logger="attune.server"):
        assert _version(app) == "promoted-1"
        response = app.test_client().post("/v1/analyze", json={"text": "still fine?"},
                                          headers={"Authorization": f"Bearer {app.extensions['attune.token'].get()}"})
    assert response.status_code == 200 and response.get_json()["model"] == "promoted-1"
    assert "reloading models/current failed" in caplog.text


def test_model_path_wins_over_current(tiny_model, tiny_model_dir, attune_home):
    _save_as(tiny_model, attune_home / "models" / "current", "promoted-1")
    app = create_app({"TESTING": True, "MODEL_PATH": str(tiny_model_dir)})
    assert _version(app) == tiny_model.version


def test_missing_model_is_a_json_503(tmp_path):
    app = create_app({"TESTING": True, "MODEL_PATH": str(tmp_path / "no-model-here")})
    response = app.test_client().get("/v1/health")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "model_error"


# --- coalescing of concurrent /v1/analyze calls -------------------------------------------------

class _HeldModel:
    """The tiny model, recording batch sizes; its first batch waits until released."""

    def __init__(self, model):
        self.model, self.version = model, model.version
        self.sizes, self.release = [], threading.Event()

    def analyze_each(self, texts, max_chars):
        self.sizes.append(len(texts))
        if len(self.sizes) == 1:
            self.release.wait(10)
        return self.model.analyze_each(texts, max_chars=max_chars)


def _wait_until(condition, timeout=10):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.001)


def _run_concurrently(coalescer, model, texts):
    results = [None] * len(texts)

    def call(i):
        try:
            results[i] = coalescer.analyze(model, texts[i])
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[i] = exc

    first = threading.Thread(target=call, args=(0,))
    first.start()
    _wait_until(lambda: model.sizes)  # the first call is inside its (held) batch
    others = [threading.Thread(target=call, args=(i,)) for i in range(1, len(texts))]
    for t in others:
        t.start()
    _wait_until(lambda: len(coalescer._pending) == len(texts) - 1)  # everyone else has queued
    model.release.set()
    for t in [first, *others]:
        t.join(10)
    return results


def test_concurrent_analyses_share_one_batch_and_get_their_own_results(tiny_model):
    model = _HeldModel(tiny_model)
    texts = ["Thank you so much!", "Where is the export button?", "Still broken, third time.",
             "I'm scared I lost my files", "Cancel my account NOW", "Please update my address"]
    results = _run_concurrently(Coalescer(20_000), model, texts)
    assert model.sizes == [1, 5]
    assert results == [tiny_model.analyze(t) for t in texts]


def test_one_bad_text_in_a_batch_fails_alone(tiny_model):
    model = _HeldModel(tiny_model)
    texts = ["Thank you so much!", "Where is the export button?", "   ", "Still broken, third time."]
    results = _run_concurrently(Coalescer(20_000), model, texts)
    assert isinstance(results[2], EmptyText)
    assert [results[i] for i in (0, 1, 3)] == [tiny_model.analyze(texts[i]) for i in (0, 1, 3)]


def test_reply_check_follows_an_edited_coach_file_without_restart(client, attune_home, monkeypatch):
    from attune.model import coach

    monkeypatch.setattr(coach, "RELOAD_INTERVAL", 0.0)
    draft = {"text": "Per my last email, the invoice is attached.", "label": "neutral"}
    before = client.post("/v1/reply/check", json=draft).get_json()["issues"][0]
    (attune_home / "coach.json").write_text(json.dumps({"findings": {"blame": {"message": "Team wording."}}}))
    after = client.post("/v1/reply/check", json=draft).get_json()
    assert after["issues"][0]["message"] == "Team wording." != before["message"]
    assert set(after) == {"label", "ok", "issues", "strengths", "truncated"}
    (attune_home / "coach.json").unlink()
    assert client.post("/v1/reply/check", json=draft).get_json()["issues"][0]["message"] == before["message"]


def test_reply_check_with_a_broken_coach_file_is_a_clear_503(client, attune_home, monkeypatch):
    from attune.model import coach

    monkeypatch.setattr(coach, "RELOAD_INTERVAL", 0.0)
    (attune_home / "coach.json").write_text('{"rules": {"blame": ["(unclosed"]}}')
    try:
        with pytest.raises(coach.ConfigError):
            coach.use_override(None)  # as at start-up: no good version read before
        response = client.post("/v1/reply/check", json={"text": "Per my last email, it is attached."})
        assert response.status_code == 503
        error = response.get_json()["error"]
        assert error["code"] == "coach_config" and "rules.blame[0]: not a valid pattern" in error["message"]
        assert "attached" not in error["message"]
        # the emotion analysis goes on with the shipped tips
        analysed = client.post("/v1/analyze", json={"text": "Third time I'm asking. Still broken!"})
        assert analysed.status_code == 200 and analysed.get_json()["guidance"]["tips"]
    finally:
        (attune_home / "coach.json").unlink()
        coach.use_override(None)


def test_reply_terms_teach_the_coach_a_word_the_customers_know_and_one_they_do_not(client, attune_home):
    from attune.model import coach

    draft = {"text": "Your DNS settings are fine and 80 covers are booked.", "label": "confused"}

    def jargon():
        out = client.post("/v1/reply/check", json=draft).get_json()
        return [draft["text"][i["start"]:i["end"]] for i in out["issues"] if i["code"] == "jargon"]

    try:
        assert jargon() == ["DNS"]
        response = client.post("/v1/reply/terms", json={"remove": ["DNS"], "add": ["covers"]})
        assert response.status_code == 200
        assert response.get_json() == {"added": ["covers"], "removed": ["dns"], "unchanged": []}
        assert jargon() == ["covers"]  # the very next check, not a second later
        stored = json.loads((attune_home / "coach.json").read_text(encoding="utf-8"))
        assert stored["rules"]["jargon_known"] == ["dns"]
    finally:
        (attune_home / "coach.json").unlink(missing_ok=True)
        coach.use_override(None)


@pytest.mark.parametrize("body, message", [
    ({}, "give terms"),
    ({"remove": "DNS"}, "must be a list"),
    ({"remove": [""]}, "1 to 100 characters"),
    ({"add": ["x" * 101]}, "1 to 100 characters"),
    ({"add": [7]}, "1 to 100 characters"),
    ({"add": ["a"] * 51}, "at most 50 terms"),
])
def test_reply_terms_bad_input_changes_nothing(client, attune_home, body, message):
    response = client.post("/v1/reply/terms", json=body)
    assert response.status_code == 400 and message in response.get_json()["error"]["message"]
    assert not (attune_home / "coach.json").exists()
