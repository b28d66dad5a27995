"""Only what is new: `since` on an article's thread (comments/since.py), through the HTTP API
with the page cache on, against PostgreSQL and Redis. A `since` page shows only comments readers
may see, goes stale on the same changes as every other page of the article, and answers 304."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from moderation.comments.models import Comment
from moderation.comments.service import CommentService
from moderation.comments.transitions import transition
from moderation.web.context import service_of
from tests.integration.test_thread_cache import THREAD, decide, post, texts
from tests.support.reads import long_cached_app
from tests.support.reports import report_service, verified_report


@pytest.fixture
def cached_app(
    database_url: str, redis_url: str, tiny_model: tuple[Path, Path], clean_state: None
) -> Any:
    """The page cache on for minutes, so only the article's version makes a page fresh."""
    return long_cached_app(database_url, redis_url, tiny_model)


def published(app: Any, client: Any, text: str, parent_id: int | None = None) -> int:
    path = "/v1/articles/a-1/comments"
    body = {"author": {"id": "r1", "name": "Reader"}, "text": text, "parent_id": parent_id}
    answer = client.post(path, json=body)
    assert answer.status_code == 202, answer.json
    comment_id = int(answer.json["id"])
    decide(app, comment_id, "approve")
    return comment_id


def hold(app: Any, comment_id: int) -> None:
    """What the scoring worker does with a comment a moderator must read."""
    comments = service_of(app, CommentService)
    with comments.sessions.begin() as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        transition(
            session,
            comment,
            "held",
            comment.version,
            actor_type="system",
            actor="scoring",
            reason_code="toxic_language",
            reason="test",
        )


def test_since_answers_what_was_published_after_it_oldest_first(cached_app: Any) -> None:
    client = cached_app.test_client()
    first = published(cached_app, client, "First.")
    second = published(cached_app, client, "Second.")
    page = client.get(THREAD)
    assert page.json["latest_id"] == second and page.json["total"] == 2

    third = published(cached_app, client, "Third.")
    reply = published(cached_app, client, "A reply to the first.", parent_id=first)
    answer = client.get(f"{THREAD}?since={second}")
    assert answer.status_code == 200
    assert texts(answer) == ["Third.", "A reply to the first."]
    shown = answer.json["comments"]
    assert [c["id"] for c in shown] == [third, reply]
    assert shown[0]["parent_id"] is None and shown[0]["thread_id"] is None
    assert shown[1]["parent_id"] == first and shown[1]["thread_id"] == first
    assert all(c["replies"] == [] for c in shown)
    assert answer.json["latest_id"] == reply and answer.json["total"] == 4
    assert answer.json["next_cursor"] is None

    # Up to date: nothing new, and `latest_id` stays, so the next ask is the same URL.
    nothing = client.get(f"{THREAD}?since={reply}")
    assert texts(nothing) == [] and nothing.json["latest_id"] == reply
    assert nothing.headers["Cache-Control"].startswith("public")


def test_a_comment_approved_late_still_comes_as_new(cached_app: Any) -> None:
    """Newer means published later: a comment a moderator approves after newer ones were
    published has a smaller id, and still reaches the readers already on the page."""
    client = cached_app.test_client()
    waiting = post(client, "Written first, approved last.")
    newest = published(cached_app, client, "Written second.")
    assert texts(client.get(f"{THREAD}?since={newest}")) == []
    decide(cached_app, waiting, "approve")
    late = client.get(f"{THREAD}?since={newest}")
    assert texts(late) == ["Written first, approved last."]
    assert late.json["latest_id"] == waiting


def test_held_rejected_and_hidden_comments_never_appear(cached_app: Any) -> None:
    client = cached_app.test_client()
    start = published(cached_app, client, "Where the reader is.")
    held = post(client, "Held for a moderator.")
    hold(cached_app, held)
    rejected = post(client, "Rejected.")
    decide(cached_app, rejected, "reject")
    pending = post(client, "Still pending.")
    hidden = published(cached_app, client, "Hidden by readers' reports.")
    before_hiding = client.get(f"{THREAD}?since={start}")
    assert texts(before_hiding) == ["Hidden by readers' reports."]
    verified_report(report_service(cached_app), hidden, "reader-1")
    removed = published(cached_app, client, "Published, then removed.")
    decide(cached_app, removed, "reject")
    visible = published(cached_app, client, "Published.")

    answer = client.get(f"{THREAD}?since={start}")
    assert texts(answer) == ["Published."] and answer.json["total"] == 2
    assert answer.headers["ETag"] != before_hiding.headers["ETag"]
    # None of them is a `since` that shows more either: the position is all they lend.
    for comment_id in (held, rejected, pending, hidden, removed):
        assert texts(client.get(f"{THREAD}?since={comment_id}")) == ["Published."]
    assert visible


def test_a_since_page_answers_304_until_the_article_changes(cached_app: Any) -> None:
    client = cached_app.test_client()
    start = published(cached_app, client, "First.")
    path = f"{THREAD}?since={start}"
    empty = client.get(path)
    etag = empty.headers["ETag"]
    assert etag.startswith('"') and etag != client.get(THREAD).headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    # A pending comment changes nothing readers see; a published one makes the page fresh.
    waiting = post(client, "News.")
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    decide(cached_app, waiting, "approve")
    fresh = client.get(path, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and texts(fresh) == ["News."]
    # Removed again: the page goes back to empty, at once, though Redis keeps pages minutes.
    decide(cached_app, waiting, "reject")
    assert texts(client.get(path)) == []


def test_a_long_since_page_continues_by_cursor(cached_app: Any) -> None:
    client = cached_app.test_client()
    start = published(cached_app, client, "Start.")
    for n in range(3):
        published(cached_app, client, f"New {n}.")
    first = client.get(f"{THREAD}?since={start}&limit=2")
    assert texts(first) == ["New 0.", "New 1."] and first.json["next_cursor"]
    rest = client.get(f"{THREAD}?since={start}&limit=2&cursor={first.json['next_cursor']}")
    assert texts(rest) == ["New 2."] and rest.json["next_cursor"] is None
    # The same as asking again from the page's latest_id.
    assert texts(client.get(f"{THREAD}?since={first.json['latest_id']}&limit=2")) == ["New 2."]


@pytest.mark.parametrize(
    "query",
    [
        "since=abc",
        "since=0",
        "since=-4",
        "since=1.5",
        "since=",
        "since=99999999999999999999",
        "since=1&order=newest",
    ],
)
def test_bad_since_values_are_refused_naming_since(cached_app: Any, query: str) -> None:
    client = cached_app.test_client()
    published(cached_app, client, "First.")
    answer = client.get(f"{THREAD}?{query}")
    assert answer.status_code == 422, answer.json
    assert "since" in answer.json["errors"]["query"]


def test_a_since_that_is_not_a_comment_of_the_article_is_refused(cached_app: Any) -> None:
    client = cached_app.test_client()
    elsewhere = post(client, "Under another article.", article="a-2")
    published(cached_app, client, "First.")
    for since in (elsewhere, 987654321):
        answer = client.get(f"{THREAD}?since={since}")
        assert answer.status_code == 422, answer.json
        assert "since" in answer.json["errors"]["request"]
        assert "not a comment under article a-1" in answer.json["message"]
