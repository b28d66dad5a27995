"""Moderator endpoints: the held queue, a comment's full detail, decisions."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_smorest import Blueprint

from moderation.api.auth import require_role
from moderation.api.context import request_id, services
from moderation.api.schemas import DecisionIn, DecisionOut, QueueArgs, QueuePage, ReviewDetail
from moderation.services.review import Decision

blp = Blueprint("review", __name__, url_prefix="/v1/review", description="Moderators' review queue")
_SECURITY: list[dict[str, list[str]]] = [{"moderatorToken": []}]


@blp.route("/queue", methods=["GET"])
@require_role("moderator")
@blp.arguments(QueueArgs, location="query")
@blp.response(200, QueuePage)
@blp.doc(security=_SECURITY)
def queue(args: dict[str, Any]) -> Any:
    """Held comments, oldest first; filter by article."""
    page, total = services().review.queue(args["article_id"], args["cursor"], args["limit"])
    return {"items": page.items, "next_cursor": page.next_cursor, "total": total}


@blp.route("/comments/<int:comment_id>", methods=["GET"])
@require_role("moderator")
@blp.response(200, ReviewDetail)
@blp.doc(security=_SECURITY)
def detail(comment_id: int) -> Any:
    """Everything about one comment: text, status, version, every reason and the audit trail."""
    return services().review.detail(comment_id)


@blp.route("/comments/<int:comment_id>/decision", methods=["POST"])
@require_role("moderator")
@blp.arguments(DecisionIn)
@blp.response(200, DecisionOut)
@blp.alt_response(409, description="The comment changed since you loaded it")
@blp.doc(security=_SECURITY)
def decide(body: dict[str, Any], comment_id: int) -> Any:
    """Approve or reject at the version you reviewed; 409 if someone or something moved first."""
    return services().review.decide(
        Decision(
            comment_id=comment_id,
            action=body["action"],
            version=body["version"],
            moderator=g.moderator,
            reason_code=body["reason_code"],
            note=body["note"],
            request_id=request_id(),
        )
    )
