"""The NDJSON record format (docs/transfer.md): a header line, author lines, comment lines and an
end line, each one JSON object; built from rows on export, checked on import.

Times are ISO 8601 in UTC with microseconds, keys sorted, no spaces: the same comment always
writes the same bytes, so an export, an import into an empty database and a second export give
identical files.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from moderation.comments.models import AuditRecord, Author, AuthorAction, Comment, CommentVersion

FORMAT = "moderation-comments"
FORMAT_VERSION = 1
STATUSES = ("pending", "approved", "held", "rejected", "reported")
AUTHOR_STATUSES = ("normal", "banned", "trusted", "premoderated")


def dumps(record: dict[str, Any]) -> bytes:
    """One line: compact, keys sorted, UTF-8 kept as is."""
    return (
        json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        + b"\n"
    )


def moment(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def external_id(comment: Comment, database: str) -> str:
    """A comment's stable id across exports: the one it was imported with, else this
    database's id and the comment's (unique across databases, so merging is safe)."""
    return comment.external_id or f"{database}:{comment.id}"


def header(
    site_id: str, filters: dict[str, Any], exported_at: dt.datetime, database: str
) -> dict[str, Any]:
    return {
        "type": "header",
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "source": database,
        "site_id": site_id,
        "filters": filters,
        "exported_at": moment(exported_at),
    }


def end(authors: int, comments: int) -> dict[str, Any]:
    """The last line: what came before it, so a cut-off file is told from a whole one."""
    return {"type": "end", "authors": authors, "comments": comments}


def author_record(author: Author, actions: Sequence[AuthorAction]) -> dict[str, Any]:
    return {
        "type": "author",
        "id": author.author_id,
        "status": author.status,
        "reason": author.reason,
        "updated_by": author.updated_by,
        "updated_at": moment(author.updated_at),
        "actions": [
            {
                "from_status": action.from_status,
                "to_status": action.to_status,
                "reason": action.reason,
                "actor": action.actor,
                "comments_rejected": action.comments_rejected,
                "at": moment(action.created_at),
            }
            for action in actions
        ],
    }


def comment_record(
    comment: Comment,
    database: str,
    parent_external_id: str | None,
    versions: Sequence[CommentVersion],
    decisions: Sequence[AuditRecord],
) -> dict[str, Any]:
    return {
        "type": "comment",
        "external_id": external_id(comment, database),
        "article_id": comment.article_id,
        "parent_external_id": parent_external_id,
        "author": {
            "id": comment.author_id,
            "name": comment.author_name,
            "verified": bool(comment.author_verified),
        },
        "text": comment.text,
        "status": comment.status,
        "version": comment.version,
        "reason_code": comment.public_reason,
        "verdict": comment.verdict,
        "hidden": bool(comment.hidden),
        "report_weight": comment.report_weight,
        "created_at": moment(comment.created_at),
        "decided_at": moment(comment.decided_at),
        "edited_at": moment(comment.edited_at),
        "versions": [
            {
                "revision": version.revision,
                "text": version.text,
                "status": version.status,
                "reason_code": version.public_reason,
                "verdict": version.verdict,
                "version": version.comment_version,
                "written_at": moment(version.written_at),
                "replaced_at": moment(version.replaced_at),
            }
            for version in versions
        ],
        "decisions": [
            {
                "actor_type": record.actor_type,
                "actor": record.actor,
                "from_status": record.from_status,
                "to_status": record.to_status,
                "reason_code": record.reason_code,
                "reason": record.reason,
                "note": record.note,
                "version": record.version,
                "at": moment(record.created_at),
            }
            for record in decisions
        ],
    }


# ---- checking what an import reads ----

_TEXT = fields.String(required=True, validate=validate.Length(min=1))
_WHEN = fields.AwareDateTime(required=True, default_timezone=None)
_MAYBE_WHEN = fields.AwareDateTime(required=True, allow_none=True, default_timezone=None)
_SHORT = validate.Length(min=1, max=200)


def _nullable(length: int) -> fields.String:
    return fields.String(required=True, allow_none=True, validate=validate.Length(max=length))


class _Strict(Schema):
    class Meta:
        unknown = "raise"


class HeaderRecord(_Strict):
    type = fields.String(required=True, validate=validate.Equal("header"))
    format = fields.String(required=True, validate=validate.Equal(FORMAT))
    source = fields.String(required=True, validate=validate.Length(min=1, max=40))
    format_version = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Equal(
            FORMAT_VERSION, error="is {input}: this service reads format_version {other} files"
        ),
    )
    site_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    filters = fields.Dict(required=True)
    exported_at = _WHEN


class ActionRecord(_Strict):
    from_status = fields.String(required=True, validate=validate.OneOf(AUTHOR_STATUSES))
    to_status = fields.String(required=True, validate=validate.OneOf(AUTHOR_STATUSES))
    reason = fields.String(required=True)
    actor = fields.String(required=True, validate=_SHORT)
    comments_rejected = fields.Integer(required=True, strict=True)
    at = _WHEN


class AuthorRecord(_Strict):
    type = fields.String(required=True, validate=validate.Equal("author"))
    id = fields.String(required=True, validate=_SHORT)
    status = fields.String(required=True, validate=validate.OneOf(AUTHOR_STATUSES))
    reason = fields.String(required=True, allow_none=True)
    updated_by = _nullable(200)
    updated_at = _WHEN
    actions = fields.List(fields.Nested(ActionRecord), required=True)


class AuthorOf(_Strict):
    id = fields.String(required=True, validate=_SHORT)
    name = fields.String(required=True, validate=validate.Length(max=200))
    verified = fields.Boolean(required=True)


class VersionRecord(_Strict):
    revision = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    text = _TEXT
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    reason_code = _nullable(50)
    verdict = fields.Dict(required=True, allow_none=True)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    written_at = _WHEN
    replaced_at = _WHEN


class DecisionRecord(_Strict):
    actor_type = fields.String(required=True, validate=validate.Length(min=1, max=20))
    actor = fields.String(required=True, validate=_SHORT)
    from_status = fields.String(required=True, allow_none=True, validate=validate.OneOf(STATUSES))
    to_status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    reason_code = _nullable(50)
    reason = fields.String(required=True, allow_none=True)
    note = fields.String(required=True, allow_none=True)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    at = _WHEN


class CommentRecord(_Strict):
    type = fields.String(required=True, validate=validate.Equal("comment"))
    external_id = fields.String(required=True, validate=_SHORT)
    article_id = fields.String(required=True, validate=_SHORT)
    parent_external_id = fields.String(required=True, allow_none=True, validate=_SHORT)
    author = fields.Nested(AuthorOf, required=True)
    text = _TEXT
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    reason_code = _nullable(50)
    verdict = fields.Dict(required=True, allow_none=True)
    hidden = fields.Boolean(required=True)
    report_weight = fields.Float(required=True, validate=validate.Range(min=0))
    created_at = _WHEN
    decided_at = _MAYBE_WHEN
    edited_at = _MAYBE_WHEN
    versions = fields.List(fields.Nested(VersionRecord), required=True)
    decisions = fields.List(fields.Nested(DecisionRecord), required=True)


class EndRecord(_Strict):
    type = fields.String(required=True, validate=validate.Equal("end"))
    authors = fields.Integer(required=True, strict=True)
    comments = fields.Integer(required=True, strict=True)


SCHEMAS: dict[str, Schema] = {
    "header": HeaderRecord(),
    "author": AuthorRecord(),
    "comment": CommentRecord(),
    "end": EndRecord(),
}


class RecordError(ValueError):
    """A line that is not a record of this format, named by its line number and field."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


def _first_error(messages: Any, path: str = "") -> str:
    if isinstance(messages, dict):
        key, value = next(iter(messages.items()))
        return _first_error(value, f"{path}.{key}" if path else str(key))
    if isinstance(messages, list) and messages and not isinstance(messages[0], str):
        return _first_error(messages[0], path)
    text = messages[0] if isinstance(messages, list) and messages else str(messages)
    return f"{path}: {text}" if path else str(text)


def parse(line_number: int, raw: bytes | str) -> dict[str, Any]:
    """One line as a checked record (times as aware datetimes); RecordError naming the field."""
    try:
        record = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise RecordError(line_number, f"not JSON: {error}") from error
    if not isinstance(record, dict):
        raise RecordError(line_number, "not a JSON object")
    kind = record.get("type")
    schema = SCHEMAS.get(kind) if isinstance(kind, str) else None
    if schema is None:
        raise RecordError(line_number, f"type: must be one of {', '.join(SCHEMAS)}")
    try:
        loaded: dict[str, Any] = schema.load(record)
    except ValidationError as error:
        raise RecordError(line_number, _first_error(error.messages)) from error
    return loaded
