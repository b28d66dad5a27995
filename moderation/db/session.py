"""The engine and session factory for one database URL."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

# A pooled connection idle this long is pinged before use: long enough that a busy process never
# pays the round trip, short enough that one left over a database restart is noticed.
PING_AFTER_IDLE_SECONDS = 10.0
_IDLE_SINCE = "moderation_idle_since"


def make_engine(
    url: str, ping_after_idle: float = PING_AFTER_IDLE_SECONDS, **options: Any
) -> Engine:
    """An engine tuned for the backend: WAL and a busy timeout on SQLite; elsewhere a ping
    before reusing a connection that sat in the pool `ping_after_idle` seconds or more."""
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **options)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    engine = create_engine(url, **options)
    _ping_idle_connections(engine, ping_after_idle)
    return engine


def _ping_idle_connections(engine: Engine, ping_after_idle: float) -> None:
    """Instead of pool_pre_ping's round trip on every checkout, ping only connections that
    waited in the pool a while; a failed ping makes the pool retry with a fresh connection.

    The pessimistic disconnect handling from SQLAlchemy's pooling docs, limited to idle ones.
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _note_idle(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        # A new connection has no mark (invalidating a record clears its info) and needs no ping.
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < ping_after_idle:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(f"idle connection failed its ping: {error}") from error


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
