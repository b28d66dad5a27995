"""Surge protection's use cases: count decisions and reports, start and extend a surge, end the
cooled ones, and the moderators' end, pin and unpin, each on the trail with an outbox event.

The state lives on the article's settings row (articles/models.py), so the scoring worker reads
it with the article's other settings: no query of its own. Starting is one conditional UPDATE
(`surge_since IS NULL`), so two workers that see the same heat start one surge, not two.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from moderation.articles.models import ArticleSettings
from moderation.articles.service import surge_view
from moderation.config import SurgeSettings
from moderation.db.base import utcnow
from moderation.errors import ConflictError
from moderation.events.models import OutboxEvent
from moderation.observability import metrics
from moderation.pipeline.verdict import Verdict
from moderation.sites.overrides import surge_settings
from moderation.sites.service import SiteService
from moderation.surge.counters import Article, SurgeCounters, bucket_seconds
from moderation.surge.levels import WindowCounts, heated, passed
from moderation.surge.models import SurgeAction

log = logging.getLogger(__name__)

STARTED = "article.surge_started"
ENDED = "article.surge_ended"


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who changes a surge: the system, or a moderator (with their account id, if any)."""

    name: str = "surge"
    type: str = "system"
    id: int | None = None
    note: str | None = None
    request_id: str | None = None


SYSTEM = Actor()


