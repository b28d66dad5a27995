"""Retention: what is older than its `[retention]` period is blanked or deleted, in batches.

Each batch is its own short transaction over at most `retention.purge_batch_size` rows, picked
with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so the purge never holds a table or waits on a row a
moderator or worker is changing; each batch's rows no longer match, so the loop ends. A site may
keep comment text, audit details and feedback for its own period (its `retention` overrides).

What goes (docs/privacy.md):
- comment text: the text and the machine's verdict of rejected comments, from their decision;
- audit details: reasons and notes of audit records and of authors' standing changes;
- deliveries: outbox events whose every delivery ended, with those deliveries and attempts;
- feedback: score feedback rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    delete,
    exists,
    func,
    not_,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.models import AuditRecord, AuthorAction, Comment
from moderation.config import Settings
from moderation.db.personal import ERASED
from moderation.events.models import OutboxEvent
from moderation.perspective.models import ScoreFeedback
from moderation.privacy.models import PrivacyRequest
from moderation.sites.models import Site
from moderation.webhooks.models import WebhookAttempt, WebhookDelivery

# Statuses whose text is kept for good reason: published, or waiting for a person.
TEXT_PURGED_STATUSES = ("rejected",)


@dataclasses.dataclass(frozen=True)
class Scope:
    """The sites one pass purges: one site, or every site but those with their own period."""

    only: str | None = None
    besides: tuple[str, ...] = ()

    def __call__(self, column: Any) -> ColumnElement[bool]:
        if self.only is not None:
            return cast(ColumnElement[bool], column == self.only)
        return cast(ColumnElement[bool], column.not_in(self.besides) if self.besides else true())


class RetentionService:
    """Purge what is past its retention period, as of a given time."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings
        self.batch = settings.retention.purge_batch_size

    def purge(self, now: dt.datetime, actor: str = "scheduler") -> dict[str, int]:
        """Purge everything past its period as of `now`; rows per kind. Recorded when any."""
        overrides = self._site_overrides()
        counts = {
            "comment_text": self._per_site("comment_text_days", overrides, now, self._texts),
            "audit_details": self._per_site("audit_detail_days", overrides, now, self._audit),
            "feedback": self._per_site("feedback_days", overrides, now, self._feedback),
            "deliveries": self._deliveries(now),
        }
        if any(counts.values()):
            with self.sessions.begin() as session:
                session.add(
                    PrivacyRequest(kind="purge", actor=actor, counts=counts, created_at=now)
                )
        return counts

    def _site_overrides(self) -> dict[str, dict[str, int]]:
        with self.sessions() as session:
            rows = session.execute(select(Site.id, Site.settings)).all()
        return {
            row.id: dict(row.settings["retention"])
            for row in rows
            if isinstance(row.settings, dict) and row.settings.get("retention")
        }

    def _per_site(
        self,
        setting: str,
        overrides: dict[str, dict[str, int]],
        now: dt.datetime,
        purge: Callable[[Scope, int, dt.datetime], int],
    ) -> int:
        """The service's period for sites without their own, then each site's own."""
        own = {site: values[setting] for site, values in overrides.items() if setting in values}
        total = 0
        default = int(getattr(self.settings.retention, setting))
        if default:
            total += purge(Scope(besides=tuple(own)), default, now)
        for site, days in sorted(own.items()):
            if days:
                total += purge(Scope(only=site), int(days), now)
        return total

    def _batches(
        self, pick: Callable[[], Select[int]], apply: Callable[[Session, list[int]], None]
    ) -> int:
        """Run `apply` on batches of the ids `pick` selects until none is left."""
        total = 0
        while True:
            with self.sessions.begin() as session:
                query = pick().limit(self.batch)
                if session.get_bind().dialect.name == "postgresql":
                    query = query.with_for_update(skip_locked=True)
                ids = list(session.scalars(query))
                if ids:
                    apply(session, ids)
            total += len(ids)
            if len(ids) < self.batch:
                return total

    def _texts(self, site: Scope, days: int, now: dt.datetime) -> int:
        cutoff = now - dt.timedelta(days=days)

        def pick() -> Select[int]:
            return select(Comment.id).where(
                Comment.status.in_(TEXT_PURGED_STATUSES),
                func.coalesce(Comment.decided_at, Comment.created_at) < cutoff,
                Comment.text != ERASED,
                site(Comment.site_id),
            )

        def apply(session: Session, ids: list[int]) -> None:
            session.execute(
                update(Comment).where(Comment.id.in_(ids)).values(text=ERASED, verdict=None)
            )

        return self._batches(pick, apply)

    def _audit(self, site: Scope, days: int, now: dt.datetime) -> int:
        cutoff = now - dt.timedelta(days=days)
        on_site = select(Comment.id).where(site(Comment.site_id))

        def records() -> Select[int]:
            return select(AuditRecord.id).where(
                AuditRecord.created_at < cutoff,
                or_(AuditRecord.reason.is_not(None), AuditRecord.note.is_not(None)),
                AuditRecord.comment_id.in_(on_site),
            )

        def blank_records(session: Session, ids: list[int]) -> None:
            session.execute(
                update(AuditRecord).where(AuditRecord.id.in_(ids)).values(reason=None, note=None)
            )

        def actions() -> Select[int]:
            return select(AuthorAction.id).where(
                AuthorAction.created_at < cutoff,
                AuthorAction.reason != ERASED,
                site(AuthorAction.site_id),
            )

        def blank_actions(session: Session, ids: list[int]) -> None:
            session.execute(
                update(AuthorAction).where(AuthorAction.id.in_(ids)).values(reason=ERASED)
            )

        return self._batches(records, blank_records) + self._batches(actions, blank_actions)

    def _feedback(self, site: Scope, days: int, now: dt.datetime) -> int:
        cutoff = now - dt.timedelta(days=days)

        def pick() -> Select[int]:
            return select(ScoreFeedback.id).where(
                ScoreFeedback.created_at < cutoff, site(ScoreFeedback.site_id)
            )

        def apply(session: Session, ids: list[int]) -> None:
            session.execute(delete(ScoreFeedback).where(ScoreFeedback.id.in_(ids)))

        return self._batches(pick, apply)

    def _deliveries(self, now: dt.datetime) -> int:
        """Events every delivery of which ended, with their deliveries and attempts; never an
        event not yet fanned out or one with a delivery still pending."""
        days = self.settings.retention.delivery_days
        if not days:
            return 0
        cutoff = now - dt.timedelta(days=days)
        pending = exists().where(
            WebhookDelivery.outbox_event_id == OutboxEvent.id,
            WebhookDelivery.status == "pending",
        )

        def pick() -> Select[int]:
            return select(OutboxEvent.id).where(
                OutboxEvent.created_at < cutoff,
                OutboxEvent.dispatched_at.is_not(None),
                not_(pending),
            )

        def apply(session: Session, ids: list[int]) -> None:
            deliveries = select(WebhookDelivery.id).where(WebhookDelivery.outbox_event_id.in_(ids))
            session.execute(
                delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries))
            )
            session.execute(delete(WebhookDelivery).where(WebhookDelivery.outbox_event_id.in_(ids)))
            session.execute(delete(OutboxEvent).where(OutboxEvent.id.in_(ids)))

        return self._batches(pick, apply)
