"""A database with exactly the migrated schema, and empty state between tests; for tests and
benchmarks."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from redis import Redis
from sqlalchemy import text

from moderation.db.migrate import upgrade
from moderation.db.session import make_engine
from moderation.tables import metadata


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


def empty_state(database_url: str, redis_url: str) -> None:
    """Empty every table the migrations made (from the models' metadata) and the test Redis."""
    tables = [table.name for table in reversed(metadata().sorted_tables)]
    engine = make_engine(database_url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
    engine.dispose()
    Redis.from_url(redis_url).flushdb()


@contextlib.contextmanager
def refusing_rows(url: str, table: str, condition: str) -> Iterator[str]:
    """A CHECK constraint on `table` for the duration of the block, so PostgreSQL refuses the
    rows that fail `condition` (with its "Failing row contains (...)" detail); yields its name."""
    name = f"test_refuses_{table}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition}) NOT VALID")
        )
    try:
        yield name
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {name}"))
        engine.dispose()
