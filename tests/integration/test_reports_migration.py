"""Migration 0008 on a database with reports in it: every earlier report is unverified, and
the comments those reports hid are shown again (only verified readers hide now)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from moderation.db.migrate import downgrade, upgrade
from moderation.db.session import make_engine


def test_earlier_reports_are_unverified_and_hide_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrate.db'}"
    upgrade(url, "0008")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO comments (id, site_id, article_id, author_id, author_name, text,"
                " status, version, created_at, updated_at, severity, priority, rule_ids,"
                " report_weight, hidden) VALUES (1, 'default', 'a', 'b', 'c', 'd', 'reported', 3,"
                " '2026-11-20 00:00:00', '2026-11-20 00:00:00', 1.5, 0, '', 6.0, 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO reader_reports (comment_id, reader_id, reason, weight, created_at)"
                " VALUES (1, 'invented-1', 'spam', 1.0, '2026-11-20 00:00:00')"
            )
        )
    upgrade(url, "0009")
    with engine.connect() as connection:
        comment = connection.execute(text("SELECT status, hidden FROM comments")).one()
        verified = connection.execute(text("SELECT verified FROM reader_reports")).scalar_one()
    assert comment.status == "reported" and not comment.hidden  # still queued for moderators
    assert not verified
    downgrade(url, "0008")
    upgrade(url, "0009")
    engine.dispose()
