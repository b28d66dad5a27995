"""Webhook deliveries are counted by result in the worker's metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

from moderation.config import Settings
from tests.support.receiver import Receiver, running
from tests.support.webhooks import deliver_until, post_comment, subscribe, webhook_settings


@pytest.fixture
def settings(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Settings:
    return webhook_settings(database_url, redis_url, tiny_model)


def delivered_count(result: str) -> float:
    value = REGISTRY.get_sample_value("moderation_webhook_deliveries_total", {"result": result})
    return value or 0.0


def test_deliveries_and_retries_are_counted(client: Any, settings: Settings) -> None:
    delivered, retried = delivered_count("delivered"), delivered_count("retry")
    with running(Receiver(script=[500])) as receiver:
        subscribe(client, receiver.url, event_types=["comment.created"])
        post_comment(client)
        deliver_until(settings, lambda: len(receiver.requests) >= 2)
    assert delivered_count("retry") - retried == 1
    assert delivered_count("delivered") - delivered == 1
