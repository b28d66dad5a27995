"""Scoring jobs run by a real RQ worker (in burst mode) against the real database and Redis."""

from __future__ import annotations

from typing import Any

from redis import Redis
from rq import Queue
from sqlalchemy import func, select

from moderation.comments.models import AuditRecord, Comment
from moderation.config import Settings
from moderation.db.session import make_engine, make_session_factory
from moderation.events.models import OutboxEvent
from moderation.scoring.queue import RQWorkQueue
from moderation.worker.runner import run_worker


def post(client: Any, text: str, author: str = "r1") -> int:
    answer = client.post(
        "/v1/articles/a-1/comments", json={"author": {"id": author, "name": "R"}, "text": text}
    )
    assert answer.status_code == 202, answer.json
    return int(answer.json["id"])


def detail(client: Any, comment_id: int) -> Any:
    from tests.support.settings import MODERATOR_TOKEN, bearer

    return client.get(f"/v1/review/comments/{comment_id}", headers=bearer(MODERATOR_TOKEN)).json


def rows(settings: Settings, model: Any, comment_id: int) -> list[Any]:
    sessions = make_session_factory(make_engine(settings.database.url))
    with sessions() as session:
        return list(session.scalars(select(model).where(model.comment_id == comment_id)))


def test_benign_comment_is_published_with_every_label_written_down(
    client: Any, settings: Settings
) -> None:
    comment_id = post(client, "Thanks for the report on the council vote.")
    run_worker(settings, burst=True)

    assert client.get(f"/v1/comments/{comment_id}").json["status"] == "approved"
    found = detail(client, comment_id)
    assert found["version"] == 2
    labels = {reason["id"] for reason in found["reasons"] if reason["kind"] == "model"}
    assert labels == {
        "toxicity",
        "severe_toxicity",
        "obscene",
        "threat",
        "insult",
        "identity_attack",
    }
    assert all(reason["band"] == "publish" for reason in found["reasons"])
    audit = rows(settings, AuditRecord, comment_id)
    assert [(a.actor_type, a.from_status, a.to_status) for a in audit] == [
        ("author", None, "pending"),
        ("system", "pending", "approved"),
    ]
    events = [event.type for event in rows(settings, OutboxEvent, comment_id)]
    assert events == ["comment.created", "comment.approved"]


def test_rule_reject_skips_the_model(client: Any, settings: Settings) -> None:
    comment_id = post(client, "kill yourself")
    run_worker(settings, burst=True)
    found = detail(client, comment_id)
    assert found["status"] == "rejected" and found["reason_code"] == "offensive_language"
    assert [reason["kind"] for reason in found["reasons"]] == ["rule"]
    assert found["reasons"][0]["spans"] == [[0, 13]]


def test_model_score_above_hold_threshold_holds(client: Any, settings: Settings) -> None:
    strict = settings.replace(model={"thresholds": {"toxicity": _band(0.001, 0.99)}})
    comment_id = post(client, "An ordinary sentence.")
    run_worker(strict, burst=True)
    found = detail(client, comment_id)
    assert found["status"] == "held" and found["reason_code"] == "toxic_language"
    toxicity = next(r for r in found["reasons"] if r["id"] == "toxicity")
    assert toxicity["band"] == "hold" and toxicity["hold"] == 0.001


def test_without_a_model_comments_are_held_never_published(client: Any, settings: Settings) -> None:
    broken = settings.replace(model={"checkpoint": "/nonexistent/model.ckpt"})
    comment_id = post(client, "Lovely weather today.")
    run_worker(broken, burst=True)
    found = detail(client, comment_id)
    assert found["status"] == "held"
    assert found["reason_code"] == "awaiting_review"
    unavailable = next(r for r in found["reasons"] if r["id"] == "model_unavailable")
    assert "MODERATION_MODEL_CHECKPOINT" in unavailable["message"]


def test_without_a_model_fail_mode_leaves_comments_pending(client: Any, settings: Settings) -> None:
    broken = settings.replace(
        model={"checkpoint": "/nonexistent/model.ckpt", "on_unavailable": "fail"}
    )
    comment_id = post(client, "Lovely weather today.")
    run_worker(broken, burst=True)
    assert client.get(f"/v1/comments/{comment_id}").json["status"] == "pending"
    queue = Queue(settings.redis.score_queue, connection=Redis.from_url(settings.redis.url))
    failed_or_retrying = queue.failed_job_registry.count + queue.scheduled_job_registry.count
    assert failed_or_retrying == 1


def test_duplicate_jobs_decide_once(client: Any, settings: Settings) -> None:
    comment_id = post(client, "Said twice, decided once.")
    RQWorkQueue(Redis.from_url(settings.redis.url), settings.redis.score_queue).enqueue_scoring(
        [comment_id], coalesce=False
    )
    run_worker(settings, burst=True)
    decisions = [a for a in rows(settings, AuditRecord, comment_id) if a.actor_type == "system"]
    assert len(decisions) == 1


