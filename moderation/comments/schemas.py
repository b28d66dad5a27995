"""Wire shapes of the readers' API: a new comment, its status, a page of published comments."""

from __future__ import annotations

from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from moderation.web.schemas import PageArgs, StrictSchema, shows_something

_ID = validate.Length(min=1, max=200)


class AuthorIn(StrictSchema):
    id = fields.String(required=True, validate=_ID, metadata={"description": "The site's id"})
    name = fields.String(required=True, metadata={"description": "Name shown with the comment"})

    @validates("name")
    def _name(self, value: str, **_: Any) -> None:
        limit = current_app.config["MODERATION_SETTINGS"].comments.max_author_name
        if not shows_something(value):
            raise ValidationError("must not be empty or only spaces and invisible characters")
        if len(value) > limit:
            raise ValidationError(f"longer than {limit} characters")


def _check_text(value: str) -> None:
    limit = current_app.config["MODERATION_SETTINGS"].comments.max_length
    if not shows_something(value):
        raise ValidationError("must not be empty or only spaces and invisible characters")
    if len(value) > limit:
        raise ValidationError(f"is {len(value)} characters, longer than the limit of {limit}")


class CommentIn(StrictSchema):
    author = fields.Nested(
        AuthorIn,
        load_default=None,
        metadata={
            "description": "Required without a commenter session token; with one, ignored: "
            "the session's reader is the author"
        },
    )
    text = fields.String(required=True, metadata={"description": "The comment, plain text"})
    parent_id = fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=validate.Range(min=1)
    )

    @validates("text")
    def _text(self, value: str, **_: Any) -> None:
        _check_text(value)


class CommentEditIn(StrictSchema):
    text = fields.String(required=True, metadata={"description": "The new text, plain text"})
    version = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1),
        metadata={"description": "The comment's `version` the author saw (409 when it moved)"},
    )
    edit_token = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": "An anonymous comment's edit token, from the answer that took it; "
            "a verified reader sends their commenter session instead"
        },
    )

    @validates("text")
    def _text(self, value: str, **_: Any) -> None:
        _check_text(value)


class CommentStatus(Schema):
    id = fields.Integer()
    site_id = fields.String(metadata={"description": "The site the article belongs to"})
    article_id = fields.String()
    status = fields.String(
        metadata={
            "description": "pending, approved, held or rejected (or erased: its author was "
            "erased at their request). Readers' reports never change "
            "it: a reported comment stays approved until a moderator decides otherwise"
        }
    )
    visible = fields.Boolean(
        metadata={
            "description": "Whether readers see it in the article's list: false while it is "
            "pending, held or rejected, and while enough verified readers' reports hide it"
        }
    )
    reason_code = fields.String(
        attribute="public_reason",
        allow_none=True,
        metadata={"description": "Why a comment is held or rejected, for its author"},
    )
    parent_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    decided_at = fields.DateTime(
        allow_none=True,
        metadata={"description": "When the machine or a moderator last decided it"},
    )
    status_url = fields.String()
    statement_of_reasons = fields.Nested(
        lambda: StatementOfReasons(),
        allow_none=True,
        metadata={
            "description": "For a held or rejected comment: why, for its author (EU Digital "
            "Services Act art. 17; docs/dsa.md). Null while the comment is not restricted"
        },
    )
    version = fields.Integer(
        metadata={
            "description": "The text's revision: 1 as posted, one more per edit by its "
            "author; an edit sends the one it saw"
        }
    )
    editable_until = fields.DateTime(
        allow_none=True,
        metadata={
            "description": "Until when its author may edit it (PATCH); null when they may not"
        },
    )


class Ground(Schema):
    type = fields.String(
        metadata={"description": "law (the content was found illegal) or terms (the site's rules)"}
    )
    code = fields.String(metadata={"description": "The reason code (glossary public_codes)"})
    name = fields.String()
    explanation = fields.String(
        metadata={"description": "The rule of the site's terms, or the law relied on"}
    )


class Automation(Schema):
    detection = fields.Boolean(
        metadata={"description": "The comment was flagged by automated means (rules, a model)"}
    )
    decision = fields.Boolean(
        metadata={"description": "The decision was taken by automated means, without a person"}
    )


class AppealState(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"description": "AWAITING_REVIEW or DECIDED"})
    outcome = fields.String(allow_none=True, metadata={"description": "upheld or reversed"})
    explanation = fields.String(allow_none=True, metadata={"description": "The reviewer's reasons"})
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


