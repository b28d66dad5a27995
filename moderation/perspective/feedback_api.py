"""Admin endpoints for score feedback (from suggestscore): list it, or export it all as CSV."""

from __future__ import annotations

from typing import Any

from flask import Response, stream_with_context
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from moderation.perspective.services import PerspectiveServices
from moderation.web.auth import require_role
from moderation.web.context import service
from moderation.web.schemas import StrictSchema

blp = Blueprint(
    "feedback",
    __name__,
    url_prefix="/v1/admin/feedback",
    description="Labelled score feedback for calibrating thresholds",
)
_SECURITY: list[dict[str, list[str]]] = [{"moderatorToken": []}]
_CSV = {
    "description": "Every feedback row as CSV, oldest first",
    "content": {"text/csv": {"schema": {"type": "string"}}},
}


class FeedbackArgs(StrictSchema):
    before = fields.Integer(load_default=None, validate=validate.Range(min=1))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class FeedbackItem(Schema):
    id = fields.Integer()
    created_at = fields.String()
    source = fields.String()
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


@blp.route("", methods=["GET"])
@require_role("admin", all_sites=True)
@blp.arguments(FeedbackArgs, location="query")
@blp.response(200, FeedbackPage)
@blp.doc(security=_SECURITY)
def list_feedback(args: dict[str, Any]) -> Any:
    """Feedback rows, newest first; page with `before`."""
    items, next_before = _feedback().page(args["before"], args["limit"])
    return {"items": items, "next_before": next_before}


@blp.route("/export.csv", methods=["GET"])
@require_role("admin", all_sites=True)
@blp.doc(security=_SECURITY, responses={"200": _CSV})
def export_feedback() -> Any:
    """Every feedback row, oldest first, as CSV."""
    return Response(
        stream_with_context(_feedback().export_csv()),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=score-feedback.csv"},
    )
