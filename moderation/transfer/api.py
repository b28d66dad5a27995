"""Admin endpoint: a site's comments as NDJSON, streamed (docs/transfer.md)."""

from __future__ import annotations

from typing import Any

from flask import Response, stream_with_context
from marshmallow import RAISE, ValidationError, fields, validate, validates_schema

from moderation.articles.ids import checked_article_id
from moderation.sites.service import SiteService
from moderation.transfer.export import ExportFilter
from moderation.transfer.service import TransferService
from moderation.web.auth import require_role, require_site
from moderation.web.blueprint import Blueprint
from moderation.web.context import service
from moderation.web.schemas import StrictSchema

blp = Blueprint(
    "transfer", __name__, url_prefix="/v1", description="Export a site's comments (admin)"
)
_SECURITY: list[dict[str, list[str]]] = [{"moderatorToken": []}]


class ExportArgs(StrictSchema):
    article_id = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Only this article's comments"},
    )
    since = fields.AwareDateTime(
        load_default=None,
        default_timezone=None,
        metadata={"description": "Only comments posted at or after this time (with its zone)"},
    )
    until = fields.AwareDateTime(
        load_default=None,
        default_timezone=None,
        metadata={"description": "Only comments posted before this time (with its zone)"},
    )

    @validates_schema
    def _range(self, data: dict[str, Any], **_: Any) -> None:
        since, until = data.get("since"), data.get("until")
        if since is not None and until is not None and until <= since:
            raise ValidationError("must be after since", field_name="until")


@blp.route("/sites/<site_id>/export", methods=["GET"])
@require_role("admin")
@blp.arguments(ExportArgs, location="query", unknown=RAISE)
@blp.doc(
    security=_SECURITY,
    responses={
        "200": {
            "description": "One JSON object per line: a header, the authors' standing, the "
            "comments oldest first (decisions and earlier texts with each), an end line",
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
        },
        "403": {"description": "You are not an admin of this site"},
        "404": {"description": "No such site"},
    },
)
def export_comments(args: dict[str, Any], site_id: str) -> Any:
    """A site's comments with their decisions and authors as NDJSON, streamed as it is read.

    Everything, one article's (`article_id`), or those posted in [`since`, `until`).
    `moderation comments import` reads it into another database (docs/transfer.md).
    """
    site = service(SiteService).require(site_id)
    require_site(site.id, "admin")
    article = checked_article_id(args["article_id"]) if args["article_id"] else None
    chosen = ExportFilter(site.id, article, args["since"], args["until"])
    lines = service(TransferService).export(chosen)
    return Response(
        stream_with_context(lines),
        mimetype="application/x-ndjson",
        headers={
            "Content-Disposition": f'attachment; filename="{site.id}-comments.ndjson"',
            # Authors' names and texts: personal data, kept by no cache.
            "Cache-Control": "no-store",
        },
    )
