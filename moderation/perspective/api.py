"""Perspective API's wire protocol: POST /v1alpha1/comments:analyze and :suggestscore.

Clients written for Perspective work unchanged when their base URL is ours: the same paths,
camelCase fields, API key as `?key=` or `X-Goog-Api-Key`, and errors in Google's shape
{"error": {"code", "message", "status"}} (handlers scoped to this blueprint; /v1 keeps its own).
"""

from __future__ import annotations

import logging
import math
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask.blueprints import BlueprintSetupState
from marshmallow import Schema, ValidationError
from redis.exceptions import RedisError
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge

from moderation.errors import RateLimitedError
from moderation.perspective.analysis import AnalysisFailedError, AnalysisUnavailableError
from moderation.perspective.analyze import (
    ATTRIBUTE_LABELS,
    OTHER_PERSPECTIVE_ATTRIBUTES,
    AnalyzeRequestError,
    build_response,
    plan_analysis,
)
from moderation.perspective.apikeys import KeyHolder
from moderation.perspective.discovery import discovery_document
from moderation.perspective.feedback import FeedbackEntry
from moderation.perspective.schemas import (
    AnalyzeCommentRequestSchema,
    SuggestCommentScoreRequestSchema,
)
from moderation.perspective.services import PerspectiveServices
from moderation.pipeline.language import detect_language
from moderation.web import limits
from moderation.web.context import public_base, service, settings
from moderation.web.errors import answer_errors_under, error_headers, flatten_messages
from moderation.web.throttle import wrong_credential

log = logging.getLogger(__name__)

blp = Blueprint("perspective", __name__)
PATH_PREFIXES = ("/v1alpha1/", "/$discovery/")

