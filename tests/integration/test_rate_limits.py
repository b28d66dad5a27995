"""Rate limits through the Flask app on the real database and Redis (web/limits.py): per site,
status polling, Perspective keys in Google's shape, Redis down, limits off. tests/e2e/
test_rate_limits.py floods a real gunicorn.

Every window here is an hour long, so counts follow from the configured limits alone.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest
from flask import g, request
from flask_limiter import RateLimitExceeded
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from moderation.app import create_app
from moderation.config import Settings
from moderation.embedded_redis import EmbeddedRedis
from moderation.errors import RateLimitedError
from moderation.web.limits import (
    _KEY_PREFIX,
    STORAGE_PREFIX,
    limits_of,
    storage_uri,
    writer_key,
)

KEY = "newsroom-key-0123456789abcdef"
SUGGEST = "/v1alpha1/comments:suggestscore"
SUGGESTION = {
    "comment": {"text": "A fair point."},
    "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.1}}},
}
FALLBACK_LOG = "flask-limiter"


def app_with(settings: Settings, **limits: Any) -> Any:
    """The app with these limits on (and every limit not named off), sites taken from an
    X-Test-Site header as the sites feature will set `g.site_id`."""
    off = {name: "" for name in settings.limits.__dataclass_fields__ if "_per_" in name}
    application = create_app(settings.replace(limits={**off, "enabled": True, **limits}))
    application.config["TESTING"] = True

    @application.before_request
    def _site() -> None:
        if "X-Test-Site" in request.headers:
            g.site_id = request.headers["X-Test-Site"]

    return application


def post(client: Any, author: str, address: str = "203.0.113.1", site: str | None = None) -> Any:
    return client.post(
        "/v1/articles/limits/comments",
        json={"author": {"id": author, "name": "Reader"}, "text": "A fair point."},
        headers={"X-Test-Site": site} if site else {},
        environ_base={"REMOTE_ADDR": address},
    )


def suggest(client: Any) -> Any:
    return client.post(f"{SUGGEST}?key={KEY}", json=SUGGESTION)


@pytest.mark.usefixtures("clean_state")
def test_each_site_has_its_own_allowance(settings: Settings) -> None:
    client = app_with(settings, comments_per_site="3/hour").test_client()
    codes = [post(client, f"a{n}", f"198.51.100.{n}", site="daily").status_code for n in range(3)]
    assert codes == [202, 202, 202]

    refused = post(client, "a9", "198.51.100.9", site="daily")

    assert refused.status_code == 429
    assert refused.json["limit"] == {"setting": "limits.comments_per_site", "rate": "3 per 1 hour"}
    assert post(client, "b1", "198.51.100.9", site="weekly").status_code == 202
    # The paths without a site count as the site "default".
    assert post(client, "c1", "198.51.100.9").status_code == 202
    limits = limits_of(client.application)
    assert limits is not None
    assert limits.windows("comments_per_site", "daily")["3 per 1 hour"].remaining == 0
    assert limits.windows("comments_per_site", "default")["3 per 1 hour"].remaining == 2


@pytest.mark.usefixtures("clean_state")
def test_requests_refused_for_their_address_do_not_use_up_the_site(settings: Settings) -> None:
    client = app_with(
        settings, comments_per_address="2/hour", comments_per_site="5/hour"
    ).test_client()
    flood = [post(client, f"f{n}", "203.0.113.66").status_code for n in range(30)]
    assert flood == [202, 202] + [429] * 28
    others = [post(client, f"o{n}", f"198.51.100.{n}").status_code for n in range(4)]
    assert others == [202, 202, 202, 429]  # the site's 5: two from the flood, three others


@pytest.mark.usefixtures("clean_state")
def test_status_polling_is_limited_per_address(settings: Settings) -> None:
    client = app_with(settings, status_per_address="4/hour").test_client()
    comment_id = post(client, "poller").json["id"]

    def poll(address: str) -> Any:
        return client.get(f"/v1/comments/{comment_id}", environ_base={"REMOTE_ADDR": address})

    assert [poll("203.0.113.5").status_code for _ in range(4)] == [200] * 4
    refused = poll("203.0.113.5")
    assert refused.status_code == 429
    assert refused.json["code"] == 429 and refused.json["status"] == "Too Many Requests"
    assert "limits.status_per_address" in refused.json["message"]
    assert poll("203.0.113.6").status_code == 200


@pytest.mark.usefixtures("clean_state")
def test_a_key_over_its_quota_gets_429_in_googles_shape(settings: Settings) -> None:
    app = app_with(
        settings.replace(perspective={"api_keys": [f"newsroom:{KEY}"]}),
        perspective_per_key="2/hour",
    )
    client = app.test_client()
    assert [suggest(client).status_code for _ in range(2)] == [200, 200]

    refused = suggest(client)

    assert refused.status_code == 429
    error = refused.json["error"]
    assert (error["code"], error["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert "limits.perspective_per_key" in error["message"]
    limits = limits_of(app)
    assert limits is not None
    window = limits.windows("perspective_per_key", "newsroom")["2 per 1 hour"]
    assert abs(int(refused.headers["Retry-After"]) - (window.reset_time - time.time())) <= 1


@pytest.mark.usefixtures("clean_state")
def test_a_keys_own_quota_wins_over_the_configured_one(settings: Settings) -> None:
    client = app_with(
        settings.replace(perspective={"api_keys": [f"newsroom:{KEY}:100"]}),
        perspective_per_key="1/hour",
    ).test_client()
    assert [suggest(client).status_code for _ in range(3)] == [200, 200, 200]


def test_without_redis_posting_goes_on_and_the_fallback_is_logged_once(
    settings: Settings, clean_state: None, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A Redis that refuses connections: each process counts in memory instead, says so once,
    and no comment is lost."""
    caplog.set_level(logging.WARNING)
    down = settings.replace(redis={"url": "redis://127.0.0.1:1/0"})
    client = app_with(down, comments_per_author="3/hour").test_client()

    answers = [post(client, "writer") for _ in range(5)]

    # Still limited, by this process alone, while Redis is away.
    assert [answer.status_code for answer in answers] == [202, 202, 202, 429, 429]
    assert answers[3].json["limit"]["setting"] == "limits.comments_per_author"
    # The window left, as the process's own (in-memory) count holds it.
    limits = limits_of(client.application)
    assert limits is not None
    window = limits.windows("comments_per_author", "writer")["3 per 1 hour"]
    assert abs(int(answers[3].headers["Retry-After"]) - (window.reset_time - time.time())) <= 1
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    ours = [record.getMessage() for record in warnings if record.name == "moderation.web.limits"]
    assert len(ours) == 1 and ours[0].startswith("rate limits: Redis unavailable")
    theirs = [record.getMessage() for record in warnings if record.name == FALLBACK_LOG]
    assert theirs == ["Rate limit storage unreachable - falling back to in-memory storage"]
    from sqlalchemy import func, select

    from moderation.comments.models import Comment
    from moderation.db.session import make_engine

    engine = make_engine(database_url)
    with engine.connect() as connection:
        stored = connection.scalar(select(func.count()).select_from(Comment))
    engine.dispose()
    assert stored == 3


