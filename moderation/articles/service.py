"""Per-article settings: close an article to comments, pre-moderate it, override rule settings."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from moderation.articles.models import ArticleSettings
from moderation.config import RulesSettings
from moderation.db.base import utcnow
from moderation.sites.overrides import check_rule_overrides


def surge_view(row: ArticleSettings, now: dt.datetime) -> dict[str, Any] | None:
    """The article's surge (moderation/surge/) as moderators see it; None when it has none.

    In force while pinned or until its cool-down ends; one past its cool-down is not in force
    even before the reconcile job ends it (and sends `article.surge_ended`).
    """
    if row.surge_since is None:
        return None
    reason = dict(row.surge_reason or {})
    active = bool(row.surge_pinned) or (row.surge_until is not None and row.surge_until > now)
    return {
        "active": active,
        "since": row.surge_since,
        "until": row.surge_until,
        "pinned": bool(row.surge_pinned),
        "reason": reason.get("text"),
        "measurement": reason,
        "summary": f"surge: since {row.surge_since.isoformat(timespec='seconds')}, "
        f"because {reason.get('text')}",
    }


def article_view(
    site_id: str, article_id: str, row: ArticleSettings | None, now: dt.datetime | None = None
) -> dict[str, Any]:
    if row is None:
        return {
            "site_id": site_id,
            "article_id": article_id,
            "closed": False,
            "premoderate": False,
            "rules": {},
            "surge": None,
            "updated_by": None,
            "updated_at": None,
        }
    return {
        "site_id": site_id,
        "article_id": article_id,
        "closed": row.closed,
        "premoderate": row.premoderate,
        "rules": dict(row.rules or {}),
        "surge": surge_view(row, now or utcnow()),
        "updated_by": row.updated_by,
        "updated_at": row.updated_at,
    }


def article_states(
    session: Session, articles: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Each (site, article)'s settings as plain values for the scoring rules (defaults when
    unset)."""
    wanted = sorted(set(articles))
    ids = {article for _, article in wanted}
    rows = {
        (row.site_id, row.article_id): row
        for row in session.scalars(
            select(ArticleSettings).where(ArticleSettings.article_id.in_(ids))
        )
    }
    now = utcnow()
    return {pair: article_view(*pair, rows.get(pair), now) for pair in wanted}


@dataclasses.dataclass(frozen=True)
class ArticleChange:
    site_id: str
    article_id: str
    actor: str
    closed: bool | None = None
    premoderate: bool | None = None
    rules: Mapping[str, Any] | None = None


class ArticleService:
    def __init__(self, sessions: sessionmaker[Session], rule_defaults: RulesSettings) -> None:
        self.sessions = sessions
        self.rule_defaults = rule_defaults

    def get(self, site_id: str, article_id: str) -> dict[str, Any]:
        with self.sessions() as session:
            row = session.get(ArticleSettings, (site_id, article_id))
            return article_view(site_id, article_id, row)

    def update(self, change: ArticleChange) -> dict[str, Any]:
        """Change what the request names; what it leaves out stays as it was."""
        if change.rules is not None:
            check_rule_overrides(change.rules, self.rule_defaults)
        with self.sessions.begin() as session:
            row = session.get(ArticleSettings, (change.site_id, change.article_id))
            if row is None:
                row = ArticleSettings(
                    site_id=change.site_id,
                    article_id=change.article_id,
                    closed=False,
                    premoderate=False,
                    rules={},
                )
                session.add(row)
            if change.closed is not None:
                row.closed = change.closed
            if change.premoderate is not None:
                row.premoderate = change.premoderate
            if change.rules is not None:
                row.rules = dict(change.rules)
            row.updated_by = change.actor
            session.flush()
            return article_view(change.site_id, change.article_id, row)
