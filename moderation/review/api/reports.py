"""Public endpoint: a reader reports a published comment (one report per reader per comment)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from moderation.comments.service import CommentService
from moderation.errors import InvalidRequestError
from moderation.review.reports import REPORT_REASONS, NewReport
from moderation.review.workbench import Workbench
from moderation.sites.commenters import CommenterService
from moderation.sites.service import SiteService
from moderation.web.context import request_id, service
from moderation.web.schemas import StrictSchema

blp = Blueprint("reports", __name__, url_prefix="/v1", description="Reader reports")


class ReportIn(StrictSchema):
    reader_id = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": "The site's id of the reader who reports; required without a "
            "commenter session token, ignored with one (the session's reader reports)"
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
@blp.alt_response(409, description="This reader already reported this comment")
@blp.alt_response(429, description="Too many reports from this address; see Retry-After")
@blp.alt_response(401, description="The commenter session sent is refused; `reason` says why")
def report(body: dict[str, Any], comment_id: int) -> Any:
    """Report a published comment. Rate-limited per client address.

    With `Authorization: Bearer <session token>` (from commenter-sessions) the report is the
    signed-in reader's, a verified one; without, it is anonymous, from `reader_id`.
    """
    authorization = request.headers.get("Authorization")
    if not authorization and body["reader_id"] is None:  # named before the comment is looked up
        raise InvalidRequestError(
            "reader_id is required without a commenter session token", field="reader_id"
        )
    site = service(SiteService).require(service(CommentService).get(comment_id).site_id)
    reader = service(CommenterService).reader(site, authorization, body["reader_id"])
    service(Workbench).reports.report(
        NewReport(
            comment_id=comment_id,
            reader_id=reader.id,
            verified=reader.verified,
            reason=body["reason"],
            note=body["note"],
            client=request.remote_addr or "unknown",
            request_id=request_id(),
        )
    )
    return {"comment_id": comment_id, "received": True}
