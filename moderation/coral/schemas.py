"""Coral's phase request and answer, as marshmallow schemas (the OpenAPI document shows them).

Unknown fields are left out, not refused: Coral is a partner whose releases add fields (it moved
`tenant` {id, domain} to `tenantID`/`tenantDomain`), and a refusal would stop moderation at
Coral's next upgrade. The request is signed, so nothing here comes from a stranger.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from moderation.coral.phase import ACTIONS


class _Lenient(Schema):
    class Meta:
        unknown = EXCLUDE


class CoralComment(_Lenient):
    body = fields.String(required=True, metadata={"description": "The comment (HTML stripped)"})
    parentID = fields.String(allow_none=True, load_default=None)


class CoralAuthor(_Lenient):
    id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(
        load_default="COMMENTER",
        metadata={"description": "ADMIN, MODERATOR, STAFF, MEMBER or COMMENTER"},
    )


class CoralStory(_Lenient):
    id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    url = fields.String(load_default="")


class CoralSite(_Lenient):
    id = fields.String(load_default="")


class CoralTenant(_Lenient):
    id = fields.String(load_default="")
    domain = fields.String(load_default="")


class CoralPhaseRequest(_Lenient):
    """What Coral posts (talk: src/core/server/services/comments/pipeline/phases/external.ts,
    `ExternalModerationRequest`)."""

    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    comment = fields.Nested(CoralComment, required=True)
    author = fields.Nested(CoralAuthor, required=True)
    story = fields.Nested(CoralStory, required=True)
    site = fields.Nested(CoralSite, load_default=dict)
    tenantID = fields.String(load_default="")
    tenantDomain = fields.String(load_default="")
    tenant = fields.Nested(CoralTenant, load_default=None, allow_none=True)


class CoralAction(Schema):
    actionType = fields.String(metadata={"description": "FLAG"})
    reason = fields.String(metadata={"description": "COMMENT_DETECTED_TOXIC or _SPAM"})
    additionalDetails = fields.String(
        metadata={"description": "The service's reasons (rule ids, scores), for moderators"}
    )


class CoralPhaseResponse(Schema):
    """Coral's `ExternalModerationResponse`: 204 instead when there is nothing to add. Its
    shape is Coral's, where `actions` may be left out (PREMOD has none): only `status` is
    required."""

    status = fields.String(
        required=True,
        metadata={
            "description": "REJECTED, SYSTEM_WITHHELD (held), or PREMOD (could not decide in "
            "time: Coral's pre-moderation queue)"
        },
    )
    actions = fields.List(fields.Nested(CoralAction))
