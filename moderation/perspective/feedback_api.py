"""Score feedback (from suggestscore): list it, or export it as CSV.

An admin reads the feedback of the sites they administer (every site's for an admin of all
sites); a Perspective API key, sent instead of a bearer token, reads its own site's only, so a
newsroom's Coral install can fetch the labels its moderators gave without an admin token.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, g, request, stream_with_context
from marshmallow import Schema, fields, validate

from moderation.errors import ForbiddenError, RateLimitedError, UnauthorizedError
from moderation.perspective.services import PerspectiveServices
from moderation.web import openapi
from moderation.web.auth import current_principal, require_role, require_site
from moderation.web.blueprint import Blueprint
from moderation.web.context import service, settings
from moderation.web.schemas import StrictSchema
from moderation.web.throttle import wrong_credential

F = TypeVar("F", bound=Callable[..., Any])

blp = Blueprint(
    "feedback",
    __name__,
    url_prefix="/v1/admin/feedback",
    description="Labelled score feedback for calibrating thresholds",
)
_CSV = {
    "description": "Every feedback row as CSV, oldest first",
    "content": {"text/csv": {"schema": {"type": "string"}}},
}


class ExportArgs(StrictSchema):
    site_id = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "Only this site's feedback (you must administer it)"},
    )
    key = fields.String(
        load_default=None,
        metadata={"description": "A Perspective API key, instead of a bearer token: its site's"},
    )


class FeedbackArgs(ExportArgs):
    before = fields.Integer(load_default=None, validate=validate.Range(min=1))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class FeedbackItem(Schema):
    id = fields.Integer()
    created_at = fields.String()
    source = fields.String()
    site_id = fields.String()
    api_key_name = fields.String()
    attribute = fields.String()
    score = fields.Float()
    languages = fields.List(fields.String())
    community_id = fields.String(allow_none=True)
    session_id = fields.String(allow_none=True)
    client_token = fields.String(allow_none=True)
    text = fields.String()


class FeedbackPage(Schema):
    items = fields.List(fields.Nested(FeedbackItem))
    next_before = fields.Integer(allow_none=True)


def _feedback() -> Any:
    services = service(PerspectiveServices)
    return services.feedback


def admin_or_api_key(view: F) -> F:
    """An admin's bearer token, or (without one) a Perspective API key for its own site."""
    as_admin = require_role("admin")(view)

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.args.get("key") or request.headers.get("X-Goog-Api-Key")
        if request.headers.get("Authorization") or not key:
            return as_admin(*args, **kwargs)
        holder = service(PerspectiveServices).keys.identify(key)
        if holder is None:
            wait = wrong_credential()
            if wait is not None:
                raise RateLimitedError("too many wrong API keys from this address", wait)
            raise UnauthorizedError("the API key is not valid", "key_invalid")
        g.key_site = holder.site or settings().sites.default
        return view(*args, **kwargs)

    security = openapi.role_security("admin") + openapi.PERSPECTIVE_KEYS
    openapi.declare(wrapper, security=security, errors=openapi.AUTH_ERRORS)
    return wrapper  # type: ignore[return-value]


def _sites(requested: str | None) -> list[str] | None:
    """The sites whose feedback the caller may read, narrowed to `requested`; None: all."""
    key_site: str | None = g.get("key_site")
    if key_site is not None:
        if requested is not None and requested != key_site:
            raise ForbiddenError(f"this API key is site {key_site}'s, not site {requested}'s")
        return [key_site]
    if requested is not None:
        require_site(requested, "admin")
        return [requested]
    mine = current_principal().sites_for("admin")
    return None if mine == "all" else sorted(mine)


@blp.route("", methods=["GET"])
@admin_or_api_key
@blp.arguments(FeedbackArgs, location="query")
@blp.response(200, FeedbackPage)
def list_feedback(args: dict[str, Any]) -> Any:
    """Feedback rows, newest first; page with `before`."""
    sites = _sites(args["site_id"])
    items, next_before = _feedback().page(args["before"], args["limit"], sites)
    return {"items": items, "next_before": next_before}


@blp.route("/export.csv", methods=["GET"])
@admin_or_api_key
@blp.arguments(ExportArgs, location="query")
@blp.doc(responses={"200": _CSV})
def export_feedback(args: dict[str, Any]) -> Any:
    """Every feedback row, oldest first, as CSV."""
    sites = _sites(args["site_id"])
    return Response(
        stream_with_context(_feedback().export_csv(sites=sites)),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=score-feedback.csv"},
    )
