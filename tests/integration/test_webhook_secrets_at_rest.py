"""Webhook signing secrets at rest: the database holds Fernet tokens, never a secret; keys
rotate with `moderation webhooks reencrypt`; migration 0006 encrypts secrets stored in clear;
nothing that handles secrets starts without a key. Deliveries are checked with the
`standardwebhooks` library."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import text
from standardwebhooks.webhooks import Webhook

from moderation.config import Settings, SettingsError
from moderation.db.migrate import alembic_config, downgrade, upgrade
from moderation.db.session import make_engine
from tests.support.live import cli_env, run_cli
from tests.support.receiver import Receiver, running
from tests.support.settings import ADMIN_TOKEN, NEW_WEBHOOK_KEY, WEBHOOK_KEY, bearer
from tests.support.webhooks import deliver_until, post_comment, subscribe, webhook_settings


@pytest.fixture
def settings(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Settings:
    return webhook_settings(database_url, redis_url, tiny_model)


def stored(settings: Settings, endpoint_id: int) -> Any:
    """The endpoint's row as the database holds it."""
    engine = make_engine(settings.database.url)
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT secret, previous_secret, updated_at FROM webhook_endpoints WHERE id = :id"
            ),
            {"id": endpoint_id},
        ).one()
    engine.dispose()
    return row


def opens(key: str, token: str) -> str:
    return Fernet(key.encode()).decrypt(token.encode()).decode()


def cli(settings: Settings, *args: str, keys: list[str]) -> subprocess.CompletedProcess[str]:
    """`moderation ARGS` as its own process, configured by its environment as in production."""
    return run_cli(cli_env(settings, MODERATION_WEBHOOKS_SECRET_KEYS=",".join(keys)), *args)


def test_the_stored_column_never_holds_the_secret(client: Any, settings: Settings) -> None:
    endpoint = subscribe(client, "http://127.0.0.1:9/hook")
    secret = endpoint["secret"]
    assert secret.startswith("whsec_")
    row = stored(settings, endpoint["id"])
    assert secret not in row.secret and secret.removeprefix("whsec_") not in row.secret
    assert row.secret.startswith("gAAAAA") and opens(WEBHOOK_KEY, row.secret) == secret
    with pytest.raises(InvalidToken):
        opens(NEW_WEBHOOK_KEY, row.secret)

    rotated = client.post(
        f"/v1/webhooks/{endpoint['id']}/rotate-secret",
        json={"grace_seconds": 3600},
        headers=bearer(ADMIN_TOKEN),
    )
    assert rotated.status_code == 200
    row = stored(settings, endpoint["id"])
    for clear in (secret, rotated.json["secret"]):
        assert clear not in row.secret and clear not in row.previous_secret
    assert opens(WEBHOOK_KEY, row.secret) == rotated.json["secret"]
    assert opens(WEBHOOK_KEY, row.previous_secret) == secret
    listed = client.get(f"/v1/webhooks/{endpoint['id']}", headers=bearer(ADMIN_TOKEN)).json
    assert "secret" not in listed and row.secret not in str(listed)


def test_rotating_the_key_reencrypts_every_secret_and_deliveries_still_verify(
    client: Any, settings: Settings
) -> None:
    with running(Receiver()) as receiver:
        endpoint = subscribe(client, receiver.url, event_types=["comment.created"])
        rotated = client.post(
            f"/v1/webhooks/{endpoint['id']}/rotate-secret",
            json={"grace_seconds": 3600},
            headers=bearer(ADMIN_TOKEN),
        ).json
        other = subscribe(client, "http://127.0.0.1:9/other")
        before = stored(settings, endpoint["id"])

        # The new key goes first, the old one stays until every secret is moved.
        done = cli(settings, "webhooks", "reencrypt", keys=[NEW_WEBHOOK_KEY, WEBHOOK_KEY])
        assert done.returncode == 0, done.stdout + done.stderr
        assert '{"reencrypted": 3}' in done.stdout  # two secrets of the first, one of the other

        after = stored(settings, endpoint["id"])
        assert opens(NEW_WEBHOOK_KEY, after.secret) == rotated["secret"]
        assert opens(NEW_WEBHOOK_KEY, after.previous_secret) == endpoint["secret"]
        assert opens(NEW_WEBHOOK_KEY, stored(settings, other["id"]).secret) == other["secret"]
        with pytest.raises(InvalidToken):
            opens(WEBHOOK_KEY, after.secret)
        assert after.updated_at == before.updated_at

        # The old key is gone: a delivery is signed with both secrets, opened with the new key.
        newest_only = settings.replace(webhooks={"secret_keys": [NEW_WEBHOOK_KEY]})
        post_comment(client)
        deliver_until(newest_only, lambda: len(receiver.requests) >= 1)
    [request] = receiver.requests
    assert Webhook(rotated["secret"]).verify(request.body, request.headers)["type"] == (
        "comment.created"
    )
    Webhook(endpoint["secret"]).verify(request.body, request.headers)


