"""The webhook admin API: who may call it, what it refuses (with the field named), and that the
secret is shown once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from moderation.config import Settings
from tests.support.settings import ADMIN_TOKEN, MODERATOR_TOKEN, bearer, make_settings
from tests.support.webhooks import subscribe, webhook_settings


@pytest.fixture
def settings(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Settings:
    """Default safety: private addresses refused."""
    return make_settings(database_url, redis_url, tiny_model)


def create(client: Any, body: dict[str, Any]) -> Any:
    return client.post("/v1/webhooks", json=body, headers=bearer(ADMIN_TOKEN))


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://example.com/hook", "must use http or https"),
        ("file:///etc/passwd", "must use http or https"),
        ("javascript:alert(1)", "must use http or https"),
        ("http:///nohost", "has no host"),
        ("http://127.0.0.1:8080/hook", "non-public address"),
        ("http://localhost/hook", "non-public address"),
        ("http://[::1]/hook", "non-public address"),
        ("http://[::ffff:127.0.0.1]/hook", "non-public address"),
        ("http://10.1.2.3/hook", "non-public address"),
        ("http://192.168.0.10/hook", "non-public address"),
        ("http://169.254.169.254/latest/meta-data/", "non-public address"),
        ("http://100.100.100.200/", "non-public address"),
        ("http://0.0.0.0/", "non-public address"),
    ],
)
def test_unsafe_urls_are_refused_with_a_422_naming_the_field(
    client: Any, url: str, why: str
) -> None:
    answer = create(client, {"url": url})
    assert answer.status_code == 422, answer.json
    assert answer.json["message"].startswith("url: ")
    assert why in answer.json["message"]
    assert "url" in answer.json["errors"]["request"]


def test_the_refusal_says_how_to_allow_private_receivers(client: Any) -> None:
    message = create(client, {"url": "http://127.0.0.1/hook"}).json["message"]
    assert "MODERATION_WEBHOOKS_ALLOW_PRIVATE" in message


def test_private_addresses_are_accepted_when_allowed(
    database_url: str, redis_url: str, tiny_model: tuple[Path, Path], clean_state: None
) -> None:
    from moderation.app import create_app

    app = create_app(webhook_settings(database_url, redis_url, tiny_model))
    created = subscribe(app.test_client(), "http://127.0.0.1:9/hook")
    assert created["url"] == "http://127.0.0.1:9/hook"


def test_unknown_event_types_and_fields_are_refused_by_name(client: Any) -> None:
    answer = create(client, {"url": "https://example.com/h", "event_types": ["comment.eaten"]})
    assert answer.status_code == 422
    assert "event_types" in answer.json["message"]
    answer = create(client, {"url": "https://example.com/h", "colour": "blue"})
    assert answer.status_code == 422 and "colour" in answer.json["message"]


def test_only_admins_manage_webhooks(client: Any) -> None:
    assert client.get("/v1/webhooks").status_code == 401
    assert client.get("/v1/webhooks", headers=bearer(MODERATOR_TOKEN)).status_code == 403
    assert client.get("/v1/webhooks", headers=bearer(ADMIN_TOKEN)).status_code == 200


def test_the_secret_is_shown_once_and_endpoints_can_be_changed_and_removed(
    database_url: str, redis_url: str, tiny_model: tuple[Path, Path], clean_state: None
) -> None:
    from moderation.app import create_app

    client = create_app(webhook_settings(database_url, redis_url, tiny_model)).test_client()
    created = subscribe(client, "http://127.0.0.1:9/hook", description="analytics")
    assert created["secret"].startswith("whsec_")
    assert created["event_types"] == [
        "comment.created",
        "comment.approved",
        "comment.held",
        "comment.rejected",
        "comment.reported",
        "comment.decision_reversed",
        "comment.edited",
        "author.banned",
        "article.surge_started",
        "article.surge_ended",
        "author.erased",
    ]
    path = f"/v1/webhooks/{created['id']}"
    shown = client.get(path, headers=bearer(ADMIN_TOKEN)).json
    assert "secret" not in shown and created["secret"] not in str(shown)
    listed = client.get("/v1/webhooks", headers=bearer(ADMIN_TOKEN)).json["items"]
    assert [item["id"] for item in listed] == [created["id"]]
    assert created["secret"] not in str(listed)

    changed = client.patch(
        path,
        json={"event_types": ["author.banned"], "article_ids": ["a-9"]},
        headers=bearer(ADMIN_TOKEN),
    )
    assert changed.status_code == 200
    assert changed.json["event_types"] == ["author.banned"]
    assert changed.json["article_ids"] == ["a-9"]
    refused = client.patch(path, json={"url": "gopher://x"}, headers=bearer(ADMIN_TOKEN))
    assert refused.status_code == 422 and refused.json["message"].startswith("url: ")

    assert client.delete(path, headers=bearer(ADMIN_TOKEN)).status_code == 204
    assert client.get(path, headers=bearer(ADMIN_TOKEN)).status_code == 404
