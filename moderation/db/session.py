"""The engine and session factory for one database URL.

Every engine keeps personal data out of error messages: SQL parameters are hidden
(`hide_parameters`) and a database error keeps only its primary message (see
`_keep_primary_message`), because those messages end up in log lines and job failures.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc, make_url
from sqlalchemy.engine import ExceptionContext
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
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True, **options)
        event.listen(engine, "handle_error", _keep_primary_message)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    engine = create_engine(url, hide_parameters=True, **options)
    event.listen(engine, "handle_error", _keep_primary_message)
    _ping_idle_connections(engine, ping_after_idle)
    return engine


def _keep_primary_message(context: ExceptionContext) -> None:
    """Cut a PostgreSQL error's message down to its primary text.

    The server adds a DETAIL to many errors that quotes the data: "Failing row contains (...)"
    on a NOT NULL or CHECK violation lists every column of the row (a comment's text, its
    author), and a unique violation names the key's values. psycopg puts the whole message in
    the exception, and from there it reaches every log line and traceback that shows the error.
    libpq's terse error verbosity would drop it, but psycopg 3 does not expose it, so the
    message is replaced here, before SQLAlchemy raises. `error.diag` still holds every field
    for code that needs the detail.
    """
    original = context.original_exception
    diagnostic = getattr(original, "diag", None)
    primary = getattr(diagnostic, "message_primary", None)
    if not primary:
        return
    original.args = (primary,)
    wrapped = context.sqlalchemy_exception
    if wrapped is not None and wrapped.args:
        # SQLAlchemy wrote the driver's message into its own before this hook ran.
        kind = type(original)
        wrapped.args = (f"({kind.__module__}.{kind.__qualname__}) {primary}", *wrapped.args[1:])


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