class SurgeService:
    """Surges of articles. `clock` is injectable: tests drive the cool-down without sleeping."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        defaults: SurgeSettings,
        sites: SiteService | None = None,
        counters: SurgeCounters | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.defaults = defaults
        self.sites = sites
        self.counters = counters
        self.clock = clock

    def settings_for(self, site_id: str) -> SurgeSettings:
        """The [surge] settings with the site's own values over them."""
        site = self.sites.get(site_id) if self.sites is not None else None
        return surge_settings(self.defaults, site.settings) if site is not None else self.defaults

    # Counting: after each scored batch (scoring/service.py) and each reader report.

    def observe_batch(self, decided: Iterable[tuple[str, str, Verdict]]) -> list[Article]:
        """Count a recorded batch's decisions per article; start or extend the surges of the
        articles that pass a level. Returns the articles whose surge started."""
        added: dict[Article, WindowCounts] = {}
        for site_id, article_id, verdict in decided:
            found = added.get((site_id, article_id), WindowCounts())
            added[(site_id, article_id)] = WindowCounts(
                found.decided + 1, found.heated + heated(verdict), 0.0
            )
        return self._observe(added)

    def observe_report(self, site_id: str, article_id: str, weight: float) -> list[Article]:
        """Count a reader report's weight on the article; start or extend its surge."""
        return self._observe({(site_id, article_id): WindowCounts(0, 0, weight)})

    def _observe(self, added: Mapping[Article, WindowCounts]) -> list[Article]:
        if self.counters is None or not added:
            return []
        levels = {article: self.settings_for(article[0]) for article in added}
        watched = {article: counts for article, counts in added.items() if levels[article].enabled}
        if not watched:
            return []
        now = self.clock()
        totals = self.counters.add_and_read(
            watched,
            {article: levels[article].window_seconds for article in watched},
            now.timestamp(),
        )
        passing = {
            article: reason
            for article, counts in totals.items()
            if (reason := passed(counts, levels[article])) is not None
        }
        return self._heat(passing, levels, now) if passing else []

    def _heat(
        self,
        passing: Mapping[Article, dict[str, Any]],
        levels: Mapping[Article, SurgeSettings],
        now: dt.datetime,
    ) -> list[Article]:
        """Extend the surges of these articles, or start them; return those started."""
        started: list[Article] = []
        # Past a level batch after batch: the database hears of it once a bucket per article
        # (a surge's end moves by at most a fifteenth of the window), not once a batch.
        assert self.counters is not None
        first = self.counters.first_in_bucket(
            {article: bucket_seconds(levels[article].window_seconds) for article in passing},
            "passed",
            now.timestamp(),
        )
        due = {article: passing[article] for article in first}
        if not due:
            return []
        with self.sessions.begin() as session:
            for (site_id, article_id), reason in sorted(due.items()):
                until = now + dt.timedelta(seconds=levels[(site_id, article_id)].cool_down_seconds)
                pk = (ArticleSettings.site_id == site_id, ArticleSettings.article_id == article_id)
                going = session.execute(
                    update(ArticleSettings)
                    .where(*pk, ArticleSettings.surge_since.is_not(None))
                    .values(surge_until=until, updated_at=ArticleSettings.updated_at)
                    .returning(ArticleSettings.article_id)
                    .execution_options(synchronize_session=False)
                ).first()
                if going is not None:
                    continue
                _ensure_row(session, site_id, article_id)
                quiet = ArticleSettings.surge_quiet_until
                row = session.execute(
                    update(ArticleSettings)
                    .where(*pk, ArticleSettings.surge_since.is_(None))
                    .where((quiet.is_(None)) | (quiet <= now))
                    .values(
                        surge_since=now,
                        surge_until=until,
                        surge_pinned=False,
                        surge_reason=reason,
                        updated_at=ArticleSettings.updated_at,
                    )
                    .returning(ArticleSettings)
                    .execution_options(synchronize_session=False)
                ).scalar_one_or_none()
                if row is None:
                    continue  # a moderator ended it early, and it stays off for a window
                self._record(session, row, "started", SYSTEM, reason, now)
                started.append((site_id, article_id))
                metrics.record_surge("started", reason["cause"])
                log.warning(
                    "surge on article %s of site %s: %s", article_id, site_id, reason["text"]
                )
        return started

    # Ending: the cool-down (reconcile), or a moderator.

    def end_cooled(self) -> int:
        """End every surge whose cool-down passed and that no moderator pinned."""
        now = self.clock()
        with self.sessions.begin() as session:
            ended = session.execute(
                update(ArticleSettings)
                .where(
                    ArticleSettings.surge_since.is_not(None),
                    ArticleSettings.surge_pinned.is_(False),
                    ArticleSettings.surge_until <= now,
                )
                .values(**_OFF, updated_at=ArticleSettings.updated_at)
                .returning(ArticleSettings)
                .execution_options(synchronize_session=False)
            ).all()
            for (row,) in ended:
                self._record(session, row, "ended", SYSTEM, {"cause": "cooled_down"}, now)
        for (row,) in ended:
            metrics.record_surge("ended", "cooled_down")
            log.info("surge on article %s of site %s cooled down", row.article_id, row.site_id)
        return len(ended)

    def end(self, site_id: str, article_id: str, actor: Actor) -> dict[str, Any]:
        """A moderator ends the surge now; it does not start again by itself for one window."""
        now = self.clock()
        quiet = now + dt.timedelta(seconds=self.settings_for(site_id).window_seconds)
        with self.sessions.begin() as session:
            row = self._change(session, site_id, article_id, {**_OFF, "surge_quiet_until": quiet})
            self._record(session, row, "ended", actor, {"cause": "moderator"}, now)
        metrics.record_surge("ended", "moderator")
        return self.state(site_id, article_id)

    def pin(self, site_id: str, article_id: str, pinned: bool, actor: Actor) -> dict[str, Any]:
        """Pin the surge (it stays until unpinned or ended), or unpin it: it cools down from
        now."""
        now = self.clock()
        values: dict[str, Any] = {"surge_pinned": pinned}
        if not pinned:
            cool = self.settings_for(site_id).cool_down_seconds
            values["surge_until"] = now + dt.timedelta(seconds=cool)
        with self.sessions.begin() as session:
            row = self._change(session, site_id, article_id, values)
            self._record(session, row, "pinned" if pinned else "unpinned", actor, {}, now)
        return self.state(site_id, article_id)

    def _change(
        self, session: Session, site_id: str, article_id: str, values: Mapping[str, Any]
    ) -> ArticleSettings:
        row = session.execute(
            update(ArticleSettings)
            .where(
                ArticleSettings.site_id == site_id,
                ArticleSettings.article_id == article_id,
                ArticleSettings.surge_since.is_not(None),
            )
            .values(**values, updated_at=ArticleSettings.updated_at)
            .returning(ArticleSettings)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if row is None:
            raise ConflictError(f"article {article_id} has no surge")
        return row

    # Reading.

    def state(self, site_id: str, article_id: str, trail: int = 20) -> dict[str, Any]:
        """The article's surge now (None when it has none) and its latest trail entries."""
        now = self.clock()
        with self.sessions() as session:
            row = session.get(ArticleSettings, (site_id, article_id))
            actions = session.scalars(
                select(SurgeAction)
                .where(SurgeAction.site_id == site_id, SurgeAction.article_id == article_id)
                .order_by(SurgeAction.id.desc())
                .limit(trail)
            ).all()
            return {
                "site_id": site_id,
                "article_id": article_id,
                "surge": surge_view(row, now) if row is not None else None,
                "settings": dataclasses.asdict(self.settings_for(site_id)),
                "trail": [_action_view(action) for action in actions],
            }

    def active(self, articles: Iterable[Article]) -> dict[Article, dict[str, Any]]:
        """The surges in force on these articles (one query): for the review queue."""
        wanted = set(articles)
        if not wanted:
            return {}
        now = self.clock()
        with self.sessions() as session:
            rows = session.scalars(
                select(ArticleSettings).where(
                    ArticleSettings.article_id.in_({article for _, article in wanted}),
                    ArticleSettings.surge_since.is_not(None),
                )
            ).all()
            found = {(row.site_id, row.article_id): surge_view(row, now) for row in rows}
        return {
            article: view
            for article, view in found.items()
            if article in wanted and view is not None and view["active"]
        }

    def _record(
        self,
        session: Session,
        row: ArticleSettings,
        action: str,
        actor: Actor,
        detail: Mapping[str, Any],
        now: dt.datetime,
    ) -> None:
        """The trail entry and, for a start or an end, the outbox event."""
        session.add(
            SurgeAction(
                site_id=row.site_id,
                article_id=row.article_id,
                action=action,
                actor_type=actor.type,
                actor=actor.name,
                actor_id=actor.id,
                detail=dict(detail),
                note=actor.note,
                request_id=actor.request_id,
                created_at=now,
            )
        )
        if action not in ("started", "ended"):
            return
        event_type = STARTED if action == "started" else ENDED
        surge: dict[str, Any] = {
            "since": _iso(row.surge_since),
            "until": _iso(row.surge_until),
            "reason": (row.surge_reason or {}).get("text"),
            "measurement": row.surge_reason,
        }
        if action == "ended":
            surge = {"ended_at": now.isoformat(), "cause": detail.get("cause"), "by": actor.name}
        event_id = "evt_" + uuid.uuid4().hex
        session.add(
            OutboxEvent(
                event_id=event_id,
                type=event_type,
                comment_id=None,
                payload={
                    "id": event_id,
                    "type": event_type,
                    "timestamp": now.isoformat(),
                    "data": {"site_id": row.site_id, "article_id": row.article_id, "surge": surge},
                },
            )
        )


_OFF: dict[str, Any] = {
    "surge_since": None,
    "surge_until": None,
    "surge_pinned": False,
    "surge_reason": None,
}


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _ensure_row(session: Session, site_id: str, article_id: str) -> None:
    """The article's settings row, made with the defaults if it has none (race-safe)."""
    values = {
        "site_id": site_id,
        "article_id": article_id,
        "closed": False,
        "premoderate": False,
        "rules": {},
        "updated_by": "surge",
        "updated_at": utcnow(),
        "surge_pinned": False,
    }
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    session.execute(module.insert(ArticleSettings).values(**values).on_conflict_do_nothing())


def _action_view(action: SurgeAction) -> dict[str, Any]:
    return {
        "action": action.action,
        "actor_type": action.actor_type,
        "actor": action.actor,
        "detail": action.detail,
        "note": action.note,
        "created_at": action.created_at,
    }
