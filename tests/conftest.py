"""Shared fixtures.

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
from redis import Redis
from sqlalchemy import text

from moderation.config import PROJECT_ROOT, Settings, load_settings
from moderation.db.session import make_engine
from moderation.embedded_redis import EmbeddedRedis

SHARED_MODEL = PROJECT_ROOT.parent / "shared" / "models" / "minilm-toxicity"
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
MODERATOR_TOKEN = "alice:moderator-token-0123456789"
OTHER_MODERATOR_TOKEN = "bob:moderator-token-9876543210"
ADMIN_TOKEN = "root:admin-token-0123456789abcdef"
WIDGET_HOST_ORIGIN = "http://localhost:8999"
TABLES = (
    "score_feedback",
    "article_settings",
    "webhook_attempts",
    "webhook_deliveries",
    "webhook_endpoints",
    "reader_reports",
    "readers",
    "review_claims",
    "author_actions",
    "authors",
    "bulk_operations",
    "outbox_events",
    "audit_records",
    "comments",
)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + token.split(":", 1)[-1]}


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database: the test PostgreSQL if configured, else a fresh SQLite file."""
    from tests.support.database import fresh_schema

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
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A tiny detoxify checkpoint and its config folder, built offline for this run."""
    from tests.support.tiny_model import build_tiny_checkpoint

    return build_tiny_checkpoint(tmp_path_factory.mktemp("tiny-model"))


def make_settings(
    database_url: str, redis_url: str, model: tuple[Path, Path], **overrides: Any
) -> Settings:
    sections: dict[str, dict[str, Any]] = {
        "database": {"url": database_url},
        "redis": {"url": redis_url},
        "model": {"checkpoint": str(model[0]), "config_dir": str(model[1])},
        "auth": {
            "moderator_tokens": [MODERATOR_TOKEN, OTHER_MODERATOR_TOKEN],
            "admin_tokens": [ADMIN_TOKEN],
        },
        "worker": {"heartbeat_seconds": 1},
    }
    for section, values in overrides.items():
        sections.setdefault(section, {}).update(values)
    return load_settings(environ={}, overrides=sections)


@pytest.fixture
def settings(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Settings:
    return make_settings(database_url, redis_url, tiny_model)


@pytest.fixture
def clean_state(database_url: str, redis_url: str) -> Iterator[None]:
    """Empty tables and an empty Redis before each test that uses them."""
    _empty(database_url, redis_url)
    yield


def _empty(database_url: str, redis_url: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        else:
            for table in TABLES:
                connection.execute(text(f"DELETE FROM {table}"))
    engine.dispose()
    Redis.from_url(redis_url).flushdb()


@pytest.fixture
def app(settings: Settings, clean_state: None) -> Any:
    from moderation.app import create_app

    application = create_app(settings)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


def model_files(tiny_model: tuple[Path, Path]) -> tuple[Path, Path]:
    """The shared MiniLM checkpoint when ../shared/models has it, else the tiny test model."""
    if (SHARED_MODEL / "model.ckpt").is_file():
        return SHARED_MODEL / "model.ckpt", SHARED_MODEL / "config"
    return tiny_model


def service_env(
    database_url: str, redis_url: str, model: tuple[Path, Path], **extra: str
) -> dict[str, str]:
    """Environment for a real server or worker process on the test database and Redis."""
    return {
        "MODERATION_DATABASE_URL": database_url,
        "MODERATION_REDIS_URL": redis_url,
        "MODERATION_MODEL_CHECKPOINT": str(model[0]),
        "MODERATION_MODEL_CONFIG_DIR": str(model[1]),
        "MODERATION_MODERATOR_TOKENS": MODERATOR_TOKEN,
        "MODERATION_ADMIN_TOKENS": ADMIN_TOKEN,
        "MODERATION_WORKER_HEARTBEAT_SECONDS": "1",
        "MODERATION_MODEL_THREADS": "1",
        **extra,
    }


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
        # The page that tests/browser embeds the widget in, on another origin.
        MODERATION_WEB_ALLOWED_ORIGINS=WIDGET_HOST_ORIGIN,
    )


def running_service(
    database_url: str, redis_url: str, tiny_model: tuple[Path, Path], logs: Path, **extra: str
) -> Iterator[Any]:
    """Empty state, then gunicorn and one worker (the shared model when present) until closed."""
    from tests.support.live import LiveService

    _empty(database_url, redis_url)
    service = LiveService(
        service_env(database_url, redis_url, model_files(tiny_model), **extra), logs
    )
    try:
        yield service.start()
    finally:
        service.stop()
