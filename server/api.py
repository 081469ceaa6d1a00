"""The versioned JSON API, ``/v1/...``: analysis, reply checks, feedback, model info."""

import json
import logging
import time

from flask import Blueprint, current_app, g, request

from attune import model as attune_model
from attune.model.coach import edit_terms
from attune.model.errors import AttuneError
from attune.model.labels import COLORS, LABELS
from attune.model.limits import LIMITS

from attune.store.feedback import add_feedback

from .errors import ApiError
from .feedback import get_db
from .served import get_model

bp = Blueprint("api", __name__, url_prefix="/v1")
log = logging.getLogger("attune.server")

_SHORT_FIELD = 200  # model_version, source: identifiers, not text


# --- request parsing ----------------------------------------------------------------------------

def _json_body():
    """The request's JSON object, or a 415/400 ApiError (413 comes from MAX_CONTENT_LENGTH)."""
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "send JSON with Content-Type: application/json")
    raw = request.get_data(cache=True)
    try:
        # Decoded here, not by json.loads(bytes), which would also guess UTF-16 and UTF-32: the API
        # reads UTF-8 only. A UTF-8 byte order mark is skipped (RFC 8259 allows ignoring it).
        body = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, RecursionError):  # bad JSON, not UTF-8 (UnicodeDecodeError), absurd nesting
        raise ApiError(400, "bad_json", "request body is not valid UTF-8 JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_input", "request body must be a JSON object")
    return body


def _text(value, field="text"):
    """A non-empty string of valid Unicode."""
    if value is None:
        raise ApiError(400, "invalid_input", f"'{field}' is required")
    if not isinstance(value, str):
        raise ApiError(400, "invalid_input", f"'{field}' must be a string")
    if not value.strip():
        raise ApiError(400, "empty_text", f"'{field}' is empty")
    return _unicode(value, field)


