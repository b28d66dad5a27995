"""HTTP: an article's surge and its trail; a moderator ends it early, pins or unpins it."""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import fields, validate

from moderation.articles.api import SurgeOut
from moderation.articles.ids import checked_article_id
from moderation.sites.routing import current_site, site_route
from moderation.surge.service import Actor, SurgeService
from moderation.web.auth import require_role
from moderation.web.blueprint import Blueprint
from moderation.web.context import request_id, service
from moderation.web.schemas import StrictSchema

blp = Blueprint(
    "surge", __name__, url_prefix="/v1", description="Surge protection: heated articles"
)
_NOTE = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class EndIn(StrictSchema):
    note = _NOTE


class PinIn(StrictSchema):
    pinned = fields.Boolean(
        required=True,
        truthy={True},
        falsy={False},
        metadata={"description": "true: keep the surge until unpinned; false: let it cool down"},
    )
    note = _NOTE


class SurgeActionOut(StrictSchema):
    action = fields.String(metadata={"description": "started, ended, pinned or unpinned"})
    actor_type = fields.String(metadata={"description": "system or moderator"})
    actor = fields.String()
    detail = fields.Dict(metadata={"description": "the measurement, or why it ended"})
    note = fields.String(allow_none=True)
    created_at = fields.DateTime()


class SurgeStateOut(StrictSchema):
    site_id = fields.String()
    article_id = fields.String()
    surge = fields.Nested(SurgeOut, allow_none=True)
    settings = fields.Dict(metadata={"description": "The site's [surge] settings in force"})
    trail = fields.List(fields.Nested(SurgeActionOut), metadata={"description": "Newest first"})


def _actor(body: dict[str, Any]) -> Actor:
    return Actor(
        name=g.moderator,
        type="moderator",
        id=g.moderator_id,
        note=body.get("note"),
        request_id=request_id(),
    )


@site_route(blp, "/articles/<article_id>/surge", methods=["GET"])
@require_role("moderator", on_site=True)
@blp.response(200, SurgeStateOut)
def get_surge(article_id: str) -> Any:
    """The article's surge (null when none), the settings in force and its trail."""
    return service(SurgeService).state(current_site().id, checked_article_id(article_id))


@site_route(blp, "/articles/<article_id>/surge/end", methods=["POST"])
@require_role("moderator", on_site=True)
@blp.arguments(EndIn)
@blp.response(200, SurgeStateOut)
@blp.alt_response(409, description="The article has no surge")
def end_surge(body: dict[str, Any], article_id: str) -> Any:
    """End the surge now; it does not start again by itself for one window."""
    return service(SurgeService).end(
        current_site().id, checked_article_id(article_id), _actor(body)
    )


@site_route(blp, "/articles/<article_id>/surge/pin", methods=["POST"])
@require_role("moderator", on_site=True)
@blp.arguments(PinIn)
@blp.response(200, SurgeStateOut)
@blp.alt_response(409, description="The article has no surge")
def pin_surge(body: dict[str, Any], article_id: str) -> Any:
    """Pin the surge (it outlasts its cool-down until unpinned or ended), or unpin it."""
    return service(SurgeService).pin(
        current_site().id, checked_article_id(article_id), body["pinned"], _actor(body)
    )