def test_a_secret_no_key_opens_stops_reencrypt_naming_the_endpoint(
    client: Any, settings: Settings
) -> None:
    endpoint = subscribe(client, "http://127.0.0.1:9/hook")
    before = stored(settings, endpoint["id"])

    refused = cli(settings, "webhooks", "reencrypt", keys=[NEW_WEBHOOK_KEY])

    assert refused.returncode == 1
    assert f"webhook endpoint {endpoint['id']}" in refused.stderr
    assert "Add back the key it was sealed with" in refused.stderr
    assert stored(settings, endpoint["id"]).secret == before.secret


def test_a_new_key_prints_and_is_accepted_by_the_settings(settings: Settings) -> None:
    made = cli(settings, "webhooks", "generate-key", keys=[])
    assert made.returncode == 0
    key = made.stdout.strip()
    assert settings.replace(webhooks={"secret_keys": [key]}).webhooks.secret_keys == [key]
    Fernet(key.encode())  # a valid Fernet key


def test_without_a_key_the_api_and_webhook_delivery_refuse_to_start(settings: Settings) -> None:
    from moderation.app import create_app
    from moderation.webhooks.jobs import WebhookRuntime

    keyless = settings.replace(webhooks={"secret_keys": []})
    with pytest.raises(SettingsError, match="MODERATION_WEBHOOKS_SECRET_KEYS"):
        create_app(keyless)
    with pytest.raises(SettingsError, match="moderation webhooks generate-key"):
        WebhookRuntime.build(keyless)
    for command in (["serve"], ["webhook-worker", "--burst"], ["worker", "--burst"]):
        refused = cli(settings, *command, keys=[])
        assert refused.returncode == 1, (command, refused.stderr)
        assert "webhooks.secret_keys (MODERATION_WEBHOOKS_SECRET_KEYS) is empty" in (refused.stderr)


def _endpoint_in_clear(url: str, secret: str, previous: str | None) -> None:
    engine = make_engine(url)
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO webhook_endpoints (url, description, event_types, enabled, secret,"
                " previous_secret, dead_letter_streak, created_at, updated_at) VALUES"
                " ('http://receiver.example/hook', '', '[]', true, :secret, :previous, 0,"
                " :now, :now)"
            ),
            {"secret": secret, "previous": previous, "now": now},
        )
    engine.dispose()


def _secrets(url: str) -> tuple[str, str | None]:
    engine = make_engine(url)
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT secret, previous_secret FROM webhook_endpoints")
        ).one()
    engine.dispose()
    return row.secret, row.previous_secret


def test_migration_0006_encrypts_secrets_stored_in_clear_and_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrate.db'}"
    upgrade(url, "0005")
    secret, previous = "whsec_" + "A" * 43 + "=", "whsec_" + "B" * 43 + "="
    _endpoint_in_clear(url, secret, previous)

    upgrade(url, "0006", webhook_secret_keys=[WEBHOOK_KEY])

    sealed, sealed_previous = _secrets(url)
    assert sealed_previous is not None
    assert opens(WEBHOOK_KEY, sealed) == secret and opens(WEBHOOK_KEY, sealed_previous) == previous
    downgrade(url, "0005", webhook_secret_keys=[WEBHOOK_KEY])
    assert _secrets(url) == (secret, previous)


def test_migration_0006_without_a_key_refuses_secrets_in_clear_and_changes_nothing(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'migrate.db'}"
    upgrade(url, "0005")
    secret = "whsec_" + "C" * 43 + "="
    _endpoint_in_clear(url, secret, None)

    refused = r"signing secrets in clear \(endpoints: 1\).*MODERATION_WEBHOOKS_SECRET_KEYS"
    with pytest.raises(RuntimeError, match=refused):
        upgrade(url, "0006")

    assert _secrets(url) == (secret, None)
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            "0005"
        )
    engine.dispose()


def test_migration_0006_needs_no_key_where_nothing_is_stored(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrate.db'}"
    upgrade(url)  # what a new installation and the tests do
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            head
        )
    engine.dispose()
    assert head is not None and head >= "0006"
