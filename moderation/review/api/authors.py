"""Moderator endpoints about comment authors: history, ban, unban, trust, pre-moderation."""

from __future__ import annotations

import re
from typing import Any

from flask import g
from marshmallow import Schema, fields, validate

from moderation.errors import InvalidRequestError
from moderation.review.api.schemas import AuthorHistoryOut
from moderation.review.service import REASON_CODES
from moderation.review.workbench import Workbench
from moderation.sites.routing import current_site, site_route
from moderation.web.auth import require_role
from moderation.web.blueprint import Blueprint
from moderation.web.context import request_id, service
from moderation.web.schemas import StrictSchema

blp = Blueprint("authors", __name__, url_prefix="/v1", description="Comment authors' standing")
_AUTHOR_ID = re.compile(r"^[^\x00-\x1f/]{1,200}$")


class StandingIn(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class BanIn(StandingIn):
    reject_existing = fields.Boolean(
        load_default=False,
        metadata={"description": "Also reject their pending, held and published comments"},
    )
    reason_code = fields.String(load_default="other", validate=validate.OneOf(REASON_CODES))


class StandingOut(Schema):
    site_id = fields.String()
    author_id = fields.String()
    status = fields.String()
    rejected_ids = fields.List(fields.Integer())
    skipped_ids = fields.List(fields.Integer())


def _author(author_id: str) -> str:
    if not _AUTHOR_ID.match(author_id):
        raise InvalidRequestError("author_id must be 1-200 printable characters", "author_id")
    return author_id


def _set(author_id: str, status: str, body: dict[str, Any]) -> Any:
    return service(Workbench).authors.set_status(
        current_site().id,
        _author(author_id),
        status,
        body["reason"],
        g.moderator,
        reject_existing=body.get("reject_existing", False),
        reason_code=body.get("reason_code", "other"),
        request_id=request_id(),
        moderator_id=g.moderator_id,
    )


@site_route(blp, "/authors/<author_id>", methods=["GET"])
@require_role("moderator", on_site=True)
@blp.response(200, AuthorHistoryOut)
def history(author_id: str) -> Any:
    """An author's standing, comment counts by outcome, latest comments and standing changes."""
    return service(Workbench).authors.history(current_site().id, _author(author_id))


@site_route(blp, "/authors/<author_id>/ban", methods=["POST"])
@require_role("moderator", on_site=True)
@blp.arguments(BanIn)
@blp.response(200, StandingOut)
def ban(body: dict[str, Any], author_id: str) -> Any:
    """Ban the author; with reject_existing, also reject what they posted that is not rejected."""
    return _set(author_id, "banned", body)


@site_route(blp, "/authors/<author_id>/unban", methods=["POST"])
@require_role("moderator", on_site=True)
@blp.arguments(StandingIn)
@blp.response(200, StandingOut)
def unban(body: dict[str, Any], author_id: str) -> Any:
    """Back to normal standing."""
    return _set(author_id, "normal", body)


@site_route(blp, "/authors/<author_id>/trust", methods=["POST"])
@require_role("moderator", on_site=True)
@blp.arguments(StandingIn)
@blp.response(200, StandingOut)
def trust(body: dict[str, Any], author_id: str) -> Any:
    """Mark the author trusted."""
    return _set(author_id, "trusted", body)


@site_route(blp, "/authors/<author_id>/premoderate", methods=["POST"])
@require_role("moderator", on_site=True)
@blp.arguments(StandingIn)
@blp.response(200, StandingOut)
def premoderate(body: dict[str, Any], author_id: str) -> Any:
    """Every new comment of this author waits for a moderator."""
    return _set(author_id, "premoderated", body)
