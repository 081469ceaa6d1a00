"""The OpenAPI 3.1 description of the API, served at ``/openapi.json``.

Built in code so the limits and labels come from the same constants the server uses;
tests/test_fuzz_api.py fuzzes the running app from this document.
"""

from flask import Blueprint, current_app

from attune.model.labels import LABELS

bp = Blueprint("openapi", __name__)

_NONBLANK = {"type": "string", "minLength": 1, "pattern": r"\S"}
_SHORT = {"type": ["string", "null"], "maxLength": 200}
_LABEL = {"type": "string", "enum": list(LABELS)}
_UNIT = {"type": "number", "minimum": 0, "maximum": 1}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses):
    why = {
        400: "bad JSON (or not UTF-8), wrong types, empty text or unknown label; a malformed HTTP request",
        401: "missing or wrong token",
        403: "Host is not this loopback server, or the Origin is not the extension",
        404: "no such route",
        413: "request body larger than the limit (past 2 MB the HTTP server answers before the app)",
        415: "Content-Type is not application/json",
        431: "request headers larger than 256 KB (answered by the HTTP server)",
        503: "the model or the reply coach's data file (code coach_config) cannot be loaded, or the feedback store is unavailable",
    }
    return {str(s): _json(_ref("Error"), why[s]) for s in statuses}


