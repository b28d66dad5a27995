"""Wire shapes of the webhook admin API. Unknown fields are rejected."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from moderation.web.schemas import StrictSchema
from moderation.webhooks.subscriptions import EVENT_TYPES, KNOWN_EVENT_TYPES

_EVENT = fields.String(validate=validate.OneOf(KNOWN_EVENT_TYPES))
_ARTICLE = fields.String(validate=validate.Length(min=1, max=200))


class EndpointIn(StrictSchema):
    url = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "http(s) URL that receives signed POSTs"},
    )
    event_types = fields.List(
        _EVENT,
        load_default=list(EVENT_TYPES),
        validate=validate.Length(min=1),
        metadata={
            "description": "Events to receive; when left out, every comment and author event "
            "(the DSA events, which carry reporters' contact details, only when named)"
        },
    )
    article_ids = fields.List(
        _ARTICLE,
        load_default=None,
        allow_none=True,
        metadata={"description": "Only events about comments under these articles; null: all"},
    )
    description = fields.String(load_default="", validate=validate.Length(max=500))
    enabled = fields.Boolean(load_default=True)
    site_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "Only this site's events; null: every site's"},
    )


class EndpointPatch(StrictSchema):
    url = fields.String(validate=validate.Length(min=1, max=2000))
    event_types = fields.List(_EVENT, validate=validate.Length(min=1))
    article_ids = fields.List(_ARTICLE, allow_none=True)
    description = fields.String(validate=validate.Length(max=500))
    enabled = fields.Boolean(metadata={"description": "true also clears an automatic disable"})


class EndpointOut(Schema):
    id = fields.Integer()
    url = fields.String()
    site_id = fields.String(allow_none=True)
    description = fields.String()
    event_types = fields.List(fields.String())
    article_ids = fields.List(fields.String(), allow_none=True)
    enabled = fields.Boolean()
    disabled_reason = fields.String(
        allow_none=True, metadata={"description": "Why the service disabled the endpoint"}
    )
    disabled_at = fields.DateTime(allow_none=True)
    dead_letter_streak = fields.Integer(
        metadata={"description": "Dead-lettered deliveries in a row (reset by a success)"}
    )
    previous_secret_expires_at = fields.DateTime(
        allow_none=True, metadata={"description": "Until then the old secret signs too"}
    )
    last_success_at = fields.DateTime(allow_none=True)
    last_failure_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    deliveries = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Deliveries by status: pending, delivered, dead"},
    )


class EndpointWithSecret(EndpointOut):
    secret = fields.String(metadata={"description": "Signing secret; shown only this once"})


class EndpointList(Schema):
    items = fields.List(fields.Nested(EndpointOut))


class RotateIn(StrictSchema):
    grace_seconds = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=30 * 86400),
        metadata={"description": "How long the old secret keeps signing; default from config"},
    )


class EmptyIn(StrictSchema):
    pass


class DeliveryArgs(StrictSchema):
    status = fields.String(
        load_default=None, validate=validate.OneOf(("pending", "delivered", "dead"))
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class AttemptOut(Schema):
    number = fields.Integer()
    attempted_at = fields.DateTime()
    succeeded = fields.Boolean()
    status_code = fields.Integer(allow_none=True)
    latency_ms = fields.Integer()
    error = fields.String(allow_none=True)
    response_body = fields.String(allow_none=True)


class DeliveryOut(Schema):
    id = fields.Integer()
    endpoint_id = fields.Integer()
    event_id = fields.String()
    event_type = fields.String()
    status = fields.String(metadata={"description": "pending, delivered or dead"})
    attempts = fields.Integer(metadata={"description": "Attempts in the current round"})
    next_attempt_at = fields.DateTime(allow_none=True)
    last_attempt_at = fields.DateTime(allow_none=True)
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    dead_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class DeliveryList(Schema):
    items = fields.List(fields.Nested(DeliveryOut))


class DeliveryDetailOut(DeliveryOut):
    attempt_log = fields.List(fields.Nested(AttemptOut), metadata={"description": "Every attempt"})


class RedeliveredOut(Schema):
    redelivered = fields.Integer()