def test_each_redis_outage_is_logged_once_and_counting_goes_back_to_redis(
    settings: Settings, clean_state: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A redis-server of this test's own, stopped and started twice under a running app."""
    caplog.set_level(logging.INFO, logger="moderation.web.limits")
    server = EmbeddedRedis(tmp_path / "redis")
    url = server.start()
    try:
        app = app_with(settings.replace(redis={"url": url}), comments_per_author="100/hour")
        client = app.test_client()
        limits = limits_of(app)
        assert limits is not None

        def lines() -> list[str]:
            return [r.getMessage() for r in caplog.records if r.name == "moderation.web.limits"]

        for outage in (1, 2):
            server.stop()
            assert [post(client, f"w{outage}-{n}").status_code for n in range(3)] == [202] * 3
            server.start()  # empty: it keeps nothing on disk
            # The one-trip count is tried again after its backoff (1 s after the first failure).
            deadline = time.monotonic() + 30
            while not lines()[-1].startswith("rate limits: Redis answers again"):
                assert time.monotonic() < deadline, lines()
                assert post(client, f"w{outage}-later").status_code == 202
                time.sleep(0.2)
            assert post(client, f"counted-{outage}").status_code == 202
            # Counted in Redis again: read there, not through flask-limiter, whose own storage
            # may still be its in-memory fallback until its health check runs.
            storage = storage_from_string(storage_uri(url), key_prefix=STORAGE_PREFIX)
            in_redis = FixedWindowRateLimiter(storage)
            window = in_redis.get_window_stats(
                parse("100/hour"),
                _KEY_PREFIX,
                writer_key("comments", f"counted-{outage}"),
                "comments_per_author",
            )
            assert window.remaining == 99
        assert [line.split(";")[0].split(" (")[0] for line in lines()] == [
            "rate limits: Redis unavailable",
            "rate limits: Redis answers again",
        ] * 2
    finally:
        server.stop()


@pytest.mark.usefixtures("clean_state")
def test_flask_limiters_own_check_counts_the_same_windows_as_the_one_trip_count(
    settings: Settings,
) -> None:
    """While Redis answers, `hit` counts in one round trip; when it fails, flask-limiter checks
    the same declared limits itself. Both count in the same windows."""
    app = app_with(settings, comments_per_author="3/hour")
    limits = limits_of(app)
    assert limits is not None
    (stage,) = limits.stages["comments"]
    with app.test_request_context("/v1/articles/limits/comments", method="POST"):
        limits.hit("comments", "writer", None, "default")  # one round trip: 1 of 3
        stage.check()  # flask-limiter's own evaluation of the declared limit: 2 of 3
        assert limits.windows("comments_per_author", "writer")["3 per 1 hour"].remaining == 1
        limits.hit("comments", "writer", None, "default")
        with pytest.raises(RateLimitExceeded):  # the fourth, refused by flask-limiter
            stage.check()
        with pytest.raises(RateLimitedError) as refused:
            limits.hit("comments", "writer", None, "default")
    window = limits.windows("comments_per_author", "writer")["3 per 1 hour"]
    assert abs(refused.value.retry_after - (window.reset_time - time.time())) <= 1


@pytest.mark.usefixtures("clean_state")
def test_limits_off_means_no_limit_and_no_limiter(settings: Settings) -> None:
    app = create_app(settings.replace(limits={"enabled": False, "comments_per_author": "1/hour"}))
    client = app.test_client()
    assert limits_of(app) is None
    assert [post(client, "prolific").status_code for _ in range(5)] == [202] * 5
