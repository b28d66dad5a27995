"""Per-article settings: close an article to comments, pre-moderate it, override rule settings."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from moderation.articles.models import ArticleSettings
from moderation.config import RulesSettings
from moderation.sites.overrides import check_rule_overrides


def article_view(site_id: str, article_id: str, row: ArticleSettings | None) -> dict[str, Any]:
    if row is None:
        return {
            "site_id": site_id,
            "article_id": article_id,
            "closed": False,
            "premoderate": False,
            "rules": {},
        }
    return {
        "site_id": site_id,
        "article_id": article_id,
        "closed": row.closed,
        "premoderate": row.premoderate,
        "rules": dict(row.rules or {}),
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
    return {pair: article_view(*pair, rows.get(pair)) for pair in wanted}


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