def _unicode(value, field):
    """``value`` if it can be stored and sent back as UTF-8."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from "\ud800" escapes
        raise ApiError(400, "invalid_input", f"'{field}' is not valid Unicode") from None
    return value


def _label(value, field="label", required=True):
    """One of the seven labels, exactly as the taxonomy spells it."""
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ApiError(400, "invalid_input", f"'{field}' must be one of: {', '.join(LABELS)}")
    if value not in LABELS:
        raise ApiError(400, "unknown_label", f"'{field}' must be one of: {', '.join(LABELS)}")
    return value


def _short(body, field):
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > _SHORT_FIELD:
        raise ApiError(400, "invalid_input", f"'{field}' must be a string of at most {_SHORT_FIELD} characters")
    return _unicode(value, field)


def _item_id(item):
    item_id = item.get("id")
    if item_id is None or (isinstance(item_id, (str, int)) and not isinstance(item_id, bool)):
        return item_id
    raise ApiError(400, "invalid_input", "'id' must be a string or an integer")


def _error(exc):
    return {"code": exc.code, "message": exc.message if isinstance(exc, ApiError) else str(exc)}


# --- endpoints ----------------------------------------------------------------------------------

@bp.get("/health")
def health():
    # Answers while the model is still loading (the version comes from its manifest), and says
    # "degraded", with why, when analyses fail or the model process had to fall back.
    return current_app.extensions["attune.model"].health()


@bp.post("/analyze")
def analyze():
    text = _text(_json_body().get("text"))
    result = current_app.extensions["attune.coalescer"].analyze(get_model(), text)
    if isinstance(result, str):  # already JSON (from the model process)
        return current_app.response_class(result + "\n", mimetype="application/json")
    return result


@bp.post("/analyze/batch")
def analyze_batch():
    items = _json_body().get("items")
    limit = current_app.config["MAX_BATCH_ITEMS"]
    if not isinstance(items, list):
        raise ApiError(400, "invalid_input", "'items' must be a list of {id, text} objects")
    if len(items) > limit:
        raise ApiError(400, "too_many_items", f"at most {limit} items per batch")

    results, ids, texts, slots = [None] * len(items), [], [], []
    for i, item in enumerate(items):
        item_id = None
        try:
            if not isinstance(item, dict):
                raise ApiError(400, "invalid_input", "each item must be an object with 'id' and 'text'")
            item_id = _item_id(item)
            texts.append(_text(item.get("text")))
        except ApiError as exc:
            results[i] = {"id": item_id, "error": _error(exc)}
            continue
        ids.append(item_id)
        slots.append(i)

    m = get_model()
    as_json = getattr(m, "json_results", False)
    extra = {"as_json": True} if as_json else {}
    analysed = m.analyze_each(texts, max_chars=current_app.config["MAX_TEXT_CHARS"], **extra) if texts else []
    for slot, item_id, result in zip(slots, ids, analysed):
        if isinstance(result, AttuneError):
            results[slot] = {"id": item_id, "error": _error(result)}
        elif isinstance(result, str):  # JSON text from the model process: spliced, not re-encoded
            results[slot] = _JsonText('{"id":' + json.dumps(item_id) + "," + result[1:])
        else:
            results[slot] = {"id": item_id, **result}
    if not as_json:
        return {"results": results}
    parts = [r if isinstance(r, _JsonText) else json.dumps(r, separators=(",", ":")) for r in results]
    return current_app.response_class('{"results":[' + ",".join(parts) + "]}\n", mimetype="application/json")


class _JsonText(str):
    """One result already encoded as JSON."""


@bp.post("/reply/check")
def reply_check():
    body = _json_body()
    draft = _text(body.get("text"))
    label = _label(body.get("label"), required=False)
    limit = current_app.config["MAX_TEXT_CHARS"]
    result = dict(attune_model.check_reply(draft[:limit], label))
    result["truncated"] = len(draft) > limit
    return result


_MAX_TERMS, _TERM_CHARS = 50, 100


def _terms(body, field):
    """A list of short terms (words or phrases, not text)."""
    value = body.get(field, [])
    if not isinstance(value, list) or len(value) > _MAX_TERMS:
        raise ApiError(400, "invalid_input", f"'{field}' must be a list of at most {_MAX_TERMS} terms")
    for term in value:
        if not isinstance(term, str) or not term.strip() or len(term) > _TERM_CHARS:
            raise ApiError(400, "invalid_input", f"each of '{field}' must be a term of 1 to {_TERM_CHARS} characters")
        _unicode(term, field)
    return value


@bp.post("/reply/terms")
def reply_terms():
    # The extension's "our customers know this word": the team's jargon, kept in its coach.json
    body = _json_body()
    add, remove = _terms(body, "add"), _terms(body, "remove")
    if not add and not remove:
        raise ApiError(400, "invalid_input", "give terms to 'add' (flag as jargon) or 'remove' (never flag)")
    return edit_terms(add=add, remove=remove)


@bp.post("/feedback")
def feedback():
    body = _json_body()
    row = {  # every field checked before the store is touched: bad input stores nothing
        "text": _text(body.get("text")),
        "label": _label(body.get("label")),
        "predicted": _label(body.get("predicted"), "predicted", required=False),
        "model_version": _short(body, "model_version"),
        "source": _short(body, "source"),
    }
    return {"id": add_feedback(get_db(), **row)}, 201


@bp.get("/model")
def model_info():
    m = get_model()
    manifest = m.manifest or {}
    info = {"version": m.version, "labels": list(m.labels), "scores": manifest.get("scores") or {},
            # What clients must respect, from the one place they are defined (the extension reads these).
            "limits": {**LIMITS, "max_text_chars": current_app.config["MAX_TEXT_CHARS"],
                       "max_batch_items": current_app.config["MAX_BATCH_ITEMS"]},
            "colors": dict(COLORS)}
    for key in ("created", "n_train"):
        if key in manifest:
            info[key] = manifest[key]
    return info


# --- request log: method, route, status, duration; never bodies ---------------------------------

def _start_timer():
    g.attune_t0 = time.perf_counter()


def _log_request(response):
    t0 = g.pop("attune_t0", None)
    ms = (time.perf_counter() - t0) * 1000 if t0 is not None else -1.0
    # The matched route, not the raw path: a path is client data too.
    rule = request.url_rule.rule if request.url_rule is not None else "<no route>"
    log.info("%s %s %d %.1fms", request.method, rule, response.status_code, ms)
    return response


def init_app(app):
    """Time and log every request (register before the security guard)."""
    app.before_request(_start_timer)
    app.after_request(_log_request)
