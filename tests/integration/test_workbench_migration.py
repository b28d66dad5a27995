"""Migration 0003 on a database with comments in it: backfill, and down and up again."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

from moderation.db.migrate import downgrade, upgrade
from moderation.db.session import make_engine

VERDICT = {
    "reasons": [
        {"kind": "rule", "id": "links", "action": "hold"},
        {"kind": "model", "id": "toxicity", "score": 0.7, "action": "hold"},
    ]
}


def test_existing_comments_get_their_queue_columns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrate.db'}"
    upgrade(url, "0002")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO comments (article_id, author_id, author_name, text, status, version,"
                " created_at, updated_at, verdict) VALUES ('a', 'b', 'c', 'd', 'held', 2,"
                " '2026-11-20 00:00:00', '2026-11-20 00:00:00', :verdict)"
            ),
            {"verdict": json.dumps(VERDICT)},
        )
    upgrade(url, "0003")
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT severity, priority, rule_ids, hidden, report_weight FROM comments")
        ).one()
    assert row.severity == 1.2 and row.rule_ids == ",links," and not row.hidden
    assert row.priority == 1.2 - 20777.0  # 2026-11-20 is day 20777 of the epoch
    downgrade(url, "0002")
    upgrade(url, "0003")
    engine.dispose()
