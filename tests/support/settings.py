"""Settings, tokens and process environments for tests: one place, imported by tests and
fixtures alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from moderation.config import Settings, load_settings
from tests.support.shared import SHARED_MODEL

MODERATOR_TOKEN = "alice:moderator-token-0123456789"
OTHER_MODERATOR_TOKEN = "bob:moderator-token-9876543210"
ADMIN_TOKEN = "root:admin-token-0123456789abcdef"
# Encrypts webhook signing secrets at rest (webhooks.secret_keys); a second one for rotations.
WEBHOOK_KEY = "1xUnF1q01K3gUvpNSY1rhoHX9wLPjBQfTEInZ7HuOm0="
NEW_WEBHOOK_KEY = "syqZlYcsKMrV_QFwulyjN6dkrwHUhqyjcG7bb-UKcac="
# The page that tests/browser embeds the widget in, on another origin.
WIDGET_HOST_ORIGIN = "http://localhost:8999"


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for a `name:secret` token."""
    return {"Authorization": "Bearer " + token.split(":", 1)[-1]}


def make_settings(
    database_url: str, redis_url: str, model: tuple[Path, Path], /, **overrides: Any
) -> Settings:
    """Settings for the test database, Redis and model, with per-section overrides (the
    `model` section too: `make_settings(db, redis, tiny_model, model={"languages": ...})`)."""
    sections: dict[str, dict[str, Any]] = {
        "database": {"url": database_url},
        "redis": {"url": redis_url},
        "model": {"checkpoint": str(model[0]), "config_dir": str(model[1])},
        "auth": {
            "moderator_tokens": [MODERATOR_TOKEN, OTHER_MODERATOR_TOKEN],
            "admin_tokens": [ADMIN_TOKEN],
        },
        "worker": {"heartbeat_seconds": 1},
        "webhooks": {"secret_keys": [WEBHOOK_KEY]},
        # Tests post and poll in bulk from one address; the tests of the limits turn them on.
        "limits": {"enabled": False},
        # Spot checks are random; the tests of policies turn them on (share 1.0).
        "policies": {"spot_check_share": 0.0},
    }
    for section, values in overrides.items():
        sections.setdefault(section, {}).update(values)
    return load_settings(environ={}, overrides=sections)


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
        "MODERATION_WEBHOOKS_SECRET_KEYS": WEBHOOK_KEY,
        # Tests post and poll in bulk from one address; the tests of the limits turn them on.
        "MODERATION_LIMITS_ENABLED": "false",
        **extra,
    }
