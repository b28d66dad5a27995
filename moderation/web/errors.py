"""One place that turns every error into a JSON answer that names the problem.

Shape: {"code": 422, "status": "Unprocessable Entity", "message": "...", "errors": {...}}.
`errors` (when present) maps each request location to each bad field and its messages, and
`message` repeats them in one sentence, so a developer reading a log line sees the field.
Headers an HTTP error carries (`Allow` on a 405) are kept. A feature with an error shape of its
own (the Perspective API) claims its paths with `answer_errors_under`, so that the errors raised
before routing has found its blueprint (404, 405) take its shape too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from flask.sansio.app import App
from marshmallow import INCLUDE, Schema, fields
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from moderation.errors import (
    ClaimedError,
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
    ServiceError,
    UnauthorizedError,
    UnavailableError,
)
from moderation.web.context import loggable_path

log = logging.getLogger(__name__)

_SERVICE_STATUS = {
    ForbiddenError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    InvalidRequestError: 422,
    ClaimedError: 423,
    RateLimitedError: 429,
    UnauthorizedError: 401,
    UnavailableError: 503,
}
_BODY_METHODS = {"POST", "PUT", "PATCH"}
_SHAPES = "moderation.error_shapes"

ErrorRenderer = Callable[[HTTPException], Response]


class ErrorSchema(Schema):
    """The error shape, for the OpenAPI document (every operation's `default` answer)."""

    class Meta:
        # 409 adds current_version, 423 claimed_by and expires_at, 429 the limit (setting, rate),
        # a commenter 401 its reason.
        unknown = INCLUDE

    # Every error has these three (`required` in the document); the others only where said.
    code = fields.Integer(required=True, metadata={"description": "The HTTP status code"})
    status = fields.String(required=True, metadata={"description": "The status code's name"})
    message = fields.String(
        required=True, metadata={"description": "What is wrong, naming the field"}
    )
    errors = fields.Dict(
        metadata={"description": "By location (json, query, path, headers): field: messages"}
    )
    limit = fields.Dict(
        metadata={
            "description": "On a 429 past a configured limit: the setting that refused the "
            "request and its rate, e.g. {setting: limits.comments_per_author, rate: 5 per 1 minute}"
        }
    )
    reason = fields.String(
        metadata={
            "description": "On a 401 for a commenter token or session: why, as a code "
            "(token_expired, token_replayed, session_expired, token_required, ...)"
        }
    )


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


def error_headers(error: HTTPException) -> list[tuple[str, str]]:
    """The headers an HTTP error carries (`Allow` on a 405), less its content type."""
    return [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]


def invalid_input(code: int, location: str, messages: Any) -> HTTPException:
    """An HTTP error for bad input, as webargs raises it: `messages` by field, under
    `location` (json, query, path, headers), and one sentence naming each field."""
    by_location = {location: messages}
    error = default_exceptions[code](description="; ".join(flatten_messages(by_location)))
    error.data = {"messages": by_location}  # type: ignore[attr-defined]
    return error


def answer_errors_under(app: App, prefixes: Iterable[str], render: ErrorRenderer) -> None:
    """HTTP errors on paths that start with one of `prefixes` are answered by `render`."""
    app.extensions.setdefault(_SHAPES, []).append((tuple(prefixes), render))


def _http_error(error: HTTPException) -> Response:
    for prefixes, render in current_app.extensions.get(_SHAPES, []):
        if request.path.startswith(prefixes):
            shaped: Response = render(error)
            return shaped
    response = _default_shape(error)
    response.headers.extend(error_headers(error))
    return response


def _default_shape(error: HTTPException) -> Response:
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
    if isinstance(error, RateLimitedError) and error.limit:
        extra["limit"] = {"setting": error.limit, "rate": error.rate}
    if isinstance(error, UnauthorizedError):
        extra["reason"] = error.reason
    response = error_response(code, message, **extra)
    if isinstance(error, RateLimitedError):
        response.headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, UnauthorizedError):
        # RFC 6750: the scheme, and why the token was refused, for clients that read headers.
        response.headers["WWW-Authenticate"] = (
            f'Bearer realm="commenters", error="invalid_token", error_description="{error.reason}"'
        )
    if isinstance(error, UnavailableError):
        response.headers["Retry-After"] = "5"
    return response


def _unexpected(error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, loggable_path())
    return error_response(500, InternalServerError.description)


def _require_json() -> Response | None:
    if request.routing_exception is not None:
        return None  # no such path (404) or method (405): that answer comes first
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
