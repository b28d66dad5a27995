"""Schema bases every feature's wire shapes build on: unknown fields are rejected, pages are by
cursor."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class PageArgs(StrictSchema):
    cursor = fields.String(load_default=None, metadata={"description": "From next_cursor"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
