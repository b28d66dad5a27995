"""Test data for the moderators' workbench: comments inserted straight into the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import insert, select

from moderation.comments.models import AuditRecord, Comment
from moderation.comments.priority import queue_columns
from moderation.db.session import make_engine


def verdict(
    decision: str = "hold",
    rules: Iterable[tuple[str, str]] = (),
    scores: Mapping[str, float] | None = None,
    spans: list[list[int]] | None = None,
) -> dict[str, Any]:
    """A verdict as the scoring worker stores it: rule hits (id, action) and label scores."""
    reasons: list[dict[str, Any]] = [
        {
            "kind": "rule",
            "id": rule_id,
            "action": action,
            "message": f"{rule_id} matched",
            "public_code": "suspicious_link" if rule_id == "links" else "offensive_language",
            "spans": spans or [],
        }
        for rule_id, action in rules
    ]
    for label, score in (scores or {}).items():
        band = "reject" if score >= 0.95 else "hold" if score >= 0.5 else "publish"
        reasons.append(
            {
                "kind": "model",
                "id": label,
                "score": score,
                "hold": 0.5,
                "reject": 0.95,
                "band": band,
                "action": {"publish": None, "hold": "hold", "reject": "reject"}[band],
            }
        )
    return {"decision": decision, "reasons": reasons, "scores": dict(scores or {}), "model": "test"}


def comment_row(
    status: str = "held",
    article_id: str = "article-1",
    author_id: str = "author-1",
    text: str = "A comment that needs a look",
    created_at: dt.datetime | None = None,
    decided_by: str = "system",
    **verdict_args: Any,
) -> dict[str, Any]:
    """One row for `insert_comments`."""
    created = created_at or dt.datetime.now(dt.UTC)
    found = verdict(**verdict_args) if status != "pending" else None
    return {
        "article_id": article_id,
        "author_id": author_id,
        "author_name": author_id.title(),
        "text": text,
        "status": status,
        "version": 1 if status == "pending" else 2,
        "public_reason": "awaiting_review" if status in {"held", "rejected"} else None,
        "verdict": found,
        "created_at": created,
        "updated_at": created,
        "decided_at": None if status == "pending" else created,
        "report_weight": 0.0,
        "hidden": False,
        **queue_columns(found, created),
        "_decided_by": decided_by,
    }


def insert_comments(database_url: str, rows: list[dict[str, Any]]) -> list[int]:
    """Insert comments (and their submit + machine-decision audit) in a few statements."""
    engine = make_engine(database_url)
    decided_by = [row.pop("_decided_by", "system") for row in rows]
    with engine.begin() as connection:
        first = connection.scalar(select(Comment.id).order_by(Comment.id.desc()).limit(1)) or 0
        connection.execute(insert(Comment), rows)
        ids = list(
            connection.scalars(select(Comment.id).where(Comment.id > first).order_by(Comment.id))
        )
        audit: list[dict[str, Any]] = []
        for comment_id, row, actor in zip(ids, rows, decided_by, strict=True):
            at = row["created_at"]
            audit.append(_audit(comment_id, None, "pending", 1, "author", at, None))
            if row["status"] != "pending":
                code = row["public_reason"]
                audit.append(_audit(comment_id, "pending", row["status"], 2, actor, at, code))
        connection.execute(insert(AuditRecord), audit)
    engine.dispose()
    return ids


def _audit(
    comment_id: int,
    from_status: str | None,
    to_status: str,
    version: int,
    actor: str,
    at: Any,
    reason_code: str | None,
) -> dict[str, Any]:
    return {
        "comment_id": comment_id,
        "actor_type": actor,
        "actor": "scoring" if actor == "system" else actor,
        "from_status": from_status,
        "to_status": to_status,
        "reason_code": reason_code,
        "reason": "test data",
        "note": None,
        "request_id": None,
        "version": version,
        "created_at": at,
    }


def comment_state(database_url: str, comment_id: int) -> dict[str, Any]:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        row = (
            connection.execute(select(Comment.__table__).where(Comment.id == comment_id))
            .mappings()
            .one()
        )
        result = dict(row)
    engine.dispose()
    return result
