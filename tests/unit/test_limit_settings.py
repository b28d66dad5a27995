"""[limits] settings: defaults, MODERATION_LIMITS_* overrides, bad rates and the settings that
moved here stop start-up naming the setting."""

from __future__ import annotations

import pytest
from limits import parse_many

from moderation.config import LIMIT_KINDS, SettingsError, load_settings
from moderation.web.limits import KINDS, storage_uri, writer_key


def test_defaults_are_on_and_each_rate_parses() -> None:
    limits = load_settings(environ={}).limits
    assert limits.enabled
    for kind in KINDS.values():
        for per in ("address", kind.writer, "site"):
            if per is not None:
                assert parse_many(limits.rate(kind.name, per)), f"{kind.name}_per_{per}"
    assert set(KINDS) == set(LIMIT_KINDS)


def test_a_person_gets_less_than_an_address_that_many_share() -> None:
    limits = load_settings(environ={}).limits
    per_minute = {
        per: next(item.amount for item in parse_many(limits.rate("comments", per)))
        for per in ("address", "author", "site")
    }
    assert per_minute["author"] < per_minute["address"] < per_minute["site"]


def test_environment_overrides_each_rate_and_can_turn_one_or_all_off() -> None:
    limits = load_settings(
        environ={
            "MODERATION_LIMITS_COMMENTS_PER_AUTHOR": "3 per minute;20/hour",
            "MODERATION_LIMITS_STATUS_PER_SITE": "",
            "MODERATION_LIMITS_ENABLED": "false",
        }
    ).limits
    assert limits.comments_per_author == "3 per minute;20/hour"
    assert limits.rate("status", "site") == ""
    assert not limits.enabled


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"MODERATION_LIMITS_COMMENTS_PER_AUTHOR": "five a minute"}, "MODERATION_LIMITS_COMMENTS"),
        ({"MODERATION_LIMITS_REPORTS_PER_SITE": "5/fortnight"}, "MODERATION_LIMITS_REPORTS"),
        ({"MODERATION_LIMITS_ENABLED": "sometimes"}, "MODERATION_LIMITS_ENABLED"),
    ],
)
def test_bad_limits_stop_start_up_naming_the_setting(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(environ=environ)


@pytest.mark.parametrize(
    ("environ", "overrides", "replacement"),
    [
        (
            {"MODERATION_REVIEW_REPORTS_PER_MINUTE": "20"},
            {},
            "MODERATION_LIMITS_REPORTS_PER_ADDRESS=20/minute",
        ),
        (
            {},
            {"perspective": {"requests_per_second": 25}},
            "MODERATION_LIMITS_PERSPECTIVE_PER_KEY=25/second",
        ),
    ],
)
def test_settings_that_moved_to_limits_stop_start_up_with_their_new_name(
    environ: dict[str, str], overrides: dict[str, dict[str, int]], replacement: str
) -> None:
    with pytest.raises(SettingsError, match=replacement):
        load_settings(environ=environ, overrides=overrides)


def test_writer_ids_become_digests_per_kind() -> None:
    assert writer_key("comments", "alice@example.org") == writer_key(
        "comments", "alice@example.org"
    )
    assert writer_key("comments", "alice") != writer_key("reports", "alice")
    assert "alice" not in writer_key("comments", "alice")


def test_the_storage_is_the_services_redis_unix_sockets_included() -> None:
    assert storage_uri("redis://redis:6379/0") == "redis://redis:6379/0"
    assert storage_uri("unix:///tmp/redis.sock?db=2") == "redis+unix:///tmp/redis.sock?db=2"
