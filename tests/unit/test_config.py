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
        ({"MODERATION_SERVER_BODY_TIMEOUT_SECONDS": "-1"}, "server.body_timeout_seconds"),
        ({"MODERATION_SERVER_PROXY_HOPS": "-1"}, "server.proxy_hops"),
        ({"MODERATION_WEBHOOKS_SECRET_KEYS": "too-short"}, "webhooks.secret_keys"),
        # `openssl rand -hex 32`: 64 characters, not a Fernet key.
        ({"MODERATION_WEBHOOKS_SECRET_KEYS": "ab" * 32}, "webhooks.secret_keys"),
        ({"MODERATION_WORKER_SHUTDOWN_GRACE_SECONDS": "1"}, "worker.shutdown_grace_seconds"),
        # An anonymous report weighs at most a tenth of a verified reader's first weight.
        ({"MODERATION_REVIEW_ANONYMOUS_REPORT_WEIGHT": "0.2"}, "review.anonymous_report_weight"),
        ({"MODERATION_REVIEW_ANONYMOUS_REPORT_WEIGHT": "-0.1"}, "review.anonymous_report_weight"),
        ({"MODERATION_REVIEW_HIDE_MIN_VERIFIED_READERS": "0"}, "review.hide_min_verified_readers"),
        ({"MODERATION_COMMENTS_EDIT_WINDOW_SECONDS": "-1"}, "comments.edit_window_seconds"),
        ({"MODERATION_COMMENTS_EDIT_WINDOW_SECONDS": "604801"}, "comments.edit_window_seconds"),
    ],
)
def test_bad_settings_stop_start_up_naming_the_setting(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named.replace(".", r"\.")):
        load_settings(environ=environ)


def test_webhook_secret_keys_are_a_comma_separated_list_newest_first() -> None:
    keys = [
        "1xUnF1q01K3gUvpNSY1rhoHX9wLPjBQfTEInZ7HuOm0=",
        "syqZlYcsKMrV_QFwulyjN6dkrwHUhqyjcG7bb-UKcac=",
    ]
    settings = load_settings(environ={"MODERATION_WEBHOOKS_SECRET_KEYS": ",".join(keys)})
    assert settings.webhooks.secret_keys == keys
    assert load_settings(environ={}).webhooks.secret_keys == []


def test_environment_names() -> None:
    assert env_name("model.name") == "MODERATION_MODEL"
    assert env_name("redis.url") == "MODERATION_REDIS_URL"
    assert env_name("worker.claim_seconds") == "MODERATION_WORKER_CLAIM_SECONDS"
