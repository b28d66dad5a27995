"""Score feedback: what suggestscore sends (and, if enabled, what analyze scored), listed and
exported as CSV for admins calibrating thresholds against this model."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.orm import Session, sessionmaker

from moderation.perspective.analyze import ATTRIBUTE_LABELS
from moderation.perspective.models import ScoreFeedback
from moderation.sites.models import DEFAULT_SITE

CSV_COLUMNS = (
    "id",
    "created_at",
    "source",
    "api_key_name",
    "attribute",
    "score",
    "languages",
    "community_id",
    "session_id",
    "client_token",
    "text",
)


@dataclasses.dataclass(frozen=True)
class FeedbackEntry:
    """One attribute's score for one text, with where it came from."""

    source: str
    api_key_name: str
    text: str
    attribute: str
    score: float
    languages: Sequence[str] = ()
    community_id: str | None = None
    session_id: str | None = None
    client_token: str | None = None
    spans: Mapping[str, Any] | None = None
    site_id: str = DEFAULT_SITE


class FeedbackService:
    """Stores feedback rows and reads them back, newest first or as CSV."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def record(self, entries: Sequence[FeedbackEntry]) -> int:
        """Store the entries in one transaction; return how many."""
        with self.sessions.begin() as session:
            session.add_all(
                ScoreFeedback(
                    source=entry.source,
                    site_id=entry.site_id,
                    api_key_name=entry.api_key_name,
                    text=entry.text,
                    attribute=entry.attribute,
                    score=entry.score,
                    languages=list(entry.languages),
                    community_id=entry.community_id,
                    session_id=entry.session_id,
                    client_token=entry.client_token,
                    spans=dict(entry.spans) if entry.spans is not None else None,
                )
                for entry in entries
            )
        return len(entries)

    def page(
        self, before: int | None, limit: int, sites: Sequence[str] | None = None
    ) -> tuple[list[dict[str, Any]], int | None]:
        """Up to `limit` rows, newest first, older than id `before`; and the next `before`.
        With `sites`, only those sites' rows."""
        query = select(ScoreFeedback).order_by(ScoreFeedback.id.desc()).limit(limit + 1)
        if sites is not None:
            query = query.where(ScoreFeedback.site_id.in_(list(sites)))
        if before is not None:
            query = query.where(ScoreFeedback.id < before)
        with self.sessions() as session:
            rows = list(session.scalars(query))
        more = len(rows) > limit
        rows = rows[:limit]
        return [_as_dict(row) for row in rows], (rows[-1].id if more and rows else None)

    def export_csv(self, chunk: int = 500, sites: Sequence[str] | None = None) -> Iterator[str]:
        """Every row (of `sites`, when given), oldest first, as CSV text in pieces (a header line
        first)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        after = 0
        while True:
            with self.sessions() as session:
                rows = list(
                    session.scalars(
                        select(ScoreFeedback)
                        .where(ScoreFeedback.id > after)
                        .where(
                            ScoreFeedback.site_id.in_(list(sites)) if sites is not None else true()
                        )
                        .order_by(ScoreFeedback.id)
                        .limit(chunk)
                    )
                )
            for row in rows:
                values = _as_dict(row)
                values["languages"] = " ".join(values["languages"])
                writer.writerow([values[column] for column in CSV_COLUMNS])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            if len(rows) < chunk:
                return
            after = rows[-1].id

    def labelled_pairs(
        self, site_id: str, since: dt.datetime | None = None, limit: int = 100_000
    ) -> list[tuple[str, float, bool]]:
        """Calibration material (policies/report.py): each `suggestscore` label a client sent
        for a text this service also scored with `analyze` (stored only when
        perspective.store_analyzed_text is on), as (model label, our score, unhealthy: the
        suggested score at least 0.5). The newest `limit`."""
        suggested = select(ScoreFeedback).where(
            ScoreFeedback.site_id == site_id, ScoreFeedback.source == "suggestscore"
        )
        if since is not None:
            suggested = suggested.where(ScoreFeedback.created_at >= since)
        analyzed = (
            select(ScoreFeedback.text, ScoreFeedback.attribute, ScoreFeedback.score)
            .where(ScoreFeedback.site_id == site_id, ScoreFeedback.source == "analyze")
            .order_by(ScoreFeedback.id)
        )
        with self.sessions() as session:
            wanted = list(session.scalars(suggested.order_by(ScoreFeedback.id.desc()).limit(limit)))
            if not wanted:
                return []
            scored = {
                (text, attribute): score
                for text, attribute, score in session.execute(
                    analyzed.where(ScoreFeedback.text.in_({row.text for row in wanted}))
                )
            }
        pairs = []
        for row in wanted:
            label = ATTRIBUTE_LABELS.get(row.attribute)
            ours = scored.get((row.text, row.attribute))
            if label is not None and ours is not None:
                pairs.append((label, float(ours), row.score >= 0.5))
        return pairs


def _as_dict(row: ScoreFeedback) -> dict[str, Any]:
    return {
        "id": row.id,
        "created_at": row.created_at.isoformat(),
        "source": row.source,
        "site_id": row.site_id,
        "api_key_name": row.api_key_name,
        "attribute": row.attribute,
        "score": row.score,
        "languages": list(row.languages or []),
        "community_id": row.community_id,
        "session_id": row.session_id,
        "client_token": row.client_token,
        "text": row.text,
    }
