"""Per-article settings: close an article to comments, pre-moderate it, override rules."""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import fields

from moderation.articles.ids import checked_article_id
from moderation.articles.service import ArticleChange, ArticleService
from moderation.sites.routing import current_site, site_route
from moderation.web.auth import require_role
from moderation.web.blueprint import Blueprint
from moderation.web.context import service
from moderation.web.schemas import StrictSchema

blp = Blueprint(
    "articles", __name__, url_prefix="/v1", description="Per-article moderation settings"
)


class ArticleSettingsIn(StrictSchema):
    closed = fields.Boolean(
        truthy={True}, falsy={False}, metadata={"description": "Refuse new comments"}
    )
    premoderate = fields.Boolean(
        truthy={True}, falsy={False}, metadata={"description": "Hold every new comment"}
    )
    rules = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(allow_none=False),
        metadata={"description": "[rules] settings this article overrides, by name"},
    )


class SurgeOut(StrictSchema):
    active = fields.Boolean(
        metadata={"description": "In force now: pinned, or its cool-down not yet over"}
    )
    since = fields.DateTime()
    until = fields.DateTime(
        allow_none=True, metadata={"description": "When its cool-down ends, unless pinned"}
    )
    pinned = fields.Boolean(metadata={"description": "A moderator keeps it until unpinned"})
    reason = fields.String(
        allow_none=True,
        metadata={"description": 'The level it passed: "held share 42% of 50 comments ..."'},
    )
    measurement = fields.Dict(metadata={"description": "The counts and the level, as numbers"})
    summary = fields.String(metadata={"description": "One line: since when and why"})


class ArticleSettingsOut(StrictSchema):
    site_id = fields.String()
    article_id = fields.String()
    closed = fields.Boolean()
    premoderate = fields.Boolean()
    rules = fields.Dict()
    surge = fields.Nested(
        SurgeOut,
        allow_none=True,
        metadata={"description": "Surge protection's pre-moderation (docs/sites.md), or null"},
    )
    updated_by = fields.String(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)


@site_route(blp, "/articles/<article_id>/settings", methods=["GET"])
@require_role("moderator", on_site=True)
@blp.response(200, ArticleSettingsOut)
def get_settings(article_id: str) -> Any:
    """The article's own settings (the site's defaults where it has none)."""
    return service(ArticleService).get(current_site().id, checked_article_id(article_id))


@site_route(blp, "/articles/<article_id>/settings", methods=["PATCH"])
@require_role("admin", on_site=True)
@blp.arguments(ArticleSettingsIn)
@blp.response(200, ArticleSettingsOut)
def update_settings(body: dict[str, Any], article_id: str) -> Any:
    """Change what the body names; rule overrides replace the article's earlier ones."""
    return service(ArticleService).update(
        ArticleChange(
            site_id=current_site().id,
            article_id=checked_article_id(article_id),
            actor=g.moderator,
            closed=body.get("closed"),
            premoderate=body.get("premoderate"),
            rules=body.get("rules"),
        )
    )
