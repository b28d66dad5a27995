"""Public endpoint: a reader reports a published comment (one report per reader per comment).

A report without a commenter token is anonymous: its reader is the client's address (after
ProxyFix), whatever `reader_id` the body claims (review/readers.py).
"""

from __future__ import annotations

from typing import Any

from flask import g, request
from marshmallow import Schema, fields, validate

from moderation.comments.service import CommentService
from moderation.review.reports import REPORT_REASONS, NewReport
from moderation.review.workbench import Workbench
from moderation.sites.commenters import CommenterService
from moderation.sites.service import SiteService
from moderation.web import limits, openapi
from moderation.web.blueprint import Blueprint
from moderation.web.context import request_id, service
from moderation.web.schemas import StrictSchema

blp = Blueprint("reports", __name__, url_prefix="/v1", description="Reader reports")


class ReportIn(StrictSchema):
    reader_id = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": "Ignored: a report with a commenter session token is the session's "
            "reader's; without one its reader is the client's address, whatever id it sends "
            "(accepted so that older widgets keep working)"
        },
    )
    reason = fields.String(required=True, validate=validate.OneOf(REPORT_REASONS))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class ReportReceipt(Schema):
    comment_id = fields.Integer()
    received = fields.Boolean()


@blp.route("/comments/<int:comment_id>/reports", methods=["POST"])
@blp.arguments(ReportIn)
@blp.response(201, ReportReceipt)
@blp.alt_response(409, description="This reader (or address) already reported this comment")
@blp.alt_response(429, description="Too many reports from this address, reader or site")
@blp.alt_response(401, description="The commenter session sent is refused; `reason` says why")
@blp.doc(security=openapi.COMMENTER_SESSION_OPTIONAL)
def report(body: dict[str, Any], comment_id: int) -> Any:
    """Report a published comment. Rate-limited per client address, per reader and per site
    (429 with Retry-After).

    With `Authorization: Bearer <session token>` (from commenter-sessions) the report is the
    signed-in reader's, a verified one. Without, it is anonymous: it counts once per client
    address and comment, weighs little, and can send the comment to the moderators but never
    hide it; its public status stays `approved`.
    """
    site = service(SiteService).require(service(CommentService).get(comment_id).site_id)
    g.site_id = site.id  # the per-site limit is the comment's site's
    reader = service(CommenterService).session(site, request.headers.get("Authorization"))
    # An anonymous reader is its address, limited as such; the body's reader_id is not a reader.
    limits.hit("reports", reader.id if reader is not None else None)
    service(Workbench).reports.report(
        NewReport(
            comment_id=comment_id,
            reader_id=reader.id if reader is not None else None,
            verified=reader is not None,
            reason=body["reason"],
            note=body["note"],
            client=request.remote_addr or "unknown",
            request_id=request_id(),
        )
    )
    return {"comment_id": comment_id, "received": True}
