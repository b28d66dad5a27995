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
