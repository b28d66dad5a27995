"""Schema bases every feature's wire shapes build on: unknown fields are rejected, integers stay
within PostgreSQL's bigint and date-times within UTC's years, pages are by cursor; and the check
for text that shows nothing."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

BIGINT = validate.Range(
    min=-(2**63), max=2**63 - 1, error="Must be from {min} to {max} (a 64-bit integer)."
)

# Categories that draw nothing by themselves: controls, format characters (zero-width space and
# joiners, direction marks, the byte order mark, soft hyphen), surrogates, separators (spaces,
# line and paragraph separators), and combining marks with no letter to sit on.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})
# Letters and symbols that are drawn as blank space: the Hangul fillers and the blank Braille
# pattern, known stand-ins for an empty name.
_BLANK_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def shows_something(text: str) -> bool:
    """Whether `text` has a character that is drawn (not only spaces and invisible characters)."""
    return any(
        character not in _BLANK_CHARACTERS
        and unicodedata.category(character) not in _INVISIBLE_CATEGORIES
        for character in text
    )


def in_utc_range(value: dt.datetime) -> None:
    """A date and time that has a UTC equivalent (what the database compares and stores)."""
    if value.tzinfo is not None:
        try:
            value.astimezone(dt.UTC)
        except OverflowError as error:
            raise ValidationError("Must fall between years 1 and 9999 in UTC.") from error


class StrictSchema(Schema):
    """Unknown fields are refused; every integer field (also in lists) is bounded to the bigint
    range and every date-time field to what UTC can hold, so no value a database column cannot
    take gets past parsing (422)."""

    class Meta:
        unknown = RAISE

    def on_bind_field(self, field_name: str, field_obj: fields.Field[Any]) -> None:
        _add_bounds(field_obj)


def _add_bounds(field: fields.Field[Any]) -> None:
    # Each schema instance binds its own copy of a field, but the copy shares the declared
    # field's list of validators: a new list leaves the declared field as it was. apispec reads
    # the bound fields, so the OpenAPI document shows the integer bounds too.
    bound = (
        BIGINT
        if isinstance(field, fields.Integer)
        else in_utc_range
        if isinstance(field, fields.DateTime)
        else None
    )
    if bound is not None and bound not in field.validators:
        field.validators = [*field.validators, bound]
    for inner in (getattr(field, "inner", None), getattr(field, "value_field", None)):
        if isinstance(inner, fields.Field):
            _add_bounds(inner)


class PageArgs(StrictSchema):
    cursor = fields.String(load_default=None, metadata={"description": "From next_cursor"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class IdempotencyHeaders(Schema):
    """`Idempotency-Key`, for a view that takes one (`blp.arguments(IdempotencyHeaders,
    location="headers")`): checked here and shown in the OpenAPI document as a header parameter.
    Other headers are not this schema's business."""

    class Meta:
        unknown = EXCLUDE

    idempotency_key = fields.String(
        data_key="Idempotency-Key",
        validate=validate.Regexp(
            r"^[\x21-\x7e]{1,255}$", error="must be 1-255 visible ASCII characters"
        ),
        metadata={
            "description": "Makes a retry safe: a request with a key this client already used "
            "returns what the first one made instead of doing it again (1-255 visible ASCII "
            "characters; keys are scoped per writer)."
        },
    )
