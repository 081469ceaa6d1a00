"""The feedback store in a request: one connection per app context (the store is attune.store)."""

from flask import current_app, g

from attune.store.feedback import connect, db_path

__all__ = ["get_db", "init_app"]


def get_db():
    """The request's connection to the feedback database, opened on first use."""
    if "feedback_db" not in g:
        g.feedback_db = connect(current_app.config["FEEDBACK_DB"])
    return g.feedback_db


def close_db(exc=None):
    conn = g.pop("feedback_db", None)
    if conn is not None:
        conn.close()


def init_app(app):
    """Close the request's database connection when the request ends."""
    if not app.config.get("FEEDBACK_DB"):
        app.config["FEEDBACK_DB"] = str(db_path())
    app.teardown_appcontext(close_db)
