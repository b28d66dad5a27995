"""A database with exactly the migrated schema, for tests and benchmarks."""

from __future__ import annotations

from sqlalchemy import text

from moderation.db.migrate import upgrade
from moderation.db.session import make_engine


def fresh_schema(url: str) -> None:
    """Drop everything in a PostgreSQL database's public schema, then apply every migration.

    SQLite callers pass a new file, which starts empty.
    """
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