# Google's canonical status names for the HTTP codes this API answers with.
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "NOT_FOUND",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    415: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class GoogleError(Exception):
    """An answer in Google's error shape."""

    def __init__(self, code: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after


def google_error(code: int, message: str) -> Response:
    body = {
        "error": {"code": code, "message": message, "status": STATUS_NAMES.get(code, "UNKNOWN")}
    }
    response = jsonify(body)
    response.status_code = code
    return response


def _perspective() -> PerspectiveServices:
    found = service(PerspectiveServices)
    return found


def _authorise() -> KeyHolder:
    """The caller's key holder, within its quota and the limits per address and site (kind
    "perspective" in web/limits.py); else a GoogleError."""
    services = _perspective()
    key = request.args.get("key") or request.headers.get("X-Goog-Api-Key") or ""
    if not key:
        raise GoogleError(
            403,
            "The request is missing a valid API key: pass it as the key query parameter "
            "or the X-Goog-Api-Key header.",
        )
    holder = services.keys.identify(key)
    if holder is None:
        refused_for = wrong_credential()
        if refused_for is not None:
            raise GoogleError(
                429,
                "Too many requests with an invalid API key from this address; retry later.",
                retry_after=refused_for,
            )
        raise GoogleError(400, "API key not valid. Please pass a valid API key.")
    g.site_id = holder.site or settings().sites.default  # the key's site's limits
    try:
        limits.hit("perspective", holder.name, who_quota=holder.quota)
    except RateLimitedError as error:
        raise GoogleError(429, f"Quota exceeded: {error}.", retry_after=error.retry_after) from None
    return holder


def _parse(schema: Schema) -> dict[str, Any]:
    try:
        raw = request.get_json(force=True, silent=False)
    except BadRequest as error:
        raise GoogleError(400, "Invalid JSON payload received: the body is not JSON.") from error
    if not isinstance(raw, dict):
        raise GoogleError(400, "Invalid JSON payload received: expected a JSON object.")
    try:
        loaded: dict[str, Any] = schema.load(raw)
    except ValidationError as error:
        message = "; ".join(flatten_messages(error.messages))
        raise GoogleError(400, f"Invalid JSON payload received. {message}") from error
    return loaded


@blp.post("/v1alpha1/comments:analyze")
def analyze() -> Any:
    """Score the comment for the requested attributes (Perspective's AnalyzeComment)."""
    holder = _authorise()
    body = _parse(AnalyzeCommentRequestSchema())
    services = _perspective()
    served = services.served.served()
    if not served.languages:
        raise GoogleError(503, "No scoring worker with a loaded model is running; retry later.")
    try:
        plan = plan_analysis(
            body,
            served.languages,
            detect_language,
            services.settings.max_text_bytes,
            served.fallback,
        )
    except AnalyzeRequestError as error:
        raise GoogleError(400, str(error)) from error
    try:
        scores = services.analysis.score(plan.texts, plan.model_language)
    except AnalysisUnavailableError as error:
        raise GoogleError(503, str(error), retry_after=1) from error
    except AnalysisFailedError as error:
        raise GoogleError(503, f"Scoring failed: {error}") from error
    answer = build_response(plan, scores)
    if services.settings.store_analyzed_text and body.get("doNotStore") is False:
        services.feedback.record(
            [
                FeedbackEntry(
                    source="analyze",
                    api_key_name=holder.name,
                    site_id=g.site_id,
                    text=plan.texts[0],
                    attribute=attribute.name,
                    score=float(scores[0].get(attribute.label, 0.0)),
                    languages=plan.languages,
                    community_id=body.get("communityId"),
                    session_id=body.get("sessionId"),
                    client_token=plan.client_token,
                )
                for attribute in plan.attributes
            ]
        )
    return jsonify(answer)


@blp.post("/v1alpha1/comments:suggestscore")
def suggestscore() -> Any:
    """Keep a client's suggested scores as labelled feedback (Perspective's SuggestCommentScore)."""
    holder = _authorise()
    body = _parse(SuggestCommentScoreRequestSchema())
    services = _perspective()
    text = (body.get("comment") or {}).get("text")
    if not isinstance(text, str) or not text.strip():
        raise GoogleError(400, "Comment must be non-empty (comment.text).")
    if len(text.encode("utf-8")) > services.settings.max_text_bytes:
        raise GoogleError(
            400, f"Comment text too long: the limit is {services.settings.max_text_bytes} bytes."
        )
    suggested = body.get("attributeScores") or {}
    if not suggested:
        raise GoogleError(400, "attributeScores must name at least one attribute.")
    languages = [str(language) for language in body.get("languages") or []]
    entries = []
    for name, scores in suggested.items():
        if name not in ATTRIBUTE_LABELS and name not in OTHER_PERSPECTIVE_ATTRIBUTES:
            raise GoogleError(400, f"Unknown attribute: {name} (attributeScores).")
        value = ((scores or {}).get("summaryScore") or {}).get("value")
        if value is None or not (math.isfinite(value) and 0.0 <= value <= 1.0):
            raise GoogleError(
                400, f"attributeScores.{name}.summaryScore.value must be between 0 and 1."
            )
        entries.append(
            FeedbackEntry(
                source="suggestscore",
                api_key_name=holder.name,
                site_id=g.site_id,
                text=text,
                attribute=name,
                score=float(value),
                languages=languages,
                community_id=body.get("communityId"),
                session_id=body.get("sessionId"),
                client_token=body.get("clientToken"),
                spans={"spanScores": scores.get("spanScores")}
                if scores.get("spanScores")
                else None,
            )
        )
    services.feedback.record(entries)
    detected, confidence = detect_language(text)
    answer: dict[str, Any] = {
        "detectedLanguages": [detected] if confidence >= 0.5 else [],
        "requestedLanguages": languages,
    }
    if body.get("clientToken") is not None:
        answer["clientToken"] = body["clientToken"]
    return jsonify(answer)


@blp.get("/$discovery/rest")
def discovery() -> Any:
    """The discovery document Google's client libraries build their methods from."""
    version = request.args.get("version", "v1alpha1")
    if version != "v1alpha1":
        raise GoogleError(404, f"Discovery document not found for API service: version {version}")
    return jsonify(discovery_document(public_base()))


@blp.errorhandler(GoogleError)
def _google_error(error: GoogleError) -> Response:
    response = google_error(error.code, error.message)
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    return response


@blp.errorhandler(RedisError)
def _redis_error(error: RedisError) -> Response:
    log.warning("perspective API: Redis unavailable: %s", error)
    response = google_error(503, "The service is unavailable; retry later.")
    response.headers["Retry-After"] = "1"
    return response


@blp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    code = error.code or 500
    if isinstance(error, RequestEntityTooLarge):
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        return google_error(400, f"Request payload size exceeds the limit: {limit} bytes.")
    response = google_error(code if code in STATUS_NAMES else 400, error.description or error.name)
    response.headers.extend(error_headers(error))
    return response


@blp.record_once
def _claim_paths(state: BlueprintSetupState) -> None:
    # A wrong method or an unknown path under ours is answered before routing has chosen this
    # blueprint, so its error handlers alone would miss it.
    answer_errors_under(state.app, PATH_PREFIXES, _http_error)


@blp.errorhandler(Exception)
def _unexpected(error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return google_error(500, "Internal error encountered.")
