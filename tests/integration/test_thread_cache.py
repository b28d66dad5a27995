"""The published thread at newsroom scale: pages kept rendered in Redis and versioned per article,
HTTP caching (strong ETag, 304, Cache-Control, Vary, surrogate keys), and never a removed comment
served, even when a page is rendered across the change (comments/thread_cache.py)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from moderation.app import create_app
from moderation.comments.models import Comment
from moderation.comments.service import CommentService
from moderation.comments.thread_cache import ThreadCache, surrogate_keys
from moderation.config import Settings
from moderation.review.service import Decision, ReviewService
from moderation.web.context import service_of
from tests.support.reads import long_cached_app
from tests.support.reports import report_service, verified_report
from tests.support.settings import (
    ADMIN_TOKEN,
    MODERATOR_TOKEN,
    WIDGET_HOST_ORIGIN,
    bearer,
    make_settings,
)

THREAD = "/v1/articles/a-1/comments"
MODERATOR = bearer(MODERATOR_TOKEN)


def post(client: Any, text: str, article: str = "a-1", site: str | None = None) -> int:
    path = (
        f"/v1/sites/{site}/articles/{article}/comments"
        if site
        else f"/v1/articles/{article}/comments"
    )
    answer = client.post(path, json={"author": {"id": "r1", "name": "Reader"}, "text": text})
    assert answer.status_code == 202, answer.json
    return int(answer.json["id"])


def decide(app: Any, comment_id: int, action: str) -> None:
    review = service_of(app, ReviewService)
    version = review.detail(comment_id).comment.version
    review.decide(Decision(comment_id, action, version, "test-moderator", reason_code="spam"))


def texts(answer: Any) -> list[str]:
    return [comment["text"] for comment in answer.json["comments"]]


@pytest.fixture
def cached_app(
    database_url: str, redis_url: str, tiny_model: tuple[Path, Path], clean_state: None
) -> Any:
    """An app with the page cache on for minutes: only a version change makes a page fresh."""
    return long_cached_app(database_url, redis_url, tiny_model)


def test_a_page_is_cacheable_by_browsers_and_cdns(cached_app: Any) -> None:
    client = cached_app.test_client()
    decide(cached_app, post(client, "First."), "approve")
    answer = client.get(THREAD, headers={"Origin": WIDGET_HOST_ORIGIN})
    assert answer.status_code == 200 and texts(answer) == ["First."]
    assert answer.headers["Cache-Control"] == (
        "public, max-age=7, s-maxage=60, stale-while-revalidate=9"
    )
    etag = answer.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong
    keys = surrogate_keys("default", "a-1")
    assert answer.headers["Surrogate-Key"] == " ".join(keys)
    assert answer.headers["Cache-Tag"] == ",".join(keys)
    # Only the origin varies (for Access-Control-Allow-Origin), never cookies or credentials.
    assert [v.strip() for v in answer.headers["Vary"].split(",")] == ["Origin"]
    assert answer.headers["Access-Control-Allow-Origin"] == WIDGET_HOST_ORIGIN

    again = client.get(THREAD, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"].startswith("public")
    assert client.get(THREAD, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert client.get(THREAD, headers={"If-None-Match": '"other"'}).status_code == 200
    # Each page has its own ETag; the cursor's pages too.
    decide(cached_app, post(client, "Second."), "approve")
    first_of_two = client.get(THREAD + "?limit=1")
    assert first_of_two.headers["ETag"] != client.get(THREAD).headers["ETag"]


def test_a_comments_own_status_stays_private(cached_app: Any) -> None:
    client = cached_app.test_client()
    comment_id = post(client, "Mine.")
    answer = client.get(f"/v1/comments/{comment_id}")
    assert answer.status_code == 200 and answer.json["status"] == "pending"
    assert answer.headers["Cache-Control"] == "private, no-cache"
    assert "Surrogate-Key" not in answer.headers
    etag = answer.headers["ETag"]
    assert (
        client.get(f"/v1/comments/{comment_id}", headers={"If-None-Match": etag}).status_code == 304
    )
    decide(cached_app, comment_id, "approve")
    decided = client.get(f"/v1/comments/{comment_id}", headers={"If-None-Match": etag})
    assert decided.status_code == 200 and decided.json["status"] == "approved"


def test_the_etag_changes_with_anything_readers_see(cached_app: Any) -> None:
    client = cached_app.test_client()
    first = post(client, "First.")
    decide(cached_app, first, "approve")
    tags = [client.get(THREAD).headers["ETag"]]

    pending = post(client, "Still pending.")
    assert client.get(THREAD).headers["ETag"] == tags[-1]  # a pending comment changes nothing
    decide(cached_app, pending, "approve")  # published
    answer = client.get(THREAD)
    assert texts(answer) == ["First.", "Still pending."] and answer.json["total"] == 2
    tags.append(answer.headers["ETag"])

    verified_report(report_service(cached_app), pending, "reader-1")  # hidden by reports
    answer = client.get(THREAD)
    assert texts(answer) == ["First."] and answer.json["total"] == 1
    tags.append(answer.headers["ETag"])

    decide(cached_app, first, "reject")  # removed
    answer = client.get(THREAD)
    assert texts(answer) == [] and answer.json["total"] == 0
    tags.append(answer.headers["ETag"])
    # Each change gave a new ETag (hiding the second comment gives back the first page's).
    assert all(a != b for a, b in itertools.pairwise(tags)) and tags[2] == tags[0]
    assert client.get(THREAD, headers={"If-None-Match": tags[0]}).status_code == 200


def test_pages_come_from_redis_until_the_article_changes(cached_app: Any) -> None:
    client = cached_app.test_client()
    first = post(client, "Original words.")
    decide(cached_app, first, "approve")
    assert texts(client.get(THREAD)) == ["Original words."]
    # A change behind the service's back (no transition) is not seen: the page is Redis's...
    comments = service_of(cached_app, CommentService)
    with comments.sessions.begin() as session:
        session.execute(update(Comment).where(Comment.id == first).values(text="Edited words."))
    assert texts(client.get(THREAD)) == ["Original words."]
    # ...until anything that changes readers' view of the article raises its version.
    decide(cached_app, post(client, "Second."), "approve")
    assert texts(client.get(THREAD)) == ["Edited words.", "Second."]


def test_a_page_rendered_across_a_removal_is_never_served(cached_app: Any) -> None:
    """The race: a reader renders the page (the comment still published), a moderator rejects
    the comment and commits, then the reader stores its page. The next reader must not get it."""
    client = cached_app.test_client()
    doomed = post(client, "Soon rejected.")
    decide(cached_app, doomed, "approve")
    threads = service_of(cached_app, ThreadCache)
    comments = service_of(cached_app, CommentService)

    def render_then_reject(version: str | None) -> bytes:
        page = comments.published("default", "a-1", None, 20, version=version)
        body = ",".join(thread.comment.text for thread in page.items).encode()
        decide(cached_app, doomed, "reject")  # commits and raises the version meanwhile
        return body

    stale = threads.page("default", "a-1", "oldest\x1f\x1f20", render_then_reject)
    assert stale.body == b"Soon rejected."  # this reader saw the page as it was
    for path in (THREAD, THREAD + "?limit=20", THREAD + "?order=newest"):
        assert texts(client.get(path)) == []
    assert client.get(f"/v1/comments/{doomed}").json["status"] == "rejected"


def test_a_removal_stales_every_page_and_order_of_the_article(cached_app: Any) -> None:
    client = cached_app.test_client()
    ids = [post(client, f"Comment {n}.") for n in range(3)]
    for comment_id in ids:
        decide(cached_app, comment_id, "approve")
    first = client.get(THREAD + "?limit=1")
    second = client.get(THREAD + f"?limit=1&cursor={first.json['next_cursor']}")
    newest = client.get(THREAD + "?order=newest")
    assert texts(second) == ["Comment 1."] and texts(newest)[0] == "Comment 2."
    decide(cached_app, ids[1], "reject")
    again = client.get(THREAD + f"?limit=1&cursor={first.json['next_cursor']}")
    assert texts(again) == ["Comment 2."]
    assert "Comment 1." not in texts(client.get(THREAD + "?order=newest"))


def test_sites_have_their_own_pages_and_keys(cached_app: Any) -> None:
    client = cached_app.test_client()
    made = client.post("/v1/sites", json={"id": "other"}, headers=bearer(ADMIN_TOKEN))
    assert made.status_code == 201, made.json
    decide(cached_app, post(client, "Default site."), "approve")
    decide(cached_app, post(client, "Other site.", site="other"), "approve")
    default = client.get(THREAD)
    other = client.get("/v1/sites/other/articles/a-1/comments")
    assert texts(default) == ["Default site."] and texts(other) == ["Other site."]
    assert other.headers["Surrogate-Key"] == " ".join(surrogate_keys("other", "a-1"))
    assert default.headers["Surrogate-Key"] != other.headers["Surrogate-Key"]
    assert (
        client.get(
            "/v1/sites/other/articles/a-1/comments",
            headers={"If-None-Match": default.headers["ETag"]},
        ).status_code
        == 200
    )


def test_a_page_is_served_when_redis_is_away(
    database_url: str, redis_url: str, tiny_model: tuple[Path, Path], clean_state: None
) -> None:
    settings = make_settings(database_url, redis_url, tiny_model)
    application = create_app(settings)
    client = application.test_client()
    decide(application, post(client, "Still readable."), "approve")
    threads = service_of(application, ThreadCache)
    threads.redis = type(threads.redis).from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    answer = client.get(THREAD)
    assert answer.status_code == 200 and texts(answer) == ["Still readable."]
    assert "ETag" in answer.headers


def test_a_decided_comment_is_visible_within_the_default_staleness(
    client: Any, settings: Settings
) -> None:
    """Defaults: post, a moderator approves through the API, a reader reads. The page was cached
    before; the decision makes it stale at once, and shared caches may keep it 5 s at most."""
    assert settings.reads.cache_seconds > 0 and settings.reads.staleness_seconds <= 5
    before = client.get(THREAD)
    assert texts(before) == []
    comment_id = post(client, "Worth reading.")
    version = client.get(f"/v1/review/comments/{comment_id}", headers=MODERATOR).json["version"]
    decided = client.post(
        f"/v1/review/comments/{comment_id}/decision",
        json={"action": "approve", "version": version},
        headers=MODERATOR,
    )
    assert decided.status_code == 200, decided.json
    after = client.get(THREAD, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and texts(after) == ["Worth reading."]
    max_age = dict(
        part.strip().split("=") for part in after.headers["Cache-Control"].split(",")[1:]
    )
    assert int(max_age["s-maxage"]) + int(max_age["stale-while-revalidate"]) <= 5