def _body(schema):
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def build_spec(max_body, max_chars, max_batch):
    """The OpenAPI document for the given limits."""
    post_errors = _errors(400, 401, 403, 413, 415, 431, 503)
    get_errors = _errors(401, 403, 431, 503)
    schemas = {
        "Error": {"type": "object", "required": ["error"], "properties": {"error": _ref("ErrorBody")}},
        "ErrorBody": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        },
        "Cue": {
            "type": "object",
            "required": ["start", "end", "text", "label"],
            "properties": {
                "start": {"type": "integer", "minimum": 0},
                "end": {"type": "integer", "minimum": 0},
                "text": {"type": "string"},
                "label": _LABEL,
                "weight": {"type": "number"},
            },
        },
        "Guidance": {
            "type": "object",
            "required": ["label", "headline", "tips"],
            "properties": {
                "label": _LABEL,
                "headline": {"type": "string"},
                "tips": {"type": "array", "items": {"type": "string"}},
            },
        },
        "Analysis": {
            "type": "object",
            "required": ["label", "confidence", "scores", "intensity", "cues", "guidance", "truncated", "model"],
            "properties": {
                "label": _LABEL,
                "confidence": _UNIT,
                "scores": {
                    "type": "object",
                    "required": list(LABELS),
                    "properties": {label: _UNIT for label in LABELS},
                    "additionalProperties": False,
                },
                "intensity": _UNIT,
                "cues": {"type": "array", "items": _ref("Cue")},
                "guidance": _ref("Guidance"),
                "truncated": {"type": "boolean", "description": f"the text was longer than {max_chars} characters"},
                "model": {"type": "string"},
            },
        },
        "ItemId": {"type": ["string", "integer", "null"]},
        "BatchResult": {
            "anyOf": [
                {"allOf": [_ref("Analysis"), {"type": "object", "required": ["id"],
                                              "properties": {"id": _ref("ItemId")}}]},
                {"type": "object", "required": ["id", "error"],
                 "properties": {"id": _ref("ItemId"), "error": _ref("ErrorBody")}},
            ]
        },
        "ReplyIssue": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "suggestion": {"type": ["string", "null"]},
                "start": {"type": ["integer", "null"]},
                "end": {"type": ["integer", "null"]},
            },
        },
        "ReplyCheck": {
            "type": "object",
            "required": ["ok", "issues", "strengths"],
            "properties": {
                "label": {"type": ["string", "null"]},
                "ok": {"type": "boolean"},
                "issues": {"type": "array", "items": _ref("ReplyIssue")},
                "strengths": {"type": "array", "items": {"type": "string"}},
                "truncated": {"type": "boolean"},
            },
        },
    }

    paths = {
        "/v1/health": {"get": {
            "operationId": "health",
            "summary": "Liveness, the serving model's version, and why analyses fail if they do; no token needed",
            "security": [],
            "responses": {"200": _json({
                "type": "object", "required": ["status", "model_version"],
                "properties": {"status": {"enum": ["ok", "degraded"]}, "model_version": {"type": "string"},
                               "reason": {"type": "string"}},
            }, "the server is up"), **_errors(403, 431, 503)},
        }},
        "/v1/analyze": {"post": {
            "operationId": "analyze",
            "summary": f"How the customer feels (text beyond {max_chars} characters is not read)",
            "requestBody": _body({"type": "object", "required": ["text"], "properties": {"text": _NONBLANK}}),
            "responses": {"200": _json(_ref("Analysis"), "the analysis"), **post_errors},
        }},
        "/v1/analyze/batch": {"post": {
            "operationId": "analyzeBatch",
            "summary": "Analyse many texts; a bad item gets its own error entry, the others still succeed",
            "requestBody": _body({
                "type": "object", "required": ["items"],
                "properties": {"items": {
                    "type": "array", "maxItems": max_batch,
                    "description": "objects {id, text}; any item that is not one is answered with an error entry",
                    "items": {},
                }},
            }),
            "responses": {"200": _json({
                "type": "object", "required": ["results"],
                "properties": {"results": {"type": "array", "items": _ref("BatchResult")}},
            }, "one result per item, in order"), **post_errors},
        }},
        "/v1/reply/check": {"post": {
            "operationId": "checkReply",
            "summary": "Check an agent's draft reply against the customer's emotion",
            "requestBody": _body({
                "type": "object", "required": ["text"],
                "properties": {"text": _NONBLANK, "label": {"type": ["string", "null"], "enum": [*LABELS, None]}},
            }),
            "responses": {"200": _json(_ref("ReplyCheck"), "issues and strengths of the draft"), **post_errors},
        }},
        "/v1/reply/terms": {"post": {
            "operationId": "editTerms",
            "summary": "Flag terms as jargon, or never flag them (words the customers know), in the user's coach.json",
            "requestBody": _body({
                "type": "object",
                "properties": {f: {"type": "array", "maxItems": 50,
                                   "items": {**_NONBLANK, "maxLength": 100}} for f in ("add", "remove")},
                "anyOf": [{"required": [f], "properties": {f: {"minItems": 1}}} for f in ("add", "remove")],
            }),
            "responses": {"200": _json({
                "type": "object", "required": ["added", "removed", "unchanged"],
                "properties": {k: {"type": "array", "items": {"type": "string"}}
                               for k in ("added", "removed", "unchanged")},
            }, "the jargon list's phrases that changed, and those already so"), **post_errors},
        }},
        "/v1/feedback": {"post": {
            "operationId": "addFeedback",
            "summary": "Store an agent's correction (durable when answered 201)",
            "requestBody": _body({
                "type": "object", "required": ["text", "label"],
                "properties": {
                    "text": _NONBLANK,
                    "label": _LABEL,
                    "predicted": {"type": ["string", "null"], "enum": [*LABELS, None]},
                    "model_version": _SHORT,
                    "source": _SHORT,
                },
            }),
            "responses": {"201": _json({
                "type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}},
            }, "stored"), **post_errors},
        }},
        "/v1/model": {"get": {
            "operationId": "modelInfo",
            "summary": "The model in use: version, labels, evaluation scores",
            "responses": {"200": _json({
                "type": "object", "required": ["version", "labels", "scores"],
                "properties": {
                    "version": {"type": "string"},
                    "labels": {"type": "array", "items": _LABEL},
                    "scores": {"type": "object"},
                },
            }, "model information"), **get_errors},
        }},
        "/openapi.json": {"get": {
            "operationId": "openapi",
            "summary": "This document",
            "responses": {"200": _json({"type": "object"}, "the OpenAPI document"), **_errors(401, 403, 431)},
        }},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Attune local API",
            "version": "1",
            "description": (
                "Local emotion analysis for helpdesk agents. Listens on 127.0.0.1; every call but "
                "health needs `Authorization: Bearer <token>` (see `attune token`). Request bodies "
                f"are JSON of at most {max_body} bytes."
            ),
        },
        "servers": [{"url": "http://127.0.0.1:8765"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
        },
    }


@bp.get("/openapi.json")
def openapi():
    cfg = current_app.config
    return build_spec(cfg["MAX_CONTENT_LENGTH"], cfg["MAX_TEXT_CHARS"], cfg["MAX_BATCH_ITEMS"])
