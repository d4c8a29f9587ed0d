"""The OpenAPI document made true to the server: the error answers every operation can give (from the one
domain-error handler, the validation handler and hotline.http_guard) are declared on each operation with their
body schema, so clients and schemathesis see every status code the server sends."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from hotline.settings import Settings

ERROR = {
    "title": "Error", "type": "object", "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "Machine-readable code, e.g. not_found, validation_failed."},
        "message": {"type": "string"},
        "details": {"type": "object"},
        "problems": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "message": {"type": "string"}}}},
        "request_id": {"type": "string", "description": "Quote it when reporting a server error."},
    },
}
OPEN311_ERROR = {"title": "Open311Error", "type": "array", "items": {
    "type": "object", "required": ["code", "description"],
    "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}}}
WORDS = {
    400: "Bad request (Open311: any invalid input)", 401: "Missing, expired or revoked bearer token",
    403: "The role may not do this", 404: "Not found, or not visible to this account",
    409: "Conflict: invalid transition or a concurrent change; reload and retry",
    413: "Request body larger than http_max_body_bytes", 416: "Range not satisfiable",
    422: "Invalid input", 429: "Rate limit or login throttle; see Retry-After",
    500: "Unexpected server error (logged with the request id)",
    503: "Database unavailable; retry after Retry-After seconds",
}
API_CODES = (401, 403, 404, 409, 413, 422, 500, 503)
PUBLIC_CODES = (400, 403, 404, 413, 500, 503)


def _responses(codes, ref: str) -> dict[str, Any]:
    return {str(code): {"description": WORDS[code], "content": {"application/json": {"schema": {"$ref": ref}}}}
            for code in codes}


def document(app: FastAPI, settings: Settings) -> dict[str, Any]:
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"], schemas["Open311Error"] = ERROR, OPEN311_ERROR
    for path, item in doc.get("paths", {}).items():
        public = path.startswith("/open311/")
        limited = any(path.startswith(p) for p in settings.rate_limited_paths)
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            codes = list(PUBLIC_CODES if public else API_CODES) + ([429] if limited else [])
            ref = "#/components/schemas/" + ("Open311Error" if public else "Error")
            if public:
                responses.pop("422", None)  # Open311 answers invalid input with 400
            for code, spec in _responses(codes, ref).items():
                if code == "422" and "422" in responses:
                    responses[code]["content"] = spec["content"]  # our handler's body, not FastAPI's default
                    responses[code]["description"] = spec["description"]
                responses.setdefault(code, spec)
    return doc


def install(app: FastAPI, settings: Settings) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app, settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
