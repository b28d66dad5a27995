"""Fan-out: each new outbox event becomes one delivery per endpoint that wants it.

Runs in a job after every commit that wrote events (coalesced) and in every reconcile pass,
so an event whose enqueue was lost is picked up all the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from moderation.db.base import utcnow
from moderation.events.models import OutboxEvent
from moderation.webhooks.models import WebhookDelivery, WebhookEndpoint
from moderation.webhooks.purges import note_purges

log = logging.getLogger(__name__)


class _TakenError(Exception):
    """Rolls a fan-out back when a concurrent dispatcher claimed the same events."""


@dataclasses.dataclass(frozen=True)
class FanOut:
    """How many outbox events one fan-out pass took, and the enabled endpoints they reach."""

    events: int
    endpoints: set[int]
    purges: int = 0  # CDN purges by surrogate key made due (webhooks/purges.py)


def _about(payload: dict[str, object]) -> tuple[str | None, str | None]:
    """The (site, article) an event is about; None where it names none."""
    data = payload.get("data")
    comment = data.get("comment") if isinstance(data, dict) else None
    article = comment.get("article_id") if isinstance(comment, dict) else None
    site = comment.get("site_id") if isinstance(comment, dict) else None
    if site is None and isinstance(data, dict):
        site = data.get("site_id")  # events about an author or an article
    if article is None and isinstance(data, dict):
        article = data.get("article_id")  # events about an article (surge protection)
    return (
        str(site) if site is not None else None,
        str(article) if article is not None else None,
    )


def subscribed(
    endpoint: WebhookEndpoint, event_type: str, article_id: str | None, site_id: str | None = None
) -> bool:
    """Whether `endpoint` wants this event: its type, its site (an endpoint of no site hears
    every site), its article (events about no article pass any article filter)."""
    if event_type not in endpoint.event_types:
        return False
    if endpoint.site_id is not None and site_id != endpoint.site_id:
        return False
    return endpoint.article_ids is None or article_id is None or article_id in endpoint.article_ids


class FanOutService:
    """Turns undispatched outbox rows into per-endpoint deliveries."""

    def __init__(self, sessions: sessionmaker[Session], purges: bool = False) -> None:
        self.sessions = sessions
        self.purges = purges  # `reads.purge_url` is set: events also make CDN purges due

    def fan_out(self, limit: int = 500) -> FanOut:
        """Turn up to `limit` undispatched outbox events into deliveries.

        Claiming the rows with a conditional UPDATE makes two dispatchers racing on the same
        events harmless on PostgreSQL and SQLite alike: the loser rolls back and gets nothing.
        """
        now = utcnow()
        touched: set[int] = set()
        events: list[OutboxEvent] = []
        purges = 0
        try:
            with self.sessions.begin() as session:
                events = list(
                    session.scalars(
                        select(OutboxEvent)
                        .where(OutboxEvent.dispatched_at.is_(None))
                        .order_by(OutboxEvent.id)
                        .limit(limit)
                        # Not SKIP LOCKED: a second dispatcher must wait for the first, or it
                        # could fan out a later event before an earlier one's deliveries exist.
                        .with_for_update()
                    )
                )
                if not events:
                    return FanOut(0, touched)
                claimed = session.execute(
                    update(OutboxEvent)
                    .where(
                        OutboxEvent.id.in_([event.id for event in events]),
                        OutboxEvent.dispatched_at.is_(None),
                    )
                    .values(dispatched_at=now)
                    .execution_options(synchronize_session=False)
                )
                if claimed.rowcount != len(events):  # type: ignore[attr-defined]
                    raise _TakenError("another dispatcher claimed some of these events")
                endpoints = list(session.scalars(select(WebhookEndpoint)))
                for event in events:
                    site, article = _about(event.payload)
                    for endpoint in endpoints:
                        if not subscribed(endpoint, event.type, article, site):
                            continue
                        session.add(self._delivery(endpoint, event, now))
                        if endpoint.enabled:
                            touched.add(endpoint.id)
                if self.purges:
                    purges = note_purges(session, events, now)
        except (_TakenError, IntegrityError, OperationalError) as error:
            log.info("another dispatcher took these outbox events: %s", error)
            return FanOut(0, set())
        return FanOut(len(events), touched, purges)

    @staticmethod
    def _delivery(
        endpoint: WebhookEndpoint, event: OutboxEvent, now: dt.datetime
    ) -> WebhookDelivery:
        delivery = WebhookDelivery(
            endpoint_id=endpoint.id,
            outbox_event_id=event.id,
            event_id=event.event_id,
            event_type=event.type,
            status="pending",
            attempts=0,
            round_started_at=now,
            next_attempt_at=now,
        )
        if not endpoint.enabled:
            # Kept, not dropped: an admin can redeliver it after enabling the endpoint.
            delivery.status = "dead"
            delivery.dead_at = now
            delivery.next_attempt_at = None
            delivery.last_error = "endpoint disabled when the event happened"
        return delivery
