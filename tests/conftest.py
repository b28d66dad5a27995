"""Shared fixtures. Helpers that tests import live in tests/support/ (settings, database, live
processes, the shared folder); this file only defines fixtures.

Real parts: PostgreSQL and Redis when MODERATION_TEST_DATABASE_URL / MODERATION_TEST_REDIS_URL
are set (CI sets both), else a SQLite file and the embedded redis-server, so `make test` passes
on a bare machine too. The schema comes from the Alembic migrations, applied once per run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moderation.config import Settings
from tests.support.contract import watch_answers
from tests.support.database import empty_state, fresh_schema
from tests.support.live import running_service
from tests.support.settings import WIDGET_HOST_ORIGIN, make_settings

# Every JSON answer any test's app gives must match /openapi.json (tests/support/contract.py).
watch_answers()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database: the test PostgreSQL if configured, else a fresh SQLite file."""
    url = os.environ.get("MODERATION_TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    )
    fresh_schema(url)
    return url


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The test Redis if configured, else an embedded redis-server for this run."""
    url = os.environ.get("MODERATION_TEST_REDIS_URL")
    if url:
        yield url
        return
    from moderation.embedded_redis import EmbeddedRedis

    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A tiny detoxify checkpoint and its config folder, built offline for this run."""
    from tests.support.tiny_model import build_tiny_checkpoint

    return build_tiny_checkpoint(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture
def settings(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Settings:
    return make_settings(database_url, redis_url, tiny_model)


@pytest.fixture
def clean_state(database_url: str, redis_url: str) -> Iterator[None]:
    """Empty tables and an empty Redis before each test that uses them."""
    empty_state(database_url, redis_url)
    yield


@pytest.fixture
def app(settings: Settings, clean_state: None) -> Any:
    from moderation.app import create_app

    application = create_app(settings)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture(scope="module")
def live_service(
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Any]:
    """The API under gunicorn and a real scoring worker process, on the test database."""
    yield from running_service(
        database_url,
        redis_url,
        tiny_model,
        tmp_path_factory.mktemp("live-logs"),
        MODERATION_WEB_ALLOWED_ORIGINS=WIDGET_HOST_ORIGIN,
    )
