"""The localhost defences: token, Host, Origin/CORS, token file, user data directory."""

import os
import stat

import pytest

from attune.server import create_app, security
from attune.store.paths import user_dir

CHROME = "chrome-extension://" + "abcdefghijklmnopabcdefghijklmnop"
OTHER_CHROME = "chrome-extension://" + "p" * 32
MOZ = "moz-extension://0f2e6a3c-1b2d-4c5e-8f90-a1b2c3d4e5f6"

PROTECTED = [
    ("POST", "/v1/analyze", {"json": {"text": "hello"}}),
    ("POST", "/v1/analyze/batch", {"json": {"items": []}}),
    ("POST", "/v1/reply/check", {"json": {"text": "hello"}}),
    ("POST", "/v1/feedback", {"json": {"text": "hello", "label": "neutral"}}),
    ("GET", "/v1/model", {}),
    ("GET", "/openapi.json", {}),
    ("GET", "/v1/unknown", {}),
]


def _token(app):
    return app.extensions["attune.token"].get()


# --- token -------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path, kwargs", PROTECTED)
@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer wrong-token", "Basic dXNlcjpwYXNz", "TOKEN"])
def test_every_endpoint_but_health_needs_the_token(app, method, path, kwargs, authorization):
    headers = {}
    if authorization == "TOKEN":  # the right token without the Bearer scheme
        headers["Authorization"] = _token(app)
    elif authorization is not None:
        headers["Authorization"] = authorization
    response = app.test_client().open(path, method=method, headers=headers, **kwargs)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("method, path, kwargs", PROTECTED[:-1])
def test_the_right_token_opens_every_endpoint(app, method, path, kwargs):
    response = app.test_client().open(
        path, method=method, headers={"Authorization": f"Bearer {_token(app)}"}, **kwargs
    )
    assert response.status_code in (200, 201)


def test_token_scheme_is_case_insensitive(app):
    response = app.test_client().get("/v1/model", headers={"Authorization": f"bearer {_token(app)}"})
    assert response.status_code == 200


def test_token_is_compared_in_constant_time(app, monkeypatch):
    calls = []
    real = security.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", spy)
    app.test_client().get("/v1/model", headers={"Authorization": "Bearer nope"})
    assert calls == [(b"nope", _token(app).encode())]


def test_token_file_is_random_private_and_stable(app):
    path = user_dir() / "token"
    token = path.read_text().strip()
    assert token == _token(app)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(token) >= 22  # >= 128 bits in URL-safe base64
    assert security.read_token() == token  # created once, then reused
    assert security.new_token() != security.new_token()


