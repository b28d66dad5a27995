"""Schema bases every feature's wire shapes build on: unknown fields are rejected, integers stay
within PostgreSQL's bigint, pages are by cursor; and the check for text that shows nothing."""

from __future__ import annotations

import unicodedata
from typing import Any

from marshmallow import RAISE, Schema, fields, validate

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


class StrictSchema(Schema):
    """Unknown fields are refused, and every integer field (also in lists) is bounded to the
    bigint range, so no number a database column cannot hold gets past parsing (422)."""

    class Meta:
        unknown = RAISE

    def on_bind_field(self, field_name: str, field_obj: fields.Field[Any]) -> None:
        _bound_integers(field_obj)


def _bound_integers(field: fields.Field[Any]) -> None:
    # Each schema instance binds its own copy of a field, but the copy shares the declared
    # field's list of validators: a new list leaves the declared field as it was. apispec reads
    # the bound fields, so the OpenAPI document shows the bounds too.
    if isinstance(field, fields.Integer) and BIGINT not in field.validators:
        field.validators = [*field.validators, BIGINT]
    for inner in (getattr(field, "inner", None), getattr(field, "value_field", None)):
        if isinstance(inner, fields.Field):
            _bound_integers(inner)


class PageArgs(StrictSchema):
    cursor = fields.String(load_default=None, metadata={"description": "From next_cursor"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
