"""Moderator endpoints: the audit trail of every state change, as pages or as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask import Response, stream_with_context
from marshmallow import RAISE, Schema, fields, validate

from moderation.review.api.schemas import AuditOut
from moderation.review.audit import EXPORT_COLUMNS, AuditFilter
from moderation.review.workbench import Workbench
from moderation.web.auth import current_principal, require_role, require_site
from moderation.web.blueprint import Blueprint
from moderation.web.context import service
from moderation.web.schemas import StrictSchema

blp = Blueprint("audit", __name__, url_prefix="/v1", description="Audit trail")
_STATUS = validate.OneOf(["pending", "approved", "held", "rejected", "reported"])


class AuditFilterArgs(StrictSchema):
    site_id = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "Only this site's comments (you must moderate it)"},
    )
    comment_id = fields.Integer(load_default=None, validate=validate.Range(min=1))
    actor = fields.String(load_default=None, validate=validate.Length(min=1, max=200))
    actor_id = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1),
        metadata={"description": "A person's account id: their records under any name"},
    )
    actor_type = fields.String(
        load_default=None, validate=validate.OneOf(["system", "moderator", "author"])
    )
    from_status = fields.String(load_default=None, validate=_STATUS)
    to_status = fields.String(load_default=None, validate=_STATUS)
    reason_code = fields.String(load_default=None, validate=validate.Length(min=1, max=50))
    since = fields.AwareDateTime(load_default=None, default_timezone=None)
    until = fields.AwareDateTime(load_default=None, default_timezone=None)


class AuditArgs(AuditFilterArgs):
    cursor = fields.String(load_default=None, metadata={"description": "From next_cursor"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class AuditPage(Schema):
    records = fields.List(fields.Nested(AuditOut), attribute="items")
    next_cursor = fields.String(allow_none=True)


def _filter(args: dict[str, Any]) -> AuditFilter:
    """The request's filter, narrowed to the records of the sites the caller moderates."""
    site = args.get("site_id")
    if site is not None:
        require_site(site)
        sites: tuple[str, ...] | None = (site,)
    else:
        mine = current_principal().sites_for("moderator")
        sites = None if mine == "all" else tuple(sorted(mine))
    return AuditFilter(
        **{k: v for k, v in args.items() if k not in {"cursor", "limit", "site_id"}},
        site_ids=sites,
    )


@blp.route("/audit", methods=["GET"])
@require_role("moderator")
@blp.arguments(AuditArgs, location="query", unknown=RAISE)
@blp.response(200, AuditPage)
def audit(args: dict[str, Any]) -> Any:
    """Every change of state, newest first: who (system or person), when, from, to, why."""
    return service(Workbench).audit.page(_filter(args), args["cursor"], args["limit"])


def _cell(value: Any) -> str:
    text = "" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)
    # A cell starting with = + - @ is a formula to spreadsheets; quote it so it stays text.
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


@blp.route("/audit.csv", methods=["GET"])
@require_role("moderator")
@blp.arguments(AuditFilterArgs, location="query", unknown=RAISE)
@blp.doc(responses={"200": {"description": "text/csv, oldest first"}})
def audit_csv(args: dict[str, Any]) -> Any:
    """The same records as CSV (oldest first), streamed, with the same filters."""
    records = service(Workbench).audit.export(_filter(args))

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(EXPORT_COLUMNS)
        for record in records:
            writer.writerow([_cell(getattr(record, column)) for column in EXPORT_COLUMNS])
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
