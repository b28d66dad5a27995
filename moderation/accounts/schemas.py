"""Wire shapes of the accounts admin API. Unknown fields are rejected."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from moderation.accounts.service import LOGIN, SITE_ID
from moderation.web.principal import ROLES
from moderation.web.schemas import StrictSchema, shows_something

_SITE = fields.String(
    required=True,
    validate=validate.Regexp(
        SITE_ID, error="Must be '*' (every site) or 1-64 lower-case letters, digits or '-'."
    ),
    metadata={"description": "A site id, or '*' for every site"},
)
_LABEL = fields.String(
    load_default=None,
    allow_none=True,
    validate=validate.Length(min=1, max=100),
    metadata={"description": 'What the token is for ("laptop", "review page")'},
)


def _lower_login(value: str) -> None:
    if not LOGIN.match(value.strip().lower()):
        raise ValidationError(
            "Must be 1-200 letters, digits or . _ @ + - (a name or an e-mail address), "
            "starting with a letter or digit."
        )


def _visible(value: str) -> None:
    if not shows_something(value):
        raise ValidationError("Must show something (not only spaces or invisible characters).")


class GrantIn(StrictSchema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    site_id = _SITE


class PersonIn(StrictSchema):
    login = fields.String(
        required=True,
        validate=_lower_login,
        metadata={"description": "A name or e-mail address, unique for ever (kept lower case)"},
    )
    display_name = fields.String(
        required=True, validate=[validate.Length(min=1, max=200), _visible]
    )
    roles = fields.List(
        fields.Nested(GrantIn),
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "At least one role; an admin of a site grants roles on it"},
    )
    token_label = _LABEL


class TokenIn(StrictSchema):
    label = _LABEL


class RevokeIn(StrictSchema):
    pass


class PeopleArgs(StrictSchema):
    site_id = fields.String(
        load_default=None,
        validate=validate.Regexp(SITE_ID, error="Must be '*' or a site id."),
        metadata={"description": "Only people with a role on this site ('*': on every site)"},
    )
    include_revoked = fields.Boolean(load_default=False)


class RoleOut(Schema):
    role = fields.String()
    site_id = fields.String()
    granted_at = fields.DateTime()
    granted_by = fields.String()


class TokenOut(Schema):
    id = fields.Integer()
    label = fields.String(allow_none=True)
    created_at = fields.DateTime()
    created_by = fields.String()
    last_used_at = fields.DateTime(
        allow_none=True, metadata={"description": "Updated at most once a minute"}
    )
    revoked_at = fields.DateTime(allow_none=True)
    revoked_by = fields.String(allow_none=True)


class PersonOut(Schema):
    id = fields.Integer()
    login = fields.String(metadata={"description": "What the audit trail and claims record"})
    display_name = fields.String()
    created_at = fields.DateTime()
    created_by = fields.String()
    revoked_at = fields.DateTime(allow_none=True)
    revoked_by = fields.String(allow_none=True)
    roles = fields.List(
        fields.Nested(RoleOut),
        metadata={"description": "Their roles on the sites the caller administers"},
    )
    tokens = fields.List(fields.Nested(TokenOut), metadata={"description": "Never the tokens"})


class PersonList(Schema):
    items = fields.List(fields.Nested(PersonOut))


class CreatedOut(PersonOut):
    token = fields.String(metadata={"description": "Their first token, shown only this once"})
    token_id = fields.Integer()


class IssuedOut(TokenOut):
    token = fields.String(metadata={"description": "The token, shown only this once"})
