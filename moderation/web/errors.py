"""One place that turns every error into a JSON answer that names the problem.

Shape: {"code": 422, "status": "Unprocessable Entity", "message": "...", "errors": {...}}.
`errors` (when present) maps each request location to each bad field and its messages, and
`message` repeats them in one sentence, so a developer reading a log line sees the field.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

from moderation.errors import (
    ClaimedError,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
    ServiceError,
)
from moderation.web.context import loggable_path

log = logging.getLogger(__name__)

_SERVICE_STATUS = {
    NotFoundError: 404,
    ConflictError: 409,
    InvalidRequestError: 422,
    ClaimedError: 423,
    RateLimitedError: 429,
}
_BODY_METHODS = {"POST", "PUT", "PATCH"}


def error_response(code: int, message: str, **extra: Any) -> Response:
    from http import HTTPStatus

    body = {"code": code, "status": HTTPStatus(code).phrase, "message": message, **extra}
    response = jsonify(body)
    response.status_code = code
    return response


def flatten_messages(errors: Any, prefix: str = "") -> list[str]:
    """marshmallow's nested error messages as "field.path: message" lines."""
    if isinstance(errors, dict):
        parts: list[str] = []
        for key, value in errors.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            parts += flatten_messages(value, name)
        return parts
    if isinstance(errors, list) and all(isinstance(item, str) for item in errors):
        return [f"{prefix}: {' '.join(errors)}" if prefix else " ".join(errors)]
    if isinstance(errors, list):
        return [part for item in errors for part in flatten_messages(item, prefix)]
    return [f"{prefix}: {errors}"]


def _http_error(error: HTTPException) -> Response:
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if messages:
        # webargs names the location ("json", "query"); a missing or unknown field reads best
        # as e.g. "json.author.name: Missing data for required field."
        parts = flatten_messages(messages)
        message = "; ".join(parts)
        return error_response(code, message, errors=messages)
    detail = data.get("message") if isinstance(data, dict) else None
    return error_response(code, str(detail or error.description or error.name))


def _service_error(error: ServiceError) -> Response:
    code = _SERVICE_STATUS.get(type(error), 400)
    extra: dict[str, Any] = {}
    if isinstance(error, InvalidRequestError) and error.field:
        extra["errors"] = {"request": {error.field: [str(error)]}}
        message = f"{error.field}: {error}"
    else:
        message = str(error)
    if isinstance(error, ConflictError) and error.current_version is not None:
        extra["current_version"] = error.current_version
    if isinstance(error, ClaimedError):
        extra.update(claimed_by=error.claimed_by, expires_at=error.expires_at)
    response = error_response(code, message, **extra)
    if isinstance(error, RateLimitedError):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _unexpected(error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, loggable_path())
    return error_response(500, InternalServerError.description)


def _require_json() -> Response | None:
    is_api_write = request.method in _BODY_METHODS and request.path.startswith("/v1/")
    if is_api_write and not request.is_json:
        kind = request.mimetype or "none"
        return error_response(415, f"Content-Type must be application/json (got {kind})")
    return None


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ServiceError, _service_error)
    app.register_error_handler(Exception, _unexpected)
    app.before_request(_require_json)
