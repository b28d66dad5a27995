"""The review queues: severity order, filters, cursor pages, counts, bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.support.settings import MODERATOR_TOKEN, bearer
from tests.support.workbench import comment_row, insert_comments

ALICE = bearer(MODERATOR_TOKEN)
NOW = dt.datetime.now(dt.UTC)


def queue(client: Any, query: str = "") -> Any:
    answer = client.get(f"/v1/review/queue{query}", headers=ALICE)
    assert answer.status_code == 200, answer.json
    return answer.json


@pytest.fixture
def mixed(database_url: str, clean_state: None) -> dict[str, int]:
    """Held comments of different severity and age, and some in other queues."""
    rows = {
        "mild_new": comment_row(scores={"toxicity": 0.55}, created_at=NOW),
        "severe_new": comment_row(
            rules=[("banned_terms", "reject")], scores={"toxicity": 0.9}, created_at=NOW
        ),
        "link_old": comment_row(
            rules=[("links", "hold")],
            scores={"toxicity": 0.1},
            created_at=NOW - dt.timedelta(days=3),
        ),
        "other_article": comment_row(
            article_id="article-2", author_id="author-2", scores={"insult": 0.7}
        ),
        "approved": comment_row(status="approved", decision="approve", scores={"toxicity": 0.01}),
        "rejected": comment_row(
            status="rejected", decision="reject", rules=[("banned_terms", "reject")]
        ),
    }
    ids = insert_comments(database_url, list(rows.values()))
    return dict(zip(rows, ids, strict=True))


def test_held_queue_is_ordered_by_severity_with_age(client: Any, mixed: dict[str, int]) -> None:
    page = queue(client)
    order = [item["id"] for item in page["comments"]]
    # three days of waiting outweigh a hold rule's severity; a reject rule tops a fresh queue
    assert order[:2] == [mixed["link_old"], mixed["severe_new"]]
    assert set(order) == {mixed[k] for k in ("mild_new", "severe_new", "link_old", "other_article")}
    assert page["total"] == 4
    assert page["counts"] == {
        "held": 4,
        "reported": 0,
        "rejected": 1,
        "approved": 1,
        "pending": 0,
        "spot_check": 0,
        "all": 6,
    }
    first = page["comments"][1]
    assert first["severity"] == pytest.approx(1.9)
    assert first["summary"] == ["banned_terms matched", "toxicity 0.9"]
    oldest = queue(client, "?sort=oldest")
    assert [item["id"] for item in oldest["comments"]] == sorted(order)


def test_filters_narrow_the_queue_and_its_counts(client: Any, mixed: dict[str, int]) -> None:
    assert [c["id"] for c in queue(client, "?rule_id=links")["comments"]] == [mixed["link_old"]]
    assert queue(client, "?queue=all&rule_id=banned_terms")["counts"]["all"] == 2
    by_article = queue(client, "?article_id=article-2")
    assert [c["id"] for c in by_article["comments"]] == [mixed["other_article"]]
    by_author = queue(client, "?queue=all&author_id=author-2")
    assert by_author["total"] == 1
    scored = queue(client, "?label=toxicity&min_score=0.5&max_score=0.95")
    assert {c["id"] for c in scored["comments"]} == {mixed["mild_new"], mixed["severe_new"]}
    since = (NOW - dt.timedelta(days=1)).isoformat()
    recent = queue(client, "?since=" + since.replace("+", "%2B"))
    assert mixed["link_old"] not in {c["id"] for c in recent["comments"]}
    assert [c["id"] for c in queue(client, "?queue=rejected")["comments"]] == [mixed["rejected"]]


def test_cursor_pages_cover_the_queue_once(
    client: Any, database_url: str, clean_state: None
) -> None:
    rows = [comment_row(scores={"toxicity": (i % 7) / 10 + 0.3}) for i in range(23)]
    ids = insert_comments(database_url, rows)
    for sort in ("severity", "oldest", "newest"):
        seen: list[int] = []
        cursor = ""
        while True:
            page = queue(client, f"?sort={sort}&limit=5" + (f"&cursor={cursor}" if cursor else ""))
            seen += [c["id"] for c in page["comments"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted(ids) and len(seen) == len(ids), sort
    severities = [c["severity"] for c in queue(client, "?limit=100")["comments"]]
    assert severities == sorted(severities, reverse=True)  # same age: severity alone


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("?queue=later", "queue"),
        ("?sort=random", "sort"),
        ("?limit=0", "limit"),
        ("?min_score=0.5", "label"),
        ("?label=toxicity&min_score=2", "min_score"),
        ("?label=Tox!", "label"),
        ("?since=yesterday", "since"),
        ("?since=2026-01-01T00:00:00", "since"),
        ("?cursor=bm9wZQ", "cursor"),
        ("?colour=red", "colour"),
    ],
)
def test_bad_queue_queries_name_the_parameter(client: Any, query: str, named: str) -> None:
    answer = client.get(f"/v1/review/queue{query}", headers=ALICE)
    assert answer.status_code == 422, answer.json
    assert named in answer.json["message"]


def test_a_severity_cursor_is_not_an_oldest_cursor(client: Any, database_url: str) -> None:
    insert_comments(database_url, [comment_row() for _ in range(3)])
    cursor = queue(client, "?limit=1")["next_cursor"]
    answer = client.get(f"/v1/review/queue?sort=oldest&cursor={cursor}", headers=ALICE)
    assert answer.status_code == 422 and "cursor" in answer.json["message"]
