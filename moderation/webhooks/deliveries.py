"""Delivery bookkeeping: lease an endpoint, pick its next delivery in event order, record each
attempt, retry, dead-letter and disable (fan-out of outbox events is in fanout.py).

The HTTP request itself happens between two short transactions (pick, then record), never
inside one, so a slow receiver holds no database locks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import random
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from moderation.config import WebhookSettings
from moderation.db.base import utcnow
from moderation.events.models import OutboxEvent
from moderation.secrets import SecretBox, SecretKeyError
from moderation.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from moderation.webhooks.retry import RetrySchedule
from moderation.webhooks.sender import AttemptResult

log = logging.getLogger(__name__)


# An attempt is written before its request goes out, so a worker that dies mid-delivery
# leaves a trace the admin can see; the next pick-up marks it interrupted.
IN_FLIGHT = "in flight: no answer recorded yet"
INTERRUPTED = "interrupted: the worker stopped before an answer was recorded"


@dataclasses.dataclass(frozen=True)
class Outgoing:
    """Everything needed to send one delivery, read in one transaction."""

    delivery_id: int
    endpoint_id: int
    url: str
    message_id: str
    body: bytes
    secrets: tuple[str, ...]
    attempts: int  # made in this round before this one
    round_started_at: dt.datetime
    started_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class NotYet:
    """The endpoint's next delivery waits for its retry time."""

    at: dt.datetime


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands datetimes back without a zone; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class DeliveryService:
    """The delivery side of webhooks, used by the worker's jobs.

    SettingsError when `settings.secret_keys` is empty: no process delivers without a key.
    """

    def __init__(self, sessions: sessionmaker[Session], settings: WebhookSettings) -> None:
        self.sessions = sessions
        self.settings = settings
        self.box = SecretBox(settings.secret_keys)
        self.schedule = RetrySchedule.of(settings.retry_intervals, settings.retry_jitter)
        self.lease_seconds = 2 * settings.timeout_seconds + 5
        self.rng = random.Random()

    def due_endpoints(self) -> list[int]:
        """Enabled endpoints whose oldest pending delivery is due now, with no live lease.

        Only the oldest counts: the ones behind it wait for it, so an endpoint whose head
        waits for a retry in six hours is not due because a newer event arrived.
        """
        now = utcnow()
        heads = (
            select(
                WebhookDelivery.endpoint_id,
                func.min(WebhookDelivery.outbox_event_id).label("outbox_event_id"),
            )
            .where(WebhookDelivery.status == "pending")
            .group_by(WebhookDelivery.endpoint_id)
            .subquery()
        )
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(WebhookEndpoint.id)
                    .join(heads, heads.c.endpoint_id == WebhookEndpoint.id)
                    .join(
                        WebhookDelivery,
                        (WebhookDelivery.endpoint_id == heads.c.endpoint_id)
                        & (WebhookDelivery.outbox_event_id == heads.c.outbox_event_id),
                    )
                    .where(
                        WebhookEndpoint.enabled.is_(True),
                        or_(
                            WebhookEndpoint.lease_until.is_(None), WebhookEndpoint.lease_until < now
                        ),
                        WebhookDelivery.next_attempt_at <= now,
                    )
                    .order_by(WebhookEndpoint.id)
                )
            )

    def claim(self, endpoint_id: int, owner: str) -> bool:
        """Take the endpoint's lease: only its holder sends, so deliveries go out in order."""
        now = utcnow()
        with self.sessions.begin() as session:
            result = session.execute(
                update(WebhookEndpoint)
                .where(
                    WebhookEndpoint.id == endpoint_id,
                    WebhookEndpoint.enabled.is_(True),
                    or_(
                        WebhookEndpoint.lease_until.is_(None),
                        WebhookEndpoint.lease_until < now,
                        WebhookEndpoint.lease_owner == owner,
                    ),
                )
                .values(lease_owner=owner, lease_until=self._lease_end(now))
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def _lease_end(self, now: dt.datetime) -> dt.datetime:
        return now + dt.timedelta(seconds=self.lease_seconds)

    def release(self, endpoint_id: int, owner: str) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(WebhookEndpoint)
                .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
                .execution_options(synchronize_session=False)
            )

    def next_outgoing(self, endpoint_id: int, owner: str) -> Outgoing | NotYet | None:
        """`_pick` in its own transaction."""
        with self.sessions.begin() as session:
            return self._pick(session, endpoint_id, owner)

    def _pick(self, session: Session, endpoint_id: int, owner: str) -> Outgoing | NotYet | None:
        """The oldest pending delivery if due; NotYet if it waits; None if nothing is pending
        or the lease was lost. Later events wait behind a failing one: order over speed.

        The delivery is marked in flight before its request goes out, so a worker that dies
        mid-request leaves a trace: the next pick-up records that attempt as interrupted.
        """
        now = utcnow()
        renewed = session.execute(
            update(WebhookEndpoint)
            .where(
                WebhookEndpoint.id == endpoint_id,
                WebhookEndpoint.lease_owner == owner,
                WebhookEndpoint.enabled.is_(True),
            )
            .values(lease_until=self._lease_end(now))
            .execution_options(synchronize_session=False)
        )
        if renewed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        # One query for everything a send needs: plain columns, no ORM objects to build.
        row = session.execute(
            select(
                WebhookDelivery.id,
                WebhookDelivery.attempts,
                WebhookDelivery.round_started_at,
                WebhookDelivery.next_attempt_at,
                WebhookDelivery.last_attempt_at,
                WebhookDelivery.last_error,
                OutboxEvent.event_id,
                OutboxEvent.payload,
                WebhookEndpoint.url,
                WebhookEndpoint.secret,
                WebhookEndpoint.previous_secret,
                WebhookEndpoint.previous_secret_expires_at,
            )
            .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.outbox_event_id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "pending")
            .order_by(WebhookDelivery.outbox_event_id)
            .limit(1)
        ).first()
        if row is None:
            return None
        due = _aware(row.next_attempt_at or now)
        if due > now:
            return NotYet(due)
        sealed = [row.secret]
        expires = row.previous_secret_expires_at
        if row.previous_secret and expires and _aware(expires) > now:
            sealed.append(row.previous_secret)
        try:
            # Opened only here, in memory, for the HMAC; nothing else holds them in clear.
            secrets = [self.box.open(token) for token in sealed]
        except SecretKeyError as error:
            # Raised inside the transaction: nothing is marked in flight, the delivery waits.
            raise SecretKeyError(f"webhook endpoint {endpoint_id}: {error}") from error
        attempts = row.attempts
        if row.last_error == IN_FLIGHT:
            session.execute(
                _insert_attempt(
                    row.id,
                    attempted_at=row.last_attempt_at or now,
                    succeeded=False,
                    status_code=None,
                    latency_ms=0,
                    error=INTERRUPTED,
                    response_body=None,
                )
            )
            attempts += 1
            if attempts >= self.schedule.max_attempts:
                # Its requests keep dying with their workers: stop sending it, go on to the next.
                session.execute(
                    update(WebhookDelivery)
                    .where(WebhookDelivery.id == row.id)
                    .values(
                        status="dead",
                        dead_at=now,
                        next_attempt_at=None,
                        attempts=attempts,
                        last_error=INTERRUPTED,
                    )
                    .execution_options(synchronize_session=False)
                )
                self._dead_letter(session, endpoint_id, row.id, attempts, INTERRUPTED, now)
                return self._pick(session, endpoint_id, owner)
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == row.id)
            .values(
                attempts=attempts,
                last_error=IN_FLIGHT,
                last_attempt_at=now,
                last_status_code=None,
            )
            .execution_options(synchronize_session=False)
        )
        return Outgoing(
            delivery_id=row.id,
            endpoint_id=endpoint_id,
            url=row.url,
            message_id=row.event_id,
            body=json.dumps(row.payload, separators=(",", ":")).encode(),
            secrets=tuple(secrets),
            attempts=attempts,
            round_started_at=_aware(row.round_started_at),
            started_at=now,
        )

    def record(self, outgoing: Outgoing, result: AttemptResult) -> str:
        """`_record` in its own transaction."""
        with self.sessions.begin() as session:
            return self._record(session, outgoing, result)

    def record_and_next(
        self, outgoing: Outgoing, result: AttemptResult, owner: str
    ) -> tuple[str, Outgoing | NotYet | None]:
        """Record one attempt and pick the next delivery in one transaction: one commit per
        delivery while the receiver is healthy."""
        with self.sessions.begin() as session:
            outcome = self._record(session, outgoing, result)
            return outcome, self._pick(session, outgoing.endpoint_id, owner)

    def _record(self, session: Session, outgoing: Outgoing, result: AttemptResult) -> str:
        """Store the attempt and move the delivery on: "delivered", "retry" or "dead"."""
        now = utcnow()
        attempts = outgoing.attempts + 1
        values: dict[str, object] = {
            "attempts": attempts,
            "last_status_code": result.status_code,
            "last_error": result.error,
        }
        if result.ok:
            outcome = "delivered"
            values.update(status="delivered", delivered_at=now, next_attempt_at=None)
        else:
            age = (now - outgoing.round_started_at).total_seconds()
            delay = self.schedule.next_delay(attempts, age, self.rng)
            if delay is None:
                outcome = "dead"
                values.update(status="dead", dead_at=now, next_attempt_at=None)
            else:
                outcome = "retry"
                values["next_attempt_at"] = now + dt.timedelta(seconds=delay)
        moved = session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == outgoing.delivery_id, WebhookDelivery.status == "pending")
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            return "gone"  # deleted, or finished by someone else meanwhile
        session.execute(
            _insert_attempt(
                outgoing.delivery_id,
                attempted_at=outgoing.started_at,
                succeeded=result.ok,
                status_code=result.status_code,
                latency_ms=result.latency_ms,
                error=result.error,
                response_body=result.response_body,
            )
        )
        health: dict[str, object] = (
            {"last_success_at": now, "dead_letter_streak": 0}
            if result.ok
            else {"last_failure_at": now}
        )
        session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == outgoing.endpoint_id)
            .values(**health)
            .execution_options(synchronize_session=False)
        )
        if outcome == "dead":
            self._dead_letter(
                session, outgoing.endpoint_id, outgoing.delivery_id, attempts, result.error, now
            )
        return outcome

    def _dead_letter(
        self,
        session: Session,
        endpoint_id: int,
        delivery_id: int,
        attempts: int,
        error: str | None,
        now: dt.datetime,
    ) -> None:
        """Count the dead letter against the endpoint; disable it after too many in a row."""
        endpoint = session.get(WebhookEndpoint, endpoint_id, with_for_update=True)
        if endpoint is None:
            return
        endpoint.dead_letter_streak += 1
        limit = self.settings.disable_after_dead_letters
        log.warning(
            "webhook delivery %s to endpoint %s dead-lettered after %d attempts: %s",
            delivery_id,
            endpoint.id,
            attempts,
            error,
        )
        if limit and endpoint.dead_letter_streak >= limit and endpoint.enabled:
            endpoint.enabled = False
            endpoint.disabled_at = now
            endpoint.disabled_reason = (
                f"disabled automatically: {endpoint.dead_letter_streak} deliveries in a row "
                f"were dead-lettered; last error: {error}"
            )
            endpoint.lease_owner = None
            endpoint.lease_until = None
            session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.endpoint_id == endpoint.id,
                    WebhookDelivery.status == "pending",
                )
                .values(
                    status="dead",
                    dead_at=now,
                    next_attempt_at=None,
                    last_error="endpoint disabled before this event was delivered",
                )
                .execution_options(synchronize_session=False)
            )
            log.error("webhook endpoint %s disabled: %s", endpoint.id, endpoint.disabled_reason)


def _insert_attempt(delivery_id: int, **values: object) -> Any:
    """INSERT one attempt, numbered after the delivery's earlier ones in the same statement."""
    number = (
        select(func.coalesce(func.max(WebhookAttempt.number), 0) + 1)
        .where(WebhookAttempt.delivery_id == delivery_id)
        .scalar_subquery()
    )
    return insert(WebhookAttempt).values(delivery_id=delivery_id, number=number, **values)
