"""Wire shapes of the privacy endpoints."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from moderation.web.schemas import StrictSchema


class ExportArgs(StrictSchema):
    reason = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "Why (a ticket number); recorded, and refused if it names them"},
    )


class ErasureIn(StrictSchema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "Why (a ticket number); recorded, and refused if it names them"},
    )


class TableRowsOut(Schema):
    holds = fields.String(metadata={"description": "What this table holds about the author"})
    rows = fields.List(fields.Dict(), metadata={"description": "Every column of each row"})


class ExportOut(Schema):
    site_id = fields.String()
    author_id = fields.String()
    names = fields.List(
        fields.String(), metadata={"description": "The names they wrote under (no e-mail is kept)"}
    )
    exported_at = fields.String()
    privacy_request_id = fields.Integer()
    tables = fields.Dict(keys=fields.String(), values=fields.Nested(TableRowsOut))
    not_included = fields.List(fields.String())


class ErasureOut(Schema):
    site_id = fields.String()
    pseudonym = fields.String(metadata={"description": "What the author's rows now carry"})
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    comment_ids = fields.List(fields.Integer())
    event_id = fields.String(metadata={"description": "The author.erased event in the outbox"})
    record_id = fields.Integer(metadata={"description": "The privacy request record"})


class RequestsArgs(StrictSchema):
    site_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    kind = fields.String(load_default=None, validate=validate.OneOf(("export", "erasure", "purge")))
    subject = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "An author's pseudonym (what an erasure answered)"},
    )
    before_id = fields.Integer(load_default=None, validate=validate.Range(min=1))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class RequestOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    site_id = fields.String(allow_none=True)
    subject = fields.String(allow_none=True, metadata={"description": "The pseudonym"})
    actor = fields.String()
    actor_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    request_id = fields.String(allow_none=True)
    created_at = fields.DateTime()


class RequestsOut(Schema):
    items = fields.List(fields.Nested(RequestOut))
