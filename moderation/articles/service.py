"""Per-article settings: close an article to comments, pre-moderate it, override rule settings."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from moderation.articles.models import ArticleSettings
from moderation.config import RulesSettings
from moderation.errors import InvalidRequestError
from moderation.pipeline.rules.base import ARTICLE_SETTINGS


def article_view(article_id: str, row: ArticleSettings | None) -> dict[str, Any]:
    if row is None:
        return {"article_id": article_id, "closed": False, "premoderate": False, "rules": {}}
    return {
        "article_id": article_id,
        "closed": row.closed,
        "premoderate": row.premoderate,
        "rules": dict(row.rules or {}),
        "updated_by": row.updated_by,
        "updated_at": row.updated_at,
    }


def article_states(session: Session, article_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Each article's settings as plain values for the scoring rules (defaults when unset)."""
    wanted = sorted(set(article_ids))
    rows = {
        row.article_id: row
        for row in session.scalars(
            select(ArticleSettings).where(ArticleSettings.article_id.in_(wanted))
        )
    }
    return {article: article_view(article, rows.get(article)) for article in wanted}


def check_rule_overrides(overrides: Mapping[str, Any], defaults: RulesSettings) -> None:
    """Only [rules] settings an article may override, each of its setting's type."""
    for name, value in overrides.items():
        if name not in ARTICLE_SETTINGS:
            allowed = ", ".join(sorted(ARTICLE_SETTINGS))
            raise InvalidRequestError(
                f"{name} is not a setting an article can override (one of: {allowed})",
                field=f"rules.{name}",
            )
        default = getattr(defaults, name)
        expected = float if isinstance(default, float) else type(default)
        ok = isinstance(value, expected) and not (isinstance(value, bool) and expected is not bool)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if isinstance(default, list):
            ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
        if not ok:
            raise InvalidRequestError(
                f"must be {type(default).__name__} like the site setting", field=f"rules.{name}"
            )


@dataclasses.dataclass(frozen=True)
class ArticleChange:
    article_id: str
    actor: str
    closed: bool | None = None
    premoderate: bool | None = None
    rules: Mapping[str, Any] | None = None


class ArticleService:
    def __init__(self, sessions: sessionmaker[Session], rule_defaults: RulesSettings) -> None:
        self.sessions = sessions
        self.rule_defaults = rule_defaults

    def get(self, article_id: str) -> dict[str, Any]:
        with self.sessions() as session:
            return article_view(article_id, session.get(ArticleSettings, article_id))

    def update(self, change: ArticleChange) -> dict[str, Any]:
        """Change what the request names; what it leaves out stays as it was."""
        if change.rules is not None:
            check_rule_overrides(change.rules, self.rule_defaults)
        with self.sessions.begin() as session:
            row = session.get(ArticleSettings, change.article_id)
            if row is None:
                row = ArticleSettings(
                    article_id=change.article_id, closed=False, premoderate=False, rules={}
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
            return article_view(change.article_id, row)
