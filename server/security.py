"""The defences of a localhost service: pairing token, Host and Origin checks, CORS.

Any web page the agent opens can send requests to 127.0.0.1, and DNS rebinding lets a page
talk to it under its own host name. So every request must name a loopback Host, browser
requests must come from an extension origin, and everything but health needs the token.
"""

import hmac
import os
import re
import secrets
import threading
from pathlib import Path

from flask import current_app, request
from flask_cors import CORS

from .errors import ApiError
from attune.store.paths import user_dir

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")

#: Endpoints reachable without the token (health reveals only status and model version).
PUBLIC_ENDPOINTS = {"api.health"}

_CHROME_ID = r"[a-p]{32}"  # Chrome extension ids: 32 letters a-p
_MOZ_ID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


# --- token ------------------------------------------------------------------------------------

def token_path():
    """Where the pairing token lives."""
    return user_dir() / "token"


def _write_token(path, token):
    # Write to a private temp file and rename, so the token is never readable by others
    # and a reader never sees a half-written file.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(token + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def new_token():
    """A fresh random token: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def read_token(path=None, create=True):
    """Return the token, creating it on first run (mode 0600); tighten loose permissions."""
    path = Path(path) if path else token_path()
    try:
        token = path.read_text().strip()
    except FileNotFoundError:
        if not create:
            raise
        token = ""
    if not token:
        token = new_token()
        _write_token(path, token)
    elif path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    return token


def rotate_token(path=None):
    """Replace the token with a new one; paired extensions must be paired again."""
    path = Path(path) if path else token_path()
    token = new_token()
    _write_token(path, token)
    return token


class TokenSource:
    """The current token: a fixed one from config, or the token file re-read when it changes.

    Re-reading on change means ``attune token --rotate`` takes effect without a restart.
    """

    def __init__(self, fixed=None, path=None):
        self.fixed = fixed
        self.path = Path(path) if path else None
        self._lock = threading.Lock()
        self._stamp = None
        self._token = None

    def get(self):
        if self.fixed:
            return self.fixed
        try:
            st = os.stat(self.path)
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        with self._lock:
            if stamp is None or stamp != self._stamp:
                self._token = read_token(self.path)
                st = os.stat(self.path)
                self._stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
            return self._token


def _check_token():
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    expected = current_app.extensions["attune.token"].get()
    # Constant-time comparison of bytes; any wrong or missing token gets the same answer.
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode("utf-8", "surrogateescape"), expected.encode("utf-8")
    ):
        raise ApiError(
            401, "unauthorized", "missing or wrong token; run `attune token` to pair",
            {"WWW-Authenticate": 'Bearer realm="attune"'},
        )


# --- Host -------------------------------------------------------------------------------------

def allowed_hosts(port=None, extra=()):
    """Host header values accepted: loopback names with the port (any port when it is unknown)."""
    names = list(LOOPBACK_NAMES) + [h.lower() for h in extra]
    if port is None:
        return None, tuple(names)
    hosts = {f"{name}:{port}" for name in names}
    if int(port) == 80:
        hosts.update(names)
    return frozenset(hosts), tuple(names)


def host_allowed(host, port=None, extra=()):
    """True when ``host`` (the Host header) names this loopback server."""
    host = (host or "").lower()
    exact, names = allowed_hosts(port, extra)
    if exact is not None:
        return host in exact
    name, sep, rest = host.rpartition(":")
    if not sep or name == "[" or host.endswith("]"):  # no port, or a bare IPv6 literal
        name, rest = host, ""
    return name in names and (rest == "" or rest.isdigit())


def _check_host():
    cfg = current_app.config
    if not host_allowed(request.host, cfg["PORT"], cfg["ALLOWED_HOSTS"]):
        raise ApiError(403, "forbidden_host", "Host header must name this loopback server")


# --- Origin and CORS --------------------------------------------------------------------------

def extension_ids(value):
    """Parse an allowlist given as a list or a comma-separated string."""
    if isinstance(value, str):
        value = value.split(",")
    return tuple(i.strip() for i in (value or ()) if i and i.strip())


def origin_patterns(ids=()):
    """Regular expressions of the accepted browser origins (extension pages only)."""
    if ids:
        alternatives = "|".join(re.escape(i) for i in ids)
        return [rf"^(chrome-extension|moz-extension)://({alternatives})$"]
    return [rf"^chrome-extension://{_CHROME_ID}$", rf"^moz-extension://{_MOZ_ID}$"]


def origin_allowed(origin, ids=()):
    """True for an extension origin on the allowlist (any extension when the list is empty)."""
    return any(re.match(p, origin) for p in origin_patterns(ids))


def _check_origin():
    origin = request.headers.get("Origin")
    if origin is not None and not origin_allowed(origin, current_app.config["EXTENSION_IDS"]):
        raise ApiError(403, "forbidden_origin", "browser requests are accepted only from the Attune extension")


def _guard():
    # Order matters: refuse foreign hosts and web origins before anything else, even 404s.
    _check_host()
    _check_origin()
    # CORS preflights carry no credentials; flask-cors answers them for allowed origins.
    if request.method == "OPTIONS" or request.endpoint in PUBLIC_ENDPOINTS:
        return
    _check_token()


def init_app(app):
    """Install the request guard, the token source and CORS on ``app``."""
    cfg = app.config
    cfg["EXTENSION_IDS"] = extension_ids(cfg["EXTENSION_IDS"])
    source = TokenSource(cfg.get("TOKEN"), cfg.get("TOKEN_PATH") or token_path())
    source.get()  # first run: create the token now, so `attune token` and the server agree
    app.extensions["attune.token"] = source
    app.before_request(_guard)
    CORS(
        app,
        resources={r"/v1/*": {}, r"/openapi.json": {}},
        origins=origin_patterns(cfg["EXTENSION_IDS"]),
        allow_headers=["Authorization", "Content-Type"],
        methods=["GET", "POST", "OPTIONS"],
        max_age=600,
        supports_credentials=False,
        vary_header=True,
    )
