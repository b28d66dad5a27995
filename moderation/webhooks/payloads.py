"""What each outgoing webhook carries, as marshmallow schemas: the OpenAPI document's
`webhooks` section (web/openapi.py `describe_webhooks`) is made from `event_catalogue()`.

The payloads themselves are built where the events are written (comments/transitions.py
`event_row`, review/authors.py); tests/integration/test_openapi_contract.py checks real outbox
rows against these schemas. An event type added to `EVENT_TYPES` without a schema here is still
described, with the envelope every event has and `data` as an object.
"""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from moderation.webhooks.subscriptions import EVENT_TYPES

COMMENT_STATUSES = ("pending", "approved", "held", "rejected", "reported")

_WHAT = {
    "comment.created": "a comment was posted (status pending)",
    "comment.approved": "a comment was approved, by the machine or a moderator",
    "comment.held": "a comment was held for a moderator",
    "comment.rejected": "a comment was rejected, by the machine, a moderator or a ban",
    "comment.reported": "reader reports moved a published comment to the moderators' queue",
    "comment.decision_reversed": "a moderator undid their last decision on a comment",
    "author.banned": "an author was banned; each comment the ban rejected has its own event",
}


class Open(Schema):
    """A payload receivers must read leniently: fields may be added (additionalProperties)."""

    class Meta:
        unknown = INCLUDE


class _Envelope(Open):
    id = fields.String(
        required=True,
        validate=validate.Regexp(r"^evt_[0-9a-f]{32}$"),
        metadata={"description": "The event id; the same on every retry and in webhook-id"},
    )
    type = fields.String(required=True, metadata={"description": "The event type"})
    timestamp = fields.DateTime(
        required=True, metadata={"description": "When the change happened (ISO 8601, UTC)"}
    )


class CommentPayload(Open):
    id = fields.Integer(required=True)
    site_id = fields.String(required=True)
    article_id = fields.String(required=True)
    author_id = fields.String(required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(COMMENT_STATUSES),
        metadata={"description": "The comment's status after the change"},
    )
    reason_code = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The author-facing reason of a held or rejected comment"},
    )
    parent_id = fields.Integer(required=True, allow_none=True)
    text = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The text while the comment is published (approved), else null"},
    )
    version = fields.Integer(
        required=True,
        metadata={"description": "The comment's version after the change: order events by it"},
    )


class CommentEventData(Open):
    comment = fields.Nested(CommentPayload, required=True)


class CommentEvent(_Envelope):
    """An event about one comment."""

    data = fields.Nested(CommentEventData, required=True)


class BannedAuthor(Open):
    id = fields.String(required=True)
    status = fields.String(required=True)
    reason = fields.String(required=True, allow_none=True)


class AuthorEventData(Open):
    author = fields.Nested(BannedAuthor, required=True)
    site_id = fields.String(required=True)
    comments_rejected = fields.Integer(
        required=True,
        metadata={"description": "How many of the author's comments the ban rejected"},
    )


class AuthorEvent(_Envelope):
    """An event about an author."""

    data = fields.Nested(AuthorEventData, required=True)


class Event(_Envelope):
    """An event: the envelope every event has; `data` depends on the type."""

    data = fields.Dict(required=True)


def event_catalogue() -> dict[str, tuple[type[Schema], str]]:
    """Every event type the service sends: its payload schema and what it means."""
    catalogue: dict[str, tuple[type[Schema], str]] = {}
    for event_type in EVENT_TYPES:
        if event_type.startswith("comment."):
            schema: type[Schema] = CommentEvent
        elif event_type.startswith("author."):
            schema = AuthorEvent
        else:
            schema = Event
        catalogue[event_type] = (schema, _WHAT.get(event_type, "see docs/api.md, Webhooks"))
    return catalogue
