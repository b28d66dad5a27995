"""Moderator endpoint: queue depths, decisions and undos per day, time to decision, reversals."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from moderation.review.workbench import Workbench
from moderation.web.auth import require_role
from moderation.web.blueprint import Blueprint
from moderation.web.context import service
from moderation.web.schemas import StrictSchema

blp = Blueprint("stats", __name__, url_prefix="/v1", description="Workbench statistics")


class StatsArgs(StrictSchema):
    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=366))


class DayCount(Schema):
    day = fields.String()
    outcome = fields.String()
    reason_code = fields.String(allow_none=True)
    by = fields.String(metadata={"description": "system or moderator"})
    count = fields.Integer()


class DayUndos(Schema):
    day = fields.String()
    count = fields.Integer()


class StatsOut(Schema):
    days = fields.Integer()
    since = fields.DateTime()
    queues = fields.Dict(keys=fields.String(), values=fields.Integer())
    decisions_per_day = fields.List(
        fields.Nested(DayCount),
        metadata={"description": "Changes to approved, held or rejected that stand (not undone)"},
    )
    undos_per_day = fields.List(
        fields.Nested(DayUndos),
        metadata={"description": "Decisions moderators took back with undo"},
    )
    median_seconds_to_decision = fields.Float(allow_none=True)
    median_seconds_to_human_decision = fields.Float(allow_none=True)
    machine_decisions = fields.Integer()
    machine_decisions_reversed = fields.Integer()
    reversed_share = fields.Float(
        metadata={"description": "Share of machine approvals/rejections a person reversed"}
    )


@blp.route("/stats", methods=["GET"])
@require_role("moderator", all_sites=True)
@blp.arguments(StatsArgs, location="query", unknown=RAISE)
@blp.response(200, StatsOut)
def stats(args: dict[str, Any]) -> Any:
    """Queue depths now, and decisions, time to decision and reversals over the last days."""
    return service(Workbench).stats.stats(args["days"])
