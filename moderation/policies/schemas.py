"""Wire shapes of the policy endpoints."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from moderation.web.schemas import StrictSchema

_REASON = fields.String(
    required=True,
    validate=validate.Length(min=1, max=2000),
    metadata={"description": "Why: kept in the policy's audit"},
)


class ReasonIn(StrictSchema):
    reason = _REASON


class CandidateIn(StrictSchema):
    settings = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(),
        load_default=dict,
        metadata={
            "description": "The whole policy, as a site's settings: thresholds, rules, review, "
            "premoderate, spot_check (docs/sites.md)"
        },
    )
    model = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        allow_none=True,
        load_default=None,
        metadata={
            "description": 'null (the workers\' model) or {"checkpoint": path, "config_dir": '
            "path}: a detoxify-format checkpoint (.ckpt, or a folder with model.ckpt and "
            "config/) inside policies.checkpoint_dirs"
        },
    )
    reason = _REASON
    shadow = fields.Boolean(
        load_default=True,
        metadata={"description": "Score it in the shadows at once (replacing any shadow)"},
    )


class RollbackIn(StrictSchema):
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    reason = _REASON


class ShadowIn(StrictSchema):
    version = fields.Integer(required=True, allow_none=True, validate=validate.Range(min=1))
    reason = _REASON


class ReportQuery(StrictSchema):
    version = fields.Integer(validate=validate.Range(min=1))


class CalibrationIn(StrictSchema):
    reject_precision = fields.Float(
        load_default=0.98,
        validate=validate.Range(min=0, max=1, min_inclusive=False),
        metadata={"description": "Reject where at least this share of the rejected are unhealthy"},
    )
    hold_recall = fields.Float(
        load_default=0.9,
        validate=validate.Range(min=0, max=1, min_inclusive=False),
        metadata={"description": "Hold low enough to catch this share of the unhealthy"},
    )
    min_examples = fields.Integer(load_default=20, validate=validate.Range(min=1, max=1_000_000))
    since = fields.AwareDateTime(
        load_default=None, metadata={"description": "Only decisions on comments since then"}
    )
    labels = fields.List(fields.String(validate=validate.Length(max=64)), load_default=None)
    create_candidate = fields.Boolean(
        load_default=False,
        metadata={"description": "Make the suggestion a candidate over the live policy, shadowed"},
    )


class DiffOut(Schema):
    path = fields.String()
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)


class PolicyVersionOut(Schema):
    site_id = fields.String()
    version = fields.Integer()
    kind = fields.String(
        metadata={"description": "initial, change, candidate, calibration or training"}
    )
    state = fields.String(metadata={"description": "live, shadow or inactive"})
    document = fields.Dict()
    based_on = fields.Integer(allow_none=True)
    reason = fields.String()
    created_by = fields.String()
    created_at = fields.DateTime()
    against = fields.Integer(
        allow_none=True, metadata={"description": "The version `diff` compares it with"}
    )
    diff = fields.List(fields.Nested(DiffOut))


class PolicyEventOut(Schema):
    action = fields.String(
        metadata={"description": "created, promoted, rolled_back, shadowed or unshadowed"}
    )
    version = fields.Integer(allow_none=True)
    previous = fields.Integer(allow_none=True)
    actor = fields.String()
    reason = fields.String()
    created_at = fields.DateTime()


class PolicyHistoryOut(Schema):
    site_id = fields.String()
    live = fields.Integer(allow_none=True)
    shadow = fields.Integer(allow_none=True)
    versions = fields.List(fields.Nested(PolicyVersionOut))
    events = fields.List(fields.Nested(PolicyEventOut))


class SpotCheckOut(Schema):
    comment_id = fields.Integer()
    site_id = fields.String()
    sampled_at = fields.DateTime()
    outcome = fields.String(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
