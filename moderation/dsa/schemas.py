"""Wire shapes of the DSA endpoints: notices, appeals, their queues, the transparency report."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates

from moderation.dsa.vocabulary import (
    APPEAL_STATUSES,
    AWAITING_REVIEW,
    LEGALITIES,
    NOTICE_STATUSES,
    OUTCOMES,
    UNDER_REVIEW,
    VOID,
)
from moderation.web.schemas import StrictSchema, shows_something

_ID = validate.Range(min=1)


def _shown(limit: int) -> Any:
    """Text that shows something, at most `limit` characters."""

    def check(value: str) -> None:
        if not shows_something(value):
            raise ValidationError("must not be empty or only spaces and invisible characters")
        if len(value) > limit:
            raise ValidationError(f"is {len(value)} characters, longer than {limit}")

    return check


class Reporter(StrictSchema):
    name = fields.String(
        load_default=None,
        allow_none=True,
        validate=_shown(200),
        metadata={"description": "The reporter's name (art. 16(2)(c))"},
    )
    email = fields.Email(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=320),
        metadata={
            "description": "Where the acknowledgment and the decision are sent (art. 16(4), "
            "(5)); the newsroom's mailer reads it from the dsa_notice.* webhook events"
        },
    )


class NoticeIn(StrictSchema):
    comment_id = fields.Integer(
        required=True, strict=True, validate=_ID, metadata={"description": "The comment"}
    )
    additional_comment_ids = fields.List(
        fields.Integer(strict=True, validate=_ID),
        load_default=list,
        validate=validate.Length(max=100),
        metadata={
            "description": "More comments the same notice is about (Coral's additional "
            "comments): each gets its own notice and reference, under one submission_id"
        },
    )
    law_broken = fields.String(
        required=True,
        validate=_shown(500),
        metadata={"description": "Which law the comment breaks (Coral: lawBrokenDescription)"},
    )
    explanation = fields.String(
        required=True,
        validate=_shown(5000),
        metadata={
            "description": "Why the comment is illegal under that law (art. 16(2)(a); Coral: "
            "additionalInformation)"
        },
    )
    good_faith = fields.Boolean(
        required=True,
        truthy={True},
        falsy={False},
        metadata={
            "description": "The reporter states in good faith that the notice is accurate and "
            "complete (art. 16(2)(d)); must be true"
        },
    )
    reporter = fields.Nested(Reporter, load_default=None, allow_none=True)

    @validates("good_faith")
    def _good_faith(self, value: bool, **_: Any) -> None:
        if value is not True:
            raise ValidationError("must be true: a notice is made in good faith (art. 16(2)(d))")


class NoticeRef(Schema):
    reference = fields.String(metadata={"description": "Quote it in any message about it"})
    comment_id = fields.Integer()
    status = fields.String()
    status_url = fields.String()


class NoticeReceipt(Schema):
    submission_id = fields.String()
    secret = fields.String(
        metadata={
            "description": "Shown once: send it as X-Notice-Secret to read the notices' status"
        }
    )
    received_at = fields.DateTime()
    notices = fields.List(fields.Nested(NoticeRef))


class HistoryStep(Schema):
    type = fields.String(metadata={"description": "RECEIVED, STATUS_CHANGED, NOTE, DECISION_MADE"})
    status = fields.String(allow_none=True)
    decision = fields.String(allow_none=True)
    created_at = fields.DateTime()


class ModeratorHistoryStep(HistoryStep):
    body = fields.String(allow_none=True, metadata={"description": "A moderator's note"})
    actor_type = fields.String()
    actor = fields.String(allow_none=True)


class NoticeDecision(Schema):
    legality = fields.String(allow_none=True, metadata={"description": "ILLEGAL or LEGAL"})
    legal_grounds = fields.String(allow_none=True)
    explanation = fields.String(allow_none=True, attribute="decision_explanation")
    decided_at = fields.DateTime(allow_none=True)
    automated = fields.Constant(False, metadata={"description": "People decide every notice"})


class NoticeStatusOut(Schema):
    """What the reporter reads with their secret: never moderators' names or notes."""

    reference = fields.String()
    comment_id = fields.Integer()
    status = fields.String(metadata={"description": ", ".join(NOTICE_STATUSES)})
    created_at = fields.DateTime()
    history = fields.List(fields.Nested(HistoryStep))
    decision = fields.Nested(NoticeDecision)
    redress = fields.String()


