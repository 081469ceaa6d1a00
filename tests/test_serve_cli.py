"""`attune serve` and `attune token`: pairing output, loopback-only binding, a real waitress run."""

import http.client
import json
import os
import re
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from attune.cli import serve as cli_serve
from attune.cli import cli
from attune.store.paths import user_dir

ROOT = Path(__file__).resolve().parents[1]


def test_token_prints_the_token_last(runner):
    first = runner.invoke(cli, ["token"])
    assert first.exit_code == 0, first.output
    token = first.output.strip().splitlines()[-1]
    path = user_dir() / "token"
    assert token == path.read_text().strip()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 256 bits, URL-safe
    again = runner.invoke(cli, ["token"])
    assert again.output.strip().splitlines()[-1] == token


def test_token_rotate(runner):
    old = runner.invoke(cli, ["token"]).output.strip().splitlines()[-1]
    rotated = runner.invoke(cli, ["token", "--rotate"])
    assert rotated.exit_code == 0
    new = rotated.output.strip().splitlines()[-1]
    assert new != old
    assert (user_dir() / "token").read_text().strip() == new
    assert stat.S_IMODE((user_dir() / "token").stat().st_mode) == 0o600


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.com"])
def test_serve_refuses_non_loopback_without_allow_remote(runner, host):
    result = runner.invoke(cli, ["serve", "--host", host, "--port", "0"])
    assert result.exit_code != 0
    assert "--allow-remote" in result.output


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("0.0.0.0", False), ("::", False), ("10.0.0.1", False), ("example.com", False),
])
def test_loopback_detection(host, loopback):
    assert cli_serve._is_loopback(host) is loopback


def test_allow_remote_warns_and_binds_the_host_given(runner, monkeypatch):
    import waitress

    seen = {}

    def no_bind(app, **kwargs):  # stop before a socket is opened on a public address
        seen.update(kwargs)
        raise OSError("not binding in tests")

    monkeypatch.setattr(waitress, "create_server", no_bind)
    result = runner.invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "0", "--allow-remote"])
    assert "WARNING" in result.output
    assert seen["host"] == "0.0.0.0"
    assert result.exit_code == 1 and "cannot listen on 0.0.0.0:0" in result.output


def test_port_in_use_is_one_clear_line(runner):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(cli, ["serve", "--port", str(port)])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output


@pytest.fixture(scope="module")
def served(tiny_model_dir, tmp_path_factory):
    """A real `attune serve` on a free port with the tiny model, shared by this module's last tests.

    Yields (port, token, banner, process); the last test stops it to read its log.
    """
    home = tmp_path_factory.mktemp("served") / "home"
    env = dict(os.environ, ATTUNE_HOME=str(home), PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-c", "from attune.cli import cli; cli()", "serve", "--port", "0",
         "--model", str(tiny_model_dir), "--threads", "2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if "Press Ctrl+C" in line:
                break
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", "".join(lines))
        assert match, "".join(lines) + proc.stderr.read()
        token = (home / "token").read_text().strip()
        yield int(match.group(1)), token, "".join(lines), proc
    finally:
        proc.terminate()
        proc.wait(10)


def _request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    data = json.dumps(body) if body is not None else None
    conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return response.status, json.loads(payload), response


def test_serve_rejects_oversized_bodies(served):
    port, token, _, _ = served
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/v1/analyze", body=b"x" * (1024 * 1024 + 10),
                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    assert response.status == 413
    assert json.loads(response.read())["error"]["code"] == "payload_too_large"


def _raw(port, request):
    """Send raw bytes; return (status, headers, body) of the answer (waitress closes after an error)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


_MAX_HEADER = 262144  # waitress's max_request_header_size (its default)


@pytest.mark.parametrize("extra, status, code", [
    # Content-Length over waitress's own 2 MB limit: refused before any body is read.
    (b"Content-Type: application/json\r\nContent-Length: 3000000\r\n\r\n", 413, "payload_too_large"),
    (b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "bad_request"),
    # Headers end exactly at the limit, so waitress has read every byte when it answers (no reset).
    (b"X-Big: ", 431, "headers_too_large"),
], ids=["body-over-2MB", "bad-chunked", "headers-too-large"])
def test_waitress_errors_are_json(served, extra, status, code):
    port, token, _, _ = served
    request = (f"POST /v1/analyze HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               f"Authorization: Bearer {token}\r\n").encode() + extra
    if status == 431:
        request += b"a" * (_MAX_HEADER - len(request))
    got, headers, body = _raw(port, request)
    assert got == status
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["error"]["code"] == code
    assert token not in body.decode()  # fixed messages: nothing from the request is echoed


def test_serve_runs_waitress_on_loopback(served, tiny_model):
    port, token, banner, proc = served
    assert f"http://127.0.0.1:{port}" in banner
    assert "attune token" in banner  # how to pair
    status, body, response = _request(port, "GET", "/v1/health")
    assert (status, body) == (200, {"status": "ok", "model_version": tiny_model.version})
    assert response.getheader("Server") == "attune"

    secret = "my card 4111-SECRET was charged twice, I'm furious"
    status, body, _ = _request(port, "POST", "/v1/analyze", {"text": secret}, {"Authorization": f"Bearer {token}"})
    assert status == 200 and body["model"] == tiny_model.version

    assert _request(port, "POST", "/v1/analyze", {"text": secret})[0] == 401
    status, body, _ = _request(port, "GET", "/v1/health", headers={"Host": f"evil.example:{port}"})
    assert (status, body["error"]["code"]) == (403, "forbidden_host")
    status, body, _ = _request(port, "GET", "/v1/health", headers={"Host": "127.0.0.1:1"})
    assert status == 403

    proc.terminate()
    _, stderr = proc.communicate(timeout=10)
    assert "POST /v1/analyze 200" in stderr
    assert "SECRET" not in stderr


def test_every_listening_socket_answers_errors_in_json():
    # A host name may resolve to several addresses: waitress then listens on each.
    from attune.server.waitress_errors import create_server

    server = create_server(lambda environ, start_response: [], listen="127.0.0.1:0 127.0.0.1:0")
    try:
        ports = [port for _, port in server.effective_listen]
        threading.Thread(target=server.run, daemon=True).start()
        for port in ports:
            got, headers, body = _raw(port, b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n")
            assert (got, headers["Content-Type"]) == (501, "application/json")
            assert json.loads(body)["error"]["code"] == "not_implemented"
    finally:
        server.close()