def test_loose_token_permissions_are_tightened(app):
    path = user_dir() / "token"
    os.chmod(path, 0o644)
    security.read_token()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_rotation_takes_effect_without_restart(app):
    client = app.test_client()
    old = _token(app)
    assert client.get("/v1/model", headers={"Authorization": f"Bearer {old}"}).status_code == 200
    new = security.rotate_token()
    assert new != old
    assert stat.S_IMODE((user_dir() / "token").stat().st_mode) == 0o600
    assert client.get("/v1/model", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert client.get("/v1/model", headers={"Authorization": f"Bearer {new}"}).status_code == 200


def test_user_dir_follows_attune_home(tmp_path, monkeypatch, tiny_model):
    monkeypatch.setenv("ATTUNE_HOME", str(tmp_path / "elsewhere"))
    app = create_app({"TESTING": True, "MODEL": tiny_model})
    token = _token(app)
    assert (tmp_path / "elsewhere" / "token").read_text().strip() == token
    response = app.test_client().post(
        "/v1/feedback", json={"text": "thanks!", "label": "grateful"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201
    assert (tmp_path / "elsewhere" / "feedback.sqlite3").exists()


# --- Host --------------------------------------------------------------------------------------

@pytest.fixture
def app_on_port(tiny_model):
    return create_app({"TESTING": True, "MODEL": tiny_model, "PORT": 8765})


@pytest.mark.parametrize("host, ok", [
    ("127.0.0.1:8765", True),
    ("localhost:8765", True),
    ("LOCALHOST:8765", True),
    ("[::1]:8765", True),
    ("localhost", False),  # no port: not what a browser sends to this server
    ("localhost:9999", False),
    ("127.0.0.1:80", False),
    ("evil.example:8765", False),  # DNS rebinding: attacker's name, our address
    ("evil.example", False),
    ("127.0.0.1.nip.io:8765", False),
    ("localhost.:8765", False),
    ("0.0.0.0:8765", False),
    ("192.168.1.10:8765", False),
    ("[::1]:9999", False),
])
def test_host_must_be_loopback_with_our_port(app_on_port, host, ok):
    client = app_on_port.test_client()
    for path, headers in (("/v1/health", {}), ("/v1/model", {"Authorization": f"Bearer {_token(app_on_port)}"})):
        response = client.get(path, headers={"Host": host, **headers})
        if ok:
            assert response.status_code == 200
        else:
            assert response.status_code == 403
            assert response.get_json()["error"]["code"] == "forbidden_host"


@pytest.mark.parametrize("host, port, extra, ok", [
    ("localhost", None, (), True),
    ("127.0.0.1:5000", None, (), True),
    ("[::1]", None, (), True),
    ("evil.example:8765", None, (), False),
    ("::1", None, (), False),
    ("myhost.lan:8765", 8765, ("myhost.lan",), True),
    ("myhost.lan:8765", 8765, (), False),
    ("localhost", 80, (), True),
])
def test_host_allowed_table(host, port, extra, ok):
    assert security.host_allowed(host, port, extra) is ok


# --- Origin and CORS ---------------------------------------------------------------------------

@pytest.mark.parametrize("origin", [CHROME, OTHER_CHROME, MOZ])
def test_extension_origins_get_cors(client, origin):
    response = client.post("/v1/analyze", json={"text": "hello"}, headers={"Origin": origin})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == origin


@pytest.mark.parametrize("origin", [
    "https://evil.example",
    "http://localhost:8765",
    "http://127.0.0.1:8765",
    "null",
    "file://",
    "chrome-extension://not-a-valid-id",
    "chrome-extension://" + "a" * 32 + ".evil.example",
    "moz-extension://not-a-uuid",
    "",
])
def test_web_origins_get_403_and_no_cors(client, origin):
    for method, path, kwargs in (("POST", "/v1/analyze", {"json": {"text": "hi"}}), ("GET", "/v1/health", {})):
        response = client.open(path, method=method, headers={"Origin": origin}, **kwargs)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden_origin"
        assert not any(h.lower().startswith("access-control-") for h in response.headers.keys())


def test_preflight_from_extension_is_answered(client):
    response = client.options("/v1/analyze", headers={
        "Origin": CHROME,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    })
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == CHROME
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_preflight_from_web_page_is_refused(client):
    response = client.options("/v1/analyze", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
    })
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers


def test_requests_without_origin_are_served(client):
    assert client.post("/v1/analyze", json={"text": "hello"}).status_code == 200


@pytest.mark.parametrize("source", ["config", "env"])
def test_extension_allowlist(tiny_model, monkeypatch, source):
    allowed_id = CHROME.rsplit("/", 1)[1]
    moz_id = MOZ.rsplit("/", 1)[1]
    config = {"TESTING": True, "MODEL": tiny_model}
    if source == "env":
        monkeypatch.setenv("ATTUNE_EXTENSION_IDS", f" {allowed_id} , {moz_id}")
    else:
        config["EXTENSION_IDS"] = [allowed_id, moz_id]
    app = create_app(config)
    client = app.test_client()
    auth = {"Authorization": f"Bearer {_token(app)}"}
    for origin, status in ((CHROME, 200), (MOZ, 200), (OTHER_CHROME, 403),
                           ("moz-extension://00000000-0000-4000-8000-000000000000", 403)):
        response = client.get("/v1/model", headers={"Origin": origin, **auth})
        assert response.status_code == status, origin
        assert (response.headers.get("Access-Control-Allow-Origin") == origin) is (status == 200)