class Redress(Schema):
    appeal_url = fields.String(
        allow_none=True,
        metadata={
            "description": "POST an appeal here (once per decision, as the signed-in author); "
            "null when this comment cannot be appealed here (see appeal_note)"
        },
    )
    appeal_until = fields.DateTime(allow_none=True)
    appeal_note = fields.String()
    appeal = fields.Nested(AppealState, allow_none=True)
    out_of_court = fields.String(metadata={"description": "Art. 21 dispute settlement"})
    judicial = fields.String()


class StatementOfReasons(Schema):
    id = fields.String(metadata={"description": "Stable: one statement per decision"})
    restriction = fields.String(
        metadata={"description": "removal (rejected) or visibility_restricted (held)"}
    )
    decided_at = fields.DateTime()
    facts = fields.String(metadata={"description": "The facts and circumstances relied on"})
    ground = fields.Nested(Ground)
    automated = fields.Nested(Automation)
    notice_reference = fields.String(
        allow_none=True, metadata={"description": "The DSA notice that led to it, if one did"}
    )
    redress = fields.Nested(Redress)


class PostedComment(CommentStatus):
    edit_token = fields.String(
        allow_none=True,
        metadata={
            "description": "Anonymous comments only, in the answer that took it (a retry with "
            "the Idempotency-Key gets a new one that replaces it): the author's proof for "
            "editing it. Shown once, stored only as a digest: keep it with the comment. null "
            "for a verified author's comment"
        },
    )


class PublishedComment(Schema):
    id = fields.Integer(attribute="comment.id")
    removed = fields.Boolean(
        metadata={
            "description": "True for a top-level comment readers no longer see (erased at its "
            "author's request, removed by a moderator, hidden by reports) that stays as a "
            "placeholder because published replies sit under it: its `author` and `text` are "
            "null and it takes no replies of its own"
        },
    )
    author = fields.Function(
        lambda thread: None if thread.removed else {"name": thread.comment.author_name},
        metadata={
            "type": ["object", "null"],
            "properties": {"name": {"type": "string"}},
            "description": "null for a placeholder (`removed`)",
        },
    )
    text = fields.Function(
        lambda thread: None if thread.removed else thread.comment.text,
        metadata={"type": ["string", "null"], "description": "null for a placeholder (`removed`)"},
    )
    parent_id = fields.Integer(attribute="comment.parent_id", allow_none=True)
    thread_id = fields.Function(
        lambda thread: thread.comment.root_id if thread.comment.parent_id else None,
        metadata={
            "type": ["integer", "null"],
            "description": "A reply's top-level comment (where it shows when its parent does "
            "not); null for a top-level comment",
        },
    )
    created_at = fields.DateTime(attribute="comment.created_at")
    edited_at = fields.DateTime(
        attribute="comment.edited_at",
        allow_none=True,
        metadata={"description": "When its author last edited it; null when never"},
    )
    replies = fields.List(fields.Nested(lambda: PublishedComment()))


class PublishedArgs(PageArgs):
    order = fields.String(
        load_default="oldest",
        validate=validate.OneOf(["oldest", "newest"]),
        metadata={"description": "oldest (default) or newest first; replies stay oldest first"},
    )
    since = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1),
        metadata={
            "description": "Only what is new: the id of the newest comment the client has (a "
            "page's `latest_id`). Answers the comments published after it, top-level and "
            "replies alike, oldest first, each without its replies (`parent_id` and "
            "`thread_id` say where it goes); `cursor` continues it. 422 when it is not a "
            "comment under the article, or with `order=newest`"
        },
    )

    @validates_schema
    def _since_reads_oldest_first(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("since") is not None and data.get("order") == "newest":
            raise ValidationError(
                "reads what was published after it, oldest first: leave out order=newest",
                field_name="since",
            )


class PublishedPage(Schema):
    comments = fields.List(fields.Nested(PublishedComment), attribute="items")
    next_cursor = fields.String(allow_none=True)
    total = fields.Integer(
        allow_none=True,
        metadata={
            "description": "Comments a reader can see under the article, replies included; "
            "on the first page and on `since` pages (null on the pages after the first)"
        },
    )
    latest_id = fields.Integer(
        allow_none=True,
        metadata={
            "description": "The comment published last: on the first page, the article's "
            "(null when none is); on a `since` page, the last one on it (or `since` itself "
            "when nothing is new). Send it as `since` to get only what comes after; null on "
            "the pages after the first"
        },
    )
