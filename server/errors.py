"""HTTP errors: one JSON shape, ``{"error": {"code", "message"}}``, for every failure the API returns."""

import logging
import traceback

from flask import current_app, jsonify
from werkzeug.exceptions import HTTPException

from attune.model.errors import AttuneError, ModelError
from attune.store.feedback import StorageUnavailable

log = logging.getLogger("attune.server")

#: Stable codes for the HTTP statuses Werkzeug raises (routing, limits, parsing).
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    431: "headers_too_large",  # from waitress (server/waitress_errors.py)
    500: "internal_error",
    501: "not_implemented",  # from waitress: an unsupported Transfer-Encoding
}


class ApiError(Exception):
    """A request the API refuses on purpose; carries the HTTP status and a stable code."""

    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_response(status, code, message, headers=None):
    """Return the JSON error response (messages never echo request text)."""
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def status_for(exc):
    """HTTP status for a model error: bad input is the caller's fault, a broken model or store is ours."""
    return 503 if isinstance(exc, (ModelError, StorageUnavailable)) else 400


def log_unexpected(exc):
    """Log an unexpected exception by type and stack only: its message might quote ticket text."""
    stack = "".join(traceback.format_tb(exc.__traceback__))
    log.error("unexpected %s\n%s", type(exc).__name__, stack)


def init_app(app):
    """Register the JSON error handlers on ``app``."""

    @app.errorhandler(ApiError)
    def _api_error(exc):
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.errorhandler(AttuneError)
    def _model_error(exc):
        # Model error messages describe the problem (empty text, unknown label), not the text itself.
        return error_response(status_for(exc), exc.code, str(exc))

    @app.errorhandler(HTTPException)
    def _http_error(exc):
        status = exc.code or 500
        message = exc.description or exc.name
        if status == 500:
            # An unhandled exception arrives here wrapped (never in TESTING, where it propagates);
            # it was already logged by ``AttuneFlask.log_exception``.
            message = "internal server error"
        elif status == 413:
            message = f"request body is larger than {current_app.config['MAX_CONTENT_LENGTH']} bytes"
        headers = {k: v for k, v in exc.get_headers() if k.lower() == "allow"}
        return error_response(status, HTTP_CODES.get(status, "http_error"), message, headers)
