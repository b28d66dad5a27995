"""Wire shapes of the moderators' workbench. Unknown fields are rejected; errors name the field."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from moderation.articles.api import SurgeOut
from moderation.review.bulk import MAX_IDS
from moderation.review.queues import QUEUES, SORTS
from moderation.review.service import REASON_CODES
from moderation.web.schemas import PageArgs, StrictSchema

_ID = validate.Length(min=1, max=200)
_LABEL = validate.Regexp(r"^[a-z_]{1,50}$", error="must be a model label like toxicity")
_SCORE = validate.Range(min=0.0, max=1.0)
_NOTE = validate.Length(max=2000)
_SURGE = (
    "The surge in force on the comment's article, or null: active, since, until, pinned, "
    'reason ("held share 42% of 50 comments in 15 min > 30%"), measurement, summary '
    "(docs/sites.md, Surge protection)"
)


class FilterFields(StrictSchema):
    site_id = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "Only this site's comments (you must moderate it)"},
    )
    article_id = fields.String(load_default=None, validate=_ID)
    author_id = fields.String(load_default=None, validate=_ID)
    rule_id = fields.String(load_default=None, validate=validate.Length(min=1, max=100))
    label = fields.String(load_default=None, validate=_LABEL)
    min_score = fields.Float(load_default=None, validate=_SCORE)
    max_score = fields.Float(load_default=None, validate=_SCORE)
    since = fields.AwareDateTime(load_default=None, default_timezone=None)
    until = fields.AwareDateTime(load_default=None, default_timezone=None)

    @validates_schema
    def _scores(self, data: dict[str, Any], **_: Any) -> None:
        has_range = data.get("min_score") is not None or data.get("max_score") is not None
        if has_range and not data.get("label"):
            raise ValidationError("min_score and max_score need a label", "label")


class QueueArgs(PageArgs, FilterFields):
    queue = fields.String(load_default="held", validate=validate.OneOf(list(QUEUES)))
    sort = fields.String(
        load_default="severity",
        validate=validate.OneOf(SORTS),
        metadata={"description": "severity (most in need first), oldest or newest"},
    )


def _acting(comment: Any) -> list[dict[str, Any]]:
    reasons = (comment.verdict or {}).get("reasons", [])
    return [reason for reason in reasons if reason.get("action")]


def _author(comment: Any) -> dict[str, Any]:
    """Who wrote it; `verified`: the id came from a commenter session the site signed."""
    return {
        "id": comment.author_id,
        "name": comment.author_name,
        "verified": bool(comment.author_verified),
    }


def _claim(claim: Any) -> dict[str, Any] | None:
    if claim is None:
        return None
    return {"moderator": claim.moderator, "expires_at": claim.expires_at.isoformat()}


def _acting_reasons(comment: Any) -> list[dict[str, Any]]:
    keep = ("kind", "id", "action", "message", "score", "hold", "reject")
    return [{key: r[key] for key in keep if key in r} for r in _acting(comment)]


class QueueItem(Schema):
    id = fields.Integer(attribute="comment.id")
    article_id = fields.String(attribute="comment.article_id")
    parent_id = fields.Integer(attribute="comment.parent_id", allow_none=True)
    author = fields.Function(lambda e: _author(e.comment))
    text = fields.String(attribute="comment.text")
    status = fields.String(attribute="comment.status")
    version = fields.Integer(attribute="comment.version")
    reason_code = fields.String(attribute="comment.public_reason", allow_none=True)
    severity = fields.Float(attribute="comment.severity")
    report_weight = fields.Float(attribute="comment.report_weight")
    hidden = fields.Boolean(attribute="comment.hidden")
    summary = fields.Function(
        lambda e: [r.get("message") or f"{r['id']} {r.get('score')}" for r in _acting(e.comment)]
    )
    acting_reasons = fields.Function(
        lambda e: _acting_reasons(e.comment),
        metadata={"description": "The reasons that set the outcome, as in the detail, no spans"},
    )
    claim = fields.Function(lambda e: _claim(e.claim))
    article_surge = fields.Nested(SurgeOut, allow_none=True, metadata={"description": _SURGE})
    created_at = fields.DateTime(attribute="comment.created_at")


class QueuePage(Schema):
    comments = fields.List(fields.Nested(QueueItem), attribute="items")
    next_cursor = fields.String(allow_none=True)
    total = fields.Integer(metadata={"description": "Comments in this queue for this filter"})
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class AuditOut(Schema):
    id = fields.Integer()
    comment_id = fields.Integer()
    actor_type = fields.String()
    actor = fields.String()
    actor_id = fields.Integer(
        allow_none=True, metadata={"description": "The person's account id, if they have one"}
    )
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    reason_code = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)
    version = fields.Integer()
    created_at = fields.DateTime()


class ReportOut(Schema):
    reader_id = fields.String(
        metadata={"description": "The site's reader id if verified, else anon: and a keyed hash"}
    )
    verified = fields.Boolean(metadata={"description": "The site vouched for the reader"})
    reason = fields.String()
    note = fields.String(allow_none=True)
    weight = fields.Float()
    outcome = fields.String(allow_none=True)
    created_at = fields.DateTime()


class RecentComment(Schema):
    id = fields.Integer()
    article_id = fields.String()
    status = fields.String()
    text = fields.Function(lambda c: c.text[:200])
    created_at = fields.DateTime()


class AuthorActionOut(Schema):
    from_status = fields.String()
    to_status = fields.String()
    reason = fields.String()
    actor = fields.String()
    comments_rejected = fields.Integer()
    created_at = fields.DateTime()


class AuthorHistoryOut(Schema):
    id = fields.String(attribute="author_id")
    site_id = fields.String()
    status = fields.String(metadata={"description": "normal, banned, trusted or premoderated"})
    reason = fields.String(allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    recent = fields.List(fields.Nested(RecentComment))
    actions = fields.List(fields.Nested(AuthorActionOut))


class ParentOut(Schema):
    id = fields.Integer()
    author = fields.Function(lambda c: {"id": c.author_id, "name": c.author_name})
    text = fields.String()
    status = fields.String()
    created_at = fields.DateTime()


class VersionOut(Schema):
    revision = fields.Integer(metadata={"description": "1: as first posted; 2: after one edit"})
    text = fields.String()
    status = fields.String(metadata={"description": "Where that text stood when it was replaced"})
    reason_code = fields.String(attribute="public_reason", allow_none=True)
    reasons = fields.Function(lambda v: (v.verdict or {}).get("reasons", []))
    version = fields.Integer(
        attribute="comment_version", metadata={"description": "The comment's version then"}
    )
    written_at = fields.DateTime()
    replaced_at = fields.DateTime()


class ReviewDetail(Schema):
    id = fields.Integer(attribute="comment.id")
    article_id = fields.String(attribute="comment.article_id")
    author = fields.Function(lambda d: _author(d.comment))
    text = fields.String(attribute="comment.text")
    parent_id = fields.Integer(attribute="comment.parent_id", allow_none=True)
    parent = fields.Nested(
        ParentOut,
        allow_none=True,
        metadata={"description": "The comment this one replies to, whatever its status"},
    )
    status = fields.String(attribute="comment.status")
    version = fields.Integer(attribute="comment.version")
    reason_code = fields.String(attribute="comment.public_reason", allow_none=True)
    severity = fields.Float(attribute="comment.severity")
    reasons = fields.Function(lambda d: (d.comment.verdict or {}).get("reasons", []))
    scores = fields.Function(lambda d: (d.comment.verdict or {}).get("scores", {}))
    model = fields.Function(
        lambda d: (d.comment.verdict or {}).get("model"),
        metadata={"description": "The model that scored it; null when none serves its language"},
    )
    policy_version = fields.Function(
        lambda d: (d.comment.verdict or {}).get("policy_version"),
        metadata={
            "description": "The version of the site's policy that made the machine's decision "
            "(docs/policies.md); null: the service's settings alone"
        },
    )
    shadow_verdicts = fields.Function(
        lambda d: d.policy.get("shadow_verdicts", []),
        metadata={
            "description": "What candidate policies scored in the shadows would have decided "
            "(never acted on): policy_version, decision, reasons, model"
        },
    )
    spot_check = fields.Function(
        lambda d: d.policy.get("spot_check"),
        metadata={
            "description": "Sampled for a spot check: outcome (null: waiting, kept, rejected), "
            "decided_by, sampled_at; null when not sampled"
        },
    )
    language = fields.Function(
        lambda d: (d.comment.verdict or {}).get("language"),
        metadata={
            "description": "The language it was routed by: code, confidence (0-1) and routing "
            "(served: a model for that language decided; uncertain: too short or unsure to "
            "tell, the default model decided; unsupported: no model serves it)"
        },
    )
    report_weight = fields.Float(attribute="comment.report_weight")
    hidden = fields.Boolean(attribute="comment.hidden")
    reports = fields.List(fields.Nested(ReportOut))
    claim = fields.Function(lambda d: _claim(d.claim))
    author_history = fields.Nested(AuthorHistoryOut, attribute="author")
    created_at = fields.DateTime(attribute="comment.created_at")
    decided_at = fields.DateTime(attribute="comment.decided_at", allow_none=True)
    edited_at = fields.DateTime(
        attribute="comment.edited_at",
        allow_none=True,
        metadata={"description": "When its author last edited it; null when never"},
    )
    versions = fields.List(
        fields.Nested(VersionOut),
        metadata={"description": "The texts it had before its author's edits, oldest first"},
    )
    audit = fields.List(fields.Nested(AuditOut))
    article_surge = fields.Nested(SurgeOut, allow_none=True, metadata={"description": _SURGE})


class GrantOut(Schema):
    role = fields.String()
    site_id = fields.String(metadata={"description": "A site id, or '*' for every site"})


class MeOut(Schema):
    name = fields.String(metadata={"description": "The token holder's name"})
    role = fields.String(metadata={"description": "Their highest role: moderator or admin"})
    account_id = fields.Integer(
        allow_none=True, metadata={"description": "None for the environment's tokens"}
    )
    roles = fields.List(fields.Nested(GrantOut), metadata={"description": "Role per site"})


class ReasonCodesOut(Schema):
    reason_codes = fields.List(fields.String())


class Term(Schema):
    id = fields.String()
    name = fields.String()
    explanation = fields.String()


def _terms(description: str) -> fields.List[Any]:
    return fields.List(fields.Nested(Term), metadata={"description": description})


class GlossaryOut(Schema):
    rules = _terms("Rule ids; a rule from patterns.toml is named by its id and message")
    labels = _terms("Model labels")
    reason_codes = _terms("Reason codes a decision may carry")
    report_reasons = _terms("Reasons a reader may give for a report")
    public_codes = _terms("The short reason a held or rejected comment's author is given")
    queues = _terms("Every queue, in the API's order")


class DecisionIn(StrictSchema):
    action = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    reason_code = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(REASON_CODES)
    )
    note = fields.String(load_default=None, allow_none=True, validate=_NOTE)
    version = fields.Integer(
        required=True, strict=True, metadata={"description": "The version you reviewed"}
    )


class DecisionOut(Schema):
    id = fields.Integer()
    status = fields.String()
    version = fields.Integer()
    reason_code = fields.String(attribute="public_reason", allow_none=True)


class UndoIn(StrictSchema):
    version = fields.Integer(
        required=True, strict=True, metadata={"description": "The version your decision made"}
    )
    note = fields.String(load_default=None, allow_none=True, validate=_NOTE)


class ClaimIn(StrictSchema):
    takeover = fields.Boolean(
        load_default=False, metadata={"description": "Take the claim from another moderator"}
    )


class ClaimOut(Schema):
    comment_id = fields.Integer()
    moderator = fields.String()
    expires_at = fields.DateTime()
    taken_over_from = fields.String(allow_none=True)


class BulkFilter(FilterFields):
    queue = fields.String(required=True, validate=validate.OneOf([q for q in QUEUES if q != "all"]))


class BulkIn(StrictSchema):
    action = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    reason_code = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(REASON_CODES)
    )
    note = fields.String(load_default=None, allow_none=True, validate=_NOTE)
    ids = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1)),
        load_default=None,
        validate=validate.Length(min=1, max=MAX_IDS),
    )
    filter = fields.Nested(BulkFilter, load_default=None)
    dry_run = fields.Boolean(load_default=False)

    @validates_schema
    def _one_selection(self, data: dict[str, Any], **_: Any) -> None:
        if (data.get("ids") is None) == (data.get("filter") is None):
            raise ValidationError("give either ids or filter", "ids")
        if data.get("action") == "reject" and not data.get("reason_code"):
            raise ValidationError("a rejection needs a reason_code", "reason_code")


class BulkOut(Schema):
    id = fields.Integer()
    state = fields.String(metadata={"description": "queued, running, done or failed"})
    action = fields.String()
    reason_code = fields.String(allow_none=True)
    dry_run = fields.Boolean()
    selection = fields.Dict()
    total = fields.Integer()
    processed = fields.Integer()
    changed = fields.Integer()
    result = fields.Dict(allow_none=True)
    error = fields.String(allow_none=True)
    moderator = fields.String()
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
