"""Attune's local server: a Flask app factory serving the JSON API on 127.0.0.1."""

import os

from flask import Flask

from attune.model.limits import MAX_BATCH_ITEMS, MAX_TEXT_CHARS

__all__ = ["create_app"]



class AttuneFlask(Flask):
    """Flask, with exception logging that never includes the exception message."""

    def log_exception(self, exc_info):
        # Flask's default logs the exception message, which could quote ticket text.
        from .errors import log_unexpected

        log_unexpected(exc_info[1])


def create_app(test_config=None):
    """Create and configure the app; ``test_config`` overrides the defaults."""
    # Given, not guessed: Flask's guess fails for a namespace package installed in editable mode.
    # Nothing is ever written to the instance folder.
    app = AttuneFlask(__name__, instance_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "instance"))
    app.config.from_mapping(
        MODEL=None,  # an already-loaded model.Model (tests)
        MODEL_PATH=None,  # a model directory
        MODEL_RELOAD_INTERVAL=5.0,  # seconds between checks of models/current
        MODEL_PROCESS=False,  # analyse in a child process (attune serve): see model.process
        TOKEN=None,  # fixed token; default: the token file in user_dir()
        TOKEN_PATH=None,
        FEEDBACK_DB=None,  # default: user_dir()/feedback.sqlite3
        EXTENSION_IDS=os.environ.get("ATTUNE_EXTENSION_IDS", ""),
        PORT=None,  # the port we serve on; when set, the Host header must carry it
        ALLOWED_HOSTS=(),  # extra Host names (only with --allow-remote)
        MAX_CONTENT_LENGTH=1024 * 1024,
        MAX_TEXT_CHARS=MAX_TEXT_CHARS,
        MAX_BATCH_ITEMS=MAX_BATCH_ITEMS,
    )
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.json.sort_keys = False

    from . import api, errors, feedback, openapi, security, served

    served.init_app(app)
    api.init_app(app)  # first: its timer must start before the security guard runs
    errors.init_app(app)
    security.init_app(app)
    feedback.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(openapi.bp)
    return app