def test_one_job_scores_every_waiting_comment_in_one_batch(client: Any, settings: Settings) -> None:
    connection = Redis.from_url(settings.redis.url)
    ids = [post(client, f"Comment number {n}.") for n in range(5)]
    queue = Queue(settings.redis.score_queue, connection=connection)
    first_job = queue.get_jobs()[0]
    run_worker(settings, burst=True)
    result = first_job.latest_result()
    assert result is not None and result.return_value is not None
    assert result.return_value["scored"] == 5
    sessions = make_session_factory(make_engine(settings.database.url))
    with sessions() as session:
        pending = session.scalar(
            select(func.count()).select_from(Comment).where(Comment.status == "pending")
        )
    assert pending == 0 and len(ids) == 5


def _band(hold: float, reject: float) -> Any:
    from moderation.config import Thresholds

    return Thresholds(hold, reject)


def test_a_batch_is_recorded_in_one_commit_and_a_refused_row_fails_alone(
    client: Any, settings: Settings
) -> None:
    """The batch's one transaction fails on a row the database refuses; the others still land."""
    import pytest

    from moderation.pipeline.verdict import decide
    from moderation.scoring.service import ScoringService

    if settings.database.url.startswith("sqlite"):
        pytest.skip("SQLite stores NaN in a JSON column; PostgreSQL refuses it, as needed here")
    ids = [post(client, f"Batch-mate number {n}.") for n in range(3)]
    sessions = make_session_factory(make_engine(settings.database.url))
    scoring = ScoringService(sessions)
    claimed = scoring.claim(ids, "test-worker")
    thresholds = {"toxicity": (0.5, 0.9)}
    good = decide([], {"toxicity": 0.1}, thresholds)
    refused = decide([], {"toxicity": float("nan")}, thresholds)  # not valid JSON for PostgreSQL
    recorded, failed = scoring.record_batch(
        [(claimed[0], good, None), (claimed[1], refused, None), (claimed[2], good, None)]
    )
    assert recorded == [ids[0], ids[2]] and failed == [ids[1]]
    statuses = [client.get(f"/v1/comments/{i}").json["status"] for i in ids]
    assert statuses == ["approved", "pending", "approved"]
    assert [len(rows(settings, AuditRecord, i)) for i in ids] == [2, 1, 2]  # submitted (+ decided)
    # A conflict is not a failure: a comment already decided is skipped, nothing is written.
    again, failed_again = scoring.record_batch([(claimed[0], good, None)])
    assert again == [] and failed_again == []
    assert len(rows(settings, OutboxEvent, ids[0])) == 2  # comment.created, comment.approved


def test_a_batch_refused_after_its_update_still_records_the_batch_mates(
    client: Any, settings: Settings
) -> None:
    """The batch's UPDATE goes through and its outbox INSERT is refused: the comments are
    put back to the versions the database kept, so the one-by-one fallback records the rest."""
    import pytest

    from moderation.pipeline.verdict import decide
    from moderation.scoring.service import ScoringService
    from tests.support.database import refusing_rows

    if settings.database.url.startswith("sqlite"):
        pytest.skip("adds a CHECK constraint to a table, which SQLite cannot")
    ids = [post(client, f"Batch-mate number {n}.") for n in range(3)]
    scoring = ScoringService(make_session_factory(make_engine(settings.database.url)))
    claimed = scoring.claim(ids, "test-worker")
    good = decide([], {"toxicity": 0.1}, {"toxicity": (0.5, 0.9)})
    refused = f"type <> 'comment.approved' OR comment_id <> {ids[1]}"
    with refusing_rows(settings.database.url, "outbox_events", refused):
        recorded, failed = scoring.record_batch([(comment, good, None) for comment in claimed])
    assert recorded == [ids[0], ids[2]] and failed == [ids[1]]
    statuses = [client.get(f"/v1/comments/{i}").json["status"] for i in ids]
    assert statuses == ["approved", "pending", "approved"]


def test_a_moderator_deciding_mid_batch_wins_and_the_rest_of_the_batch_is_recorded(
    client: Any, settings: Settings
) -> None:
    from moderation.pipeline.verdict import decide
    from moderation.scoring.service import ScoringService
    from tests.support.settings import MODERATOR_TOKEN, bearer

    ids = [post(client, f"Scored while a moderator looks, number {n}.") for n in range(3)]
    scoring = ScoringService(make_session_factory(make_engine(settings.database.url)))
    claimed = scoring.claim(ids, "test-worker")
    answer = client.post(
        f"/v1/review/comments/{ids[1]}/decision",
        json={"action": "reject", "reason_code": "spam", "version": 1},
        headers=bearer(MODERATOR_TOKEN),
    )
    assert answer.status_code == 200, answer.json
    approve = decide([], {"toxicity": 0.1}, {"toxicity": (0.5, 0.9)})
    recorded, failed = scoring.record_batch([(comment, approve, None) for comment in claimed])
    assert recorded == [ids[0], ids[2]] and failed == []
    statuses = [client.get(f"/v1/comments/{i}").json["status"] for i in ids]
    assert statuses == ["approved", "rejected", "approved"]  # the moderator's call stands
    machine = [a for a in rows(settings, AuditRecord, ids[1]) if a.actor_type == "system"]
    assert machine == []
    events = [e.type for e in rows(settings, OutboxEvent, ids[0])]
    assert events == ["comment.created", "comment.approved"]
