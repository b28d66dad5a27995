"""Bulk approve/reject: a dry run, then a real RQ job run by a real worker in burst mode."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import func, select

from moderation.comments.models import AuditRecord, Comment
from moderation.config import Settings
from moderation.db.session import make_engine
from moderation.worker.runner import run_worker
from tests.support.settings import MODERATOR_TOKEN, OTHER_MODERATOR_TOKEN, bearer
from tests.support.workbench import comment_row, comment_state, insert_comments

ALICE, BOB = bearer(MODERATOR_TOKEN), bearer(OTHER_MODERATOR_TOKEN)
MANY = 10_000


def bulk(client: Any, **body: Any) -> Any:
    return client.post("/v1/review/bulk", json=body, headers=ALICE)


def count(database_url: str, *where: Any, table: Any = Comment) -> int:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        found = connection.scalar(select(func.count()).select_from(table).where(*where))
    engine.dispose()
    return int(found or 0)


def test_bulk_approve_of_ten_thousand_comments_by_a_worker(
    client: Any, settings: Settings, database_url: str
) -> None:
    started = time.perf_counter()
    rows = [comment_row(article_id="big-story", scores={"toxicity": 0.6}) for _ in range(MANY)]
    ids = insert_comments(database_url, rows)
    others = insert_comments(
        database_url, [comment_row(article_id="other-story") for _ in range(5)]
    )
    inserted = time.perf_counter() - started
    claimed = ids[:3]
    for comment_id in claimed:
        answer = client.post(f"/v1/review/comments/{comment_id}/claim", json={}, headers=BOB)
        assert answer.status_code == 200
    selection = {"queue": "held", "article_id": "big-story"}

    dry = bulk(client, action="approve", filter=selection, dry_run=True)
    assert dry.status_code == 200, dry.json
    assert dry.json["state"] == "done"
    assert dry.json["result"] == {
        "would_change": MANY - len(claimed),
        "claimed": len(claimed),
        "by_status": {"held": MANY},
    }
    assert count(database_url, Comment.status == "approved") == 0

    queued = bulk(client, action="approve", filter=selection, note="storm cleared")
    assert queued.status_code == 202, queued.json
    assert queued.json["state"] == "queued"
    status_url = queued.headers["Location"]

    started = time.perf_counter()
    run_worker(settings, burst=True)
    took = time.perf_counter() - started
    print(f"\ninserted {MANY} in {inserted:.1f}s; bulk job (with worker start) {took:.1f}s")

    done = client.get(status_url, headers=ALICE).json
    assert done["state"] == "done", done
    assert done["total"] == MANY and done["processed"] == MANY
    assert done["changed"] == MANY - len(claimed)
    assert done["result"]["skipped"] == {"missing": 0, "claimed": len(claimed)}
    assert len(done["result"]["changed_ids"]) == MANY - len(claimed)
    assert set(done["result"]["changed_ids"]).isdisjoint(claimed)
    assert count(database_url, Comment.status == "approved") == MANY - len(claimed)
    assert count(database_url, Comment.id.in_(claimed), Comment.status == "held") == len(claimed)
    assert all(comment_state(database_url, c)["status"] == "held" for c in others)
    moderator_rows = count(
        database_url,
        AuditRecord.actor == "alice",
        AuditRecord.reason == "bulk approve",
        AuditRecord.note == "storm cleared",
        table=AuditRecord,
    )
    assert moderator_rows == MANY - len(claimed)


def test_bulk_reject_of_a_list_of_ids(client: Any, settings: Settings, database_url: str) -> None:
    held, approved, rejected = insert_comments(
        database_url,
        [
            comment_row(),
            comment_row(status="approved", decision="approve"),
            comment_row(status="rejected", decision="reject"),
        ],
    )
    queued = bulk(
        client, action="reject", reason_code="spam", ids=[held, approved, rejected, 999_999]
    )
    assert queued.status_code == 202
    run_worker(settings, burst=True)
    done = client.get(f"/v1/review/bulk/{queued.json['id']}", headers=ALICE).json
    assert done["state"] == "done"
    assert sorted(done["result"]["changed_ids"]) == [held, approved]
    assert done["result"]["skipped"] == {"missing": 1, "already": 1}
    assert comment_state(database_url, approved)["public_reason"] == "spam"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"action": "approve"}, "ids"),
        ({"action": "approve", "ids": [1], "filter": {"queue": "held", "article_id": "a"}}, "ids"),
        ({"action": "reject", "ids": [1]}, "reason_code"),
        ({"action": "approve", "ids": []}, "ids"),
        ({"action": "approve", "ids": ["x"]}, "ids"),
        ({"action": "approve", "ids": list(range(1, 10_002))}, "ids"),
        ({"action": "approve", "filter": {"article_id": "a"}}, "queue"),
        ({"action": "approve", "filter": {"queue": "all", "article_id": "a"}}, "queue"),
        ({"action": "approve", "filter": {"queue": "held"}}, "filter"),
        ({"action": "approve", "filter": {"queue": "held", "colour": "red"}}, "colour"),
        ({"action": "hide", "ids": [1]}, "action"),
    ],
)
def test_bad_bulk_requests_name_the_field(client: Any, body: dict[str, Any], named: str) -> None:
    answer = bulk(client, **body)
    assert answer.status_code == 422, answer.json
    assert named in answer.json["message"]


def test_unknown_bulk_operation_is_404(client: Any) -> None:
    assert client.get("/v1/review/bulk/12345", headers=ALICE).status_code == 404
