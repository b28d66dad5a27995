"""Wire shapes. Unknown fields are rejected and every message names its field."""

from __future__ import annotations

from typing import Any

from flask import current_app
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from moderation.services.review import REASON_CODES

_ID = validate.Length(min=1, max=200)


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class AuthorIn(StrictSchema):
    id = fields.String(required=True, validate=_ID, metadata={"description": "The site's id"})
    name = fields.String(required=True, metadata={"description": "Name shown with the comment"})

    @validates("name")
    def _name(self, value: str, **_: Any) -> None:
        limit = current_app.config["MODERATION_SETTINGS"].comments.max_author_name
        if not value.strip():
            raise ValidationError("must not be empty")
        if len(value) > limit:
            raise ValidationError(f"longer than {limit} characters")


class CommentIn(StrictSchema):
    author = fields.Nested(AuthorIn, required=True)
    text = fields.String(required=True, metadata={"description": "The comment, plain text"})
    parent_id = fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=validate.Range(min=1)
    )

    @validates("text")
    def _text(self, value: str, **_: Any) -> None:
        limit = current_app.config["MODERATION_SETTINGS"].comments.max_length
        if not value.strip():
            raise ValidationError("must not be empty")
        if len(value) > limit:
            raise ValidationError(f"is {len(value)} characters, longer than the limit of {limit}")


class CommentStatus(Schema):
    id = fields.Integer()
    article_id = fields.String()
    status = fields.String(metadata={"description": "pending, approved, held or rejected"})
    reason_code = fields.String(
        attribute="public_reason",
        allow_none=True,
        metadata={"description": "Why a comment is held or rejected, for its author"},
    )
    parent_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    status_url = fields.String()


class AuthorOut(Schema):
    name = fields.String(attribute="author_name")


class PublishedComment(Schema):
    id = fields.Integer(attribute="comment.id")
    author = fields.Function(lambda thread: {"name": thread.comment.author_name})
    text = fields.String(attribute="comment.text")
    parent_id = fields.Integer(attribute="comment.parent_id", allow_none=True)
    created_at = fields.DateTime(attribute="comment.created_at")
    replies = fields.List(fields.Nested(lambda: PublishedComment()))


class PageArgs(StrictSchema):
    cursor = fields.String(load_default=None, metadata={"description": "From next_cursor"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PublishedPage(Schema):
    comments = fields.List(fields.Nested(PublishedComment), attribute="items")
    next_cursor = fields.String(allow_none=True)


class QueueArgs(PageArgs):
    article_id = fields.String(load_default=None, validate=_ID)


class ReviewAuthor(Schema):
    id = fields.String(attribute="author_id")
    name = fields.String(attribute="author_name")


class QueueItem(Schema):
    id = fields.Integer()
    article_id = fields.String()
    author = fields.Function(lambda c: {"id": c.author_id, "name": c.author_name})
    text = fields.String()
    status = fields.String()
    version = fields.Integer()
    reason_code = fields.String(attribute="public_reason", allow_none=True)
    summary = fields.Function(
        lambda c: [r.get("message") or f"{r['id']} {r.get('score')}" for r in _acting(c)]
    )
    created_at = fields.DateTime()


def _acting(comment: Any) -> list[dict[str, Any]]:
    reasons = (comment.verdict or {}).get("reasons", [])
    return [reason for reason in reasons if reason.get("action")]


class QueuePage(Schema):
    comments = fields.List(fields.Nested(QueueItem), attribute="items")
    next_cursor = fields.String(allow_none=True)
    total = fields.Integer()


class AuditOut(Schema):
    actor_type = fields.String()
    actor = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    reason_code = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)
    version = fields.Integer()
    created_at = fields.DateTime()


class ReviewDetail(Schema):
    id = fields.Integer(attribute="comment.id")
    article_id = fields.String(attribute="comment.article_id")
    author = fields.Function(lambda d: {"id": d.comment.author_id, "name": d.comment.author_name})
    text = fields.String(attribute="comment.text")
    parent_id = fields.Integer(attribute="comment.parent_id", allow_none=True)
    status = fields.String(attribute="comment.status")
    version = fields.Integer(attribute="comment.version")
    reason_code = fields.String(attribute="comment.public_reason", allow_none=True)
    reasons = fields.Function(lambda d: (d.comment.verdict or {}).get("reasons", []))
    scores = fields.Function(lambda d: (d.comment.verdict or {}).get("scores", {}))
    model = fields.Function(lambda d: (d.comment.verdict or {}).get("model"))
    created_at = fields.DateTime(attribute="comment.created_at")
    decided_at = fields.DateTime(attribute="comment.decided_at", allow_none=True)
    audit = fields.List(fields.Nested(AuditOut))


class DecisionIn(StrictSchema):
    action = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    reason_code = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(REASON_CODES)
    )
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    version = fields.Integer(
        required=True, strict=True, metadata={"description": "The version you reviewed"}
    )


class DecisionOut(Schema):
    id = fields.Integer()
    status = fields.String()
    version = fields.Integer()
    reason_code = fields.String(attribute="public_reason", allow_none=True)
