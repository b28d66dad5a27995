"""Webhook subscriptions: endpoints, their secrets, and the admin's view of deliveries.

Event types (the `type` of every payload; see docs/api.md "Webhooks" for the schema):
comment.created, comment.approved, comment.held, comment.rejected, comment.reported,
comment.decision_reversed, comment.edited (its author changed the text: it is pending again),
author.banned, author.erased.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from moderation.config import WebhookSettings
from moderation.db.base import utcnow
from moderation.errors import ConflictError, InvalidRequestError, NotFoundError
from moderation.secrets import SecretBox, SecretKeyError
from moderation.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from moderation.webhooks.queue import WebhookQueue
from moderation.webhooks.safety import UnsafeURLError, check_url
from moderation.webhooks.signing import generate_secret

EVENT_TYPES = (
    "comment.created",
    "comment.approved",
    "comment.held",
    "comment.rejected",
    "comment.reported",
    "comment.decision_reversed",
    "comment.edited",
    "author.banned",
    "article.surge_started",
    "article.surge_ended",
    "author.erased",
)
# The DSA feature's (moderation/dsa/events.py): notices of illegal content and appeals. Only
# endpoints that name them get them, never by default: notice events carry the reporter's
# name and e-mail address, for the newsroom's mailer alone.
OPT_IN_EVENT_TYPES = (
    "dsa_notice.received",
    "dsa_notice.status_changed",
    "dsa_notice.decided",
    "appeal.received",
    "appeal.decided",
)
KNOWN_EVENT_TYPES = EVENT_TYPES + OPT_IN_EVENT_TYPES
_EDITABLE = ("url", "description", "event_types", "article_ids", "enabled")


@dataclasses.dataclass(frozen=True)
class NewEndpoint:
    url: str
    # The site whose events it receives; None: every site's.
    site_id: str | None = None
    event_types: Sequence[str] = EVENT_TYPES
    article_ids: Sequence[str] | None = None
    description: str = ""
    enabled: bool = True


@dataclasses.dataclass(frozen=True)
class CreatedEndpoint:
    """A new endpoint and its secret: the only time the secret is shown."""

    endpoint: WebhookEndpoint
    secret: str


@dataclasses.dataclass(frozen=True)
class DeliveryDetail:
    delivery: WebhookDelivery
    attempts: list[WebhookAttempt]


class WebhookService:
    """Endpoint CRUD, secret rotation, delivery history and redelivery, for admins.

    Secrets are stored sealed (moderation/secrets.py); a new one is returned in clear, once.
    SettingsError when `settings.secret_keys` is empty: the API does not start without a key.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: WebhookSettings,
        queue: WebhookQueue | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.queue = queue
        self.box = SecretBox(settings.secret_keys)

    def _check(self, url: str | None, event_types: Sequence[str] | None) -> None:
        if url is not None:
            try:
                check_url(url, self.settings.allow_private)
            except UnsafeURLError as error:
                raise InvalidRequestError(f"{url!r} {error}", field="url") from error
        if event_types is not None:
            unknown = sorted(set(event_types) - set(KNOWN_EVENT_TYPES))
            if unknown:
                raise InvalidRequestError(
                    f"unknown event types {unknown}; known: {', '.join(KNOWN_EVENT_TYPES)}",
                    field="event_types",
                )
            if not event_types:
                raise InvalidRequestError("must name at least one event type", field="event_types")

    def create(self, new: NewEndpoint) -> CreatedEndpoint:
        """Save an endpoint with a fresh secret, after checking its URL is allowed."""
        self._check(new.url, new.event_types)
        secret = generate_secret()
        with self.sessions.begin() as session:
            endpoint = WebhookEndpoint(
                url=new.url,
                site_id=new.site_id,
                description=new.description,
                event_types=list(dict.fromkeys(new.event_types)),
                article_ids=list(new.article_ids) if new.article_ids is not None else None,
                enabled=new.enabled,
                secret=self.box.seal(secret),
                dead_letter_streak=0,
            )
            session.add(endpoint)
        return CreatedEndpoint(endpoint, secret)

    def endpoints(self, site_id: str | None = None) -> list[WebhookEndpoint]:
        """Every endpoint; with `site_id`, that site's and those of every site."""
        query = select(WebhookEndpoint).order_by(WebhookEndpoint.id)
        if site_id is not None:
            query = query.where(
                or_(WebhookEndpoint.site_id == site_id, WebhookEndpoint.site_id.is_(None))
            )
        with self.sessions() as session:
            return list(session.scalars(query))

    def delivery_counts(self, endpoint_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        """Deliveries per endpoint and status, so an admin sees a backlog building up."""
        counts: dict[int, dict[str, int]] = {
            endpoint_id: {"pending": 0, "delivered": 0, "dead": 0} for endpoint_id in endpoint_ids
        }
        with self.sessions() as session:
            rows = session.execute(
                select(WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count())
                .where(WebhookDelivery.endpoint_id.in_(list(endpoint_ids)))
                .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.status)
            )
            for endpoint_id, status, count in rows:
                counts[endpoint_id][status] = count
        return counts

    def get(self, endpoint_id: int) -> WebhookEndpoint:
        with self.sessions() as session:
            return self._endpoint(session, endpoint_id)

    @staticmethod
    def _endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        if endpoint is None:
            raise NotFoundError(f"webhook endpoint {endpoint_id} does not exist")
        return endpoint

    def update(self, endpoint_id: int, changes: dict[str, Any]) -> WebhookEndpoint:
        """Change some of url, description, event_types, article_ids, enabled.

        Enabling an endpoint clears why it was disabled and its failure count; its
        dead-lettered deliveries stay dead until redelivered.
        """
        self._check(changes.get("url"), changes.get("event_types"))
        with self.sessions.begin() as session:
            endpoint = self._endpoint(session, endpoint_id)
            for name in _EDITABLE:
                if name in changes:
                    setattr(endpoint, name, changes[name])
            if changes.get("enabled"):
                endpoint.disabled_reason = None
                endpoint.disabled_at = None
                endpoint.dead_letter_streak = 0
        if changes.get("enabled") and self.queue:
            self.queue.enqueue_endpoint(endpoint_id)
        return endpoint

    def delete(self, endpoint_id: int) -> None:
        """Remove an endpoint with its delivery history."""
        with self.sessions.begin() as session:
            self._endpoint(session, endpoint_id)
            deliveries = select(WebhookDelivery.id).where(
                WebhookDelivery.endpoint_id == endpoint_id
            )
            session.execute(
                delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries))
            )
            session.execute(
                delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
            )
            session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id))

    def rotate_secret(self, endpoint_id: int, grace_seconds: int | None = None) -> CreatedEndpoint:
        """A new secret; the old one keeps signing too until the grace period ends."""
        grace = self.settings.secret_grace_seconds if grace_seconds is None else grace_seconds
        secret = generate_secret()
        with self.sessions.begin() as session:
            endpoint = self._endpoint(session, endpoint_id)
            endpoint.previous_secret = endpoint.secret if grace > 0 else None
            endpoint.previous_secret_expires_at = (
                utcnow() + dt.timedelta(seconds=grace) if grace > 0 else None
            )
            endpoint.secret = self.box.seal(secret)
        return CreatedEndpoint(endpoint, secret)

    def reencrypt_secrets(self) -> int:
        """Seal every stored secret again under the first key; return how many were resealed.

        All or nothing, in one transaction that locks the endpoints (a rotation meanwhile
        waits): a secret that no configured key opens stops it, naming its endpoint.
        """
        resealed = 0
        with self.sessions.begin() as session:
            rows = session.execute(
                select(WebhookEndpoint.id, WebhookEndpoint.secret, WebhookEndpoint.previous_secret)
                .order_by(WebhookEndpoint.id)
                .with_for_update()
            ).all()
            for endpoint_id, secret, previous in rows:
                try:
                    values = {"secret": self.box.reseal(secret)}
                    if previous:
                        values["previous_secret"] = self.box.reseal(previous)
                except SecretKeyError as error:
                    raise SecretKeyError(
                        f"webhook endpoint {endpoint_id}: {error}; nothing was re-encrypted. "
                        "Add back the key it was sealed with, then run this again"
                    ) from error
                session.execute(
                    update(WebhookEndpoint)
                    .where(WebhookEndpoint.id == endpoint_id)
                    # Resealing changes nothing an admin set: updated_at keeps its value.
                    .values(**values, updated_at=WebhookEndpoint.updated_at)
                    .execution_options(synchronize_session=False)
                )
                resealed += len(values)
        return resealed

    def deliveries(
        self, endpoint_id: int, status: str | None = None, limit: int = 50
    ) -> list[WebhookDelivery]:
        """The endpoint's deliveries, newest first, optionally only one status."""
        with self.sessions() as session:
            self._endpoint(session, endpoint_id)
            query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
            if status:
                query = query.where(WebhookDelivery.status == status)
            query = query.order_by(WebhookDelivery.outbox_event_id.desc()).limit(limit)
            return list(session.scalars(query))

    def delivery(self, endpoint_id: int, delivery_id: int) -> DeliveryDetail:
        """One delivery with every attempt, oldest first."""
        with self.sessions() as session:
            delivery = session.get(WebhookDelivery, delivery_id)
            if delivery is None or delivery.endpoint_id != endpoint_id:
                raise NotFoundError(
                    f"delivery {delivery_id} of webhook endpoint {endpoint_id} does not exist"
                )
            attempts = session.scalars(
                select(WebhookAttempt)
                .where(WebhookAttempt.delivery_id == delivery_id)
                .order_by(WebhookAttempt.number)
            )
            return DeliveryDetail(delivery, list(attempts))

    def redeliver(self, endpoint_id: int, delivery_id: int) -> WebhookDelivery:
        """Send a dead-lettered (or already delivered) event again, with a fresh schedule."""
        with self.sessions.begin() as session:
            endpoint = self._endpoint(session, endpoint_id)
            delivery = session.get(WebhookDelivery, delivery_id)
            if delivery is None or delivery.endpoint_id != endpoint_id:
                raise NotFoundError(
                    f"delivery {delivery_id} of webhook endpoint {endpoint_id} does not exist"
                )
            if delivery.status == "pending":
                raise ConflictError(f"delivery {delivery_id} is still pending; it will be sent")
            if not endpoint.enabled:
                raise ConflictError(
                    f"webhook endpoint {endpoint_id} is disabled"
                    + (f" ({endpoint.disabled_reason})" if endpoint.disabled_reason else "")
                    + "; enable it first"
                )
            _restart(delivery)
        if self.queue:
            self.queue.enqueue_endpoint(endpoint_id)
        return delivery

    def redeliver_dead(self, endpoint_id: int) -> int:
        """Send every dead-lettered delivery of an endpoint again, in event order."""
        with self.sessions.begin() as session:
            endpoint = self._endpoint(session, endpoint_id)
            if not endpoint.enabled:
                raise ConflictError(f"webhook endpoint {endpoint_id} is disabled; enable it first")
            now = utcnow()
            result = session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "dead")
                .values(
                    status="pending",
                    attempts=0,
                    round_started_at=now,
                    next_attempt_at=now,
                    dead_at=None,
                )
                .execution_options(synchronize_session=False)
            )
            count = int(result.rowcount)  # type: ignore[attr-defined]
        if count and self.queue:
            self.queue.enqueue_endpoint(endpoint_id)
        return count


def _restart(delivery: WebhookDelivery) -> None:
    now = utcnow()
    delivery.status = "pending"
    delivery.attempts = 0
    delivery.round_started_at = now
    delivery.next_attempt_at = now
    delivery.dead_at = None
    delivery.delivered_at = None