class NoticeOut(Schema):
    id = fields.Integer()
    reference = fields.String()
    submission_id = fields.String()
    site_id = fields.String()
    comment_id = fields.Integer()
    comment_text = fields.String(metadata={"description": "The comment when the notice came"})
    law_broken = fields.String()
    explanation = fields.String()
    good_faith = fields.Boolean()
    reporter_name = fields.String(allow_none=True)
    reporter_email = fields.String(allow_none=True)
    reporter_id = fields.String(allow_none=True, metadata={"description": "A verified reader"})
    status = fields.String()
    legality = fields.String(allow_none=True)
    legal_grounds = fields.String(allow_none=True)
    decision_explanation = fields.String(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class NoticeDetailOut(NoticeOut):
    history = fields.List(fields.Nested(ModeratorHistoryStep))


class QueueArgs(StrictSchema):
    status = fields.List(
        fields.String(validate=validate.OneOf(NOTICE_STATUSES)),
        load_default=None,
        metadata={"description": "Default: the open ones (AWAITING_REVIEW, UNDER_REVIEW)"},
    )
    site_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    after = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class AppealQueueArgs(QueueArgs):
    status = fields.List(
        fields.String(validate=validate.OneOf(APPEAL_STATUSES)),
        load_default=None,
        metadata={"description": "Default: AWAITING_REVIEW"},
    )


class NoticePage(Schema):
    items = fields.List(fields.Nested(NoticeOut))
    next_after = fields.Integer(
        allow_none=True, metadata={"description": "Send as `after` for the next page"}
    )


class StatusIn(StrictSchema):
    status = fields.String(
        required=True, validate=validate.OneOf([AWAITING_REVIEW, UNDER_REVIEW, VOID])
    )
    note = fields.String(
        load_default=None,
        validate=_shown(2000),
        metadata={"description": "Required for VOID: why (kept in the history)"},
    )


class NoteIn(StrictSchema):
    body = fields.String(required=True, validate=_shown(5000))


class NoticeDecisionIn(StrictSchema):
    legality = fields.String(required=True, validate=validate.OneOf(LEGALITIES))
    legal_grounds = fields.String(
        load_default=None,
        validate=_shown(1000),
        metadata={"description": "Required for ILLEGAL: the law the comment breaks"},
    )
    explanation = fields.String(
        required=True,
        validate=_shown(5000),
        metadata={"description": "Told to the reporter (and, for ILLEGAL, to the author)"},
    )


class AppealIn(StrictSchema):
    explanation = fields.String(
        required=True,
        validate=_shown(5000),
        metadata={"description": "Why the decision should be changed"},
    )


class AppealOut(Schema):
    id = fields.Integer()
    site_id = fields.String()
    comment_id = fields.Integer()
    restriction = fields.String(metadata={"description": "held or rejected, when appealed"})
    status = fields.String()
    outcome = fields.String(allow_none=True)
    decision_explanation = fields.String(allow_none=True)
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


class ModeratorAppealOut(AppealOut):
    author_id = fields.String()
    explanation = fields.String()
    original_actor_type = fields.String(metadata={"description": "system or moderator"})
    original_actor = fields.String()
    decided_by = fields.String(allow_none=True)


class AppealPage(Schema):
    items = fields.List(fields.Nested(ModeratorAppealOut))
    next_after = fields.Integer(allow_none=True)


class AppealDetailOut(ModeratorAppealOut):
    comment_text = fields.String()
    comment_status = fields.String()
    history = fields.List(fields.Nested(ModeratorHistoryStep))


class AppealDecisionIn(StrictSchema):
    outcome = fields.String(
        required=True,
        validate=validate.OneOf(OUTCOMES),
        metadata={"description": "upheld, or reversed (the comment is published)"},
    )
    explanation = fields.String(
        required=True, validate=_shown(5000), metadata={"description": "Told to the author"}
    )


class TransparencyArgs(StrictSchema):
    start = fields.Date(
        required=True, data_key="from", metadata={"description": "First day (UTC), included"}
    )
    end = fields.Date(
        required=True, data_key="to", metadata={"description": "Last day (UTC), included"}
    )
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class TransparencyOut(Schema):
    site_id = fields.String()
    start = fields.String(attribute="from", data_key="from")
    end = fields.String(attribute="to", data_key="to")
    generated_at = fields.String()
    restrictions = fields.Dict()
    notices = fields.Dict()
    appeals = fields.Dict()
    automated_means = fields.String()
