"""Migration 0012 on a database at the previous head with sites in it: each site's settings
become its live policy version 1 (the workers' model), audited; it goes down and up again."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from moderation.db.migrate import downgrade, upgrade
from moderation.db.session import make_engine

# The default site's row exists since migration 0007, with no settings of its own.
SITES = (("paper-b", {"thresholds": {"toxicity": {"hold": 0.6}}, "premoderate": False}),)


@pytest.fixture
def empty_database(tmp_path: Path, database_url: str) -> Iterator[str]:
    """An empty database of the kind the tests run on (PostgreSQL in CI, else SQLite): the
    migrations run from the start, so one kind keeps the test short."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'policies.db'}"
        return
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


def test_each_sites_settings_become_its_live_version_one(empty_database: str) -> None:
    url = empty_database
    upgrade(url, "0011")
    engine = make_engine(url)
    with engine.begin() as connection:
        for site_id, settings in SITES:
            connection.execute(
                text(
                    "INSERT INTO sites (id, name, origins, anonymous, settings, words, commenters,"
                    " created_at, updated_at, updated_by) VALUES (:id, :id, '[]', 'allow',"
                    " :settings, '{}', '{}', '2026-12-01 00:00:00+00', '2026-12-01 00:00:00+00',"
                    " 'root')"
                ),
                {"id": site_id, "settings": json.dumps(settings)},
            )
    upgrade(url, "0012")
    with engine.connect() as connection:
        pointers = connection.execute(
            text("SELECT id, policy_version, shadow_version FROM sites ORDER BY id")
        ).all()
        assert [tuple(row) for row in pointers] == [("default", 1, None), ("paper-b", 1, None)]
        rows = connection.execute(
            text("SELECT site_id, version, kind, document, created_by FROM site_policies")
        ).all()
        documents = {
            row.site_id: json.loads(row.document) if isinstance(row.document, str) else row.document
            for row in rows
        }
        assert {(row.version, row.kind, row.created_by) for row in rows} == {
            (1, "initial", "migration 0012")
        }
        assert documents == {
            "default": {"model": None},
            "paper-b": {"thresholds": {"toxicity": {"hold": 0.6}}, "model": None},
        }
        events = connection.execute(
            text("SELECT site_id, action, version FROM site_policy_events ORDER BY site_id")
        ).all()
        assert [tuple(row) for row in events] == [
            ("default", "promoted", 1),
            ("paper-b", "promoted", 1),
        ]
    engine.dispose()
    downgrade(url, "0011")
    upgrade(url, "head")
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM site_policies")).scalar() == 2
    engine.dispose()
