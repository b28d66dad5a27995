"""Migration 0007 on a database at the previous head with rows in it: everything lands in the
default site, the new keys hold, and it goes down and up again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from moderation.db.migrate import downgrade, upgrade
from moderation.db.session import make_engine

ROWS = (
    "INSERT INTO comments (article_id, author_id, author_name, text, status, version, created_at,"
    " updated_at, severity, priority, rule_ids, report_weight, hidden) VALUES ('a-1', 'troll',"
    " 'T', 'Hello', 'approved', 2, '2026-11-20 00:00:00+00', '2026-11-20 00:00:00+00', 0, 0,"
    " '', 0, false)",
    "INSERT INTO authors (author_id, status, updated_at) VALUES ('troll', 'banned',"
    " '2026-11-20 00:00:00+00')",
    "INSERT INTO article_settings (article_id, closed, premoderate, rules, updated_by, updated_at)"
    " VALUES ('a-1', true, false, '{}', 'root', '2026-11-20 00:00:00+00')",
    "INSERT INTO readers (reader_id, weight, upheld, dismissed) VALUES ('r-1', 1.5, 2, 0)",
)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(
    request: pytest.FixtureRequest, tmp_path: Path, database_url: str
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sites.db'}"
        return
    if not database_url.startswith("postgresql"):
        pytest.skip("the tests run on SQLite; PostgreSQL is CI's database")
    name = f"migrate_{uuid.uuid4().hex[:10]}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_rows_before_sites_move_into_the_default_site(empty_database: str) -> None:
    url = empty_database
    upgrade(url, "0006")
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in ROWS:
            connection.execute(text(statement))
    upgrade(url, "0007", default_site="main-paper")
    with engine.begin() as connection:
        site = connection.execute(text("SELECT id, name FROM sites")).one()
        assert tuple(site) == ("main-paper", "Default site")
        for table in ("comments", "authors", "article_settings", "readers"):
            found = connection.execute(text(f"SELECT site_id FROM {table}")).scalars().all()
            assert found == ["main-paper"], table
        # Keys are per site now: the same author or article id on another site is a new row.
        connection.execute(
            text(
                "INSERT INTO authors (site_id, author_id, status, updated_at) VALUES"
                " ('paper-b', 'troll', 'normal', '2026-11-21 00:00:00+00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO article_settings (site_id, article_id, closed, premoderate, rules,"
                " updated_by, updated_at) VALUES ('paper-b', 'a-1', false, false, '{}', 'root',"
                " '2026-11-21 00:00:00+00')"
            )
        )
        assert connection.execute(text("SELECT count(*) FROM authors")).scalar() == 2
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO authors (site_id, author_id, status, updated_at) VALUES"
                " ('paper-b', 'troll', 'banned', '2026-11-21 00:00:00+00')"
            )
        )
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM authors WHERE site_id = 'paper-b'"))
        connection.execute(text("DELETE FROM article_settings WHERE site_id = 'paper-b'"))
    engine.dispose()
    downgrade(url, "0006")
    upgrade(url, "head")
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT author_id FROM authors")).scalars().all() == [
            "troll"
        ]
    engine.dispose()
