"""Pooled PostgreSQL connections: pinged only after sitting idle, replaced when found dead."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, text

from moderation.db.session import make_engine, make_session_factory


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("the idle ping is for PostgreSQL; SQLite has no server to lose")
    return database_url


def backend_pid(engine: Engine) -> int:
    with make_session_factory(engine)() as session:
        return int(session.scalar(text("SELECT pg_backend_pid()")))


def counting_pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    pings: list[Any] = []
    real_ping = engine.dialect.do_ping

    def ping(dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", ping)
    return pings


def test_a_connection_back_from_recent_use_is_not_pinged(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(postgres_url, pool_size=1)
    pings = counting_pings(engine, monkeypatch)
    pids = {backend_pid(engine) for _ in range(5)}
    engine.dispose()
    assert len(pids) == 1 and pings == []


def test_an_idle_connection_is_pinged_before_reuse(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(postgres_url, ping_after_idle=0, pool_size=1)
    pings = counting_pings(engine, monkeypatch)
    pids = {backend_pid(engine) for _ in range(3)}
    engine.dispose()
    assert len(pids) == 1
    assert len(pings) == 2  # a brand-new connection needs no ping; each reuse gets one


def test_an_idle_connection_killed_by_the_server_is_replaced(postgres_url: str) -> None:
    engine = make_engine(postgres_url, ping_after_idle=0, pool_size=1)
    stale = backend_pid(engine)
    killer = make_engine(postgres_url)
    with killer.begin() as connection:
        killed = connection.scalar(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": stale})
    killer.dispose()
    assert killed is True

    fresh = backend_pid(engine)  # would raise OperationalError without the ping
    engine.dispose()
    assert fresh != stale
