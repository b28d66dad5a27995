"""Signing, the retry schedule and address checks, with no database, app or network."""

from __future__ import annotations

import datetime as dt
import random
import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from moderation.config import SettingsError, load_settings
from moderation.webhooks.retry import AGE_SLACK_SECONDS, RetrySchedule
from moderation.webhooks.safety import UnsafeURLError, check_url_shape, is_public
from moderation.webhooks.signing import generate_secret, signed_headers


def test_signatures_verify_with_the_standardwebhooks_library() -> None:
    secret = generate_secret()
    body = b'{"id":"evt_1","type":"comment.approved"}'
    headers = signed_headers([secret], "evt_1", int(time.time()), body)
    assert Webhook(secret).verify(body, headers) == {"id": "evt_1", "type": "comment.approved"}
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"approved", b"rejected"), headers)


def test_two_secrets_give_two_signatures_each_verifiable() -> None:
    old, new = generate_secret(), generate_secret()
    headers = signed_headers([new, old], "evt_2", int(time.time()), b"{}")
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(b"{}", headers)
    Webhook(new).verify(b"{}", headers)


def test_an_old_timestamp_is_refused_by_receivers() -> None:
    secret = generate_secret()
    stale = int((dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).timestamp())
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b"{}", signed_headers([secret], "evt_3", stale, b"{}"))


def test_the_default_schedule_retries_for_about_a_day() -> None:
    settings = load_settings(environ={})
    schedule = RetrySchedule.of(settings.webhooks.retry_intervals)
    assert schedule.max_attempts == 8
    assert 18 * 3600 < schedule.span_seconds < 26 * 3600
    delays = [schedule.next_delay(n, 0) for n in range(1, 8)]
    assert delays == [10, 60, 300, 1800, 7200, 21600, 43200]
    assert schedule.next_delay(8, 0) is None


def test_jitter_stays_within_its_fraction() -> None:
    schedule = RetrySchedule.of([100.0], jitter=0.2)
    rng = random.Random(7)
    delays = [schedule.next_delay(1, 0, rng) for _ in range(200)]
    assert all(d is not None and 80 <= d <= 120 for d in delays)
    assert len(set(delays)) > 100


def test_a_delivery_older_than_the_schedule_gets_no_more_retries() -> None:
    schedule = RetrySchedule.of([10.0, 10.0])
    assert schedule.next_delay(1, 5) == 10
    assert schedule.next_delay(1, 20 + AGE_SLACK_SECONDS) is None


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00:ec2::254", False),
        ("::ffff:10.0.0.1", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public(address) is public


def test_url_shape() -> None:
    assert check_url_shape("https://example.com/hook") == ("example.com", 443)
    assert check_url_shape("http://example.com:8080/") == ("example.com", 8080)
    for bad in ("ftp://example.com", "example.com/hook", "http://", "https://x/#frag"):
        with pytest.raises(UnsafeURLError):
            check_url_shape(bad)


def test_bad_webhook_settings_name_the_setting() -> None:
    with pytest.raises(SettingsError, match=r"webhooks\.retry_schedule"):
        load_settings(environ={"MODERATION_WEBHOOKS_RETRY_SCHEDULE": "10s,soon"})
    with pytest.raises(SettingsError, match="MODERATION_WEBHOOKS_ALLOW_PRIVATE"):
        load_settings(environ={"MODERATION_WEBHOOKS_ALLOW_PRIVATE": "maybe"})
    hooks = load_settings(environ={"MODERATION_WEBHOOKS_RETRY_SCHEDULE": "250ms,2m,1h"}).webhooks
    assert hooks.retry_intervals == (0.25, 120.0, 3600.0)
