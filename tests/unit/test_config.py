"""Settings: defaults from config/default.toml, environment overrides, errors that name them."""

from __future__ import annotations

import pytest

from moderation.config import SettingsError, env_name, load_settings


def test_defaults_load_and_document_every_threshold() -> None:
    settings = load_settings(environ={})
    assert settings.model.name == "unbiased"
    assert settings.model.thresholds["toxicity"].hold < settings.model.thresholds["toxicity"].reject
    assert settings.worker.batch_size >= 1


def test_environment_overrides_with_short_and_generic_names() -> None:
    settings = load_settings(
        environ={
            "MODERATION_DATABASE_URL": "postgresql+psycopg://db/moderation",
            "MODERATION_MODERATOR_TOKENS": "alice:aaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbb",
            "MODERATION_WORKER_BATCH_SIZE": "32",
            "MODERATION_MODEL_THRESHOLDS_TOXICITY_HOLD": "0.4",
        }
    )
    assert settings.database.url == "postgresql+psycopg://db/moderation"
    assert settings.auth.moderator_tokens == ["alice:aaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb"]
    assert settings.worker.batch_size == 32
    assert settings.model.thresholds["toxicity"].hold == 0.4


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"MODERATION_WORKER_BATCH_SIZE": "many"}, "MODERATION_WORKER_BATCH_SIZE"),
        ({"MODERATION_WORKER_BATCH_SIZE": "0"}, "worker.batch_size"),
        ({"MODERATION_MODEL": "gigantic"}, "model.name"),
        ({"MODERATION_MODEL_CHECKPOINT": "/x.ckpt"}, "model.config_dir"),
        ({"MODERATION_MODEL_DEVICE": "tpu"}, "model.device"),
        ({"MODERATION_DATABASE_URL": ""}, "database.url"),
        ({"MODERATION_ADMIN_TOKENS": "short"}, "auth.admin_tokens"),
        ({"MODERATION_MODEL_THRESHOLDS_TOXICITY_HOLD": "0.99"}, "model.thresholds.toxicity"),
        ({"MODERATION_RULES_LINKS": "sometimes"}, "rules.links"),
        ({"MODERATION_WORKER_SHUTDOWN_GRACE_SECONDS": "1"}, "worker.shutdown_grace_seconds"),
    ],
)
def test_bad_settings_stop_start_up_naming_the_setting(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named.replace(".", r"\.")):
        load_settings(environ=environ)


def test_environment_names() -> None:
    assert env_name("model.name") == "MODERATION_MODEL"
    assert env_name("redis.url") == "MODERATION_REDIS_URL"
    assert env_name("worker.claim_seconds") == "MODERATION_WORKER_CLAIM_SECONDS"
