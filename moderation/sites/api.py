"""Admin endpoints for sites: list, create, read and change one (origins, who may post,
settings overrides, word-list additions)."""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import Schema, fields, validate

from moderation.sites.overrides import ANONYMOUS
from moderation.sites.service import SiteChange, SiteService
from moderation.web.auth import current_principal, require_role, require_site
from moderation.web.blueprint import Blueprint
from moderation.web.context import service
from moderation.web.schemas import StrictSchema

blp = Blueprint(
    "sites", __name__, url_prefix="/v1/sites", description="Sites and their own settings (admin)"
)


class SiteIn(StrictSchema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    origins = fields.List(
        fields.String(validate=validate.Length(max=300)),
        validate=validate.Length(max=100),
        metadata={"description": "Origins of the pages that embed the widget for this site"},
    )
    anonymous = fields.String(
        validate=validate.OneOf(ANONYMOUS),
        metadata={
            "description": "allow: anyone may post; premoderate: comments without a commenter "
            "token wait for a person; off: a commenter token is required"
        },
    )
    settings = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(),
        metadata={
            "description": 'Overrides by section: {"thresholds": {"toxicity": {"hold": 0.6}}, '
            '"rules": {"max_links": 0}, "review": {"hide_threshold": 5}, "premoderate": false, '
            '"surge": {"enabled": true, "held_share": 0.3}, '
            '"spot_check": {"share": 0.02}}. A change makes a new version of the site\'s policy, '
            "live at once (docs/policies.md)"
        },
    )
    reason = fields.String(
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "Why the settings change, kept with the policy version"},
    )
    words = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": 'Terms added to the word lists: {"banned": [], "suspect": []}'},
    )
    commenters = fields.Dict(
        keys=fields.String(),
        allow_none=True,
        metadata={
            "description": "Signed commenter tokens (docs/sites.md): algorithms (HS256, RS256, "
            "ES256, ...), secret (HS*; write-only, stored encrypted, never shown again), "
            "public_key (PEM) or jwks_file (RS*/ES*), issuer, audience (default: the site id), "
            "session_seconds. Only the keys sent change; a key set to null is removed; "
            "null turns commenter tokens off"
        },
    )


class NewSiteIn(SiteIn):
    id = fields.String(
        required=True,
        metadata={"description": "1-64 lower-case letters, digits or -; part of public URLs"},
    )


class SiteOut(Schema):
    id = fields.String()
    name = fields.String()
    origins = fields.List(fields.String())
    anonymous = fields.String()
    settings = fields.Dict()
    words = fields.Dict()
    commenters = fields.Dict()
    updated_by = fields.String(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)
    policy_version = fields.Integer(
        allow_none=True, metadata={"description": "The live policy version (docs/policies.md)"}
    )
    shadow_version = fields.Integer(
        allow_none=True, metadata={"description": "The candidate scored in the shadows, if any"}
    )


class SiteList(Schema):
    items = fields.List(fields.Nested(SiteOut))


def _change(site_id: str, body: dict[str, Any]) -> SiteChange:
    return SiteChange(
        site_id=site_id,
        actor=g.moderator,
        name=body.get("name"),
        origins=body.get("origins"),
        anonymous=body.get("anonymous"),
        settings=body.get("settings"),
        words=body.get("words"),
        commenters=body.get("commenters"),
        commenters_off="commenters" in body and body["commenters"] is None,
        reason=body.get("reason"),
    )


@blp.route("", methods=["GET"])
@require_role("admin")
@blp.response(200, SiteList)
def list_sites() -> Any:
    """The sites you are an admin of (every site for an admin of all sites)."""
    principal = current_principal()
    sites = [site for site in service(SiteService).all() if principal.can("admin", site.id)]
    return {"items": [site.as_dict() for site in sites]}


@blp.route("", methods=["POST"])
@require_role("admin", all_sites=True)
@blp.arguments(NewSiteIn)
@blp.response(201, SiteOut)
def create_site(body: dict[str, Any]) -> Any:
    """Make a site; its public paths are /v1/sites/<id>/articles/... at once."""
    return service(SiteService).create(_change(body["id"], body)).as_dict()


@blp.route("/<site_id>", methods=["GET"])
@require_role("admin")
@blp.response(200, SiteOut)
def get_site(site_id: str) -> Any:
    """One site with its overrides."""
    site = service(SiteService).require(site_id)
    require_site(site.id, "admin")
    return site.as_dict()


@blp.route("/<site_id>", methods=["PATCH"])
@require_role("admin")
@blp.arguments(SiteIn)
@blp.response(200, SiteOut)
def update_site(body: dict[str, Any], site_id: str) -> Any:
    """Change what the body names; `settings` and `words` replace the site's earlier ones."""
    sites = service(SiteService)
    require_site(sites.require(site_id).id, "admin")
    return sites.update(_change(site_id, body)).as_dict()
