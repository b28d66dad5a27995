"""Admin endpoints of an author's personal data: export it, erase it (site-scoped)."""

from __future__ import annotations

import re
from typing import Any

from flask import g

from moderation.errors import InvalidRequestError
from moderation.privacy.schemas import (
    ErasureIn,
    ErasureOut,
    ExportArgs,
    ExportOut,
    RequestsArgs,
    RequestsOut,
)
from moderation.privacy.service import PrivacyService, Requester
from moderation.sites.routing import current_site, site_route
from moderation.web.auth import current_principal, require_role, require_site
from moderation.web.blueprint import Blueprint
from moderation.web.context import request_id, service

blp = Blueprint(
    "privacy", __name__, url_prefix="/v1", description="An author's personal data (GDPR)"
)
_SECURITY: list[dict[str, list[str]]] = [{"moderatorToken": []}]
_AUTHOR_ID = re.compile(r"^[^\x00-\x1f/]{1,200}$")


def _author(author_id: str) -> str:
    if not _AUTHOR_ID.match(author_id):
        raise InvalidRequestError("author_id must be 1-200 printable characters", "author_id")
    return author_id


def _requester(reason: str | None) -> Requester:
    return Requester(g.moderator, g.moderator_id, request_id(), reason)


@site_route(blp, "/authors/<author_id>/data", methods=["GET"])
@require_role("admin", on_site=True)
@blp.arguments(ExportArgs, location="query")
@blp.response(200, ExportOut)
@blp.doc(security=_SECURITY)
def export(args: dict[str, Any], author_id: str) -> Any:
    """Everything the service holds about an author on this site, by table (recorded)."""
    return service(PrivacyService).export(
        current_site().id, _author(author_id), _requester(args.get("reason"))
    )


@site_route(blp, "/authors/<author_id>/erasure", methods=["POST"])
@require_role("admin", on_site=True)
@blp.arguments(ErasureIn)
@blp.response(200, ErasureOut)
@blp.doc(security=_SECURITY)
def erase(body: dict[str, Any], author_id: str) -> Any:
    """Erase an author on this site: texts and names blanked, ids pseudonymised (recorded)."""
    return service(PrivacyService).erase(
        current_site().id, _author(author_id), _requester(body["reason"])
    )


@blp.route("/privacy/requests", methods=["GET"])
@require_role("admin")
@blp.arguments(RequestsArgs, location="query")
@blp.response(200, RequestsOut)
@blp.doc(security=_SECURITY)
def requests(args: dict[str, Any]) -> Any:
    """The record of exports, erasures and purges, newest first, of the sites the caller
    administers (purges, which belong to no site, only for admins of every site)."""
    site = args.pop("site_id")
    if site is not None:
        require_site(site, "admin")
        sites: tuple[str, ...] | None = (site,)
    else:
        mine = current_principal().sites_for("admin")
        sites = None if mine == "all" else tuple(sorted(mine))
    return {"items": service(PrivacyService).requests(sites, **args)}
