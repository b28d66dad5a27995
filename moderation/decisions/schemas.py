"""Wire shapes of the pre-check (the nudge)."""

from __future__ import annotations

from marshmallow import Schema, fields

from moderation.comments.schemas import CommentIn


class PrecheckIn(CommentIn):
    """A draft, as the widget would post it: the text, the author (without a session) and the
    comment it replies to."""


class PrecheckOut(Schema):
    enabled = fields.Boolean(
        metadata={"description": "false: the site does not pre-check drafts (its `nudge` is off)"}
    )
    outcome = fields.String(
        allow_none=True,
        metadata={
            "description": "What posting it now would most likely do: approve, hold, reject; "
            "unknown when the model did not answer in time (post as usual). null when disabled"
        },
    )
    nudge = fields.Boolean(
        metadata={"description": "true: tell the author why before posting (the reasons)"}
    )
    reasons = fields.List(
        fields.String(),
        metadata={
            "description": "Public reason codes the author can act on by rephrasing (the "
            "glossary's public_codes), strictest first"
        },
    )
